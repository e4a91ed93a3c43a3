/* Unit tests for arch/x86_64/host_paging.c: counts, entry bits, a
 * software walk of the result, invalid input and NOMEM; pages split where
 * the MTRR type is not uniform (SDM Vol. 3A, 12.11.9). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/host_paging.h"
#include "ept/mtrr.h"
#include "tests/unit/test_pages.h"

#define MiB 0x100000ull
#define GiB 0x40000000ull
/* Bits a leaf or table entry may have: P, RW, A, D, PS, address; so U/S,
 * PWT, PCD, PAT and XD must be clear (supervisor, PAT entry 0). */
#define ALLOWED (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS | PTE_ADDR_MASK)
#define TABLE (PTE_P | PTE_RW | PTE_A)
#define LEAF (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS)

struct built {
	struct test_pages tp;
	struct page_alloc pa;
	struct host_paging_stats st;
	uint64_t cr3;
};

/* MTRRs of one type everywhere: no page needs splitting. */
static const struct mtrr_state all_wb = {
	.enabled = true, .default_type = MEMTYPE_WB, .maxphyaddr = 46,
};

static int build_typed(struct built *b, uint64_t limit, bool use_1g, const struct mtrr_state *m,
		       unsigned pages)
{
	memset(b, 0, sizeof(*b));
	test_pages_init(&b->tp, pages);
	b->pa = test_pages_provider(&b->tp);
	b->cr3 = 0xC0FFEE000;
	return host_paging_build(limit, use_1g, m, &b->pa, &b->cr3, &b->st);
}

static int build(struct built *b, uint64_t limit, bool use_1g,
		 unsigned pages)
{
	return build_typed(b, limit, use_1g, &all_wb, pages);
}

/* Software 4-level walk (SDM Vol. 3A, 5.5.4). Returns the physical
 * address for va, or ~0 if not mapped; *size is the page size. */
static uint64_t walk(struct built *b, uint64_t va, uint64_t *size)
{
	uint64_t *t = test_pages_virt(&b->tp, b->cr3);
	unsigned shift;

	for (shift = 39;; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];

		if (!(e & PTE_P))
			return ~0ull;
		if (e & ~ALLOWED)
			fail_msg("entry 0x%llx has unexpected bits",
				 (unsigned long long)e);
		if (shift == 39 && (e & PTE_PS))
			fail_msg("PS set in a PML4E");
		if (!(e & PTE_RW))
			fail_msg("entry 0x%llx not writable",
				 (unsigned long long)e);
		/* SDM Vol. 3A, 5.8: preset, the processor never writes them. */
		if (!(e & PTE_A) || ((e & PTE_PS || shift == 12) && !(e & PTE_D)))
			fail_msg("entry 0x%llx without its accessed or dirty flag",
				 (unsigned long long)e);
		if (e & PTE_PS) {
			*size = 1ull << shift;
			return (e & PTE_ADDR_MASK & ~(*size - 1)) |
			       (va & (*size - 1));
		}
		if (shift == 12) {
			*size = 1ull << shift;
			return (e & PTE_ADDR_MASK) | (va & (*size - 1));
		}
		t = test_pages_virt(&b->tp, e & PTE_ADDR_MASK);
	}
}

static void check_identity(struct built *b, uint64_t limit,
			   uint64_t page_size, uint64_t step)
{
	uint64_t va, size = 0;

	for (va = 0; va < limit; va += step) {
		uint64_t probe = va + (va / step) % page_size;

		probe = probe < limit ? probe : va;
		assert_int_equal(walk(b, probe, &size), probe);
		assert_int_equal(size, page_size);
	}
	if (limit >= 1ull << 48)
		return;	/* a 4-level walk of 2^48 wraps to 0 */
	assert_int_equal(walk(b, limit, &size), ~0ull);
	assert_int_equal(walk(b, limit + page_size - 1, &size), ~0ull);
}

/* 4 GiB with 1G pages: PML4 + PDPT = 2 tables, 4 leaves. */
static void test_4g_1g(void **state)
{
	struct built b;
	uint64_t *pml4, *pdpt;
	unsigned i;

	(void)state;
	assert_int_equal(build(&b, 4 * GiB, true, TEST_PAGES_UNLIMITED), 0);
	assert_int_equal(b.st.tables, 2);
	assert_int_equal(b.tp.count, 2);
	assert_int_equal(b.st.leaves_1g, 4);
	assert_int_equal(b.st.leaves_2m, 0);
	assert_int_equal(b.cr3, TEST_PAGES_PHYS_BASE);
	pml4 = test_pages_virt(&b.tp, b.cr3);
	assert_int_equal(pml4[0],
			 (TEST_PAGES_PHYS_BASE + 0x1000) | TABLE);
	for (i = 1; i < 512; i++)
		assert_int_equal(pml4[i], 0);
	pdpt = test_pages_virt(&b.tp, pml4[0] & PTE_ADDR_MASK);
	for (i = 0; i < 4; i++)
		assert_int_equal(pdpt[i], i * GiB | LEAF);
	for (i = 4; i < 512; i++)
		assert_int_equal(pdpt[i], 0);
	check_identity(&b, 4 * GiB, GiB, 64 * MiB);
	test_pages_fini(&b.tp);
}

/* 4 GiB with 2M pages: PML4 + PDPT + 4 PDs = 6 tables, 4 * 512 = 2048
 * leaves. */
static void test_4g_2m(void **state)
{
	struct built b;
	uint64_t *pml4, *pdpt, *pd;
	unsigned i, j;

	(void)state;
	assert_int_equal(build(&b, 4 * GiB, false, TEST_PAGES_UNLIMITED), 0);
	assert_int_equal(b.st.tables, 6);
	assert_int_equal(b.tp.count, 6);
	assert_int_equal(b.st.leaves_1g, 0);
	assert_int_equal(b.st.leaves_2m, 2048);
	pml4 = test_pages_virt(&b.tp, b.cr3);
	pdpt = test_pages_virt(&b.tp, pml4[0] & PTE_ADDR_MASK);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pdpt[i] & ~PTE_ADDR_MASK, TABLE);
		pd = test_pages_virt(&b.tp, pdpt[i] & PTE_ADDR_MASK);
		for (j = 0; j < 512; j++)
			assert_int_equal(pd[j], (i * GiB + j * 2 * MiB) | LEAF);
	}
	for (i = 4; i < 512; i++)
		assert_int_equal(pdpt[i], 0);
	check_identity(&b, 4 * GiB, 2 * MiB, 2 * MiB);
	test_pages_fini(&b.tp);
}

/* 513 GiB spans two PML4 slots. 1G: 1 + 2 = 3 tables, 513 leaves.
 * 2M: 1 + 2 + 513 = 516 tables, 513 * 512 = 262656 leaves. */
static void test_two_pml4_slots(void **state)
{
	struct built b;

	(void)state;
	assert_int_equal(build(&b, 513 * GiB, true, TEST_PAGES_UNLIMITED), 0);
	assert_int_equal(b.st.tables, 3);
	assert_int_equal(b.st.leaves_1g, 513);
	check_identity(&b, 513 * GiB, GiB, GiB);
	test_pages_fini(&b.tp);

	assert_int_equal(build(&b, 513 * GiB, false, TEST_PAGES_UNLIMITED), 0);
	assert_int_equal(b.st.tables, 516);
	assert_int_equal(b.st.leaves_2m, 262656);
	check_identity(&b, 513 * GiB, 2 * MiB, 2 * MiB);
	test_pages_fini(&b.tp);
}

/* The full 48-bit space with 1G pages: 1 + 512 tables. */
static void test_max_limit(void **state)
{
	struct built b;

	(void)state;
	assert_int_equal(build(&b, 1ull << 48, true, TEST_PAGES_UNLIMITED), 0);
	assert_int_equal(b.st.tables, 513);
	assert_int_equal(b.st.leaves_1g, 512 * 512);
	check_identity(&b, 1ull << 48, GiB, 1ull << 39);
	test_pages_fini(&b.tp);
}

static void test_invalid(void **state)
{
	struct built b;
	uint64_t cr3 = 0x77;

	(void)state;
	assert_int_equal(build(&b, 0, true, TEST_PAGES_UNLIMITED),
			 EPT_ERR_INVALID);
	assert_int_equal(build(&b, GiB + 2 * MiB, false, TEST_PAGES_UNLIMITED),
			 EPT_ERR_INVALID);
	assert_int_equal(build(&b, (1ull << 48) + GiB, true,
			       TEST_PAGES_UNLIMITED), EPT_ERR_INVALID);
	assert_int_equal(b.tp.count, 0);
	assert_int_equal(b.cr3, 0xC0FFEE000);
	assert_int_equal(host_paging_build(GiB, true, &all_wb, NULL, &cr3, NULL),
			 EPT_ERR_INVALID);
	assert_int_equal(host_paging_build(GiB, true, &all_wb, &b.pa, NULL, NULL),
			 EPT_ERR_INVALID);
	assert_int_equal(host_paging_build(GiB, true, NULL, &b.pa, &cr3, NULL),
			 EPT_ERR_INVALID);
	assert_int_equal(cr3, 0x77);
	/* stats may be NULL. */
	assert_int_equal(host_paging_build(GiB, true, &all_wb, &b.pa, &cr3, NULL), 0);
	assert_int_equal(cr3, TEST_PAGES_PHYS_BASE);
	test_pages_fini(&b.tp);
}

/* OVMF-like MTRRs: fixed ranges 0-9FFFF WB, A0000-BFFFF UC, C0000-FFFFF
 * WP; default WB; UC [2G, 4G); and (wc_page) one WC page at 1G+2M+12K. */
static void ovmf_mtrr(struct mtrr_state *s, bool wc_page)
{
	const uint64_t phys = (1ull << 39) - 1;
	uint64_t raw[MTRR_FIXED_MSRS];

	memset(s, 0, sizeof(*s));
	s->enabled = true;
	s->default_type = MEMTYPE_WB;
	s->maxphyaddr = 39;
	raw[0] = raw[1] = 0x0606060606060606ull;
	raw[2] = 0;
	for (unsigned i = 3; i < MTRR_FIXED_MSRS; i++)
		raw[i] = 0x0505050505050505ull;
	mtrr_set_fixed(s, raw);
	s->fixed_enabled = true;
	s->var[0].base = 2 * GiB | MEMTYPE_UC;
	s->var[0].mask = (~(2 * GiB - 1) & phys) | MTRR_PHYSMASK_VALID;
	s->var_count = 1;
	if (wc_page) {
		s->var[1].base = (GiB + 2 * MiB + 0x3000) | MEMTYPE_WC;
		s->var[1].mask = (~0xFFFull & phys) | MTRR_PHYSMASK_VALID;
		s->var_count = 2;
	}
}

/* Every leaf of the tables is of one MTRR type over its whole range
 * (SDM Vol. 3A, 12.11.9: otherwise the processor's behaviour is
 * undefined), and there are as many of each size as expected. */
static void leaves_uniform(struct built *b, const struct mtrr_state *m, uint64_t t_phys,
			   uint64_t base, unsigned shift, unsigned count[3])
{
	const uint64_t *t = test_pages_virt(&b->tp, t_phys);

	for (unsigned i = 0; i < 512; i++) {
		uint64_t va = base + ((uint64_t)i << shift), e = t[i];
		uint8_t type;

		if (!(e & PTE_P))
			continue;
		if (shift == 39 || (shift > 12 && !(e & PTE_PS))) {
			leaves_uniform(b, m, e & PTE_ADDR_MASK, va, shift - 9, count);
			continue;
		}
		if (!mtrr_range_type(m, va, 1ull << shift, &type))
			fail_msg("the leaf at 0x%llx (%llu KiB) spans more than one memory type",
				 (unsigned long long)va, (unsigned long long)(1ull << (shift - 10)));
		count[(shift - 12) / 9]++;
	}
}

static void check_uniform(struct built *b, const struct mtrr_state *m, unsigned n4k,
			  unsigned n2m, unsigned n1g)
{
	unsigned count[3] = { 0 };

	leaves_uniform(b, m, b->cr3, 0, 39, count);
	assert_int_equal(count[0], n4k);
	assert_int_equal(count[1], n2m);
	assert_int_equal(count[2], n1g);
	assert_int_equal(b->st.leaves_4k, n4k);
	assert_int_equal(b->st.leaves_2m, n2m);
	assert_int_equal(b->st.leaves_1g, n1g);
}

/* 12.11.9 "Large Page Size Considerations": a page over ranges of more
 * than one MTRR type is undefined. With OVMF's MTRRs and 1G pages:
 * [0, 1G) crosses the fixed ranges below 1 MiB -> a PD, whose [0, 2M) is
 * a PT of 512 4K pages and the other 511 are 2M pages; [1G, 2G) WB and
 * [2G, 4G) UC stay 1G pages. Tables: PML4, PDPT, PD, PT. */
static void test_sdm_12_11_9_split_1g_where_types_differ(void **state)
{
	struct mtrr_state m;
	struct built b;
	uint64_t size = 0;

	(void)state;
	ovmf_mtrr(&m, false);
	assert_int_equal(build_typed(&b, 4 * GiB, true, &m, TEST_PAGES_UNLIMITED), 0);
	assert_int_equal(b.st.tables, 4);
	check_uniform(&b, &m, 512, 511, 3);
	assert_int_equal(walk(&b, 0xA0123, &size), 0xA0123);
	assert_int_equal(size, 4096);
	assert_int_equal(walk(&b, 2 * MiB + 5, &size), 2 * MiB + 5);
	assert_int_equal(size, 2 * MiB);
	assert_int_equal(walk(&b, 3 * GiB + 7, &size), 3 * GiB + 7);
	assert_int_equal(size, GiB);
	test_pages_fini(&b.tp);
}

/* The same with a WC page at 1G+2M+12K: [1G, 2G) becomes a PD and its
 * second 2M a PT. With 2M pages only, the PT again. */
static void test_sdm_12_11_9_split_2m_where_types_differ(void **state)
{
	struct mtrr_state m;
	struct built b;
	uint64_t size = 0;

	(void)state;
	ovmf_mtrr(&m, true);
	assert_int_equal(build_typed(&b, 4 * GiB, true, &m, TEST_PAGES_UNLIMITED), 0);
	assert_int_equal(b.st.tables, 6);
	check_uniform(&b, &m, 1024, 511 + 511, 2);
	assert_int_equal(walk(&b, GiB + 2 * MiB + 0x3010, &size), GiB + 2 * MiB + 0x3010);
	assert_int_equal(size, 4096);
	test_pages_fini(&b.tp);

	assert_int_equal(build_typed(&b, 4 * GiB, false, &m, TEST_PAGES_UNLIMITED), 0);
	assert_int_equal(b.st.tables, 2 + 4 + 2);
	check_uniform(&b, &m, 1024, 2048 - 2, 0);
	test_pages_fini(&b.tp);
}

/* MTRRs disabled: all UC, nothing to split; a split that runs out of
 * pages fails cleanly. */
static void test_split_edges(void **state)
{
	struct mtrr_state m;
	struct built b;

	(void)state;
	ovmf_mtrr(&m, true);
	m.enabled = false;
	assert_int_equal(build_typed(&b, 4 * GiB, true, &m, TEST_PAGES_UNLIMITED), 0);
	assert_int_equal(b.st.tables, 2);
	check_uniform(&b, &m, 0, 0, 4);
	test_pages_fini(&b.tp);
	ovmf_mtrr(&m, true);
	for (unsigned pages = 0; pages < 6; pages++) {
		assert_int_equal(build_typed(&b, 4 * GiB, true, &m, pages), EPT_ERR_NOMEM);
		assert_int_equal(b.cr3, 0xC0FFEE000);
		test_pages_fini(&b.tp);
	}
}

static void nomem_case(uint64_t limit, bool use_1g, unsigned needed)
{
	unsigned pages;

	for (pages = 0; pages <= needed; pages++) {
		struct built b;
		int rc = build(&b, limit, use_1g, pages);

		if (pages < needed) {
			assert_int_equal(rc, EPT_ERR_NOMEM);
			assert_int_equal(b.cr3, 0xC0FFEE000);
			assert_int_equal(b.st.tables, 0);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(b.st.tables, needed);
		}
		test_pages_fini(&b.tp);
	}
}

static void test_nomem(void **state)
{
	(void)state;
	nomem_case(4 * GiB, true, 2);
	nomem_case(4 * GiB, false, 6);
	nomem_case(513 * GiB, true, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_4g_1g),
		cmocka_unit_test(test_4g_2m),
		cmocka_unit_test(test_two_pml4_slots),
		cmocka_unit_test(test_max_limit),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_nomem),
		cmocka_unit_test(test_sdm_12_11_9_split_1g_where_types_differ),
		cmocka_unit_test(test_sdm_12_11_9_split_2m_where_types_differ),
		cmocka_unit_test(test_split_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
