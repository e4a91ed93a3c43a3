/* RDMSR/WRMSR exits: MSRs whose bitmap bit is set (vmm/policy/msr_policy.c) and
 * every MSR outside the bitmap's two ranges (SDM Vol. 3C, 26.1.3
 * "Instructions That Cause VM Exits Conditionally"). */
#include "vmm/exit/exit_memtype.h"
#include "vmm/exit/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/log/log.h"
#include "vmm/ipi/apic_icr.h"
#include "vmm/policy/msr_policy.h"
#include "vmm/ipi/vipi.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"

enum exit_result handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t host = msr == MSR_IA32_FEATURE_CONTROL ? rdmsr(msr) : 0;
	uint64_t value = 0;

	switch (msr_policy_read(msr, host, &value)) {
	case MSR_ACT_EMULATE:
		guest_set_edx_eax(v, value);
		return EXIT_NEXT_INSN;
	case MSR_ACT_MEMTYPE:
		return memtype_rdmsr(v, msr);
	case MSR_ACT_PASS:
		guest_set_edx_eax(v, rdmsr(msr));
		return EXIT_NEXT_INSN;
	case MSR_ACT_INJECT_GP:
	default:
		log_debug("msr", "RDMSR %x: #GP", msr);
		inject_gp0();
		return EXIT_RESUME;
	}
}

static bool cpu_has_x2apic(void)
{
	struct cpuid_regs r;

	cpuid_count(1, 0, &r);
	return (r.ecx & CPUID_1_ECX_X2APIC) != 0;
}

/* The CPU's own checks first (the WRMSR in root must not fault), then
 * Pillbox's: the base does not move (vmm/policy/msr_policy.h). */
static enum exit_result apic_base_write(uint64_t value)
{
	uint64_t cur = rdmsr(MSR_IA32_APIC_BASE), w = 0;
	enum apic_base_verdict verdict =
		msr_policy_apic_base(cur, value, vmm.maxphyaddr, cpu_has_x2apic(), &w);

	if (verdict != APIC_BASE_OK) {
		log_warn("msr", "WRMSR IA32_APIC_BASE = %llx (was %llx) at RIP %llx: %s; #GP",
			 (unsigned long long)value, (unsigned long long)cur,
			 (unsigned long long)vmcs_readl(VMCS_GUEST_RIP), apic_base_verdict_text(verdict));
		inject_gp0();
		return EXIT_RESUME;
	}
	wrmsr(MSR_IA32_APIC_BASE, w);
	return EXIT_NEXT_INSN;
}

/* The guest's IA32_DEBUGCTL lives in the VMCS (save/load debug
 * controls). Which bits exist is model-specific: the CPU says, by a WRMSR
 * in root operation, which must not fault (VM entry checks the same bits,
 * SDM Vol. 3C, 27.3.1.1); root's own value is 0 after every VM exit
 * (28.5.1), and is put back. */
static enum exit_result debugctl_write(uint64_t value)
{
	bool ok = !(value & DEBUGCTL_BTS_BITS) && msr_write_safe(MSR_IA32_DEBUGCTL, value) == 0;

	msr_write_safe(MSR_IA32_DEBUGCTL, 0);
	if (!ok) {
		log_debug("msr", "WRMSR IA32_DEBUGCTL = %llx: #GP", (unsigned long long)value);
		inject_gp0();
		return EXIT_RESUME;
	}
	vmcs_write64(VMCS_GUEST_DEBUGCTL, value);
	return EXIT_NEXT_INSN;
}

/* An x2APIC ICR write: the CPU's own checks, then INIT/SIPI to vmm/ipi/vipi.c,
 * any other IPI performed by the VMM. */
static enum exit_result x2apic_icr_write(struct vcpu *v, uint64_t value)
{
	enum exit_result r;

	/* x2APIC MSRs #GP while the APIC is in xAPIC mode (SDM Vol. 3A,
	 * 11.12.1.2 "x2APIC Register Address Space"), as do reserved bits
	 * (11.12.1.3); the WRMSR the VMM repeats may still fault. */
	if (lapic_x2apic_mode() && !x2apic_icr_reserved(value)) {
		if (vipi_icr_exit(v, (uint32_t)value, (uint32_t)(value >> 32), &r))
			return r;
		if (msr_write_safe(MSR_X2APIC_ICR, value) == 0)
			return EXIT_NEXT_INSN;
	}
	log_debug("msr", "WRMSR %x = %llx: #GP", MSR_X2APIC_ICR, (unsigned long long)value);
	inject_gp0();
	return EXIT_RESUME;
}

enum exit_result handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t value = guest_edx_eax(v);

	switch (msr_policy_write(msr, value)) {
	case MSR_ACT_EMULATE:
		log_info("msr", "WRMSR %x = %llx dropped (%s)", msr, (unsigned long long)value,
			 msr_policy_reason(msr));
		return EXIT_NEXT_INSN;
	case MSR_ACT_APIC_BASE:
		return apic_base_write(value);
	case MSR_ACT_MEMTYPE:
		return memtype_wrmsr(v, msr, value);
	case MSR_ACT_DEBUGCTL:
		return debugctl_write(value);
	case MSR_ACT_IPI:
		return x2apic_icr_write(v, value);
	case MSR_ACT_PASS:
		wrmsr(msr, value);
		return EXIT_NEXT_INSN;
	case MSR_ACT_INJECT_GP:
	default:
		log_debug("msr", "WRMSR %x = %llx: #GP", msr, (unsigned long long)value);
		inject_gp0();
		return EXIT_RESUME;
	}
}
