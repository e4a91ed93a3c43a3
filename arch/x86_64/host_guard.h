/* Guard pages in the VMM's own identity map (arch/x86_64/host_paging.h):
 * one 4 KiB page made not present, so that a stack running into it
 * faults instead of overwriting what lies below. Pure logic over a
 * page_alloc (ept/ept.h); the caller flushes the page from its TLB. */
#ifndef PILLBOX_ARCH_HOST_GUARD_H
#define PILLBOX_ARCH_HOST_GUARD_H

#include <stdint.h>
#include "arch/x86_64/host_paging.h"
#include "ept/ept.h"

/* Entry bits besides those of host_paging.h (SDM Vol. 3A, 5.5.4, Tables
 * 5-15 to 5-20). PAT is bit 12 in a 1 GiB or 2 MiB leaf, bit 7 in a
 * 4 KiB one. */
#define PTE_US        (1ull << 2)
#define PTE_PWT       (1ull << 3)
#define PTE_PCD       (1ull << 4)
#define PTE_A         (1ull << 5)
#define PTE_D         (1ull << 6)
#define PTE_PAT_4K    (1ull << 7)
#define PTE_G         (1ull << 8)
#define PTE_PAT_LARGE (1ull << 12)
#define PTE_XD        (1ull << 63)

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
