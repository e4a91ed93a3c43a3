/* The VMM's identity-mapped page tables: Intel SDM Vol. 3A, 5.5 "4-Level
 * Paging and 5-Level Paging"; entry formats in 5.5.4 "Linear-Address
 * Translation with 4-Level Paging and 5-Level Paging". PWT, PCD and PAT
 * stay 0: PAT entry 0 (WB), combined with the MTRRs (12.12.3 "Selecting a
 * Memory Type from the PAT"), so each page must lie within one MTRR type
 * (12.11.9). U/S stays 0: supervisor only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86_64/host_paging.h"
#include "ept/ept.h"
#include "lib/lib.h"

#define HP_ENTRIES      512u
#define HP_PAGE_2M      0x200000ull
#define HP_PAGE_1G      0x40000000ull
#define HP_PML4E_SPAN   0x8000000000ull             /* 512 GiB */
#define HP_VA_LIMIT     (HP_PML4E_SPAN * HP_ENTRIES) /* 2^48 */

/* A and D preset: the processor has nothing to write back (host_paging.h). */
#define HP_TABLE_FLAGS  (PTE_P | PTE_RW | PTE_A)
#define HP_PTE_FLAGS    (PTE_P | PTE_RW | PTE_A | PTE_D)  /* 4 KiB pages */
#define HP_LEAF_FLAGS   (HP_PTE_FLAGS | PTE_PS)            /* 1 GiB and 2 MiB pages */

/* Allocates a zeroed table and points *entry at it. */
static uint64_t *new_table(const struct page_alloc *pa, uint64_t *entry,
			   struct host_paging_stats *st)
{
	uint64_t phys;
	uint64_t *t = pa->alloc_page(pa->ctx, &phys);

	if (!t)
		return NULL;
	memset(t, 0, PAGE_SIZE);
	st->tables++;
	*entry = (phys & PTE_ADDR_MASK) | HP_TABLE_FLAGS;
	return t;
}

/* One leaf or table entry per range: a page where the MTRR type is the
 * same over all of it (SDM 12.11.9 "Large Page Size Considerations": a
 * large page over more than one type has undefined behaviour; 4 KiB
 * pages are always of one type, MTRR ranges being 4 KiB granular), else
 * a table of smaller pages. */
struct hp_build {
	const struct mtrr_state *mtrr;
	const struct page_alloc *pa;
	struct host_paging_stats *st;
	uint64_t limit;
	bool use_1g;
};

static int fill(const struct hp_build *b, uint64_t *t, uint64_t base, uint64_t span);

/* The entry for the range [va, va + span) of a PDPT (span 1 GiB), PD
 * (2 MiB) or PT (4 KiB). */
static int make_entry(const struct hp_build *b, uint64_t va, uint64_t span, uint64_t *entry)
{
	uint64_t *sub;
	uint8_t type;

	if (span == PAGE_SIZE) {
		*entry = va | HP_PTE_FLAGS;
		b->st->leaves_4k++;
		return EPT_OK;
	}
	if ((span == HP_PAGE_2M || b->use_1g) && mtrr_range_type(b->mtrr, va, span, &type)) {
		*entry = va | HP_LEAF_FLAGS;
		if (span == HP_PAGE_1G)
			b->st->leaves_1g++;
		else
			b->st->leaves_2m++;
		return EPT_OK;
	}
	sub = new_table(b->pa, entry, b->st);
	if (!sub)
		return EPT_ERR_NOMEM;
	return fill(b, sub, va, span / HP_ENTRIES);
}

/* A table whose entries span span bytes each, from base, entries below
 * the limit only (1 GiB aligned: an entry is wholly below it or not). */
static int fill(const struct hp_build *b, uint64_t *t, uint64_t base, uint64_t span)
{
	for (unsigned i = 0; i < HP_ENTRIES; i++) {
		uint64_t va = base + i * span;
		int rc;

		if (va >= b->limit)
			break;
		rc = make_entry(b, va, span, &t[i]);
		if (rc)
			return rc;
	}
	return EPT_OK;
}

int host_paging_build(uint64_t limit, bool use_1g, const struct mtrr_state *mtrr,
		      const struct page_alloc *pa, uint64_t *cr3, struct host_paging_stats *stats)
{
	struct host_paging_stats st;
	struct hp_build b = { mtrr, pa, &st, limit, use_1g };
	uint64_t pml4e, *pml4, base;
	unsigned i;

	if (!cr3 || !mtrr || !pa || !pa->alloc_page || !pa->to_virt)
		return EPT_ERR_INVALID;
	if (limit == 0 || (limit & (HP_PAGE_1G - 1)) || limit > HP_VA_LIMIT)
		return EPT_ERR_INVALID;
	memset(&st, 0, sizeof(st));
	pml4 = new_table(pa, &pml4e, &st);
	if (!pml4)
		return EPT_ERR_NOMEM;

	for (i = 0, base = 0; base < limit; i++, base += HP_PML4E_SPAN) {
		uint64_t *pdpt = new_table(pa, &pml4[i], &st);
		int rc;

		if (!pdpt)
			return EPT_ERR_NOMEM;
		rc = fill(&b, pdpt, base, HP_PAGE_1G);
		if (rc)
			return rc;
	}
	*cr3 = pml4e & PTE_ADDR_MASK;
	if (stats)
		*stats = st;
	return EPT_OK;
}
