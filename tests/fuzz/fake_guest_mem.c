/* vmm/guest_mem.c for the fuzz build: the same refusals, but guest memory
 * is fake_mem[], repeated every FAKE_MEM_SIZE bytes over guest-physical
 * space, so that every address the guest's page tables name reads fuzz
 * data. Every accepted write is recorded for the harness, which checks
 * that guest memory changed nowhere else. */
#include <string.h>
#include "vmm/guest_mem.h"
#include "vmm/vmm.h"
#include "tests/fuzz/fake_state.h"

uint8_t fake_mem[FAKE_MEM_SIZE];

/* The rules of vmm/guest_mem.c, which the real build links instead. */
bool guest_mem_allowed(uint64_t gpa, size_t len)
{
	uint64_t last = gpa + len - 1;

	if (!len || last < gpa || last >= vmm.bi.map_limit)
		return false;
	if (gpa < vmm.bi.region_base + vmm.bi.region_size && last >= vmm.bi.region_base)
		return false;
	if (vmm.apic_page && gpa < vmm.apic_page + 0x1000u && last >= vmm.apic_page)
		return false;
	return true;
}

bool guest_mem_read(uint64_t gpa, void *buf, size_t len)
{
	uint8_t *b = buf;

	if (!guest_mem_allowed(gpa, len))
		return false;
	for (size_t i = 0; i < len; i++)
		b[i] = fake_mem[(gpa + i) % FAKE_MEM_SIZE];
	return true;
}

bool guest_mem_write(uint64_t gpa, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	if (!guest_mem_allowed(gpa, len))
		return false;
	if (fake.mem_write_count == FAKE_MEM_WRITES_MAX)
		fuzz_bug("more than %u guest memory writes in one exit", FAKE_MEM_WRITES_MAX);
	fake.mem_writes[fake.mem_write_count++] = (struct fake_mem_write){ gpa, len };
	for (size_t i = 0; i < len; i++)
		fake_mem[(gpa + i) % FAKE_MEM_SIZE] = b[i];
	return true;
}

bool guest_mem_read_fn(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	return guest_mem_read(gpa, buf, len);
}
