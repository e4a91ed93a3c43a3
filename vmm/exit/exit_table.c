/* One entry per basic exit reason of the SDM (Appendix C), each with an
 * explicit outcome: a handler, handle_unexpected for reasons our controls
 * rule out (logged, dumped, safe stop), handle_reserved for unused numbers.
 * No hole: a host test checks every entry. */
#include <stddef.h>
#include "vmm/exit/exit_table.h"

#define H(reason, fn, text) [EXIT_REASON_##reason] = { fn, text }

static const struct exit_handler exit_table[EXIT_REASON_MAX + 1] = {
	/* Exceptions are not intercepted (exception bitmap 0); NMIs exit
	 * (the VMM's IPI kick) and are given back to the guest when they are
	 * not ours, at its NMI window (vmm/event/vnmi.h). External interrupts go
	 * straight to the guest. */
	H(EXCEPTION_NMI, handle_exception_nmi, "exception or NMI"),
	H(EXTERNAL_INTERRUPT, handle_unexpected, "external interrupt"),
	H(TRIPLE_FAULT, handle_triple_fault, "triple fault"),
	H(INIT_SIGNAL, handle_init_signal, "INIT signal"),
	H(SIPI, handle_sipi, "start-up IPI"),
	H(IO_SMI, handle_unexpected, "I/O SMI"),
	H(OTHER_SMI, handle_unexpected, "other SMI"),
	H(INTERRUPT_WINDOW, handle_unexpected, "interrupt window"),
	H(NMI_WINDOW, handle_nmi_window, "NMI window"),
	/* Not emulated: #GP to the guest (vmm/exit/exit_insn.c). */
	H(TASK_SWITCH, handle_task_switch, "task switch"),
	H(CPUID, handle_cpuid, "CPUID"),
	/* CPUID hides SMX; GETSEC with CR4.SMXE=0 is #UD on real hardware. */
	H(GETSEC, handle_undefined_opcode, "GETSEC"),
	H(HLT, handle_unexpected, "HLT"),
	H(INVD, handle_invd, "INVD"),
	H(INVLPG, handle_unexpected, "INVLPG"),
	H(RDPMC, handle_unexpected, "RDPMC"),
	H(RDTSC, handle_unexpected, "RDTSC"),
	H(RSM, handle_unexpected, "RSM"),
	H(VMCALL, handle_vmcall, "VMCALL"),
	H(VMCLEAR, handle_undefined_opcode, "VMCLEAR"),
	H(VMLAUNCH, handle_undefined_opcode, "VMLAUNCH"),
	H(VMPTRLD, handle_undefined_opcode, "VMPTRLD"),
	H(VMPTRST, handle_undefined_opcode, "VMPTRST"),
	H(VMREAD, handle_undefined_opcode, "VMREAD"),
	H(VMRESUME, handle_undefined_opcode, "VMRESUME"),
	H(VMWRITE, handle_undefined_opcode, "VMWRITE"),
	H(VMXOFF, handle_undefined_opcode, "VMXOFF"),
	H(VMXON, handle_undefined_opcode, "VMXON"),
	H(CR_ACCESS, handle_cr_access, "control-register access"),
	H(DR_ACCESS, handle_unexpected, "MOV DR"),
	/* Only the ACPI PM1 ports of a sleep request (vmm/exit/exit_io.c). */
	H(IO_INSTRUCTION, handle_io_instruction, "I/O instruction"),
	H(RDMSR, handle_rdmsr, "RDMSR"),
	H(WRMSR, handle_wrmsr, "WRMSR"),
	H(INVALID_GUEST_STATE, handle_entry_failure, "VM-entry failure: invalid guest state"),
	H(MSR_LOADING, handle_entry_failure, "VM-entry failure: MSR loading"),
	[35] = { handle_reserved, "reserved (35)" },
	H(MWAIT, handle_unexpected, "MWAIT"),
	H(MONITOR_TRAP_FLAG, handle_unexpected, "monitor trap flag"),
	[38] = { handle_reserved, "reserved (38)" },
	H(MONITOR, handle_unexpected, "MONITOR"),
	H(PAUSE, handle_unexpected, "PAUSE"),
	H(MACHINE_CHECK, handle_entry_failure, "VM-entry failure: machine-check event"),
	[42] = { handle_reserved, "reserved (42)" },
	H(TPR_BELOW_THRESHOLD, handle_unexpected, "TPR below threshold"),
	H(APIC_ACCESS, handle_unexpected, "APIC access"),
	H(VIRTUALIZED_EOI, handle_unexpected, "virtualized EOI"),
	H(GDTR_IDTR, handle_unexpected, "access to GDTR or IDTR"),
	H(LDTR_TR, handle_unexpected, "access to LDTR or TR"),
	H(EPT_VIOLATION, handle_ept_violation, "EPT violation"),
	H(EPT_MISCONFIG, handle_ept_misconfig, "EPT misconfiguration"),
	H(INVEPT, handle_undefined_opcode, "INVEPT"),
	H(RDTSCP, handle_unexpected, "RDTSCP"),
	H(PREEMPTION_TIMER, handle_unexpected, "VMX-preemption timer expired"),
	H(INVVPID, handle_undefined_opcode, "INVVPID"),
	H(WBINVD, handle_unexpected, "WBINVD or WBNOINVD"),
	H(XSETBV, handle_xsetbv, "XSETBV"),
	H(APIC_WRITE, handle_unexpected, "APIC write"),
	H(RDRAND, handle_unexpected, "RDRAND"),
	H(INVPCID, handle_unexpected, "INVPCID"),
	/* VM functions are not enabled: a real CPU without them gives #UD. */
	H(VMFUNC, handle_undefined_opcode, "VMFUNC"),
	H(ENCLS, handle_unexpected, "ENCLS"),
	H(RDSEED, handle_unexpected, "RDSEED"),
	H(PML_FULL, handle_unexpected, "page-modification log full"),
	H(XSAVES, handle_unexpected, "XSAVES"),
	H(XRSTORS, handle_unexpected, "XRSTORS"),
	H(PCONFIG, handle_unexpected, "PCONFIG"),
	H(SPP_EVENT, handle_unexpected, "SPP-related event"),
	H(UMWAIT, handle_unexpected, "UMWAIT"),
	H(TPAUSE, handle_unexpected, "TPAUSE"),
	H(LOADIWKEY, handle_unexpected, "LOADIWKEY"),
	H(ENCLV, handle_unexpected, "ENCLV"),
	[71] = { handle_reserved, "reserved (71)" },
	H(ENQCMD_PASID_FAIL, handle_unexpected, "ENQCMD PASID translation failure"),
	H(ENQCMDS_PASID_FAIL, handle_unexpected, "ENQCMDS PASID translation failure"),
	H(BUS_LOCK, handle_unexpected, "bus lock"),
	H(INSTRUCTION_TIMEOUT, handle_unexpected, "instruction timeout"),
	/* No TDX module under us: SEAMCALL/TDCALL are #UD as outside SEAM. */
	H(SEAMCALL, handle_undefined_opcode, "SEAMCALL"),
	H(TDCALL, handle_undefined_opcode, "TDCALL"),
};

const struct exit_handler *exit_handler_for(unsigned basic_reason)
{
	if (basic_reason > EXIT_REASON_MAX)
		return NULL;
	return &exit_table[basic_reason];
}
