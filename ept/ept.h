/* Extended page tables: an identity map of guest-physical memory.
 * Intel SDM Vol. 3C, 29.3 "The Extended Page Table Mechanism (EPT)";
 * entry formats in 29.3.2, memory type in 29.3.7.
 * Pure logic over an allocator: the VMM runs it with host-physical ==
 * host-virtual, the host unit tests with a table of malloc'd pages. */
#ifndef PILLBOX_EPT_EPT_H
#define PILLBOX_EPT_EPT_H

#include <stdbool.h>
#include <stdint.h>
#include "ept/mtrr.h"
#include "arch/x86_64/paging.h"

#define EPT_READ        (1ull << 0)
#define EPT_WRITE       (1ull << 1)
#define EPT_EXEC        (1ull << 2)
#define EPT_RWX         (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MEMTYPE_SHIFT 3
#define EPT_MEMTYPE_MASK (7ull << EPT_MEMTYPE_SHIFT)
#define EPT_IGNORE_PAT  (1ull << 6)
#define EPT_LARGE       (1ull << 7)   /* bit 7 in a PDPTE (1 GiB) or PDE (2 MiB) */
#define EPT_ADDR_MASK   0x000FFFFFFFFFF000ull

#define EPT_ENTRIES     512u
#define EPT_PAGE_1G     0x40000000ull
#define EPT_PML4E_SPAN  0x8000000000ull   /* 512 GiB */
/* What a 4-level walk translates: bits 47:0 of the GPA (SDM 29.3.2). */
#define EPT_GPA_LIMIT   (EPT_PML4E_SPAN * EPT_ENTRIES)   /* 2^48 */

/* EPTP (SDM 25.6.11 "Extended-Page-Table Pointer (EPTP)"). */
#define EPTP_MEMTYPE_WB     6ull
#define EPTP_WALK_4LEVEL    (3ull << 3)   /* page-walk length minus 1 */

/* Page provider. alloc_page returns a zeroed, 4 KiB aligned page and its
 * physical address, or NULL when the pool is empty. to_virt maps a physical
 * address returned by alloc_page back to a pointer. */
struct page_alloc {
	void *(*alloc_page)(void *ctx, uint64_t *phys);
	void *(*to_virt)(void *ctx, uint64_t phys);
	void *ctx;
};

struct phys_range {
	uint64_t start; /* inclusive, 4 KiB aligned */
	uint64_t end;   /* exclusive, 4 KiB aligned */
};

/* The unbacked-memory fallback (ept_map_on_demand()): three tables, each
 * shared by every range it stands for, that map every 4 KiB page of it to
 * one sink page, read/write, WB: a PT of 512 such leaves, a PD of 512
 * entries pointing at that PT, a PDPT of 512 pointing at that PD.
 * Physical addresses; 0 when there are none. */
struct ept_sink_tables {
	uint64_t pdpt, pd, pt;
};

struct ept_config {
	const struct mtrr_state *mtrr;
	uint64_t limit;              /* map [0, limit); 1 GiB aligned */
	bool use_1g;                 /* CPU reports 1 GiB EPT pages */
	const struct phys_range *holes; /* left not present (VMM region) */
	unsigned hole_count;
	const struct ept_sink_tables *sink; /* optional (ept_map_on_demand) */
	/* ept_build() only; 0 for EPT. Non-zero: the VMM's own 4-level page
	 * tables instead (arch/x86_64/host_paging.c): these bits in place of
	 * RWX in table entries and in leaves, no memory type in any entry (PAT
	 * entry 0 and the MTRRs give it); bit 7 marks a large leaf in both. */
	uint64_t host_table_bits, host_leaf_bits;
};

struct ept_stats {
	unsigned tables;   /* paging-structure pages allocated, PML4 included */
	unsigned leaves_1g, leaves_2m, leaves_4k;
	unsigned holes_4k; /* not-present 4 KiB entries made for holes */
	unsigned retyped;  /* ept_retype(): leaves whose memory type changed */
	unsigned splits;   /* large leaves replaced by a table */
	unsigned uc_fallbacks; /* large leaves made UC for want of a table */
};

enum ept_err {
	EPT_OK = 0,
	EPT_ERR_NOMEM = -1,    /* page provider returned NULL */
	EPT_ERR_INVALID = -2,  /* bad config: limit/hole alignment, limit 0 */
};
/* EPT_ERR_INVALID also covers: a NULL cfg, cfg->mtrr, pa or pml4_phys;
 * limit above 2^48 (a 4-level walk); a hole with start >= end or with
 * end > limit. On any error *pml4_phys and *stats are left unchanged and
 * the pages already taken are not returned (the provider has no free). */

/* Builds the identity map. Pages are as large as allowed: a 1 GiB (if
 * use_1g) or 2 MiB leaf where the MTRR type is uniform over it and it does
 * not touch a hole; 4 KiB leaves elsewhere. Any range touching a hole is
 * split down to 4 KiB entries, so every hole page has its own (zero,
 * not-present) PTE that can later be set with ept_set_4k(). Leaves are
 * RWX with the MTRR memory type and IPAT clear. */
int ept_build(const struct ept_config *cfg, const struct page_alloc *pa,
	      uint64_t *pml4_phys, struct ept_stats *stats);

/* Walks the tables for gpa. Returns the leaf entry (0 if not present) and
 * its level (1 = 4K PTE, 2 = 2M PDE, 3 = 1G PDPTE), or level of the
 * missing entry when the walk stops at a non-present entry. A gpa at or
 * above 2^48 gives 0 and level 4. level may be NULL. */
uint64_t ept_lookup(const struct page_alloc *pa, uint64_t pml4_phys,
		    uint64_t gpa, unsigned *level);

/* Sets the 4 KiB PTE that maps gpa (which must already have a PT, as hole
 * pages do) to hpa with the given permission bits and memory type.
 * Returns 0, or -1 if the walk does not reach a PTE. Also -1, with nothing
 * written, for values that would make an EPT misconfiguration (SDM 29.3.3.1):
 * perms outside EPT_RWX, write without read, a reserved memtype, or an hpa
 * not 4 KiB aligned or above bit 51. perms 0 makes the page not present. */
int ept_set_4k(const struct page_alloc *pa, uint64_t pml4_phys, uint64_t gpa,
	       uint64_t hpa, uint64_t perms, uint8_t memtype);

/* The memory types after launch (SDM 29.3.7.2 "Memory Type Used for
 * Translated Guest-Physical Addresses": with IPAT clear, the EPT type of
 * the leaf replaces the MTRR type). Every identity-mapped RWX leaf under
 * pml4_phys takes the type cfg->mtrr now gives its range; a large leaf
 * whose range is no longer of one type is replaced by a table filled as
 * ept_build() would (its pages from pa), or, when pa has none left, made
 * UC, which is right for any memory if slower. Every other entry is the
 * VMM's and stays: not present (VMM region pages), the sink, the
 * read-only APIC page, cfg->sink's shared tables. Entries change by one
 * atomic compare-and-swap each, never through a state another CPU's walk
 * could misread. Counts go to *stats (added, not reset; may be NULL).
 * Returns EPT_OK, or EPT_ERR_INVALID for a NULL argument. */
int ept_retype(const struct ept_config *cfg, const struct page_alloc *pa, uint64_t pml4_phys,
	       struct ept_stats *stats);

/* What ept_map_on_demand() did for a guest-physical address. */
struct ept_mapping {
	uint64_t start, size;  /* the leaf's range (a sink link: its span) */
	uint8_t type;          /* its memory type */
	unsigned level;        /* 1 = 4K, 2 = 2M, 3 = 1G, 4 = a sink PDPT */
	bool was_present;      /* it was mapped already: nothing done */
	bool sink;             /* no table to be had: unbacked memory */
};

/* Identity-maps gpa where the EPT has nothing yet (an address above the
 * map limit): RWX, the MTRR type of cfg->mtrr, in the largest leaf over a
 * range of one type (1 GiB with cfg->use_1g, 2 MiB, 4 KiB), with tables
 * from pa; a new table is filled before the entry that points at it is
 * stored. When pa is empty: a large leaf that stands in is made UC; where
 * none can (a PML4E, or a PDPTE without 1 GiB pages) the entry points at
 * cfg->sink's shared table of the next level, so the range reads as
 * unbacked memory (all ones, writes dropped in the sink page). Returns
 * EPT_OK and *out; EPT_ERR_INVALID for gpa at or above 2^48 (beyond a
 * 4-level walk) or in a hole; EPT_ERR_NOMEM with nothing to fall back on. */
int ept_map_on_demand(const struct ept_config *cfg, const struct page_alloc *pa,
		      uint64_t pml4_phys, uint64_t gpa, struct ept_mapping *out,
		      struct ept_stats *stats);

/* Fills the three zeroed pages of t (physical addresses from pa) as
 * struct ept_sink_tables says, with sink_page as the target of every
 * leaf. */
void ept_sink_tables_fill(const struct page_alloc *pa, const struct ept_sink_tables *t,
			  uint64_t sink_page);

/* EPTP value for a 4-level, write-back PML4 at pml4_phys. */
static inline uint64_t ept_eptp(uint64_t pml4_phys)
{
	return (pml4_phys & EPT_ADDR_MASK) | EPTP_WALK_4LEVEL | EPTP_MEMTYPE_WB;
}

#endif
