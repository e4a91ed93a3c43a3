/* Unit tests for vmm/setup/vmx_caps.c with fake capability MSR sets (SDM Vol. 3D,
 * Appendix A): a Bochs-like CPU that allows everything, then the same CPU
 * with one required capability taken away at a time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/setup/vmx_caps.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmcs_fields.h"

/* allowed-0 settings (bits that must be 1) in 31:0, allowed-1 in 63:32. */
#define CAP(must1, may1) (((uint64_t)(uint32_t)(may1) << 32) | (uint32_t)(must1))
#define MAY1(cap) ((uint32_t)((cap) >> 32))
#define MUST1(cap) ((uint32_t)(cap))

#define BASIC_SIZE(n) ((uint64_t)(n) << 32)
#define BASIC_MEMTYPE(t) ((uint64_t)(t) << 50)
#define MEMTYPE_UC 0
#define MEMTYPE_WB 6

/* Default-1 classes from the SDM (A.2): the TRUE MSRs allow them as 0
 * except for those listed. */
#define PIN_DEFAULT1   0x00000016u
#define PROC_DEFAULT1  0x0401E172u   /* includes CR3-load/store exiting */
#define PROC_TRUE1     0x04006172u   /* TRUE: CR3-load/store may be 0 */
#define EXIT_DEFAULT1  0x00036DFFu
#define EXIT_TRUE1     0x00036DFBu
#define ENTRY_DEFAULT1 0x000011FFu
#define ENTRY_TRUE1    0x000011FBu

#define EPT_ALL_CAPS (EPT_CAP_WALK_4 | EPT_CAP_MEMTYPE_WB | EPT_CAP_2M | EPT_CAP_1G | \
		      EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)

/* What Pillbox needs as 1 in each control. */
#define PROC_NEED  (PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CTLS)
#define PROC2_NEED (PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST)
#define EXIT_NEED  (EXIT_HOST_ADDR_SPACE_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_DEBUG_CTLS)
#define ENTRY_NEED (ENTRY_IA32E_MODE_GUEST | ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG_CTLS)
#define PROC2_OPT  (PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID | PROC2_ENABLE_XSAVES | \
		    PROC2_ENABLE_USER_WAIT_PAUSE)
/* Exiting controls that a pass-through guest must not get. */
#define PROC_NEVER (PROC_UNCOND_IO_EXITING | PROC_MOV_DR_EXITING | PROC_HLT_EXITING | \
		    PROC_RDTSC_EXITING)

/* A Bochs-like CPU with the TRUE capability MSRs: every control may be 1. */
static struct vmx_cap_msrs full(void)
{
	struct vmx_cap_msrs m = {
		.basic = 0x1ull | BASIC_SIZE(4096) | BASIC_MEMTYPE(MEMTYPE_WB) | VMX_BASIC_TRUE_CTLS,
		.pin = CAP(PIN_DEFAULT1, 0xFFFFFFFFu),
		.proc = CAP(PROC_TRUE1, 0xFFFFFFFFu),
		.exit = CAP(EXIT_TRUE1, 0xFFFFFFFFu),
		.entry = CAP(ENTRY_TRUE1, 0xFFFFFFFFu),
		.proc2 = CAP(0, 0xFFFFFFFFu),
		.ept_vpid = EPT_ALL_CAPS,
		.misc = (1ull << 8) | (1ull << 6), /* wait-for-SIPI and HLT activity states */
		.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xFFFFFFFF,
		.cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3727FF,
	};
	return m;
}

/* The same without the TRUE MSRs: the default-1 bits are forced. */
static struct vmx_cap_msrs full_legacy(void)
{
	struct vmx_cap_msrs m = full();

	m.basic &= ~VMX_BASIC_TRUE_CTLS;
	m.proc = CAP(PROC_DEFAULT1, 0xFFFFFFFFu);
	m.exit = CAP(EXIT_DEFAULT1, 0xFFFFFFFFu);
	m.entry = CAP(ENTRY_DEFAULT1, 0xFFFFFFFFu);
	return m;
}

static void clear_may1(uint64_t *cap, uint32_t bits)
{
	*cap &= ~((uint64_t)bits << 32);
	*cap &= ~(uint64_t)bits; /* keep the MSR consistent: not must-be-1 either */
}

/* Every control respects its MSR: no bit outside allowed-1, every
 * must-be-1 bit present. */
static void check_within(const char *what, uint32_t ctl, uint64_t cap)
{
	if (ctl & ~MAY1(cap))
		fail_msg("%s 0x%08x has bits not allowed as 1: 0x%08x", what, ctl, ctl & ~MAY1(cap));
	if ((ctl & MUST1(cap)) != MUST1(cap))
		fail_msg("%s 0x%08x lacks must-be-1 bits 0x%08x", what, ctl,
			 MUST1(cap) & ~ctl);
}

static void check_controls_legal(const struct vmx_cap_msrs *m, const struct vmx_controls *c)
{
	check_within("pin", c->pin, m->pin);
	check_within("proc", c->proc, m->proc);
	check_within("proc2", c->proc2, m->proc2);
	check_within("exit", c->exit, m->exit);
	check_within("entry", c->entry, m->entry);
}

static void check_required(const struct vmx_controls *c)
{
	assert_int_equal(c->proc & PROC_NEED, PROC_NEED);
	assert_int_equal(c->proc2 & PROC2_NEED, PROC2_NEED);
	assert_int_equal(c->exit & EXIT_NEED, EXIT_NEED);
	assert_int_equal(c->entry & ENTRY_NEED, ENTRY_NEED);
}

static unsigned missing(const struct vmx_cap_msrs *m, const char **names)
{
	for (unsigned i = 0; i < VMX_CAPS_MAX_MISSING; i++)
		names[i] = NULL;
	return vmx_caps_missing(m, names, VMX_CAPS_MAX_MISSING);
}

/* Exactly one capability missing, with this name. */
static void expect_one_missing(const struct vmx_cap_msrs *m, const char *what, const char *name)
{
	const char *names[VMX_CAPS_MAX_MISSING];
	unsigned n = missing(m, names);

	if (n != 1)
		fail_msg("%s: %u capabilities reported missing, expected 1 ('%s'); first '%s'",
			 what, n, name, n && names[0] ? names[0] : "(none)");
	assert_non_null(names[0]);
	if (strcmp(names[0], name) != 0)
		fail_msg("%s: reported '%s', expected '%s'", what, names[0], name);
	assert_null(names[1]);
	/* Without a names array the count is the same. */
	assert_int_equal(vmx_caps_missing(m, NULL, 0), 1);
}

static void test_full_set_nothing_missing(void **state)
{
	const char *names[VMX_CAPS_MAX_MISSING];
	struct vmx_cap_msrs m = full(), l = full_legacy();

	(void)state;
	assert_int_equal(missing(&m, names), 0);
	assert_null(names[0]);
	assert_int_equal(vmx_caps_missing(&m, NULL, 0), 0);
	assert_int_equal(missing(&l, names), 0);
}

static void test_full_set_controls(void **state)
{
	struct vmx_cap_msrs m = full();
	struct vmx_controls c;

	(void)state;
	memset(&c, 0xA5, sizeof(c));
	vmx_controls_compute(&m, &c);
	check_controls_legal(&m, &c);
	check_required(&c);
	/* Optional ones, all allowed here. */
	assert_int_equal(c.proc2 & PROC2_OPT, PROC2_OPT);
	assert_int_equal(c.exit & (EXIT_SAVE_PAT | EXIT_LOAD_PAT), EXIT_SAVE_PAT | EXIT_LOAD_PAT);
	assert_int_equal(c.entry & ENTRY_LOAD_PAT, ENTRY_LOAD_PAT);
	assert_true(c.ept_1g);
	assert_true(c.invept_single);
	/* Nothing asked for that would trap the guest needlessly: pin
	 * controls are the must-be-1 bits, NMI exiting (the VMM's IPI kick,
	 * vmm/ipi/vipi.h) and virtual NMIs only, no I/O, MOV DR, HLT, RDTSC or
	 * (TRUE MSRs) CR3 exiting, no external-interrupt exiting, and no
	 * NMI-window exiting until an NMI waits (vmm/event/vnmi.c). */
	assert_int_equal(c.pin, PIN_DEFAULT1 | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	assert_int_equal(c.proc & PROC_NMI_WINDOW, 0);
	assert_int_equal(c.proc & PROC_NEVER, 0);
	assert_int_equal(c.proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING), 0);
	assert_int_equal(c.pin & PIN_EXT_INTR_EXITING, 0);
	assert_int_equal(c.exit & EXIT_ACK_INTR_ON_EXIT, 0);
}

static void test_legacy_must_be_1_kept(void **state)
{
	struct vmx_cap_msrs m = full_legacy();
	struct vmx_controls c;

	(void)state;
	vmx_controls_compute(&m, &c);
	check_controls_legal(&m, &c);
	check_required(&c);
	/* Without TRUE MSRs CR3-load/store exiting cannot be turned off. */
	assert_int_equal(c.proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING),
			 PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING);
	assert_int_equal(c.exit & EXIT_DEFAULT1, EXIT_DEFAULT1);
	assert_int_equal(c.entry & ENTRY_DEFAULT1, ENTRY_DEFAULT1);
	assert_int_equal(c.proc & PROC_NEVER, 0);
}

static void test_optional_absent(void **state)
{
	const char *names[VMX_CAPS_MAX_MISSING];
	struct vmx_cap_msrs m = full();
	struct vmx_controls c;

	(void)state;
	clear_may1(&m.proc2, PROC2_OPT);
	clear_may1(&m.exit, EXIT_SAVE_PAT | EXIT_LOAD_PAT);
	clear_may1(&m.entry, ENTRY_LOAD_PAT);
	m.ept_vpid &= ~(EPT_CAP_1G | EPT_CAP_INVEPT_SINGLE);
	assert_int_equal(missing(&m, names), 0);
	vmx_controls_compute(&m, &c);
	check_controls_legal(&m, &c);
	check_required(&c);
	assert_int_equal(c.proc2 & PROC2_OPT, 0);
	assert_int_equal(c.exit & (EXIT_SAVE_PAT | EXIT_LOAD_PAT), 0);
	assert_int_equal(c.entry & ENTRY_LOAD_PAT, 0);
	assert_false(c.ept_1g);
	assert_false(c.invept_single);
}

static void test_optional_one_by_one(void **state)
{
	static const uint32_t opt[] = {
		PROC2_ENABLE_RDTSCP, PROC2_ENABLE_INVPCID, PROC2_ENABLE_XSAVES,
		PROC2_ENABLE_USER_WAIT_PAUSE,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		struct vmx_cap_msrs m = full();
		struct vmx_controls c;

		clear_may1(&m.proc2, opt[i]);
		vmx_controls_compute(&m, &c);
		check_controls_legal(&m, &c);
		assert_int_equal(c.proc2 & opt[i], 0);
		assert_int_equal(c.proc2 & PROC2_OPT, PROC2_OPT & ~opt[i]);
	}
}

/* PAT is saved and loaded as a pair: if the entry side cannot load it, the
 * exit side does not switch it either, and the other way round. */
static void test_pat_pair(void **state)
{
	struct vmx_cap_msrs m = full();
	struct vmx_controls c;

	(void)state;
	clear_may1(&m.entry, ENTRY_LOAD_PAT);
	vmx_controls_compute(&m, &c);
	check_controls_legal(&m, &c);
	assert_int_equal(c.exit & (EXIT_SAVE_PAT | EXIT_LOAD_PAT), 0);
	assert_int_equal(c.entry & ENTRY_LOAD_PAT, 0);

	m = full();
	clear_may1(&m.exit, EXIT_LOAD_PAT);
	vmx_controls_compute(&m, &c);
	check_controls_legal(&m, &c);
	assert_int_equal(c.exit & (EXIT_SAVE_PAT | EXIT_LOAD_PAT), 0);
	assert_int_equal(c.entry & ENTRY_LOAD_PAT, 0);

	/* A CPU that forces save-PAT keeps it even when the pair is off. */
	m = full();
	clear_may1(&m.entry, ENTRY_LOAD_PAT);
	m.exit |= EXIT_SAVE_PAT;
	vmx_controls_compute(&m, &c);
	check_controls_legal(&m, &c);
	assert_int_equal(c.exit & (EXIT_SAVE_PAT | EXIT_LOAD_PAT), EXIT_SAVE_PAT);
}

static void test_each_required_missing(void **state)
{
	struct vmx_cap_msrs m;

	(void)state;
	m = full(); clear_may1(&m.proc, PROC_USE_MSR_BITMAPS);
	expect_one_missing(&m, "no MSR bitmaps", "MSR bitmaps");
	m = full(); m.misc &= ~(1ull << 8);
	expect_one_missing(&m, "no wait-for-SIPI", "wait-for-SIPI activity state");
	m = full(); m.misc &= ~(1ull << 6);
	expect_one_missing(&m, "no HLT activity", "HLT activity state");
	m = full(); clear_may1(&m.pin, PIN_NMI_EXITING);
	expect_one_missing(&m, "no NMI exiting", "NMI exiting");
	m = full(); clear_may1(&m.proc, PROC_SECONDARY_CTLS);
	expect_one_missing(&m, "no secondary controls bit", "secondary processor-based controls");
	m = full(); clear_may1(&m.pin, PIN_VIRTUAL_NMIS);
	expect_one_missing(&m, "no virtual NMIs", "virtual NMIs");
	m = full(); clear_may1(&m.proc, PROC_NMI_WINDOW);
	expect_one_missing(&m, "no NMI-window exiting", "NMI-window exiting");
	m = full(); clear_may1(&m.proc2, PROC2_ENABLE_EPT);
	expect_one_missing(&m, "no EPT", "EPT");
	m = full(); clear_may1(&m.proc2, PROC2_UNRESTRICTED_GUEST);
	expect_one_missing(&m, "no unrestricted guest", "unrestricted guest");
	m = full(); m.ept_vpid &= ~EPT_CAP_WALK_4;
	expect_one_missing(&m, "no 4-level walk", "EPT 4-level page walk");
	m = full(); m.ept_vpid &= ~EPT_CAP_MEMTYPE_WB;
	expect_one_missing(&m, "no EPT WB", "EPT write-back paging structures");
	m = full(); m.ept_vpid &= ~EPT_CAP_2M;
	expect_one_missing(&m, "no 2 MiB EPT pages", "EPT 2 MiB pages");
	m = full(); m.ept_vpid &= ~EPT_CAP_INVEPT;
	expect_one_missing(&m, "no INVEPT", "INVEPT");
	m = full(); m.ept_vpid &= ~(EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL);
	expect_one_missing(&m, "INVEPT without any type", "INVEPT");
	m = full(); clear_may1(&m.exit, EXIT_HOST_ADDR_SPACE_64);
	expect_one_missing(&m, "no 64-bit host", "64-bit host (exit control)");
	m = full(); clear_may1(&m.exit, EXIT_SAVE_EFER);
	expect_one_missing(&m, "no save EFER", "save/load IA32_EFER on VM exit");
	m = full(); clear_may1(&m.exit, EXIT_LOAD_EFER);
	expect_one_missing(&m, "no exit load EFER", "save/load IA32_EFER on VM exit");
	m = full(); clear_may1(&m.entry, ENTRY_IA32E_MODE_GUEST);
	expect_one_missing(&m, "no IA-32e guest", "IA-32e mode guest (entry control)");
	m = full(); clear_may1(&m.entry, ENTRY_LOAD_EFER);
	expect_one_missing(&m, "no entry load EFER", "load IA32_EFER on VM entry");
	/* SDM 28.5.1: without these DR7 and IA32_DEBUGCTL die at every exit. */
	m = full(); clear_may1(&m.exit, EXIT_SAVE_DEBUG_CTLS);
	expect_one_missing(&m, "no save debug controls", "save debug controls on VM exit");
	m = full(); clear_may1(&m.entry, ENTRY_LOAD_DEBUG_CTLS);
	expect_one_missing(&m, "no load debug controls", "load debug controls on VM entry");
}

/* SDM Vol. 3C, 25.6.1 "Pin-Based VM-Execution Controls" and 26.7.6
 * "NMI-Window Exiting": the guest's NMIs need virtual NMIs (its IRET ends
 * its own NMI blocking) and NMI-window exiting (an NMI waits until the
 * guest can take it); 27.2.1.1: virtual NMIs only with NMI exiting, and
 * NMI-window exiting only with virtual NMIs. Both are required, and the
 * legacy MSRs give the same. */
static void test_sdm_25_6_1_virtual_nmis_and_nmi_window(void **state)
{
	const char *names[VMX_CAPS_MAX_MISSING];
	struct vmx_cap_msrs m = full_legacy();
	struct vmx_controls c;

	(void)state;
	vmx_controls_compute(&m, &c);
	assert_int_equal(c.pin & (PIN_NMI_EXITING | PIN_VIRTUAL_NMIS),
			 PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	assert_int_equal(c.proc & PROC_NMI_WINDOW, 0);
	check_controls_legal(&m, &c);
	m = full();
	clear_may1(&m.pin, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	clear_may1(&m.proc, PROC_NMI_WINDOW);
	assert_int_equal(missing(&m, names), 3);
	assert_string_equal(names[0], "NMI exiting");
	assert_string_equal(names[1], "virtual NMIs");
	assert_string_equal(names[2], "NMI-window exiting");
}

static void test_one_invept_type_is_enough(void **state)
{
	const char *names[VMX_CAPS_MAX_MISSING];
	struct vmx_cap_msrs m = full();
	struct vmx_controls c;

	(void)state;
	m.ept_vpid &= ~EPT_CAP_INVEPT_SINGLE;
	assert_int_equal(missing(&m, names), 0);
	vmx_controls_compute(&m, &c);
	assert_false(c.invept_single);
	m = full();
	m.ept_vpid &= ~EPT_CAP_INVEPT_ALL;
	assert_int_equal(missing(&m, names), 0);
	vmx_controls_compute(&m, &c);
	assert_true(c.invept_single);
	/* 1 GiB pages are optional. */
	m = full();
	m.ept_vpid &= ~EPT_CAP_1G;
	assert_int_equal(missing(&m, names), 0);
	vmx_controls_compute(&m, &c);
	assert_false(c.ept_1g);
}

/* VPID needs the control and single-context INVVPID (vmm/setup/vmx_caps.h). */
static void test_vpid(void **state)
{
	struct vmx_cap_msrs m = full();
	struct vmx_controls c;

	(void)state;
	m.ept_vpid |= EPT_CAP_INVVPID | EPT_CAP_INVVPID_SINGLE;
	vmx_controls_compute(&m, &c);
	assert_true(c.vpid);
	assert_int_equal(c.proc2 & PROC2_ENABLE_VPID, PROC2_ENABLE_VPID);
	check_controls_legal(&m, &c);
	m.ept_vpid &= ~EPT_CAP_INVVPID_SINGLE;
	vmx_controls_compute(&m, &c);
	assert_false(c.vpid);
	assert_int_equal(c.proc2 & PROC2_ENABLE_VPID, 0);
	m.ept_vpid |= EPT_CAP_INVVPID_SINGLE;
	m.ept_vpid &= ~EPT_CAP_INVVPID;
	vmx_controls_compute(&m, &c);
	assert_false(c.vpid);
	m.ept_vpid |= EPT_CAP_INVVPID;
	m.proc2 &= ~((uint64_t)PROC2_ENABLE_VPID << 32);
	vmx_controls_compute(&m, &c);
	assert_false(c.vpid);
	assert_int_equal(c.proc2 & PROC2_ENABLE_VPID, 0);
}

static void test_forced_exiting(void **state)
{
	static const uint32_t forced[] = {
		PROC_UNCOND_IO_EXITING, PROC_MOV_DR_EXITING, PROC_HLT_EXITING,
		PROC_RDTSC_EXITING,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(forced) / sizeof(forced[0]); i++) {
		struct vmx_cap_msrs m = full();

		m.proc |= forced[i]; /* must be 1 */
		expect_one_missing(&m, "forced exiting",
				   "I/O, MOV-DR, HLT and RDTSC exiting can be off");
	}
	/* Other forced bits (e.g. CR3 exiting without TRUE MSRs) are fine. */
	struct vmx_cap_msrs m = full();
	const char *names[VMX_CAPS_MAX_MISSING];

	m.proc |= PROC_CR3_LOAD_EXITING | PROC_INVLPG_EXITING;
	assert_int_equal(missing(&m, names), 0);
}

static void test_no_secondary_controls(void **state)
{
	/* EPT's own features are not listed when EPT itself is missing. */
	static const char *const expected[] = {
		"secondary processor-based controls", "EPT", "unrestricted guest",
	};
	const char *names[VMX_CAPS_MAX_MISSING];
	struct vmx_cap_msrs m = full();
	unsigned n;

	(void)state;
	/* As the loader reads it: proc2 and ept_vpid are 0 when the
	 * secondary controls cannot be enabled. */
	clear_may1(&m.proc, PROC_SECONDARY_CTLS);
	m.proc2 = 0;
	m.ept_vpid = 0;
	n = missing(&m, names);
	assert_int_equal(n, sizeof(expected) / sizeof(expected[0]));
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		int found = 0;

		for (unsigned j = 0; j < n; j++)
			if (names[j] && strcmp(names[j], expected[i]) == 0)
				found = 1;
		if (!found)
			fail_msg("no secondary controls: '%s' not listed", expected[i]);
	}
	/* Each name once. */
	for (unsigned a = 0; a < n; a++)
		for (unsigned b = a + 1; b < n; b++)
			assert_string_not_equal(names[a], names[b]);
}

/* A Core 2 (Penryn): secondary controls, but neither EPT nor unrestricted
 * guest, and no IA32_VMX_EPT_VPID_CAP to read (ept_vpid 0). */
static void test_no_ept(void **state)
{
	const char *names[VMX_CAPS_MAX_MISSING];
	struct vmx_cap_msrs m = full();

	(void)state;
	clear_may1(&m.proc2, PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST);
	m.ept_vpid = 0;
	assert_int_equal(missing(&m, names), 2);
	assert_string_equal(names[0], "EPT");
	assert_string_equal(names[1], "unrestricted guest");
	assert_null(names[2]);
	/* EPT with every feature but without unrestricted guest (Lynnfield) */
	m = full();
	clear_may1(&m.proc2, PROC2_UNRESTRICTED_GUEST);
	m.ept_vpid &= ~EPT_CAP_1G;
	expect_one_missing(&m, "no unrestricted guest", "unrestricted guest");
}

static void test_vmcs_memory_type(void **state)
{
	static const unsigned not_wb[] = { MEMTYPE_UC, 1, 4, 5, 7, 15 };

	(void)state;
	for (size_t i = 0; i < sizeof(not_wb) / sizeof(not_wb[0]); i++) {
		struct vmx_cap_msrs m = full();

		m.basic &= ~BASIC_MEMTYPE(0xF);
		m.basic |= BASIC_MEMTYPE(not_wb[i]);
		expect_one_missing(&m, "VMCS memory type", "write-back VMCS memory type");
	}
}

static void test_region_size(void **state)
{
	static const unsigned bad[] = { 0, 4097, 8192, 0x1FFF };
	static const unsigned good[] = { 1024, 4096 };
	const char *names[VMX_CAPS_MAX_MISSING];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vmx_cap_msrs m = full();

		m.basic &= ~BASIC_SIZE(0x1FFF);
		m.basic |= BASIC_SIZE(bad[i]);
		expect_one_missing(&m, "region size", "VMXON/VMCS region of at most 4 KiB");
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct vmx_cap_msrs m = full();

		m.basic &= ~BASIC_SIZE(0x1FFF);
		m.basic |= BASIC_SIZE(good[i]);
		assert_int_equal(missing(&m, names), 0);
	}
}

static void test_names_array_bounds(void **state)
{
	const char *names[4] = { "sentinel0", "sentinel1", "sentinel2", "sentinel3" };
	struct vmx_cap_msrs m = full();
	unsigned n;

	(void)state;
	clear_may1(&m.proc, PROC_SECONDARY_CTLS);
	m.proc2 = 0;
	m.ept_vpid = 0;
	/* Room for 2: the first two are filled, the count is still 3. */
	n = vmx_caps_missing(&m, names, 2);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "secondary processor-based controls");
	assert_non_null(names[1]);
	assert_string_not_equal(names[1], "sentinel1");
	assert_string_equal(names[2], "sentinel2");
	assert_string_equal(names[3], "sentinel3");
	/* Everything missing at once stays within VMX_CAPS_MAX_MISSING. */
	memset(&m, 0, sizeof(m));
	m.proc = CAP(PROC_NEVER, 0);
	n = vmx_caps_missing(&m, NULL, 0);
	assert_true(n >= 10);
	assert_true(n <= VMX_CAPS_MAX_MISSING);
}

/* The loader's one refusal line: as many names as fit, room kept for the
 * caller's ", and N more" only when some are left out. */
static void test_join(void **state)
{
	static const char *const names[] = { "EPT", "unrestricted guest", "INVEPT" };
	static const struct {
		unsigned n;
		size_t size, reserve;
		unsigned shown;
		const char *text;
	} cases[] = {
		{ 3, 64, 16, 3, "EPT, unrestricted guest, INVEPT" },
		{ 1, 64, 16, 1, "EPT" },
		{ 0, 64, 16, 0, "" },
		/* 31 characters: exactly fits 32, not 31 */
		{ 3, 32, 0, 3, "EPT, unrestricted guest, INVEPT" },
		{ 3, 31, 0, 2, "EPT, unrestricted guest" },
		/* the reserve applies while names remain: 23 + 8 > 30 ... */
		{ 3, 30, 8, 1, "EPT" },
		/* ... and not after the last one: 23 + 16 < 40, 31 < 40 */
		{ 3, 40, 16, 3, "EPT, unrestricted guest, INVEPT" },
		{ 3, 3, 0, 0, "" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(vmx_caps_join(names, cases[i].n, buf, cases[i].size,
					       cases[i].reserve), cases[i].shown);
		assert_string_equal(buf, cases[i].text);
	}
	/* no room at all: nothing written */
	buf[0] = 'x';
	assert_int_equal(vmx_caps_join(names, 3, buf, 0, 0), 0);
	assert_int_equal(buf[0], 'x');
}

/* The log text of what is missing: singular, plural, and cut with a count. */
static void test_describe_missing(void **state)
{
	struct vmx_cap_msrs m = full();
	char buf[VMX_CAPS_TEXT_MAX];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(vmx_caps_describe_missing(&m, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	clear_may1(&m.proc2, PROC2_ENABLE_EPT);
	assert_int_equal(vmx_caps_describe_missing(&m, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "capability: EPT");
	clear_may1(&m.proc2, PROC2_UNRESTRICTED_GUEST);
	assert_int_equal(vmx_caps_describe_missing(&m, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "capabilities: EPT, unrestricted guest");
	/* 36 bytes: "capabilities: " (14), then 22 for the list: "EPT" with 16
	 * kept free fits, ", unrestricted guest" (20) does not */
	assert_int_equal(vmx_caps_describe_missing(&m, buf, 36), 2);
	assert_string_equal(buf, "capabilities: EPT, and 1 more");
}

static void test_adjust_ctl(void **state)
{
	(void)state;
	/* must-be-1 bits are added */
	assert_int_equal(vmx_adjust_ctl(CAP(0x16, 0xFF), 0), 0x16);
	assert_int_equal(vmx_adjust_ctl(CAP(0x16, 0xFF), 0x81), 0x97);
	/* bits not allowed as 1 are dropped */
	assert_int_equal(vmx_adjust_ctl(CAP(0x16, 0xFF), 0x100), 0x16);
	assert_int_equal(vmx_adjust_ctl(CAP(0, 0x0000FFFF), 0xFFFFFFFF), 0xFFFF);
	assert_int_equal(vmx_adjust_ctl(CAP(0, 0), 0xFFFFFFFF), 0);
	/* high bit of each half */
	assert_int_equal(vmx_adjust_ctl(CAP(0x80000000u, 0xFFFFFFFFu), 1), 0x80000001u);
	assert_int_equal(vmx_adjust_ctl(CAP(0, 0x7FFFFFFFu), 0x80000001u), 1);
	assert_int_equal(vmx_adjust_ctl(CAP(0, 0xFFFFFFFFu), 0xDEADBEEFu), 0xDEADBEEFu);
	/* allowed-1 wins over an inconsistent allowed-0 */
	assert_int_equal(vmx_adjust_ctl(CAP(0x1, 0x0), 0), 0);
	/* real Bochs values: proc with CR3 exiting forced */
	assert_int_equal(vmx_adjust_ctl(CAP(PROC_DEFAULT1, 0xFFFFFFFFu), PROC_NEED),
			 PROC_DEFAULT1 | PROC_NEED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_set_nothing_missing),
		cmocka_unit_test(test_full_set_controls),
		cmocka_unit_test(test_legacy_must_be_1_kept),
		cmocka_unit_test(test_optional_absent),
		cmocka_unit_test(test_optional_one_by_one),
		cmocka_unit_test(test_pat_pair),
		cmocka_unit_test(test_each_required_missing),
		cmocka_unit_test(test_sdm_25_6_1_virtual_nmis_and_nmi_window),
		cmocka_unit_test(test_one_invept_type_is_enough),
		cmocka_unit_test(test_vpid),
		cmocka_unit_test(test_forced_exiting),
		cmocka_unit_test(test_no_secondary_controls),
		cmocka_unit_test(test_no_ept),
		cmocka_unit_test(test_vmcs_memory_type),
		cmocka_unit_test(test_region_size),
		cmocka_unit_test(test_names_array_bounds),
		cmocka_unit_test(test_describe_missing),
		cmocka_unit_test(test_adjust_ctl),
		cmocka_unit_test(test_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
