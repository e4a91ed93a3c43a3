/* EPT identity map: Intel SDM Vol. 3C, 29.3 "The Extended Page Table
 * Mechanism (EPT)". Entry formats: 29.3.2 "EPT Translation Mechanism";
 * memory type: 29.3.7 "EPT and Memory Typing". */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ept/ept.h"
#include "ept/mtrr.h"
#include "vmm/lib.h"

/* Levels of a 4-level walk and the GPA bits that index each one
 * (SDM 29.3.2): PML4 47:39, PDPT 38:30, PD 29:21, PT 20:12. */
#define LEVEL_PT        1u
#define LEVEL_PD        2u
#define LEVEL_PDPT      3u
#define LEVEL_PML4      4u
#define PT_SHIFT        12u
#define LEVEL_BITS      9u
#define INDEX_MASK      (EPT_ENTRIES - 1)
#define EPT_GPA_LIMIT   (EPT_PML4E_SPAN * EPT_ENTRIES)   /* 2^48 */

static unsigned level_shift(unsigned level)
{
	return PT_SHIFT + (level - 1) * LEVEL_BITS;
}

static unsigned level_index(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> level_shift(level)) & INDEX_MASK;
}

/* An entry is present when any of bits 2:0 is set (SDM 29.3.2). */
static bool ept_present(uint64_t e)
{
	return (e & EPT_RWX) != 0;
}

static uint64_t leaf_entry(uint64_t addr, uint8_t memtype, bool large)
{
	uint64_t e = addr | EPT_RWX | ((uint64_t)memtype << EPT_MEMTYPE_SHIFT);

	return large ? e | EPT_LARGE : e;
}

static uint64_t *table_of(const struct page_alloc *pa, uint64_t entry)
{
	return pa->to_virt(pa->ctx, entry & EPT_ADDR_MASK);
}

/* Allocates a zeroed table and points *entry at it (RWX: the leaves
 * decide the access rights, SDM 29.3.3 "EPT-Induced VM Exits"). */
static uint64_t *new_table(const struct page_alloc *pa, uint64_t *entry,
			   struct ept_stats *st)
{
	uint64_t phys;
	uint64_t *t = pa->alloc_page(pa->ctx, &phys);

	if (!t)
		return NULL;
	memset(t, 0, EPT_PAGE_4K);	/* not present unless filled in */
	st->tables++;
	*entry = (phys & EPT_ADDR_MASK) | EPT_RWX;
	return t;
}

static bool touches_hole(const struct ept_config *cfg, uint64_t start,
			 uint64_t size)
{
	unsigned i;

	for (i = 0; i < cfg->hole_count; i++)
		if (cfg->holes[i].start < start + size &&
		    cfg->holes[i].end > start)
			return true;
	return false;
}

/* Can [start, start+size) be one leaf: uniform type and no hole? */
static bool large_ok(const struct ept_config *cfg, uint64_t start,
		     uint64_t size, uint8_t *type)
{
	return !touches_hole(cfg, start, size) &&
	       mtrr_range_type(cfg->mtrr, start, size, type);
}

static void fill_pt(const struct ept_config *cfg, uint64_t *pt, uint64_t base,
		    struct ept_stats *st)
{
	unsigned i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		uint64_t gpa = base + i * EPT_PAGE_4K;

		if (touches_hole(cfg, gpa, EPT_PAGE_4K)) {
			pt[i] = 0;
			st->holes_4k++;
			continue;
		}
		pt[i] = leaf_entry(gpa, mtrr_type_of(cfg->mtrr, gpa), false);
		st->leaves_4k++;
	}
}

static int fill_pd(const struct ept_config *cfg, const struct page_alloc *pa,
		   uint64_t *pd, uint64_t base, struct ept_stats *st)
{
	unsigned i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		uint64_t gpa = base + i * EPT_PAGE_2M;
		uint64_t *pt;
		uint8_t type;

		if (large_ok(cfg, gpa, EPT_PAGE_2M, &type)) {
			pd[i] = leaf_entry(gpa, type, true);
			st->leaves_2m++;
			continue;
		}
		pt = new_table(pa, &pd[i], st);
		if (!pt)
			return EPT_ERR_NOMEM;
		fill_pt(cfg, pt, gpa, st);
	}
	return EPT_OK;
}

/* One PDPT: entries below cfg->limit only (limit is 1 GiB aligned, so an
 * entry is either wholly below it or wholly at or above it). */
static int fill_pdpt(const struct ept_config *cfg, const struct page_alloc *pa,
		     uint64_t *pdpt, uint64_t base, struct ept_stats *st)
{
	unsigned i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		uint64_t gpa = base + i * EPT_PAGE_1G;
		uint64_t *pd;
		uint8_t type;
		int rc;

		if (gpa >= cfg->limit)
			break;
		if (cfg->use_1g && large_ok(cfg, gpa, EPT_PAGE_1G, &type)) {
			pdpt[i] = leaf_entry(gpa, type, true);
			st->leaves_1g++;
			continue;
		}
		pd = new_table(pa, &pdpt[i], st);
		if (!pd)
			return EPT_ERR_NOMEM;
		rc = fill_pd(cfg, pa, pd, gpa, st);
		if (rc)
			return rc;
	}
	return EPT_OK;
}

static bool config_valid(const struct ept_config *cfg,
			 const struct page_alloc *pa)
{
	unsigned i;

	if (!cfg || !pa || !pa->alloc_page || !pa->to_virt || !cfg->mtrr)
		return false;
	if (cfg->limit == 0 || (cfg->limit & (EPT_PAGE_1G - 1)) ||
	    cfg->limit > EPT_GPA_LIMIT)
		return false;
	if (cfg->hole_count && !cfg->holes)
		return false;
	for (i = 0; i < cfg->hole_count; i++) {
		const struct phys_range *h = &cfg->holes[i];

		if ((h->start | h->end) & (EPT_PAGE_4K - 1))
			return false;
		if (h->start >= h->end || h->end > cfg->limit)
			return false;
	}
	return true;
}

int ept_build(const struct ept_config *cfg, const struct page_alloc *pa,
	      uint64_t *pml4_phys, struct ept_stats *stats)
{
	struct ept_stats st;
	uint64_t pml4e, *pml4, base;
	unsigned i;

	if (!pml4_phys || !config_valid(cfg, pa))
		return EPT_ERR_INVALID;
	memset(&st, 0, sizeof(st));
	pml4 = new_table(pa, &pml4e, &st);
	if (!pml4)
		return EPT_ERR_NOMEM;

	for (i = 0, base = 0; base < cfg->limit; i++, base += EPT_PML4E_SPAN) {
		uint64_t *pdpt = new_table(pa, &pml4[i], &st);
		int rc;

		if (!pdpt)
			return EPT_ERR_NOMEM;
		rc = fill_pdpt(cfg, pa, pdpt, base, &st);
		if (rc)
			return rc;
	}
	*pml4_phys = pml4e & EPT_ADDR_MASK;
	if (stats)
		*stats = st;
	return EPT_OK;
}

/* Walks to the entry for gpa at the lowest level reachable. Returns a
 * pointer to it and sets *level, or NULL if gpa is beyond a 4-level walk.
 * Stops at the first entry that is not present or is a leaf. */
static uint64_t *walk(const struct page_alloc *pa, uint64_t pml4_phys,
		      uint64_t gpa, unsigned *level)
{
	uint64_t *table = pa->to_virt(pa->ctx, pml4_phys & EPT_ADDR_MASK);
	unsigned lv;

	if (gpa >= EPT_GPA_LIMIT)
		return NULL;
	for (lv = LEVEL_PML4;; lv--) {
		uint64_t *e = &table[level_index(gpa, lv)];
		bool leaf = lv == LEVEL_PT ||
			    ((lv == LEVEL_PD || lv == LEVEL_PDPT) &&
			     (*e & EPT_LARGE));

		if (!ept_present(*e) || leaf) {
			*level = lv;
			return e;
		}
		table = table_of(pa, *e);
	}
}

uint64_t ept_lookup(const struct page_alloc *pa, uint64_t pml4_phys,
		    uint64_t gpa, unsigned *level)
{
	unsigned lv = LEVEL_PML4;
	uint64_t *e = walk(pa, pml4_phys, gpa, &lv);

	if (level)
		*level = lv;
	if (!e || !ept_present(*e))
		return 0;
	return *e;
}

/* EPT memory types are those of the MTRRs (SDM 29.3.7). */
static bool memtype_valid(uint8_t t)
{
	switch (t) {
	case MEMTYPE_UC:
	case MEMTYPE_WC:
	case MEMTYPE_WT:
	case MEMTYPE_WP:
	case MEMTYPE_WB:
		return true;
	default:
		return false;
	}
}

int ept_set_4k(const struct page_alloc *pa, uint64_t pml4_phys, uint64_t gpa,
	       uint64_t hpa, uint64_t perms, uint8_t memtype)
{
	unsigned lv = LEVEL_PML4;
	uint64_t *e;

	/* Write without read is an EPT misconfiguration (SDM 29.3.3.1
	 * "EPT Misconfigurations"), as are reserved memory types. */
	if ((perms & ~EPT_RWX) || ((perms & EPT_WRITE) && !(perms & EPT_READ)))
		return -1;
	if (!memtype_valid(memtype) || (hpa & ~EPT_ADDR_MASK))
		return -1;
	e = walk(pa, pml4_phys, gpa, &lv);
	if (!e || lv != LEVEL_PT)
		return -1;
	*e = hpa | perms | ((uint64_t)memtype << EPT_MEMTYPE_SHIFT);
	return 0;
}
