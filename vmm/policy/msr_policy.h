/* Which MSR accesses the VMM intercepts, and what the guest gets: one
 * table of rules (vmm/policy/msr_policy.c), from which the MSR bitmap is built,
 * so the bitmap and the policy cannot disagree. docs/security.md lists
 * every rule with its reason.
 * MSR bitmap layout: Intel SDM Vol. 3C, 25.6.9 "MSR-Bitmap Address".
 * Pure logic. */
#ifndef PILLBOX_VMM_MSR_POLICY_H
#define PILLBOX_VMM_MSR_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/msr.h"

#define MSR_BITMAP_SIZE 4096u
#define MSR_LOW_LAST    0x00001FFFu
#define MSR_HIGH_FIRST  0xC0000000u
#define MSR_HIGH_LAST   0xC0001FFFu

enum msr_action {
	MSR_ACT_PASS,       /* the CPU executes it for the guest (bitmap bit clear) */
	MSR_ACT_EMULATE,    /* read: *value; write: dropped */
	MSR_ACT_INJECT_GP,  /* inject #GP(0), as a CPU without the MSR would */
	MSR_ACT_IPI,        /* an x2APIC ICR write: INIT/SIPI go to vmm/ipi/vipi.c */
	MSR_ACT_APIC_BASE,  /* an IA32_APIC_BASE write: msr_policy_apic_base() */
	MSR_ACT_MEMTYPE,    /* an MTRR, or an IA32_PAT write: vmm/exit/exit_memtype.c */
	MSR_ACT_DEBUGCTL,   /* an IA32_DEBUGCTL write: no BTS; into the VMCS */
};

/* True if the MSR is intercepted (its bitmap bits are set) for reads
 * or writes. */
bool msr_policy_intercepts(uint32_t msr);

/* Fills a 4 KiB MSR bitmap: read-low, read-high, write-low, write-high
 * (1 KiB each), bits set for every intercepted access, all others clear. */
void msr_bitmap_build(uint8_t bitmap[MSR_BITMAP_SIZE]);

/* RDMSR policy. host_value is what the MSR holds (only read for
 * IA32_FEATURE_CONTROL). IA32_FEATURE_CONTROL reads as host_value with the
 * lock bit set and both VMX-enable bits clear (VT-x "disabled in firmware",
 * consistent with CPUID.1:ECX.VMX = 0); IA32_VMX_* MSRs and MSRs outside
 * the bitmap ranges give #GP. Other MSRs pass. */
enum msr_action msr_policy_read(uint32_t msr, uint64_t host_value, uint64_t *value);

/* WRMSR policy: IA32_FEATURE_CONTROL (locked), IA32_VMX_* (read-only) and
 * MSRs outside the bitmap ranges give #GP; the x2APIC ICR is MSR_ACT_IPI,
 * IA32_APIC_BASE is MSR_ACT_APIC_BASE, a microcode update is dropped
 * (MSR_ACT_EMULATE). Other MSRs pass. */
enum msr_action msr_policy_write(uint32_t msr, uint64_t value);

/* Why the table intercepts this MSR, for the log ("" if it does not). */
const char *msr_policy_reason(uint32_t msr);

enum apic_base_verdict {
	APIC_BASE_OK,
	APIC_BASE_RESERVED,    /* a reserved bit set: the CPU's own #GP */
	APIC_BASE_BAD_MODE,    /* a transition 11.12.5 forbids: the CPU's own #GP */
	APIC_BASE_MOVED,       /* a new base: refused by Pillbox with #GP */
};

/* A guest WRMSR of want to IA32_APIC_BASE, which holds cur. The base
 * stays where the VMM found it at launch: every VMM access to the local
 * APIC and the page's EPT protection use that address, so a move is
 * refused (a moved base could sit on VMM memory, security review C1). The
 * enable and x2APIC bits may change as 11.12.5 allows (has_x2apic:
 * CPUID.1:ECX.x2APIC, else EXTD is reserved). The BSP flag is the CPU's:
 * *to_write is want with cur's BSP flag, what the VMM then writes. */
enum apic_base_verdict msr_policy_apic_base(uint64_t cur, uint64_t want,
					    unsigned maxphyaddr, bool has_x2apic,
					    uint64_t *to_write);
const char *apic_base_verdict_text(enum apic_base_verdict v);

#endif
