/* Guest linear-to-physical translation for the VMM's instruction fetch.
 * Intel SDM Vol. 3A, chapter 5 "Paging":
 *   5.1.1 "Four Paging Modes": CR0.PG, CR4.PAE, EFER.LMA and CR4.LA57
 *         select no paging, 32-bit, PAE, 4-level or 5-level paging;
 *   5.3 "32-Bit Paging": 4-byte entries, 10-bit indices, 4 MiB pages with
 *         CR4.PSE and PSE-36 address bits in PDE bits 20:13;
 *   5.4 "PAE Paging": four PDPTEs (5.4.1 "PDPTE Registers"), then 8-byte
 *         entries with 9-bit indices, 2 MiB pages;
 *   5.5 "4-Level Paging and 5-Level Paging" (5.5.4 "Linear-Address
 *         Translation with 4-Level Paging and 5-Level Paging"): PML5/PML4,
 *         1 GiB and 2 MiB pages, canonical addresses;
 *   5.6 "Access Rights": R/W and U/S of every entry of the walk;
 *   5.7 "Page-Fault Exceptions": which bits are reserved (RSVD).
 * See vmm/memory/guest_paging.h for what is deliberately not modelled. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/memory/guest_paging.h"
#include "arch/x86_64/paging.h"
#include "lib/lib.h"

/* Paging-structure entry bits common to every mode. */
#define PG_TOP_BIT      63u

#define PG_PAGE_OFFSET  (PAGE_SIZE - 1)
#define LA32_MASK       0xFFFFFFFFull


/* 32-bit paging (5.3). */
#define P32_ENTRY_SIZE     4u
#define P32_INDEX_BITS     10u
#define P32_ADDR_MASK      0xFFFFF000ull  /* CR3, PDE, PTE bits 31:12 */
#define P32_4M_SHIFT       22u
#define P32_4M_ADDR_MASK   0xFFC00000ull  /* 4 MiB PDE bits 31:22 */
#define P32_4M_HIGH_SHIFT  13u  /* PDE bits (M-19):13 = address (M-1):32 */
#define P32_4M_RSVD_TOP    21u  /* PDE bits 21:(M-19) are reserved */
#define P32_HIGH_ADDR_LOW  32u
#define PSE36_MAX_PHYS     40u  /* M for PSE-36 is min(MAXPHYADDR, 40) */

/* Entries of the 64-bit formats (5.4 PAE, 5.5 4-level and 5-level). */
#define LM_ENTRY_SIZE      8u
#define LM_INDEX_BITS      9u
#define LM_LARGE_RSVD_LOW  13u  /* 2M/1G leaf: bits (shift-1):13 reserved */
#define LM_MAX_LEAF_LEVEL  3u   /* PS makes a leaf in a PDPTE or PDE only */
#define LM_RSVD_TOP        51u  /* 4/5-level: bits 51:M reserved */

/* PAE paging (5.4). */
#define PAE_CR3_MASK       0xFFFFFFE0ull  /* CR3 bits 31:5: the PDPT */
#define PAE_PDPTE_SHIFT    30u            /* la bits 31:30 pick a PDPTE */
#define PAE_PDPTE_COUNT    4u
#define PAE_PDPTE_RSVD     0x1E6ull       /* PDPTE bits 2:1 and 8:5 */
#define PAE_RSVD_TOP       62u            /* PDE/PTE: bits 62:M reserved */
#define PAE_LEVELS         2u             /* PD and PT below the PDPTE */

/* 4-level and 5-level paging (5.5). */
#define LA_BITS_4LEVEL     48u
#define LA_BITS_5LEVEL     57u
#define LEVELS_4           4u
#define LEVELS_5           5u

enum gp_mode {
	MODE_NONE,
	MODE_32BIT,
	MODE_PAE,
	MODE_4LEVEL,
	MODE_5LEVEL,
	MODE_BAD,
};

/* One walk: where memory comes from and what is reserved. */
struct gp_walk {
	guest_phys_read_fn rd;
	void *ctx;
	uint64_t addr_mask; /* table / 4 KiB page address bits of an entry */
	uint64_t rsvd;      /* bits reserved in every present entry */
	uint64_t rights;    /* PTE_RW | PTE_US, ANDed over the entries seen */
};

/* The low n bits set, n < 64. */
static uint64_t low_bits(unsigned n)
{
	return (1ull << n) - 1;
}

/* Bits hi:lo set (none if lo > hi); hi <= PG_TOP_BIT. */
static uint64_t bit_range(unsigned hi, unsigned lo)
{
	if (lo > hi)
		return 0;
	return (~0ull >> (PG_TOP_BIT - hi)) & ~low_bits(lo);
}

static unsigned phys_bits(unsigned maxphyaddr)
{
	if (maxphyaddr == 0)
		return MAXPHYADDR_DEFAULT;
	if (maxphyaddr < MAXPHYADDR_MIN)
		return MAXPHYADDR_MIN;
	if (maxphyaddr > MAXPHYADDR_MAX)
		return MAXPHYADDR_MAX;
	return maxphyaddr;
}

static enum gp_mode paging_mode(const struct guest_paging_mode *m)
{
	bool pg = m->cr0 & CR0_PG;
	bool pae = m->cr4 & CR4_PAE;

	if (pg && !(m->cr0 & CR0_PE))
		return MODE_BAD;
	if (m->efer & EFER_LMA) {
		if (!pg || !pae)
			return MODE_BAD;
		return (m->cr4 & CR4_LA57) ? MODE_5LEVEL : MODE_4LEVEL;
	}
	if (!pg)
		return MODE_NONE;
	return pae ? MODE_PAE : MODE_32BIT;
}

/* Bits 63:bits-1 all equal (5.5.4; "canonical" in Vol. 1, 3.3.7.1). */
static bool la_canonical(uint64_t la, unsigned bits)
{
	uint64_t top = la >> (bits - 1);

	return top == 0 || top == (~0ull >> (bits - 1));
}

/* Reads the 4- or 8-byte entry idx of the table at table (x86 is
 * little-endian: a 4-byte entry fills the low half of *e). The entry must
 * be present, with no bit of w->rsvd set; its R/W and U/S join w->rights. */
static int read_entry(struct gp_walk *w, uint64_t table, uint64_t idx,
		      unsigned size, uint64_t *e)
{
	*e = 0;
	if (!w->rd(w->ctx, table + idx * size, e, size))
		return GP_READ_FAILED;
	if (!(*e & PTE_P))
		return GP_NOT_PRESENT;
	if (*e & w->rsvd)
		return GP_RESERVED;
	w->rights &= *e;
	return GP_OK;
}

/* 5.3: a 4 MiB page. PSE-36 puts address bits (M-1):32 in PDE bits
 * (M-19):13, M = min(MAXPHYADDR, 40); PDE bits 21:(M-19) are reserved. */
static int leaf_4m(const struct guest_paging_mode *m, uint64_t pde,
		   uint64_t la, uint64_t *gpa)
{
	unsigned pse_bits = phys_bits(m->maxphyaddr);
	unsigned high_bits;
	uint64_t high;

	if (pse_bits > PSE36_MAX_PHYS)
		pse_bits = PSE36_MAX_PHYS;
	high_bits = pse_bits - P32_HIGH_ADDR_LOW;
	if (pde & bit_range(P32_4M_RSVD_TOP, P32_4M_HIGH_SHIFT + high_bits))
		return GP_RESERVED;
	high = (pde >> P32_4M_HIGH_SHIFT) & low_bits(high_bits);
	*gpa = (high << P32_HIGH_ADDR_LOW) | (pde & P32_4M_ADDR_MASK) |
	       (la & low_bits(P32_4M_SHIFT));
	return GP_OK;
}

/* 5.3 "32-Bit Paging": CR3 -> PD -> PT (or a 4 MiB PDE with CR4.PSE). */
static int walk_32bit(const struct guest_paging_mode *m, struct gp_walk *w,
		      uint64_t la, uint64_t *gpa)
{
	uint64_t idx_mask = low_bits(P32_INDEX_BITS);
	uint64_t pde, pte;
	int err;

	err = read_entry(w, m->cr3 & P32_ADDR_MASK,
			 (la >> P32_4M_SHIFT) & idx_mask, P32_ENTRY_SIZE, &pde);
	if (err)
		return err;
	if ((pde & PTE_PS) && (m->cr4 & CR4_PSE))
		return leaf_4m(m, pde, la, gpa);
	err = read_entry(w, pde & P32_ADDR_MASK,
			 (la >> PAGE_SHIFT) & idx_mask, P32_ENTRY_SIZE,
			 &pte);
	if (err)
		return err;
	*gpa = (pte & P32_ADDR_MASK) | (la & PG_PAGE_OFFSET);
	return GP_OK;
}

/* The 64-bit-entry walk shared by PAE (from the PD, level 2) and 4/5-level
 * paging (from the PML4/PML5): PS is a leaf at levels 2 and 3, reserved
 * above, and bit 7 of a PTE is PAT. */
static int walk_tables(struct gp_walk *w, uint64_t table,
		       unsigned level, uint64_t la, uint64_t *gpa)
{
	uint64_t idx_mask = low_bits(LM_INDEX_BITS);

	for (;; level--) {
		/* the page-size shift of this table's entries (level 1 = PT) */
		unsigned shift = PAGE_SHIFT + (level - 1) * LM_INDEX_BITS;
		uint64_t size = 1ull << shift;
		uint64_t e;
		int err;

		err = read_entry(w, table, (la >> shift) & idx_mask,
				 LM_ENTRY_SIZE, &e);
		if (err)
			return err;
		if (level == 1) {
			*gpa = (e & w->addr_mask) | (la & PG_PAGE_OFFSET);
			return GP_OK;
		}
		if (e & PTE_PS) {
			if (level > LM_MAX_LEAF_LEVEL ||
			    (e & bit_range(shift - 1, LM_LARGE_RSVD_LOW)))
				return GP_RESERVED;
			*gpa = (e & w->addr_mask & ~(size - 1)) |
			       (la & (size - 1));
			return GP_OK;
		}
		table = e & w->addr_mask;
	}
}

/* XD is reserved unless EFER.NXE (5.7). */
static uint64_t xd_rsvd(const struct guest_paging_mode *m)
{
	return (m->efer & EFER_NXE) ? 0 : PTE_XD;
}

/* 5.4 "PAE Paging": PDPTE i = la bits 31:30, from the PDPTE registers if
 * given, else from the PDPT at CR3 bits 31:5. */
static int walk_pae(const struct guest_paging_mode *m, struct gp_walk *w,
		    uint64_t la, uint64_t *gpa)
{
	unsigned m_bits = phys_bits(m->maxphyaddr);
	uint64_t i = (la >> PAE_PDPTE_SHIFT) & (PAE_PDPTE_COUNT - 1);
	uint64_t pdpte;

	/* Not read_entry(): a PDPTE has no R/W or U/S bit to gather. */
	if (m->pdpte)
		pdpte = m->pdpte[i];
	else if (!w->rd(w->ctx, (m->cr3 & PAE_CR3_MASK) + i * LM_ENTRY_SIZE, &pdpte,
			LM_ENTRY_SIZE))
		return GP_READ_FAILED;
	if (!(pdpte & PTE_P))
		return GP_NOT_PRESENT;
	if (pdpte & (PAE_PDPTE_RSVD | bit_range(PG_TOP_BIT, m_bits)))
		return GP_RESERVED;
	w->rsvd = bit_range(PAE_RSVD_TOP, m_bits) | xd_rsvd(m);
	return walk_tables(w, pdpte & w->addr_mask, PAE_LEVELS, la, gpa);
}

int guest_pae_pdptes(uint64_t cr3, unsigned maxphyaddr, guest_phys_read_fn rd, void *ctx,
		     uint64_t out[4])
{
	uint64_t pdpte[PAE_PDPTE_COUNT];
	uint64_t rsvd = PAE_PDPTE_RSVD | bit_range(PG_TOP_BIT, phys_bits(maxphyaddr));

	if (!rd(ctx, cr3 & PAE_CR3_MASK, pdpte, sizeof(pdpte)))
		return GP_READ_FAILED;
	for (unsigned i = 0; i < PAE_PDPTE_COUNT; i++)
		if ((pdpte[i] & PTE_P) && (pdpte[i] & rsvd))
			return GP_RESERVED;
	memcpy(out, pdpte, sizeof(pdpte));
	return GP_OK;
}

/* 5.5 "4-Level Paging and 5-Level Paging": CR3 bits M-1:12 -> PML5 or
 * PML4; la must be canonical. */
static int walk_long(const struct guest_paging_mode *m, struct gp_walk *w,
		     unsigned levels, uint64_t la, uint64_t *gpa)
{
	unsigned la_bits = levels == LEVELS_5 ? LA_BITS_5LEVEL : LA_BITS_4LEVEL;

	if (!la_canonical(la, la_bits))
		return GP_INVALID;
	w->rsvd = bit_range(LM_RSVD_TOP, phys_bits(m->maxphyaddr)) | xd_rsvd(m);
	return walk_tables(w, m->cr3 & w->addr_mask, levels, la, gpa);
}

/* 5.6 "Access Rights", for the rights gathered over the walk (a PAE PDPTE
 * has no R/W or U/S bit and restricts nothing): a user-mode access needs
 * U/S = 1 in every entry; a user-mode write R/W = 1 in every entry; a
 * supervisor-mode write R/W = 1 in every entry when CR0.WP = 1; with
 * CR4.SMAP = 1 and RFLAGS.AC = 0, a supervisor-mode access to a user-mode
 * address (U/S = 1 in every entry) is not allowed (5.6.1 "Determination
 * of Access Rights"). Protection keys are not checked (docs/security.md). */
static bool access_allowed(const struct guest_paging_mode *m, uint64_t rights,
			   unsigned access)
{
	bool user = access & GP_ACCESS_USER, write = access & GP_ACCESS_WRITE;

	if (user && !(rights & PTE_US))
		return false;
	if (!user && (rights & PTE_US) && (m->cr4 & CR4_SMAP) && !(m->rflags & RFLAGS_AC))
		return false;
	if (write && (user || (m->cr0 & CR0_WP)) && !(rights & PTE_RW))
		return false;
	return true;
}

/* The walk for guest_linear_to_phys(): *gpa and w->rights set on
 * GP_OK. */
static int translate(const struct guest_paging_mode *m, struct gp_walk *w,
		     uint64_t la, uint64_t *gpa)
{
	if (!(m->efer & EFER_LMA))
		la &= LA32_MASK;
	w->addr_mask = bit_range(phys_bits(m->maxphyaddr) - 1, PAGE_SHIFT);
	w->rsvd = 0;
	w->rights = PTE_RW | PTE_US; /* and so without paging */
	switch (paging_mode(m)) {
	case MODE_NONE:
		*gpa = la;
		return GP_OK;
	case MODE_32BIT:
		return walk_32bit(m, w, la, gpa);
	case MODE_PAE:
		return walk_pae(m, w, la, gpa);
	case MODE_4LEVEL:
		return walk_long(m, w, LEVELS_4, la, gpa);
	case MODE_5LEVEL:
		return walk_long(m, w, LEVELS_5, la, gpa);
	default: /* MODE_BAD */
		return GP_INVALID;
	}
}

int guest_linear_to_phys(const struct guest_paging_mode *m, uint64_t la,
			 unsigned access, guest_phys_read_fn rd, void *ctx,
			 uint64_t *gpa)
{
	struct gp_walk w = { .rd = rd, .ctx = ctx };
	uint64_t out;
	int err;

	if (!m || !rd || !gpa || (access & ~(GP_ACCESS_WRITE | GP_ACCESS_USER)))
		return GP_INVALID;
	err = translate(m, &w, la, &out);
	if (err)
		return err;
	if (!access_allowed(m, w.rights, access))
		return GP_PROTECTION;
	*gpa = out;
	return GP_OK;
}

#define GP_MAX_CHUNKS 2u  /* GUEST_READ_MAX bytes span at most two pages */

int guest_linear_range_to_phys(const struct guest_paging_mode *m, uint64_t la, unsigned len,
			       unsigned access, guest_phys_read_fn rd, void *ctx,
			       struct gp_chunk *c, unsigned max)
{
	unsigned done = 0, n = 0;

	while (done < len) {
		uint64_t cur = la + done;
		uint64_t room = PAGE_SIZE - (cur & PG_PAGE_OFFSET);
		int err;

		if (n == max)
			return GP_INVALID;
		err = guest_linear_to_phys(m, cur, access, rd, ctx, &c[n].gpa);
		if (err)
			return err;
		c[n].len = len - done < room ? len - done : (unsigned)room;
		done += c[n].len;
		n++;
	}
	return (int)n;
}

int guest_read_linear(const struct guest_paging_mode *m, uint64_t la,
		      void *buf, unsigned len, guest_phys_read_fn rd,
		      void *ctx)
{
	struct gp_chunk c[GP_MAX_CHUNKS];
	uint8_t *out = buf;
	int n, i;

	if (!buf || len > GUEST_READ_MAX)
		return GP_INVALID;
	if (!m || !rd)
		n = GP_INVALID;
	else
		n = guest_linear_range_to_phys(m, la, len, 0, rd, ctx, c, GP_MAX_CHUNKS);
	if (n < 0) {
		memset(buf, 0, len);
		return n;
	}
	for (i = 0; i < n; i++) {
		if (!rd(ctx, c[i].gpa, out, c[i].len)) {
			memset(buf, 0, len);
			return GP_READ_FAILED;
		}
		out += c[i].len;
	}
	return GP_OK;
}
