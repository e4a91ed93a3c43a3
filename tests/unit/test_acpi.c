/* boot/acpi.c on real table bytes: the FADTs and DSDTs QEMU 7.2 gives its
 * q35 and i440FX ("pc") machines (read from /sys/firmware/acpi/tables of
 * a Linux guest) and the hardware-reduced FADT of a Firecracker VM, kept
 * in tests/unit/acpi/; plus hand-assembled AML for the encodings real
 * firmware uses that QEMU does not (ACPI 6.4, 20.2 "AML Grammar
 * Definition"). Test names carry the ACPI 6.4 section. Run from the
 * repository root (make unit-test, tests/run-all.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "boot/acpi.h"

#define DATA "tests/unit/acpi/"
#define SLP(t) (1u << (t))
#define HDR 36u

struct blob {
	uint8_t *p;
	uint32_t n;
};

static struct blob load(const char *name)
{
	char path[256];
	struct blob b = { NULL, 0 };
	FILE *f;
	long n;

	snprintf(path, sizeof(path), DATA "%s", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b.p = malloc((size_t)n);
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b.n = (uint32_t)n;
	return b;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void checksum(uint8_t *p, uint32_t n, unsigned at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (uint32_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	p[at] = (uint8_t)-s;
}

/* ---- 5.2.9 the FADT's PM1 registers -------------------------------- */

/* acpi_fadt_pm1() on a FADT file of len bytes, with the 8 bytes at
 * patch_at (when not 0) replaced by patch first. */
static enum acpi_result fadt(const char *name, uint32_t len, unsigned patch_at, uint64_t patch,
			     struct acpi_sleep *s)
{
	struct blob f = load(name);
	enum acpi_result r;

	assert_int_equal(f.n, len);
	if (patch_at)
		put64(f.p + patch_at, patch);
	*s = (struct acpi_sleep){ 0 };
	r = acpi_fadt_pm1(f.p, f.n, s);
	free(f.p);
	return r;
}

#define X_PM1A_CNT 172u /* its GAS: space id at +0, address at +4 */

/* q35: FADT revision 3; the X_ GASes (system I/O) name the same ports as
 * the 32-bit fields: PM1a_EVT_BLK 600h, PM1a_CNT_BLK 604h, no PM1b.
 * i440FX: an ACPI 1.0 FADT (revision 1, 116 bytes, no X_ fields). */
static void fadt_5_2_9_qemu_q35_and_pc(void **state)
{
	struct acpi_sleep s;

	(void)state;
	assert_int_equal(fadt("qemu-7.2-q35-facp.dat", 244, 0, 0, &s), ACPI_FOUND);
	assert_true(s.pm1a_cnt == 0x604 && s.pm1a_sts == 0x600 && s.pm1b_cnt == 0);
	assert_int_equal(fadt("qemu-7.2-pc-facp.dat", 116, 0, 0, &s), ACPI_FOUND);
	assert_true(s.pm1a_cnt == 0x604 && s.pm1a_sts == 0x600 && s.pm1b_cnt == 0);
}

/* A set X_ field wins over the 32-bit one (Table 5.9); one in system
 * memory space (5.2.3.2, space id 0) cannot be intercepted with I/O
 * bitmaps. */
static void fadt_5_2_9_x_gas_wins_5_2_3_2_memory_space_is_not_io(void **state)
{
	struct acpi_sleep s;

	(void)state;
	assert_int_equal(fadt("qemu-7.2-q35-facp.dat", 244, X_PM1A_CNT + 4, 0x1804, &s), ACPI_FOUND);
	assert_int_equal(s.pm1a_cnt, 0x1804);
	/* space id 1 (I/O) made 0; width 16, address 604h kept */
	assert_int_equal(fadt("qemu-7.2-q35-facp.dat", 244, X_PM1A_CNT, 0x0000060400001000ull, &s),
			 ACPI_PM1_NOT_IO);
}

/* Firecracker: HW_REDUCED_ACPI (flags bit 20, Table 5.10): sleep goes
 * through the sleep control register, not PM1. */
static void fadt_table_5_10_hw_reduced_firecracker(void **state)
{
	struct acpi_sleep s;

	(void)state;
	assert_int_equal(fadt("firecracker-facp.dat", 276, 0, 0, &s), ACPI_HW_REDUCED);
}

static void fadt_too_short_for_pm1(void **state)
{
	struct blob f = load("qemu-7.2-pc-facp.dat");
	struct acpi_sleep s = { 0 };

	(void)state;
	assert_int_equal(acpi_fadt_pm1(f.p, 88, &s), ACPI_ERR_FADT);
	free(f.p);
}

/* ---- 7.4.2 \_Sx packages in the DSDT --------------------------------- */

/* The \_Sx of a QEMU DSDT file: Name (_S3, Package (0x04) { One, One,
 * Zero, Zero }), _S4 { 0x02, 0x02, ... } (BytePrefix), _S5 { Zero, ... }. */
static void expect_qemu_sx(const char *name, const struct acpi_sleep *given)
{
	static const uint8_t want[ACPI_SLEEP_STATES] = { 0, 0, 0, SLP(1), SLP(2), SLP(0) };
	struct acpi_sleep s = { 0 };
	struct blob d = { NULL, 0 };

	if (!given) {
		d = load(name);
		acpi_aml_sleep_types(d.p, d.n, &s);
		free(d.p);
		given = &s;
	}
	assert_memory_equal(given->slp_typ_a, want, sizeof(want));
	assert_memory_equal(given->slp_typ_b, want, sizeof(want));
	assert_int_equal(given->sx_method, 0);
}

static void dsdt_7_4_2_qemu_q35_and_pc_s3_s4_s5(void **state)
{
	(void)state;
	expect_qemu_sx("qemu-7.2-q35-dsdt.dat", NULL);
	expect_qemu_sx("qemu-7.2-pc-dsdt.dat", NULL);
}

/* A table of the header and aml. */
static uint32_t aml_table(uint8_t *t, const char *sig, const uint8_t *aml, uint32_t n)
{
	memset(t, 0, HDR);
	memcpy(t, sig, 4);
	put32(t + 4, HDR + n);
	memcpy(t + HDR, aml, n);
	checksum(t, HDR + n, 9);
	return HDR + n;
}

static struct acpi_sleep scan(const uint8_t *aml, uint32_t n)
{
	uint8_t t[512];
	struct acpi_sleep s = { 0 };

	assert_true(HDR + n <= sizeof(t));
	acpi_aml_sleep_types(t, aml_table(t, "DSDT", aml, n), &s);
	return s;
}

/* Name (\_S3, Package (0x04) { 0x05, 0x05, Zero, Zero }): the root
 * prefix and BytePrefix values of typical PC firmware (Intel PCH: S3 is
 * SLP_TYP 5). */
static void aml_20_2_root_prefix_and_byte_const(void **state)
{
	static const uint8_t aml[] = { 0x08, 0x5C, '_', 'S', '3', '_', 0x12, 0x08, 0x04,
				       0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00 };
	struct acpi_sleep s = scan(aml, sizeof(aml));

	(void)state;
	assert_int_equal(s.slp_typ_a[3], SLP(5));
	assert_int_equal(s.slp_typ_b[3], SLP(5));
}

/* One element: SLP_TYPa in bits 7:0, SLP_TYPb in 15:8 (the older form
 * OSPM still accepts); a WordPrefix value. */
static void aml_7_4_2_one_element_package(void **state)
{
	static const uint8_t aml[] = { 0x08, '_', 'S', '3', '_', 0x12, 0x05, 0x01,
				       0x0B, 0x05, 0x07 };
	struct acpi_sleep s = scan(aml, sizeof(aml));

	(void)state;
	assert_int_equal(s.slp_typ_a[3], SLP(5));
	assert_int_equal(s.slp_typ_b[3], SLP(7));
}

/* A two-byte PkgLength (20.2.4: bits 7:6 = 1, the low nibble then the
 * next byte) and DWordPrefix values. */
static void aml_20_2_4_two_byte_pkglength(void **state)
{
	static const uint8_t aml[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x4F, 0x00, 0x04,
				       0x0C, 0x06, 0, 0, 0, 0x0C, 0x06, 0, 0, 0, 0x00, 0x00 };
	struct acpi_sleep s = scan(aml, sizeof(aml));

	(void)state;
	assert_int_equal(s.slp_typ_a[4], SLP(6));
	assert_int_equal(s.slp_typ_b[4], SLP(6));
}

/* If (SS3) { Name (_S3, ...) } defines \_S3 only when SS3 is set: the
 * scan takes it either way, and two definitions give both values. */
static void aml_sx_inside_if_and_twice(void **state)
{
	static const uint8_t aml[] = {
		0xA0, 0x11, 'S', 'S', '3', '_',                        /* If (SS3_) { */
		0x08, '_', 'S', '3', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00, /* } */
		0x08, '_', 'S', '3', '_', 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00,
	};
	struct acpi_sleep s = scan(aml, sizeof(aml));

	(void)state;
	assert_int_equal(s.slp_typ_a[3], SLP(1) | SLP(5));
}

/* Method (_S3) { Return (...) }: noted, no value taken. */
static void aml_sx_method_is_noted(void **state)
{
	static const uint8_t aml[] = { 0x14, 0x0E, '_', 'S', '3', '_', 0x00, 0xA4, 0x12, 0x06,
				       0x04, 0x01, 0x01, 0x00, 0x00 };
	struct acpi_sleep s = scan(aml, sizeof(aml));

	(void)state;
	assert_int_equal(s.sx_method, 1u << 3);
	assert_int_equal(s.slp_typ_a[3], 0);
}

/* An element that is a name, not a constant: not taken. */
static void aml_non_constant_element_not_taken(void **state)
{
	static const uint8_t aml[] = { 0x08, '_', 'S', '3', '_', 0x12, 0x0A, 0x02,
				       'S', 'L', 'P', '3', 'S', 'L', 'P', '3' };
	struct acpi_sleep s = scan(aml, sizeof(aml));

	(void)state;
	assert_int_equal(s.slp_typ_a[3], 0);
}

/* A package cut off by the end of the table, a PkgLength beyond it:
 * nothing read outside (AddressSanitizer watches), nothing taken. */
static void aml_truncated_package_stays_inside(void **state)
{
	static const uint8_t full[] = { 0x08, '_', 'S', '3', '_', 0x12, 0x08, 0x04,
					0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00 };
	static const uint8_t big[] = { 0x08, '_', 'S', '3', '_', 0x12, 0x3F, 0x04, 0x0A, 0x05 };

	(void)state;
	for (uint32_t n = 1; n < sizeof(full); n++) {
		uint8_t *t = malloc(HDR + n);
		struct acpi_sleep s = { 0 };

		aml_table(t, "DSDT", full, n);
		acpi_aml_sleep_types(t, HDR + n, &s);
		assert_int_equal(s.slp_typ_a[3], 0);
		free(t);
	}
	assert_int_equal(scan(big, sizeof(big)).slp_typ_a[3], 0);
}

/* ---- 5.2.5.3 RSDP -> XSDT/RSDT -> FACP -> DSDT, SSDT ----------------- */

#define RSDP_AT 0x000E0000ull
#define XSDT_AT 0x7FF00000ull
#define FACP_AT 0x7FF01000ull
#define DSDT_AT 0x7FF02000ull
#define SSDT_AT 0x7FF08000ull
#define NONE_AT 0x7FF0F000ull

struct region {
	uint64_t at;
	uint8_t *p;
	uint32_t n;
};

struct fake_mem {
	struct region r[5];
	unsigned count;
};

static const void *fake_map(void *ctx, uint64_t phys, uint64_t len)
{
	const struct fake_mem *m = ctx;

	for (unsigned i = 0; i < m->count; i++)
		if (phys >= m->r[i].at && phys + len <= m->r[i].at + m->r[i].n)
			return m->r[i].p + (phys - m->r[i].at);
	return NULL;
}

static void add(struct fake_mem *m, uint64_t at, uint8_t *p, uint32_t n)
{
	m->r[m->count++] = (struct region){ at, p, n };
}

/* RSDP revision 2 with an XSDT, or revision 0 with an RSDT. */
static void rsdp(uint8_t *p, unsigned revision, uint64_t root)
{
	memset(p, 0, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "PILLBX", 6);
	p[15] = (uint8_t)revision;
	if (revision >= 2) {
		put32(p + 20, 36);
		put64(p + 24, root);
		checksum(p, 20, 8);
		checksum(p, 36, 32);
	} else {
		put32(p + 16, (uint32_t)root);
		checksum(p, 20, 8);
	}
}

static uint32_t root_table(uint8_t *t, unsigned entry, const uint64_t *at, unsigned n)
{
	memset(t, 0, HDR);
	memcpy(t, entry == 8 ? "XSDT" : "RSDT", 4);
	for (unsigned i = 0; i < n; i++) {
		if (entry == 8)
			put64(t + HDR + 8 * i, at[i]);
		else
			put32(t + HDR + 4 * i, (uint32_t)at[i]);
	}
	put32(t + 4, HDR + entry * n);
	checksum(t, HDR + entry * n, 9);
	return HDR + entry * n;
}

/* q35's FADT and DSDT behind an XSDT (X_DSDT set to where the DSDT is). */
static void chain_5_2_5_3_xsdt_qemu_q35(void **state)
{
	struct blob f = load("qemu-7.2-q35-facp.dat"), d = load("qemu-7.2-q35-dsdt.dat");
	uint8_t r[36], x[HDR + 16];
	const uint64_t entries[] = { NONE_AT, FACP_AT };
	struct fake_mem m = { .count = 0 };
	struct acpi_mem mem = { fake_map, &m };
	struct acpi_sleep s;

	(void)state;
	put32(f.p + 40, 0);
	put64(f.p + 140, DSDT_AT);
	checksum(f.p, f.n, 9);
	rsdp(r, 2, XSDT_AT);
	add(&m, RSDP_AT, r, sizeof(r));
	add(&m, XSDT_AT, x, root_table(x, 8, entries, 2));
	add(&m, FACP_AT, f.p, f.n);
	add(&m, DSDT_AT, d.p, d.n);
	assert_int_equal(acpi_sleep_find(&mem, RSDP_AT, &s), ACPI_FOUND);
	assert_int_equal(s.pm1a_cnt, 0x604);
	assert_int_equal(s.pm1a_sts, 0x600);
	expect_qemu_sx(NULL, &s);
	free(f.p);
	free(d.p);
}

/* i440FX's FADT through an ACPI 1.0 RSDP and RSDT; \_S3 only in an SSDT. */
static void chain_5_2_7_rsdt_and_ssdt(void **state)
{
	struct blob f = load("qemu-7.2-pc-facp.dat");
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };
	static const uint8_t s3[] = { 0x08, 0x5C, '_', 'S', '3', '_', 0x12, 0x06, 0x04,
				      0x01, 0x01, 0, 0 };
	uint8_t r[36], x[HDR + 8], dsdt[64], ssdt[64];
	const uint64_t entries[] = { FACP_AT, SSDT_AT };
	struct fake_mem m = { .count = 0 };
	struct acpi_mem mem = { fake_map, &m };
	struct acpi_sleep s;

	(void)state;
	put32(f.p + 40, (uint32_t)DSDT_AT);
	checksum(f.p, f.n, 9);
	rsdp(r, 0, XSDT_AT);
	add(&m, RSDP_AT, r, sizeof(r));
	add(&m, XSDT_AT, x, root_table(x, 4, entries, 2));
	add(&m, FACP_AT, f.p, f.n);
	add(&m, DSDT_AT, dsdt, aml_table(dsdt, "DSDT", s5, sizeof(s5)));
	add(&m, SSDT_AT, ssdt, aml_table(ssdt, "SSDT", s3, sizeof(s3)));
	assert_int_equal(acpi_sleep_find(&mem, RSDP_AT, &s), ACPI_FOUND);
	assert_int_equal(s.slp_typ_a[3], SLP(1));
	assert_int_equal(s.slp_typ_a[5], SLP(0));
	free(f.p);
}

static void chain_5_2_5_3_bad_rsdp_checksum(void **state)
{
	uint8_t r[36];
	struct fake_mem m = { .count = 0 };
	struct acpi_mem mem = { fake_map, &m };
	struct acpi_sleep s;

	(void)state;
	rsdp(r, 2, XSDT_AT);
	r[8] ^= 1;
	add(&m, RSDP_AT, r, sizeof(r));
	assert_int_equal(acpi_sleep_find(&mem, RSDP_AT, &s), ACPI_ERR_RSDP);
	assert_int_equal(acpi_sleep_find(&mem, 0, &s), ACPI_ERR_RSDP);
}

static void chain_no_fadt_and_no_sx(void **state)
{
	struct blob f = load("qemu-7.2-pc-facp.dat");
	static const uint8_t none[] = { 0x10, 0x05, '_', 'S', 'B', '_' }; /* Scope (_SB) */
	uint8_t r[36], x[HDR + 8], dsdt[64];
	const uint64_t entries[] = { NONE_AT };
	const uint64_t with_facp[] = { FACP_AT };
	struct fake_mem m = { .count = 0 };
	struct acpi_mem mem = { fake_map, &m };
	struct acpi_sleep s;

	(void)state;
	rsdp(r, 2, XSDT_AT);
	add(&m, RSDP_AT, r, sizeof(r));
	add(&m, XSDT_AT, x, root_table(x, 8, entries, 1));
	assert_int_equal(acpi_sleep_find(&mem, RSDP_AT, &s), ACPI_ERR_NO_FADT);
	root_table(x, 8, with_facp, 1);
	put32(f.p + 40, (uint32_t)DSDT_AT);
	add(&m, FACP_AT, f.p, f.n);
	assert_int_equal(acpi_sleep_find(&mem, RSDP_AT, &s), ACPI_ERR_DSDT);
	add(&m, DSDT_AT, dsdt, aml_table(dsdt, "DSDT", none, sizeof(none)));
	assert_int_equal(acpi_sleep_find(&mem, RSDP_AT, &s), ACPI_NO_SX);
	free(f.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fadt_5_2_9_qemu_q35_and_pc),
		cmocka_unit_test(fadt_5_2_9_x_gas_wins_5_2_3_2_memory_space_is_not_io),
		cmocka_unit_test(fadt_table_5_10_hw_reduced_firecracker),
		cmocka_unit_test(fadt_too_short_for_pm1),
		cmocka_unit_test(dsdt_7_4_2_qemu_q35_and_pc_s3_s4_s5),
		cmocka_unit_test(aml_20_2_root_prefix_and_byte_const),
		cmocka_unit_test(aml_7_4_2_one_element_package),
		cmocka_unit_test(aml_20_2_4_two_byte_pkglength),
		cmocka_unit_test(aml_sx_inside_if_and_twice),
		cmocka_unit_test(aml_sx_method_is_noted),
		cmocka_unit_test(aml_non_constant_element_not_taken),
		cmocka_unit_test(aml_truncated_package_stays_inside),
		cmocka_unit_test(chain_5_2_5_3_xsdt_qemu_q35),
		cmocka_unit_test(chain_5_2_7_rsdt_and_ssdt),
		cmocka_unit_test(chain_5_2_5_3_bad_rsdp_checksum),
		cmocka_unit_test(chain_no_fadt_and_no_sx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
