/* Page allocator over the pool the loader reserved (boot_info.pool_*):
 * a bump allocator, pages are never freed. Safe on several CPUs. The
 * loader links it too, for the host page tables at the pool's start. */
#ifndef PILLBOX_VMM_POOL_H
#define PILLBOX_VMM_POOL_H

#include <stdint.h>
#include "ept/ept.h"

void pool_init(uint64_t base, uint64_t size);
/* n contiguous zeroed pages, or NULL when the pool is exhausted. */
void *pool_alloc_pages(uint64_t n);
/* The next free address: used to delimit what a step allocated. */
uint64_t pool_cursor(void);
uint64_t pool_free_bytes(void);
/* The pool as a page_alloc for ept_build and host_paging_build. */
void pool_page_alloc(struct page_alloc *pa);

#endif
