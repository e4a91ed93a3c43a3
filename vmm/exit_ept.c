/* EPT exits (SDM Vol. 3C, 29.3.3 "EPT-Induced VM Exits"; qualification in
 * 28.2.1, Table 28-7). The identity map covers everything the guest may
 * use except the VMM region. A guest access to the region is the only
 * expected violation: that page is pointed at the sink page (a shared page
 * of 0xFF bytes that holds nothing of the VMM), so reads see no VMM data,
 * writes land in the sink, and the guest goes on. Anything else is a VMM
 * bug or an access beyond the mapped space: dump and stop. */
#include "vmm/exit_apic.h"
#include "vmm/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/log.h"
#include "vmm/vmm.h"
#include "arch/x86_64/vmx.h"
#include "ept/ept.h"
#include "ept/mtrr.h"

#define EPT_SINK_LOG_LIMIT 8u
#define QUAL_READ  (1ull << 0)
#define QUAL_WRITE (1ull << 1)
#define QUAL_FETCH (1ull << 2)

static const char *access_kind(uint64_t qual)
{
	if (qual & QUAL_WRITE)
		return "write";
	if (qual & QUAL_FETCH)
		return "fetch";
	return "read";
}

enum exit_result handle_ept_violation(struct vcpu *v)
{
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYS_ADDR);
	uint64_t qual = vmcs_readl(VMCS_EXIT_QUALIFICATION);
	uint64_t page = gpa & ~(EPT_PAGE_4K - 1);

	if (vmm_region_contains(gpa)) {
		/* Never executable: a fetch gets the #UD that the sink's FF FF
		 * (undefined group-5 opcode) would give (docs/security.md). */
		if (qual & QUAL_FETCH) {
			log_debug("ept", "guest fetch from VMM page %llx: #UD", (unsigned long long)gpa);
			inject_ud();
			return EXIT_RESUME;
		}
		if (v->ept_sink_logged < EPT_SINK_LOG_LIMIT) {
			v->ept_sink_logged++;
			log_warn("ept", "guest %s of VMM page %llx (RIP %llx, qualification %llx): "
				 "mapped to the sink page",
				 access_kind(qual), (unsigned long long)gpa,
				 (unsigned long long)vmcs_readl(VMCS_GUEST_RIP),
				 (unsigned long long)qual);
		}
		if (ept_set_4k(&vmm.pages, vmm.ept_pml4, page, vmm.sink_page,
			       EPT_READ | EPT_WRITE, MEMTYPE_WB)) {
			log_err("ept", "no PTE for VMM page %llx", (unsigned long long)page);
			return EXIT_FATAL;
		}
		/* This CPU's cached translations; other CPUs only ever gain
		 * access to the sink (a stale not-present entry faults again). */
		invept(vmm.ctl.invept_single ? INVEPT_SINGLE_CONTEXT : INVEPT_ALL_CONTEXT, vmm.eptp);
		return EXIT_RESUME;
	}
	if (apic_page_contains(gpa) && (qual & QUAL_WRITE))
		return apic_write_exit(v, gpa);
	log_err("ept", "EPT violation outside the VMM region: GPA %llx, %s, qualification %llx, "
		"linear %llx, RIP %llx", (unsigned long long)gpa, access_kind(qual),
		(unsigned long long)qual, (unsigned long long)vmcs_readl(VMCS_GUEST_LINEAR_ADDR),
		(unsigned long long)vmcs_readl(VMCS_GUEST_RIP));
	return EXIT_FATAL;
}

enum exit_result handle_ept_misconfig(struct vcpu *v)
{
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYS_ADDR);
	unsigned level = 0;
	uint64_t entry = ept_lookup(&vmm.pages, vmm.ept_pml4, gpa, &level);

	(void)v;
	log_err("ept", "EPT misconfiguration at GPA %llx: entry %llx at level %u",
		(unsigned long long)gpa, (unsigned long long)entry, level);
	return EXIT_FATAL;
}
