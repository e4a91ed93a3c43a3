/* Instructions that exit unconditionally and are refused or emulated
 * whole: the VMX instructions, GETSEC, INVD, XSETBV. */
#include "vmm/policy/cr_policy.h"
#include "vmm/exit/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/log/log.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"

/* The guest sees no VMX (CPUID.1:ECX.VMX = 0), and on such a CPU every
 * VMX instruction is #UD (SDM Vol. 3C, 31.3, "Opcode" and "Protected Mode
 * Exceptions" of each instruction). Same for VMFUNC without VM functions,
 * GETSEC with CR4.SMXE = 0, SEAMCALL/TDCALL outside SEAM. */
enum exit_result handle_undefined_opcode(struct vcpu *v)
{
	const struct exit_handler *h =
		exit_handler_for(vmcs_read32(VMCS_EXIT_REASON) & EXIT_REASON_BASIC_MASK);

	(void)v;
	log_debug("exit", "%s at %llx (CPL %u): #UD", h ? h->name : "VMX instruction",
		  (unsigned long long)vmcs_readl(VMCS_GUEST_RIP), guest_cpl());
	inject_ud();
	return EXIT_RESUME;
}

/* INVD would discard dirty lines of the VMM's own memory too; it is run
 * as WBINVD, which a guest cannot tell apart except by data it should not
 * rely on being lost. */
enum exit_result handle_invd(struct vcpu *v)
{
	(void)v;
	log_debug("exit", "INVD at %llx: executed as WBINVD",
		  (unsigned long long)vmcs_readl(VMCS_GUEST_RIP));
	wbinvd();
	return EXIT_NEXT_INSN;
}

/* Task switches always exit in VMX non-root operation (SDM Vol. 3C, 26.2
 * "Other Causes of VM Exits"; qualification in 28.2.1, Table 28-2): a
 * 32-bit guest's CALL, JMP or IRET to a TSS, or an event through a task
 * gate. Pillbox does not emulate the switch (loading a whole task state
 * from guest memory): the guest gets #GP(0) at the instruction that asked
 * for it (an event through a task gate becomes a #GP, which then
 * escalates as the guest's IDT decides), and a log line; the VMM goes on.
 * 64-bit mode has no task switching. */
enum exit_result handle_task_switch(struct vcpu *v)
{
	uint64_t qual = vmcs_readl(VMCS_EXIT_QUALIFICATION);

	(void)v;
	log_warn("exit", "task switch to TSS selector %04llx (source %llu) at RIP %llx: "
		 "not emulated, #GP", (unsigned long long)(qual & 0xFFFFu),
		 (unsigned long long)((qual >> 30) & 3u),
		 (unsigned long long)vmcs_readl(VMCS_GUEST_RIP));
	inject_gp0();
	return EXIT_RESUME;
}

/* XSETBV (SDM Vol. 1, 13.3; Vol. 2, XSETBV "Protected Mode Exceptions"):
 * #UD if CR4.OSXSAVE = 0, #GP(0) if CPL > 0, ECX != 0, or the value is not
 * a valid XCR0 for this CPU; else written for the guest. XCR0 is shared
 * with the VMM, which uses no extended state. */
enum exit_result handle_xsetbv(struct vcpu *v)
{
	uint64_t value = guest_edx_eax(v);
	uint32_t index = (uint32_t)v->gpr[GPR_RCX];

	if (!(vmcs_readl(VMCS_GUEST_CR4) & CR4_OSXSAVE)) {
		log_debug("exit", "XSETBV with CR4.OSXSAVE = 0: #UD");
		inject_ud();
		return EXIT_RESUME;
	}
	if (guest_cpl() != 0 || index != 0 || !xcr0_valid(value, vmm.xcr0_supported)) {
		log_debug("exit", "XSETBV XCR%u = %llx refused: #GP", index,
			  (unsigned long long)value);
		inject_gp0();
		return EXIT_RESUME;
	}
	xsetbv(0, value);
	return EXIT_NEXT_INSN;
}
