/* RDMSR and WRMSR of what a guest must not reach (docs/security.md, "MSRs").
 * The guest sees no VMX: IA32_FEATURE_CONTROL reads locked with VMX off,
 * and cannot be written once locked (Intel SDM Vol. 3C, 24.7 "Enabling and
 * Entering VMX Operation"); the VMX capability MSRs 480H-493H do not exist
 * without VMX, nor do MSRs outside the ranges the MSR bitmap covers: #GP
 * (Vol. 2B, RDMSR/WRMSR "Protected Mode Exceptions"). At CPL 3 both
 * instructions are #GP before any VM exit (Vol. 3C, 26.1.1 "Relative
 * Priority of Faults and VM Exits"). */
#include "guest/attack/attack.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "vmm/policy/msr_policy.h"
#include "arch/x86_64/cpuid.h"

#define MSR_TSC  0x10u
#define MSR_EFER 0xC0000080u

struct msr_probe {
	uint32_t msr;
	uint64_t value;
};

static void do_rdmsr(void *arg)
{
	struct msr_probe *p = arg;
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(p->msr));
	p->value = ((uint64_t)hi << 32) | lo;
}

static void do_wrmsr(void *arg)
{
	struct msr_probe *p = arg;

	__asm__ volatile("wrmsr" ::"c"(p->msr), "a"((uint32_t)p->value),
			 "d"((uint32_t)(p->value >> 32))
			 : "memory");
}

int try_msr(int ring, bool write, uint32_t msr, uint64_t *value)
{
	struct msr_probe p = { msr, value ? *value : 0 };
	int vec = cage_call(ring, write ? do_wrmsr : do_rdmsr, &p);

	if (value)
		*value = p.value;
	return vec;
}

/* Every MSR of the list must raise #GP; the reason names those that did not. */
static void expect_gp(const char *name, int ring, bool write, const uint32_t *msrs, unsigned n)
{
	char why[WHY_MAX] = "";

	for (unsigned i = 0; i < n; i++) {
		uint64_t v = 0;
		int vec = try_msr(ring, write, msrs[i], &v);

		if (vec != VEC_GP)
			why_add(why, "%s %x: %s", write ? "WRMSR" : "RDMSR", msrs[i], vector_name(vec));
	}
	result(name, why[0] == 0, why);
}

/* Outside 0-1FFFH and C0000000H-C0001FFFH: no MSR exists for this guest,
 * including the ranges other hypervisors use (40000000H, 4B564D00H). */
static const uint32_t missing_msrs[] = {
	0x00002000u, 0x0000FFFFu, 0x40000000u, 0x40000001u, 0x4B564D00u,
	0x80000000u, 0xC0002000u, 0xC0010000u, 0xC0011000u, 0xFFFFFFFFu,
};

static void feature_control(void)
{
	uint64_t v = 0, w;
	int vec = try_msr(RING0, false, MSR_IA32_FEATURE_CONTROL, &v);

	resultf("rdmsr-feature-control-locked",
		vec == NO_FAULT && (v & FEATURE_CONTROL_LOCK) &&
			!(v & (FEATURE_CONTROL_VMX_IN_SMX | FEATURE_CONTROL_VMX_OUTSIDE_SMX)),
		"RDMSR 3AH gave %s, value %llx: not locked with VMX off", vector_name(vec),
		(unsigned long long)v);
	w = v | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	vec = try_msr(RING0, true, MSR_IA32_FEATURE_CONTROL, &w);
	resultf("wrmsr-feature-control-enable-vmx-gp", vec == VEC_GP,
		"WRMSR 3AH = %llx gave %s", (unsigned long long)w, vector_name(vec));
	w = v;
	vec = try_msr(RING0, true, MSR_IA32_FEATURE_CONTROL, &w);
	resultf("wrmsr-feature-control-same-value-gp", vec == VEC_GP,
		"WRMSR 3AH of its own value %llx gave %s (a locked MSR is read-only)",
		(unsigned long long)w, vector_name(vec));
	w = 0;
	vec = try_msr(RING0, true, MSR_IA32_FEATURE_CONTROL, &w);
	resultf("wrmsr-feature-control-unlock-gp", vec == VEC_GP, "WRMSR 3AH = 0 gave %s",
		vector_name(vec));
}

void attack_msrs(void)
{
	uint32_t vmx[MSR_IA32_VMX_LAST - MSR_IA32_VMX_FIRST + 1];
	static const uint32_t ring3_msrs[] = { MSR_TSC, MSR_IA32_FEATURE_CONTROL,
					       MSR_IA32_VMX_FIRST, MSR_EFER, 0xFFFFFFFFu };

	for (unsigned i = 0; i < sizeof(vmx) / sizeof(vmx[0]); i++)
		vmx[i] = MSR_IA32_VMX_FIRST + i;
	expect_gp("rdmsr-vmx-capabilities-gp", RING0, false, vmx, sizeof(vmx) / sizeof(vmx[0]));
	expect_gp("wrmsr-vmx-capabilities-gp", RING0, true, vmx, sizeof(vmx) / sizeof(vmx[0]));
	feature_control();
	expect_gp("rdmsr-nonexistent-gp", RING0, false, missing_msrs,
		  sizeof(missing_msrs) / sizeof(missing_msrs[0]));
	expect_gp("wrmsr-nonexistent-gp", RING0, true, missing_msrs,
		  sizeof(missing_msrs) / sizeof(missing_msrs[0]));
	expect_gp("rdmsr-ring3-gp", RING3, false, ring3_msrs,
		  sizeof(ring3_msrs) / sizeof(ring3_msrs[0]));
	expect_gp("wrmsr-ring3-gp", RING3, true, ring3_msrs,
		  sizeof(ring3_msrs) / sizeof(ring3_msrs[0]));
}

/* What the processor writes on the guest's behalf (security review C2):
 * Intel PT output (to physical addresses), the debug store of PEBS and
 * BTS (records the CPU writes, for PEBS possibly after a VM exit), and a
 * microcode update, which must not run in VMX non-root operation. PT and
 * the debug store are hidden in CPUID and their MSRs #GP, pointed at the
 * VMM region or not; IA32_DEBUGCTL refuses the branch trace store. (That
 * DEBUGCTL keeps its other bits across exits needs a CPU that has them:
 * Bochs reads the MSR as 0.) */
#define MSR_BIOS_SIGN_ID 0x8Bu
#define DEBUGCTL_TR_BTS 0xC0ull

static uint64_t microcode_revision(void)
{
	struct cpuid_regs r;
	uint64_t zero = 0, rev = 0;

	try_msr(RING0, true, MSR_BIOS_SIGN_ID, &zero);
	cpuid_count(1, 0, &r);
	try_msr(RING0, false, MSR_BIOS_SIGN_ID, &rev);
	return rev;
}

static void expect_write_gp(const char *name, uint32_t msr, uint64_t value)
{
	uint64_t v = value;
	int vec = try_msr(RING0, true, msr, &v);

	resultf(name, vec == VEC_GP, "WRMSR %x = %llx gave %s", msr, (unsigned long long)value,
		vector_name(vec));
}

void attack_processor_writers(uint64_t region_base)
{
	static const uint32_t hidden[] = { MSR_IA32_RTIT_CTL, MSR_IA32_RTIT_OUTPUT_BASE,
					   MSR_IA32_DS_AREA, MSR_IA32_PEBS_ENABLE };
	struct cpuid_regs r1, r7, r14;
	uint64_t rev_before, rev_after, v;
	int vec;

	cpuid_count(1, 0, &r1);
	cpuid_count(7, 0, &r7);
	cpuid_count(0x14, 0, &r14);
	resultf("cpuid-pt-and-debug-store-hidden",
		!(r1.edx & CPUID_1_EDX_DS) && !(r7.ebx & CPUID_7_EBX_PT) &&
			!(r14.eax | r14.ebx | r14.ecx | r14.edx),
		"CPUID.1:EDX %x, CPUID.7:EBX %x, leaf 14H %x %x %x %x", r1.edx, r7.ebx, r14.eax,
		r14.ebx, r14.ecx, r14.edx);
	expect_gp("rdmsr-pt-and-debug-store-gp", RING0, false, hidden,
		  sizeof(hidden) / sizeof(hidden[0]));
	expect_write_gp("pt-output-onto-vmm-gp", MSR_IA32_RTIT_OUTPUT_BASE, region_base);
	expect_write_gp("pt-enable-gp", MSR_IA32_RTIT_CTL, 1);
	expect_write_gp("ds-area-onto-vmm-gp", MSR_IA32_DS_AREA, region_base);
	expect_write_gp("pebs-enable-gp", MSR_IA32_PEBS_ENABLE, 1);
	expect_write_gp("debugctl-bts-gp", MSR_IA32_DEBUGCTL, DEBUGCTL_TR_BTS);
	rev_before = microcode_revision();
	v = region_base;
	vec = try_msr(RING0, true, MSR_IA32_BIOS_UPDT_TRIG, &v);
	rev_after = microcode_revision();
	resultf("microcode-update-dropped", vec == NO_FAULT && rev_after == rev_before,
		"WRMSR 79H = %llx gave %s; revision %llx before, %llx after",
		(unsigned long long)region_base, vector_name(vec), (unsigned long long)rev_before,
		(unsigned long long)rev_after);
}
