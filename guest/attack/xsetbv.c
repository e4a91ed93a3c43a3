/* XSETBV with what the architecture refuses (Intel SDM Vol. 2D, XSETBV
 * "Protected Mode Exceptions"; Vol. 1, 13.3 "Enabling the XSAVE Feature
 * Set and XSAVE-Enabled Features"): #UD with CR4.OSXSAVE = 0; #GP(0) at
 * CPL > 0, for ECX != 0, a reserved or unsupported XCR0 bit, x87 clear,
 * AVX without SSE, part of the AVX-512 state. XSETBV exits at CPL 0
 * (Vol. 3C, 26.1.2); the VMM checks and executes it. */
#include "guest/attack/attack.h"
#include "arch/x86_64/cpu.h"
#include "vmm/policy/cr_policy.h"
#include "arch/x86_64/cpuid.h"

#define XCR0_BIT10       (1ull << 10) /* reserved in XCR0 (supervisor state) */
#define XCR0_BIT63       (1ull << 63)

struct xsetbv_probe {
	uint32_t index;
	uint64_t value;
};

static void do_xsetbv(void *arg)
{
	struct xsetbv_probe *p = arg;

	__asm__ volatile("xsetbv" ::"c"(p->index), "a"((uint32_t)p->value),
			 "d"((uint32_t)(p->value >> 32))
			 : "memory");
}

static int try_xsetbv(int ring, uint32_t index, uint64_t value)
{
	struct xsetbv_probe p = { index, value };

	return cage_call(ring, do_xsetbv, &p);
}

static void expect_xsetbv(const char *name, int ring, uint32_t index, uint64_t value, int want)
{
	int vec = try_xsetbv(ring, index, value);

	resultf(name, vec == want, "XSETBV XCR%u = %llx at CPL %d gave %s, not %s", index,
		(unsigned long long)value, ring, vector_name(vec), vector_name(want));
}

void attack_xsetbv(void)
{
	struct cpuid_regs r;
	uint64_t cr4 = read_cr4(), xcr0, supported;

	cpuid_count(1, 0, &r);
	if (!(r.ecx & CPUID_1_ECX_XSAVE)) {
		result("xsetbv-supported", false, "the CPU has no XSAVE: XSETBV cannot be attacked");
		return;
	}
	cpuid_count(CPUID_XSAVE_LEAF, 0, &r);
	supported = ((uint64_t)r.edx << 32) | r.eax;
	write_cr4(cr4 & ~CR4_OSXSAVE);
	expect_xsetbv("xsetbv-osxsave-off-ud", RING0, 0, XCR0_X87 | XCR0_SSE, VEC_UD);
	write_cr4(cr4 | CR4_OSXSAVE);
	xcr0 = xgetbv(0);

	expect_xsetbv("xsetbv-reserved-bit10-gp", RING0, 0, xcr0 | XCR0_BIT10, VEC_GP);
	expect_xsetbv("xsetbv-reserved-bit63-gp", RING0, 0, xcr0 | XCR0_BIT63, VEC_GP);
	if (~supported & 0xFFFFFull & ~XCR0_BIT10) {
		uint64_t bit = ~supported & 0xFFFFFull & ~XCR0_BIT10;

		bit &= -bit; /* the lowest unsupported user-state bit */
		expect_xsetbv("xsetbv-unsupported-gp", RING0, 0, xcr0 | bit, VEC_GP);
	} else {
		result("xsetbv-unsupported-gp", false, "every XCR0 bit 0-19 is supported: none to try");
	}
	expect_xsetbv("xsetbv-no-x87-gp", RING0, 0, xcr0 & ~XCR0_X87, VEC_GP);
	expect_xsetbv("xsetbv-zero-gp", RING0, 0, 0, VEC_GP);
	if (supported & XCR0_AVX)
		expect_xsetbv("xsetbv-avx-without-sse-gp", RING0, 0, XCR0_X87 | XCR0_AVX, VEC_GP);
	else
		result("xsetbv-avx-without-sse-gp", false, "the CPU has no AVX state to try");
	if ((supported & XCR0_AVX512) == XCR0_AVX512)
		expect_xsetbv("xsetbv-avx512-partial-gp", RING0, 0,
			      XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_OPMASK, VEC_GP);
	else
		skipf("xsetbv-avx512-partial-gp",
		      "no AVX-512 state: CPUID.(EAX=0DH,ECX=0) XCR0 supported = %llx",
		      (unsigned long long)supported);
	expect_xsetbv("xsetbv-index1-gp", RING0, 1, 1, VEC_GP);
	expect_xsetbv("xsetbv-index-high-gp", RING0, 0x80000000u, xcr0, VEC_GP);
	expect_xsetbv("xsetbv-ring3-gp", RING3, 0, xcr0, VEC_GP);
	expect_xsetbv("xsetbv-current-value-runs", RING0, 0, xcr0, NO_FAULT);
	resultf("xsetbv-xcr0-unchanged", xgetbv(0) == xcr0, "XCR0 is %llx after the attacks, was %llx",
		(unsigned long long)xgetbv(0), (unsigned long long)xcr0);
	write_cr4(cr4);
}
