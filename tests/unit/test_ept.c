/* Unit tests for ept/ept.c: exact table and leaf counts, identity and
 * memory type of every page, holes, limit, NOMEM, set_4k; after launch:
 * retyping from new MTRRs (SDM Vol. 3C, 29.3.7.2) and mappings made on
 * first access (29.3.2), with their fallbacks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ept/ept.h"
#include "ept/mtrr.h"
#include "tests/unit/test_pages.h"

#define MiB 0x100000ull
#define GiB 0x40000000ull
#define PAGE 0x1000ull

/* The hole: 514 pages, not 2M aligned at either end, so it touches the
 * 2 MiB blocks at 0x10000000 and 0x10200000 (two PTs). */
#define HOLE_START 0x10001000ull
#define HOLE_END   0x10203000ull
#define HOLE_PAGES ((HOLE_END - HOLE_START) / PAGE)

/* Leaf entry bits the builder may set. */
#define LEAF_BITS (EPT_ADDR_MASK | EPT_RWX | EPT_MEMTYPE_MASK | EPT_LARGE)

struct fixture {
	struct mtrr_state mtrr;
	struct phys_range hole;
	struct ept_config cfg;
	struct test_pages tp;
	struct page_alloc pa;
	struct ept_stats st;
	uint64_t pml4;
};

static uint64_t fill8(uint8_t t)
{
	return 0x0101010101010101ull * t;
}

/* OVMF-like: fixed 0-9FFFF WB, A0000-BFFFF UC, C0000-FFFFF WP; default
 * WB; variable UC at 2 GiB for 2 GiB (32-bit PCI hole). */
static void ovmf_mtrr(struct mtrr_state *s)
{
	uint64_t raw[11];
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->enabled = true;
	s->default_type = MEMTYPE_WB;
	s->maxphyaddr = 39;
	raw[0] = raw[1] = fill8(MEMTYPE_WB);
	raw[2] = fill8(MEMTYPE_UC);
	for (i = 3; i < 11; i++)
		raw[i] = fill8(MEMTYPE_WP);
	mtrr_set_fixed(s, raw);
	s->fixed_enabled = true;
	s->var[0].base = 0x80000000ull | MEMTYPE_UC;
	s->var[0].mask = (~(2 * GiB - 1) & ((1ull << 39) - 1)) |
			 MTRR_PHYSMASK_VALID;
	s->var_count = 1;
}

static void fixture_init(struct fixture *f, bool use_1g, unsigned pages)
{
	memset(f, 0, sizeof(*f));
	ovmf_mtrr(&f->mtrr);
	f->hole.start = HOLE_START;
	f->hole.end = HOLE_END;
	f->cfg.mtrr = &f->mtrr;
	f->cfg.limit = 4 * GiB;
	f->cfg.use_1g = use_1g;
	f->cfg.holes = &f->hole;
	f->cfg.hole_count = 1;
	test_pages_init(&f->tp, pages);
	f->pa = test_pages_provider(&f->tp);
	f->pml4 = 0xDEAD000;
}

static int setup_1g(void **state)
{
	struct fixture *f = test_malloc(sizeof(*f));

	fixture_init(f, true, TEST_PAGES_UNLIMITED);
	*state = f;
	return 0;
}

static int setup_2m(void **state)
{
	struct fixture *f = test_malloc(sizeof(*f));

	fixture_init(f, false, TEST_PAGES_UNLIMITED);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	test_pages_fini(&f->tp);
	test_free(f);
	return 0;
}

static bool in_hole(const struct ept_config *cfg, uint64_t gpa)
{
	unsigned i;

	for (i = 0; i < cfg->hole_count; i++)
		if (gpa >= cfg->holes[i].start && gpa < cfg->holes[i].end)
			return true;
	return false;
}

static uint64_t level_size(unsigned level)
{
	return level == 3 ? GiB : level == 2 ? 2 * MiB : PAGE;
}

/* Every 4 KiB page of [0, limit): holes absent at level 1, everything else
 * identity mapped, RWX, IPAT clear, with the MTRR type of that page; and
 * (levels not NULL) as many pages at each level as levels[] says. */
static void check_every_page(const struct fixture *f, const unsigned *levels)
{
	unsigned count[4] = { 0 };
	uint64_t gpa;

	for (gpa = 0; gpa < f->cfg.limit; gpa += PAGE) {
		unsigned lv = 99;
		uint64_t e = ept_lookup(&f->pa, f->pml4, gpa, &lv);

		if (in_hole(&f->cfg, gpa)) {
			if (e != 0 || lv != 1)
				fail_msg("hole page 0x%llx: entry 0x%llx lv %u",
					 (unsigned long long)gpa,
					 (unsigned long long)e, lv);
			continue;
		}
		if (lv < 1 || lv > 3)
			fail_msg("gpa 0x%llx: level %u",
				 (unsigned long long)gpa, lv);
		if ((e & ~LEAF_BITS) || (e & EPT_RWX) != EPT_RWX ||
		    (e & EPT_ADDR_MASK) != (gpa & ~(level_size(lv) - 1)) ||
		    ((e >> EPT_MEMTYPE_SHIFT) & 7) !=
			    mtrr_type_of(&f->mtrr, gpa) ||
		    !(e & EPT_LARGE) != (lv == 1))
			fail_msg("gpa 0x%llx: bad entry 0x%llx at level %u",
				 (unsigned long long)gpa,
				 (unsigned long long)e, lv);
		count[lv]++;
	}
	/* Pages seen at each level, from the expected leaf counts. */
	if (!levels)
		return;
	assert_int_equal(count[1], levels[1]);
	assert_int_equal(count[2], levels[2] * 512);
	assert_int_equal(count[3], levels[3] * 512 * 512);
}

/* use_1g, limit 4 GiB, OVMF MTRRs, hole [0x10001000, 0x10203000):
 *   PML4 1 + PDPT 1 (one 512 GiB slot).
 *   1G [0,1G): crosses 1 MiB (fixed) and holds the hole -> PD (1 table).
 *   1G [1G,2G) WB, [2G,3G) and [3G,4G) UC -> 3 1G leaves.
 *   PD: [0,2M) crosses 1 MiB -> PT; 0x10000000 and 0x10200000 touch the
 *   hole -> 2 PTs; 512 - 3 = 509 2M leaves. Tables: 1+1+1+3 = 6.
 *   PTs: 512 leaves for [0,2M) + (1024 - 514) = 510 beside the hole
 *   = 1022 4K leaves; 514 hole PTEs. */
static void test_build_4g_1g(void **state)
{
	struct fixture *f = *state;
	const unsigned levels[4] = { 0, 1022, 509, 3 };

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	assert_int_equal(f->st.tables, 6);
	assert_int_equal(f->tp.count, 6);
	assert_int_equal(f->st.leaves_1g, 3);
	assert_int_equal(f->st.leaves_2m, 509);
	assert_int_equal(f->st.leaves_4k, 1022);
	assert_int_equal(f->st.holes_4k, HOLE_PAGES);
	assert_int_equal(HOLE_PAGES, 514);
	assert_int_equal(f->pml4, TEST_PAGES_PHYS_BASE);
	check_every_page(f, levels);
}

/* No 1G pages: PML4 1 + PDPT 1 + 4 PDs + the same 3 PTs = 9 tables;
 * 2M leaves: 509 in the first PD + 3 x 512 = 2045; 4K as above. */
static void test_build_4g_2m(void **state)
{
	struct fixture *f = *state;
	const unsigned levels[4] = { 0, 1022, 2045, 0 };

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	assert_int_equal(f->st.tables, 9);
	assert_int_equal(f->tp.count, 9);
	assert_int_equal(f->st.leaves_1g, 0);
	assert_int_equal(f->st.leaves_2m, 2045);
	assert_int_equal(f->st.leaves_4k, 1022);
	assert_int_equal(f->st.holes_4k, 514);
	check_every_page(f, levels);
}

static void test_entries_beside_hole(void **state)
{
	struct fixture *f = *state;
	uint64_t wb = (uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT;
	unsigned lv;

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_START - PAGE, &lv),
			 (HOLE_START - PAGE) | EPT_RWX | wb);
	assert_int_equal(lv, 1);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_START, &lv), 0);
	assert_int_equal(lv, 1);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_END - PAGE, &lv), 0);
	assert_int_equal(lv, 1);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_END, &lv),
			 HOLE_END | EPT_RWX | wb);
	assert_int_equal(lv, 1);
	/* The next 2M block is a 2M leaf again. */
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 0x10400000, &lv),
			 0x10400000 | EPT_RWX | wb | EPT_LARGE);
	assert_int_equal(lv, 2);
	/* Offsets inside a page find the same entry. */
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_END + 0xABC, &lv),
			 HOLE_END | EPT_RWX | wb);
}

static void test_memtypes(void **state)
{
	struct fixture *f = *state;
	unsigned lv;
	uint64_t e;

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	/* UC variable range: 1G leaves with memtype 0. */
	e = ept_lookup(&f->pa, f->pml4, 0x80000000, &lv);
	assert_int_equal(e, 0x80000000 | EPT_RWX | EPT_LARGE);
	assert_int_equal(lv, 3);
	e = ept_lookup(&f->pa, f->pml4, 0xFEE00000, &lv);
	assert_int_equal(e, 0xC0000000 | EPT_RWX | EPT_LARGE);
	assert_int_equal(e & EPT_MEMTYPE_MASK, 0);
	/* WB 1G leaf below it. */
	e = ept_lookup(&f->pa, f->pml4, 0x7FFFF000, &lv);
	assert_int_equal(e, 0x40000000 | EPT_RWX | EPT_LARGE |
			    ((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT));
	/* Fixed ranges: VGA window UC, option ROMs WP, 1 MiB+ WB. */
	e = ept_lookup(&f->pa, f->pml4, 0xA0000, &lv);
	assert_int_equal(e, 0xA0000 | EPT_RWX);
	assert_int_equal(lv, 1);
	e = ept_lookup(&f->pa, f->pml4, 0xF0000, &lv);
	assert_int_equal(e, 0xF0000 | EPT_RWX |
			    ((uint64_t)MEMTYPE_WP << EPT_MEMTYPE_SHIFT));
	e = ept_lookup(&f->pa, f->pml4, 0x100000, &lv);
	assert_int_equal(e, 0x100000 | EPT_RWX |
			    ((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT));
	assert_int_equal(lv, 1);
	assert_int_equal(e & EPT_IGNORE_PAT, 0);
}

static void test_above_limit_absent(void **state)
{
	struct fixture *f = *state;
	uint64_t *pml4, *pdpt;
	unsigned lv, i;

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 4 * GiB, &lv), 0);
	assert_int_equal(lv, 3);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 511 * GiB, &lv), 0);
	assert_int_equal(lv, 3);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 512 * GiB, &lv), 0);
	assert_int_equal(lv, 4);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 1ull << 48, &lv), 0);
	assert_int_equal(lv, 4);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, ~0ull, NULL), 0);
	/* Raw tables: only PML4[0] and PDPT[0..3] present. */
	pml4 = test_pages_virt(&f->tp, f->pml4);
	assert_int_equal(pml4[0] & ~EPT_ADDR_MASK, EPT_RWX);
	for (i = 1; i < EPT_ENTRIES; i++)
		assert_int_equal(pml4[i], 0);
	pdpt = test_pages_virt(&f->tp, pml4[0] & EPT_ADDR_MASK);
	for (i = 0; i < 4; i++)
		assert_int_not_equal(pdpt[i] & EPT_RWX, 0);
	for (i = 4; i < EPT_ENTRIES; i++)
		assert_int_equal(pdpt[i], 0);
}

/* limit 513 GiB, MTRRs default WB, no fixed, no holes, 1G pages:
 * PML4 + 2 PDPTs = 3 tables, 513 1G leaves. */
static void test_two_pml4_slots(void **state)
{
	struct fixture *f = *state;
	unsigned lv;

	memset(&f->mtrr, 0, sizeof(f->mtrr));
	f->mtrr.enabled = true;
	f->mtrr.default_type = MEMTYPE_WB;
	f->mtrr.maxphyaddr = 46;
	f->cfg.hole_count = 0;
	f->cfg.holes = NULL;
	f->cfg.limit = 513 * GiB;
	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	assert_int_equal(f->st.tables, 3);
	assert_int_equal(f->st.leaves_1g, 513);
	assert_int_equal(f->st.leaves_2m + f->st.leaves_4k + f->st.holes_4k, 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 512 * GiB + 5, &lv),
			 512 * GiB | EPT_RWX | EPT_LARGE |
			 ((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT));
	assert_int_equal(lv, 3);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 513 * GiB, &lv), 0);
	assert_int_equal(lv, 3);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 1024 * GiB, &lv), 0);
	assert_int_equal(lv, 4);
}

/* MTRRs disabled: everything UC, 4 1G leaves, no split except holes. */
static void test_mtrr_disabled(void **state)
{
	struct fixture *f = *state;
	unsigned lv;

	f->mtrr.enabled = false;
	f->cfg.hole_count = 0;
	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	assert_int_equal(f->st.tables, 2);
	assert_int_equal(f->st.leaves_1g, 4);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 0xA0000, &lv),
			 EPT_RWX | EPT_LARGE);
	assert_int_equal(lv, 3);
}

/* A hole crossing a 1 GiB boundary and one at address 0. */
static void test_holes_across_1g(void **state)
{
	struct fixture *f = *state;
	struct phys_range holes[2] = {
		{ 1 * GiB - 2 * PAGE, 1 * GiB + 3 * PAGE },
		{ 0, PAGE },
	};
	unsigned lv;

	f->cfg.holes = holes;
	f->cfg.hole_count = 2;
	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	/* 1G [0,1G) and [1G,2G) split (2 PDs), 2G+ UC 1G leaves (2).
	 * PTs: [0,2M) (fixed + hole 0), [1G-2M,1G), [1G,1G+2M) = 3.
	 * Tables 1 + 1 + 2 + 3 = 7; 2M leaves 510 + 511 = 1021;
	 * holes 1 + 5 = 6; 4K leaves 3 * 512 - 6 = 1530. */
	assert_int_equal(f->st.tables, 7);
	assert_int_equal(f->st.leaves_1g, 2);
	assert_int_equal(f->st.leaves_2m, 1021);
	assert_int_equal(f->st.holes_4k, 6);
	assert_int_equal(f->st.leaves_4k, 1530);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 0, &lv), 0);
	assert_int_equal(lv, 1);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, PAGE, &lv),
			 PAGE | EPT_RWX |
			 ((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT));
	assert_int_equal(ept_lookup(&f->pa, f->pml4, GiB + 2 * PAGE, &lv), 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, GiB + 3 * PAGE, &lv),
			 (GiB + 3 * PAGE) | EPT_RWX |
			 ((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT));
}

static void test_invalid_config(void **state)
{
	struct fixture *f = *state;
	struct ept_config c;
	struct phys_range h;
	uint64_t p = 0x1234;

	assert_int_equal(ept_build(NULL, &f->pa, &p, NULL), EPT_ERR_INVALID);
	assert_int_equal(ept_build(&f->cfg, NULL, &p, NULL), EPT_ERR_INVALID);
	assert_int_equal(ept_build(&f->cfg, &f->pa, NULL, NULL),
			 EPT_ERR_INVALID);
	c = f->cfg;
	c.mtrr = NULL;
	assert_int_equal(ept_build(&c, &f->pa, &p, NULL), EPT_ERR_INVALID);
	c = f->cfg;
	c.limit = 0;
	assert_int_equal(ept_build(&c, &f->pa, &p, NULL), EPT_ERR_INVALID);
	c.limit = 4 * GiB + 2 * MiB;
	assert_int_equal(ept_build(&c, &f->pa, &p, NULL), EPT_ERR_INVALID);
	c.limit = (1ull << 48) + GiB;
	assert_int_equal(ept_build(&c, &f->pa, &p, NULL), EPT_ERR_INVALID);
	c = f->cfg;
	c.holes = NULL;
	assert_int_equal(ept_build(&c, &f->pa, &p, NULL), EPT_ERR_INVALID);
	c.holes = &h;
	h.start = 0x1000800;
	h.end = 0x2000000;
	assert_int_equal(ept_build(&c, &f->pa, &p, NULL), EPT_ERR_INVALID);
	h.start = 0x1000000;
	h.end = 0x2000010;
	assert_int_equal(ept_build(&c, &f->pa, &p, NULL), EPT_ERR_INVALID);
	h.end = h.start;
	assert_int_equal(ept_build(&c, &f->pa, &p, NULL), EPT_ERR_INVALID);
	h.start = 4 * GiB - PAGE;
	h.end = 4 * GiB + PAGE;
	assert_int_equal(ept_build(&c, &f->pa, &p, NULL), EPT_ERR_INVALID);
	/* Nothing allocated, nothing written. */
	assert_int_equal(f->tp.count, 0);
	assert_int_equal(p, 0x1234);
	/* The largest valid limit builds (1G leaves: 1 + 512 tables). */
	c = f->cfg;
	c.limit = 1ull << 48;
	f->mtrr.fixed_enabled = false;
	f->mtrr.var_count = 0;
	f->mtrr.maxphyaddr = 52;
	c.hole_count = 0;
	assert_int_equal(ept_build(&c, &f->pa, &p, &f->st), EPT_OK);
	assert_int_equal(f->st.tables, 513);
	assert_int_equal(f->st.leaves_1g, 512 * 512);
}

/* Every pool smaller than the 6 (1G) or 9 (2M) pages needed fails cleanly
 * with NOMEM, leaving *pml4_phys and the stats untouched. */
static void nomem_case(bool use_1g, unsigned needed)
{
	unsigned pages;

	for (pages = 0; pages <= needed; pages++) {
		struct fixture f;
		struct ept_stats st = { .tables = 777 };
		int rc;

		fixture_init(&f, use_1g, pages);
		rc = ept_build(&f.cfg, &f.pa, &f.pml4, &st);
		if (pages < needed) {
			assert_int_equal(rc, EPT_ERR_NOMEM);
			assert_int_equal(f.pml4, 0xDEAD000);
			assert_int_equal(st.tables, 777);
			assert_int_equal(f.tp.count, pages);
		} else {
			assert_int_equal(rc, EPT_OK);
			assert_int_equal(st.tables, needed);
		}
		test_pages_fini(&f.tp);
	}
}

static void test_nomem(void **state)
{
	(void)state;
	nomem_case(true, 6);
	nomem_case(false, 9);
}

static void test_set_4k(void **state)
{
	struct fixture *f = *state;
	uint64_t gpa = HOLE_START + 0x100000, hpa = 0x5000000;
	uint64_t wb = (uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT;
	unsigned lv;

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa + 0x10, hpa,
				    EPT_READ | EPT_WRITE, MEMTYPE_WB), 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, gpa, &lv),
			 hpa | EPT_READ | EPT_WRITE | wb);
	assert_int_equal(lv, 1);
	/* Neighbours still absent. */
	assert_int_equal(ept_lookup(&f->pa, f->pml4, gpa - PAGE, &lv), 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, gpa + PAGE, &lv), 0);
	/* perms 0: back to not present. */
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa, hpa, 0,
				    MEMTYPE_WB), 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, gpa, &lv), 0);
	assert_int_equal(lv, 1);
	/* Execute-only, UC. */
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa, hpa, EPT_EXEC,
				    MEMTYPE_UC), 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, gpa, &lv),
			 hpa | EPT_EXEC);
	/* A page beside the hole in the same PT can be remapped too. */
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, HOLE_END, hpa, EPT_RWX,
				    MEMTYPE_WT), 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_END, &lv),
			 hpa | EPT_RWX |
			 ((uint64_t)MEMTYPE_WT << EPT_MEMTYPE_SHIFT));
}

static void test_set_4k_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t gpa = HOLE_START, hpa = 0x5000000;
	unsigned lv;

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	/* No PT: a 2M leaf, a 1G leaf, above the limit. */
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, 0x20000000, hpa, EPT_RWX,
				    MEMTYPE_WB), -1);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, 0x50000000, hpa, EPT_RWX,
				    MEMTYPE_WB), -1);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, 5 * GiB, hpa, EPT_RWX,
				    MEMTYPE_WB), -1);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, 600 * GiB, hpa, EPT_RWX,
				    MEMTYPE_WB), -1);
	/* Values that would be EPT misconfigurations. */
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa, hpa, EPT_WRITE,
				    MEMTYPE_WB), -1);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa, hpa,
				    EPT_WRITE | EPT_EXEC, MEMTYPE_WB), -1);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa, hpa,
				    EPT_RWX | EPT_LARGE, MEMTYPE_WB), -1);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa, hpa, EPT_RWX, 2),
			 -1);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa, hpa, EPT_RWX, 7),
			 -1);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa, hpa + 0x800,
				    EPT_RWX, MEMTYPE_WB), -1);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, gpa, 1ull << 52,
				    EPT_RWX, MEMTYPE_WB), -1);
	/* None of it was written, nor were the leaves touched. */
	assert_int_equal(ept_lookup(&f->pa, f->pml4, gpa, &lv), 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 0x20000000, &lv),
			 0x20000000 | EPT_RWX | EPT_LARGE |
			 ((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT));
	assert_int_equal(lv, 2);
}

static uint64_t mt(uint8_t t)
{
	return (uint64_t)t << EPT_MEMTYPE_SHIFT;
}

/* A 4 KiB variable range of type t at base, added to the fixture's MTRRs. */
static void add_var_4k(struct mtrr_state *s, uint64_t base, uint8_t t)
{
	struct mtrr_var *v = &s->var[s->var_count++];

	v->base = base | t;
	v->mask = (((1ull << s->maxphyaddr) - 1) & ~(PAGE - 1)) | MTRR_PHYSMASK_VALID;
}

/* 46 address bits, as on a machine with MMIO far above its RAM: the UC
 * range is [2G, 4G) only, not repeated every 512 GiB. */
static void wide_phys(struct mtrr_state *s)
{
	s->maxphyaddr = 46;
	s->var[0].mask = (~(2 * GiB - 1) & ((1ull << 46) - 1)) | MTRR_PHYSMASK_VALID;
}

/* 29.3.7.2: with IPAT clear the EPT type replaces the MTRR type, so new
 * MTRRs must reach the leaves: [2G, 4G) goes from UC to WT; its two 1G
 * leaves change, no table is made. */
static void test_sdm_29_3_7_2_retype_takes_the_new_types(void **state)
{
	struct fixture *f = *state;
	unsigned tables;
	unsigned lv;

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	tables = f->tp.count;
	memset(&f->st, 0, sizeof(f->st));
	f->mtrr.var[0].base = 0x80000000ull | MEMTYPE_WT;
	assert_int_equal(ept_retype(&f->cfg, &f->pa, f->pml4, &f->st), EPT_OK);
	assert_int_equal(f->st.retyped, 2);
	assert_int_equal(f->st.splits, 0);
	assert_int_equal(f->tp.count, tables);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 0xC0000000, &lv),
			 0xC0000000 | EPT_RWX | EPT_LARGE | mt(MEMTYPE_WT));
	assert_int_equal(lv, 3);
	check_every_page(f, (const unsigned[4]){ 0, 1022, 509, 3 });
	/* Again with nothing new: nothing changes. */
	memset(&f->st, 0, sizeof(f->st));
	assert_int_equal(ept_retype(&f->cfg, &f->pa, f->pml4, &f->st), EPT_OK);
	assert_int_equal(f->st.retyped, 0);
}

/* 29.3.7.2: a large leaf has one type, so one over a range that is no
 * longer uniform is split: a WC page at 1G+2M+12K turns the WB 1G leaf
 * into a PD, and its 2M range into a PT. Back to WB, the types follow
 * and the tables stay. */
static void test_sdm_29_3_7_2_retype_splits_mixed_large_leaves(void **state)
{
	struct fixture *f = *state;
	const uint64_t wc = GiB + 2 * MiB + 3 * PAGE;
	unsigned tables;
	unsigned lv;

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	tables = f->tp.count;
	memset(&f->st, 0, sizeof(f->st));
	add_var_4k(&f->mtrr, wc, MEMTYPE_WC);
	assert_int_equal(ept_retype(&f->cfg, &f->pa, f->pml4, &f->st), EPT_OK);
	assert_int_equal(f->st.splits, 1);
	assert_int_equal(f->st.tables, 2);
	assert_int_equal(f->tp.count, tables + 2);
	assert_int_equal(f->st.uc_fallbacks, 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, wc, &lv), wc | EPT_RWX | mt(MEMTYPE_WC));
	assert_int_equal(lv, 1);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, wc + PAGE, &lv),
			 (wc + PAGE) | EPT_RWX | mt(MEMTYPE_WB));
	assert_int_equal(ept_lookup(&f->pa, f->pml4, GiB + 0x1000, &lv),
			 GiB | EPT_RWX | EPT_LARGE | mt(MEMTYPE_WB));
	assert_int_equal(lv, 2);
	check_every_page(f, (const unsigned[4]){ 0, 1022 + 512, 509 + 511, 2 });

	f->mtrr.var_count = 1;
	memset(&f->st, 0, sizeof(f->st));
	assert_int_equal(ept_retype(&f->cfg, &f->pa, f->pml4, &f->st), EPT_OK);
	assert_int_equal(f->st.retyped, 1);
	assert_int_equal(f->tp.count, tables + 2);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, wc, &lv), wc | EPT_RWX | mt(MEMTYPE_WB));
	check_every_page(f, NULL);
}

/* The VMM's entries are not the guest's memory: a hole page mapped to a
 * sink, a read/execute-only UC page (the APIC's) and the not-present
 * hole pages keep what they are when every type becomes UC. */
static void test_retype_keeps_the_vmm_entries(void **state)
{
	struct fixture *f = *state;
	const uint64_t sink = 0x5000000;
	unsigned lv;

	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, HOLE_START, sink, EPT_READ | EPT_WRITE,
				    MEMTYPE_WB), 0);
	assert_int_equal(ept_set_4k(&f->pa, f->pml4, HOLE_END, HOLE_END, EPT_READ | EPT_EXEC,
				    MEMTYPE_WB), 0);
	f->mtrr.enabled = false;
	assert_int_equal(ept_retype(&f->cfg, &f->pa, f->pml4, &f->st), EPT_OK);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_START, &lv),
			 sink | EPT_READ | EPT_WRITE | mt(MEMTYPE_WB));
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_END, &lv),
			 HOLE_END | EPT_READ | EPT_EXEC | mt(MEMTYPE_WB));
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_START + PAGE, &lv), 0);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, HOLE_END + PAGE, &lv),
			 (HOLE_END + PAGE) | EPT_RWX | mt(MEMTYPE_UC));
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 0x100000, &lv), 0x100000 | EPT_RWX);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 0x40000000, &lv),
			 0x40000000 | EPT_RWX | EPT_LARGE);
}

/* Builds with a pool of `pages`, then retypes with a WC page at wc. */
static void retype_with_pages(struct fixture *f, unsigned pages, uint64_t wc)
{
	fixture_init(f, true, pages);
	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	add_var_4k(&f->mtrr, wc, MEMTYPE_WC);
	memset(&f->st, 0, sizeof(f->st));
	assert_int_equal(ept_retype(&f->cfg, &f->pa, f->pml4, &f->st), EPT_OK);
}

/* No page left for a split: the 1G leaf becomes UC; one page (a PD but
 * no PT): the PD is made and only the mixed 2M leaf is UC. */
static void test_retype_without_pages_falls_back_to_uc(void **state)
{
	const uint64_t wc = GiB + 2 * MiB + 3 * PAGE;
	struct fixture f;
	unsigned lv;

	(void)state;
	retype_with_pages(&f, 6, wc);
	assert_int_equal(f.st.uc_fallbacks, 1);
	assert_int_equal(f.st.splits, 0);
	assert_int_equal(ept_lookup(&f.pa, f.pml4, wc, &lv), GiB | EPT_RWX | EPT_LARGE);
	assert_int_equal(lv, 3);
	test_pages_fini(&f.tp);

	retype_with_pages(&f, 7, wc);
	assert_int_equal(f.st.splits, 1);
	assert_int_equal(f.st.uc_fallbacks, 1);
	assert_int_equal(ept_lookup(&f.pa, f.pml4, wc, &lv),
			 (GiB + 2 * MiB) | EPT_RWX | EPT_LARGE);
	assert_int_equal(lv, 2);
	assert_int_equal(ept_lookup(&f.pa, f.pml4, GiB, &lv),
			 GiB | EPT_RWX | EPT_LARGE | mt(MEMTYPE_WB));
	assert_int_equal(lv, 2);
	test_pages_fini(&f.tp);
}

/* 29.3.2: an address above the limit is mapped on first access, identity,
 * in a 1G leaf of the MTRR type (WB here: the default); a second call
 * finds it; PML4[0]'s PDPT takes [4G, 5G) without a new table. */
static void test_sdm_29_3_2_on_demand_1g(void **state)
{
	struct fixture *f = *state;
	struct ept_mapping m;
	unsigned tables, lv;

	wide_phys(&f->mtrr);
	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	tables = f->tp.count;
	assert_int_equal(ept_map_on_demand(&f->cfg, &f->pa, f->pml4, 600 * GiB + 0x1234, &m, NULL),
			 EPT_OK);
	assert_int_equal(m.start, 600 * GiB);
	assert_int_equal(m.size, GiB);
	assert_int_equal(m.level, 3);
	assert_int_equal(m.type, MEMTYPE_WB);
	assert_false(m.was_present);
	assert_false(m.sink);
	assert_int_equal(f->tp.count, tables + 1);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 600 * GiB + 5, &lv),
			 600 * GiB | EPT_RWX | EPT_LARGE | mt(MEMTYPE_WB));
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 601 * GiB, &lv), 0);
	assert_int_equal(lv, 3);
	assert_int_equal(ept_map_on_demand(&f->cfg, &f->pa, f->pml4, 600 * GiB + 0x9000, &m, NULL),
			 EPT_OK);
	assert_true(m.was_present);
	assert_int_equal(m.start, 600 * GiB);
	assert_int_equal(ept_map_on_demand(&f->cfg, &f->pa, f->pml4, 4 * GiB + 5, &m, NULL), EPT_OK);
	assert_int_equal(m.level, 3);
	assert_int_equal(f->tp.count, tables + 1);
	/* Beyond a 4-level walk, and in a hole: refused. */
	assert_int_equal(ept_map_on_demand(&f->cfg, &f->pa, f->pml4, 1ull << 48, &m, NULL),
			 EPT_ERR_INVALID);
	assert_int_equal(ept_map_on_demand(&f->cfg, &f->pa, f->pml4, HOLE_START, &m, NULL),
			 EPT_ERR_INVALID);
	check_every_page(f, NULL);
}

/* Without 1G pages the GiB gets a PD of 2M leaves; a WC page makes its
 * 2M range a PT of 4K leaves. */
static void test_sdm_29_3_2_on_demand_2m_and_mixed(void **state)
{
	struct fixture *f = *state;
	const uint64_t wc = 700 * GiB + 4 * MiB;
	struct ept_mapping m;
	unsigned tables, lv;

	wide_phys(&f->mtrr);
	assert_int_equal(ept_build(&f->cfg, &f->pa, &f->pml4, &f->st), EPT_OK);
	tables = f->tp.count;
	add_var_4k(&f->mtrr, wc, MEMTYPE_WC);
	assert_int_equal(ept_map_on_demand(&f->cfg, &f->pa, f->pml4, 600 * GiB, &m, NULL), EPT_OK);
	assert_int_equal(m.level, 2);
	assert_int_equal(m.size, 2 * MiB);
	assert_int_equal(f->tp.count, tables + 2);   /* PDPT, PD */
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 601 * GiB - 1, &lv),
			 (601 * GiB - 2 * MiB) | EPT_RWX | EPT_LARGE | mt(MEMTYPE_WB));
	assert_int_equal(lv, 2);
	assert_int_equal(ept_map_on_demand(&f->cfg, &f->pa, f->pml4, wc + PAGE, &m, NULL), EPT_OK);
	assert_int_equal(m.level, 1);
	assert_int_equal(m.start, wc + PAGE);
	assert_int_equal(m.type, MEMTYPE_WB);
	assert_int_equal(f->tp.count, tables + 4);   /* PD, PT */
	assert_int_equal(ept_lookup(&f->pa, f->pml4, wc, &lv), wc | EPT_RWX | mt(MEMTYPE_WC));
	assert_int_equal(lv, 1);
	assert_int_equal(ept_lookup(&f->pa, f->pml4, 700 * GiB, &lv),
			 700 * GiB | EPT_RWX | EPT_LARGE | mt(MEMTYPE_WB));
}

/* Out of pages: where a leaf can stand in it is UC; where none can, the
 * entry points at the shared sink tables, and the range reads as
 * unbacked memory. Without those tables: NOMEM. ept_retype() leaves the
 * shared tables alone. */
static void test_on_demand_without_pages(void **state)
{
	struct ept_sink_tables sink;
	const uint64_t sink_page = 0x5000000;
	struct ept_mapping m;
	struct fixture f;
	unsigned lv;

	(void)state;
	fixture_init(&f, false, 9 + 3);
	wide_phys(&f.mtrr);
	assert_int_equal(ept_build(&f.cfg, &f.pa, &f.pml4, &f.st), EPT_OK);
	assert_non_null(f.pa.alloc_page(f.pa.ctx, &sink.pdpt));
	assert_non_null(f.pa.alloc_page(f.pa.ctx, &sink.pd));
	assert_non_null(f.pa.alloc_page(f.pa.ctx, &sink.pt));
	ept_sink_tables_fill(&f.pa, &sink, sink_page);
	assert_int_equal(ept_map_on_demand(&f.cfg, &f.pa, f.pml4, 600 * GiB, &m, NULL),
			 EPT_ERR_NOMEM);
	f.cfg.sink = &sink;
	assert_int_equal(ept_map_on_demand(&f.cfg, &f.pa, f.pml4, 600 * GiB + 0x1000, &m, NULL),
			 EPT_OK);
	assert_true(m.sink);
	assert_int_equal(m.level, 4);
	assert_int_equal(m.start, 512 * GiB);
	assert_int_equal(m.size, 512 * GiB);
	assert_int_equal(ept_lookup(&f.pa, f.pml4, 600 * GiB + 0x1000, &lv),
			 sink_page | EPT_READ | EPT_WRITE | mt(MEMTYPE_WB));
	assert_int_equal(lv, 1);
	assert_int_equal(ept_lookup(&f.pa, f.pml4, 1023 * GiB, &lv),
			 sink_page | EPT_READ | EPT_WRITE | mt(MEMTYPE_WB));
	assert_int_equal(ept_map_on_demand(&f.cfg, &f.pa, f.pml4, 700 * GiB, &m, NULL), EPT_OK);
	assert_true(m.was_present);
	assert_true(m.sink);
	/* A PDPTE without 1G pages needs a PD: the shared one. */
	assert_int_equal(ept_map_on_demand(&f.cfg, &f.pa, f.pml4, 5 * GiB, &m, NULL), EPT_OK);
	assert_true(m.sink);
	assert_int_equal(m.level, 3);
	assert_int_equal(m.start, 5 * GiB);
	assert_int_equal(m.size, GiB);
	/* With 1G pages a UC 1G leaf stands in (the same PDPT, uniform or not). */
	f.cfg.use_1g = true;
	add_var_4k(&f.mtrr, 6 * GiB, MEMTYPE_WC);
	assert_int_equal(ept_map_on_demand(&f.cfg, &f.pa, f.pml4, 6 * GiB + PAGE, &m, NULL), EPT_OK);
	assert_false(m.sink);
	assert_int_equal(m.type, MEMTYPE_UC);
	assert_int_equal(ept_lookup(&f.pa, f.pml4, 6 * GiB, &lv), 6 * GiB | EPT_RWX | EPT_LARGE);
	/* Retyping walks past the shared tables. */
	memset(&f.st, 0, sizeof(f.st));
	assert_int_equal(ept_retype(&f.cfg, &f.pa, f.pml4, &f.st), EPT_OK);
	assert_int_equal(ept_lookup(&f.pa, f.pml4, 600 * GiB, &lv),
			 sink_page | EPT_READ | EPT_WRITE | mt(MEMTYPE_WB));
	test_pages_fini(&f.tp);
}

static void test_eptp(void **state)
{
	(void)state;
	assert_int_equal(ept_eptp(0x12345000), 0x12345000 | (3 << 3) | 6);
	assert_int_equal(ept_eptp(0x12345FFF), 0x12345000 | (3 << 3) | 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_4g_1g, setup_1g,
						teardown),
		cmocka_unit_test_setup_teardown(test_build_4g_2m, setup_2m,
						teardown),
		cmocka_unit_test_setup_teardown(test_entries_beside_hole,
						setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_memtypes, setup_1g,
						teardown),
		cmocka_unit_test_setup_teardown(test_above_limit_absent,
						setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_two_pml4_slots, setup_1g,
						teardown),
		cmocka_unit_test_setup_teardown(test_mtrr_disabled, setup_1g,
						teardown),
		cmocka_unit_test_setup_teardown(test_holes_across_1g, setup_1g,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalid_config, setup_1g,
						teardown),
		cmocka_unit_test(test_nomem),
		cmocka_unit_test_setup_teardown(test_set_4k, setup_2m,
						teardown),
		cmocka_unit_test_setup_teardown(test_set_4k_refused, setup_1g,
						teardown),
		cmocka_unit_test_setup_teardown(test_sdm_29_3_7_2_retype_takes_the_new_types,
						setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_sdm_29_3_7_2_retype_splits_mixed_large_leaves,
						setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_retype_keeps_the_vmm_entries, setup_1g,
						teardown),
		cmocka_unit_test(test_retype_without_pages_falls_back_to_uc),
		cmocka_unit_test_setup_teardown(test_sdm_29_3_2_on_demand_1g, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_sdm_29_3_2_on_demand_2m_and_mixed, setup_2m,
						teardown),
		cmocka_unit_test(test_on_demand_without_pages),
		cmocka_unit_test(test_eptp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
