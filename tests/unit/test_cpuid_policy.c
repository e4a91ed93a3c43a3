/* Unit tests for vmm/policy/cpuid_policy.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/regs.h"
#include "vmm/policy/cpuid_policy.h"
#include "vmm/exit/hypercall.h"

static const struct cpuid_regs garbage = {
	0xDEADBEEF, 0xCAFEBABE, 0xFFFFFFFF, 0x12345678
};

static void test_is_synthetic(void **state)
{
	(void)state;
	assert_false(cpuid_policy_is_synthetic(0));
	assert_false(cpuid_policy_is_synthetic(1));
	assert_false(cpuid_policy_is_synthetic(0x3FFFFFFF));
	assert_true(cpuid_policy_is_synthetic(0x40000000));
	assert_true(cpuid_policy_is_synthetic(0x40000001));
	assert_true(cpuid_policy_is_synthetic(0x40000100));
	assert_true(cpuid_policy_is_synthetic(0x4FFFFFFF));
	assert_false(cpuid_policy_is_synthetic(0x50000000));
	assert_false(cpuid_policy_is_synthetic(0x80000000));
	assert_false(cpuid_policy_is_synthetic(0xFFFFFFFF));
}

static void test_signature_leaf(void **state)
{
	struct cpuid_regs r = garbage;
	char sig[12];

	(void)state;
	cpuid_policy_synthetic(0x40000000, 0, &r);
	assert_int_equal(r.eax, HV_CPUID_MAX);
	assert_int_equal(r.eax, 0x40000001);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_memory_equal(sig, "PillboxVMM\0\0", 12);
	assert_memory_equal(sig, HV_SIGNATURE, 12);
	/* The subleaf does not matter. */
	r = garbage;
	cpuid_policy_synthetic(0x40000000, 7, &r);
	assert_int_equal(r.ebx, HV_SIG_EBX);
	assert_int_equal(r.ecx, HV_SIG_ECX);
	assert_int_equal(r.edx, HV_SIG_EDX);
}

static void test_version_leaf(void **state)
{
	struct cpuid_regs r = garbage;

	(void)state;
	cpuid_policy_synthetic(0x40000001, 0, &r);
	assert_int_equal(r.eax, HV_VERSION);
	assert_int_equal(r.eax, (0u << 16) | 1u);
	assert_int_equal(r.ebx, HV_ABI_VERSION);
	assert_int_equal(r.ecx, 0);
	assert_int_equal(r.edx, 0);
}

static void test_rest_of_range_zero(void **state)
{
	static const uint32_t leaves[] = { 0x40000002, 0x40000003, 0x40000010,
					   0x40000100, 0x4FFFFFFF };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct cpuid_regs r = garbage;

		cpuid_policy_synthetic(leaves[i], 0, &r);
		assert_int_equal(r.eax, 0);
		assert_int_equal(r.ebx, 0);
		assert_int_equal(r.ecx, 0);
		assert_int_equal(r.edx, 0);
	}
}

static void test_leaf1(void **state)
{
	struct cpuid_regs r = garbage;

	(void)state;
	/* All ECX bits set: VMX, SMX and the debug store (DTES64 bit 2,
	 * DS-CPL bit 4; EDX.DS bit 21) cleared, the rest kept. */
	cpuid_policy_apply(1, 0, &r);
	assert_int_equal(r.ecx, ~(CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | (1u << 2) | (1u << 4)));
	assert_true(r.ecx & CPUID_1_ECX_HYPERVISOR);
	assert_false(r.ecx & CPUID_1_ECX_VMX);
	assert_false(r.ecx & (1u << 5));
	assert_int_equal(r.eax, garbage.eax);
	assert_int_equal(r.ebx, garbage.ebx);
	assert_int_equal(r.edx, garbage.edx & ~(1u << 21));
	/* No ECX bits: only the hypervisor bit appears. */
	r.ecx = 0;
	cpuid_policy_apply(1, 0, &r);
	assert_int_equal(r.ecx, 1u << 31);
	/* A typical host value: XSAVE/OSXSAVE survive. */
	r.ecx = CPUID_1_ECX_VMX | CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | 1;
	cpuid_policy_apply(1, 3, &r);
	assert_int_equal(r.ecx, CPUID_1_ECX_HYPERVISOR | CPUID_1_ECX_XSAVE |
				CPUID_1_ECX_OSXSAVE | 1);
}

/* Intel PT is hidden (SDM Vol. 2A, CPUID, leaf 07H EBX bit 25, leaf 14H):
 * its output goes to physical addresses, past EPT. */
static void test_pt_hidden(void **state)
{
	struct cpuid_regs r = garbage;

	(void)state;
	cpuid_policy_apply(7, 0, &r);
	assert_int_equal(r.ebx, garbage.ebx & ~(1u << 25));
	assert_int_equal(r.eax, garbage.eax);
	assert_int_equal(r.ecx, garbage.ecx);
	assert_int_equal(r.edx, garbage.edx);
	r = garbage;
	cpuid_policy_apply(7, 1, &r);
	assert_memory_equal(&r, &garbage, sizeof(r));
	for (unsigned sub = 0; sub < 3; sub++) {
		r = garbage;
		cpuid_policy_apply(0x14, sub, &r);
		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
}

static void test_other_leaves_unchanged(void **state)
{
	static const uint32_t leaves[] = { 0, 2, 4, 0xB, 0xD, 0x80000000,
					   0x80000001, 0x80000008, 0x40000000,
					   0x01000001 };
	unsigned i, sub;

	(void)state;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		for (sub = 0; sub < 3; sub++) {
			struct cpuid_regs r = garbage;

			cpuid_policy_apply(leaves[i], sub, &r);
			assert_memory_equal(&r, &garbage, sizeof(r));
		}
	}
}

/* The OS-enabled bits follow the guest's CR4, not the host's. */
static void test_os_bits_follow_guest_cr4(void **state)
{
	struct cpuid_regs r = { 0, 0, CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_XSAVE, 0 };

	(void)state;
	cpuid_policy_os_bits(1, 0, 0, &r);
	assert_int_equal(r.ecx, CPUID_1_ECX_XSAVE);
	cpuid_policy_os_bits(1, 0, CR4_OSXSAVE, &r);
	assert_int_equal(r.ecx, CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE);
	r = (struct cpuid_regs){ 0, 0, CPUID_7_ECX_OSPKE | 1u, 0 };
	cpuid_policy_os_bits(7, 0, 0, &r);
	assert_int_equal(r.ecx, 1u);
	cpuid_policy_os_bits(7, 0, CR4_PKE, &r);
	assert_int_equal(r.ecx, 1u | CPUID_7_ECX_OSPKE);
	/* other leaves and subleaves untouched */
	r = (struct cpuid_regs){ 1, 2, CPUID_7_ECX_OSPKE, 4 };
	cpuid_policy_os_bits(7, 1, 0, &r);
	assert_int_equal(r.ecx, CPUID_7_ECX_OSPKE);
	cpuid_policy_os_bits(0xD, 0, 0, &r);
	assert_int_equal(r.eax, 1);
	assert_int_equal(r.ecx, CPUID_7_ECX_OSPKE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_bits_follow_guest_cr4),
		cmocka_unit_test(test_is_synthetic),
		cmocka_unit_test(test_signature_leaf),
		cmocka_unit_test(test_version_leaf),
		cmocka_unit_test(test_rest_of_range_zero),
		cmocka_unit_test(test_leaf1),
		cmocka_unit_test(test_other_leaves_unchanged),
		cmocka_unit_test(test_pt_hidden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
