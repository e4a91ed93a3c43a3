/* Which MSR accesses the VMM intercepts, and what the guest gets.
 * MSR bitmap layout: Intel SDM Vol. 3C, 25.6.9 "MSR-Bitmap Address".
 * Pure logic. */
#ifndef PILLBOX_VMM_MSR_POLICY_H
#define PILLBOX_VMM_MSR_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_IA32_FEATURE_CONTROL   0x3Au
#define FEATURE_CONTROL_LOCK       (1ull << 0)
#define FEATURE_CONTROL_VMX_IN_SMX (1ull << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define MSR_IA32_VMX_FIRST         0x480u  /* IA32_VMX_BASIC */
#define MSR_IA32_VMX_LAST          0x493u  /* IA32_VMX_EXIT_CTLS2 */
#define MSR_X2APIC_ICR_WRITE       0x830u  /* x2APIC ICR: writes only */

#define MSR_BITMAP_SIZE 4096u
#define MSR_LOW_LAST    0x00001FFFu
#define MSR_HIGH_FIRST  0xC0000000u
#define MSR_HIGH_LAST   0xC0001FFFu

enum msr_action {
	MSR_ACT_PASS,       /* execute RDMSR/WRMSR for the guest */
	MSR_ACT_EMULATE,    /* use *value (read) / drop the write */
	MSR_ACT_INJECT_GP,  /* inject #GP(0), as a CPU without the MSR would */
	MSR_ACT_IPI,        /* an x2APIC ICR write: INIT/SIPI go to vmm/vipi.c */
};

/* True if the MSR is intercepted (its bitmap bits are set) for reads
 * or writes. The x2APIC ICR (0x830) is intercepted for writes only, so
 * that INIT and start-up IPIs in x2APIC mode reach vmm/vipi.c as xAPIC
 * ones do through EPT. */
bool msr_policy_intercepts(uint32_t msr);

/* Fills a 4 KiB MSR bitmap: read-low, read-high, write-low, write-high
 * (1 KiB each), bits set for every intercepted MSR, all others clear. */
void msr_bitmap_build(uint8_t bitmap[MSR_BITMAP_SIZE]);

/* RDMSR policy. host_value is what the MSR holds (only read for
 * IA32_FEATURE_CONTROL). IA32_FEATURE_CONTROL reads as host_value with the
 * lock bit set and both VMX-enable bits clear (VT-x "disabled in firmware",
 * consistent with CPUID.1:ECX.VMX = 0); IA32_VMX_* MSRs and MSRs outside
 * the bitmap ranges give #GP. Other MSRs pass. */
enum msr_action msr_policy_read(uint32_t msr, uint64_t host_value, uint64_t *value);

/* WRMSR policy: IA32_FEATURE_CONTROL (locked), IA32_VMX_* (read-only) and
 * MSRs outside the bitmap ranges give #GP; the x2APIC ICR is MSR_ACT_IPI.
 * Other MSRs pass. */
enum msr_action msr_policy_write(uint32_t msr, uint64_t value);

#endif
