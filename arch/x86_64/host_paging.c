/* The VMM's identity-mapped page tables: Intel SDM Vol. 3A, 5.5 "4-Level
 * Paging and 5-Level Paging"; entry formats in 5.5.4 "Linear-Address
 * Translation with 4-Level Paging and 5-Level Paging". PWT, PCD and PAT
 * stay 0: PAT entry 0 (WB), combined with the MTRRs (12.12.3 "Selecting a
 * Memory Type from the PAT"). U/S stays 0: supervisor only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86_64/host_paging.h"
#include "ept/ept.h"
#include "vmm/lib.h"

#define HP_ENTRIES      512u
#define HP_PAGE_4K      0x1000ull
#define HP_PAGE_2M      0x200000ull
#define HP_PAGE_1G      0x40000000ull
#define HP_PML4E_SPAN   0x8000000000ull             /* 512 GiB */
#define HP_VA_LIMIT     (HP_PML4E_SPAN * HP_ENTRIES) /* 2^48 */

#define HP_TABLE_FLAGS  (PTE_P | PTE_RW)
#define HP_LEAF_FLAGS   (PTE_P | PTE_RW | PTE_PS)

/* Allocates a zeroed table and points *entry at it. */
static uint64_t *new_table(const struct page_alloc *pa, uint64_t *entry,
			   struct host_paging_stats *st)
{
	uint64_t phys;
	uint64_t *t = pa->alloc_page(pa->ctx, &phys);

	if (!t)
		return NULL;
	memset(t, 0, HP_PAGE_4K);
	st->tables++;
	*entry = (phys & PTE_ADDR_MASK) | HP_TABLE_FLAGS;
	return t;
}

/* A page directory of 2 MiB pages for the 1 GiB at base. */
static void fill_pd(uint64_t *pd, uint64_t base, struct host_paging_stats *st)
{
	unsigned i;

	for (i = 0; i < HP_ENTRIES; i++) {
		pd[i] = (base + i * HP_PAGE_2M) | HP_LEAF_FLAGS;
		st->leaves_2m++;
	}
}

/* A PDPT for the 512 GiB at base, entries below limit only (limit is
 * 1 GiB aligned, so an entry is either wholly below it or not). */
static int fill_pdpt(uint64_t limit, bool use_1g, const struct page_alloc *pa,
		     uint64_t *pdpt, uint64_t base,
		     struct host_paging_stats *st)
{
	unsigned i;

	for (i = 0; i < HP_ENTRIES; i++) {
		uint64_t va = base + i * HP_PAGE_1G;
		uint64_t *pd;

		if (va >= limit)
			break;
		if (use_1g) {
			pdpt[i] = va | HP_LEAF_FLAGS;
			st->leaves_1g++;
			continue;
		}
		pd = new_table(pa, &pdpt[i], st);
		if (!pd)
			return EPT_ERR_NOMEM;
		fill_pd(pd, va, st);
	}
	return EPT_OK;
}

int host_paging_build(uint64_t limit, bool use_1g, const struct page_alloc *pa,
		      uint64_t *cr3, struct host_paging_stats *stats)
{
	struct host_paging_stats st;
	uint64_t pml4e, *pml4, base;
	unsigned i;

	if (!cr3 || !pa || !pa->alloc_page || !pa->to_virt)
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
		rc = fill_pdpt(limit, use_1g, pa, pdpt, base, &st);
		if (rc)
			return rc;
	}
	*cr3 = pml4e & PTE_ADDR_MASK;
	if (stats)
		*stats = st;
	return EPT_OK;
}
