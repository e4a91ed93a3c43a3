/* Unit tests for vmm/ipi/init_sipi.c: every field of the INIT state for the
 * bootstrap and an application processor (Intel SDM Vol. 3A, 10.1.1,
 * Table 10-1 "IA-32 and Intel 64 Processor States Following Power-up,
 * Reset, or INIT"), SIPI with several vectors (Vol. 3A, 9.4.4 "MP
 * Initialization Example"), INIT after SIPI, and the VM-entry guest-state
 * checks the result must pass with unrestricted guest (Vol. 3C, 27.3.1
 * "Checks on the Guest State Area"). The checker is tested against
 * invalid states too, so that it cannot pass vacuously.
 * Expected values are written out from the SDM, not taken from the code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/vmcs_fields.h"
#include "vmm/ipi/init_sipi.h"

/* Table 10-1, the "INIT" column. */
#define T_CR0       0x60000010ull
/* The CR0 a vCPU has before INIT in most tests: the power-up value, whose
 * CD and NW INIT keeps (footnote 2 of the table). */
#define RESET_CR0   T_CR0
#define T_CR0_ET    0x00000010ull
#define T_CR0_CD    (1ull << 30)
#define T_CR0_NW    (1ull << 29)
#define T_RFLAGS    0x00000002ull
#define T_DR7       0x00000400ull
#define T_RIP       0x0000FFF0ull
#define T_CS_SEL    0xF000u
#define T_CS_BASE   0xFFFF0000ull
#define T_LIMIT     0xFFFFu
#define T_DT_LIMIT  0xFFFFu
/* Access rights in the VMCS format (Vol. 3C, 25.4.1, Table 25-2). */
#define T_AR_CS     0x9Bu /* P, S, execute/read accessed code */
#define T_AR_DATA   0x93u /* P, S, read/write accessed data */
#define T_AR_LDTR   0x82u /* P, LDT */
#define T_AR_TR     0x8Bu /* P, busy TSS */

/* A Skylake-X processor signature: family 6, model 0x55, stepping 4. */
#define SIGNATURE   0x00050654u
#define JUNK_BYTE   0xA5

/* ---- a guest-state checker: Vol. 3C, 27.3.1 ------------------------- */

/* Bits of RFLAGS (Vol. 1, 3.4.3 "EFLAGS Register"). */
#define RFLAGS_FIXED1   (1ull << 1)
#define RFLAGS_VM       (1ull << 17)
#define RFLAGS_RESERVED (~((1ull << 22) - 1) | (1ull << 15) | (1ull << 5) | (1ull << 3))
#define CR0_PE          (1ull << 0)
#define CR0_PG          (1ull << 31)
#define CR4_PAE         (1ull << 5)
#define CR4_PCIDE       (1ull << 17)
#define EFER_LME        (1ull << 8)
#define EFER_LMA        (1ull << 10)
#define EFER_DEFINED    ((1ull << 0) | EFER_LME | EFER_LMA | (1ull << 11))
#define HIGH32          0xFFFFFFFF00000000ull
#define LIMIT_LOW12     0xFFFu
#define LIMIT_HIGH12    0xFFF00000u
#define AR_RESERVED_LOW 0xF00u       /* bits 11:8 */
#define AR_RESERVED_HI  0xFFFE0000u  /* bits 31:17 */
#define SEL_TI          (1u << 2)
#define DT_LIMIT_HIGH   0xFFFF0000u  /* limit bits 31:16 */
#define TYPE_ACCESSED   0x1u
#define TYPE_READABLE   0x2u
#define TYPE_CONFORMING 0x4u
#define TYPE_CODE       0x8u
#define CODE_ACCESSED   (TYPE_CODE | TYPE_ACCESSED)
#define TYPE_DATA_RW    3u   /* read/write accessed expand-up data */
#define TYPE_DATA_RW_DN 7u   /* read/write accessed expand-down data */
#define TYPE_TSS16_BUSY 3u
#define TYPE_TSS_BUSY   11u
#define TYPE_LDT        2u

static unsigned ar_type(uint32_t ar) { return ar & AR_TYPE_MASK; }
static unsigned ar_dpl(uint32_t ar) { return (ar & AR_DPL_MASK) >> AR_DPL_SHIFT; }
static bool usable(const struct seg_state *s) { return !(s->ar & AR_UNUSABLE); }

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* "If any bit in the limit field in the range 11:0 is 0, G must be 0. If
 * any bit in the limit field in the range 31:20 is 1, G must be 1." */
static bool g_consistent(const struct seg_state *s)
{
	if ((s->limit & LIMIT_LOW12) != LIMIT_LOW12 && (s->ar & AR_G))
		return false;
	if ((s->limit & LIMIT_HIGH12) && !(s->ar & AR_G))
		return false;
	return true;
}

/* Common part for CS and usable SS/DS/ES/FS/GS: S, P, reserved bits, G. */
static const char *check_code_data_common(const struct seg_state *s)
{
	if (!(s->ar & AR_S))
		return "S must be 1";
	if (!(s->ar & AR_P))
		return "P must be 1";
	if (s->ar & (AR_RESERVED_LOW | AR_RESERVED_HI))
		return "reserved access-rights bits set";
	if (!g_consistent(s))
		return "G inconsistent with the limit";
	return NULL;
}

static const char *check_cs(const struct vcpu_arch_state *s)
{
	unsigned type = ar_type(s->cs.ar);

	bool code = (type & CODE_ACCESSED) == CODE_ACCESSED; /* 9, 11, 13, 15 */

	/* Unrestricted guest: 3, or an accessed code segment. */
	if (type != TYPE_DATA_RW && !code)
		return "CS type must be 3, 9, 11, 13 or 15";
	if (type == TYPE_DATA_RW && ar_dpl(s->cs.ar) != 0)
		return "CS of type 3 must have DPL 0";
	if (code && !(type & TYPE_CONFORMING) && ar_dpl(s->cs.ar) != ar_dpl(s->ss.ar))
		return "non-conforming CS DPL must equal SS DPL";
	if (code && (type & TYPE_CONFORMING) && ar_dpl(s->cs.ar) > ar_dpl(s->ss.ar))
		return "conforming CS DPL above SS DPL";
	if (s->long_mode && (s->cs.ar & AR_L) && (s->cs.ar & AR_DB))
		return "CS.L and CS.D/B both set in IA-32e mode";
	if (s->cs.base & HIGH32)
		return "CS base bits 63:32 set";
	return check_code_data_common(&s->cs);
}

static const char *check_ss(const struct vcpu_arch_state *s)
{
	unsigned type = ar_type(s->ss.ar);

	if (!usable(&s->ss))
		return NULL;
	if (type != TYPE_DATA_RW && type != TYPE_DATA_RW_DN)
		return "SS type must be 3 or 7";
	if ((ar_type(s->cs.ar) == TYPE_DATA_RW || !(s->cr0 & CR0_PE)) && ar_dpl(s->ss.ar) != 0)
		return "SS DPL must be 0 (CR0.PE = 0 or CS type 3)";
	if (s->ss.base & HIGH32)
		return "SS base bits 63:32 set";
	return check_code_data_common(&s->ss);
}

static const char *check_data(const struct seg_state *seg, bool base_32bit)
{
	unsigned type = ar_type(seg->ar);

	if (!usable(seg))
		return NULL;
	if (!(type & TYPE_ACCESSED))
		return "data segment not accessed";
	if ((type & TYPE_CODE) && !(type & TYPE_READABLE))
		return "code segment in a data register not readable";
	if (base_32bit && (seg->base & HIGH32))
		return "DS/ES base bits 63:32 set";
	if (!base_32bit && !canonical(seg->base))
		return "FS/GS base not canonical";
	return check_code_data_common(seg);
}

static const char *check_system_common(const struct seg_state *seg)
{
	if (seg->ar & AR_S)
		return "system segment with S = 1";
	if (!(seg->ar & AR_P))
		return "system segment not present";
	if (seg->ar & (AR_RESERVED_LOW | AR_RESERVED_HI))
		return "system segment reserved bits set";
	if (!g_consistent(seg))
		return "system segment G inconsistent with the limit";
	if (seg->sel & SEL_TI)
		return "system segment selector TI set";
	if (!canonical(seg->base))
		return "system segment base not canonical";
	return NULL;
}

static const char *check_tr(const struct vcpu_arch_state *s)
{
	unsigned type = ar_type(s->tr.ar);

	if (!usable(&s->tr))
		return "TR unusable";
	if (s->long_mode ? type != TYPE_TSS_BUSY : type != TYPE_TSS16_BUSY && type != TYPE_TSS_BUSY)
		return "TR type must be a busy TSS (3 or 11; 11 in IA-32e mode)";
	return check_system_common(&s->tr);
}

static const char *check_ldtr(const struct vcpu_arch_state *s)
{
	if (!usable(&s->ldtr))
		return NULL;
	if (ar_type(s->ldtr.ar) != TYPE_LDT)
		return "LDTR type must be 2";
	return check_system_common(&s->ldtr);
}

/* 27.3.1.2 "Checks on Guest Segment Registers", not virtual-8086. */
static const char *check_segments(const struct vcpu_arch_state *s)
{
	const char *why;

	if ((why = check_cs(s)) || (why = check_ss(s)) || (why = check_data(&s->ds, true)) ||
	    (why = check_data(&s->es, true)) || (why = check_data(&s->fs, false)) ||
	    (why = check_data(&s->gs, false)) || (why = check_tr(s)) || (why = check_ldtr(s)))
		return why;
	return NULL;
}

/* 27.3.1.1 "Checks on Guest Control Registers, Debug Registers, and
 * MSRs", with unrestricted guest (PE and PG free, NW/CD never checked). */
static const char *check_control(const struct vcpu_arch_state *s)
{
	if ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE))
		return "CR0.PG without CR0.PE";
	if (s->long_mode && (!(s->cr0 & CR0_PG) || !(s->cr4 & CR4_PAE)))
		return "IA-32e mode guest without CR0.PG and CR4.PAE";
	if (!s->long_mode && (s->cr4 & CR4_PCIDE))
		return "CR4.PCIDE outside IA-32e mode";
	if (s->dr7 & HIGH32)
		return "DR7 bits 63:32 set";
	if (s->efer & ~EFER_DEFINED)
		return "EFER reserved bits set";
	if (!!(s->efer & EFER_LMA) != s->long_mode)
		return "EFER.LMA differs from the IA-32e mode guest control";
	if ((s->cr0 & CR0_PG) && !!(s->efer & EFER_LME) != s->long_mode)
		return "EFER.LME differs from the IA-32e mode guest control with paging";
	return NULL;
}

/* 27.3.1.3 "Checks on Guest Descriptor-Table Registers" and 27.3.1.4
 * "Checks on Guest RIP, RFLAGS, and SSP". */
static const char *check_dt_rip_rflags(const struct vcpu_arch_state *s)
{
	if (!canonical(s->gdtr_base) || !canonical(s->idtr_base))
		return "GDTR/IDTR base not canonical";
	if ((s->gdtr_limit & DT_LIMIT_HIGH) || (s->idtr_limit & DT_LIMIT_HIGH))
		return "GDTR/IDTR limit bits 31:16 set";
	if ((!s->long_mode || !(s->cs.ar & AR_L)) && (s->rip & HIGH32))
		return "RIP bits 63:32 set outside 64-bit mode";
	if ((s->rflags & RFLAGS_RESERVED) || !(s->rflags & RFLAGS_FIXED1))
		return "RFLAGS reserved bits wrong";
	/* Real mode (CR0.PE = 0) cannot be virtual-8086 mode. */
	if ((s->long_mode || !(s->cr0 & CR0_PE)) && (s->rflags & RFLAGS_VM))
		return "RFLAGS.VM with CR0.PE = 0 or in IA-32e mode";
	return NULL;
}

/* 27.3.1.5 "Checks on Guest Non-Register State": the activity state. */
static const char *check_activity(const struct vcpu_arch_state *s)
{
	if (s->activity > ACTIVITY_WAIT_FOR_SIPI)
		return "activity state out of range";
	if (s->activity == ACTIVITY_HLT && ar_dpl(s->ss.ar) != 0)
		return "HLT activity state with SS DPL != 0";
	return NULL;
}

/* NULL when the state passes every check above, else the rule broken. */
static const char *guest_state_violation(const struct vcpu_arch_state *s)
{
	const char *why;

	if ((why = check_control(s)) || (why = check_segments(s)) ||
	    (why = check_dt_rip_rflags(s)) || (why = check_activity(s)))
		return why;
	return NULL;
}

static void assert_valid_guest_state(const struct vcpu_arch_state *s)
{
	const char *why = guest_state_violation(s);

	if (why)
		fail_msg("guest state fails VM-entry checks: %s", why);
}

/* ---- expected states ----------------------------------------------- */

static void expect_seg(const struct seg_state *seg, const char *name, uint16_t sel,
		       uint64_t base, uint32_t ar)
{
	if (seg->sel != sel || seg->base != base || seg->limit != T_LIMIT || seg->ar != ar)
		fail_msg("%s = sel %04x base %llx limit %x ar %x, expected %04x %llx %x %x", name,
			 seg->sel, (unsigned long long)seg->base, seg->limit, seg->ar, sel,
			 (unsigned long long)base, T_LIMIT, ar);
}

/* Every field but CS selector/base, RIP and the activity state, which
 * SIPI changes. */
static void expect_init_common(const struct vcpu_arch_state *s)
{
	assert_int_equal(s->cr0, T_CR0);
	assert_int_equal(s->cr3, 0);
	assert_int_equal(s->cr4, 0);
	assert_int_equal(s->rsp, 0);
	assert_int_equal(s->rflags, T_RFLAGS);
	assert_int_equal(s->efer, 0);
	assert_int_equal(s->dr7, T_DR7);
	assert_int_equal(s->rdx, SIGNATURE);
	assert_int_equal(s->cs.limit, T_LIMIT);
	assert_int_equal(s->cs.ar, T_AR_CS);
	expect_seg(&s->ss, "SS", 0, 0, T_AR_DATA);
	expect_seg(&s->ds, "DS", 0, 0, T_AR_DATA);
	expect_seg(&s->es, "ES", 0, 0, T_AR_DATA);
	expect_seg(&s->fs, "FS", 0, 0, T_AR_DATA);
	expect_seg(&s->gs, "GS", 0, 0, T_AR_DATA);
	expect_seg(&s->ldtr, "LDTR", 0, 0, T_AR_LDTR);
	expect_seg(&s->tr, "TR", 0, 0, T_AR_TR);
	assert_int_equal(s->gdtr_base, 0);
	assert_int_equal(s->gdtr_limit, T_DT_LIMIT);
	assert_int_equal(s->idtr_base, 0);
	assert_int_equal(s->idtr_limit, T_DT_LIMIT);
	assert_false(s->long_mode);
}

static void expect_init_state(const struct vcpu_arch_state *s, uint32_t activity)
{
	expect_init_common(s);
	expect_seg(&s->cs, "CS", T_CS_SEL, T_CS_BASE, T_AR_CS);
	assert_int_equal(s->rip, T_RIP);
	assert_int_equal(s->activity, activity);
}

static void expect_sipi_state(const struct vcpu_arch_state *s, uint8_t vector)
{
	expect_init_common(s);
	expect_seg(&s->cs, "CS", (uint16_t)(vector * 0x100u), vector * 0x1000ull, T_AR_CS);
	assert_int_equal(s->rip, 0);
	assert_int_equal(s->activity, ACTIVITY_ACTIVE);
}

/* A state full of garbage, as a vCPU has before INIT. */
static void junk(struct vcpu_arch_state *s)
{
	memset(s, JUNK_BYTE, sizeof(*s));
	s->long_mode = true;
}

/* ---- tests ---------------------------------------------------------- */

static void test_init_ap(void **state)
{
	struct vcpu_arch_state s;

	(void)state;
	junk(&s);
	init_signal_state(false, SIGNATURE, RESET_CR0, &s);
	expect_init_state(&s, ACTIVITY_WAIT_FOR_SIPI);
}

static void test_init_bsp(void **state)
{
	struct vcpu_arch_state s;

	(void)state;
	junk(&s);
	init_signal_state(true, SIGNATURE, RESET_CR0, &s);
	expect_init_state(&s, ACTIVITY_ACTIVE);
}

/* EDX carries whatever signature the caller passes, all 32 bits. */
static void test_init_rdx_signature(void **state)
{
	struct vcpu_arch_state s;

	(void)state;
	init_signal_state(false, 0xFFFFFFFFu, RESET_CR0, &s);
	assert_int_equal(s.rdx, 0xFFFFFFFFull);
	init_signal_state(false, 0, RESET_CR0, &s);
	assert_int_equal(s.rdx, 0);
}

static const uint8_t vectors[] = { 0x00, 0x08, 0x9F, 0xFF };

static void test_sipi_vectors(void **state)
{
	struct vcpu_arch_state s;

	(void)state;
	for (size_t i = 0; i < sizeof(vectors); i++) {
		junk(&s);
		init_signal_state(false, SIGNATURE, RESET_CR0, &s);
		sipi_state(vectors[i], &s);
		expect_sipi_state(&s, vectors[i]);
	}
	/* Spelled out for one vector: 9F00:0000 = physical 0x9F000. */
	init_signal_state(false, SIGNATURE, RESET_CR0, &s);
	sipi_state(0x9F, &s);
	assert_int_equal(s.cs.sel, 0x9F00);
	assert_int_equal(s.cs.base, 0x9F000);
	assert_int_equal(s.cs.base + s.rip, 0x9F000);
}

/* INIT after SIPI (and after running) gives the INIT state again. */
static void test_init_after_sipi(void **state)
{
	struct vcpu_arch_state s;

	(void)state;
	for (size_t i = 0; i < sizeof(vectors); i++) {
		init_signal_state(false, SIGNATURE, RESET_CR0, &s);
		sipi_state(vectors[i], &s);
		/* What the guest might have done meanwhile. */
		s.cr0 |= CR0_PE | CR0_PG;
		s.efer = EFER_LME | EFER_LMA;
		s.long_mode = true;
		s.rsp = 0x7000;
		s.ds.ar |= AR_UNUSABLE;
		init_signal_state(false, SIGNATURE, s.cr0, &s);
		expect_init_state(&s, ACTIVITY_WAIT_FOR_SIPI);
		init_signal_state(false, SIGNATURE, RESET_CR0, &s);
		expect_init_state(&s, ACTIVITY_WAIT_FOR_SIPI);
	}
}

/* Table 10-1, footnote 2: INIT leaves CR0.CD and CR0.NW as they were
 * (an OS that runs with caches on keeps them on across an AP's INIT), sets
 * ET and clears every other bit. */
static void test_sdm_3a_table_10_1_init_keeps_cd_nw(void **state)
{
	static const struct {
		uint64_t before, after;
	} cases[] = {
		{ 0x80000033ull, T_CR0_ET },                        /* PG, NE, ET, MP, PE: caches on */
		{ 0x80000033ull | T_CR0_CD, T_CR0_ET | T_CR0_CD }, /* CD only */
		{ 0xE0000011ull, T_CR0 },                           /* PG, CD, NW, ET, PE */
		{ 0, T_CR0_ET },
		{ ~0ull, T_CR0 },
	};
	struct vcpu_arch_state s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		junk(&s);
		init_signal_state(false, SIGNATURE, cases[i].before, &s);
		if (s.cr0 != cases[i].after)
			fail_msg("CR0 %llx before INIT: %llx after, expected %llx",
				 (unsigned long long)cases[i].before, (unsigned long long)s.cr0,
				 (unsigned long long)cases[i].after);
		/* The SIPI that follows changes no CR0 bit. */
		sipi_state(0x9F, &s);
		assert_int_equal(s.cr0, cases[i].after);
		assert_valid_guest_state(&s);
	}
}

static void test_states_pass_vmentry_checks(void **state)
{
	struct vcpu_arch_state s;

	(void)state;
	init_signal_state(true, SIGNATURE, RESET_CR0, &s);
	assert_valid_guest_state(&s);
	init_signal_state(false, SIGNATURE, RESET_CR0, &s);
	assert_valid_guest_state(&s);
	for (size_t i = 0; i < sizeof(vectors); i++) {
		init_signal_state(false, SIGNATURE, RESET_CR0, &s);
		sipi_state(vectors[i], &s);
		assert_valid_guest_state(&s);
	}
}

/* The checker itself: each mutation of a valid (SIPI) state breaks one
 * rule, and the checker must name that rule. */
#define MUTATION(name, body)                                   \
	static void mut_##name(struct vcpu_arch_state *s) { body; }
MUTATION(cs_data_unaccessed, s->cs.ar = (s->cs.ar & ~AR_TYPE_MASK) | 0x2)
MUTATION(cs_code_unaccessed, s->cs.ar = (s->cs.ar & ~AR_TYPE_MASK) | 0xA)
MUTATION(cs_not_present, s->cs.ar &= ~AR_P)
MUTATION(cs_system, s->cs.ar &= ~AR_S)
MUTATION(cs_dpl3, s->cs.ar |= AR_DPL_MASK)
MUTATION(cs_reserved, s->cs.ar |= 0x100)
MUTATION(cs_reserved_high, s->cs.ar |= 1u << 17)
MUTATION(cs_base_high, s->cs.base = 1ull << 32)
MUTATION(cs_g_small_limit, s->cs.ar |= AR_G; s->cs.limit = 0xFFFF0)
MUTATION(ss_code, s->ss.ar = (s->ss.ar & ~AR_TYPE_MASK) | 0xB)
MUTATION(ss_dpl3_real_mode, s->ss.ar |= AR_DPL_MASK; s->cs.ar |= AR_DPL_MASK)
MUTATION(ds_unaccessed, s->ds.ar &= ~1u)
MUTATION(es_not_present, s->es.ar &= ~AR_P)
MUTATION(fs_exec_only_code, s->fs.ar = (s->fs.ar & ~AR_TYPE_MASK) | 0x9)
MUTATION(gs_big_limit_no_g, s->gs.limit = 0x1FFFFF)
MUTATION(gs_base_noncanonical, s->gs.base = 1ull << 47)
MUTATION(tr_available, s->tr.ar = (s->tr.ar & ~AR_TYPE_MASK) | 0x9)
MUTATION(tr_unusable, s->tr.ar |= AR_UNUSABLE)
MUTATION(tr_not_present, s->tr.ar &= ~AR_P)
MUTATION(tr_ti, s->tr.sel = SEL_TI)
MUTATION(ldtr_wrong_type, s->ldtr.ar = (s->ldtr.ar & ~AR_TYPE_MASK) | 0x3)
MUTATION(ldtr_code_data, s->ldtr.ar |= AR_S)
MUTATION(pg_without_pe, s->cr0 |= CR0_PG)
MUTATION(long_mode_real, s->long_mode = true; s->efer = EFER_LME | EFER_LMA)
MUTATION(lma_without_long_mode, s->efer = EFER_LMA)
MUTATION(pcide, s->cr4 = CR4_PCIDE)
MUTATION(dr7_high, s->dr7 |= 1ull << 32)
MUTATION(gdtr_limit, s->gdtr_limit = 0x10000)
MUTATION(idtr_base, s->idtr_base = 1ull << 50)
MUTATION(rip_high, s->rip = 1ull << 32)
MUTATION(rflags_vm_real_mode, s->rflags |= RFLAGS_VM)
MUTATION(rflags_bit1_clear, s->rflags = 0)
MUTATION(rflags_reserved, s->rflags |= 1ull << 3)
MUTATION(hlt_dpl3, s->activity = ACTIVITY_HLT; s->ss.ar |= AR_DPL_MASK;
	 s->cs.ar |= AR_DPL_MASK; s->cr0 |= CR0_PE)
MUTATION(activity_range, s->activity = 4)
#undef MUTATION

struct mutation {
	const char *what;
	void (*apply)(struct vcpu_arch_state *s);
	const char *rule; /* a substring of the checker's answer */
};

#define M(name, rule) { #name, mut_##name, rule }
static const struct mutation mutations[] = {
	M(cs_data_unaccessed, "CS type"),
	M(cs_code_unaccessed, "CS type"),
	M(cs_not_present, "P must be 1"),
	M(cs_system, "S must be 1"),
	M(cs_dpl3, "non-conforming CS DPL"),
	M(cs_reserved, "reserved access-rights"),
	M(cs_reserved_high, "reserved access-rights"),
	M(cs_base_high, "CS base"),
	M(cs_g_small_limit, "G inconsistent"),
	M(ss_code, "SS type"),
	M(ss_dpl3_real_mode, "SS DPL must be 0"),
	M(ds_unaccessed, "not accessed"),
	M(es_not_present, "P must be 1"),
	M(fs_exec_only_code, "not readable"),
	M(gs_big_limit_no_g, "G inconsistent"),
	M(gs_base_noncanonical, "FS/GS base"),
	M(tr_available, "TR type"),
	M(tr_unusable, "TR unusable"),
	M(tr_not_present, "not present"),
	M(tr_ti, "TI"),
	M(ldtr_wrong_type, "LDTR type"),
	M(ldtr_code_data, "S = 1"),
	M(pg_without_pe, "CR0.PG without CR0.PE"),
	M(long_mode_real, "IA-32e mode guest without"),
	M(lma_without_long_mode, "EFER.LMA"),
	M(pcide, "PCIDE"),
	M(dr7_high, "DR7"),
	M(gdtr_limit, "limit bits 31:16"),
	M(idtr_base, "base not canonical"),
	M(rip_high, "RIP"),
	M(rflags_vm_real_mode, "RFLAGS.VM"),
	M(rflags_bit1_clear, "RFLAGS reserved"),
	M(rflags_reserved, "RFLAGS reserved"),
	M(hlt_dpl3, "HLT"),
	M(activity_range, "activity state out of range"),
};
#undef M

static void test_checker_rejects_invalid_states(void **state)
{
	struct vcpu_arch_state s;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		init_signal_state(false, SIGNATURE, RESET_CR0, &s);
		sipi_state(0x9F, &s);
		assert_null(guest_state_violation(&s));
		mutations[i].apply(&s);
		why = guest_state_violation(&s);
		if (!why)
			fail_msg("checker accepted the invalid state '%s'", mutations[i].what);
		if (!strstr(why, mutations[i].rule))
			fail_msg("'%s' refused for '%s', expected a rule with '%s'",
				 mutations[i].what, why, mutations[i].rule);
	}
}

/* And it accepts the variants the SDM allows: a type-3 CS (unrestricted
 * guest), unusable data segments and LDTR with junk attributes, a 16-bit
 * busy TSS, a page-granular 4 GiB limit. */
static void test_checker_accepts_valid_variants(void **state)
{
	struct vcpu_arch_state s;
	const char *why;

	(void)state;
	init_signal_state(false, SIGNATURE, RESET_CR0, &s);
	s.cs.ar = (s.cs.ar & ~AR_TYPE_MASK) | TYPE_DATA_RW;
	s.ds.ar = AR_UNUSABLE;
	s.fs.ar = AR_UNUSABLE | 0x5;
	s.ldtr.ar = AR_UNUSABLE;
	s.tr.ar = (s.tr.ar & ~AR_TYPE_MASK) | TYPE_TSS16_BUSY;
	s.es.limit = 0xFFFFFFFF;
	s.es.ar |= AR_G;
	why = guest_state_violation(&s);
	if (why)
		fail_msg("checker refused a valid state: %s", why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_ap),
		cmocka_unit_test(test_init_bsp),
		cmocka_unit_test(test_init_rdx_signature),
		cmocka_unit_test(test_sipi_vectors),
		cmocka_unit_test(test_init_after_sipi),
		cmocka_unit_test(test_sdm_3a_table_10_1_init_keeps_cd_nw),
		cmocka_unit_test(test_states_pass_vmentry_checks),
		cmocka_unit_test(test_checker_rejects_invalid_states),
		cmocka_unit_test(test_checker_accepts_valid_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
