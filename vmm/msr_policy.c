/* MSR interception. Bitmap layout: Intel SDM Vol. 3C, 25.6.9 "MSR-Bitmap
 * Address"; MSRs outside 0-1FFFH and C0000000H-C0001FFFH always exit
 * (26.1.3 "Instructions That Cause VM Exits Conditionally"). MSR numbers:
 * Vol. 4, Table 2-2 "IA-32 Architectural MSRs". */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/msr_policy.h"
#include "vmm/lib.h"

#define MSR_LOW_FIRST        0x00000000u
#define MSR_BITMAP_READ_LOW  0u
#define MSR_BITMAP_READ_HIGH 1024u
#define MSR_BITMAP_WRITE_LOW 2048u
#define MSR_BITMAP_WRITE_HIGH 3072u
#define BITS_PER_BYTE        8u

/* What a guest reads from IA32_FEATURE_CONTROL: locked, VMX disabled
 * (Vol. 3C, 24.7 "Enabling and Entering VMX Operation"). */
#define FEATURE_CONTROL_VMX_BITS \
	(FEATURE_CONTROL_VMX_IN_SMX | FEATURE_CONTROL_VMX_OUTSIDE_SMX)

static bool is_vmx_msr(uint32_t msr)
{
	return msr >= MSR_IA32_VMX_FIRST && msr <= MSR_IA32_VMX_LAST;
}

static bool in_low_range(uint32_t msr)
{
	return msr <= MSR_LOW_LAST;
}

static bool in_high_range(uint32_t msr)
{
	return msr >= MSR_HIGH_FIRST && msr <= MSR_HIGH_LAST;
}

bool msr_policy_intercepts(uint32_t msr)
{
	return msr == MSR_IA32_FEATURE_CONTROL || is_vmx_msr(msr) ||
	       msr == MSR_X2APIC_ICR_WRITE;
}

static void set_bit(uint8_t *region, uint32_t n)
{
	region[n / BITS_PER_BYTE] |= (uint8_t)(1u << (n % BITS_PER_BYTE));
}

/* Sets the read and write bits of an intercepted MSR. */
static void intercept(uint8_t *bitmap, uint32_t msr)
{
	if (in_low_range(msr)) {
		set_bit(bitmap + MSR_BITMAP_READ_LOW, msr - MSR_LOW_FIRST);
		set_bit(bitmap + MSR_BITMAP_WRITE_LOW, msr - MSR_LOW_FIRST);
	} else if (in_high_range(msr)) {
		set_bit(bitmap + MSR_BITMAP_READ_HIGH, msr - MSR_HIGH_FIRST);
		set_bit(bitmap + MSR_BITMAP_WRITE_HIGH, msr - MSR_HIGH_FIRST);
	}
}

void msr_bitmap_build(uint8_t bitmap[MSR_BITMAP_SIZE])
{
	uint32_t msr;

	memset(bitmap, 0, MSR_BITMAP_SIZE);
	intercept(bitmap, MSR_IA32_FEATURE_CONTROL);
	for (msr = MSR_IA32_VMX_FIRST; msr <= MSR_IA32_VMX_LAST; msr++)
		intercept(bitmap, msr);
	set_bit(bitmap + MSR_BITMAP_WRITE_LOW, MSR_X2APIC_ICR_WRITE - MSR_LOW_FIRST);
}

enum msr_action msr_policy_read(uint32_t msr, uint64_t host_value,
				uint64_t *value)
{
	if (msr == MSR_IA32_FEATURE_CONTROL) {
		if (value)
			*value = (host_value | FEATURE_CONTROL_LOCK) &
				 ~FEATURE_CONTROL_VMX_BITS;
		return MSR_ACT_EMULATE;
	}
	if (is_vmx_msr(msr) || !(in_low_range(msr) || in_high_range(msr)))
		return MSR_ACT_INJECT_GP;
	return MSR_ACT_PASS;
}

enum msr_action msr_policy_write(uint32_t msr, uint64_t value)
{
	(void)value;
	if (msr == MSR_X2APIC_ICR_WRITE)
		return MSR_ACT_IPI;
	if (msr == MSR_IA32_FEATURE_CONTROL || is_vmx_msr(msr) ||
	    !(in_low_range(msr) || in_high_range(msr)))
		return MSR_ACT_INJECT_GP;
	return MSR_ACT_PASS;
}
