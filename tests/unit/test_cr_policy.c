/* Unit tests for vmm/policy/cr_policy.c with Bochs-like VMX fixed MSRs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/policy/cr_policy.h"

static const struct cr_fixed bochs = {
	.cr0_fixed0 = 0x80000021, /* PG, NE, PE */
	.cr0_fixed1 = 0xFFFFFFFF,
	.cr4_fixed0 = 0x2000,     /* VMXE */
	.cr4_fixed1 = 0x3727FF,   /* bits 0-10, 13, 16-18, 20-21 */
	.unrestricted = false,
};

static struct cr_fixed unrestricted(void)
{
	struct cr_fixed f = bochs;

	f.unrestricted = true;
	return f;
}

static void test_cr0_mask(void **state)
{
	struct cr_fixed u = unrestricted();

	(void)state;
	/* fixed0 | ~fixed1 = 0x80000021 | 0xFFFFFFFF00000000 */
	assert_int_equal(cr0_guest_host_mask(&bochs), 0xFFFFFFFF80000021ull);
	/* Unrestricted: PE and PG are the guest's. */
	assert_int_equal(cr0_guest_host_mask(&u), 0xFFFFFFFF00000020ull);
}

static void test_cr4_mask(void **state)
{
	struct cr_fixed u = unrestricted(), f = bochs;

	(void)state;
	/* 0x2000 | ~0x3727FF = 0xFFFFFFFFFFC8D800 | 0x2000 */
	assert_int_equal(cr4_guest_host_mask(&bochs), 0xFFFFFFFFFFC8F800ull);
	assert_int_equal(cr4_guest_host_mask(&u), 0xFFFFFFFFFFC8F800ull);
	/* VMXE is owned even if fixed0 did not say so. */
	f.cr4_fixed0 = 0;
	assert_true(cr4_guest_host_mask(&f) & CR4_VMXE);
	assert_int_equal(cr4_guest_host_mask(&f), 0xFFFFFFFFFFC8F800ull);
	/* SMXE too, on a CPU with SMX: CPUID hides it from the guest. */
	f.cr4_fixed1 |= CR4_SMXE;
	assert_true(cr4_guest_host_mask(&f) & CR4_SMXE);
	assert_true(cr4_write_faults(&f, CR4_SMXE | CR4_PAE, true));
}

static void test_cr0_real_value(void **state)
{
	struct cr_fixed u = unrestricted();

	(void)state;
	assert_int_equal(cr0_real_value(&bochs, 0), 0x80000021);
	assert_int_equal(cr0_real_value(&bochs, CR0_CD | CR0_NW | CR0_ET),
			 0xE0000031);
	assert_int_equal(cr0_real_value(&bochs, 0xFFFFFFFF00000000ull),
			 0x80000021);
	assert_int_equal(cr0_real_value(&u, 0), CR0_NE);
	assert_int_equal(cr0_real_value(&u, CR0_PE), CR0_NE | CR0_PE);
	assert_int_equal(cr0_real_value(&u, CR0_PE | CR0_PG | CR0_WP),
			 0x80010021);
}

static void test_cr4_real_value(void **state)
{
	(void)state;
	assert_int_equal(cr4_real_value(&bochs, 0), CR4_VMXE);
	assert_int_equal(cr4_real_value(&bochs, CR4_PAE | (1ull << 22)),
			 CR4_VMXE | CR4_PAE);
	assert_int_equal(cr4_real_value(&bochs, CR4_SMXE | CR4_OSXSAVE),
			 CR4_VMXE | CR4_OSXSAVE);
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* For any v the real value satisfies the fixed bits, and the bits the
 * guest owns (outside the mask) are exactly v's. */
static void test_real_value_property(void **state)
{
	uint64_t x = 0xB7E151628AED2A6Bull;
	unsigned i, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct cr_fixed f = k ? unrestricted() : bochs;
		uint64_t must1 = f.cr0_fixed0 &
				 ~(k ? CR0_PE | CR0_PG : 0ull);

		for (i = 0; i < 10000; i++) {
			uint64_t v = rng_next(&x);
			uint64_t r0 = cr0_real_value(&f, v);
			uint64_t r4 = cr4_real_value(&f, v);
			uint64_t m0 = cr0_guest_host_mask(&f);
			uint64_t m4 = cr4_guest_host_mask(&f);

			assert_int_equal(r0 & must1, must1);
			assert_int_equal(r0 & ~f.cr0_fixed1, 0);
			assert_int_equal(r0 & ~m0, v & ~m0);
			assert_int_equal(r4 & f.cr4_fixed0, f.cr4_fixed0);
			assert_int_equal(r4 & ~f.cr4_fixed1, 0);
			assert_int_equal(r4 & ~m4, v & ~m4);
		}
	}
}

static void test_cr0_write_faults(void **state)
{
	(void)state;
	assert_false(cr0_write_faults(0, 0, false, false));
	assert_false(cr0_write_faults(CR0_PE, 0, false, false));
	assert_false(cr0_write_faults(CR0_PE | CR0_PG, 0, false, false));
	assert_false(cr0_write_faults(CR0_CD, 0, false, false));
	assert_false(cr0_write_faults(CR0_CD | CR0_NW, 0, false, false));
	assert_false(cr0_write_faults(0x80050033, CR4_PAE, true, false));
	assert_true(cr0_write_faults(CR0_PG, 0, false, false));
	assert_true(cr0_write_faults(CR0_NW, 0, false, false));
	assert_true(cr0_write_faults(CR0_NW | CR0_PE, 0, false, false));
	assert_true(cr0_write_faults(1ull << 32, 0, false, false));
	assert_true(cr0_write_faults(1ull << 63 | CR0_PE, 0, false, false));
	/* Enabling paging with LME needs PAE. */
	assert_true(cr0_write_faults(CR0_PE | CR0_PG, 0, true, false));
	assert_false(cr0_write_faults(CR0_PE | CR0_PG, CR4_PAE, true, false));
	assert_false(cr0_write_faults(CR0_PE, 0, true, false));
	/* Clearing PG: refused in 64-bit mode and with PCIDE set, allowed
	 * from compatibility mode. */
	assert_true(cr0_write_faults(CR0_PE, CR4_PAE, true, true));
	assert_true(cr0_write_faults(CR0_PE | CR0_NE, CR4_PAE | CR4_PCIDE, true, false));
	assert_false(cr0_write_faults(CR0_PE | CR0_NE, CR4_PAE, true, false));
	assert_false(cr0_write_faults(0x80050033, CR4_PAE, true, true));
}

static void test_cr4_write_faults(void **state)
{
	(void)state;
	assert_false(cr4_write_faults(&bochs, 0, false));
	assert_false(cr4_write_faults(&bochs, CR4_PAE, false));
	assert_false(cr4_write_faults(&bochs, CR4_PAE | CR4_OSXSAVE |
				      CR4_PCIDE, true));
	assert_false(cr4_write_faults(&bochs, 0x3727FF & ~CR4_VMXE, true));
	assert_true(cr4_write_faults(&bochs, CR4_VMXE, false));
	assert_true(cr4_write_faults(&bochs, CR4_VMXE | CR4_PAE, true));
	assert_true(cr4_write_faults(&bochs, 1ull << 22, false));
	assert_true(cr4_write_faults(&bochs, CR4_SMXE, false));
	assert_true(cr4_write_faults(&bochs, 1ull << 32, false));
	assert_true(cr4_write_faults(&bochs, 0, true));
	assert_true(cr4_write_faults(&bochs, CR4_OSXSAVE, true));
}

static void test_xcr0_valid(void **state)
{
	const uint64_t all = XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_BNDREG |
			     XCR0_BNDCSR | XCR0_AVX512 | XCR0_TILECFG |
			     XCR0_TILEDATA;
	const uint64_t base = XCR0_X87 | XCR0_SSE | XCR0_AVX;

	(void)state;
	assert_true(xcr0_valid(XCR0_X87, all));
	assert_true(xcr0_valid(XCR0_X87 | XCR0_SSE, all));
	assert_true(xcr0_valid(base, all));
	assert_true(xcr0_valid(all, all));
	assert_true(xcr0_valid(base | XCR0_AVX512, all));
	assert_true(xcr0_valid(XCR0_X87 | XCR0_BNDREG | XCR0_BNDCSR, all));
	assert_true(xcr0_valid(base | XCR0_TILECFG | XCR0_TILEDATA, all));
	assert_false(xcr0_valid(0, all));
	assert_false(xcr0_valid(XCR0_SSE, all));
	assert_false(xcr0_valid(XCR0_X87 | XCR0_AVX, all));
	assert_false(xcr0_valid(XCR0_X87 | XCR0_BNDREG, all));
	assert_false(xcr0_valid(XCR0_X87 | XCR0_BNDCSR, all));
	assert_false(xcr0_valid(base | XCR0_OPMASK, all));
	assert_false(xcr0_valid(base | XCR0_OPMASK | XCR0_ZMM_HI256, all));
	assert_false(xcr0_valid(base | XCR0_HI16_ZMM, all));
	assert_false(xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX512, all));
	assert_false(xcr0_valid(base | XCR0_TILECFG, all));
	assert_false(xcr0_valid(base | XCR0_TILEDATA, all));
	/* Bits the CPU does not support. */
	assert_false(xcr0_valid(base, XCR0_X87 | XCR0_SSE));
	assert_false(xcr0_valid(XCR0_X87 | (1ull << 9), all));
	assert_false(xcr0_valid(XCR0_X87 | (1ull << 63), all));
	assert_true(xcr0_valid(XCR0_X87 | (1ull << 9), all | (1ull << 9)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_mask),
		cmocka_unit_test(test_cr4_mask),
		cmocka_unit_test(test_cr0_real_value),
		cmocka_unit_test(test_cr4_real_value),
		cmocka_unit_test(test_real_value_property),
		cmocka_unit_test(test_cr0_write_faults),
		cmocka_unit_test(test_cr4_write_faults),
		cmocka_unit_test(test_xcr0_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
