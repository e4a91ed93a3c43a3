/* EPT identity map: Intel SDM Vol. 3C, 29.3 "The Extended Page Table
 * Mechanism (EPT)". Entry formats: 29.3.2 "EPT Translation Mechanism";
 * memory type: 29.3.7 "EPT and Memory Typing". Built once at launch
 * (ept_build), then changed in place: new memory types (ept_retype) and
 * mappings above the map limit (ept_map_on_demand). */
#include "ept/ept.h"
#include "lib/lib.h"

/* Levels of a 4-level walk and the GPA bits that index each one
 * (SDM 29.3.2): PML4 47:39, PDPT 38:30, PD 29:21, PT 20:12. */
#define LEVEL_PT        1u
#define LEVEL_PD        2u
#define LEVEL_PDPT      3u
#define LEVEL_PML4      4u
#define PT_SHIFT        12u
#define LEVEL_BITS      9u
#define INDEX_MASK      (EPT_ENTRIES - 1)

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

static uint64_t level_span(unsigned level)
{
	return 1ull << level_shift(level);
}

/* A leaf: every PTE; a PDE or PDPTE with bit 7 (SDM 29.3.2). */
static bool is_leaf(unsigned level, uint64_t e)
{
	return level == LEVEL_PT || (e & EPT_LARGE);
}


static uint64_t with_type(uint64_t e, uint8_t memtype)
{
	return (e & ~EPT_MEMTYPE_MASK) | ((uint64_t)memtype << EPT_MEMTYPE_SHIFT);
}

static uint8_t type_of_entry(uint64_t e)
{
	return (uint8_t)((e & EPT_MEMTYPE_MASK) >> EPT_MEMTYPE_SHIFT);
}

static uint64_t *table_of(const struct page_alloc *pa, uint64_t entry)
{
	return pa->to_virt(pa->ctx, entry & EPT_ADDR_MASK);
}

/* Stores an entry other CPUs' walks may read at once: whole, and after
 * everything it points at (a table filled before it is linked). */
static void publish(uint64_t *slot, uint64_t e)
{
	__atomic_store_n(slot, e, __ATOMIC_RELEASE);
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

/* May an entry of this level be a leaf? PDEs always (2 MiB pages are
 * required, vmm/setup/vmx_caps.c), PDPTEs with 1 GiB pages. */
static bool leaf_allowed(const struct ept_config *cfg, unsigned level)
{
	return level == LEVEL_PT || level == LEVEL_PD || (level == LEVEL_PDPT && cfg->use_1g);
}

/* How tables are filled: by ept_build() up to its limit, failing when
 * out of pages; after launch over any range, falling back to UC leaves. */
struct fill {
	const struct ept_config *cfg;
	const struct page_alloc *pa;
	struct ept_stats *st;
	uint64_t limit;      /* entries at or above it stay not present */
	bool uc_fallback;
};

/* A leaf of this level for addr, counted in the stats: EPT's (RWX and
 * the memory type) or host paging's bits. */
static uint64_t leaf_entry(const struct fill *f, uint64_t addr, uint8_t memtype, unsigned level)
{
	uint64_t e = f->cfg->host_table_bits ? addr | f->cfg->host_leaf_bits
					     : addr | EPT_RWX | ((uint64_t)memtype << EPT_MEMTYPE_SHIFT);

	if (level == LEVEL_PDPT)
		f->st->leaves_1g++;
	else if (level == LEVEL_PD)
		f->st->leaves_2m++;
	else
		f->st->leaves_4k++;
	return level == LEVEL_PT ? e : e | EPT_LARGE;
}

/* Allocates a zeroed table; *entry becomes the entry that points at it
 * (EPT: RWX, the leaves decide the access rights, SDM 29.3.3 "EPT-Induced
 * VM Exits"), to be stored by the caller once the table is filled. */
static uint64_t *new_table(const struct fill *f, uint64_t *entry)
{
	uint64_t phys, bits = f->cfg->host_table_bits ? f->cfg->host_table_bits : EPT_RWX;
	uint64_t *t = f->pa->alloc_page(f->pa->ctx, &phys);

	if (!t)
		return NULL;
	memset(t, 0, PAGE_SIZE);	/* not present unless filled in */
	f->st->tables++;
	*entry = (phys & EPT_ADDR_MASK) | bits;
	return t;
}

static int fill_table(const struct fill *f, uint64_t *t, uint64_t base, unsigned level);

/* The entry for the range at gpa of a table of this level: a leaf where
 * allowed and the range is of one type, else a filled table of the next
 * level. Holes stay not present. Without a page for the table: with
 * uc_fallback a UC leaf where one may stand (no hole), else NOMEM. */
static int make_entry(const struct fill *f, uint64_t gpa, unsigned level, uint64_t *entry)
{
	const struct ept_config *cfg = f->cfg;
	uint64_t span = level_span(level);
	uint64_t *sub;
	uint8_t type;

	/* One leaf where it may be one, no hole, one memory type. */
	if (leaf_allowed(cfg, level) && !touches_hole(cfg, gpa, span) &&
	    mtrr_range_type(cfg->mtrr, gpa, span, &type)) {
		*entry = leaf_entry(f, gpa, type, level);
		return EPT_OK;
	}
	/* A 4 KiB page is always of one type (mtrr_range_type()): this one
	 * lies in a hole. */
	if (level == LEVEL_PT) {
		*entry = 0;
		f->st->holes_4k++;
		return EPT_OK;
	}
	sub = new_table(f, entry);
	if (sub)
		return fill_table(f, sub, gpa, level - 1);
	if (!f->uc_fallback || !leaf_allowed(cfg, level) || touches_hole(cfg, gpa, span))
		return EPT_ERR_NOMEM;
	*entry = leaf_entry(f, gpa, MEMTYPE_UC, level);
	f->st->uc_fallbacks++;
	return EPT_OK;
}

/* Fills a zeroed table of this level covering base (the limit is 1 GiB
 * aligned: a leaf is wholly below it or not). */
static int fill_table(const struct fill *f, uint64_t *t, uint64_t base, unsigned level)
{
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		uint64_t gpa = base + i * level_span(level), e;
		int rc;

		if (gpa >= f->limit)
			break;
		rc = make_entry(f, gpa, level, &e);
		if (rc)
			return rc;
		publish(&t[i], e);
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

		if ((h->start | h->end) & (PAGE_SIZE - 1))
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
	struct fill fill;
	uint64_t pml4e, *pml4;
	int rc;

	if (!pml4_phys || !config_valid(cfg, pa))
		return EPT_ERR_INVALID;
	memset(&st, 0, sizeof(st));
	fill = (struct fill){ cfg, pa, &st, cfg->limit, false };
	pml4 = new_table(&fill, &pml4e);
	if (!pml4)
		return EPT_ERR_NOMEM;
	/* No PML4E is a leaf: each gets a PDPT, filled up to the limit. */
	rc = fill_table(&fill, pml4, 0, LEVEL_PML4);
	if (rc)
		return rc;
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
	uint64_t *table = table_of(pa, pml4_phys);
	unsigned lv;

	if (gpa >= EPT_GPA_LIMIT)
		return NULL;
	for (lv = LEVEL_PML4;; lv--) {
		uint64_t *e = &table[level_index(gpa, lv)];

		if (!ept_present(*e) || is_leaf(lv, *e)) {
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

int ept_set_4k(const struct page_alloc *pa, uint64_t pml4_phys, uint64_t gpa,
	       uint64_t hpa, uint64_t perms, uint8_t memtype)
{
	unsigned lv = LEVEL_PML4;
	uint64_t *e;

	/* Write without read is an EPT misconfiguration (SDM 29.3.3.1
	 * "EPT Misconfigurations"), as are reserved memory types. */
	if ((perms & ~EPT_RWX) || ((perms & EPT_WRITE) && !(perms & EPT_READ)))
		return -1;
	/* EPT memory types are those of the MTRRs (SDM 29.3.7). */
	if (!mtrr_type_valid(memtype) || (hpa & ~EPT_ADDR_MASK))
		return -1;
	e = walk(pa, pml4_phys, gpa, &lv);
	if (!e || lv != LEVEL_PT)
		return -1;
	*e = hpa | perms | ((uint64_t)memtype << EPT_MEMTYPE_SHIFT);
	return 0;
}


/* ---- after launch ------------------------------------------------------ */

/* One of cfg->sink's shared tables: walked by the CPU, never by us. */
static bool is_shared(const struct ept_config *cfg, uint64_t e)
{
	uint64_t a = e & EPT_ADDR_MASK;

	return cfg->sink && (a == cfg->sink->pdpt || a == cfg->sink->pd || a == cfg->sink->pt);
}

/* What a guest-memory leaf becomes under the MTRRs of cfg: the same leaf
 * with the type of its range, or, for a large one over mixed types, a
 * filled table of the next level (with UC leaves where pages run out),
 * or when not even that table can be had, the leaf made UC. */
static uint64_t retyped_leaf(const struct fill *f, uint64_t e, uint64_t gpa, unsigned level)
{
	uint64_t span = level_span(level), sub_entry;
	uint64_t *sub;
	uint8_t type;

	if (mtrr_range_type(f->cfg->mtrr, gpa, span, &type))   /* always at 4 KiB */
		return with_type(e, type);
	sub = new_table(f, &sub_entry);
	if (!sub) {
		f->st->uc_fallbacks++;
		return with_type(e, MEMTYPE_UC);
	}
	fill_table(f, sub, gpa, level - 1);   /* cannot fail: no holes here */
	f->st->splits++;
	return sub_entry;
}

static void retype_table(const struct fill *f, uint64_t *t, uint64_t base, unsigned level)
{
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		uint64_t gpa = base + i * level_span(level);
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_ACQUIRE), ne;

		if (!ept_present(e) || is_shared(f->cfg, e))
			continue;
		if (!is_leaf(level, e)) {
			retype_table(f, table_of(f->pa, e), gpa, level - 1);
			continue;
		}
		/* The guest's memory is identity-mapped RWX; anything else
		 * (the sink, the APIC page) is the VMM's. */
		if ((e & EPT_ADDR_MASK) != gpa || (e & EPT_RWX) != EPT_RWX)
			continue;
		ne = retyped_leaf(f, e, gpa, level);
		if (ne == e)
			continue;
		/* Another writer changed the entry meanwhile: theirs stands
		 * (a table made for it is not reused: the pool never frees). */
		if (!__atomic_compare_exchange_n(&t[i], &e, ne, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			continue;
		if (is_leaf(level, ne) && type_of_entry(ne) != type_of_entry(e))
			f->st->retyped++;
	}
}

int ept_retype(const struct ept_config *cfg, const struct page_alloc *pa, uint64_t pml4_phys,
	       struct ept_stats *stats)
{
	struct ept_stats scratch = { 0 };
	struct fill f = { cfg, pa, stats ? stats : &scratch, EPT_GPA_LIMIT, true };

	if (!cfg || !cfg->mtrr || !pa || !pa->alloc_page || !pa->to_virt)
		return EPT_ERR_INVALID;
	retype_table(&f, table_of(pa, pml4_phys), 0, LEVEL_PML4);
	return EPT_OK;
}

/* The shared table of the level below, for a range no table can be made
 * for: it maps the whole span to the sink page. */
static uint64_t sink_entry(const struct ept_config *cfg, unsigned level)
{
	uint64_t t = level == LEVEL_PML4 ? cfg->sink->pdpt :
		     level == LEVEL_PDPT ? cfg->sink->pd : cfg->sink->pt;

	return t | EPT_RWX;
}

static void describe(struct ept_mapping *out, uint64_t gpa, unsigned level, uint64_t e,
		     bool sink, bool was_present)
{
	uint64_t span = level_span(level);

	out->start = gpa & ~(span - 1);
	out->size = span;
	out->level = level;
	out->type = type_of_entry(e);
	out->sink = sink;
	out->was_present = was_present;
}

int ept_map_on_demand(const struct ept_config *cfg, const struct page_alloc *pa,
		      uint64_t pml4_phys, uint64_t gpa, struct ept_mapping *out,
		      struct ept_stats *stats)
{
	struct ept_stats scratch = { 0 };
	struct fill f = { cfg, pa, stats ? stats : &scratch, EPT_GPA_LIMIT, true };
	uint64_t *t;
	bool shared = false, made = false;

	if (!cfg || !cfg->mtrr || !pa || !pa->alloc_page || !pa->to_virt || !out)
		return EPT_ERR_INVALID;
	if (gpa >= EPT_GPA_LIMIT || touches_hole(cfg, gpa & ~(PAGE_SIZE - 1), PAGE_SIZE))
		return EPT_ERR_INVALID;
	t = table_of(pa, pml4_phys);
	for (unsigned lv = LEVEL_PML4;;) {
		uint64_t *slot = &t[level_index(gpa, lv)];
		uint64_t e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

		if (ept_present(e) && is_leaf(lv, e)) {
			describe(out, gpa, lv, e, shared, !made);
			return EPT_OK;
		}
		if (ept_present(e)) {
			shared |= is_shared(cfg, e);
			t = table_of(pa, e);
			lv--;
			continue;
		}
		/* A leaf, or a table filled for the whole entry; a PML4E spans
		 * 512 GiB, so its PDPT is filled on demand instead. Then the
		 * same slot again, now present. */
		if (lv == LEVEL_PML4 ? new_table(&f, &e) != NULL
				     : make_entry(&f, gpa & ~(level_span(lv) - 1), lv, &e) == EPT_OK) {
			publish(slot, e);
			made = true;
			continue;
		}
		if (!cfg->sink)
			return EPT_ERR_NOMEM;
		e = sink_entry(cfg, lv);
		publish(slot, e);
		describe(out, gpa, lv, e, true, false);
		return EPT_OK;
	}
}

void ept_sink_tables_fill(const struct page_alloc *pa, const struct ept_sink_tables *t,
			  uint64_t sink_page)
{
	uint64_t *pdpt = pa->to_virt(pa->ctx, t->pdpt);
	uint64_t *pd = pa->to_virt(pa->ctx, t->pd);
	uint64_t *pt = pa->to_virt(pa->ctx, t->pt);

	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		publish(&pt[i], (sink_page & EPT_ADDR_MASK) | EPT_READ | EPT_WRITE |
					((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT));
		publish(&pd[i], (t->pt & EPT_ADDR_MASK) | EPT_RWX);
		publish(&pdpt[i], (t->pd & EPT_ADDR_MASK) | EPT_RWX);
	}
}
