#include "vmm/memory/guest_mem.h"
#include "arch/x86_64/paging.h"
#include "lib/lib.h"
#include "vmm/vmm.h"

bool guest_mem_allowed(uint64_t gpa, size_t len)
{
	uint64_t last = gpa + len - 1;

	if (!len || last < gpa || last >= vmm.bi.map_limit)
		return false;
	/* Overlap tests: a range may also straddle a whole hole. */
	if (gpa < vmm.bi.region_base + vmm.bi.region_size && last >= vmm.bi.region_base)
		return false;
	if (vmm.apic_page && gpa < vmm.apic_page + PAGE_SIZE && last >= vmm.apic_page)
		return false;
	return true;
}

bool guest_mem_write(uint64_t gpa, const void *buf, size_t len)
{
	if (!guest_mem_allowed(gpa, len))
		return false;
	memcpy((void *)(uintptr_t)gpa, buf, len);
	return true;
}

bool guest_mem_read_fn(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	if (!guest_mem_allowed(gpa, len))
		return false;
	memcpy(buf, (const void *)(uintptr_t)gpa, len);
	return true;
}
