/* The EPT after launch (vmm/memory/ept_live.h). EPT is one set of tables for all
 * CPUs, so a change made on one CPU reaches the others' walks at once,
 * but not what they cached: INVEPT invalidates only the executing CPU's
 * cached mappings (SDM Vol. 3C, 29.4.3 "Invalidating Cached Translation
 * Information"). Each CPU therefore compares the generation it last
 * invalidated for with ept_gen at every exit. A first mapping of an
 * address needs none of that: the EPT violation that asks for it has
 * already invalidated what the faulting CPU cached for that address
 * (29.4.3.1 "Operations that Invalidate Cached Mappings"), and any other
 * CPU gets its own violation and finds the entry present. */
#include "vmm/memory/ept_live.h"
#include "vmm/spinlock.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vmx.h"

void ept_live_lock(void)
{
	spin_lock(&vmm.ept_lock);
}

void ept_live_unlock(void)
{
	spin_unlock(&vmm.ept_lock, 1);
}

/* The guest's memory as EPT maps it now: its MTRRs, the VMM region as
 * the one hole (the APIC page lies in an already split table), the sink
 * tables where there are some. */
static struct ept_config live_config(struct phys_range *region)
{
	struct ept_config cfg = {
		.mtrr = &vmm.guest_mtrr.state,
		.limit = vmm.bi.map_limit,
		.use_1g = vmm.ctl.ept_1g,
		.holes = region,
		.hole_count = 1,
		.sink = vmm.ept_sink_filled ? &vmm.ept_sink : NULL,
	};

	region->start = vmm.bi.region_base;
	region->end = vmm.bi.region_base + vmm.bi.region_size;
	return cfg;
}

void ept_live_retype(struct ept_stats *st)
{
	struct phys_range region;
	struct ept_config cfg = live_config(&region);

	ept_retype(&cfg, &vmm.pages, vmm.ept_pml4, st);
	__atomic_add_fetch(&vmm.ept_gen, 1, __ATOMIC_RELEASE);
}

int ept_live_map(uint64_t gpa, struct ept_mapping *m)
{
	struct phys_range region;
	struct ept_config cfg;
	int rc;

	ept_live_lock();
	/* The sink tables' pages were set aside at launch, before the sink
	 * page existed: filled on first need. */
	if (!vmm.ept_sink_filled && vmm.ept_sink.pt && vmm.sink_page) {
		ept_sink_tables_fill(&vmm.pages, &vmm.ept_sink, vmm.sink_page);
		vmm.ept_sink_filled = true;
	}
	cfg = live_config(&region);
	rc = ept_map_on_demand(&cfg, &vmm.pages, vmm.ept_pml4, gpa, m, NULL);
	ept_live_unlock();
	return rc;
}

void ept_live_sync(struct vcpu *v)
{
	uint32_t gen = __atomic_load_n(&vmm.ept_gen, __ATOMIC_ACQUIRE);

	if (v->index >= BOOT_INFO_MAX_CPUS || vmm.ept_gen_seen[v->index] == gen)
		return;
	invept(vmm.ctl.invept_single ? INVEPT_SINGLE_CONTEXT : INVEPT_ALL_CONTEXT, vmm.eptp);
	vmm.ept_gen_seen[v->index] = gen;
}
