#include <stddef.h>
#include "vmm/setup/integrity.h"
#include "vmm/policy/msr_policy.h"  /* MSR_BITMAP_SIZE */
#include "vmm/vmm.h"
#include "arch/x86_64/descriptors.h"
#include "ept/ept.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static uint64_t fnv_bytes(uint64_t h, const void *p, uint64_t n)
{
	const uint8_t *b = p;

	for (uint64_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t fnv_range(uint64_t h, uint64_t start, uint64_t end)
{
	return fnv_bytes(h, (const void *)(uintptr_t)start, end - start);
}

/* A region page mapped to the sink on first touch (vmm/exit/exit_ept.c) is, for
 * the hash, the same as before: not present. Only that exact entry: the
 * sink page, read/write, write-back, never executable; any other bits on
 * a sink entry change the hash. */
#define SINK_ENTRY_FLAGS (EPT_READ | EPT_WRITE | ((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT))

static uint64_t ept_entry_as_hashed(uint64_t e)
{
	if ((e & EPT_ADDR_MASK) == vmm.sink_page && (e & ~EPT_ADDR_MASK) == SINK_ENTRY_FLAGS)
		return 0;
	return e;
}

uint64_t integrity_hash(void)
{
	uint64_t h = FNV_OFFSET;

	h = fnv_range(h, vmm.hashed_start, vmm.hashed_end);
	/* The VMM's settled state (struct vmm up to the fields that move:
	 * the CPU count claimed, the pool, the live EPT's bookkeeping): the
	 * region bounds guest_mem_allowed() trusts, EPTP, the sink and APIC
	 * pages, the controls. */
	h = fnv_bytes(h, &vmm, offsetof(struct vmm, cpus_claimed));
	h = fnv_range(h, vmm.bi.host_tables_start, vmm.bi.host_tables_end);
	for (uint64_t a = vmm.ept_tables_start; a < vmm.ept_tables_end; a += sizeof(uint64_t)) {
		uint64_t e = ept_entry_as_hashed(*(const uint64_t *)(uintptr_t)a);

		h = fnv_bytes(h, &e, sizeof(e));
	}
	h = fnv_range(h, host_idt_base(), host_idt_base() + IDT_VECTORS * sizeof(struct idt_gate));
	h = fnv_range(h, vmm.msr_bitmap_phys, vmm.msr_bitmap_phys + MSR_BITMAP_SIZE);
	return h;
}
