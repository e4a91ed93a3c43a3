/* CPUID exits unconditionally (SDM Vol. 3C, 26.1.2 "Instructions That
 * Cause VM Exits Unconditionally"). The answer is the host's, edited by
 * vmm/policy/cpuid_policy.c, or the VMM's own for the hypervisor leaves. */
#include "vmm/policy/cpuid_policy.h"
#include "vmm/exit/exit_table.h"
#include "vmm/vcpu.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vmx.h"

enum exit_result handle_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->gpr[GPR_RAX];
	uint32_t subleaf = (uint32_t)v->gpr[GPR_RCX];
	struct cpuid_regs r;

	if (cpuid_policy_is_synthetic(leaf)) {
		cpuid_policy_synthetic(leaf, subleaf, &r);
	} else {
		cpuid_count(leaf, subleaf, &r);
		cpuid_policy_apply(leaf, subleaf, &r);
		cpuid_policy_os_bits(leaf, subleaf, vmcs_readl(VMCS_GUEST_CR4), &r);
	}
	/* CPUID clears bits 63:32 of RAX, RBX, RCX and RDX. */
	v->gpr[GPR_RAX] = r.eax;
	v->gpr[GPR_RBX] = r.ebx;
	v->gpr[GPR_RCX] = r.ecx;
	v->gpr[GPR_RDX] = r.edx;
	return EXIT_NEXT_INSN;
}
