/* Reads the MTRRs of the calling CPU (ept/mtrr_cpu.h): IA32_MTRRCAP
 * (SDM Vol. 3A, 12.11.1 "MTRR Feature Identification"), then the MSRs of
 * 12.11.2 "Setting Memory Ranges with MTRRs" that it reports. */
#include "ept/mtrr_cpu.h"
#include "arch/x86_64/cpu.h"
#include "lib/lib.h"

void mtrr_read_cpu(struct mtrr_state *s, uint64_t *cap_out, uint64_t *def_out)
{
	uint64_t cap = rdmsr(MSR_IA32_MTRRCAP);
	uint64_t def = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	struct cpuid_regs r;

	memset(s, 0, sizeof(*s));
	cpuid_count(CPUID_ADDR_SIZES, 0, &r);
	s->maxphyaddr = r.eax & CPUID_MAXPHYADDR_MASK;
	s->enabled = (def & MTRR_DEF_TYPE_E) != 0;
	s->fixed_enabled = (def & MTRR_DEF_TYPE_FE) && (cap & MTRRCAP_FIX);
	s->default_type = (uint8_t)(def & MTRR_DEF_TYPE_TYPE_MASK);
	s->var_count = (unsigned)(cap & MTRRCAP_VCNT_MASK);
	if (s->var_count > MTRR_MAX_VAR)
		s->var_count = MTRR_MAX_VAR;
	for (unsigned i = 0; i < s->var_count; i++) {
		s->var[i].base = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i);
		s->var[i].mask = rdmsr(MSR_IA32_MTRR_PHYSMASK0 + 2 * i);
	}
	if (cap & MTRRCAP_FIX)
		for (unsigned i = 0; i < MTRR_FIXED_MSRS; i++)
			mtrr_set_fixed_one(s, i, rdmsr(mtrr_fixed_msr(i)));
	if (cap_out)
		*cap_out = cap;
	if (def_out)
		*def_out = def;
}
