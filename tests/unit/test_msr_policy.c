/* Unit tests for vmm/msr_policy.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/msr_policy.h"

/* Independent statement of the intercept set: 0x3A and 0x480-0x493. */
static bool expected_intercept(uint32_t msr)
{
	return msr == 0x3A || (msr >= 0x480 && msr <= 0x493);
}

static bool bit(const uint8_t *bm, unsigned off, uint32_t n)
{
	return (bm[off + n / 8] >> (n % 8)) & 1;
}

static void test_bitmap_exact(void **state)
{
	uint8_t bm[MSR_BITMAP_SIZE];
	unsigned set = 0, i;
	uint32_t n;

	(void)state;
	memset(bm, 0xFF, sizeof(bm));
	msr_bitmap_build(bm);
	for (i = 0; i < MSR_BITMAP_SIZE * 8; i++)
		set += (bm[i / 8] >> (i % 8)) & 1;
	/* (1 + 20 MSRs) x (read + write), and the x2APIC ICR's write */
	assert_int_equal(set, 43);
	for (n = 0; n <= 0x1FFF; n++) {
		assert_int_equal(bit(bm, 0, n), expected_intercept(n));
		assert_int_equal(bit(bm, 2048, n), expected_intercept(n) || n == 0x830);
		assert_false(bit(bm, 1024, n));
		assert_false(bit(bm, 3072, n));
	}
	/* Spot checks of the byte/bit arithmetic. */
	assert_int_equal(bm[0x3A / 8], 1u << (0x3A % 8));     /* byte 7 bit 2 */
	assert_int_equal(bm[7], 0x04);
	assert_int_equal(bm[2048 + 7], 0x04);
	assert_int_equal(bm[0x480 / 8], 0xFF);               /* 0x480-0x487 */
	assert_int_equal(bm[0x488 / 8], 0xFF);               /* 0x488-0x48F */
	assert_int_equal(bm[0x490 / 8], 0x0F);               /* 0x490-0x493 */
	assert_int_equal(bm[2048 + 0x490 / 8], 0x0F);
	assert_int_equal(bm[0x498 / 8], 0);
}

static void test_intercepts(void **state)
{
	uint32_t msr;

	(void)state;
	for (msr = 0; msr < 0x2000; msr++)
		assert_int_equal(msr_policy_intercepts(msr),
				 expected_intercept(msr) || msr == 0x830);
	for (msr = 0xC0000000; msr <= 0xC0001FFF; msr++)
		assert_false(msr_policy_intercepts(msr));
	assert_false(msr_policy_intercepts(0xFFFFFFFF));
}

static void test_read_feature_control(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(msr_policy_read(0x3A, 0, &v), MSR_ACT_EMULATE);
	assert_int_equal(v, FEATURE_CONTROL_LOCK);
	/* Firmware enabled VMX outside SMX and locked: guest sees it off. */
	assert_int_equal(msr_policy_read(0x3A, 0x5, &v), MSR_ACT_EMULATE);
	assert_int_equal(v, 0x1);
	/* Other bits (SGX, LMCE, SENTER) are kept. */
	assert_int_equal(msr_policy_read(0x3A, 0xFF07, &v), MSR_ACT_EMULATE);
	assert_int_equal(v, 0xFF01);
	assert_int_equal(msr_policy_read(0x3A, ~0ull, &v), MSR_ACT_EMULATE);
	assert_int_equal(v, ~0ull & ~0x6ull);
}

static void test_read_policy(void **state)
{
	static const uint32_t gp[] = { 0x2000, 0x40000000, 0x4B564D00,
				       0xBFFFFFFF, 0xC0002000, 0xC0010000,
				       0xFFFFFFFF };
	static const uint32_t pass[] = { 0, 0x10, 0x1B, 0x39, 0x3B, 0x47F,
					 0x494, 0x1FFF, 0xC0000000,
					 0xC0000080, 0xC0000100, 0xC0001FFF };
	uint64_t v = 0x5555;
	uint32_t msr;
	unsigned i;

	(void)state;
	for (msr = MSR_IA32_VMX_FIRST; msr <= MSR_IA32_VMX_LAST; msr++)
		assert_int_equal(msr_policy_read(msr, 0, &v),
				 MSR_ACT_INJECT_GP);
	for (i = 0; i < sizeof(gp) / sizeof(gp[0]); i++)
		assert_int_equal(msr_policy_read(gp[i], 0, &v),
				 MSR_ACT_INJECT_GP);
	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		assert_int_equal(msr_policy_read(pass[i], 0, &v),
				 MSR_ACT_PASS);
	assert_int_equal(v, 0x5555);
}

static void test_write_policy(void **state)
{
	static const uint32_t gp[] = { 0x3A, 0x480, 0x48B, 0x493, 0x2000,
				       0x40000000, 0xC0002000, 0xFFFFFFFF };
	static const uint32_t pass[] = { 0, 0x10, 0x39, 0x3B, 0x47F, 0x494,
					 0x1FFF, 0xC0000080, 0xC0001FFF };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(gp) / sizeof(gp[0]); i++)
		assert_int_equal(msr_policy_write(gp[i], 0), MSR_ACT_INJECT_GP);
	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		assert_int_equal(msr_policy_write(pass[i], ~0ull),
				 MSR_ACT_PASS);
	assert_int_equal(msr_policy_write(0x830, 0x4500), MSR_ACT_IPI);
	assert_int_equal(msr_policy_read(0x830, 0, NULL), MSR_ACT_PASS);
	/* Even a write that would not change FEATURE_CONTROL faults. */
	assert_int_equal(msr_policy_write(0x3A, FEATURE_CONTROL_LOCK),
			 MSR_ACT_INJECT_GP);
}

/* An MSR whose bitmap bit is clear is executed by the CPU directly, so
 * the policy must pass it: the bitmap and the policies agree. */
static void test_bitmap_agrees_with_policy(void **state)
{
	uint8_t bm[MSR_BITMAP_SIZE];
	uint64_t v;
	uint32_t n;

	(void)state;
	msr_bitmap_build(bm);
	for (n = 0; n <= 0x1FFF; n++) {
		if (!bit(bm, 0, n))
			assert_int_equal(msr_policy_read(n, 0, &v),
					 MSR_ACT_PASS);
		if (!bit(bm, 2048, n))
			assert_int_equal(msr_policy_write(n, 0), MSR_ACT_PASS);
		if (bit(bm, 2048, n))
			assert_int_not_equal(msr_policy_write(n, 0),
					     MSR_ACT_PASS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_exact),
		cmocka_unit_test(test_intercepts),
		cmocka_unit_test(test_read_feature_control),
		cmocka_unit_test(test_read_policy),
		cmocka_unit_test(test_write_policy),
		cmocka_unit_test(test_bitmap_agrees_with_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
