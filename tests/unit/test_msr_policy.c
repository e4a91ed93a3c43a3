/* Unit tests for vmm/policy/msr_policy.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/policy/msr_policy.h"

/* The memory-type MSRs, read and write: the variable MTRRs of 32 pairs
 * (200H-23FH), the fixed ones (250H, 258H, 259H, 268H-26FH) and
 * IA32_MTRR_DEF_TYPE (2FFH); IA32_PAT (277H) writes only. */
static bool mtrr_msr(uint32_t msr)
{
	return (msr >= 0x200 && msr <= 0x23F) || msr == 0x250 || msr == 0x258 || msr == 0x259 ||
	       (msr >= 0x268 && msr <= 0x26F) || msr == 0x2FF;
}

#define MEMTYPE_INTERCEPTS (76 * 2 + 1)

/* Independent statement of the intercept set: reads and writes of 0x3A,
 * 0x480-0x493, the PEBS MSRs 0x3F1, 0x3F2, 0x3F6, 0x3F7, IA32_DS_AREA
 * 0x600, Intel PT's 0x560-0x561, 0x570-0x572, 0x580-0x587; writes only of
 * 0x1B (APIC base), 0x79 (microcode update), 0x1D9 (DEBUGCTL) and 0x830
 * (x2APIC ICR). */
static bool expected_intercept(uint32_t msr)
{
	return mtrr_msr(msr) || msr == 0x3A || (msr >= 0x480 && msr <= 0x493) || msr == 0x3F1 ||
	       msr == 0x3F2 || msr == 0x3F6 || msr == 0x3F7 || msr == 0x600 ||
	       msr == 0x560 || msr == 0x561 || (msr >= 0x570 && msr <= 0x572) ||
	       (msr >= 0x580 && msr <= 0x587);
}

static bool expected_write_intercept(uint32_t msr)
{
	return msr == 0x277 || expected_intercept(msr) || msr == 0x1B || msr == 0x79 || msr == 0x1D9 ||
	       msr == 0x830;
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
	/* (1 + 20 + 4 + 1 + 13 MSRs) x (read + write), and four write-only */
	assert_int_equal(set, 82 + MEMTYPE_INTERCEPTS);
	for (n = 0; n <= 0x1FFF; n++) {
		assert_int_equal(bit(bm, 0, n), expected_intercept(n));
		assert_int_equal(bit(bm, 2048, n), expected_write_intercept(n));
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
		assert_int_equal(msr_policy_intercepts(msr), expected_write_intercept(msr));
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
	assert_int_equal(msr_policy_write(0x1B, 0xFEE00900), MSR_ACT_APIC_BASE);
	assert_int_equal(msr_policy_read(0x1B, 0, NULL), MSR_ACT_PASS);
	/* Microcode updates are dropped (SDM Vol. 3C, "Microcode Update
	 * Facility" in "Virtualization of System Resources"). */
	assert_int_equal(msr_policy_write(0x79, 0x12345000), MSR_ACT_EMULATE);
	assert_string_not_equal(msr_policy_reason(0x79), "");
	assert_string_equal(msr_policy_reason(0x10), "");
	assert_int_equal(msr_policy_read(0x830, 0, NULL), MSR_ACT_PASS);
	/* Even a write that would not change FEATURE_CONTROL faults. */
	assert_int_equal(msr_policy_write(0x3A, FEATURE_CONTROL_LOCK),
			 MSR_ACT_INJECT_GP);
}

/* The memory-type rows: MTRRs read and written through vmm/exit/exit_memtype.c,
 * IA32_PAT written there and read by the CPU, IA32_MTRRCAP the CPU's. */
static void test_memtype_rows(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(msr_policy_read(0x2FF, 0, &v), MSR_ACT_MEMTYPE);
	assert_int_equal(msr_policy_write(0x2FF, 0xC06), MSR_ACT_MEMTYPE);
	assert_int_equal(msr_policy_read(0x200, 0, &v), MSR_ACT_MEMTYPE);
	assert_int_equal(msr_policy_write(0x23F, 0), MSR_ACT_MEMTYPE);
	assert_int_equal(msr_policy_read(0x259, 0, &v), MSR_ACT_MEMTYPE);
	assert_int_equal(msr_policy_write(0x26F, 0), MSR_ACT_MEMTYPE);
	assert_int_equal(msr_policy_read(0x240, 0, &v), MSR_ACT_PASS);
	assert_int_equal(msr_policy_write(0x277, 0x0007040600070406ull), MSR_ACT_MEMTYPE);
	assert_int_equal(msr_policy_read(0x277, 0, &v), MSR_ACT_PASS);
	assert_int_equal(msr_policy_read(0xFE, 0, &v), MSR_ACT_PASS);
	assert_int_equal(msr_policy_write(0xFE, 0), MSR_ACT_PASS);
	assert_string_not_equal(msr_policy_reason(0x2FF), "");
	assert_string_not_equal(msr_policy_reason(0x277), "");
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

/* IA32_APIC_BASE writes: SDM Vol. 3A, 11.4.4 "Local APIC Status and
 * Location" (reserved bits) and 11.12.5 "x2APIC State Transitions". */
#define BASE   0xFEE00000ull
#define BSP    0x100ull
#define EXTD   0x400ull
#define EN     0x800ull

static enum apic_base_verdict apic(uint64_t cur, uint64_t want, uint64_t *w)
{
	return msr_policy_apic_base(cur, want, 39, true, w);
}

static void test_apic_base_sdm_11_12_5_transitions(void **state)
{
	uint64_t w = 0;

	(void)state;
	/* xAPIC <-> x2APIC only upwards; x2APIC -> disabled -> xAPIC. */
	assert_int_equal(apic(BASE | EN, BASE | EN | EXTD, &w), APIC_BASE_OK);
	assert_int_equal(w, BASE | EN | EXTD);
	assert_int_equal(apic(BASE | EN | EXTD, BASE | EN, &w), APIC_BASE_BAD_MODE);
	assert_int_equal(apic(BASE | EN | EXTD, BASE, &w), APIC_BASE_OK);
	assert_int_equal(apic(BASE, BASE | EN, &w), APIC_BASE_OK);
	assert_int_equal(apic(BASE, BASE | EN | EXTD, &w), APIC_BASE_BAD_MODE);
	assert_int_equal(apic(BASE | EN, BASE | EXTD, &w), APIC_BASE_BAD_MODE);
	assert_int_equal(apic(BASE | EN, BASE, &w), APIC_BASE_OK);
	/* Writing the same value is always fine. */
	assert_int_equal(apic(BASE | EN | EXTD, BASE | EN | EXTD, &w), APIC_BASE_OK);
	/* EXTD on a CPU without x2APIC is a reserved bit. */
	assert_int_equal(msr_policy_apic_base(BASE | EN, BASE | EN | EXTD, 39, false, &w),
			 APIC_BASE_RESERVED);
}

static void test_apic_base_sdm_11_4_4_reserved_bits(void **state)
{
	uint64_t w = 0;

	(void)state;
	for (unsigned b = 0; b < 8; b++)
		assert_int_equal(apic(BASE | EN, BASE | EN | (1ull << b), &w), APIC_BASE_RESERVED);
	assert_int_equal(apic(BASE | EN, BASE | EN | 0x200, &w), APIC_BASE_RESERVED);
	/* Above MAXPHYADDR (39 here). */
	assert_int_equal(apic(BASE | EN, BASE | EN | (1ull << 39), &w), APIC_BASE_RESERVED);
	assert_int_equal(apic(BASE | EN, BASE | EN | (1ull << 63), &w), APIC_BASE_RESERVED);
	assert_int_equal(msr_policy_apic_base(BASE | EN, (1ull << 45) | BASE | EN, 52, true, &w),
			 APIC_BASE_MOVED);
}

/* Security review C1: the guest must not move the page the VMM writes
 * to, whatever the mode it asks for. */
static void test_apic_base_move_refused(void **state)
{
	static const uint64_t modes[] = { 0, EN, EN | EXTD };
	static const uint64_t bases[] = { 0x40000000ull, 0x1000ull, 0xFEE01000ull,
					  0x7FFFFFF000ull, 0 };
	uint64_t w = 0x5555;

	(void)state;
	for (unsigned m = 0; m < 3; m++)
		for (unsigned b = 0; b < 5; b++)
			assert_int_not_equal(apic(BASE | EN, bases[b] | modes[m], &w),
					     APIC_BASE_OK);
	assert_int_equal(w, 0x5555);
	assert_int_equal(apic(BASE | EN, 0x40000000ull | EN, &w), APIC_BASE_MOVED);
	assert_int_equal(apic(BASE | EN, 0x40000000ull | EN | EXTD, &w), APIC_BASE_MOVED);
	assert_int_equal(apic(BASE | EN, 0x40000000ull, &w), APIC_BASE_MOVED);
}

/* The BSP flag stays the CPU's. */
static void test_apic_base_bsp_kept(void **state)
{
	uint64_t w = 0;

	(void)state;
	assert_int_equal(apic(BASE | EN | BSP, BASE | EN | EXTD, &w), APIC_BASE_OK);
	assert_int_equal(w, BASE | EN | EXTD | BSP);
	assert_int_equal(apic(BASE | EN, BASE | EN | BSP, &w), APIC_BASE_OK);
	assert_int_equal(w, BASE | EN);
	assert_string_equal(apic_base_verdict_text(APIC_BASE_MOVED),
			    "moving the APIC base is not supported under Pillbox");
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
		cmocka_unit_test(test_memtype_rows),
		cmocka_unit_test(test_apic_base_sdm_11_12_5_transitions),
		cmocka_unit_test(test_apic_base_sdm_11_4_4_reserved_bits),
		cmocka_unit_test(test_apic_base_move_refused),
		cmocka_unit_test(test_apic_base_bsp_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
