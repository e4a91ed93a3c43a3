/* Instructions that exit unconditionally and are refused or emulated
 * whole: the VMX instructions, GETSEC, INVD, XSETBV. */
#include "vmm/cr_policy.h"
#include "vmm/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/log.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"

/* The guest sees no VMX (CPUID.1:ECX.VMX = 0), and on such a CPU every
 * VMX instruction is #UD (SDM Vol. 3C, 31.3, "Opcode" and "Protected Mode
 * Exceptions" of each instruction). Same for VMFUNC without VM functions,
 * GETSEC with CR4.SMXE = 0, SEAMCALL/TDCALL outside SEAM. */
enum exit_result handle_vmx_instruction(struct vcpu *v)
{
	const struct exit_handler *h =
		exit_handler_for(vmcs_read32(VMCS_EXIT_REASON) & EXIT_REASON_BASIC_MASK);

	(void)v;
	log_debug("exit", "%s at %llx (CPL %u): #UD", h ? h->name : "VMX instruction",
		  (unsigned long long)vmcs_readl(VMCS_GUEST_RIP), guest_cpl());
	inject_ud();
	return EXIT_RESUME;
}

enum exit_result handle_undefined_opcode(struct vcpu *v)
{
	return handle_vmx_instruction(v);
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
