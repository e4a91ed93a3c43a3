/* Unit tests for arch/x86_64/host_paging.c: counts, entry bits, a
 * software walk of the result, invalid input and NOMEM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/host_paging.h"
#include "tests/unit/test_pages.h"

#define MiB 0x100000ull
#define GiB 0x40000000ull
/* Bits a leaf or table entry may have: P, RW, PS, address; so U/S, PWT,
 * PCD, PAT and XD must be clear (supervisor, PAT entry 0). */
#define ALLOWED (PTE_P | PTE_RW | PTE_PS | PTE_ADDR_MASK)

struct built {
	struct test_pages tp;
	struct page_alloc pa;
	struct host_paging_stats st;
	uint64_t cr3;
};

static int build(struct built *b, uint64_t limit, bool use_1g,
		 unsigned pages)
{
	memset(b, 0, sizeof(*b));
	test_pages_init(&b->tp, pages);
	b->pa = test_pages_provider(&b->tp);
	b->cr3 = 0xC0FFEE000;
	return host_paging_build(limit, use_1g, &b->pa, &b->cr3, &b->st);
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
		if (e & PTE_PS) {
			*size = 1ull << shift;
			return (e & PTE_ADDR_MASK & ~(*size - 1)) |
			       (va & (*size - 1));
		}
		if (shift == 21)
			fail_msg("PDE without PS: no 4K pages expected");
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
			 (TEST_PAGES_PHYS_BASE + 0x1000) | PTE_P | PTE_RW);
	for (i = 1; i < 512; i++)
		assert_int_equal(pml4[i], 0);
	pdpt = test_pages_virt(&b.tp, pml4[0] & PTE_ADDR_MASK);
	for (i = 0; i < 4; i++)
		assert_int_equal(pdpt[i], i * GiB | PTE_P | PTE_RW | PTE_PS);
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
		assert_int_equal(pdpt[i] & ~PTE_ADDR_MASK, PTE_P | PTE_RW);
		pd = test_pages_virt(&b.tp, pdpt[i] & PTE_ADDR_MASK);
		for (j = 0; j < 512; j++)
			assert_int_equal(pd[j], (i * GiB + j * 2 * MiB) |
					 PTE_P | PTE_RW | PTE_PS);
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
	assert_int_equal(host_paging_build(GiB, true, NULL, &cr3, NULL),
			 EPT_ERR_INVALID);
	assert_int_equal(host_paging_build(GiB, true, &b.pa, NULL, NULL),
			 EPT_ERR_INVALID);
	assert_int_equal(cr3, 0x77);
	/* stats may be NULL. */
	assert_int_equal(host_paging_build(GiB, true, &b.pa, &cr3, NULL), 0);
	assert_int_equal(cr3, TEST_PAGES_PHYS_BASE);
	test_pages_fini(&b.tp);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
