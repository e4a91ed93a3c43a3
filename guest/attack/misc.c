/* Other instructions that exit or must fault: INVD (exits at CPL 0, run
 * by the VMM as WBINVD: INVD would also drop dirty cache lines of the
 * VMM's memory), GETSEC (the guest sees no SMX and cannot set CR4.SMXE:
 * #UD, Intel SDM Vol. 2D, GETSEC "Protected Mode Exceptions"), RDRAND
 * (passes through: no exit is enabled for it). */
#include <stddef.h>
#include "guest/attack/attack.h"
#include "arch/x86_64/cpu.h"
#include "vmm/policy/cr_policy.h"

#define CPUID_1_ECX_RDRAND (1u << 30)
#define RDRAND_TRIES 16u

static void do_invd(void *p) { (void)p; __asm__ volatile("invd" ::: "memory"); }
static void do_getsec(void *p) { (void)p; __asm__ volatile("getsec" ::"a"(0), "b"(0) : "memory"); }

/* RDRAND may fail transiently (CF = 0); *p = 1 once one succeeded. */
static void do_rdrand(void *p)
{
	for (unsigned i = 0; i < RDRAND_TRIES; i++) {
		uint64_t v;
		uint8_t ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok)::"cc");
		if (ok) {
			*(uint64_t *)p = 1;
			return;
		}
	}
}

static void expect_vec(const char *name, int ring, void (*fn)(void *), void *arg, int want,
		       const char *what)
{
	int vec = cage_call(ring, fn, arg);

	resultf(name, vec == want, "%s at CPL %d gave %s, not %s", what, ring, vector_name(vec),
		vector_name(want));
}

void attack_misc_instructions(void)
{
	struct cpuid_regs r;

	expect_vec("invd-runs", RING0, do_invd, NULL, NO_FAULT, "INVD");
	expect_vec("invd-ring3-gp", RING3, do_invd, NULL, VEC_GP, "INVD");
	resultf("getsec-smxe-clear", !(read_cr4() & CR4_SMXE), "CR4.SMXE is set (%llx)",
		(unsigned long long)read_cr4());
	expect_vec("getsec-ring0-ud", RING0, do_getsec, NULL, VEC_UD, "GETSEC");
	expect_vec("getsec-ring3-ud", RING3, do_getsec, NULL, VEC_UD, "GETSEC");
	cpuid_count(1, 0, &r);
	if (r.ecx & CPUID_1_ECX_RDRAND) {
		uint64_t ok0 = 0, ok3 = 0;
		int vec0 = cage_call(RING0, do_rdrand, &ok0);
		int vec3 = cage_call(RING3, do_rdrand, &ok3);

		resultf("rdrand-runs", vec0 == NO_FAULT && vec3 == NO_FAULT && ok0 && ok3,
			"RDRAND gave %s at CPL 0 (success %llu), %s at CPL 3 (success %llu)",
			vector_name(vec0), (unsigned long long)ok0, vector_name(vec3),
			(unsigned long long)ok3);
	} else {
		uint64_t ok = 0;

		expect_vec("rdrand-runs", RING0, do_rdrand, &ok, VEC_UD,
			   "RDRAND without CPUID.1:ECX.RDRAND");
	}
}
