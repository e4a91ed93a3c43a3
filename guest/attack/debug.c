/* Debug state a guest must keep across VM exits, as on the bare CPU.
 *  - DR7 survives an exit (CPUID always exits): VM exits set DR7 to 400H
 *    (Intel SDM Vol. 3C, 28.5.1), so the VMM must save and load the debug
 *    controls.
 *  - TF set over CPUID: the single-step trap comes right after CPUID (the
 *    VMM completes it), not one instruction later (Vol. 3A, 18.3.1.4
 *    "Single-Step Exception Condition").
 *  - A #GP the VMM injects is a fault: its frame has RFLAGS.RF = 1 (Vol.
 *    3A, 18.3.1.1).
 *  - A data breakpoint armed before an exit fires after it: #DB right after
 *    the store, DR6.B0 set (Vol. 3A, 18.2.4 "Debug Status Register (DR6)",
 *    18.3.1.2 "Data Memory and I/O Breakpoint Exception Conditions").
 *    The instruction breakpoint is the one-CPU self-test's check
 *    (insn-breakpoint-fires-after-exit, guest/selftest.c): this suite runs
 *    on 2 CPUs, and Bochs 3.0 with more than one CPU does not deliver that
 *    #DB, bare as under Pillbox (the guest triple-faults, Bochs logging
 *    "interrupt(long mode): not accessible or not code segment"). */
#include <stddef.h>
#include "guest/attack/attack.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/regs.h"
#include "vmm/policy/msr_policy.h"
#include "arch/x86_64/vectors.h"

void debug_bp_target(void);
void debug_step_over_cpuid(void);
extern const char debug_after_cpuid[];

/* debug_bp_target: a function to break on. debug_step_over_cpuid: sets TF,
 * runs CPUID, and the trap must name debug_after_cpuid. */
__asm__(".pushsection .text\n"
	"debug_bp_target:\n"
	"	ret\n"
	"debug_step_over_cpuid:\n"
	"	push %rbx\n"
	"	xor %eax, %eax\n"
	"	pushfq\n"
	"	orq $0x100, (%rsp)\n"
	"	popfq\n"
	"	cpuid\n"
	"debug_after_cpuid:\n"
	"	nop\n"
	"	pushfq\n"
	"	andq $~0x100, (%rsp)\n"
	"	popfq\n"
	"	pop %rbx\n"
	"	ret\n"
	".popsection\n");

static void step_over_cpuid(void *arg) { (void)arg; debug_step_over_cpuid(); }

static void dr7_survives(void)
{
	const uint64_t dr7 = DR7_RESERVED_1 | DR7_L0;
	struct cpuid_regs r;
	uint64_t after;

	write_dr0((uint64_t)(uintptr_t)debug_bp_target);
	write_dr7(dr7);
	cpuid_count(0, 0, &r);
	after = read_dr7();
	resultf("dr7-survives-exit", after == dr7, "DR7 = %llx, then CPUID: DR7 reads %llx",
		(unsigned long long)dr7, (unsigned long long)after);
	write_dr7(DR7_RESERVED_1);
}

/* The word a data breakpoint watches; stored to by store_watched. */
static volatile uint64_t bp_watched;

static void store_watched(void *arg)
{
	(void)arg;
	bp_watched = 1;
	__asm__ volatile("debug_after_store:" ::: "memory");
}
extern const char debug_after_store[];

/* The breakpoint is armed, CPUID exits, then the program writes the
 * watched word: #DB after the store (a data breakpoint is a trap), DR6.B0
 * set. */
static void breakpoint_fires(void)
{
	struct cpuid_regs r;
	uint64_t dr6;
	int vec;

	write_dr6(DR6_INIT);
	write_dr0((uint64_t)(uintptr_t)&bp_watched);
	write_dr7(DR7_RESERVED_1 | DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_8);
	cpuid_count(0, 0, &r);
	vec = cage_call(RING0, store_watched, NULL);
	write_dr7(DR7_RESERVED_1);
	dr6 = read_dr6();
	write_dr6(DR6_INIT);
	resultf("data-breakpoint-fires-after-exit",
		vec == VEC_DB && bp_watched == 1 && (dr6 & DR6_B0) &&
			cage_fault_info.rip == (uint64_t)(uintptr_t)debug_after_store,
		"DR0 = %llx armed (write, 8 bytes), CPUID, store: %s at %llx, DR6 %llx "
		"(want #DB at %llx, right after the store, DR6.B0; in Bochs, a build "
		"without --enable-x86-debugger ignores the debug registers)",
		(unsigned long long)(uintptr_t)&bp_watched, vector_name(vec),
		(unsigned long long)cage_fault_info.rip, (unsigned long long)dr6,
		(unsigned long long)(uintptr_t)debug_after_store);
}

static void single_step(void)
{
	int vec = cage_call(RING0, step_over_cpuid, NULL);

	resultf("single-step-after-emulated-cpuid",
		vec == VEC_DB && cage_fault_info.rip == (uint64_t)(uintptr_t)debug_after_cpuid,
		"TF over CPUID: %s at %llx, expected #DB at %llx", vector_name(vec),
		(unsigned long long)cage_fault_info.rip,
		(unsigned long long)(uintptr_t)debug_after_cpuid);
}

static void write_feature_control(void *arg)
{
	(void)arg;
	__asm__ volatile("wrmsr" ::"c"(MSR_IA32_FEATURE_CONTROL), "a"(0), "d"(0) : "memory");
}

static void injected_fault_rf(void)
{
	int vec = cage_call(RING0, write_feature_control, NULL);

	resultf("injected-gp-frame-has-rf", vec == VEC_GP && (cage_fault_info.rflags & RFLAGS_RF),
		"WRMSR 3AH: %s with RFLAGS %llx in the frame (RF must be 1)", vector_name(vec),
		(unsigned long long)cage_fault_info.rflags);
}

void attack_debug_state(void)
{
	dr7_survives();
	breakpoint_fires();
	single_step();
	injected_fault_rf();
}
