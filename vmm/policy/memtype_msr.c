/* The guest's MTRRs and the IA32_PAT check (vmm/policy/memtype_msr.h). Formats:
 * Intel SDM Vol. 3A, 12.11.1 "MTRR Feature Identification", 12.11.2.1
 * "IA32_MTRR_DEF_TYPE MSR", 12.11.2.2 "Fixed Range MTRRs", 12.11.2.3
 * "Variable Range MTRRs", Table 12-8; 12.12.2 "IA32_PAT MSR". */
#include "vmm/policy/memtype_msr.h"
#include "lib/lib.h"

/* IA32_MTRR_DEF_TYPE: type, FE and E; bits 8, 9 and 12-63 are reserved. */
#define DEF_TYPE_DEFINED (MTRR_DEF_TYPE_TYPE_MASK | MTRR_DEF_TYPE_FE | MTRR_DEF_TYPE_E)
/* IA32_PAT: eight fields, bits 2:0 the type, 7:3 reserved (12.12.2). */
#define PAT_TYPE_UC_MINUS 7u

static unsigned var_count(const struct mtrr_msrs *m)
{
	unsigned n = (unsigned)(m->cap & MTRRCAP_VCNT_MASK);

	return n < MTRR_MAX_VAR ? n : MTRR_MAX_VAR;
}

/* The derived fields of state follow IA32_MTRR_DEF_TYPE; FE counts only
 * where MTRRCAP.FIX says there are fixed ranges. */
static void set_def_type(struct mtrr_msrs *m, uint64_t value)
{
	m->def_type = value;
	m->state.enabled = (value & MTRR_DEF_TYPE_E) != 0;
	m->state.fixed_enabled = (value & MTRR_DEF_TYPE_FE) && (m->cap & MTRRCAP_FIX);
	m->state.default_type = (uint8_t)(value & MTRR_DEF_TYPE_TYPE_MASK);
}

void mtrr_msrs_init(struct mtrr_msrs *m, const struct mtrr_state *s, uint64_t cap,
		    uint64_t def_type)
{
	m->cap = cap;
	m->state = *s;
	/* What the guest can write, it sees applied: the ranges and flags
	 * follow IA32_MTRRCAP and IA32_MTRR_DEF_TYPE. */
	m->state.var_count = var_count(m);
	set_def_type(m, def_type);
}

static bool is_var(uint32_t msr)
{
	return msr >= MSR_IA32_MTRR_PHYSBASE0 && msr <= MSR_IA32_MTRR_VAR_LAST;
}

/* The pair of a PHYSBASEn or PHYSMASKn (MSR 200H + 2n or 201H + 2n). */
static unsigned var_index(uint32_t msr)
{
	return (msr - MSR_IA32_MTRR_PHYSBASE0) / 2u;
}

static bool is_mask(uint32_t msr)
{
	return ((msr - MSR_IA32_MTRR_PHYSBASE0) & 1u) != 0;
}

bool mtrr_msr_covers(uint32_t msr)
{
	return msr == MSR_IA32_MTRR_DEF_TYPE || is_var(msr) || mtrr_fixed_msr_index(msr) >= 0;
}

/* Does this CPU have msr (IA32_MTRRCAP.VCNT and FIX)? */
static bool present(const struct mtrr_msrs *m, uint32_t msr)
{
	if (msr == MSR_IA32_MTRR_DEF_TYPE)
		return true;
	if (is_var(msr))
		return var_index(msr) < var_count(m);
	return mtrr_fixed_msr_index(msr) >= 0 && (m->cap & MTRRCAP_FIX);
}

enum mtrr_msr_status mtrr_msr_read(const struct mtrr_msrs *m, uint32_t msr, uint64_t *value)
{
	const struct mtrr_var *v;

	if (!present(m, msr))
		return MTRR_MSR_ABSENT;
	if (msr == MSR_IA32_MTRR_DEF_TYPE) {
		*value = m->def_type;
	} else if (is_var(msr)) {
		v = &m->state.var[var_index(msr)];
		*value = is_mask(msr) ? v->mask : v->base;
	} else {
		*value = mtrr_fixed_raw(&m->state, (unsigned)mtrr_fixed_msr_index(msr));
	}
	return MTRR_MSR_SAME;
}

/* The checks of a WRMSR. On the CPU each failure is the same #GP; the
 * status says which, for the log. Beside the address bits below
 * MAXPHYADDR, PHYSBASEn holds only its type (bits 11:8 are reserved) and
 * PHYSMASKn only its valid bit (bits 10:0 are reserved). */
static enum mtrr_msr_status check(const struct mtrr_msrs *m, uint32_t msr, uint64_t value)
{
	uint64_t addr = mtrr_phys_addr_bits(&m->state);

	if (msr == MSR_IA32_MTRR_DEF_TYPE) {
		if (value & ~DEF_TYPE_DEFINED)
			return MTRR_MSR_RESERVED;
		return mtrr_type_valid(value & MTRR_DEF_TYPE_TYPE_MASK) ? MTRR_MSR_SAME
									: MTRR_MSR_BAD_TYPE;
	}
	if (is_var(msr) && is_mask(msr))
		return value & ~(addr | MTRR_PHYSMASK_VALID) ? MTRR_MSR_RESERVED : MTRR_MSR_SAME;
	if (is_var(msr)) {
		if (value & ~(addr | MTRR_PHYSBASE_TYPE_MASK))
			return MTRR_MSR_RESERVED;
		return mtrr_type_valid(value & MTRR_PHYSBASE_TYPE_MASK) ? MTRR_MSR_SAME
									: MTRR_MSR_BAD_TYPE;
	}
	for (unsigned i = 0; i < MEMTYPE_FIELDS; i++)
		if (!mtrr_type_valid((value >> (i * MEMTYPE_FIELD_BITS)) & MEMTYPE_FIELD_MASK))
			return MTRR_MSR_BAD_TYPE;
	return MTRR_MSR_SAME;
}

enum mtrr_msr_status mtrr_msr_write(struct mtrr_msrs *m, uint32_t msr, uint64_t value)
{
	enum mtrr_msr_status st;
	uint64_t old;
	bool valid_before, valid_after;
	struct mtrr_var *v;

	if (!present(m, msr))
		return MTRR_MSR_ABSENT;
	st = check(m, msr, value);
	if (st != MTRR_MSR_SAME)
		return st;
	mtrr_msr_read(m, msr, &old);
	if (old == value)
		return MTRR_MSR_SAME;
	if (msr == MSR_IA32_MTRR_DEF_TYPE) {
		set_def_type(m, value);
		return MTRR_MSR_RETYPE;
	}
	if (!is_var(msr)) {
		mtrr_set_fixed_one(&m->state, (unsigned)mtrr_fixed_msr_index(msr), value);
		return m->state.enabled && m->state.fixed_enabled ? MTRR_MSR_RETYPE : MTRR_MSR_SAME;
	}
	v = &m->state.var[var_index(msr)];
	valid_before = (v->mask & MTRR_PHYSMASK_VALID) != 0;
	if (is_mask(msr))
		v->mask = value;
	else
		v->base = value;
	valid_after = (v->mask & MTRR_PHYSMASK_VALID) != 0;
	return m->state.enabled && (valid_before || valid_after) ? MTRR_MSR_RETYPE
								 : MTRR_MSR_SAME;
}

static const char *const status_text[] = {
	[MTRR_MSR_SAME] = "no memory type changed",
	[MTRR_MSR_RETYPE] = "memory types changed",
	[MTRR_MSR_ABSENT] = "no such MTRR on this CPU (IA32_MTRRCAP)",
	[MTRR_MSR_RESERVED] = "reserved bit set",
	[MTRR_MSR_BAD_TYPE] = "reserved memory type (SDM Vol. 3A, Table 12-8)",
};

const char *mtrr_msr_status_text(enum mtrr_msr_status s)
{
	if ((unsigned)s < ARRAY_SIZE(status_text) && status_text[s])
		return status_text[s];
	return "?";
}

bool mtrr_msr_first_address(const struct mtrr_msrs *m, uint32_t msr, uint64_t *addr)
{
	const struct mtrr_var *v;
	int fixed = mtrr_fixed_msr_index(msr);

	if (fixed >= 0) {
		*addr = mtrr_fixed_msr_base((unsigned)fixed);
		return true;
	}
	if (!is_var(msr) || var_index(msr) >= var_count(m))
		return false;
	v = &m->state.var[var_index(msr)];
	if (!(v->mask & MTRR_PHYSMASK_VALID))
		return false;
	*addr = v->base & mtrr_phys_addr_bits(&m->state);
	return true;
}

bool pat_value_valid(uint64_t value)
{
	for (unsigned i = 0; i < MEMTYPE_FIELDS; i++) {
		uint64_t t = (value >> (i * MEMTYPE_FIELD_BITS)) & MEMTYPE_FIELD_MASK;

		if (t != PAT_TYPE_UC_MINUS && !mtrr_type_valid(t))
			return false;
	}
	return true;
}
