#include "vmm/integrity.h"
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

uint64_t integrity_hash(void)
{
	uint64_t h = FNV_OFFSET;

	h = fnv_range(h, vmm.hashed_start, vmm.hashed_end);
	h = fnv_range(h, vmm.host_tables_start, vmm.host_tables_end);
	for (uint64_t a = vmm.ept_tables_start; a < vmm.ept_tables_end; a += sizeof(uint64_t)) {
		uint64_t e = *(const uint64_t *)(uintptr_t)a;

		if ((e & EPT_ADDR_MASK) == vmm.sink_page)
			e = 0;
		h = fnv_bytes(h, &e, sizeof(e));
	}
	h = fnv_range(h, host_idt_base(), host_idt_base() + IDT_VECTORS * sizeof(struct idt_gate));
	h = fnv_range(h, vmm.msr_bitmap_phys, vmm.msr_bitmap_phys + 4096);
	return h;
}
