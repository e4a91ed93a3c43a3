/* CPUID with every leaf and many subleaf patterns (docs/hypercalls.md):
 * every leaf answers; leaf 1 has the hypervisor bit set and VMX and SMX
 * clear whatever the subleaf; 40000000H and 40000001H are the VMM's, the
 * rest of 40000000H-4FFFFFFFH is all zero; the same at CPL 3 (CPUID exits
 * at any CPL: Intel SDM Vol. 3C, 26.1.2). */
#include "guest/attack/attack.h"
#include "arch/x86_64/cpu.h"
#include "vmm/exit/hypercall.h"

#define EXT_BASE        0x80000000u
#define EXT_MAX_SANE    0x800000FFu
#define BASIC_MAX_SANE  0xFFu
#define SUBLEAVES       6u

/* xorshift64: the same "random" subleaves on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t next_random(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static uint32_t subleaf_pattern(unsigned i)
{
	static const uint32_t fixed[] = { 0, 1, 2, 0xFF, 0x80000000u, 0xFFFFFFFFu };

	return i < sizeof(fixed) / sizeof(fixed[0]) ? fixed[i] : next_random();
}

static bool leaf1_ok(const struct cpuid_regs *r)
{
	return (r->ecx & CPUID_1_ECX_HYPERVISOR) && !(r->ecx & (CPUID_1_ECX_VMX | CPUID_1_ECX_SMX));
}

static bool hv_leaf_ok(uint32_t leaf, const struct cpuid_regs *r)
{
	if (leaf == HV_CPUID_BASE)
		return r->eax == HV_CPUID_MAX && r->ebx == HV_SIG_EBX && r->ecx == HV_SIG_ECX &&
		       r->edx == HV_SIG_EDX;
	if (leaf == HV_CPUID_VERSION)
		return r->eax == HV_VERSION && r->ebx == HV_ABI_VERSION && !r->ecx && !r->edx;
	return !r->eax && !r->ebx && !r->ecx && !r->edx;
}

static void basic_leaves(void)
{
	struct cpuid_regs r;
	uint32_t max, n = 0;
	char why[WHY_MAX] = "";

	cpuid_count(0, 0, &r);
	max = r.eax > BASIC_MAX_SANE ? BASIC_MAX_SANE : r.eax;
	for (uint32_t leaf = 0; leaf <= max; leaf++)
		for (unsigned s = 0; s < SUBLEAVES + 4; s++, n++) {
			cpuid_count(leaf, subleaf_pattern(s), &r);
			if (leaf == 1 && !leaf1_ok(&r))
				why_add(why, "leaf 1 subleaf %x: ECX %x", subleaf_pattern(s), r.ecx);
		}
	resultf("cpuid-basic-leaves", why[0] == 0, "%s (max basic leaf %x, %u queries)", why, max, n);
}

static void hypervisor_leaves(void)
{
	static const uint32_t leaves[] = { 0x40000000u, 0x40000001u, 0x40000002u, 0x40000003u,
					   0x40000010u, 0x40000100u, 0x40001000u, 0x4000FFFFu,
					   0x40010000u, 0x41000000u, 0x4ABCDEF0u, 0x4FFFFFFFu };
	char why[WHY_MAX] = "";

	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		for (unsigned s = 0; s < SUBLEAVES + 4; s++) {
			struct cpuid_regs r;

			cpuid_count(leaves[i], subleaf_pattern(s), &r);
			if (!hv_leaf_ok(leaves[i], &r))
				why_add(why, "leaf %x subleaf %x: %x %x %x %x", leaves[i],
					subleaf_pattern(s), r.eax, r.ebx, r.ecx, r.edx);
		}
	result("cpuid-hypervisor-leaves", why[0] == 0, why);
}

static void extended_and_out_of_range(void)
{
	static const uint32_t odd[] = { 0x50000000u, 0x7FFFFFFFu, 0x8FFFFFFFu, 0xC0000000u,
					0xFFFFFFFEu, 0xFFFFFFFFu };
	struct cpuid_regs r, again;
	uint32_t max, n = 0;
	char why[WHY_MAX] = "";

	cpuid_count(EXT_BASE, 0, &r);
	max = r.eax > EXT_MAX_SANE || r.eax < EXT_BASE ? EXT_BASE : r.eax;
	for (uint32_t leaf = EXT_BASE; leaf <= max; leaf++, n++)
		cpuid_count(leaf, next_random(), &r);
	/* Out of every range: the CPU's answer, the same every time, and
	 * never the VMM's signature. */
	for (unsigned i = 0; i < sizeof(odd) / sizeof(odd[0]); i++, n++) {
		cpuid_count(odd[i], 0, &r);
		cpuid_count(odd[i], 0, &again);
		if (r.eax != again.eax || r.ebx != again.ebx || r.ecx != again.ecx ||
		    r.edx != again.edx || (r.ebx == HV_SIG_EBX && r.ecx == HV_SIG_ECX))
			why_add(why, "leaf %x: %x %x %x %x", odd[i], r.eax, r.ebx, r.ecx, r.edx);
	}
	cpuid_count(1, next_random(), &r);
	if (!leaf1_ok(&r))
		why_add(why, "leaf 1 changed after the sweep: ECX %x", r.ecx);
	resultf("cpuid-extended-and-out-of-range", why[0] == 0, "%s (max extended leaf %x, %u queries)",
		why, max, n);
}

struct ring3_cpuid {
	struct cpuid_regs leaf1, base, version;
};

static void cpuid_user(void *arg)
{
	struct ring3_cpuid *p = arg;

	cpuid_count(1, 0, &p->leaf1);
	cpuid_count(HV_CPUID_BASE, 0, &p->base);
	cpuid_count(HV_CPUID_VERSION, 0, &p->version);
}

static void ring3(void)
{
	struct ring3_cpuid p;
	int vec = cage_call(RING3, cpuid_user, &p);

	resultf("cpuid-ring3",
		vec == NO_FAULT && leaf1_ok(&p.leaf1) && hv_leaf_ok(HV_CPUID_BASE, &p.base) &&
			hv_leaf_ok(HV_CPUID_VERSION, &p.version),
		"CPL 3: %s, leaf 1 ECX %x, leaf 40000000H EBX %x", vector_name(vec), p.leaf1.ecx,
		p.base.ebx);
}

void attack_cpuid(void)
{
	basic_leaves();
	hypervisor_leaves();
	extended_and_out_of_range();
	ring3();
}
