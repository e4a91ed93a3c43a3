/* Guard pages in the VMM's own identity map (arch/x86_64/host_paging.h):
 * one 4 KiB page made not present, so that a stack running into it
 * faults instead of overwriting what lies below. Pure logic over a
 * page_alloc (ept/ept.h); the caller flushes the page from its TLB. */
#ifndef PILLBOX_ARCH_HOST_GUARD_H
#define PILLBOX_ARCH_HOST_GUARD_H

#include <stdint.h>
#include "ept/ept.h"

/* Makes the 4 KiB page at va not present in the 4-level tables at cr3,
 * first splitting the 1 GiB or 2 MiB page that holds it into 512 pages of
 * the next size with the same attributes (memory type, access rights), so
 * that only that page changes. Every new table is complete before the
 * entry above it points at it: another CPU walking the tables meanwhile
 * sees the old translation or the new one, both the same but for the
 * guard page. Returns EPT_OK (also when the page was not present),
 * EPT_ERR_NOMEM (no page for a table: nothing changed but tables already
 * split, which map as before), or EPT_ERR_INVALID (a NULL pa). */
int host_unmap_4k(uint64_t cr3, uint64_t va, const struct page_alloc *pa);

#endif
