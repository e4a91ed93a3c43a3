/* Unit tests for arch/x86_64/host_guard.c: one 4 KiB page made not
 * present in an identity map of 1 GiB, 2 MiB or 4 KiB pages, everything
 * else mapped as before with the same attributes (SDM Vol. 3A, 5.5.4
 * entry formats; 5.10.2.3: a split that keeps frame and attributes), and
 * the out-of-memory case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/host_guard.h"
#include "tests/unit/test_pages.h"

#define KiB4 0x1000ull
#define MiB2 0x200000ull
#define GiB  0x40000000ull
#define GUARD 0x12345000ull   /* in the first GiB */
/* Leaf attributes a test gives its pages: not only P and RW, so that a
 * split that loses one is seen. */
#define LEAF_BITS (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PCD)

struct tables {
	struct test_pages tp;
	struct page_alloc pa;
	uint64_t cr3;
	uint64_t *pml4, *pdpt;
};

static uint64_t *new_table(struct tables *t, uint64_t *phys)
{
	return t->pa.alloc_page(t->pa.ctx, phys);
}

/* PML4 -> PDPT; the first GiB one 1 GiB page (PAT bit set, to follow it). */
static void map_1g(struct tables *t, unsigned limit)
{
	uint64_t phys;

	memset(t, 0, sizeof(*t));
	test_pages_init(&t->tp, limit);
	t->pa = test_pages_provider(&t->tp);
	t->pml4 = new_table(t, &t->cr3);
	t->pdpt = new_table(t, &phys);
	t->pml4[0] = phys | PTE_P | PTE_RW | PTE_A;
	t->pdpt[0] = 0 | LEAF_BITS | PTE_PS | PTE_PAT_LARGE;
	t->pdpt[1] = GiB | LEAF_BITS | PTE_PS;
}

/* The same GiB as 2 MiB pages. */
static uint64_t *map_2m(struct tables *t)
{
	uint64_t phys, *pd;

	map_1g(t, TEST_PAGES_UNLIMITED);
	pd = new_table(t, &phys);
	for (unsigned i = 0; i < 512; i++)
		pd[i] = (i * MiB2) | LEAF_BITS | PTE_PS;
	t->pdpt[0] = phys | PTE_P | PTE_RW | PTE_A;
	return pd;
}

/* Software walk (5.5.4): the leaf entry for va and its page size, or 0. */
static uint64_t leaf(struct tables *t, uint64_t va, uint64_t *size)
{
	uint64_t *tab = t->pml4;

	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e = tab[(va >> shift) & 511];

		if (!(e & PTE_P))
			return 0;
		if (shift == 12 || (shift < 39 && (e & PTE_PS))) {
			*size = 1ull << shift;
			return e;
		}
		tab = test_pages_virt(&t->tp, e & PTE_ADDR_MASK);
	}
	return 0;
}

/* va maps to itself with these attributes: PS aside, and with a large
 * page's PAT (bit 12, inside the address field of a 4 KiB entry). */
static void expect_mapped(struct tables *t, uint64_t va, uint64_t bits)
{
	uint64_t size = 0, e = leaf(t, va, &size), frame, got;

	if (!e)
		fail_msg("%llx: not mapped", (unsigned long long)va);
	frame = e & PTE_ADDR_MASK & ~(size - 1);
	got = e & ~PTE_ADDR_MASK;
	if (size != KiB4) {
		if (!(got & PTE_PS))
			fail_msg("%llx: a large page without PS: %llx", (unsigned long long)va,
				 (unsigned long long)e);
		got = (got & ~PTE_PS) | (e & PTE_PAT_LARGE);
	}
	if (frame + (va & (size - 1)) != va)
		fail_msg("%llx: maps to %llx", (unsigned long long)va,
			 (unsigned long long)(frame + (va & (size - 1))));
	if (got != bits)
		fail_msg("%llx: entry %llx, expected the bits %llx", (unsigned long long)va,
			 (unsigned long long)e, (unsigned long long)bits);
}

static void test_sdm_3a_5_5_guard_in_1g_page(void **state)
{
	struct tables t;
	uint64_t size;

	(void)state;
	map_1g(&t, TEST_PAGES_UNLIMITED);
	assert_int_equal(host_unmap_4k(t.cr3, GUARD, &t.pa), EPT_OK);
	assert_int_equal(leaf(&t, GUARD, &size), 0);
	/* Two new tables: a PD for the GiB, a PT for the 2 MiB around. */
	assert_int_equal(t.tp.count, 4);
	expect_mapped(&t, GUARD - KiB4, LEAF_BITS | PTE_PAT_4K);
	expect_mapped(&t, GUARD + KiB4, LEAF_BITS | PTE_PAT_4K);
	expect_mapped(&t, 0, LEAF_BITS | PTE_PAT_LARGE);
	expect_mapped(&t, GiB - KiB4, LEAF_BITS | PTE_PAT_LARGE);
	expect_mapped(&t, GiB + GUARD, LEAF_BITS);  /* the next GiB untouched */
	assert_int_equal(t.pdpt[1], GiB | LEAF_BITS | PTE_PS);
	/* The PDPT entry became a table entry with the walk's bits kept. */
	assert_int_equal(t.pdpt[0] & ~PTE_ADDR_MASK, PTE_P | PTE_RW | PTE_A | PTE_PCD);
	test_pages_fini(&t.tp);
}

static void test_sdm_3a_5_5_guard_in_2m_page(void **state)
{
	struct tables t;
	uint64_t size, *pd = map_2m(&t);
	unsigned before = t.tp.count;

	(void)state;
	assert_int_equal(host_unmap_4k(t.cr3, GUARD, &t.pa), EPT_OK);
	assert_int_equal(leaf(&t, GUARD, &size), 0);
	assert_int_equal(t.tp.count, before + 1);
	expect_mapped(&t, GUARD & ~(MiB2 - 1), LEAF_BITS);
	expect_mapped(&t, (GUARD & ~(MiB2 - 1)) + MiB2 - KiB4, LEAF_BITS);
	expect_mapped(&t, GUARD + MiB2, LEAF_BITS);
	assert_int_equal(pd[(GUARD >> 21) + 1], ((GUARD & ~(MiB2 - 1)) + MiB2) | LEAF_BITS | PTE_PS);
	/* A second guard in the same 2 MiB needs no new table. */
	assert_int_equal(host_unmap_4k(t.cr3, GUARD + 2 * KiB4, &t.pa), EPT_OK);
	assert_int_equal(t.tp.count, before + 1);
	assert_int_equal(leaf(&t, GUARD + 2 * KiB4, &size), 0);
	expect_mapped(&t, GUARD + KiB4, LEAF_BITS);
	test_pages_fini(&t.tp);
}

/* A page that is not mapped stays so; nothing is allocated. */
static void test_not_present_page(void **state)
{
	struct tables t;

	(void)state;
	map_1g(&t, TEST_PAGES_UNLIMITED);
	assert_int_equal(host_unmap_4k(t.cr3, 4 * GiB + GUARD, &t.pa), EPT_OK);
	assert_int_equal(t.tp.count, 2);
	assert_int_equal(host_unmap_4k(t.cr3, 1ull << 40, &t.pa), EPT_OK);
	assert_int_equal(t.tp.count, 2);
	test_pages_fini(&t.tp);
}

/* No page for the PT: the GiB is split into 2 MiB pages that map as
 * before, the guard page is still mapped. */
static void test_no_memory(void **state)
{
	struct tables t;
	uint64_t size;

	(void)state;
	map_1g(&t, 3);
	assert_int_equal(host_unmap_4k(t.cr3, GUARD, &t.pa), EPT_ERR_NOMEM);
	assert_true(leaf(&t, GUARD, &size) != 0);
	expect_mapped(&t, GUARD, LEAF_BITS | PTE_PAT_LARGE);
	assert_int_equal(size, MiB2);
	test_pages_fini(&t.tp);
	assert_int_equal(host_unmap_4k(0, GUARD, NULL), EPT_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdm_3a_5_5_guard_in_1g_page),
		cmocka_unit_test(test_sdm_3a_5_5_guard_in_2m_page),
		cmocka_unit_test(test_not_present_page),
		cmocka_unit_test(test_no_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
