/* Unit tests for vmm/exit/exit_table.c: every basic exit reason of the SDM
 * (Vol. 3D, Appendix C) has an explicit outcome, the mappings that matter
 * point at the right handler, and the names are the SDM's.
 * The handlers are stubs defined here: each records its own name when
 * called, so a test can check both the function pointer and what runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/exit/exit_table.h"
#include "vmm/exit/exit_io.h"

static const char *last_called;

#define STUB(fn)                                  \
	enum exit_result fn(struct vcpu *v)       \
	{                                         \
		(void)v;                          \
		last_called = #fn;                \
		return EXIT_FATAL;                \
	}

STUB(handle_cpuid)
STUB(handle_xsetbv)
STUB(handle_invd)
STUB(handle_task_switch)
STUB(handle_vmcall)
STUB(handle_undefined_opcode)
STUB(handle_rdmsr)
STUB(handle_wrmsr)
STUB(handle_cr_access)
STUB(handle_triple_fault)
STUB(handle_init_signal)
STUB(handle_exception_nmi)
STUB(handle_nmi_window)
STUB(handle_io_instruction)
STUB(handle_sipi)
STUB(handle_ept_violation)
STUB(handle_ept_misconfig)
STUB(handle_entry_failure)
STUB(handle_unexpected)
STUB(handle_reserved)

/* Calls the entry's handler and returns the name the stub recorded. */
static const char *run_handler(unsigned reason)
{
	const struct exit_handler *e = exit_handler_for(reason);

	assert_non_null(e);
	assert_non_null(e->handler);
	last_called = NULL;
	e->handler(NULL);
	assert_non_null(last_called);
	return last_called;
}

static void expect_handler(unsigned reason, exit_handler_fn fn, const char *fn_name)
{
	const struct exit_handler *e = exit_handler_for(reason);

	if (!e || e->handler != fn)
		fail_msg("exit reason %u: expected %s, table has %s", reason, fn_name,
			 e && e->handler ? run_handler(reason) : "(none)");
	assert_string_equal(run_handler(reason), fn_name);
}

#define EXPECT(reason, fn) expect_handler(EXIT_REASON_##reason, fn, #fn)

/* Every number defined in vmm/exit/exit_reasons.h. */
static const unsigned defined_reasons[] = {
	EXIT_REASON_EXCEPTION_NMI, EXIT_REASON_EXTERNAL_INTERRUPT,
	EXIT_REASON_TRIPLE_FAULT, EXIT_REASON_INIT_SIGNAL, EXIT_REASON_SIPI,
	EXIT_REASON_IO_SMI, EXIT_REASON_OTHER_SMI, EXIT_REASON_INTERRUPT_WINDOW,
	EXIT_REASON_NMI_WINDOW, EXIT_REASON_TASK_SWITCH, EXIT_REASON_CPUID,
	EXIT_REASON_GETSEC, EXIT_REASON_HLT, EXIT_REASON_INVD, EXIT_REASON_INVLPG,
	EXIT_REASON_RDPMC, EXIT_REASON_RDTSC, EXIT_REASON_RSM, EXIT_REASON_VMCALL,
	EXIT_REASON_VMCLEAR, EXIT_REASON_VMLAUNCH, EXIT_REASON_VMPTRLD,
	EXIT_REASON_VMPTRST, EXIT_REASON_VMREAD, EXIT_REASON_VMRESUME,
	EXIT_REASON_VMWRITE, EXIT_REASON_VMXOFF, EXIT_REASON_VMXON,
	EXIT_REASON_CR_ACCESS, EXIT_REASON_DR_ACCESS, EXIT_REASON_IO_INSTRUCTION,
	EXIT_REASON_RDMSR, EXIT_REASON_WRMSR, EXIT_REASON_INVALID_GUEST_STATE,
	EXIT_REASON_MSR_LOADING, EXIT_REASON_MWAIT, EXIT_REASON_MONITOR_TRAP_FLAG,
	EXIT_REASON_MONITOR, EXIT_REASON_PAUSE, EXIT_REASON_MACHINE_CHECK,
	EXIT_REASON_TPR_BELOW_THRESHOLD, EXIT_REASON_APIC_ACCESS,
	EXIT_REASON_VIRTUALIZED_EOI, EXIT_REASON_GDTR_IDTR, EXIT_REASON_LDTR_TR,
	EXIT_REASON_EPT_VIOLATION, EXIT_REASON_EPT_MISCONFIG, EXIT_REASON_INVEPT,
	EXIT_REASON_RDTSCP, EXIT_REASON_PREEMPTION_TIMER, EXIT_REASON_INVVPID,
	EXIT_REASON_WBINVD, EXIT_REASON_XSETBV, EXIT_REASON_APIC_WRITE,
	EXIT_REASON_RDRAND, EXIT_REASON_INVPCID, EXIT_REASON_VMFUNC,
	EXIT_REASON_ENCLS, EXIT_REASON_RDSEED, EXIT_REASON_PML_FULL,
	EXIT_REASON_XSAVES, EXIT_REASON_XRSTORS, EXIT_REASON_PCONFIG,
	EXIT_REASON_SPP_EVENT, EXIT_REASON_UMWAIT, EXIT_REASON_TPAUSE,
	EXIT_REASON_LOADIWKEY, EXIT_REASON_ENCLV, EXIT_REASON_ENQCMD_PASID_FAIL,
	EXIT_REASON_ENQCMDS_PASID_FAIL, EXIT_REASON_BUS_LOCK,
	EXIT_REASON_INSTRUCTION_TIMEOUT, EXIT_REASON_SEAMCALL, EXIT_REASON_TDCALL,
};

/* The numbers Appendix C leaves unused. */
static const unsigned sdm_unused[] = { 35, 38, 42, 71 };

static int is_sdm_unused(unsigned reason)
{
	for (size_t i = 0; i < sizeof(sdm_unused) / sizeof(sdm_unused[0]); i++)
		if (sdm_unused[i] == reason)
			return 1;
	return 0;
}

static void test_every_reason_has_handler_and_name(void **state)
{
	(void)state;
	for (unsigned r = 0; r <= EXIT_REASON_MAX; r++) {
		const struct exit_handler *e = exit_handler_for(r);

		if (!e)
			fail_msg("exit reason %u: no entry", r);
		if (!e->handler)
			fail_msg("exit reason %u: NULL handler", r);
		if (!e->name || !e->name[0])
			fail_msg("exit reason %u: empty name", r);
		/* Handlers are callable and one of the declared ones. */
		assert_non_null(run_handler(r));
	}
}

static void test_out_of_range_is_null(void **state)
{
	static const unsigned beyond[] = {
		EXIT_REASON_MAX + 1, EXIT_REASON_MAX + 2, 100, 255, 256,
		EXIT_REASON_BASIC_MASK, EXIT_REASON_BASIC_MASK + 1,
		/* a whole exit-reason field with the entry-failure bit */
		EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_INVALID_GUEST_STATE,
		0x7FFFFFFFu, UINT_MAX,
	};

	(void)state;
	assert_int_equal(EXIT_REASON_MAX, 77);
	for (size_t i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++)
		if (exit_handler_for(beyond[i]) != NULL)
			fail_msg("exit_handler_for(%u) should be NULL", beyond[i]);
	/* The last valid one is not NULL (no off-by-one at the top). */
	assert_non_null(exit_handler_for(EXIT_REASON_MAX));
}

static void test_emulated_instructions(void **state)
{
	(void)state;
	EXPECT(CPUID, handle_cpuid);
	EXPECT(XSETBV, handle_xsetbv);
	EXPECT(INVD, handle_invd);
	EXPECT(TASK_SWITCH, handle_task_switch);
	EXPECT(VMCALL, handle_vmcall);
	EXPECT(RDMSR, handle_rdmsr);
	EXPECT(WRMSR, handle_wrmsr);
	EXPECT(CR_ACCESS, handle_cr_access);
	EXPECT(TRIPLE_FAULT, handle_triple_fault);
	EXPECT(INIT_SIGNAL, handle_init_signal);
	EXPECT(SIPI, handle_sipi);
	EXPECT(EXCEPTION_NMI, handle_exception_nmi);
	EXPECT(NMI_WINDOW, handle_nmi_window);
	EXPECT(EPT_VIOLATION, handle_ept_violation);
	EXPECT(EPT_MISCONFIG, handle_ept_misconfig);
	EXPECT(IO_INSTRUCTION, handle_io_instruction);
	/* RDMSR and WRMSR are distinct handlers, not swapped. */
	assert_ptr_not_equal(exit_handler_for(EXIT_REASON_RDMSR)->handler,
			     exit_handler_for(EXIT_REASON_WRMSR)->handler);
}

static void test_vmx_instructions(void **state)
{
	(void)state;
	/* VMCLEAR (19) .. VMXON (27) are consecutive in the SDM. */
	assert_int_equal(EXIT_REASON_VMXON - EXIT_REASON_VMCLEAR, 8);
	for (unsigned r = EXIT_REASON_VMCLEAR; r <= EXIT_REASON_VMXON; r++)
		expect_handler(r, handle_undefined_opcode, "handle_undefined_opcode");
	EXPECT(VMCLEAR, handle_undefined_opcode);
	EXPECT(VMLAUNCH, handle_undefined_opcode);
	EXPECT(VMPTRLD, handle_undefined_opcode);
	EXPECT(VMPTRST, handle_undefined_opcode);
	EXPECT(VMREAD, handle_undefined_opcode);
	EXPECT(VMRESUME, handle_undefined_opcode);
	EXPECT(VMWRITE, handle_undefined_opcode);
	EXPECT(VMXOFF, handle_undefined_opcode);
	EXPECT(VMXON, handle_undefined_opcode);
	EXPECT(INVEPT, handle_undefined_opcode);
	EXPECT(INVVPID, handle_undefined_opcode);
	EXPECT(VMFUNC, handle_undefined_opcode);
	/* VMCALL is the hypercall, not "a VMX instruction". */
	assert_ptr_not_equal(exit_handler_for(EXIT_REASON_VMCALL)->handler,
			     handle_undefined_opcode);
}

static void test_entry_failures(void **state)
{
	(void)state;
	assert_int_equal(EXIT_REASON_INVALID_GUEST_STATE, 33);
	assert_int_equal(EXIT_REASON_MSR_LOADING, 34);
	assert_int_equal(EXIT_REASON_MACHINE_CHECK, 41);
	expect_handler(33, handle_entry_failure, "handle_entry_failure");
	expect_handler(34, handle_entry_failure, "handle_entry_failure");
	expect_handler(41, handle_entry_failure, "handle_entry_failure");
	/* ... and nothing else is treated as an entry failure. */
	for (unsigned r = 0; r <= EXIT_REASON_MAX; r++) {
		if (r == 33 || r == 34 || r == 41)
			continue;
		if (exit_handler_for(r)->handler == handle_entry_failure)
			fail_msg("exit reason %u wrongly maps to handle_entry_failure", r);
	}
}

static void test_reserved_numbers(void **state)
{
	(void)state;
	for (unsigned r = 0; r <= EXIT_REASON_MAX; r++) {
		const struct exit_handler *e = exit_handler_for(r);
		int reserved = e->handler == handle_reserved;

		if (is_sdm_unused(r) && !reserved)
			fail_msg("exit reason %u is unused by the SDM but maps to %s", r,
				 run_handler(r));
		if (!is_sdm_unused(r) && reserved)
			fail_msg("exit reason %u (%s) is an SDM reason but maps to handle_reserved",
				 r, e->name);
		if (reserved && !strstr(e->name, "reserved"))
			fail_msg("exit reason %u: reserved entry named '%s'", r, e->name);
	}
	/* No defined reason is one of the unused numbers. */
	for (size_t i = 0; i < sizeof(defined_reasons) / sizeof(defined_reasons[0]); i++) {
		unsigned r = defined_reasons[i];

		if (r > EXIT_REASON_MAX)
			fail_msg("EXIT_REASON_* value %u beyond EXIT_REASON_MAX", r);
		if (is_sdm_unused(r))
			fail_msg("EXIT_REASON_* value %u is an unused SDM number", r);
		if (exit_handler_for(r)->handler == handle_reserved)
			fail_msg("defined exit reason %u maps to handle_reserved", r);
	}
	/* The defined reasons plus the unused numbers cover 0..MAX once. */
	assert_int_equal(sizeof(defined_reasons) / sizeof(defined_reasons[0]) +
			 sizeof(sdm_unused) / sizeof(sdm_unused[0]), EXIT_REASON_MAX + 1);
}

static void test_names_unique(void **state)
{
	(void)state;
	for (unsigned a = 0; a <= EXIT_REASON_MAX; a++)
		for (unsigned b = a + 1; b <= EXIT_REASON_MAX; b++)
			if (strcmp(exit_handler_for(a)->name, exit_handler_for(b)->name) == 0)
				fail_msg("exit reasons %u and %u share the name '%s'", a, b,
					 exit_handler_for(a)->name);
}

static void test_sdm_names(void **state)
{
	static const struct {
		unsigned reason;
		const char *name;
	} names[] = {
		{ 0, "exception or NMI" },
		{ 1, "external interrupt" },
		{ 2, "triple fault" },
		{ 3, "INIT signal" },
		{ 10, "CPUID" },
		{ 12, "HLT" },
		{ 18, "VMCALL" },
		{ 19, "VMCLEAR" },
		{ 27, "VMXON" },
		{ 28, "control-register access" },
		{ 30, "I/O instruction" },
		{ 31, "RDMSR" },
		{ 32, "WRMSR" },
		{ 48, "EPT violation" },
		{ 49, "EPT misconfiguration" },
		{ 50, "INVEPT" },
		{ 53, "INVVPID" },
		{ 55, "XSETBV" },
		{ 59, "VMFUNC" },
		{ 77, "TDCALL" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct exit_handler *e = exit_handler_for(names[i].reason);

		assert_non_null(e);
		if (strcmp(e->name, names[i].name) != 0)
			fail_msg("exit reason %u: name '%s', expected '%s'", names[i].reason,
				 e->name, names[i].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reason_has_handler_and_name),
		cmocka_unit_test(test_out_of_range_is_null),
		cmocka_unit_test(test_emulated_instructions),
		cmocka_unit_test(test_vmx_instructions),
		cmocka_unit_test(test_entry_failures),
		cmocka_unit_test(test_reserved_numbers),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_sdm_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
