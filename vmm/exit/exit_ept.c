/* EPT exits (SDM Vol. 3C, 29.3.3 "EPT-Induced VM Exits"; qualification in
 * 28.2.1, Table 28-7). The identity map built at launch covers [0, map
 * limit) except the VMM region. Expected violations:
 *  - a guest access to the region: that page is pointed at the sink page
 *    (a shared page of 0xFF bytes that holds nothing of the VMM), so reads
 *    see no VMM data, writes land in the sink, and the guest goes on;
 *  - a write to the read-only xAPIC page (vmm/exit/exit_apic.c);
 *  - the first access to an address at or above the map limit, where
 *    firmware and OS put 64-bit PCI BARs that the memory map does not
 *    list: mapped then (vmm/memory/ept_live.c), identity, typed by the MTRRs.
 *    Mapping on first access rather than the whole physical space up
 *    front: it works without 1 GiB EPT pages too (a 46-bit space of 2 MiB
 *    pages would take 256 MiB of tables), and costs only the tables of
 *    what the guest touches.
 * No GPA at or above 2^MAXPHYADDR reaches here: the guest cannot form
 * one. Paging reports such an address in a paging-structure entry or CR3
 * as a reserved bit (#PF with RSVD set, Vol. 3A, 5.7 "Page-Fault
 * Exceptions"), before EPT sees it, and without paging addresses have 32
 * bits. Anything else is a VMM bug: dump and stop. */
#include "vmm/memory/ept_live.h"
#include "vmm/exit/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/log/log.h"
#include "vmm/vmm.h"
#include "arch/x86_64/vmx.h"
#include "ept/ept.h"
#include "ept/mtrr.h"

#define EPT_SINK_LOG_LIMIT 8u
#define EPT_MAP_LOG_LIMIT 16u   /* mappings above the map limit logged */
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

/* Below 2^MAXPHYADDR: no address bit the CPU does not have. */
static bool below_maxphyaddr(uint64_t gpa)
{
	return (gpa & ~(mtrr_phys_addr_bits(&vmm.guest_mtrr.state) | (PAGE_SIZE - 1))) == 0;
}

/* The first access to gpa, above the map limit and below 2^MAXPHYADDR. */
static enum exit_result map_above_limit(uint64_t gpa, uint64_t qual)
{
	static uint32_t logged;
	struct ept_mapping m;
	int rc = ept_live_map(gpa, &m);

	if (rc) {
		/* Only beyond a 4-level walk (MAXPHYADDR above 48), or with no
		 * page and no sink tables: nothing can map it. */
		log_err("ept", "guest %s of GPA %llx above the map limit: cannot be mapped (%d)",
			access_kind(qual), (unsigned long long)gpa, rc);
		return EXIT_FATAL;
	}
	/* Present now: the access gets what the entry allows. A fetch from
	 * the sink's unbacked memory is the #UD its FF FF would give. */
	if ((qual & QUAL_FETCH) && m.sink) {
		inject_ud();
		return EXIT_RESUME;
	}
	if (!m.was_present && __atomic_fetch_add(&logged, 1, __ATOMIC_RELAXED) < EPT_MAP_LOG_LIMIT)
		log_info("ept", "guest %s of GPA %llx above the map limit: %s [%llx, %llx) %s",
			 access_kind(qual), (unsigned long long)gpa,
			 m.sink ? "no table left, unbacked memory for" : "mapped identity",
			 (unsigned long long)m.start, (unsigned long long)(m.start + m.size),
			 m.sink ? "(the sink page)" : memtype_name(m.type));
	invept(vmm.ctl.invept_single ? INVEPT_SINGLE_CONTEXT : INVEPT_ALL_CONTEXT, vmm.eptp);
	return EXIT_RESUME;
}

enum exit_result handle_ept_violation(struct vcpu *v)
{
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYS_ADDR);
	uint64_t qual = vmcs_readl(VMCS_EXIT_QUALIFICATION);
	uint64_t page = gpa & ~(PAGE_SIZE - 1);

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
	if (gpa >= vmm.bi.map_limit && below_maxphyaddr(gpa))
		return map_above_limit(gpa, qual);
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
