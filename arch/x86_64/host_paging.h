/* The VMM's own 4-level page tables: an identity map of [0, limit), so the
 * VMM reaches its region and guest memory at their physical addresses.
 * Intel SDM Vol. 3A, 5.5 "4-Level Paging and 5-Level Paging".
 * Pure logic over a page_alloc (see ept/ept.h). */
#ifndef PILLBOX_ARCH_HOST_PAGING_H
#define PILLBOX_ARCH_HOST_PAGING_H

#include <stdbool.h>
#include <stdint.h>
#include "ept/ept.h"
#include "ept/mtrr.h"
#include "arch/x86_64/paging.h"

struct host_paging_stats {
	unsigned tables;
	unsigned leaves_1g, leaves_2m, leaves_4k;
};

/* Identity-maps [0, limit) (limit 1 GiB aligned, non-zero) read/write,
 * supervisor, with pages as large as the MTRRs allow: 1 GiB (if use_1g)
 * or 2 MiB where mtrr gives the whole page one type, 4 KiB elsewhere
 * (SDM Vol. 3A, 12.11.9 "Large Page Size Considerations"). Memory type
 * comes from the MTRRs and PAT entry 0 (WB), as for any OS. Every entry
 * has its accessed flag set, every leaf its dirty flag: the processor
 * then never writes the tables (SDM Vol. 3A, 5.8 "Accessed and Dirty
 * Flags"), whose bytes HC_INTEGRITY hashes. Returns 0 and
 * the PML4's physical address (the CR3 value), EPT_ERR_NOMEM or
 * EPT_ERR_INVALID (also for limit above 2^48, the reach of 4-level paging,
 * or a NULL mtrr, pa or cr3; stats may be NULL). On error *cr3 is
 * unchanged. */
int host_paging_build(uint64_t limit, bool use_1g, const struct mtrr_state *mtrr,
		      const struct page_alloc *pa, uint64_t *cr3, struct host_paging_stats *stats);

#endif
