/* HC_DEVIRTUALIZE: this CPU leaves VMX operation and continues as it was,
 * natively, after its VMCALL (SDM Vol. 3C, 24.7 "Enabling and Entering VMX
 * Operation" for VMXOFF; the guest's state comes from the VMCS guest area).
 * Only the firmware context is supported: 64-bit code whose stack is
 * identity-mapped, as UEFI requires. The VMM's page tables stay in CR3
 * until the loader's landing code, in memory executable under both, loads
 * the guest's. The task register keeps the VMM's TSS when the firmware had
 * none (a null TR cannot be loaded); UEFI never switches stacks through it. */
#include "vmm/setup/devirtualize.h"
#include "vmm/policy/cr_policy.h"
#include "vmm/memory/guest_mem.h"
#include "vmm/guest_state.h"
#include "vmm/exit/hypercall.h"
#include "vmm/log/log.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"

#define IRET_FRAME_QWORDS 8u
#define STACK_ALIGN 16ull

static bool sealed;

void devirtualize_seal(void)
{
	__atomic_store_n(&sealed, true, __ATOMIC_RELEASE);
}

static void restore_guest_msrs(void)
{
	wrmsr(MSR_IA32_EFER, vmcs_read64(VMCS_GUEST_EFER) & ~EFER_LMA);
	if (vmm.ctl.exit & EXIT_LOAD_PAT)
		wrmsr(MSR_IA32_PAT, vmcs_read64(VMCS_GUEST_PAT));
	wrmsr(MSR_IA32_DEBUGCTL, vmcs_read64(VMCS_GUEST_DEBUGCTL));
	wrmsr(MSR_IA32_SYSENTER_CS, vmcs_read32(VMCS_GUEST_SYSENTER_CS));
	wrmsr(MSR_IA32_SYSENTER_ESP, vmcs_readl(VMCS_GUEST_SYSENTER_ESP));
	wrmsr(MSR_IA32_SYSENTER_EIP, vmcs_readl(VMCS_GUEST_SYSENTER_EIP));
}

int64_t devirtualize(struct vcpu *v)
{
	static struct devirt_ctx ctxs[BOOT_INFO_MAX_CPUS];
	struct devirt_ctx *ctx = &ctxs[v->index];
	struct desc_ptr gdtr, idtr;
	uint64_t rsp = vmcs_readl(VMCS_GUEST_RSP), frame[IRET_FRAME_QWORDS], frame_pa;
	uint16_t ds, es, fs, gs;
	uint64_t fs_base, gs_base, cr0, cr4, dr7;

	if (__atomic_load_n(&sealed, __ATOMIC_ACQUIRE))
		return HC_EPERM;
	if (!(vmcs_read32(VMCS_GUEST_CS_AR) & AR_L) || v->index >= BOOT_INFO_MAX_CPUS)
		return HC_EINVAL;

	/* The firmware's stack is identity-mapped (UEFI); the frame is
	 * written there through guest_mem, which refuses the VMM region, the
	 * APIC page and addresses above map_limit. */
	frame_pa = (rsp - sizeof(frame)) & ~(STACK_ALIGN - 1);
	frame[0] = v->gpr[GPR_RBX];                 /* landing code */
	frame[1] = vmcs_readl(VMCS_GUEST_CR3);
	frame[2] = HC_OK;                            /* RAX */
	frame[3] = vmcs_readl(VMCS_GUEST_RIP) + vmcs_read32(VMCS_EXIT_INSN_LEN);
	frame[4] = vmcs_read16(VMCS_GUEST_CS_SEL);
	frame[5] = vmcs_readl(VMCS_GUEST_RFLAGS);
	frame[6] = rsp;
	frame[7] = vmcs_read16(VMCS_GUEST_SS_SEL);
	if (!guest_mem_write(frame_pa, frame, sizeof(frame)))
		return HC_EINVAL;
	for (unsigned i = 0; i < 16; i++)
		ctx->gpr[i] = v->gpr[i];
	ctx->stack = frame_pa;

	gdtr.base = vmcs_readl(VMCS_GUEST_GDTR_BASE);
	gdtr.limit = (uint16_t)vmcs_read32(VMCS_GUEST_GDTR_LIMIT);
	idtr.base = vmcs_readl(VMCS_GUEST_IDTR_BASE);
	idtr.limit = (uint16_t)vmcs_read32(VMCS_GUEST_IDTR_LIMIT);
	ds = vmcs_read16(VMCS_GUEST_DS_SEL);
	es = vmcs_read16(VMCS_GUEST_ES_SEL);
	fs = vmcs_read16(VMCS_GUEST_FS_SEL);
	gs = vmcs_read16(VMCS_GUEST_GS_SEL);
	fs_base = vmcs_readl(VMCS_GUEST_FS_BASE);
	gs_base = vmcs_readl(VMCS_GUEST_GS_BASE);
	cr0 = vmcs_readl(VMCS_GUEST_CR0);
	cr4 = vmcs_readl(VMCS_GUEST_CR4) & ~CR4_VMXE;
	dr7 = vmcs_readl(VMCS_GUEST_DR7);
	restore_guest_msrs();

	log_info("vmx", "CPU index %u (APIC id %u) leaves VMX operation (rollback)", v->index,
		 v->apic_id);
	v->launched = false;
	vmclear(v->vmcs_phys);
	vmxoff();
	write_cr0(cr0);
	/* Outside VMX the CPU runs with VPID 0 again, whose TLB entries may
	 * be older than the guest's last page-table changes: clearing
	 * CR4.PGE flushes them all, global ones included (SDM Vol. 3A,
	 * 5.10.4.1 "Operations that Invalidate TLBs and Paging-Structure
	 * Caches"). */
	write_cr4(cr4 & ~CR4_PGE);
	write_cr4(cr4);
	write_dr7(dr7);
	lgdt(&gdtr);
	lidt(&idtr);
	load_ds(ds);
	load_es(es);
	load_fs(fs);
	load_gs(gs);
	wrmsr(MSR_FS_BASE, fs_base);
	wrmsr(MSR_GS_BASE, gs_base);
	vmx_devirtualize_jump(ctx);
}
