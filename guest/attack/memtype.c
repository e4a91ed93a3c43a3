/* Memory types and the physical address space above the map limit
 * (docs/security.md, "MSRs"; docs/architecture.md, "Memory"):
 *  - the MTRRs a guest reads and writes are its own copy: a reserved bit
 *    or a reserved type is #GP as on the CPU (Intel SDM Vol. 3A, 12.11.2.1
 *    to 12.11.2.3, Table 12-8), MTRRs the CPU lacks (beyond
 *    IA32_MTRRCAP.VCNT) are #GP, IA32_MTRRCAP is read-only (12.11.1), a
 *    valid value reads back, and EPT takes the new type: the VMM's debug
 *    line names the type of the page, which the boot test checks;
 *  - IA32_PAT: reserved encodings are #GP (12.12.2), a valid value reads
 *    back;
 *  - MMIO above the map limit (512 GiB in Bochs): a read and a write
 *    through a page mapped at 512 GiB and at the top of MAXPHYADDR find
 *    unbacked memory (all ones), as bare: the VMM maps the address on
 *    first access;
 *  - a page-table entry with the address 2^MAXPHYADDR has a reserved bit
 *    set: #PF with RSVD in the error code (Vol. 3A, 5.7 "Page-Fault
 *    Exceptions"), before EPT could see the address.
 * These change the VMM's EPT as a guest may (memory types, tables), so
 * the program runs them before it takes the integrity hash. */
#include "guest/attack/attack.h"
#include "arch/x86_64/cpu.h"
#include "ept/mtrr.h"
#include "vmm/log/log.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/paging.h"

#define MSR_PAT 0x277u
#define PHYSBASE(n) (MSR_IA32_MTRR_PHYSBASE0 + 2u * (n))
#define PHYSMASK(n) (MSR_IA32_MTRR_PHYSMASK0 + 2u * (n))
#define PAGE 0x1000ull
#define HIGH_GPA (512ull << 30)        /* the map limit in Bochs */
#define HIGH_LINEAR (512ull << 30)     /* PML4 slot 1, unused by the cage */
#define PML4_SLOT_HIGH 1u
#define PF_P    (1ull << 0)
#define PF_RSVD (1ull << 3)
#define ALL_ONES 0xFFFFFFFFu
#define PAT_FIELD_BITS 8u

/* The page a variable MTRR makes WC, and the cage's extra tables for the
 * high window: PDPT, PD and PT of linear 512 GiB. */
static uint8_t probe[PAGE] __attribute__((aligned(PAGE)));
static uint64_t high_pdpt[512] __attribute__((aligned(PAGE)));
static uint64_t high_pd[512] __attribute__((aligned(PAGE)));
static uint64_t high_pt[512] __attribute__((aligned(PAGE)));

static inline void load_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

static unsigned maxphyaddr(void)
{
	struct cpuid_regs r;

	cpuid_count(CPUID_ADDR_SIZES, 0, &r);
	return r.eax & 0xFFu;
}

static uint64_t rd(uint32_t msr, int *vec)
{
	uint64_t v = 0;

	*vec = try_msr(RING0, false, msr, &v);
	return v;
}

static int wr(uint32_t msr, uint64_t v)
{
	return try_msr(RING0, true, msr, &v);
}

/* A WRMSR that must be #GP and leave msr as it was. */
static void expect_gp(char *why, uint32_t msr, uint64_t value)
{
	int vec, rvec;
	uint64_t before = rd(msr, &rvec), after;

	vec = wr(msr, value);
	after = rd(msr, &rvec);
	if (vec != VEC_GP || after != before)
		why_add(why, "WRMSR %x = %llx gave %s, the MSR went %llx -> %llx", msr,
			(unsigned long long)value, vector_name(vec), (unsigned long long)before,
			(unsigned long long)after);
}

static int free_variable_mtrr(unsigned vcnt)
{
	for (unsigned i = 0; i < vcnt && i < MTRR_MAX_VAR; i++) {
		int vec;
		uint64_t mask = rd(PHYSMASK(i), &vec);

		if (vec == NO_FAULT && !(mask & MTRR_PHYSMASK_VALID))
			return (int)i;
	}
	return -1;
}

/* One variable MTRR over the probe page as WC, read back, the page used,
 * then the MTRR as it was. */
static void mtrr_rewrite(unsigned n, unsigned phys_bits)
{
	uint64_t page = (uint64_t)(uintptr_t)probe;
	uint64_t addr_mask = ((1ull << phys_bits) - 1) & ~(PAGE - 1);
	uint64_t base = page | MEMTYPE_WC, mask = addr_mask | MTRR_PHYSMASK_VALID;
	uint64_t old_base, old_mask, got_base, got_mask;
	int vb, vm, v1, v2;

	old_base = rd(PHYSBASE(n), &vb);
	old_mask = rd(PHYSMASK(n), &vm);
	log_info(STAGE, "memtype: variable MTRR %u over page %llx, WC", n, (unsigned long long)page);
	v1 = wr(PHYSBASE(n), base);
	v2 = wr(PHYSMASK(n), mask);
	got_base = rd(PHYSBASE(n), &vb);
	got_mask = rd(PHYSMASK(n), &vm);
	resultf("mtrr-variable-write-reads-back",
		v1 == NO_FAULT && v2 == NO_FAULT && got_base == base && got_mask == mask,
		"WRMSR %x = %llx and %x = %llx gave %s and %s; read back %llx, %llx", PHYSBASE(n),
		(unsigned long long)base, PHYSMASK(n), (unsigned long long)mask, vector_name(v1),
		vector_name(v2), (unsigned long long)got_base, (unsigned long long)got_mask);
	for (unsigned i = 0; i < PAGE; i++)
		probe[i] = (uint8_t)i;
	resultf("mtrr-wc-page-usable", probe[PAGE - 1] == (uint8_t)(PAGE - 1),
		"the WC page reads back %x", probe[PAGE - 1]);
	v2 = wr(PHYSMASK(n), old_mask);
	v1 = wr(PHYSBASE(n), old_base);
	resultf("mtrr-variable-restored", v1 == NO_FAULT && v2 == NO_FAULT &&
		rd(PHYSMASK(n), &vm) == old_mask && rd(PHYSBASE(n), &vb) == old_base,
		"putting back %llx/%llx gave %s and %s", (unsigned long long)old_base,
		(unsigned long long)old_mask, vector_name(v1), vector_name(v2));
}

static void mtrr_refused(unsigned n, unsigned vcnt, bool fixed, unsigned phys_bits)
{
	char why[WHY_MAX] = "";
	int vec;
	uint64_t def = rd(MSR_IA32_MTRR_DEF_TYPE, &vec), v;

	expect_gp(why, PHYSBASE(n), (uint64_t)(uintptr_t)probe | 2u);
	expect_gp(why, PHYSBASE(n), (uint64_t)(uintptr_t)probe | 7u);
	expect_gp(why, MSR_IA32_MTRR_DEF_TYPE, (def & ~MTRR_DEF_TYPE_TYPE_MASK) | 3u);
	if (fixed)
		expect_gp(why, MSR_IA32_MTRR_FIX16K_A0000,
			  (rd(MSR_IA32_MTRR_FIX16K_A0000, &vec) & ~0xFF00ull) | 0x0300ull);
	result("mtrr-reserved-type-gp", why[0] == 0, why);

	why[0] = 0;
	expect_gp(why, PHYSBASE(n), (uint64_t)(uintptr_t)probe | (1ull << 8) | MEMTYPE_WB);
	expect_gp(why, PHYSBASE(n), (1ull << phys_bits) | MEMTYPE_WB);
	expect_gp(why, PHYSMASK(n), 1ull);
	expect_gp(why, PHYSMASK(n), (1ull << phys_bits) | MTRR_PHYSMASK_VALID);
	expect_gp(why, MSR_IA32_MTRR_DEF_TYPE, def | (1ull << 9));
	expect_gp(why, MSR_IA32_MTRR_DEF_TYPE, def | (1ull << 12));
	result("mtrr-reserved-bits-gp", why[0] == 0, why);

	why[0] = 0;
	v = 0;
	if (vcnt < MTRR_MAX_VAR) {
		vec = try_msr(RING0, false, PHYSBASE(vcnt), &v);
		if (vec != VEC_GP)
			why_add(why, "RDMSR %x (VCNT is %u) gave %s", PHYSBASE(vcnt), vcnt,
				vector_name(vec));
		vec = wr(PHYSMASK(vcnt), 0);
		if (vec != VEC_GP)
			why_add(why, "WRMSR %x = 0 gave %s", PHYSMASK(vcnt), vector_name(vec));
	}
	vec = wr(MSR_IA32_MTRRCAP, vcnt);
	if (vec != VEC_GP)
		why_add(why, "WRMSR IA32_MTRRCAP gave %s", vector_name(vec));
	result("mtrr-absent-and-read-only-gp", why[0] == 0, why);

	/* The SDM's update sequence (12.11.7): MTRRs off, then back on. */
	v = rd(MSR_IA32_MTRR_DEF_TYPE, &vec);
	resultf("mtrr-disable-enable-runs",
		wr(MSR_IA32_MTRR_DEF_TYPE, def & ~MTRR_DEF_TYPE_E) == NO_FAULT &&
			wr(MSR_IA32_MTRR_DEF_TYPE, def) == NO_FAULT && v == def &&
			rd(MSR_IA32_MTRR_DEF_TYPE, &vec) == def,
		"IA32_MTRR_DEF_TYPE %llx, then %llx, did not run or read back",
		(unsigned long long)def, (unsigned long long)v);
}

static void mtrrs(void)
{
	int vec;
	uint64_t cap = rd(MSR_IA32_MTRRCAP, &vec);
	unsigned vcnt = (unsigned)(cap & MTRRCAP_VCNT_MASK), phys_bits = maxphyaddr();
	int n = free_variable_mtrr(vcnt);

	if (vec != NO_FAULT || n < 0) {
		resultf("mtrr-variable-write-reads-back", false,
			"IA32_MTRRCAP %llx (%s): no free variable MTRR", (unsigned long long)cap,
			vector_name(vec));
		return;
	}
	mtrr_rewrite((unsigned)n, phys_bits);
	mtrr_refused((unsigned)n, vcnt, (cap & MTRRCAP_FIX) != 0, phys_bits);
}

static void pat(void)
{
	char why[WHY_MAX] = "";
	int vec;
	uint64_t old = rd(MSR_PAT, &vec), want, got;

	expect_gp(why, MSR_PAT, (old & ~0xFF00ull) | (2ull << PAT_FIELD_BITS));
	expect_gp(why, MSR_PAT, (old & ~0xFFull) | 0x16ull);
	result("pat-reserved-type-gp", why[0] == 0, why);
	/* PA7 to UC and back. */
	want = old & ~(0xFFull << (7 * PAT_FIELD_BITS));
	vec = wr(MSR_PAT, want);
	got = rd(MSR_PAT, &vec);
	resultf("pat-write-reads-back", got == want && wr(MSR_PAT, old) == NO_FAULT &&
		rd(MSR_PAT, &vec) == old,
		"IA32_PAT %llx written, %llx read back", (unsigned long long)want,
		(unsigned long long)got);
}

struct probe_io {
	volatile uint32_t *p;
	uint32_t read, reread;
};

static void touch(void *arg)
{
	struct probe_io *io = arg;

	io->read = *io->p;
	*io->p = 0x12345678u;
	io->reread = *io->p;
}

/* Linear HIGH_LINEAR + slot * 4 KiB onto physical gpa. */
static volatile uint32_t *map_high(unsigned slot, uint64_t gpa)
{
	high_pt[slot] = gpa | PTE_P | PTE_RW;
	load_cr3(read_cr3());
	return (volatile uint32_t *)(uintptr_t)(HIGH_LINEAR + slot * PAGE);
}

static void unbacked(const char *name, unsigned slot, uint64_t gpa)
{
	struct probe_io io = { map_high(slot, gpa), 0, 0 };
	int vec = cage_call(RING0, touch, &io);

	resultf(name, vec == NO_FAULT && io.read == ALL_ONES && io.reread == ALL_ONES,
		"GPA %llx gave %s, read %x, after a write %x (unbacked memory reads all ones)",
		(unsigned long long)gpa, vector_name(vec), io.read, io.reread);
}

static void high_mmio(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~(PAGE - 1));
	unsigned bits = maxphyaddr();
	struct probe_io io = { 0, 0, 0 };
	int vec;

	if (bits <= 39 || pml4[PML4_SLOT_HIGH]) {
		resultf("mmio-above-512g-unbacked", false, "MAXPHYADDR %u, PML4[1] %llx: no room "
			"for a page above 512 GiB", bits, (unsigned long long)pml4[PML4_SLOT_HIGH]);
		return;
	}
	high_pdpt[0] = (uint64_t)(uintptr_t)high_pd | PTE_P | PTE_RW;
	high_pd[0] = (uint64_t)(uintptr_t)high_pt | PTE_P | PTE_RW;
	pml4[PML4_SLOT_HIGH] = (uint64_t)(uintptr_t)high_pdpt | PTE_P | PTE_RW;
	unbacked("mmio-above-512g-unbacked", 0, HIGH_GPA);
	unbacked("mmio-top-of-maxphyaddr-unbacked", 1, (1ull << bits) - PAGE);
	io.p = map_high(2, 1ull << bits);
	vec = cage_call(RING0, touch, &io);
	resultf("mmio-beyond-maxphyaddr-pf-rsvd",
		vec == VEC_PF && (cage_fault_info.error & (PF_P | PF_RSVD)) == (PF_P | PF_RSVD),
		"a PTE with address %llx gave %s, error code %llx (want #PF, P and RSVD set)",
		(unsigned long long)(1ull << bits), vector_name(vec),
		(unsigned long long)cage_fault_info.error);
	pml4[PML4_SLOT_HIGH] = 0;
	load_cr3(read_cr3());
}

void attack_memory_types(void)
{
	char why[WHY_MAX] = "";

	if (!cage_enter(why, sizeof(why))) {
		result("memtype-cage-enter", false, why);
		return;
	}
	mtrrs();
	pat();
	high_mmio();
	cage_leave();
}
