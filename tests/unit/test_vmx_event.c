/* Unit tests for vmm/event/vmx_event.c: the event the next VM entry delivers
 * after an exit during event delivery (SDM Vol. 3C, 28.2.4 "Information
 * for VM Exits That Occur During Event Delivery", 27.6 "Event Injection"),
 * a fault the VMM queues meeting it (Vol. 3A, 7.15, Table 7-5 "Conditions
 * for Generating a Double Fault"), and when an NMI may be injected
 * (Vol. 3C, 27.3.1.5 "Checks on Guest Non-Register State"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/event/vmx_event.h"
#include "vmm/ipi/init_sipi.h"
#include "arch/x86_64/vmcs_fields.h"

#define HW(v) (INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | (v))
#define UNDEFINED_BIT12 (1u << 12)

/* 28.2.4: the IDT-vectoring information is copied to the entry field with
 * bits 30:12 clear (bit 12 is undefined there); the error code follows
 * only where 27.2.1.3 lets VM entry deliver one. */
static void test_sdm_28_2_4_hw_exception_with_error_code(void **state)
{
	struct vmx_event e;

	(void)state;
	assert_true(vmx_event_from_vectoring(HW(14) | INTR_INFO_DELIVER_CODE | UNDEFINED_BIT12,
					     0x7, 3, true, &e));
	assert_int_equal(e.info, HW(14) | INTR_INFO_DELIVER_CODE);
	assert_int_equal(e.error, 0x7);
	assert_int_equal(e.insn_len, 0);
	/* Real mode (unrestricted guest): no error code, or entry fails. */
	assert_true(vmx_event_from_vectoring(HW(13) | INTR_INFO_DELIVER_CODE, 0, 0, false, &e));
	assert_int_equal(e.info, HW(13));
	/* A vector without an error code never gets one. */
	assert_true(vmx_event_from_vectoring(HW(6) | INTR_INFO_DELIVER_CODE, 5, 0, true, &e));
	assert_int_equal(e.info, HW(6));
	assert_int_equal(e.error, 0);
}

/* 28.2.4 with 28.2.5: software interrupts and exceptions are injected
 * again with the instruction length the exit gives. */
static void test_sdm_28_2_4_software_events_keep_length(void **state)
{
	struct vmx_event e;

	(void)state;
	assert_true(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_SOFT_INTR | 0x80, 0, 2,
					     true, &e));
	assert_int_equal(e.info, INTR_INFO_VALID | INTR_TYPE_SOFT_INTR | 0x80);
	assert_int_equal(e.insn_len, 2);
	assert_true(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_SW_EXC | 3, 0, 1, true, &e));
	assert_int_equal(e.insn_len, 1);
	assert_true(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_PRIV_SW_EXC | 1, 0, 1,
					     true, &e));
	assert_int_equal(e.info, INTR_INFO_VALID | INTR_TYPE_PRIV_SW_EXC | 1);
	/* No usable length: not injected. */
	assert_false(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_SOFT_INTR | 0x80, 0, 0,
					      true, &e));
	assert_false(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_SOFT_INTR | 0x80, 0, 16,
					      true, &e));
}

/* External interrupts and NMIs need no length; the length of the exit is
 * ignored for them. */
static void test_sdm_28_2_4_interrupt_and_nmi(void **state)
{
	struct vmx_event e;

	(void)state;
	assert_true(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x30, 9, 4,
					     true, &e));
	assert_int_equal(e.info, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x30);
	assert_int_equal(e.insn_len, 0);
	assert_int_equal(e.error, 0);
	assert_true(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_NMI | 2, 0, 0, true, &e));
	assert_int_equal(e.info, INTR_INFO_VALID | INTR_TYPE_NMI | 2);
}

/* Nothing valid, or nothing VM entry could inject (27.2.1.3): no event. */
static void test_sdm_27_2_1_3_not_injectable(void **state)
{
	struct vmx_event e;

	(void)state;
	assert_false(vmx_event_from_vectoring(HW(14) & ~INTR_INFO_VALID, 0, 0, true, &e));
	assert_false(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_RESERVED | 5, 0, 1, true,
					      &e));
	assert_false(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_OTHER, 0, 1, true, &e));
	assert_false(vmx_event_from_vectoring(INTR_INFO_VALID | INTR_TYPE_NMI | 3, 0, 0, true, &e));
	assert_false(vmx_event_from_vectoring(HW(32), 0, 0, true, &e));
}

/* Vol. 3A, Table 7-5, row by row. */
static void test_sdm_3a_table_7_5_double_fault(void **state)
{
	(void)state;
	/* benign first: the second alone */
	assert_int_equal(vmx_event_combine(INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x30, 13),
			 EVENT_SECOND_ONLY);
	assert_int_equal(vmx_event_combine(INTR_INFO_VALID | INTR_TYPE_NMI | 2, 14), EVENT_SECOND_ONLY);
	assert_int_equal(vmx_event_combine(INTR_INFO_VALID | INTR_TYPE_SOFT_INTR | 13, 13),
			 EVENT_SECOND_ONLY);
	assert_int_equal(vmx_event_combine(HW(1), 13), EVENT_SECOND_ONLY);
	assert_int_equal(vmx_event_combine(HW(6), 14), EVENT_SECOND_ONLY);
	/* contributory first */
	assert_int_equal(vmx_event_combine(HW(13), 13), EVENT_DOUBLE_FAULT);
	assert_int_equal(vmx_event_combine(HW(0), 11), EVENT_DOUBLE_FAULT);
	assert_int_equal(vmx_event_combine(HW(13), 14), EVENT_SECOND_ONLY);
	assert_int_equal(vmx_event_combine(HW(12), 6), EVENT_SECOND_ONLY);
	/* page fault first */
	assert_int_equal(vmx_event_combine(HW(14), 14), EVENT_DOUBLE_FAULT);
	assert_int_equal(vmx_event_combine(HW(14), 13), EVENT_DOUBLE_FAULT);
	assert_int_equal(vmx_event_combine(HW(14), 6), EVENT_SECOND_ONLY);
	/* double fault first: shutdown, except for a benign second */
	assert_int_equal(vmx_event_combine(HW(8), 13), EVENT_SHUTDOWN);
	assert_int_equal(vmx_event_combine(HW(8), 14), EVENT_SHUTDOWN);
	assert_int_equal(vmx_event_combine(HW(8), 6), EVENT_SECOND_ONLY);
}

/* 27.3.1.5: no NMI injection with blocking by MOV SS or virtual-NMI
 * blocking; STI blocking held as well (some processors refuse it); only
 * into the active or HLT activity state. */
static void test_sdm_27_3_1_5_nmi_injectable(void **state)
{
	(void)state;
	assert_true(vmx_nmi_injectable(0, ACTIVITY_ACTIVE));
	assert_true(vmx_nmi_injectable(0, ACTIVITY_HLT));
	assert_false(vmx_nmi_injectable(INTERRUPTIBILITY_NMI, ACTIVITY_ACTIVE));
	assert_false(vmx_nmi_injectable(INTERRUPTIBILITY_MOV_SS, ACTIVITY_ACTIVE));
	assert_false(vmx_nmi_injectable(INTERRUPTIBILITY_STI, ACTIVITY_ACTIVE));
	assert_false(vmx_nmi_injectable(0, ACTIVITY_WAIT_FOR_SIPI));
	assert_false(vmx_nmi_injectable(0, ACTIVITY_SHUTDOWN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdm_28_2_4_hw_exception_with_error_code),
		cmocka_unit_test(test_sdm_28_2_4_software_events_keep_length),
		cmocka_unit_test(test_sdm_28_2_4_interrupt_and_nmi),
		cmocka_unit_test(test_sdm_27_2_1_3_not_injectable),
		cmocka_unit_test(test_sdm_3a_table_7_5_double_fault),
		cmocka_unit_test(test_sdm_27_3_1_5_nmi_injectable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
