/* Unit tests for vmm/policy/memtype_msr.c: the guest's MTRRs and IA32_PAT as a
 * WRMSR on the CPU would take them (Intel SDM Vol. 3A, 12.11.1, 12.11.2.1-3,
 * Table 12-8, 12.12.2), each test named after the section it checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/policy/memtype_msr.h"

#define MAXPHY 39u
#define VCNT 8u
#define CAP_WC (1ull << 10)
#define DEF_E_FE_WB (MTRR_DEF_TYPE_E | MTRR_DEF_TYPE_FE | MEMTYPE_WB)
#define PHYSBASE(n) (MSR_IA32_MTRR_PHYSBASE0 + 2u * (n))
#define PHYSMASK(n) (MSR_IA32_MTRR_PHYSMASK0 + 2u * (n))
#define GiB 0x40000000ull
#define VALID MTRR_PHYSMASK_VALID
/* The mask of a 2 GiB range with 39 address bits. */
#define MASK_2G ((~(2 * GiB - 1) & ((1ull << MAXPHY) - 1)) | VALID)

/* A CPU with 8 variable ranges, fixed ranges and WC; MTRRs on, WB by
 * default, one UC range over [2 GiB, 4 GiB), fixed ranges all WB. */
static void cpu_init(struct mtrr_msrs *m, uint64_t cap)
{
	struct mtrr_state s;

	memset(&s, 0, sizeof(s));
	s.enabled = true;
	s.fixed_enabled = (cap & MTRRCAP_FIX) != 0;
	s.default_type = MEMTYPE_WB;
	s.maxphyaddr = MAXPHY;
	s.var_count = (unsigned)(cap & MTRRCAP_VCNT_MASK);
	memset(s.fixed, MEMTYPE_WB, sizeof(s.fixed));
	s.var[0].base = 2 * GiB | MEMTYPE_UC;
	s.var[0].mask = MASK_2G;
	mtrr_msrs_init(m, &s, cap, DEF_E_FE_WB);
}

static void init_full(struct mtrr_msrs *m)
{
	cpu_init(m, VCNT | MTRRCAP_FIX | CAP_WC);
}

static uint64_t rd(const struct mtrr_msrs *m, uint32_t msr)
{
	uint64_t v = 0xBAD;

	assert_int_equal(mtrr_msr_read(m, msr, &v), MTRR_MSR_SAME);
	return v;
}

/* A write that must #GP with `want` and leave every MSR as it was. */
static void refused(struct mtrr_msrs *m, uint32_t msr, uint64_t value,
		    enum mtrr_msr_status want)
{
	struct mtrr_msrs before = *m;

	assert_int_equal(mtrr_msr_write(m, msr, value), want);
	assert_memory_equal(&before, m, sizeof(before));
}

static void test_init_reads_back_the_cpu(void **state)
{
	struct mtrr_msrs m;

	(void)state;
	init_full(&m);
	assert_int_equal(rd(&m, MSR_IA32_MTRR_DEF_TYPE), DEF_E_FE_WB);
	assert_int_equal(rd(&m, PHYSBASE(0)), 2 * GiB | MEMTYPE_UC);
	assert_int_equal(rd(&m, PHYSMASK(0)), MASK_2G);
	assert_int_equal(rd(&m, PHYSBASE(7)), 0);
	assert_int_equal(rd(&m, MSR_IA32_MTRR_FIX4K_F8000), 0x0606060606060606ull);
}

/* 12.11.1 "MTRR Feature Identification": VCNT variable pairs, fixed
 * ranges only with MTRRCAP.FIX; the rest do not exist (#GP). */
static void test_sdm_12_11_1_vcnt_and_fix(void **state)
{
	struct mtrr_msrs m;
	uint64_t v;

	(void)state;
	init_full(&m);
	assert_int_equal(mtrr_msr_read(&m, PHYSMASK(VCNT - 1), &v), MTRR_MSR_SAME);
	assert_int_equal(mtrr_msr_read(&m, PHYSBASE(VCNT), &v), MTRR_MSR_ABSENT);
	assert_int_equal(mtrr_msr_read(&m, MSR_IA32_MTRR_VAR_LAST, &v), MTRR_MSR_ABSENT);
	refused(&m, PHYSBASE(VCNT), 0, MTRR_MSR_ABSENT);
	refused(&m, PHYSMASK(VCNT), 0, MTRR_MSR_ABSENT);

	cpu_init(&m, 2);   /* two pairs, no fixed ranges */
	assert_int_equal(mtrr_msr_read(&m, MSR_IA32_MTRR_FIX64K_00000, &v), MTRR_MSR_ABSENT);
	refused(&m, MSR_IA32_MTRR_FIX4K_C0000, 0, MTRR_MSR_ABSENT);
	refused(&m, PHYSBASE(2), 0, MTRR_MSR_ABSENT);
	assert_int_equal(mtrr_msr_write(&m, PHYSBASE(1), GiB | MEMTYPE_WT), MTRR_MSR_SAME);
	assert_int_equal(rd(&m, PHYSBASE(1)), GiB | MEMTYPE_WT);
}

/* Which MSR numbers the table routes here. */
static void test_covers(void **state)
{
	uint32_t msr;
	unsigned n = 0;

	(void)state;
	for (msr = 0; msr < 0x400; msr++)
		n += mtrr_msr_covers(msr);
	/* 32 pairs, 11 fixed, DEF_TYPE */
	assert_int_equal(n, 64 + 11 + 1);
	assert_true(mtrr_msr_covers(0x200));
	assert_true(mtrr_msr_covers(0x23F));
	assert_false(mtrr_msr_covers(0x240));
	assert_true(mtrr_msr_covers(0x250));
	assert_false(mtrr_msr_covers(0x251));
	assert_true(mtrr_msr_covers(0x258));
	assert_true(mtrr_msr_covers(0x259));
	assert_false(mtrr_msr_covers(0x267));
	assert_true(mtrr_msr_covers(0x268));
	assert_true(mtrr_msr_covers(0x26F));
	assert_false(mtrr_msr_covers(0x270));
	assert_false(mtrr_msr_covers(0x277));   /* IA32_PAT */
	assert_true(mtrr_msr_covers(0x2FF));
	assert_false(mtrr_msr_covers(0xFE));    /* MTRRCAP: the CPU's #GP */
}

/* 12.11.2.1 "IA32_MTRR_DEF_TYPE MSR": bits 8, 9 and 12-63 reserved (#GP);
 * E and FE change memory types. */
static void test_sdm_12_11_2_1_def_type(void **state)
{
	struct mtrr_msrs m;

	(void)state;
	init_full(&m);
	refused(&m, MSR_IA32_MTRR_DEF_TYPE, DEF_E_FE_WB | (1ull << 8), MTRR_MSR_RESERVED);
	refused(&m, MSR_IA32_MTRR_DEF_TYPE, DEF_E_FE_WB | (1ull << 9), MTRR_MSR_RESERVED);
	refused(&m, MSR_IA32_MTRR_DEF_TYPE, DEF_E_FE_WB | (1ull << 12), MTRR_MSR_RESERVED);
	refused(&m, MSR_IA32_MTRR_DEF_TYPE, DEF_E_FE_WB | (1ull << 63), MTRR_MSR_RESERVED);
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_DEF_TYPE, DEF_E_FE_WB),
			 MTRR_MSR_SAME);
	/* E clear: everything UC (12.11.2.1). */
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_DEF_TYPE, MTRR_DEF_TYPE_FE | MEMTYPE_WB),
			 MTRR_MSR_RETYPE);
	assert_false(m.state.enabled);
	assert_int_equal(mtrr_type_of(&m.state, 0x1000), MEMTYPE_UC);
	assert_int_equal(rd(&m, MSR_IA32_MTRR_DEF_TYPE), MTRR_DEF_TYPE_FE | MEMTYPE_WB);
	/* FE clear, default UC: the fixed ranges no longer apply. */
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_DEF_TYPE, MTRR_DEF_TYPE_E | MEMTYPE_UC),
			 MTRR_MSR_RETYPE);
	assert_true(m.state.enabled);
	assert_false(m.state.fixed_enabled);
	assert_int_equal(m.state.default_type, MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&m.state, 0x1000), MEMTYPE_UC);
	/* FE without MTRRCAP.FIX: stored, but no fixed ranges apply. */
	cpu_init(&m, VCNT);
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_DEF_TYPE, DEF_E_FE_WB), MTRR_MSR_SAME);
	assert_false(m.state.fixed_enabled);
}

/* Table 12-8 "Memory Types That Can Be Encoded in MTRRs": 2, 3 and 7-FFH
 * are reserved, and a write of one is #GP, in every MTRR. */
static void test_sdm_table_12_8_reserved_types(void **state)
{
	static const uint8_t bad[] = { 2, 3, 7, 8, 0x10, 0x46, 0xFF };
	struct mtrr_msrs m;

	(void)state;
	init_full(&m);
	for (unsigned i = 0; i < sizeof(bad); i++) {
		refused(&m, MSR_IA32_MTRR_DEF_TYPE, MTRR_DEF_TYPE_E | bad[i], MTRR_MSR_BAD_TYPE);
		refused(&m, PHYSBASE(3), GiB | bad[i], MTRR_MSR_BAD_TYPE);
		/* One bad byte among good ones, in each position. */
		for (unsigned byte = 0; byte < 8; byte++)
			refused(&m, MSR_IA32_MTRR_FIX16K_A0000,
				(0x0606060606060606ull & ~(0xFFull << (8 * byte))) |
					((uint64_t)bad[i] << (8 * byte)),
				MTRR_MSR_BAD_TYPE);
	}
	/* Every defined type is taken. */
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_FIX16K_A0000, 0x0605040100060504ull),
			 MTRR_MSR_RETYPE);
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_DEF_TYPE, MTRR_DEF_TYPE_E | MEMTYPE_WC),
			 MTRR_MSR_RETYPE);
}

/* 12.11.2.2 "Fixed Range MTRRs": eight one-byte types per MSR, in
 * address order; FIX16K_A0000 covers A0000H-BFFFFH in 16 KiB steps. */
static void test_sdm_12_11_2_2_fixed_ranges(void **state)
{
	struct mtrr_msrs m;
	uint64_t addr;

	(void)state;
	init_full(&m);
	/* A0000-AFFFF UC (bytes 0-3), B0000-BFFFF WC (bytes 4-7) */
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_FIX16K_A0000, 0x0101010100000000ull),
			 MTRR_MSR_RETYPE);
	assert_int_equal(rd(&m, MSR_IA32_MTRR_FIX16K_A0000), 0x0101010100000000ull);
	assert_int_equal(mtrr_type_of(&m.state, 0x9F000), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&m.state, 0xA0000), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&m.state, 0xAFFFF), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&m.state, 0xB0000), MEMTYPE_WC);
	assert_int_equal(mtrr_type_of(&m.state, 0xBF000), MEMTYPE_WC);
	assert_int_equal(mtrr_type_of(&m.state, 0xC0000), MEMTYPE_WB);
	assert_true(mtrr_msr_first_address(&m, MSR_IA32_MTRR_FIX16K_A0000, &addr));
	assert_int_equal(addr, 0xA0000);
	assert_true(mtrr_msr_first_address(&m, MSR_IA32_MTRR_FIX4K_F8000, &addr));
	assert_int_equal(addr, 0xF8000);
	assert_true(mtrr_msr_first_address(&m, MSR_IA32_MTRR_FIX64K_00000, &addr));
	assert_int_equal(addr, 0);
	/* The same value again: nothing changes. */
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_FIX16K_A0000, 0x0101010100000000ull),
			 MTRR_MSR_SAME);
	/* With FE clear a fixed range changes no type, but is stored. */
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_DEF_TYPE, MTRR_DEF_TYPE_E | MEMTYPE_WB),
			 MTRR_MSR_RETYPE);
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_FIX4K_C0000, 0), MTRR_MSR_SAME);
	assert_int_equal(rd(&m, MSR_IA32_MTRR_FIX4K_C0000), 0);
}

/* 12.11.2.3 "Variable Range MTRRs": PHYSBASE bits 11:8 and PHYSMASK bits
 * 10:0 are reserved, and so are the address bits from MAXPHYADDR up. */
static void test_sdm_12_11_2_3_variable_reserved_bits(void **state)
{
	struct mtrr_msrs m;
	uint64_t top = 1ull << MAXPHY;

	(void)state;
	init_full(&m);
	for (unsigned bit = 8; bit < 12; bit++)
		refused(&m, PHYSBASE(2), GiB | MEMTYPE_WC | (1ull << bit), MTRR_MSR_RESERVED);
	refused(&m, PHYSBASE(2), top | GiB | MEMTYPE_WC, MTRR_MSR_RESERVED);
	refused(&m, PHYSBASE(2), (1ull << 63) | MEMTYPE_WC, MTRR_MSR_RESERVED);
	for (unsigned bit = 0; bit < 11; bit++)
		refused(&m, PHYSMASK(2), MASK_2G | (1ull << bit), MTRR_MSR_RESERVED);
	refused(&m, PHYSMASK(2), MASK_2G | top, MTRR_MSR_RESERVED);
	/* The highest address bit is not reserved. */
	assert_int_equal(mtrr_msr_write(&m, PHYSBASE(2), (top >> 1) | MEMTYPE_WC), MTRR_MSR_SAME);
	assert_int_equal(mtrr_msr_write(&m, PHYSMASK(2), (top - GiB) | VALID), MTRR_MSR_RETYPE);
	assert_int_equal(rd(&m, PHYSBASE(2)), (top >> 1) | MEMTYPE_WC);
	assert_int_equal(rd(&m, PHYSMASK(2)), (top - GiB) | VALID);
	assert_int_equal(mtrr_type_of(&m.state, top >> 1), MEMTYPE_WC);
	assert_int_equal(mtrr_type_of(&m.state, (top >> 1) + GiB), MEMTYPE_WB);
	/* With MAXPHYADDR 52, bit 51 is an address bit. */
	m.state.maxphyaddr = 52;
	assert_int_equal(mtrr_msr_write(&m, PHYSBASE(4), (1ull << 51) | MEMTYPE_WT), MTRR_MSR_SAME);
	refused(&m, PHYSBASE(4), (1ull << 52) | MEMTYPE_WT, MTRR_MSR_RESERVED);
}

/* Only a write that can change a memory type asks for EPT to be retyped:
 * a base under an invalid mask, any range while the MTRRs are off, and
 * the same value again change none. */
static void test_retype_only_on_a_type_change(void **state)
{
	struct mtrr_msrs m;
	uint64_t addr;

	(void)state;
	init_full(&m);
	assert_int_equal(mtrr_msr_write(&m, PHYSBASE(1), 0x1000 | MEMTYPE_WC), MTRR_MSR_SAME);
	assert_false(mtrr_msr_first_address(&m, PHYSBASE(1), &addr));
	assert_int_equal(mtrr_msr_write(&m, PHYSMASK(1), ((1ull << MAXPHY) - 0x1000) | VALID),
			 MTRR_MSR_RETYPE);
	assert_int_equal(mtrr_type_of(&m.state, 0x1000), MEMTYPE_WB); /* fixed range wins */
	assert_true(mtrr_msr_first_address(&m, PHYSMASK(1), &addr));
	assert_int_equal(addr, 0x1000);
	assert_true(mtrr_msr_first_address(&m, PHYSBASE(1), &addr));
	assert_int_equal(addr, 0x1000);
	/* A new base under a valid mask moves the range. */
	assert_int_equal(mtrr_msr_write(&m, PHYSBASE(1), 0x200000 | MEMTYPE_WC), MTRR_MSR_RETYPE);
	assert_int_equal(mtrr_type_of(&m.state, 0x200000), MEMTYPE_WC);
	assert_int_equal(mtrr_msr_write(&m, PHYSBASE(1), 0x200000 | MEMTYPE_WC), MTRR_MSR_SAME);
	/* Invalid again: types change back. */
	assert_int_equal(mtrr_msr_write(&m, PHYSMASK(1), 0), MTRR_MSR_RETYPE);
	assert_int_equal(mtrr_type_of(&m.state, 0x200000), MEMTYPE_WB);
	/* Mask bits of an invalid range: no type depends on them. */
	assert_int_equal(mtrr_msr_write(&m, PHYSMASK(1), 0x7FF000ull), MTRR_MSR_SAME);
	/* MTRRs off (the SDM's update procedure, 12.11.7): nothing but E and
	 * its return changes a type. */
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_DEF_TYPE, MEMTYPE_WB), MTRR_MSR_RETYPE);
	assert_int_equal(mtrr_msr_write(&m, PHYSMASK(1), MASK_2G), MTRR_MSR_SAME);
	assert_int_equal(mtrr_msr_write(&m, PHYSBASE(1), GiB | MEMTYPE_UC), MTRR_MSR_SAME);
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_FIX64K_00000, 0), MTRR_MSR_SAME);
	assert_int_equal(mtrr_msr_write(&m, MSR_IA32_MTRR_DEF_TYPE, DEF_E_FE_WB), MTRR_MSR_RETYPE);
	assert_int_equal(mtrr_type_of(&m.state, 0x1000), MEMTYPE_UC);
	assert_false(mtrr_msr_first_address(&m, MSR_IA32_MTRR_DEF_TYPE, &addr));
}

/* 12.12.2 "IA32_PAT MSR" and Table 12-10: bytes 0, 1, 4, 5, 6, 7 only. */
static void test_sdm_12_12_2_pat_encodings(void **state)
{
	const uint64_t power_on = 0x0007040600070406ull;   /* 12.12.4 */

	(void)state;
	assert_true(pat_value_valid(power_on));
	assert_true(pat_value_valid(0));
	assert_true(pat_value_valid(0x0706050401000706ull));
	for (unsigned byte = 0; byte < 8; byte++) {
		uint64_t clear = power_on & ~(0xFFull << (8 * byte));

		assert_false(pat_value_valid(clear | (2ull << (8 * byte))));
		assert_false(pat_value_valid(clear | (3ull << (8 * byte))));
		assert_false(pat_value_valid(clear | (8ull << (8 * byte))));
		assert_false(pat_value_valid(clear | (0x86ull << (8 * byte))));
		assert_true(pat_value_valid(clear | (7ull << (8 * byte))));
	}
}

static void test_status_text(void **state)
{
	(void)state;
	assert_string_equal(mtrr_msr_status_text(MTRR_MSR_RESERVED), "reserved bit set");
	assert_string_equal(mtrr_msr_status_text(MTRR_MSR_BAD_TYPE),
			    "reserved memory type (SDM Vol. 3A, Table 12-8)");
	assert_string_equal(mtrr_msr_status_text(MTRR_MSR_ABSENT),
			    "no such MTRR on this CPU (IA32_MTRRCAP)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_reads_back_the_cpu),
		cmocka_unit_test(test_sdm_12_11_1_vcnt_and_fix),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_sdm_12_11_2_1_def_type),
		cmocka_unit_test(test_sdm_table_12_8_reserved_types),
		cmocka_unit_test(test_sdm_12_11_2_2_fixed_ranges),
		cmocka_unit_test(test_sdm_12_11_2_3_variable_reserved_bits),
		cmocka_unit_test(test_retype_only_on_a_type_change),
		cmocka_unit_test(test_sdm_12_12_2_pat_encodings),
		cmocka_unit_test(test_status_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
