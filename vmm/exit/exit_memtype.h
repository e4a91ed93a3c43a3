/* RDMSR and WRMSR of the memory-type MSRs (vmm/policy/msr_policy.c rules with
 * MSR_ACT_MEMTYPE): the MTRRs and IA32_PAT. */
#ifndef PILLBOX_VMM_EXIT_MEMTYPE_H
#define PILLBOX_VMM_EXIT_MEMTYPE_H

#include <stdint.h>
#include "vmm/exit/exit_table.h"

struct vcpu;

/* An MTRR: the guest's copy (vmm/policy/memtype_msr.h). */
enum exit_result memtype_rdmsr(struct vcpu *v, uint32_t msr);
/* An MTRR: checked as the CPU would, stored in the guest's copy, EPT
 * retyped. IA32_PAT: checked, then the guest's own (see the .c). */
enum exit_result memtype_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value);

#endif
