/* Short names of the basic VM-exit reasons (Intel SDM Vol. 3D, Appendix C
 * "VMX Basic Exit Reasons"), for the tools that print the VMM's exit
 * statistics: guest/vmminfo.efi, guest/bench.efi and the Linux program
 * tests/linux/pillbox-info. Each name is the vmm/exit/exit_reasons.h constant
 * without its EXIT_REASON_ prefix, made by the preprocessor from that
 * constant, so a number and its name cannot drift apart. Numbers the SDM
 * does not use (35, 38, 42, 71) have no name. Names are stable: scripts
 * match them (tests/boot/test-bochs-linux.sh, tests/bench/bench.sh).
 * The VMM's own longer descriptions stay in vmm/exit/exit_table.c. */
#ifndef PILLBOX_GUEST_EXIT_NAMES_H
#define PILLBOX_GUEST_EXIT_NAMES_H

#include "vmm/exit/exit_reasons.h"

#define EXIT_NAME(reason) [EXIT_REASON_##reason] = #reason

static const char *const exit_reason_names[EXIT_REASON_MAX + 1] = {
	EXIT_NAME(EXCEPTION_NMI),
	EXIT_NAME(EXTERNAL_INTERRUPT),
	EXIT_NAME(TRIPLE_FAULT),
	EXIT_NAME(INIT_SIGNAL),
	EXIT_NAME(SIPI),
	EXIT_NAME(IO_SMI),
	EXIT_NAME(OTHER_SMI),
	EXIT_NAME(INTERRUPT_WINDOW),
	EXIT_NAME(NMI_WINDOW),
	EXIT_NAME(TASK_SWITCH),
	EXIT_NAME(CPUID),
	EXIT_NAME(GETSEC),
	EXIT_NAME(HLT),
	EXIT_NAME(INVD),
	EXIT_NAME(INVLPG),
	EXIT_NAME(RDPMC),
	EXIT_NAME(RDTSC),
	EXIT_NAME(RSM),
	EXIT_NAME(VMCALL),
	EXIT_NAME(VMCLEAR),
	EXIT_NAME(VMLAUNCH),
	EXIT_NAME(VMPTRLD),
	EXIT_NAME(VMPTRST),
	EXIT_NAME(VMREAD),
	EXIT_NAME(VMRESUME),
	EXIT_NAME(VMWRITE),
	EXIT_NAME(VMXOFF),
	EXIT_NAME(VMXON),
	EXIT_NAME(CR_ACCESS),
	EXIT_NAME(DR_ACCESS),
	EXIT_NAME(IO_INSTRUCTION),
	EXIT_NAME(RDMSR),
	EXIT_NAME(WRMSR),
	EXIT_NAME(INVALID_GUEST_STATE),
	EXIT_NAME(MSR_LOADING),
	EXIT_NAME(MWAIT),
	EXIT_NAME(MONITOR_TRAP_FLAG),
	EXIT_NAME(MONITOR),
	EXIT_NAME(PAUSE),
	EXIT_NAME(MACHINE_CHECK),
	EXIT_NAME(TPR_BELOW_THRESHOLD),
	EXIT_NAME(APIC_ACCESS),
	EXIT_NAME(VIRTUALIZED_EOI),
	EXIT_NAME(GDTR_IDTR),
	EXIT_NAME(LDTR_TR),
	EXIT_NAME(EPT_VIOLATION),
	EXIT_NAME(EPT_MISCONFIG),
	EXIT_NAME(INVEPT),
	EXIT_NAME(RDTSCP),
	EXIT_NAME(PREEMPTION_TIMER),
	EXIT_NAME(INVVPID),
	EXIT_NAME(WBINVD),
	EXIT_NAME(XSETBV),
	EXIT_NAME(APIC_WRITE),
	EXIT_NAME(RDRAND),
	EXIT_NAME(INVPCID),
	EXIT_NAME(VMFUNC),
	EXIT_NAME(ENCLS),
	EXIT_NAME(RDSEED),
	EXIT_NAME(PML_FULL),
	EXIT_NAME(XSAVES),
	EXIT_NAME(XRSTORS),
	EXIT_NAME(PCONFIG),
	EXIT_NAME(SPP_EVENT),
	EXIT_NAME(UMWAIT),
	EXIT_NAME(TPAUSE),
	EXIT_NAME(LOADIWKEY),
	EXIT_NAME(ENCLV),
	EXIT_NAME(ENQCMD_PASID_FAIL),
	EXIT_NAME(ENQCMDS_PASID_FAIL),
	EXIT_NAME(BUS_LOCK),
	EXIT_NAME(INSTRUCTION_TIMEOUT),
	EXIT_NAME(SEAMCALL),
	EXIT_NAME(TDCALL),
};

#undef EXIT_NAME

/* The name of a basic exit reason, or "unused" for a number the SDM does
 * not assign (the statistics have room up to HC_STATS_REASONS - 1). */
static inline const char *exit_reason_name(unsigned reason)
{
	if (reason <= EXIT_REASON_MAX && exit_reason_names[reason])
		return exit_reason_names[reason];
	return "unused";
}

#endif
