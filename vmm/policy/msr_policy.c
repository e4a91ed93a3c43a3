/* MSR interception. Bitmap layout: Intel SDM Vol. 3C, 25.6.9 "MSR-Bitmap
 * Address"; MSRs outside 0-1FFFH and C0000000H-C0001FFFH always exit
 * (26.1.3 "Instructions That Cause VM Exits Conditionally"). MSR numbers:
 * Vol. 4, Table 2-2 "IA-32 Architectural MSRs". */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/policy/msr_policy.h"
#include "lib/lib.h"
#include "ept/mtrr.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"

#define MSR_LOW_FIRST        0x00000000u
#define MSR_BITMAP_READ_LOW  0u
#define MSR_BITMAP_READ_HIGH 1024u
#define MSR_BITMAP_WRITE_LOW 2048u
#define MSR_BITMAP_WRITE_HIGH 3072u

/* What a guest reads from IA32_FEATURE_CONTROL: locked, VMX disabled
 * (Vol. 3C, 24.7 "Enabling and Entering VMX Operation"). */
#define FEATURE_CONTROL_VMX_BITS \
	(FEATURE_CONTROL_VMX_IN_SMX | FEATURE_CONTROL_VMX_OUTSIDE_SMX)

/* Every intercepted MSR range; every other MSR in the bitmap's ranges is
 * the CPU's to execute for the guest. */
struct msr_rule {
	uint32_t first, last;
	enum msr_action read, write;
	const char *reason;
};

static const struct msr_rule rules[] = {
	{ MSR_IA32_APIC_BASE, MSR_IA32_APIC_BASE, MSR_ACT_PASS, MSR_ACT_APIC_BASE,
	  "IA32_APIC_BASE: the xAPIC page stays where the VMM protects it" },
	{ MSR_IA32_FEATURE_CONTROL, MSR_IA32_FEATURE_CONTROL, MSR_ACT_EMULATE, MSR_ACT_INJECT_GP,
	  "IA32_FEATURE_CONTROL: VMX reads as locked off" },
	/* Vol. 3C, "Virtualization of System Resources", "Microcode Update
	 * Facility": "Microcode updates must not be performed during VMX
	 * non-root operation." Dropped, as KVM does: the revision in
	 * IA32_BIOS_SIGN_ID stays the firmware's. */
	{ MSR_IA32_BIOS_UPDT_TRIG, MSR_IA32_BIOS_UPDT_TRIG, MSR_ACT_PASS, MSR_ACT_EMULATE,
	  "IA32_BIOS_UPDT_TRIG: no microcode update in VMX non-root operation" },
	{ MSR_IA32_VMX_FIRST, MSR_IA32_VMX_LAST, MSR_ACT_INJECT_GP, MSR_ACT_INJECT_GP,
	  "IA32_VMX_*: VMX is hidden from the guest" },
	{ MSR_X2APIC_ICR, MSR_X2APIC_ICR, MSR_ACT_PASS, MSR_ACT_IPI,
	  "x2APIC ICR: INIT and start-up IPIs are emulated" },
	/* The memory-type MSRs (vmm/exit/exit_memtype.c). The guest's MTRRs are
	 * its own copy, whose types EPT takes (Vol. 3C, 29.3.7.2); the
	 * CPU's MTRRs stay the VMM's. IA32_MTRRCAP is read-only: the CPU's
	 * own #GP. IA32_PAT writes are checked; the VMM's PAT stays its own. */
	{ MSR_IA32_MTRR_PHYSBASE0, MSR_IA32_MTRR_VAR_LAST, MSR_ACT_MEMTYPE, MSR_ACT_MEMTYPE,
	  "MTRRs: the guest's own copy, which types EPT" },
	{ MSR_IA32_MTRR_FIX64K_00000, MSR_IA32_MTRR_FIX64K_00000, MSR_ACT_MEMTYPE,
	  MSR_ACT_MEMTYPE, "MTRRs: the guest's own copy, which types EPT" },
	{ MSR_IA32_MTRR_FIX16K_80000, MSR_IA32_MTRR_FIX16K_A0000, MSR_ACT_MEMTYPE,
	  MSR_ACT_MEMTYPE, "MTRRs: the guest's own copy, which types EPT" },
	{ MSR_IA32_MTRR_FIX4K_C0000, MSR_IA32_MTRR_FIX4K_F8000, MSR_ACT_MEMTYPE,
	  MSR_ACT_MEMTYPE, "MTRRs: the guest's own copy, which types EPT" },
	{ MSR_IA32_MTRR_DEF_TYPE, MSR_IA32_MTRR_DEF_TYPE, MSR_ACT_MEMTYPE, MSR_ACT_MEMTYPE,
	  "MTRRs: the guest's own copy, which types EPT" },
	{ MSR_IA32_PAT, MSR_IA32_PAT, MSR_ACT_PASS, MSR_ACT_MEMTYPE,
	  "IA32_PAT: checked; the VMM's own PAT stays" },
	/* The processor itself writes memory for these, at addresses the
	 * guest would choose (security review C2). Intel PT writes its output
	 * to physical addresses, past EPT; PEBS may write a record after a VM
	 * exit, through the VMM's own page tables. Both are hidden in CPUID
	 * (vmm/policy/cpuid_policy.c) and their MSRs do not exist for the guest, as
	 * on a CPU without them. BTS is refused in IA32_DEBUGCTL, whose other
	 * bits the VMM writes into the guest's VMCS field. */
	{ MSR_IA32_DEBUGCTL, MSR_IA32_DEBUGCTL, MSR_ACT_PASS, MSR_ACT_DEBUGCTL,
	  "IA32_DEBUGCTL: no branch trace store" },
	{ MSR_IA32_PEBS_ENABLE, MSR_PEBS_DATA_CFG, MSR_ACT_INJECT_GP, MSR_ACT_INJECT_GP,
	  "PEBS: the debug store is hidden" },
	{ MSR_PEBS_LD_LAT, MSR_PEBS_FRONTEND, MSR_ACT_INJECT_GP, MSR_ACT_INJECT_GP,
	  "PEBS: the debug store is hidden" },
	{ MSR_IA32_RTIT_OUTPUT_BASE, MSR_IA32_RTIT_OUTPUT_MASK, MSR_ACT_INJECT_GP,
	  MSR_ACT_INJECT_GP, "Intel PT is hidden" },
	{ MSR_IA32_RTIT_CTL, MSR_IA32_RTIT_CR3_MATCH, MSR_ACT_INJECT_GP, MSR_ACT_INJECT_GP,
	  "Intel PT is hidden" },
	{ MSR_IA32_RTIT_ADDR0_A, MSR_IA32_RTIT_ADDR3_B, MSR_ACT_INJECT_GP, MSR_ACT_INJECT_GP,
	  "Intel PT is hidden" },
	{ MSR_IA32_DS_AREA, MSR_IA32_DS_AREA, MSR_ACT_INJECT_GP, MSR_ACT_INJECT_GP,
	  "IA32_DS_AREA: the debug store is hidden" },
};

static const struct msr_rule *rule_for(uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (msr >= rules[i].first && msr <= rules[i].last)
			return &rules[i];
	return NULL;
}

static bool in_low_range(uint32_t msr)
{
	return msr <= MSR_LOW_LAST;
}

static bool in_high_range(uint32_t msr)
{
	return msr >= MSR_HIGH_FIRST && msr <= MSR_HIGH_LAST;
}

static bool in_bitmap(uint32_t msr)
{
	return in_low_range(msr) || in_high_range(msr);
}

bool msr_policy_intercepts(uint32_t msr)
{
	return rule_for(msr) != NULL;
}

const char *msr_policy_reason(uint32_t msr)
{
	const struct msr_rule *r = rule_for(msr);

	return r ? r->reason : "";
}

static void set_bit(uint8_t *region, uint32_t n)
{
	region[n / CHAR_BIT] |= (uint8_t)(1u << (n % CHAR_BIT));
}

/* Sets the bitmap bits of one MSR: read and/or write. */
static void intercept(uint8_t *bitmap, uint32_t msr, bool read, bool write)
{
	uint32_t read_off = MSR_BITMAP_READ_LOW, write_off = MSR_BITMAP_WRITE_LOW;
	uint32_t n = msr - MSR_LOW_FIRST;

	if (in_high_range(msr)) {
		read_off = MSR_BITMAP_READ_HIGH;
		write_off = MSR_BITMAP_WRITE_HIGH;
		n = msr - MSR_HIGH_FIRST;
	} else if (!in_low_range(msr)) {
		return;   /* exits anyway */
	}
	if (read)
		set_bit(bitmap + read_off, n);
	if (write)
		set_bit(bitmap + write_off, n);
}

void msr_bitmap_build(uint8_t bitmap[MSR_BITMAP_SIZE])
{
	memset(bitmap, 0, MSR_BITMAP_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		for (uint32_t msr = rules[i].first; msr <= rules[i].last; msr++)
			intercept(bitmap, msr, rules[i].read != MSR_ACT_PASS,
				  rules[i].write != MSR_ACT_PASS);
}

enum msr_action msr_policy_read(uint32_t msr, uint64_t host_value,
				uint64_t *value)
{
	const struct msr_rule *r = rule_for(msr);

	if (!in_bitmap(msr))
		return MSR_ACT_INJECT_GP;
	if (!r)
		return MSR_ACT_PASS;
	if (r->read == MSR_ACT_EMULATE && value && msr == MSR_IA32_FEATURE_CONTROL)
		*value = (host_value | FEATURE_CONTROL_LOCK) & ~FEATURE_CONTROL_VMX_BITS;
	return r->read;
}

enum msr_action msr_policy_write(uint32_t msr, uint64_t value)
{
	const struct msr_rule *r = rule_for(msr);

	(void)value;
	if (!in_bitmap(msr))
		return MSR_ACT_INJECT_GP;
	return r ? r->write : MSR_ACT_PASS;
}

/* 11.12.5 "x2APIC State Transitions": from x2APIC mode only to disabled;
 * into x2APIC mode only from xAPIC mode (or x2APIC); EXTD without EN is
 * an invalid state. */
static bool mode_change_allowed(uint64_t cur, uint64_t want)
{
	const uint64_t en = APIC_BASE_ENABLE, x2 = APIC_BASE_ENABLE | APIC_BASE_X2APIC;
	uint64_t from = cur & x2, to = want & x2;

	if (to == APIC_BASE_X2APIC)
		return false;
	if (from == x2 && to == en)
		return false;
	if (from == 0 && to == x2)
		return false;
	return true;
}

enum apic_base_verdict msr_policy_apic_base(uint64_t cur, uint64_t want,
					    unsigned maxphyaddr, bool has_x2apic,
					    uint64_t *to_write)
{
	uint64_t reserved = APIC_BASE_RESERVED_LOW;

	if (maxphyaddr < 64)
		reserved |= ~0ull << maxphyaddr;
	if (!has_x2apic)
		reserved |= APIC_BASE_X2APIC;
	if (want & reserved)
		return APIC_BASE_RESERVED;
	if (!mode_change_allowed(cur, want))
		return APIC_BASE_BAD_MODE;
	if ((want ^ cur) & APIC_BASE_ADDR_MASK)
		return APIC_BASE_MOVED;
	*to_write = (want & ~APIC_BASE_BSP) | (cur & APIC_BASE_BSP);
	return APIC_BASE_OK;
}

const char *apic_base_verdict_text(enum apic_base_verdict v)
{
	switch (v) {
	case APIC_BASE_OK:
		return "allowed";
	case APIC_BASE_RESERVED:
		return "reserved bit set";
	case APIC_BASE_BAD_MODE:
		return "APIC mode transition the SDM forbids (11.12.5)";
	case APIC_BASE_MOVED:
		return "moving the APIC base is not supported under Pillbox";
	}
	return "?";
}
