/* What arch/x86_64/host_guard.h describes. Paging: Intel SDM Vol. 3A, 5.5
 * "4-Level Paging and 5-Level Paging"; a page split into smaller pages of
 * the same attributes is what 5.10.2.3 "Details of TLB Use" lets software
 * change under a running translation without a flush of the others. */
#include "arch/x86_64/host_guard.h"

#define HG_ENTRIES    512u
#define HG_INDEX_MASK (HG_ENTRIES - 1)
#define HG_LEVELS     4u           /* PML4, PDPT, PD, PT */
/* Level l (0 = PT ... 3 = PML4) translates address bits 12 + 9l up. */
#define HG_SHIFT(l)   (12u + 9u * (l))
/* What a table entry keeps of the large page it replaces: presence,
 * rights, caching of the walk, accessed, execute-disable. */
#define HG_TABLE_BITS (PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_A | PTE_XD)

/* The entry's flags as a leaf of the next size: PS and the PAT bit move
 * when that size is 4 KiB. */
static uint64_t smaller_leaf_flags(uint64_t large, uint64_t sub)
{
	uint64_t flags = (large & ~PTE_ADDR_MASK) | (large & PTE_PAT_LARGE);

	if (sub != PAGE_SIZE)
		return flags;
	flags &= ~(PTE_PS | PTE_PAT_LARGE);
	return (large & PTE_PAT_LARGE) ? flags | PTE_PAT_4K : flags;
}

/* Replaces the large leaf *entry (span bytes) with a table of 512 leaves. */
static int split(const struct page_alloc *pa, uint64_t *entry, uint64_t span)
{
	uint64_t large = *entry, sub = span / HG_ENTRIES, phys;
	uint64_t base = large & PTE_ADDR_MASK & ~(span - 1);
	uint64_t flags = smaller_leaf_flags(large, sub);
	uint64_t *t = pa->alloc_page(pa->ctx, &phys);

	if (!t)
		return EPT_ERR_NOMEM;
	for (unsigned i = 0; i < HG_ENTRIES; i++)
		t[i] = (base + i * sub) | flags;
	__atomic_store_n(entry, (phys & PTE_ADDR_MASK) | (large & HG_TABLE_BITS), __ATOMIC_RELEASE);
	return EPT_OK;
}

int host_unmap_4k(uint64_t cr3, uint64_t va, const struct page_alloc *pa)
{
	uint64_t *t;

	if (!pa || !pa->alloc_page || !pa->to_virt)
		return EPT_ERR_INVALID;
	t = pa->to_virt(pa->ctx, cr3 & PTE_ADDR_MASK);
	for (unsigned level = HG_LEVELS - 1; level > 0; level--) {
		uint64_t *e = &t[(va >> HG_SHIFT(level)) & HG_INDEX_MASK];

		if (!(*e & PTE_P))
			return EPT_OK;
		if (level < HG_LEVELS - 1 && (*e & PTE_PS)) {
			int rc = split(pa, e, 1ull << HG_SHIFT(level));

			if (rc)
				return rc;
		}
		t = pa->to_virt(pa->ctx, *e & PTE_ADDR_MASK);
	}
	__atomic_store_n(&t[(va >> HG_SHIFT(0)) & HG_INDEX_MASK], 0, __ATOMIC_RELEASE);
	return EPT_OK;
}
