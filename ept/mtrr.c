/* MTRR memory types: Intel SDM Vol. 3A, 12.11 "Memory Type Range Registers
 * (MTRRs)". Pure logic over a struct mtrr_state filled by the caller. */
#include "ept/mtrr.h"
#include "arch/x86_64/paging.h"
#include "lib/lib.h"

/* Fixed-range layout (SDM 12.11.2.2 "Fixed Range MTRRs"): one 64K MSR with
 * eight 64 KiB ranges from 0, two 16K MSRs with eight 16 KiB ranges each
 * from 512 KiB, eight 4K MSRs with eight 4 KiB ranges each from 768 KiB. */
#define FIXED_64K_BASE      0x0ull
#define FIXED_64K_SHIFT     16u
#define FIXED_64K_FIRST     0u
#define FIXED_16K_BASE      0x80000ull
#define FIXED_16K_SHIFT     14u
#define FIXED_16K_FIRST     8u
#define FIXED_4K_BASE       0xC0000ull
#define FIXED_4K_SHIFT      12u
#define FIXED_4K_FIRST      24u
/* The same three groups by MSR index (0-10, mtrr_set_fixed() order). */
#define FIXED_16K_FIRST_MSR 1u
#define FIXED_4K_FIRST_MSR  3u


/* Variable-range types seen at an address, one bit per type value. */
#define TYPE_BIT(t)         (1u << (t))
#define TYPE_BITS_WT_WB     (TYPE_BIT(MEMTYPE_WT) | TYPE_BIT(MEMTYPE_WB))

/* Table 12-8 by encoding; the others are reserved. */
static const char *const type_names[] = {
	[MEMTYPE_UC] = "UC",
	[MEMTYPE_WC] = "WC",
	[MEMTYPE_WT] = "WT",
	[MEMTYPE_WP] = "WP",
	[MEMTYPE_WB] = "WB",
};

bool mtrr_type_valid(uint64_t type)
{
	return type < ARRAY_SIZE(type_names) && type_names[type];
}

const char *memtype_name(uint64_t type)
{
	return mtrr_type_valid(type) ? type_names[type] : "reserved";
}

/* Encodings other than UC, WC, WT, WP and WB are reserved (SDM 12.3,
 * Table 12-8); a reserved one is treated as UC, the safe choice. */
static uint8_t sanitize_type(uint64_t type)
{
	return mtrr_type_valid(type) ? (uint8_t)type : MEMTYPE_UC;
}

uint32_t mtrr_fixed_msr(unsigned idx)
{
	if (idx < FIXED_16K_FIRST_MSR)
		return MSR_IA32_MTRR_FIX64K_00000;
	if (idx < FIXED_4K_FIRST_MSR)
		return MSR_IA32_MTRR_FIX16K_80000 + (idx - FIXED_16K_FIRST_MSR);
	return MSR_IA32_MTRR_FIX4K_C0000 + (idx - FIXED_4K_FIRST_MSR);
}

int mtrr_fixed_msr_index(uint32_t msr)
{
	for (unsigned i = 0; i < MTRR_FIXED_MSRS; i++)
		if (mtrr_fixed_msr(i) == msr)
			return (int)i;
	return -1;
}

uint64_t mtrr_fixed_raw(const struct mtrr_state *s, unsigned idx)
{
	uint64_t raw = 0;

	for (unsigned byte = 0; byte < MEMTYPE_FIELDS; byte++)
		raw |= (uint64_t)s->fixed[idx * MEMTYPE_FIELDS + byte] << (byte * MEMTYPE_FIELD_BITS);
	return raw;
}

void mtrr_set_fixed_one(struct mtrr_state *s, unsigned idx, uint64_t raw)
{
	for (unsigned byte = 0; byte < MEMTYPE_FIELDS; byte++)
		s->fixed[idx * MEMTYPE_FIELDS + byte] =
			(uint8_t)((raw >> (byte * MEMTYPE_FIELD_BITS)) & MEMTYPE_FIELD_MASK);
}

void mtrr_set_fixed(struct mtrr_state *s, const uint64_t raw[MTRR_FIXED_MSRS])
{
	for (unsigned msr = 0; msr < MTRR_FIXED_MSRS; msr++)
		mtrr_set_fixed_one(s, msr, raw[msr]);
}

uint64_t mtrr_fixed_msr_base(unsigned idx)
{
	if (idx < FIXED_16K_FIRST_MSR)
		return FIXED_64K_BASE;
	if (idx < FIXED_4K_FIRST_MSR)
		return FIXED_16K_BASE +
		       (uint64_t)(idx - FIXED_16K_FIRST_MSR) * (MEMTYPE_FIELDS << FIXED_16K_SHIFT);
	return FIXED_4K_BASE +
	       (uint64_t)(idx - FIXED_4K_FIRST_MSR) * (MEMTYPE_FIELDS << FIXED_4K_SHIFT);
}

/* Index into fixed[] of an address below MTRR_FIXED_LIMIT. */
static unsigned fixed_index(uint64_t addr)
{
	if (addr < FIXED_16K_BASE)
		return FIXED_64K_FIRST +
		       (unsigned)((addr - FIXED_64K_BASE) >> FIXED_64K_SHIFT);
	if (addr < FIXED_4K_BASE)
		return FIXED_16K_FIRST +
		       (unsigned)((addr - FIXED_16K_BASE) >> FIXED_16K_SHIFT);
	return FIXED_4K_FIRST +
	       (unsigned)((addr - FIXED_4K_BASE) >> FIXED_4K_SHIFT);
}

/* Address bits 12..MAXPHYADDR-1, the bits PHYSMASK compares (SDM 12.11.3
 * "Example Base and Mask Calculations"). */
uint64_t mtrr_phys_addr_bits(const struct mtrr_state *s)
{
	unsigned bits = s->maxphyaddr;

	if (bits == 0)
		bits = MAXPHYADDR_DEFAULT;
	if (bits > MAXPHYADDR_MAX)
		bits = MAXPHYADDR_MAX;
	return ((1ull << bits) - 1) & ~(PAGE_SIZE - 1);
}

static unsigned var_count(const struct mtrr_state *s)
{
	return s->var_count < MTRR_MAX_VAR ? s->var_count : MTRR_MAX_VAR;
}

static uint8_t var_type(const struct mtrr_var *v)
{
	return sanitize_type(v->base & MTRR_PHYSBASE_TYPE_MASK);
}

/* Memory type from the set of variable-range types that apply
 * (SDM 12.11.4.1 "MTRR Precedences"): none -> default type; one type ->
 * that type; UC among them -> UC; only WT and WB -> WT; anything else is
 * undefined and taken as UC. */
static uint8_t combine_types(const struct mtrr_state *s, unsigned seen)
{
	if (seen == 0)
		return sanitize_type(s->default_type);
	if (seen & TYPE_BIT(MEMTYPE_UC))
		return MEMTYPE_UC;
	if ((seen & (seen - 1)) == 0)
		return (uint8_t)__builtin_ctz(seen);   /* the one bit's type */
	if (seen == TYPE_BITS_WT_WB)
		return MEMTYPE_WT;
	return MEMTYPE_UC;
}

uint8_t mtrr_type_of(const struct mtrr_state *s, uint64_t addr)
{
	uint64_t bits;
	unsigned i, seen = 0;

	if (!s->enabled)
		return MEMTYPE_UC;
	if (s->fixed_enabled && addr < MTRR_FIXED_LIMIT)
		return sanitize_type(s->fixed[fixed_index(addr)]);

	bits = mtrr_phys_addr_bits(s);
	for (i = 0; i < var_count(s); i++) {
		const struct mtrr_var *v = &s->var[i];
		uint64_t mask = v->mask & bits;

		if (!(v->mask & MTRR_PHYSMASK_VALID))
			continue;
		if ((addr & mask) == (v->base & mask))
			seen |= TYPE_BIT(var_type(v));
	}
	return combine_types(s, seen);
}

/* Fixed ranges covering [start, last], last < 1 MiB: one type or not.
 * The index grows with the address, so the covering entries are the
 * contiguous run from fixed_index(start) to fixed_index(last). */
static bool fixed_range_type(const struct mtrr_state *s, uint64_t start,
			     uint64_t last, uint8_t *type)
{
	unsigned i = fixed_index(start), end = fixed_index(last);
	uint8_t t = sanitize_type(s->fixed[i]);

	for (i++; i <= end; i++)
		if (sanitize_type(s->fixed[i]) != t)
			return false;
	*type = t;
	return true;
}

enum var_match { VAR_NONE, VAR_ALL, VAR_PART };

/* How a variable MTRR covers the size-aligned range at start. An address
 * start + off (off < size) matches when (start & hi) == (base & hi) and
 * (off & lo) == (base & lo), hi and lo being the mask bits above and below
 * size: if the first fails, none match; else if lo is 0, all match; else
 * off = base & lo matches and off = ~base & lo does not. */
static enum var_match var_match(const struct mtrr_var *v, uint64_t bits,
				uint64_t start, uint64_t size)
{
	uint64_t mask = v->mask & bits;
	uint64_t lo = mask & (size - 1), hi = mask & ~(size - 1);

	if (!(v->mask & MTRR_PHYSMASK_VALID) || (start & hi) != (v->base & hi))
		return VAR_NONE;
	return lo ? VAR_PART : VAR_ALL;
}

static bool var_range_type(const struct mtrr_state *s, uint64_t start,
			   uint64_t size, uint8_t *type)
{
	uint64_t bits = mtrr_phys_addr_bits(s);
	unsigned i, all = 0;
	bool part = false;

	for (i = 0; i < var_count(s); i++) {
		const struct mtrr_var *v = &s->var[i];
		enum var_match m = var_match(v, bits, start, size);

		if (m == VAR_ALL)
			all |= TYPE_BIT(var_type(v));
		else if (m == VAR_PART)
			part = true;
	}
	/* UC covering all of it wins over anything covering a part. */
	if (part && !(all & TYPE_BIT(MEMTYPE_UC)))
		return false;
	*type = combine_types(s, all);
	return true;
}

bool mtrr_range_type(const struct mtrr_state *s, uint64_t start, uint64_t size,
		     uint8_t *type)
{
	uint64_t last = start + (size - 1);

	/* size & (size - 1): not a power of two. */
	if (size < PAGE_SIZE || (size & (size - 1)) || (start & (size - 1)))
		return false;
	if (!s->enabled) {
		*type = MEMTYPE_UC;
		return true;
	}
	if (s->fixed_enabled && start < MTRR_FIXED_LIMIT) {
		if (last >= MTRR_FIXED_LIMIT)
			return false;
		return fixed_range_type(s, start, last, type);
	}
	return var_range_type(s, start, size, type);
}
