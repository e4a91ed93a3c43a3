#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/test_pages.h"

void test_pages_init(struct test_pages *tp, unsigned limit)
{
	memset(tp, 0, sizeof(*tp));
	tp->limit = limit;
}

void test_pages_fini(struct test_pages *tp)
{
	unsigned i;

	for (i = 0; i < tp->count; i++)
		free(tp->pages[i]);
	free(tp->pages);
	memset(tp, 0, sizeof(*tp));
}

static void *alloc_page(void *ctx, uint64_t *phys)
{
	struct test_pages *tp = ctx;
	void *page;

	if (tp->count >= tp->limit)
		return NULL;
	if (tp->count == tp->capacity) {
		unsigned cap = tp->capacity ? tp->capacity * 2 : 64;
		void **p = realloc(tp->pages, cap * sizeof(*p));

		assert_non_null(p);
		tp->pages = p;
		tp->capacity = cap;
	}
	page = aligned_alloc(TEST_PAGE_SIZE, TEST_PAGE_SIZE);
	assert_non_null(page);
	memset(page, 0, TEST_PAGE_SIZE);	/* the page_alloc contract */
	tp->pages[tp->count] = page;
	*phys = TEST_PAGES_PHYS_BASE + (uint64_t)tp->count * TEST_PAGE_SIZE;
	tp->count++;
	return page;
}

void *test_pages_virt(struct test_pages *tp, uint64_t phys)
{
	uint64_t idx;

	if (phys < TEST_PAGES_PHYS_BASE || (phys % TEST_PAGE_SIZE))
		fail_msg("to_virt: bad physical address 0x%llx",
			 (unsigned long long)phys);
	idx = (phys - TEST_PAGES_PHYS_BASE) / TEST_PAGE_SIZE;
	if (idx >= tp->count)
		fail_msg("to_virt: 0x%llx was never allocated",
			 (unsigned long long)phys);
	return tp->pages[idx];
}

static void *to_virt(void *ctx, uint64_t phys)
{
	return test_pages_virt(ctx, phys);
}

struct page_alloc test_pages_provider(struct test_pages *tp)
{
	struct page_alloc pa = {
		.alloc_page = alloc_page,
		.to_virt = to_virt,
		.ctx = tp,
	};

	return pa;
}
