/* What the guest sees from CPUID: the host's answer, edited.
 * Pure logic: the exit handler executes CPUID and passes the result here. */
#ifndef PILLBOX_VMM_CPUID_POLICY_H
#define PILLBOX_VMM_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/cpuid.h"

/* True for leaves the VMM answers itself, without executing CPUID:
 * the hypervisor range 0x40000000-0x4FFFFFFF. */
bool cpuid_policy_is_synthetic(uint32_t leaf);

/* Leaf 0x40000000 -> HV_CPUID_MAX and the signature (vmm/exit/hypercall.h);
 * 0x40000001 -> HV_VERSION, HV_ABI_VERSION, 0, 0; the rest of the range -> 0.
 * Only call for cpuid_policy_is_synthetic(leaf). */
void cpuid_policy_synthetic(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);

/* CPUID.1:ECX.OSXSAVE and CPUID.(7,0):ECX.OSPKE mirror CR4.OSXSAVE and
 * CR4.PKE (SDM Vol. 2A, CPUID, Table 3-10 and 3-8). The VMM executes CPUID
 * in root operation, where the host's CR4 shows (and the host sets
 * OSXSAVE): these bits are set from the guest's CR4 instead. */
void cpuid_policy_os_bits(uint32_t leaf, uint32_t subleaf, uint64_t guest_cr4,
			  struct cpuid_regs *r);

/* Edits a host result for the guest: leaf 1 sets ECX.HYPERVISOR and clears
 * ECX.VMX and ECX.SMX (the guest cannot use VMX or GETSEC under us), and
 * the debug store (EDX.DS, ECX.DTES64, ECX.DS-CPL): BTS and PEBS write
 * records to the DS save area on the processor's own, which the VMM does
 * not let a guest program (vmm/policy/msr_policy.c). Leaf 7.0 clears EBX.PT and
 * leaf 14H reads as zeros: Intel PT writes its output to physical
 * addresses (without the "Intel PT uses guest physical addresses"
 * control, which Pillbox does not use), so PT is hidden. All other leaves
 * pass through unchanged. */
void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);

#endif
