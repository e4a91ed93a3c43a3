/* Reads the VMX capability MSRs (SDM Vol. 3D, Appendix A), the TRUE_*
 * control variants where IA32_VMX_BASIC[55] says they exist. Only on a CPU
 * with CPUID.1:ECX.VMX = 1: the MSRs #GP otherwise. */
#include <stdbool.h>
#include "arch/x86_64/vmx_cap_read.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmcs_fields.h"

void vmx_cap_msrs_read(struct vmx_cap_msrs *m)
{
	bool true_ctls;

	m->basic = rdmsr(MSR_IA32_VMX_BASIC);
	true_ctls = (m->basic & VMX_BASIC_TRUE_CTLS) != 0;
	m->pin = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	m->proc = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	m->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	m->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	m->proc2 = 0;
	m->ept_vpid = 0;
	if ((m->proc >> 32) & PROC_SECONDARY_CTLS) {
		m->proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		/* It exists only with EPT or VPID (SDM A.10 "VPID and EPT
		 * Capabilities"): a Core 2 has secondary controls but neither. */
		if ((m->proc2 >> 32) & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
			m->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
	m->misc = rdmsr(MSR_IA32_VMX_MISC);
	m->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	m->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	m->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	m->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
}
