/* vmm/policy/pm1_policy.c: which PM1 control writes the VMM refuses, and the
 * WAK_STS it shows after one. Names carry the ACPI 6.4 section (16.1.x
 * "Sx Sleeping State", 4.8.4.x the PM1 registers) or the SDM's (Vol. 3C,
 * 25.6.4 "I/O-Bitmap Addresses", 26.1.3). Ports and SLP_TYP values are
 * QEMU's (q35: PM1a_EVT_BLK 600h, PM1a_CNT_BLK 604h; \_S3 1, \_S4 2, \_S5
 * 0, tests/unit/acpi/) and an Intel PCH's (ACPI base 1800h; S3 5, S4 6,
 * S5 7). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/policy/pm1_policy.h"

#define SLP(t) (1u << (t))
#define CNT(typ, en) ((uint32_t)(typ) << 10 | ((en) ? PM1_CNT_SLP_EN : 0))
#define SCI_EN 1u

static struct boot_info qemu(void)
{
	struct boot_info bi = { .pm1a_cnt = 0x604, .pm1a_sts = 0x600 };

	bi.slp_typ_a[3] = bi.slp_typ_b[3] = SLP(1);
	bi.slp_typ_a[4] = bi.slp_typ_b[4] = SLP(2);
	bi.slp_typ_a[5] = bi.slp_typ_b[5] = SLP(0);
	return bi;
}

static struct boot_info pch(void)
{
	struct boot_info bi = { .pm1a_cnt = 0x1804, .pm1a_sts = 0x1800 };

	bi.slp_typ_a[0] = SLP(0);
	bi.slp_typ_a[3] = SLP(5);
	bi.slp_typ_a[4] = SLP(6);
	bi.slp_typ_a[5] = SLP(7);
	return bi;
}

/* ACPICA's write #2 (SLP_TYP and SLP_EN in one 16-bit OUT) for S3. */
static void acpi_16_1_3_s3_request_refused(void **state)
{
	struct boot_info q = qemu(), p = pch();

	(void)state;
	assert_int_equal(pm1_out_refused(&q, 0x604, 2, CNT(1, 1) | SCI_EN), 3);
	assert_int_equal(pm1_out_refused(&p, 0x1804, 2, CNT(5, 1) | SCI_EN), 3);
	assert_int_equal(pm1_out_refused(&p, 0x1804, 4, CNT(5, 1) | SCI_EN), 3);
}

/* Write #1 (SLP_TYP without SLP_EN) and any write without SLP_EN: done. */
static void acpi_4_8_4_2_1_slp_typ_without_slp_en_passes(void **state)
{
	struct boot_info q = qemu();

	(void)state;
	assert_int_equal(pm1_out_refused(&q, 0x604, 2, CNT(1, 0) | SCI_EN), 0);
	assert_int_equal(pm1_out_refused(&q, 0x604, 2, SCI_EN), 0);
}

/* S5 (soft off) and S4 go through, whatever their SLP_TYP. */
static void acpi_16_1_5_s5_and_16_1_4_s4_pass(void **state)
{
	struct boot_info q = qemu(), p = pch();

	(void)state;
	assert_int_equal(pm1_out_refused(&q, 0x604, 2, CNT(0, 1)), 0);
	assert_int_equal(pm1_out_refused(&q, 0x604, 2, CNT(2, 1)), 0);
	assert_int_equal(pm1_out_refused(&p, 0x1804, 2, CNT(7, 1)), 0);
	assert_int_equal(pm1_out_refused(&p, 0x1804, 2, CNT(6, 1)), 0);
}

/* \_S2 is refused like \_S3; a value both \_S3 and \_S5 use is not
 * (power-off first); \_S1 keeps the processors' context (16.1.1). */
static void acpi_16_1_2_s2_refused_shared_value_passes(void **state)
{
	struct boot_info q = qemu();

	(void)state;
	q.slp_typ_a[2] = SLP(3);
	q.slp_typ_a[1] = SLP(4);
	assert_int_equal(pm1_out_refused(&q, 0x604, 2, CNT(3, 1)), 2);
	assert_int_equal(pm1_out_refused(&q, 0x604, 2, CNT(4, 1)), 0);
	q.slp_typ_a[5] |= SLP(1);
	assert_int_equal(pm1_refused_types(q.slp_typ_a), SLP(3));
	assert_int_equal(pm1_out_refused(&q, 0x604, 2, CNT(1, 1)), 0);
}

/* SLP_TYP and SLP_EN live in the register's second byte: a byte OUT there
 * is a request, one to the first byte is not; a wider OUT that covers the
 * second byte from below counts too. */
static void acpi_table_4_13_byte_and_dword_accesses(void **state)
{
	struct boot_info q = qemu();

	(void)state;
	assert_int_equal(pm1_out_refused(&q, 0x605, 1, CNT(1, 1) >> 8), 3);
	assert_int_equal(pm1_out_refused(&q, 0x604, 1, 0xFF), 0);
	assert_int_equal(pm1_out_refused(&q, 0x602, 4, CNT(1, 1) << 16), 3);
	assert_int_equal(pm1_out_refused(&q, 0x603, 2, CNT(1, 1) >> 8 << 8), 0);
	assert_int_equal(pm1_out_refused(&q, 0x603, 4, (CNT(1, 1) >> 8) << 16), 3);
}

/* PM1b takes its own SLP_TYP (the second element of \_Sx). */
static void acpi_7_4_2_pm1b_uses_slp_typ_b(void **state)
{
	struct boot_info q = qemu();

	(void)state;
	q.pm1b_cnt = 0x8804;
	q.slp_typ_b[3] = SLP(6);
	assert_int_equal(pm1_out_refused(&q, 0x8804, 2, CNT(6, 1)), 3);
	assert_int_equal(pm1_out_refused(&q, 0x8804, 2, CNT(1, 1)), 0);
}

static void guard_needs_ports_and_a_refused_state(void **state)
{
	struct boot_info q = qemu(), none = { 0 };

	(void)state;
	assert_true(pm1_guard_active(&q));
	q.pm1a_sts = 0;
	assert_false(pm1_guard_active(&q));
	assert_int_equal(pm1_out_refused(&q, 0x604, 2, CNT(1, 1)), 0);
	q = qemu();
	q.slp_typ_a[3] = 0;
	assert_false(pm1_guard_active(&q));
	assert_false(pm1_guard_active(&none));
}

/* WAK_STS (bit 15 of PM1a_STS) shows while a wake is pending, in every
 * access that covers it. */
static void acpi_table_4_11_wak_sts_shown_after_refusal(void **state)
{
	struct boot_info q = qemu();

	(void)state;
	assert_int_equal(pm1_in_value(&q, 0x600, 2, 0x0001, true), 0x8001);
	assert_int_equal(pm1_in_value(&q, 0x601, 1, 0x00, true), 0x80);
	assert_int_equal(pm1_in_value(&q, 0x600, 1, 0x01, true), 0x01);
	assert_int_equal(pm1_in_value(&q, 0x600, 4, 0x01000001, true), 0x01008001);
	assert_int_equal(pm1_in_value(&q, 0x600, 2, 0x0001, false), 0x0001);
	assert_int_equal(pm1_in_value(&q, 0x604, 2, 0x0001, true), 0x0001);
}

/* Writing 1 to WAK_STS clears it (status bits are write-1-to-clear). */
static void acpi_4_8_4_1_1_write_one_clears_wak_sts(void **state)
{
	struct boot_info q = qemu();

	(void)state;
	assert_true(pm1_out_clears_wake(&q, 0x600, 2, PM1_STS_WAK));
	assert_true(pm1_out_clears_wake(&q, 0x601, 1, 0x80));
	assert_true(pm1_out_clears_wake(&q, 0x600, 4, 0xFFFFFFFF));
	assert_false(pm1_out_clears_wake(&q, 0x600, 2, 0x0001));
	assert_false(pm1_out_clears_wake(&q, 0x604, 2, 0x8000));
}

static unsigned bits_set(const uint8_t *b, unsigned n)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++)
		c += (unsigned)__builtin_popcount(b[i]);
	return c;
}

static int port_set(const uint8_t *b, unsigned port)
{
	return (b[port / 8] >> (port % 8)) & 1;
}

/* Bitmap A holds ports 0-7FFFh, B 8000h-FFFFh, one bit each (25.6.4):
 * the two bytes of each intercepted register, nothing else. */
static void sdm_25_6_4_io_bitmap_bits(void **state)
{
	static uint8_t b[IO_BITMAP_BYTES];
	struct boot_info q = qemu(), none = { 0 };

	(void)state;
	memset(b, 0, sizeof(b));
	assert_true(pm1_io_bitmap(&q, b));
	assert_true(port_set(b, 0x600) && port_set(b, 0x601) && port_set(b, 0x604) &&
		    port_set(b, 0x605));
	assert_int_equal(bits_set(b, sizeof(b)), 4);
	q.pm1b_cnt = 0x8804;
	assert_true(pm1_io_bitmap(&q, b));
	assert_true(port_set(b, 0x8804) && port_set(b, 0x8805));
	assert_int_equal(bits_set(b + 4096, 4096), 2);
	memset(b, 0, sizeof(b));
	assert_false(pm1_io_bitmap(&none, b));
	assert_int_equal(bits_set(b, sizeof(b)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acpi_16_1_3_s3_request_refused),
		cmocka_unit_test(acpi_4_8_4_2_1_slp_typ_without_slp_en_passes),
		cmocka_unit_test(acpi_16_1_5_s5_and_16_1_4_s4_pass),
		cmocka_unit_test(acpi_16_1_2_s2_refused_shared_value_passes),
		cmocka_unit_test(acpi_table_4_13_byte_and_dword_accesses),
		cmocka_unit_test(acpi_7_4_2_pm1b_uses_slp_typ_b),
		cmocka_unit_test(guard_needs_ports_and_a_refused_state),
		cmocka_unit_test(acpi_table_4_11_wak_sts_shown_after_refusal),
		cmocka_unit_test(acpi_4_8_4_1_1_write_one_clears_wak_sts),
		cmocka_unit_test(sdm_25_6_4_io_bitmap_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
