/* Unit tests for ept/mtrr.c: SDM Vol. 3A 12.11.4.1 precedences, fixed
 * ranges, and range uniformity with OVMF-like layouts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ept/mtrr.h"

#define KiB 0x400ull
#define MiB 0x100000ull
#define GiB 0x40000000ull
#define PAGE (4 * KiB)
#define MAXPHY 39u

static void state_init(struct mtrr_state *s, uint8_t def)
{
	memset(s, 0, sizeof(*s));
	s->enabled = true;
	s->fixed_enabled = false;
	s->default_type = def;
	s->maxphyaddr = MAXPHY;
}

/* Adds a variable range [base, base+size) the way firmware programs it. */
static void add_var(struct mtrr_state *s, uint64_t base, uint64_t size,
		    uint8_t type)
{
	uint64_t phys = (1ull << s->maxphyaddr) - 1;
	struct mtrr_var *v = &s->var[s->var_count++];

	v->base = base | type;
	v->mask = (~(size - 1) & phys & MTRR_ADDR_MASK_4K) |
		  MTRR_PHYSMASK_VALID;
}

/* Raw fixed MSR value with all eight bytes = t. */
static uint64_t fill8(uint8_t t)
{
	return 0x0101010101010101ull * t;
}

/* OVMF-like fixed ranges: 0-9FFFF WB, A0000-BFFFF UC, C0000-FFFFF WP. */
static void set_ovmf_fixed(struct mtrr_state *s)
{
	uint64_t raw[11];
	unsigned i;

	raw[0] = fill8(MEMTYPE_WB);             /* 00000-7FFFF */
	raw[1] = fill8(MEMTYPE_WB);             /* 80000-9FFFF */
	raw[2] = fill8(MEMTYPE_UC);             /* A0000-BFFFF */
	for (i = 3; i < 11; i++)
		raw[i] = fill8(MEMTYPE_WP);     /* C0000-FFFFF */
	mtrr_set_fixed(s, raw);
	s->fixed_enabled = true;
}

static void test_set_fixed_byte_order(void **state)
{
	struct mtrr_state s;
	uint64_t raw[11];
	unsigned i, k;

	(void)state;
	memset(&s, 0xEE, sizeof(s));
	for (i = 0; i < 11; i++) {
		raw[i] = 0;
		for (k = 0; k < 8; k++)
			raw[i] |= (uint64_t)(i * 8 + k) << (8 * k);
	}
	mtrr_set_fixed(&s, raw);
	for (i = 0; i < MTRR_FIXED_COUNT; i++)
		assert_int_equal(s.fixed[i], i);
}

static void test_disabled_is_uc(void **state)
{
	struct mtrr_state s;
	uint8_t t = 0xFF;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	set_ovmf_fixed(&s);
	add_var(&s, 0, 4 * GiB, MEMTYPE_WB);
	s.enabled = false;
	assert_int_equal(mtrr_type_of(&s, 0), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 0x1000), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 2 * GiB), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 64 * GiB), MEMTYPE_UC);
	assert_true(mtrr_range_type(&s, 0, 1 * GiB, &t));
	assert_int_equal(t, MEMTYPE_UC);
	t = 0xFF;
	assert_true(mtrr_range_type(&s, 0, PAGE, &t));
	assert_int_equal(t, MEMTYPE_UC);
}

static void test_default_type(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 0), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 3 * GiB), MEMTYPE_WB);
	state_init(&s, MEMTYPE_UC);
	add_var(&s, 0, 2 * GiB, MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 2 * GiB - PAGE), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 2 * GiB), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 5 * GiB), MEMTYPE_UC);
}

static void test_uc_wins(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_UC);
	add_var(&s, 0, 4 * GiB, MEMTYPE_WB);
	add_var(&s, 3 * GiB, 1 * GiB, MEMTYPE_UC);
	add_var(&s, 3 * GiB, 512 * MiB, MEMTYPE_WT);
	assert_int_equal(mtrr_type_of(&s, 3 * GiB - PAGE), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 3 * GiB), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 3 * GiB + 600 * MiB), MEMTYPE_UC);
	/* Order does not matter: UC first. */
	state_init(&s, MEMTYPE_WB);
	add_var(&s, 1 * GiB, 1 * GiB, MEMTYPE_UC);
	add_var(&s, 0, 4 * GiB, MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 1 * GiB + 5 * PAGE), MEMTYPE_UC);
}

static void test_wt_wb_is_wt(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_UC);
	add_var(&s, 0, 4 * GiB, MEMTYPE_WB);
	add_var(&s, 1 * GiB, 256 * MiB, MEMTYPE_WT);
	assert_int_equal(mtrr_type_of(&s, 1 * GiB), MEMTYPE_WT);
	assert_int_equal(mtrr_type_of(&s, 1 * GiB + 256 * MiB - PAGE),
			 MEMTYPE_WT);
	assert_int_equal(mtrr_type_of(&s, 1 * GiB + 256 * MiB), MEMTYPE_WB);
	/* Same type twice is that type. */
	add_var(&s, 2 * GiB, 1 * GiB, MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 2 * GiB), MEMTYPE_WB);
}

static void test_undefined_overlap_is_uc(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	add_var(&s, 0, 1 * GiB, MEMTYPE_WC);
	add_var(&s, 0, 2 * GiB, MEMTYPE_WB);
	add_var(&s, 2 * GiB, 1 * GiB, MEMTYPE_WP);
	add_var(&s, 2 * GiB, 2 * GiB, MEMTYPE_WT);
	assert_int_equal(mtrr_type_of(&s, 0x100000), MEMTYPE_UC); /* WC+WB */
	assert_int_equal(mtrr_type_of(&s, 1 * GiB), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 2 * GiB), MEMTYPE_UC);  /* WP+WT */
	assert_int_equal(mtrr_type_of(&s, 3 * GiB), MEMTYPE_WT);
}

static void test_invalid_and_reserved(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	add_var(&s, 0, 1 * GiB, MEMTYPE_UC);
	s.var[0].mask &= ~MTRR_PHYSMASK_VALID;          /* not valid: ignored */
	add_var(&s, 1 * GiB, 1 * GiB, 2);               /* reserved type */
	add_var(&s, 2 * GiB, 1 * GiB, MEMTYPE_UC);
	s.var_count = 2;                                /* var[2] not counted */
	assert_int_equal(mtrr_type_of(&s, 0), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 1 * GiB), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 2 * GiB), MEMTYPE_WB);
	/* A var_count above MTRR_MAX_VAR is clipped, not overrun. */
	s.var_count = 1000;
	assert_int_equal(mtrr_type_of(&s, 2 * GiB), MEMTYPE_UC);
	/* Reserved default type is UC too. */
	state_init(&s, 7);
	assert_int_equal(mtrr_type_of(&s, 0), MEMTYPE_UC);
}

static void test_maxphyaddr_mask(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	s.maxphyaddr = 36;
	/* Mask with every bit 12..63 set above the size: only 12..35 count. */
	s.var[0].base = 2 * GiB | MEMTYPE_UC;
	s.var[0].mask = ~(2 * GiB - 1) | MTRR_PHYSMASK_VALID;
	s.var_count = 1;
	assert_int_equal(mtrr_type_of(&s, 2 * GiB), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 1 * GiB), MEMTYPE_WB);
	/* Bits above MAXPHYADDR are not compared: 64 GiB + 2 GiB aliases. */
	assert_int_equal(mtrr_type_of(&s, (1ull << 36) + 2 * GiB), MEMTYPE_UC);
	/* maxphyaddr 0 is taken as 36. */
	s.maxphyaddr = 0;
	assert_int_equal(mtrr_type_of(&s, (1ull << 36) + 2 * GiB), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 1 * GiB), MEMTYPE_WB);
	/* Above 52 is taken as 52. */
	s.maxphyaddr = 200;
	assert_int_equal(mtrr_type_of(&s, 2 * GiB), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 1 * GiB), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, (1ull << 51) + 2 * GiB), MEMTYPE_WB);
	/* With 39 bits, 64 GiB + 2 GiB no longer matches. */
	s.maxphyaddr = 39;
	assert_int_equal(mtrr_type_of(&s, (1ull << 36) + 2 * GiB), MEMTYPE_WB);
}

static void test_fixed_enabled(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_UC);
	add_var(&s, 0, 2 * GiB, MEMTYPE_WT);
	set_ovmf_fixed(&s);
	/* Fixed ranges beat the variable WT below 1 MiB. */
	assert_int_equal(mtrr_type_of(&s, 0x00000), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 0x7FFFF), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 0x80000), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 0x9FFFF), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 0xA0000), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 0xBFFFF), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 0xC0000), MEMTYPE_WP);
	assert_int_equal(mtrr_type_of(&s, 0xFFFFF), MEMTYPE_WP);
	assert_int_equal(mtrr_type_of(&s, 0x100000), MEMTYPE_WT);
}

static void test_fixed_index_boundaries(void **state)
{
	static const uint8_t types[] = { MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT,
					 MEMTYPE_WP, MEMTYPE_WB };
	struct mtrr_state s;
	unsigned i;

	(void)state;
	state_init(&s, MEMTYPE_UC);
	s.fixed_enabled = true;
	/* Cycle the types over the entries so index errors show. */
	for (i = 0; i < MTRR_FIXED_COUNT; i++)
		s.fixed[i] = types[i % 5];
	for (i = 0; i < 8; i++) {
		assert_int_equal(mtrr_type_of(&s, i * 64 * KiB), types[i % 5]);
		assert_int_equal(mtrr_type_of(&s, (i + 1) * 64 * KiB - 1),
				 types[i % 5]);
	}
	for (i = 0; i < 16; i++)
		assert_int_equal(mtrr_type_of(&s, 0x80000 + i * 16 * KiB + 5),
				 types[(8 + i) % 5]);
	for (i = 0; i < 64; i++)
		assert_int_equal(mtrr_type_of(&s, 0xC0000 + i * 4 * KiB + 7),
				 types[(24 + i) % 5]);
}

static void test_fixed_disabled(void **state)
{
	struct mtrr_state s;
	uint8_t t = 0xFF;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	set_ovmf_fixed(&s);
	s.fixed_enabled = false;
	add_var(&s, 0, 512 * KiB, MEMTYPE_WT);
	assert_int_equal(mtrr_type_of(&s, 0xA0000), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 0xC0000), MEMTYPE_WB);
	assert_int_equal(mtrr_type_of(&s, 0x10000), MEMTYPE_WT);
	/* [512K, 2M) is WB throughout once the fixed ranges are off. */
	assert_true(mtrr_range_type(&s, 1 * MiB, 1 * MiB, &t));
	assert_int_equal(t, MEMTYPE_WB);
	assert_false(mtrr_range_type(&s, 0, 2 * MiB, &t));
	assert_true(mtrr_range_type(&s, 0, 512 * KiB, &t));
	assert_int_equal(t, MEMTYPE_WT);
}

static void expect_range(const struct mtrr_state *s, uint64_t start,
			 uint64_t size, int uniform, uint8_t type)
{
	uint8_t t = 0xFF;
	bool r = mtrr_range_type(s, start, size, &t);

	if (r != (bool)uniform)
		fail_msg("range 0x%llx+0x%llx: uniform %d, expected %d",
			 (unsigned long long)start, (unsigned long long)size,
			 r, uniform);
	if (uniform && t != type)
		fail_msg("range 0x%llx+0x%llx: type %u, expected %u",
			 (unsigned long long)start, (unsigned long long)size,
			 t, type);
}

/* OVMF on QEMU: default WB, UC 0x80000000 + 2 GiB (the 32-bit PCI hole). */
static void test_range_ovmf_2g_hole(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	add_var(&s, 0x80000000, 2 * GiB, MEMTYPE_UC);
	/* 1 GiB */
	expect_range(&s, 1 * GiB, 1 * GiB, 1, MEMTYPE_WB);
	expect_range(&s, 2 * GiB, 1 * GiB, 1, MEMTYPE_UC);
	expect_range(&s, 3 * GiB, 1 * GiB, 1, MEMTYPE_UC);
	expect_range(&s, 4 * GiB, 1 * GiB, 1, MEMTYPE_WB);
	expect_range(&s, 0, 2 * GiB, 1, MEMTYPE_WB);
	expect_range(&s, 2 * GiB, 2 * GiB, 1, MEMTYPE_UC);
	expect_range(&s, 0, 4 * GiB, 0, 0);
	expect_range(&s, 0, 8 * GiB, 0, 0);
	/* 2 MiB beside the boundary */
	expect_range(&s, 2 * GiB - 2 * MiB, 2 * MiB, 1, MEMTYPE_WB);
	expect_range(&s, 2 * GiB, 2 * MiB, 1, MEMTYPE_UC);
	expect_range(&s, 4 * GiB - 2 * MiB, 2 * MiB, 1, MEMTYPE_UC);
	expect_range(&s, 4 * GiB, 2 * MiB, 1, MEMTYPE_WB);
	/* 4 KiB */
	expect_range(&s, 2 * GiB - PAGE, PAGE, 1, MEMTYPE_WB);
	expect_range(&s, 2 * GiB, PAGE, 1, MEMTYPE_UC);
	expect_range(&s, 4 * GiB - PAGE, PAGE, 1, MEMTYPE_UC);
	expect_range(&s, 4 * GiB, PAGE, 1, MEMTYPE_WB);
}

/* Default WB, UC 0xC0000000 + 1 GiB, and a 4K UC page (LAPIC-like) in a
 * WB area, covered only in part by its MTRR at 2M and 1G sizes. */
static void test_range_ovmf_1g_hole(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	add_var(&s, 0xC0000000, 1 * GiB, MEMTYPE_UC);
	add_var(&s, 0x7FE01000, PAGE, MEMTYPE_UC);
	expect_range(&s, 2 * GiB, 1 * GiB, 1, MEMTYPE_WB);
	expect_range(&s, 3 * GiB, 1 * GiB, 1, MEMTYPE_UC);
	expect_range(&s, 2 * GiB, 2 * GiB, 0, 0);
	expect_range(&s, 1 * GiB, 1 * GiB, 0, 0);          /* holds the 4K UC */
	expect_range(&s, 0x7FE00000, 2 * MiB, 0, 0);
	expect_range(&s, 0x7FC00000, 2 * MiB, 1, MEMTYPE_WB);
	expect_range(&s, 0x7FE00000, PAGE, 1, MEMTYPE_WB);
	expect_range(&s, 0x7FE01000, PAGE, 1, MEMTYPE_UC);
	expect_range(&s, 0x7FE02000, PAGE, 1, MEMTYPE_WB);
	expect_range(&s, 0x7FE00000, 8 * KiB, 0, 0);
}

/* A variable range covering part of the range is harmless under a UC
 * range covering all of it (UC wins everywhere), and not uniform under WB. */
static void test_range_partial_under_uc(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	add_var(&s, 2 * GiB, 2 * GiB, MEMTYPE_UC);
	add_var(&s, 3 * GiB, 16 * MiB, MEMTYPE_WC);
	expect_range(&s, 3 * GiB, 1 * GiB, 1, MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 3 * GiB), MEMTYPE_UC);
	state_init(&s, MEMTYPE_UC);
	add_var(&s, 0, 4 * GiB, MEMTYPE_WB);
	add_var(&s, 3 * GiB, 16 * MiB, MEMTYPE_WT);
	expect_range(&s, 3 * GiB, 1 * GiB, 0, 0);
	expect_range(&s, 3 * GiB, 16 * MiB, 1, MEMTYPE_WT);
	expect_range(&s, 3 * GiB + 16 * MiB, 16 * MiB, 1, MEMTYPE_WB);
}

/* A non-contiguous mask (legal, if odd): matches every other 1 GiB. */
static void test_range_noncontiguous_mask(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	s.var[0].base = 1 * GiB | MEMTYPE_UC;
	s.var[0].mask = (1 * GiB) | MTRR_PHYSMASK_VALID;   /* bit 30 only */
	s.var_count = 1;
	expect_range(&s, 0, 1 * GiB, 1, MEMTYPE_WB);
	expect_range(&s, 1 * GiB, 1 * GiB, 1, MEMTYPE_UC);
	expect_range(&s, 3 * GiB, 1 * GiB, 1, MEMTYPE_UC);
	expect_range(&s, 0, 2 * GiB, 0, 0);
	expect_range(&s, 1 * GiB + 2 * MiB, 2 * MiB, 1, MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 5 * GiB + 7 * PAGE), MEMTYPE_UC);
	assert_int_equal(mtrr_type_of(&s, 6 * GiB), MEMTYPE_WB);
}

static void test_range_fixed(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	set_ovmf_fixed(&s);
	expect_range(&s, 0, 64 * KiB, 1, MEMTYPE_WB);
	expect_range(&s, 0, 512 * KiB, 1, MEMTYPE_WB);      /* 64K 0..7 */
	expect_range(&s, 0x80000, 64 * KiB, 1, MEMTYPE_WB); /* 16K 8..11 */
	expect_range(&s, 0x80000, 512 * KiB, 0, 0);         /* WB+UC+WP */
	expect_range(&s, 0xA0000, 128 * KiB, 1, MEMTYPE_UC);
	expect_range(&s, 0xA0000, PAGE, 1, MEMTYPE_UC);
	expect_range(&s, 0xC0000, 256 * KiB, 1, MEMTYPE_WP);
	expect_range(&s, 0xC1000, PAGE, 1, MEMTYPE_WP);
	expect_range(&s, 0, 1 * MiB, 0, 0);
	expect_range(&s, 1 * MiB, 1 * MiB, 1, MEMTYPE_WB);
	/* Crossing 1 MiB is never uniform, even if every type is WB. */
	s.fixed_enabled = false;
	expect_range(&s, 0, 2 * MiB, 1, MEMTYPE_WB);
	set_ovmf_fixed(&s);
	memset(s.fixed, MEMTYPE_WB, sizeof(s.fixed));
	expect_range(&s, 0, 1 * MiB, 1, MEMTYPE_WB);
	expect_range(&s, 0, 2 * MiB, 0, 0);
	expect_range(&s, 0, 1 * GiB, 0, 0);
	/* Even when all of it is UC (default and fixed alike). */
	state_init(&s, MEMTYPE_UC);
	set_ovmf_fixed(&s);
	memset(s.fixed, MEMTYPE_UC, sizeof(s.fixed));
	expect_range(&s, 0, 2 * MiB, 0, 0);
	/* Only the last fixed entry of the range differs. */
	set_ovmf_fixed(&s);
	s.fixed[MTRR_FIXED_COUNT - 1] = MEMTYPE_UC;
	expect_range(&s, 0xC0000, 256 * KiB, 0, 0);
	expect_range(&s, 0xC0000, 128 * KiB, 1, MEMTYPE_WP);
	expect_range(&s, 0xFF000, PAGE, 1, MEMTYPE_UC);
	s.fixed[7] = MEMTYPE_WT;                       /* 0x70000-0x7FFFF */
	expect_range(&s, 0, 512 * KiB, 0, 0);
	expect_range(&s, 0x70000, 64 * KiB, 1, MEMTYPE_WT);
	expect_range(&s, 0x7F000, PAGE, 1, MEMTYPE_WT);
}

static void test_range_bad_args(void **state)
{
	struct mtrr_state s;

	(void)state;
	state_init(&s, MEMTYPE_WB);
	expect_range(&s, 0, 0, 0, 0);
	expect_range(&s, 0, 2 * KiB, 0, 0);
	expect_range(&s, 0, 3 * PAGE, 0, 0);
	expect_range(&s, PAGE, 2 * PAGE, 0, 0);
	expect_range(&s, 1 * MiB, 2 * MiB, 0, 0);
	/* The top of the address space does not wrap. */
	expect_range(&s, 1ull << 63, 1ull << 63, 1, MEMTYPE_WB);
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Whenever a range is reported uniform, every page in it has that type;
 * a 4 KiB range is always uniform and agrees with mtrr_type_of(). */
static void test_range_agrees_with_type_of(void **state)
{
	static const uint8_t types[] = { MEMTYPE_UC, MEMTYPE_WC, MEMTYPE_WT,
					 MEMTYPE_WP, MEMTYPE_WB };
	uint64_t x = 0x9E3779B97F4A7C15ull;
	unsigned iter, checked = 0;

	(void)state;
	for (iter = 0; iter < 400; iter++) {
		struct mtrr_state s;
		unsigned i, n = rng_next(&x) % 6;

		state_init(&s, types[rng_next(&x) % 5]);
		set_ovmf_fixed(&s);
		s.fixed_enabled = rng_next(&x) & 1;
		for (i = 0; i < n; i++) {
			unsigned order = 12 + rng_next(&x) % 22; /* 4K..2G */
			uint64_t size = 1ull << order;
			uint64_t base = rng_next(&x) % (8 * GiB);

			base &= ~(size - 1);
			add_var(&s, base, size, types[rng_next(&x) % 5]);
		}
		for (i = 0; i < 40; i++) {
			unsigned order = 12 + rng_next(&x) % 20; /* 4K..2G */
			uint64_t size = 1ull << order, a, j;
			uint64_t start = (rng_next(&x) % (8 * GiB)) &
					 ~(size - 1);
			uint8_t t;

			if (!mtrr_range_type(&s, start, size, &t))
				continue;
			checked++;
			for (j = 0; j < 16; j++) {
				a = start + (rng_next(&x) % size);
				a &= ~(PAGE - 1);
				assert_int_equal(mtrr_type_of(&s, a), t);
			}
			assert_int_equal(mtrr_type_of(&s, start), t);
			assert_int_equal(mtrr_type_of(&s, start + size - PAGE),
					 t);
		}
		for (i = 0; i < 40; i++) {
			uint64_t a = (rng_next(&x) % (8 * GiB)) & ~(PAGE - 1);
			uint8_t t = 0xFF;

			if (i < 8)
				a = (rng_next(&x) % (2 * MiB)) & ~(PAGE - 1);
			assert_true(mtrr_range_type(&s, a, PAGE, &t));
			assert_int_equal(t, mtrr_type_of(&s, a));
		}
	}
	assert_true(checked > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_fixed_byte_order),
		cmocka_unit_test(test_disabled_is_uc),
		cmocka_unit_test(test_default_type),
		cmocka_unit_test(test_uc_wins),
		cmocka_unit_test(test_wt_wb_is_wt),
		cmocka_unit_test(test_undefined_overlap_is_uc),
		cmocka_unit_test(test_invalid_and_reserved),
		cmocka_unit_test(test_maxphyaddr_mask),
		cmocka_unit_test(test_fixed_enabled),
		cmocka_unit_test(test_fixed_index_boundaries),
		cmocka_unit_test(test_fixed_disabled),
		cmocka_unit_test(test_range_ovmf_2g_hole),
		cmocka_unit_test(test_range_ovmf_1g_hole),
		cmocka_unit_test(test_range_partial_under_uc),
		cmocka_unit_test(test_range_noncontiguous_mask),
		cmocka_unit_test(test_range_fixed),
		cmocka_unit_test(test_range_bad_args),
		cmocka_unit_test(test_range_agrees_with_type_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
