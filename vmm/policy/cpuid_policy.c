/* CPUID as the guest sees it. Leaf 1 feature bits: Intel SDM Vol. 2A,
 * "CPUID-CPU Identification", "Feature Information Returned in the ECX
 * Register" (bit 31 is unused by the processor and is set by hypervisors
 * by convention). The same instruction page states that no processor
 * returns information for EAX in 40000000H-4FFFFFFFH: the hypervisor
 * range. Leaf 7 EBX bit 25 (Intel PT) and leaf 14H: the same page,
 * "Structured Extended Feature Flags" and "Intel Processor Trace
 * Enumeration Main Leaf". */
#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/regs.h"
#include "vmm/policy/cpuid_policy.h"
#include "vmm/exit/hypercall.h"

#define CPUID_HV_RANGE_FIRST 0x40000000u
#define CPUID_HV_RANGE_LAST  0x4FFFFFFFu

bool cpuid_policy_is_synthetic(uint32_t leaf)
{
	return leaf >= CPUID_HV_RANGE_FIRST && leaf <= CPUID_HV_RANGE_LAST;
}

void cpuid_policy_synthetic(uint32_t leaf, uint32_t subleaf,
			    struct cpuid_regs *r)
{
	(void)subleaf;
	r->eax = r->ebx = r->ecx = r->edx = 0;
	switch (leaf) {
	case HV_CPUID_BASE:
		r->eax = HV_CPUID_MAX;
		r->ebx = HV_SIG_EBX;
		r->ecx = HV_SIG_ECX;
		r->edx = HV_SIG_EDX;
		break;
	case HV_CPUID_VERSION:
		r->eax = HV_VERSION;
		r->ebx = HV_ABI_VERSION;
		break;
	}
}

void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	switch (leaf) {
	case CPUID_FEATURES:
		r->ecx |= CPUID_1_ECX_HYPERVISOR;
		r->ecx &= ~(CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_DTES64 |
			    CPUID_1_ECX_DS_CPL);
		r->edx &= ~CPUID_1_EDX_DS;
		break;
	case CPUID_EXTENDED_FEATURES:
		if (subleaf == 0)
			r->ebx &= ~CPUID_7_EBX_PT;
		break;
	case CPUID_LEAF_PT:
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	}
}

static uint32_t with_bit(uint32_t reg, uint32_t bit, bool on)
{
	return on ? reg | bit : reg & ~bit;
}

void cpuid_policy_os_bits(uint32_t leaf, uint32_t subleaf, uint64_t guest_cr4,
			  struct cpuid_regs *r)
{
	if (leaf == CPUID_FEATURES)
		r->ecx = with_bit(r->ecx, CPUID_1_ECX_OSXSAVE, (guest_cr4 & CR4_OSXSAVE) != 0);
	else if (leaf == CPUID_EXTENDED_FEATURES && subleaf == 0)
		r->ecx = with_bit(r->ecx, CPUID_7_ECX_OSPKE, (guest_cr4 & CR4_PKE) != 0);
}
