/* VMCS contents. Intel SDM Vol. 3C, 25.4 "Guest-State Area", 25.5
 * "Host-State Area", 25.6-25.8 the control fields, and the checks of
 * 27.2-27.3 "Checks on VMX Controls and Host-State Area" / "Checking and
 * Loading Guest State" that these values must pass. */
#include "vmm/setup/vmcs_setup.h"
#include "vmm/exit/exit_io.h"
#include "vmm/log/log.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/descriptors.h"
#include "arch/x86_64/host_guard.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmx.h"

#define VMCS_LINK_NONE   (~0ull)
#define VPID_NONE        0
#define TSS_LIMIT_MIN    0x67u
#define AR_TR_FALLBACK   (AR_TYPE_TSS64_BUSY | AR_P)

void vmcs_setup_controls(void)
{
	vmcs_write32(VMCS_PIN_CTLS, vmm.ctl.pin);
	vmcs_write32(VMCS_PROC_CTLS, vmm.ctl.proc);
	vmcs_write32(VMCS_PROC_CTLS2, vmm.ctl.proc2);
	vmcs_write16(VMCS_VPID, vmm.ctl.vpid ? VMX_GUEST_VPID : VPID_NONE);
	vmcs_write32(VMCS_EXIT_CTLS, vmm.ctl.exit);
	vmcs_write32(VMCS_ENTRY_CTLS, vmm.ctl.entry);
	vmcs_write32(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write32(VMCS_PF_ERROR_MASK, 0);
	vmcs_write32(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write32(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write64(VMCS_MSR_BITMAP, vmm.msr_bitmap_phys);
	vmcs_write64(VMCS_EPT_POINTER, vmm.eptp);
	/* With XSAVES enabled, a set bit here makes XSAVES/XRSTORS of that
	 * component exit; all fields must be written before use (SDM Vol. 3C,
	 * 25.6.20 "XSS-Exiting Bitmap", 25.11.3): none exits. */
	if (vmm.ctl.proc2 & PROC2_ENABLE_XSAVES)
		vmcs_write64(VMCS_XSS_EXITING_BITMAP, 0);
	vmcs_writel(VMCS_CR0_GUEST_HOST_MASK, cr0_guest_host_mask(&vmm.cr_fixed));
	vmcs_writel(VMCS_CR4_GUEST_HOST_MASK, cr4_guest_host_mask(&vmm.cr_fixed));
	io_exits_setup(); /* ACPI sleep requests (vmm/exit/exit_io.h) */
}

/* The page under the host stack becomes not present (vmm/vcpu.h): a
 * host stack overflow then faults on the guard, and the #DF that follows
 * reports it on its own stack (arch/x86_64/descriptors.h). Each CPU
 * guards its own stack as it launches, one CPU at a time; the page
 * tables are shared, and an entry another CPU still has cached maps as
 * before (host_unmap_4k). Without a page for the tables the stack runs
 * unguarded, as before this existed: logged, not refused. */
static void guard_host_stack(struct vcpu *v)
{
	uint64_t va = (uint64_t)(uintptr_t)v->stack_guard;
	int rc = host_unmap_4k(vmm.bi.host_cr3, va, &vmm.pages);

	if (rc) {
		log_warn("vmx", "APIC id %u: no guard page under the host stack (page tables: "
			 "error %d, pool exhausted?): an overflow would go unnoticed", v->apic_id, rc);
		return;
	}
	invlpg(va);
}

void vmcs_setup_host(struct vcpu *v)
{
	guard_host_stack(v);
	vmcs_writel(VMCS_HOST_CR0, read_cr0());
	vmcs_writel(VMCS_HOST_CR3, vmm.bi.host_cr3);
	/* The host runs XSETBV for the guest (vmm/exit/exit_insn.c), which needs
	 * CR4.OSXSAVE in root operation whatever the guest's CR4 says. */
	vmcs_writel(VMCS_HOST_CR4, read_cr4() | (vmm.has_xsave ? CR4_OSXSAVE : 0));
	vmcs_write16(VMCS_HOST_CS_SEL, HOST_CS_SEL);
	vmcs_write16(VMCS_HOST_SS_SEL, HOST_DS_SEL);
	vmcs_write16(VMCS_HOST_DS_SEL, HOST_DS_SEL);
	vmcs_write16(VMCS_HOST_ES_SEL, HOST_DS_SEL);
	vmcs_write16(VMCS_HOST_FS_SEL, HOST_DS_SEL);
	vmcs_write16(VMCS_HOST_GS_SEL, HOST_DS_SEL);
	vmcs_write16(VMCS_HOST_TR_SEL, HOST_TSS_SEL);
	vmcs_writel(VMCS_HOST_FS_BASE, 0);
	vmcs_writel(VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)v);
	vmcs_writel(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&v->tss);
	vmcs_writel(VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)v->gdt);
	vmcs_writel(VMCS_HOST_IDTR_BASE, host_idt_base());
	vmcs_write32(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_writel(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_writel(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write64(VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER));
	if (vmm.ctl.exit & EXIT_LOAD_PAT)
		vmcs_write64(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_writel(VMCS_HOST_RSP, vcpu_host_rsp(v));
	vmcs_writel(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);
}

/* One guest segment register from the live GDT. */
static void guest_segment(const struct desc_ptr *gdtr, uint16_t sel, uint32_t sel_field,
			  uint32_t base_field, uint32_t limit_field, uint32_t ar_field)
{
	struct seg_desc_info s;

	segment_from_gdt(gdtr->base, gdtr->limit, sel, &s);
	vmcs_write_raw(sel_field, sel);
	vmcs_write_raw(base_field, s.base);
	vmcs_write_raw(limit_field, s.limit);
	vmcs_write_raw(ar_field, s.ar);
}

#define GUEST_SEG(gdtr, reg, REG)                                                  \
	guest_segment(gdtr, read_##reg(), VMCS_GUEST_##REG##_SEL, VMCS_GUEST_##REG##_BASE, \
		      VMCS_GUEST_##REG##_LIMIT, VMCS_GUEST_##REG##_AR)

void vmcs_setup_guest(const struct guest_entry *ge, uint64_t cr0_before, uint64_t cr4_before)
{
	struct desc_ptr gdtr, idtr;
	uint64_t efer = rdmsr(MSR_IA32_EFER);

	sgdt(&gdtr);
	sidt(&idtr);

	vmcs_writel(VMCS_GUEST_CR0, read_cr0());
	vmcs_writel(VMCS_GUEST_CR3, ge->cr3);
	vmcs_writel(VMCS_GUEST_CR4, read_cr4());
	vmcs_writel(VMCS_CR0_READ_SHADOW, cr0_before);
	vmcs_writel(VMCS_CR4_READ_SHADOW, cr4_before);
	vmcs_writel(VMCS_GUEST_DR7, read_dr7());
	vmcs_writel(VMCS_GUEST_RSP, ge->rsp);
	vmcs_writel(VMCS_GUEST_RIP, ge->rip);
	vmcs_writel(VMCS_GUEST_RFLAGS, ge->rflags);

	GUEST_SEG(&gdtr, es, ES);
	GUEST_SEG(&gdtr, cs, CS);
	GUEST_SEG(&gdtr, ss, SS);
	GUEST_SEG(&gdtr, ds, DS);
	GUEST_SEG(&gdtr, fs, FS);
	GUEST_SEG(&gdtr, gs, GS);
	GUEST_SEG(&gdtr, ldtr, LDTR);
	GUEST_SEG(&gdtr, tr, TR);
	/* FS and GS bases live in MSRs in 64-bit mode. */
	vmcs_writel(VMCS_GUEST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_writel(VMCS_GUEST_GS_BASE, rdmsr(MSR_GS_BASE));
	/* Firmware may run without a task register; VM entry needs a usable
	 * busy TSS in TR (SDM 27.3.1.2). Give it a minimal one: with no
	 * privilege change and no IST in use it is never read. */
	if (read_tr() == 0) {
		vmcs_writel(VMCS_GUEST_TR_BASE, 0);
		vmcs_write32(VMCS_GUEST_TR_LIMIT, TSS_LIMIT_MIN);
		vmcs_write32(VMCS_GUEST_TR_AR, AR_TR_FALLBACK);
	}

	vmcs_writel(VMCS_GUEST_GDTR_BASE, gdtr.base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, gdtr.limit);
	vmcs_writel(VMCS_GUEST_IDTR_BASE, idtr.base);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, idtr.limit);

	vmcs_write64(VMCS_GUEST_DEBUGCTL, rdmsr(MSR_IA32_DEBUGCTL));
	vmcs_write32(VMCS_GUEST_SYSENTER_CS, (uint32_t)rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_writel(VMCS_GUEST_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_writel(VMCS_GUEST_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	vmcs_write64(VMCS_GUEST_EFER, efer);
	if (vmm.ctl.entry & ENTRY_LOAD_PAT)
		vmcs_write64(VMCS_GUEST_PAT, rdmsr(MSR_IA32_PAT));
	/* IA-32e mode guest follows EFER.LMA (SDM 27.3.1.1). */
	if (!(efer & EFER_LMA))
		vmcs_write32(VMCS_ENTRY_CTLS, vmm.ctl.entry & ~ENTRY_IA32E_MODE_GUEST);

	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_writel(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write64(VMCS_LINK_POINTER, VMCS_LINK_NONE);
}
