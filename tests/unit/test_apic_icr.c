/* Unit tests for vmm/apic_icr.c: ICR values as OVMF and Linux write them
 * (EDK2 LocalApicLib SendInitSipiSipi; Linux wakeup_secondary_cpu_via_init). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/apic_icr.h"

static struct ipi decode(uint32_t low, uint32_t dest)
{
	struct ipi ipi;

	icr_decode(low, dest, &ipi);
	return ipi;
}

static void test_init_assert(void **state)
{
	/* 0x4500: INIT, physical, level assert, edge (OVMF); 0xc500: level-
	 * triggered assert (the guest INIT/SIPI test program). */
	struct ipi a = decode(0x00004500, 3), b = decode(0x0000c500, 1);

	(void)state;
	assert_int_equal(a.kind, IPI_INIT);
	assert_int_equal(a.dest, IPI_DEST_ONE);
	assert_int_equal(a.dest_id, 3);
	assert_int_equal(b.kind, IPI_INIT);
}

static void test_init_deassert(void **state)
{
	/* 0x8500: INIT, level-triggered, level de-assert (Linux sends it to
	 * old APICs). */
	(void)state;
	assert_int_equal(decode(0x00008500, 1).kind, IPI_INIT_DEASSERT);
}

static void test_startup(void **state)
{
	struct ipi s = decode(0x00004687, 2), t = decode(0x0000069f, 7);

	(void)state;
	assert_int_equal(s.kind, IPI_STARTUP);
	assert_int_equal(s.vector, 0x87);
	assert_int_equal(s.dest_id, 2);
	assert_int_equal(t.kind, IPI_STARTUP);
	assert_int_equal(t.vector, 0x9f);
}

static void test_shorthands(void **state)
{
	(void)state;
	assert_int_equal(decode(0x000C4500, 0).dest, IPI_DEST_ALL_EXCL);
	assert_int_equal(decode(0x00084500, 0).dest, IPI_DEST_ALL_INCL);
	assert_int_equal(decode(0x00044500, 0).dest, IPI_DEST_SELF);
	assert_int_equal(decode(0x000C4687, 0).kind, IPI_STARTUP);
	/* A shorthand wins over the destination mode bit. */
	assert_int_equal(decode(0x000C4D00 | ICR_DM_INIT, 0).dest, IPI_DEST_ALL_EXCL);
}

static void test_logical_and_others(void **state)
{
	(void)state;
	assert_int_equal(decode(0x00004D00 | ICR_DM_INIT, 1).dest, IPI_DEST_LOGICAL);
	assert_int_equal(decode(0x000040FD, 1).kind, IPI_OTHER);            /* fixed */
	assert_int_equal(decode(ICR_DM_NMI | ICR_LEVEL_ASSERT, 1).kind, IPI_OTHER);
	assert_int_equal(decode(0x00000200, 1).kind, IPI_OTHER);            /* SMI */
	assert_int_equal(decode(0x00000100, 1).kind, IPI_OTHER);            /* lowest */
	assert_int_equal(decode(0x00000700, 1).kind, IPI_OTHER);            /* reserved */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_assert),
		cmocka_unit_test(test_init_deassert),
		cmocka_unit_test(test_startup),
		cmocka_unit_test(test_shorthands),
		cmocka_unit_test(test_logical_and_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
