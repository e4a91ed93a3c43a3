/* Control-register accesses (SDM Vol. 3C, 26.1.3; qualification in
 * 28.2.1, Table 28-3). CR0 and CR4 exit when the guest writes a bit the
 * VMM owns (the guest/host masks of vmm/policy/cr_policy.c): the guest reads its
 * own values from the read shadows while the hardware keeps VMX's fixed
 * bits and CR4.VMXE. MOV CR3 exits only on CPUs that force CR3 exiting. */
#include "vmm/policy/cr_policy.h"
#include "vmm/exit/exit_table.h"
#include "vmm/memory/guest_mem.h"
#include "vmm/memory/guest_paging.h"
#include "vmm/guest_state.h"
#include "vmm/log/log.h"
#include "vmm/vmm.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmx.h"

#define QUAL_CR_MASK         0xFull
#define QUAL_ACCESS_SHIFT    4
#define QUAL_ACCESS_MASK     3ull
#define QUAL_GPR_SHIFT       8
#define QUAL_GPR_MASK        0xFull
#define QUAL_LMSW_SHIFT      16
#define ACCESS_MOV_TO_CR     0
#define ACCESS_MOV_FROM_CR   1
#define ACCESS_CLTS          2
#define ACCESS_LMSW          3
#define LMSW_BITS            (CR0_PE | CR0_MP | CR0_EM | CR0_TS)
/* A MOV that changes one of these bits while PAE paging stays or comes on
 * loads the PDPTEs (SDM Vol. 3A, 5.4.1 "PDPTE Registers"); they also
 * change what the TLB may hold (5.10.4.1 "Operations that Invalidate TLBs
 * and Paging-Structure Caches"). */
#define CR0_PDPTE_BITS       (CR0_CD | CR0_NW | CR0_PG)
#define CR4_PDPTE_BITS       (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)
#define CR0_TLB_BITS         (CR0_PG | CR0_WP | CR0_CD | CR0_NW)
#define CR4_TLB_BITS         (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | \
			      CR4_PKE | CR4_LA57)

static uint64_t guest_visible(uint64_t real, uint64_t shadow, uint64_t mask)
{
	return (real & ~mask) | (shadow & mask);
}

static uint64_t guest_cr4_visible(void)
{
	return guest_visible(vmcs_readl(VMCS_GUEST_CR4), vmcs_readl(VMCS_CR4_READ_SHADOW),
			     vmcs_readl(VMCS_CR4_GUEST_HOST_MASK));
}

/* Paging turned on with EFER.LME activates IA-32e mode; turned off, it
 * leaves it (SDM Vol. 3A, 10.8.5 "Initializing IA-32e Mode"). The VMM keeps
 * EFER.LMA and the "IA-32e mode guest" entry control in step. */
static void track_long_mode(uint64_t old_cr0, uint64_t new_cr0)
{
	uint64_t efer = vmcs_read64(VMCS_GUEST_EFER);
	uint32_t entry = vmcs_read32(VMCS_ENTRY_CTLS);

	if (!(old_cr0 & CR0_PG) && (new_cr0 & CR0_PG) && (efer & EFER_LME)) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE_GUEST;
	} else if ((old_cr0 & CR0_PG) && !(new_cr0 & CR0_PG)) {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E_MODE_GUEST;
	} else {
		return;
	}
	vmcs_write64(VMCS_GUEST_EFER, efer);
	vmcs_write32(VMCS_ENTRY_CTLS, entry);
}

/* The paging state an emulated MOV leaves (visible CR0/CR4, CR3, EFER
 * after it). With PAE paging on, VM entry takes the PDPTEs from the VMCS
 * (Vol. 3C, 27.3.2.4 "Loading Page-Directory-Pointer-Table Entries"):
 * they are read here as the MOV reads them, and a reserved bit makes the
 * MOV #GP. Returns false for that #GP; nothing has changed then. */
static bool load_pdptes(uint64_t cr0, uint64_t cr3, uint64_t cr4, bool lma)
{
	uint64_t pdpte[4];

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || lma)
		return true;
	if (guest_pae_pdptes(cr3, vmm.maxphyaddr, guest_mem_read_fn, NULL, pdpte) != GP_OK)
		return false;
	for (unsigned i = 0; i < 4; i++)
		vmcs_write_raw(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
	return true;
}

/* The guest's translations (its VPID) go as the MOV would drop them: a
 * VMWRITE of CR0, CR3 or CR4 flushes nothing. */
static void flush_guest_tlb(void)
{
	if (vmm.ctl.vpid)
		invvpid(INVVPID_SINGLE_CONTEXT, VMX_GUEST_VPID);
}

static enum exit_result refuse(const char *what, uint64_t value)
{
	log_debug("cr", "MOV %s = %llx: #GP", what, (unsigned long long)value);
	inject_gp0();
	return EXIT_RESUME;
}

uint64_t guest_cr0_visible(void)
{
	return guest_visible(vmcs_readl(VMCS_GUEST_CR0), vmcs_readl(VMCS_CR0_READ_SHADOW),
			     vmcs_readl(VMCS_CR0_GUEST_HOST_MASK));
}

static enum exit_result emulate_mov_cr0(uint64_t value)
{
	uint64_t efer = vmcs_read64(VMCS_GUEST_EFER);
	uint64_t old_real = vmcs_readl(VMCS_GUEST_CR0), old = guest_cr0_visible();
	uint64_t cr4 = guest_cr4_visible(), new_real;
	bool lma = (value & CR0_PG) ? (efer & (EFER_LMA | EFER_LME)) != 0 : false;

	if (cr0_write_faults(value, cr4, (efer & EFER_LME) != 0, guest_in_64bit_mode()))
		return refuse("CR0", value);
	if (((old ^ value) & CR0_PDPTE_BITS) &&
	    !load_pdptes(value, vmcs_readl(VMCS_GUEST_CR3), cr4, lma))
		return refuse("CR0 (PDPTEs)", value);
	new_real = cr0_real_value(&vmm.cr_fixed, value);
	track_long_mode(old_real, new_real);
	vmcs_writel(VMCS_CR0_READ_SHADOW, value);
	vmcs_writel(VMCS_GUEST_CR0, new_real);
	if ((old ^ value) & CR0_TLB_BITS)
		flush_guest_tlb();
	return EXIT_NEXT_INSN;
}

static enum exit_result emulate_mov_cr4(uint64_t value)
{
	bool long_mode = (vmcs_read64(VMCS_GUEST_EFER) & EFER_LMA) != 0;
	uint64_t old = guest_cr4_visible();

	if (cr4_write_faults(&vmm.cr_fixed, value, long_mode))
		return refuse("CR4", value);
	if (((old ^ value) & CR4_PDPTE_BITS) &&
	    !load_pdptes(guest_cr0_visible(), vmcs_readl(VMCS_GUEST_CR3), value, long_mode))
		return refuse("CR4 (PDPTEs)", value);
	vmcs_writel(VMCS_CR4_READ_SHADOW, value);
	vmcs_writel(VMCS_GUEST_CR4, cr4_real_value(&vmm.cr_fixed, value) | CR4_VMXE);
	if ((old ^ value) & CR4_TLB_BITS)
		flush_guest_tlb();
	return EXIT_NEXT_INSN;
}

/* MOV to CR3, where the CPU forces CR3-load exiting: PDPTEs under PAE
 * paging, the guest's translations dropped. */
static enum exit_result emulate_mov_cr3(uint64_t value)
{
	uint64_t cr3 = value & ~CR3_NO_FLUSH;
	bool lma = (vmcs_read64(VMCS_GUEST_EFER) & EFER_LMA) != 0;

	if (!load_pdptes(guest_cr0_visible(), cr3, guest_cr4_visible(), lma))
		return refuse("CR3 (PDPTEs)", value);
	vmcs_writel(VMCS_GUEST_CR3, cr3);
	flush_guest_tlb();
	return EXIT_NEXT_INSN;
}

enum exit_result handle_cr_access(struct vcpu *v)
{
	uint64_t qual = vmcs_readl(VMCS_EXIT_QUALIFICATION);
	unsigned cr = (unsigned)(qual & QUAL_CR_MASK);
	unsigned access = (unsigned)((qual >> QUAL_ACCESS_SHIFT) & QUAL_ACCESS_MASK);
	unsigned gpr = (unsigned)((qual >> QUAL_GPR_SHIFT) & QUAL_GPR_MASK);

	switch (access) {
	case ACCESS_MOV_TO_CR:
		if (cr == 0)
			return emulate_mov_cr0(guest_gpr(v, gpr));
		if (cr == 4)
			return emulate_mov_cr4(guest_gpr(v, gpr));
		if (cr == 3)
			return emulate_mov_cr3(guest_gpr(v, gpr));
		break;
	case ACCESS_MOV_FROM_CR:
		if (cr == 3) {
			guest_set_gpr(v, gpr, vmcs_readl(VMCS_GUEST_CR3));
			return EXIT_NEXT_INSN;
		}
		break;
	case ACCESS_CLTS:
		return emulate_mov_cr0(guest_cr0_visible() & ~CR0_TS);
	case ACCESS_LMSW:
		/* LMSW sets PE but cannot clear it (SDM Vol. 2, LMSW). */
		return emulate_mov_cr0((guest_cr0_visible() & ~(LMSW_BITS & ~CR0_PE)) |
				       ((qual >> QUAL_LMSW_SHIFT) & LMSW_BITS));
	}
	log_err("cr", "unexpected CR access: CR%u, access type %u, qualification %llx",
		cr, access, (unsigned long long)qual);
	return EXIT_FATAL;
}
