/* Unit tests for vmm/ipi/apic_icr.c: ICR values as OVMF and Linux write them
 * (EDK2 LocalApicLib SendInitSipiSipi; Linux wakeup_secondary_cpu_via_init);
 * and the APIC id the VMM files each CPU under (arch/x86_64/cpu.h), which
 * x2APIC ICR destinations name in 32 bits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vmm/ipi/apic_icr.h"
#include "arch/x86_64/cpu.h"

static struct ipi decode(uint32_t low, uint32_t dest)
{
	struct ipi ipi;

	icr_decode(low, dest, &ipi);
	return ipi;
}

static void test_init_assert(void **state)
{
	/* 0x4500: INIT, physical, level assert, edge (OVMF); 0xc500: level-
	 * triggered assert (the guest INIT/SIPI test program). */
	struct ipi a = decode(0x00004500, 3), b = decode(0x0000c500, 1);

	(void)state;
	assert_int_equal(a.kind, IPI_INIT);
	assert_int_equal(a.dest, IPI_DEST_ONE);
	assert_int_equal(a.dest_id, 3);
	assert_int_equal(b.kind, IPI_INIT);
}

static void test_init_deassert(void **state)
{
	/* 0x8500: INIT, level-triggered, level de-assert (Linux sends it to
	 * old APICs). */
	(void)state;
	assert_int_equal(decode(0x00008500, 1).kind, IPI_INIT_DEASSERT);
}

static void test_startup(void **state)
{
	struct ipi s = decode(0x00004687, 2), t = decode(0x0000069f, 7);

	(void)state;
	assert_int_equal(s.kind, IPI_STARTUP);
	assert_int_equal(s.vector, 0x87);
	assert_int_equal(s.dest_id, 2);
	assert_int_equal(t.kind, IPI_STARTUP);
	assert_int_equal(t.vector, 0x9f);
}

static void test_shorthands(void **state)
{
	(void)state;
	assert_int_equal(decode(0x000C4500, 0).dest, IPI_DEST_ALL_EXCL);
	assert_int_equal(decode(0x00084500, 0).dest, IPI_DEST_ALL_INCL);
	assert_int_equal(decode(0x00044500, 0).dest, IPI_DEST_SELF);
	assert_int_equal(decode(0x000C4687, 0).kind, IPI_STARTUP);
	/* A shorthand wins over the destination mode bit. */
	assert_int_equal(decode(0x000C4D00 | ICR_DM_INIT, 0).dest, IPI_DEST_ALL_EXCL);
}

static void test_logical_and_others(void **state)
{
	(void)state;
	assert_int_equal(decode(0x00004D00 | ICR_DM_INIT, 1).dest, IPI_DEST_LOGICAL);
	assert_int_equal(decode(0x000040FD, 1).kind, IPI_OTHER);            /* fixed */
	assert_int_equal(decode(ICR_DM_NMI | ICR_LEVEL_ASSERT, 1).kind, IPI_OTHER);
	assert_int_equal(decode(0x00000200, 1).kind, IPI_OTHER);            /* SMI */
	assert_int_equal(decode(0x00000100, 1).kind, IPI_OTHER);            /* lowest */
	assert_int_equal(decode(0x00000700, 1).kind, IPI_OTHER);            /* reserved */
}

/* A fake CPUID: maximum basic leaf, leaves 1FH and 0BH (subleaf 0) and
 * the 8-bit initial APIC id of leaf 1. */
static struct {
	uint32_t max_leaf, x2apic_1f, x2apic_0b, initial;
	bool has_1f, has_0b;
	unsigned calls;
} fake_cpu;

static void fake_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	r->eax = r->ebx = r->ecx = r->edx = 0;
	fake_cpu.calls++;
	if (leaf > fake_cpu.max_leaf)
		fail_msg("CPUID leaf %x above the maximum %x", leaf, fake_cpu.max_leaf);
	if (leaf == 0)
		r->eax = fake_cpu.max_leaf;
	else if (leaf == 1)
		r->ebx = fake_cpu.initial << 24 | 0x10800u;
	else if (leaf == 0x1F && subleaf == 0 && fake_cpu.has_1f)
		r->edx = fake_cpu.x2apic_1f;
	else if (leaf == 0x0B && subleaf == 0 && fake_cpu.has_0b)
		r->edx = fake_cpu.x2apic_0b;
	if (r->edx)
		r->ebx = 2;   /* 2 logical processors at the SMT level */
}

/* SDM Vol. 3A, 11.12.8.1 "Consistency of APIC IDs and CPUID" with Vol. 2A,
 * CPUID leaves 0BH and 1FH: the 32-bit x2APIC id comes from leaf 1FH where
 * it is there (within the maximum leaf, EBX[15:0] of subleaf 0 non-zero),
 * else from 0BH, else the 8-bit initial id of leaf 1 serves. */
static void test_sdm_3a_11_12_8_1_apic_id_from_cpuid(void **state)
{
	(void)state;
	fake_cpu = (typeof(fake_cpu)){ .max_leaf = 0x1F, .x2apic_1f = 0x1234, .x2apic_0b = 0x99,
				       .initial = 0x34, .has_1f = true, .has_0b = true };
	assert_int_equal(apic_id_by(fake_cpuid), 0x1234);
	fake_cpu.has_1f = false;   /* leaf 1FH reported but empty: 0BH */
	assert_int_equal(apic_id_by(fake_cpuid), 0x99);
	fake_cpu.max_leaf = 0x16;  /* 1FH beyond the maximum: not asked */
	fake_cpu.has_1f = true;
	fake_cpu.x2apic_0b = 300;  /* more than 8 bits */
	assert_int_equal(apic_id_by(fake_cpuid), 300);
	fake_cpu.has_0b = false;
	assert_int_equal(apic_id_by(fake_cpuid), 0x34);
	fake_cpu.max_leaf = 0x0A;  /* an old CPU: leaf 1 only */
	fake_cpu.has_0b = true;
	fake_cpu.calls = 0;
	assert_int_equal(apic_id_by(fake_cpuid), 0x34);
	assert_int_equal(fake_cpu.calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_assert),
		cmocka_unit_test(test_init_deassert),
		cmocka_unit_test(test_startup),
		cmocka_unit_test(test_shorthands),
		cmocka_unit_test(test_logical_and_others),
		cmocka_unit_test(test_sdm_3a_11_12_8_1_apic_id_from_cpuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
