/* The VMM's identity-mapped page tables: Intel SDM Vol. 3A, 5.5 "4-Level
 * Paging and 5-Level Paging"; entry formats in 5.5.4 "Linear-Address
 * Translation with 4-Level Paging and 5-Level Paging". Built by the EPT
 * builder (ept/ept.c), which lays out both formats alike, with the entry
 * bits below. PWT, PCD and PAT stay 0: PAT entry 0 (WB), combined with the
 * MTRRs (12.12.3 "Selecting a Memory Type from the PAT"), so each page must
 * lie within one MTRR type (12.11.9). U/S stays 0: supervisor only. */
#include "arch/x86_64/host_paging.h"

/* A and D preset: the processor has nothing to write back (host_paging.h);
 * PS (bit 7) is added to large leaves. */
#define HP_TABLE_FLAGS  (PTE_P | PTE_RW | PTE_A)
#define HP_LEAF_FLAGS   (PTE_P | PTE_RW | PTE_A | PTE_D)

_Static_assert(PTE_PS == EPT_LARGE, "the builder marks a large leaf with bit 7");

int host_paging_build(uint64_t limit, bool use_1g, const struct mtrr_state *mtrr,
		      const struct page_alloc *pa, uint64_t *cr3, struct host_paging_stats *stats)
{
	struct ept_config cfg = { .mtrr = mtrr, .limit = limit, .use_1g = use_1g,
				  .host_table_bits = HP_TABLE_FLAGS,
				  .host_leaf_bits = HP_LEAF_FLAGS };
	struct ept_stats st;
	int rc = ept_build(&cfg, pa, cr3, &st);

	if (rc == EPT_OK && stats)
		*stats = (struct host_paging_stats){ st.tables, st.leaves_1g, st.leaves_2m,
						     st.leaves_4k };
	return rc;
}
