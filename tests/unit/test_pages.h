/* Test page provider for ept_build / host_paging_build: 4 KiB pages from
 * aligned_alloc, with fake "physical" addresses TEST_PAGES_PHYS_BASE +
 * index * 4096 (never equal to the pointer, so a builder that confuses the
 * two is caught), and an optional page limit for out-of-memory tests. */
#ifndef PILLBOX_TESTS_UNIT_TEST_PAGES_H
#define PILLBOX_TESTS_UNIT_TEST_PAGES_H

#include <stdint.h>
#include "ept/ept.h"

#define TEST_PAGE_SIZE       4096u
#define TEST_PAGES_PHYS_BASE 0x100000000ull
#define TEST_PAGES_UNLIMITED 0xFFFFFFFFu

struct test_pages {
	void **pages;
	unsigned count;     /* pages handed out */
	unsigned capacity;  /* of pages[] */
	unsigned limit;     /* most pages handed out, or TEST_PAGES_UNLIMITED */
};

void test_pages_init(struct test_pages *tp, unsigned limit);
void test_pages_fini(struct test_pages *tp);
/* A page_alloc whose ctx is tp. */
struct page_alloc test_pages_provider(struct test_pages *tp);
/* Like the provider's to_virt; fails the test on an unknown address. */
void *test_pages_virt(struct test_pages *tp, uint64_t phys);

#endif
