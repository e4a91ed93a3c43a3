/* libFuzzer harness: one VM exit through vmexit_dispatch() (vmm/
 * exit_dispatch.c), the exit table and every handler, on the fake
 * hardware of tests/fuzz/fake_hw.c. The input sets the exit information,
 * the guest state, the vCPU's bookkeeping and guest memory (layout in
 * struct exit_input below; short inputs read as zeros). After the exit the
 * harness checks the invariants of docs/fuzzing.md and aborts on the first
 * broken one, with the VMM's log tail. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include <sys/mman.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmx.h"
#include "ept/ept.h"
#include "vmm/apic_icr.h"
#include "vmm/cr_policy.h"
#include "vmm/exit_table.h"
#include "vmm/hypercall.h"
#include "vmm/init_sipi.h"
#include "vmm/log.h"
#include "vmm/msr_policy.h"
#include "vmm/vcpu.h"
#include "vmm/vipi.h"
#include "vmm/vmm.h"
#include "tests/fuzz/fake_state.h"
#include "tests/fuzz/fuzz_abort.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void vmexit_dispatch(struct vcpu *v);

/* The VMM region: read-only host memory at a fixed address, so that its
 * guest-physical and host addresses agree as in the VMM's identity map; a
 * write through it faults at once, and its bytes are compared after every
 * run as well. */
#define REGION_BASE    0x40000000ull
#define REGION_SIZE    0x40000ull
#define REGION_CANARY  0xA5u
#define MAP_LIMIT      0x100000000ull
#define APIC_PAGE      0xFEE00000ull
#define MAX_CPUS       4u
#define EPT_ARENA_PAGES 64u
#define PAGE           4096u
#define XCR0_SUPPORTED 0xE7ull       /* x87, SSE, AVX, AVX-512 state */
#define INSN_LEN_MAX   15u
#define RFLAGS_FIXED1  0x2ull
#define RFLAGS_IF      (1ull << 9)
#define INTERRUPTIBILITY_BITS 0x1Fu
#define EFER_LME_LMA   (EFER_LME | EFER_LMA)
#define REASON_TABLE_SIZE (EXIT_REASON_MAX + 1u)
#define REASON_RAW_SELECTOR 0xF8u    /* selector bytes at or above: any number */
#define INIT_RIP 0xFFF0ull           /* vmm/init_sipi.c: the reset vector */
#define SIPI_RIP 0ull

/* Input flags. */
#define F_ENTRY_FAIL   0x03u  /* both bits: reason bit 31 (entry failure) */
#define F_CR3_IN_MEM   (1u << 2)
#define F_GPA_APIC     (1u << 3)
#define F_GPA_REGION   (1u << 4)
#define F_X2APIC       (1u << 5)
#define F_BSP          (1u << 6)
#define F_SEALED       (1u << 7)
#define F2_NMI_PENDING (1u << 0)
#define F2_WAIT_SIPI   (1u << 1)
#define F2_SIPI_STARTED (1u << 2)
#define F2_LAUNCHED    (1u << 3)
#define F2_ALL_LAUNCHED (1u << 4)
#define F2_KICK        (1u << 5)
#define F2_RIP_IN_MEM  (1u << 6)
#define F2_RSP_IN_MEM  (1u << 7)

/* The input, field by field in this order, little-endian; then guest
 * memory as chunks of (u16 offset, u8 length, bytes) to the end. */
struct exit_input {
	uint8_t reason_sel, flags, flags2, cpus, boot_flags;
	uint8_t ipi_pending, ipi_vector, last_sipi_vector, init_echoes, sipi_vector;
	uint16_t raw_reason;
	uint64_t qual;
	uint8_t insn_len;
	uint32_t insn_info;
	uint64_t gpa, linear;
	uint32_t exit_intr_info, idt_vectoring;
	uint64_t rip, rsp, rflags, cr0, cr3, cr4, efer, cs_base;
	uint32_t cs_ar, ss_ar, interruptibility, activity;
	uint64_t cr0_shadow, cr4_shadow;
	uint64_t pdpte[4];
	uint32_t icr_high;
	uint64_t gpr[16];
};

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct reader *r, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		uint64_t b = 0;

		if (r->n) {
			b = *r->p++;
			r->n--;
		}
		v |= b << (8 * i);
	}
	return v;
}

#define TAKE(r, field) ((field) = (__typeof__(field))take(r, sizeof(field)))

static void read_input(struct reader *r, struct exit_input *in)
{
	TAKE(r, in->reason_sel); TAKE(r, in->flags); TAKE(r, in->flags2);
	TAKE(r, in->cpus); TAKE(r, in->boot_flags); TAKE(r, in->ipi_pending);
	TAKE(r, in->ipi_vector); TAKE(r, in->last_sipi_vector);
	TAKE(r, in->init_echoes); TAKE(r, in->sipi_vector); TAKE(r, in->raw_reason);
	TAKE(r, in->qual); TAKE(r, in->insn_len); TAKE(r, in->insn_info);
	TAKE(r, in->gpa); TAKE(r, in->linear); TAKE(r, in->exit_intr_info);
	TAKE(r, in->idt_vectoring); TAKE(r, in->rip); TAKE(r, in->rsp);
	TAKE(r, in->rflags); TAKE(r, in->cr0); TAKE(r, in->cr3); TAKE(r, in->cr4);
	TAKE(r, in->efer); TAKE(r, in->cs_base); TAKE(r, in->cs_ar); TAKE(r, in->ss_ar);
	TAKE(r, in->interruptibility); TAKE(r, in->activity); TAKE(r, in->cr0_shadow);
	TAKE(r, in->cr4_shadow);
	for (unsigned i = 0; i < 4; i++)
		TAKE(r, in->pdpte[i]);
	TAKE(r, in->icr_high);
	for (unsigned i = 0; i < 16; i++)
		TAKE(r, in->gpr[i]);
}

/* ---- the VMM's state, built once ------------------------------------- */

static uint8_t *region;
static uint8_t *ept_arena, *ept_snapshot;
static unsigned ept_pages_used;
static unsigned ept_pages_built;    /* ept_build()'s pages, the rest made by exits */
/* The guest's MTRRs at launch: eight variable ranges, no fixed ones. They
 * are the VMM's copy (vmm/memtype_msr.c), reset before every exit like EPT. */
#define FUZZ_MTRRCAP 8u
static struct mtrr_msrs mtrr_built;
static uint8_t *sink;
static uint8_t msr_bitmap[MSR_BITMAP_SIZE] __attribute__((aligned(PAGE)));
static uint8_t host_tables[PAGE];
static struct vcpu *vcpus;
static uint8_t mem_before[FAKE_MEM_SIZE];

/* EPT pages from one arena, host address = physical address as in the
 * VMM (vmm/pool.c), so that integrity_hash() can read them as a range. */
static void *arena_alloc(void *ctx, uint64_t *phys)
{
	uint8_t *p;

	(void)ctx;
	if (ept_pages_used == EPT_ARENA_PAGES)
		return NULL;
	p = ept_arena + (size_t)ept_pages_used++ * PAGE;
	memset(p, 0, PAGE);
	*phys = (uint64_t)(uintptr_t)p;
	return p;
}

static void *arena_virt(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static void build_ept(void)
{
	static struct mtrr_state mtrr = { .enabled = true, .default_type = MEMTYPE_WB,
					  .maxphyaddr = 39 };
	static const struct phys_range hole = { REGION_BASE, REGION_BASE + REGION_SIZE };
	struct ept_config cfg = { .mtrr = &mtrr, .limit = MAP_LIMIT, .use_1g = true,
				  .holes = &hole, .hole_count = 1 };
	struct ept_stats stats;
	uint64_t pml4;

	ept_arena = aligned_alloc(PAGE, EPT_ARENA_PAGES * PAGE);
	ept_snapshot = malloc(EPT_ARENA_PAGES * PAGE);
	if (!ept_arena || !ept_snapshot)
		abort();
	vmm.pages = (struct page_alloc){ .alloc_page = arena_alloc, .to_virt = arena_virt };
	if (ept_build(&cfg, &vmm.pages, &pml4, &stats) != EPT_OK)
		fuzz_bug("ept_build failed for the fake machine");
	ept_pages_built = ept_pages_used;
	mtrr_msrs_init(&mtrr_built, &mtrr, FUZZ_MTRRCAP, MTRR_DEF_TYPE_E | MEMTYPE_WB);
	vmm.ept_pml4 = pml4;
	vmm.eptp = ept_eptp(pml4);
	vmm.ept_tables_start = (uint64_t)(uintptr_t)ept_arena;
	vmm.ept_tables_end = vmm.ept_tables_start + (uint64_t)ept_pages_used * PAGE;
	memcpy(ept_snapshot, ept_arena, (size_t)ept_pages_used * PAGE);
}

static void reset_memory_types(void)
{
	ept_pages_used = ept_pages_built;
	memcpy(ept_arena, ept_snapshot, (size_t)ept_pages_built * PAGE);
	vmm.guest_mtrr = mtrr_built;
	vmm.ept_gen = 0;
	memset(vmm.ept_gen_seen, 0, sizeof(vmm.ept_gen_seen));
}

static void map_region(void)
{
	region = mmap((void *)(uintptr_t)REGION_BASE, REGION_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (region != (uint8_t *)(uintptr_t)REGION_BASE) {
		perror("fuzz_exit: mmap of the fake VMM region at 0x40000000");
		abort();
	}
	memset(region, REGION_CANARY, REGION_SIZE);
	if (mprotect(region, REGION_SIZE, PROT_READ))
		abort();
}

/* FUZZ_EXIT_SHOW_LOG=1: print each run's outcome and VMM log (replay). */
static bool show_log;
static const char *const stop_names[] = {
	[FAKE_RETURNED] = "returned", [FAKE_HALTED] = "VMM halted",
	[FAKE_RESET] = "platform reset", [FAKE_DEVIRTUALIZED] = "devirtualized",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	show_log = getenv("FUZZ_EXIT_SHOW_LOG") != NULL;
	map_region();
	vmm.bi = (struct boot_info){
		.magic = BOOT_INFO_MAGIC, .version = BOOT_INFO_VERSION,
		.size = sizeof(struct boot_info), .region_base = REGION_BASE,
		.region_size = REGION_SIZE, .map_limit = MAP_LIMIT,
		.log_level = LOG_DEBUG, .cpu_count = MAX_CPUS,
	};
	/* The core image, hashed by HC_INTEGRITY, is the region's first page. */
	vmm.core_base = vmm.hashed_start = REGION_BASE;
	vmm.hashed_end = REGION_BASE + PAGE;
	vmm.host_tables_start = (uint64_t)(uintptr_t)host_tables;
	vmm.host_tables_end = vmm.host_tables_start + sizeof(host_tables);
	/* Bochs corei7_skylake_x values of IA32_VMX_CR0/CR4_FIXED0/1. */
	vmm.cr_fixed = (struct cr_fixed){ .cr0_fixed0 = 0x80000021ull,
					  .cr0_fixed1 = 0xFFFFFFFFull,
					  .cr4_fixed0 = CR4_VMXE, .cr4_fixed1 = 0x3727FFull,
					  .unrestricted = true };
	vmm.ctl = (struct vmx_controls){ .pin = PIN_NMI_EXITING, .exit = EXIT_LOAD_PAT,
					 .entry = 0, .ept_1g = true, .invept_single = true };
	vmm.has_xsave = true;
	vmm.xcr0_supported = XCR0_SUPPORTED;
	vmm.maxphyaddr = 39;
	vmm.apic_page = APIC_PAGE;
	build_ept();
	sink = aligned_alloc(PAGE, PAGE);
	if (!sink)
		abort();
	memset(sink, 0xFF, PAGE);
	vmm.sink_page = (uint64_t)(uintptr_t)sink;
	msr_bitmap_build(msr_bitmap);
	vmm.msr_bitmap_phys = (uint64_t)(uintptr_t)msr_bitmap;
	vcpus = aligned_alloc(PAGE, MAX_CPUS * sizeof(struct vcpu));
	if (!vcpus)
		abort();
	memset(vcpus, 0, MAX_CPUS * sizeof(struct vcpu));
	vmm.vcpus = vcpus;
	vmm.cpus_claimed = MAX_CPUS;
	vmm.initialized = true;
	log_init(LOG_DEBUG);
	return 0;
}

/* ---- failure report -------------------------------------------------- */

static const struct exit_input *cur_in;
static uint32_t cur_reason;

void fuzz_bug(const char *fmt, ...)
{
	static char tail[FAKE_SERIAL_TAIL + 1];
	va_list ap;

	fake_serial_tail(tail, sizeof(tail));
	fprintf(stderr, "==== fuzz_exit: VMM log tail ====\n%s\n", tail);
	if (cur_in)
		fprintf(stderr, "==== exit reason %#x, qualification %#llx, RIP %#llx, "
			"instruction length %llu\n", cur_reason, (unsigned long long)cur_in->qual,
			(unsigned long long)cur_in->rip,
			(unsigned long long)fake_vmcs_get(VMCS_EXIT_INSN_LEN));
	va_start(ap, fmt);
	fuzz_vabort(fmt, ap);
}

/* ---- the exit table's contract (vmm/exit_table.h, docs/architecture.md) */

static bool always_fatal_handler(exit_handler_fn fn)
{
	return fn == handle_unexpected || fn == handle_reserved || fn == handle_entry_failure;
}

/* Reasons whose documented outcome includes "fatal" besides the handlers
 * above: EPT violations outside the region and the APIC page (or an APIC
 * write that cannot be emulated), EPT misconfigurations, CR accesses the
 * controls should not produce, exceptions that are not NMIs, an INIT that
 * stays pending (Bochs 2.7). A triple fault resets the platform. */
static bool may_be_fatal(unsigned basic)
{
	switch (basic) {
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIG:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_EXCEPTION_NMI:
	case EXIT_REASON_INIT_SIGNAL:
		return true;
	default:
		return false;
	}
}

/* Exits caused by an instruction the VMM may emulate (EXIT_NEXT_INSN). */
static bool may_advance(unsigned basic)
{
	switch (basic) {
	case EXIT_REASON_CPUID:
	case EXIT_REASON_INVD:
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_XSETBV:
	case EXIT_REASON_IO_INSTRUCTION: /* IN/OUT done for the guest (vmm/exit_io.c) */
		return true;
	default:
		return false;
	}
}

/* Exits caused by the guest executing an instruction: the guest was
 * active (SDM Vol. 3C, 26.1 "Instructions That Cause VM Exits"). */
static bool is_instruction_exit(unsigned basic)
{
	switch (basic) {
	case EXIT_REASON_EXCEPTION_NMI:
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_TRIPLE_FAULT:
	case EXIT_REASON_INIT_SIGNAL:
	case EXIT_REASON_SIPI:
	case EXIT_REASON_IO_SMI:
	case EXIT_REASON_OTHER_SMI:
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
	case EXIT_REASON_EPT_MISCONFIG:
	case EXIT_REASON_PREEMPTION_TIMER:
		return false;
	default:
		return basic < REASON_TABLE_SIZE;
	}
}

/* ---- setting up one run ---------------------------------------------- */

/* An RDMSR/WRMSR exit happens only for an MSR whose bitmap bit is set or
 * that lies outside both bitmap ranges (SDM Vol. 3C, 26.1.3). */
static bool msr_exits(uint32_t msr, bool write)
{
	unsigned base = write ? 2048u : 0u;

	if (msr <= MSR_LOW_LAST)
		return msr_bitmap[base + msr / 8] & (1u << (msr % 8));
	if (msr >= MSR_HIGH_FIRST && msr <= MSR_HIGH_LAST)
		return msr_bitmap[base + 1024u + (msr - MSR_HIGH_FIRST) / 8] &
		       (1u << ((msr - MSR_HIGH_FIRST) % 8));
	return true;
}

static uint32_t pick_reason(const struct exit_input *in)
{
	uint32_t basic = in->reason_sel < REASON_RAW_SELECTOR
			 ? in->reason_sel % REASON_TABLE_SIZE : in->raw_reason;

	if ((in->flags & F_ENTRY_FAIL) == F_ENTRY_FAIL)
		basic |= EXIT_REASON_FAILED_VMENTRY;
	return basic;
}

static void setup_vcpus(const struct exit_input *in, struct vcpu **cur)
{
	unsigned count = 1 + in->cpus % MAX_CPUS;
	unsigned idx = (in->cpus >> 2) % count;

	/* The blocks past cpu_count are poisoned: the VMM must not touch them. */
	ASAN_UNPOISON_MEMORY_REGION(vcpus, MAX_CPUS * sizeof(struct vcpu));
	for (unsigned i = 0; i < MAX_CPUS; i++)
		memset(vcpus[i].control_page, 0, sizeof(vcpus[i].control_page));
	ASAN_POISON_MEMORY_REGION(&vcpus[count], (MAX_CPUS - count) * sizeof(struct vcpu));
	vmm.bi.cpu_count = count;
	vmm.cpus_claimed = count;
#ifdef BOOT_INFO_F_USER_HC_READ
	vmm.bi.flags = in->boot_flags; /* user_hypercalls = read */
#endif
	for (unsigned i = 0; i < count; i++) {
		vcpus[i].self = &vcpus[i];
		vcpus[i].index = i;
		vcpus[i].apic_id = i;
		vcpus[i].launched = (in->flags2 & F2_ALL_LAUNCHED) != 0;
	}
	*cur = &vcpus[idx];
	(*cur)->launched = (in->flags2 & F2_LAUNCHED) != 0;
	(*cur)->nmi_pending = (in->flags2 & F2_NMI_PENDING) != 0;
	/* A vCPU waiting for its SIPI stays in HLT with interrupts off and
	 * NMIs dropped (vmm/vipi.c): it executes no instruction. */
	(*cur)->wait_sipi = (in->flags2 & F2_WAIT_SIPI) &&
			    !is_instruction_exit(pick_reason(in) & EXIT_REASON_BASIC_MASK);
	(*cur)->ipi_pending = (in->ipi_pending & (VIPI_INIT | VIPI_SIPI)) |
			      ((uint32_t)in->ipi_vector << VIPI_VECTOR_SHIFT);
	(*cur)->kick_pending = (in->flags2 & F2_KICK) != 0;
	memcpy((*cur)->gpr, in->gpr, sizeof(in->gpr));
	fake.current = *cur;
	fake.apic_id = idx;
	fake.apic_base_msr = APIC_PAGE | APIC_BASE_ENABLE |
			     ((in->flags & F_BSP) ? APIC_BASE_BSP : 0) |
			     ((in->flags & F_X2APIC) ? APIC_BASE_X2APIC : 0);
	fake.sipi_vector = in->sipi_vector;
	fake.xcr0 = 0x7;
}

/* The guest state as VM exit leaves it in the VMCS, made consistent where
 * the hardware guarantees it (VM entry checked it, SDM Vol. 3C, 27.3.1). */
static void setup_vmcs(const struct exit_input *in, uint32_t reason)
{
	unsigned basic = reason & EXIT_REASON_BASIC_MASK;
	uint64_t cr0 = cr0_real_value(&vmm.cr_fixed, in->cr0);
	uint64_t cr4 = cr4_real_value(&vmm.cr_fixed, in->cr4) | CR4_VMXE;
	uint64_t efer = in->efer;
	uint32_t ss_ar = in->ss_ar, activity = in->activity % 4;
	uint64_t gpa = in->gpa, cr3 = in->cr3, rip = in->rip, rsp = in->rsp;

	/* EFER.LMA = CR0.PG && EFER.LME (27.3.1.1), and the entry control. */
	efer &= ~EFER_LMA;
	if ((cr0 & CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	if (!(cr0 & CR0_PE))
		ss_ar &= ~AR_DPL_MASK; /* real mode: CPL 0 (27.3.1.2) */
	if (is_instruction_exit(basic))
		activity = ACTIVITY_ACTIVE;
	if (in->flags & F_CR3_IN_MEM)
		cr3 = (cr3 % FAKE_MEM_SIZE) & ~0xFFFull;
	if (in->flags2 & F2_RIP_IN_MEM)
		rip %= FAKE_MEM_SIZE;
	if (in->flags2 & F2_RSP_IN_MEM)
		rsp %= FAKE_MEM_SIZE;
	if (in->flags & F_GPA_APIC)
		gpa = APIC_PAGE | (gpa & 0xFFFu);
	else if (in->flags & F_GPA_REGION)
		gpa = REGION_BASE + gpa % REGION_SIZE;

	fake_vmcs_clear();
	fake_vmcs_set(VMCS_EXIT_REASON, reason);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, in->qual);
	fake_vmcs_set(VMCS_EXIT_INSN_LEN, 1 + in->insn_len % INSN_LEN_MAX);
	fake_vmcs_set(VMCS_EXIT_INSN_INFO, in->insn_info);
	fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, gpa);
	fake_vmcs_set(VMCS_GUEST_LINEAR_ADDR, in->linear);
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, in->exit_intr_info);
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, in->idt_vectoring);
	fake_vmcs_set(VMCS_GUEST_RIP, rip);
	fake_vmcs_set(VMCS_GUEST_RSP, rsp);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, in->rflags | RFLAGS_FIXED1);
	fake_vmcs_set(VMCS_GUEST_CR0, cr0);
	fake_vmcs_set(VMCS_GUEST_CR3, cr3);
	fake_vmcs_set(VMCS_GUEST_CR4, cr4);
	fake_vmcs_set(VMCS_GUEST_EFER, efer);
	fake_vmcs_set(VMCS_GUEST_CS_BASE, in->cs_base);
	fake_vmcs_set(VMCS_GUEST_CS_AR, in->cs_ar & 0x1F0FFu);
	fake_vmcs_set(VMCS_GUEST_SS_AR, ss_ar & 0x1F0FFu);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, in->interruptibility & INTERRUPTIBILITY_BITS);
	fake_vmcs_set(VMCS_GUEST_ACTIVITY_STATE, activity);
	fake_vmcs_set(VMCS_CR0_READ_SHADOW, in->cr0_shadow);
	fake_vmcs_set(VMCS_CR4_READ_SHADOW, in->cr4_shadow);
	fake_vmcs_set(VMCS_CR0_GUEST_HOST_MASK, cr0_guest_host_mask(&vmm.cr_fixed));
	fake_vmcs_set(VMCS_CR4_GUEST_HOST_MASK, cr4_guest_host_mask(&vmm.cr_fixed));
	for (unsigned i = 0; i < 4; i++)
		fake_vmcs_set(VMCS_GUEST_PDPTE0 + 2 * i, in->pdpte[i]);
	fake_vmcs_set(VMCS_PIN_CTLS, vmm.ctl.pin);
	fake_vmcs_set(VMCS_EXIT_CTLS, vmm.ctl.exit);
	fake_vmcs_set(VMCS_ENTRY_CTLS, (efer & EFER_LMA) ? ENTRY_IA32E_MODE_GUEST : 0);
	fake_vmcs_set(VMCS_EPT_POINTER, vmm.eptp);
	fake_vmcs_set(VMCS_MSR_BITMAP, vmm.msr_bitmap_phys);
	/* VM exit clears the valid bit of the entry interruption field
	 * (SDM Vol. 3C, 28.2 "Recording VM-Exit Information..."). */
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
}

static void load_memory(struct reader *r)
{
	memset(fake_mem, 0, sizeof(fake_mem));
	while (r->n >= 3) {
		uint32_t off = (uint32_t)take(r, 2);
		uint32_t len = (uint32_t)take(r, 1);

		for (uint32_t i = 0; i < len && r->n; i++)
			fake_mem[(off + i) % FAKE_MEM_SIZE] = (uint8_t)take(r, 1);
	}
}

/* ---- checks after the run -------------------------------------------- */

/* SDM Vol. 3C, 27.2.1.3 "Checks on VM-Entry Control Fields" (event
 * injection) and 27.3.1.5 "Checks on Guest Non-Register State" (activity
 * and interruptibility against the injected event). */
static bool vector_has_error_code(unsigned vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14: case 17: case 21:
		return true;
	default:
		return false;
	}
}

static void check_entry_event(void)
{
	uint32_t info = (uint32_t)fake_vmcs_get(VMCS_ENTRY_INTR_INFO);
	unsigned type = (info & INTR_TYPE_MASK) >> INTR_TYPE_SHIFT, vector = info & 0xFFu;
	uint32_t intr = (uint32_t)fake_vmcs_get(VMCS_GUEST_INTERRUPTIBILITY);
	uint32_t activity = (uint32_t)fake_vmcs_get(VMCS_GUEST_ACTIVITY_STATE);
	bool pe = fake_vmcs_get(VMCS_GUEST_CR0) & CR0_PE;
	bool code = info & INTR_INFO_DELIVER_CODE;

	if (!(info & INTR_INFO_VALID))
		return;
	if (info & 0x7FFFF000u)
		fuzz_bug("entry interruption info %08x: reserved bits 30:12 set", info);
	if (type == 1 || type == 7)
		fuzz_bug("entry interruption info %08x: type %u is reserved or needs MTF", info, type);
	if (type == 2 && vector != 2)
		fuzz_bug("entry interruption info %08x: NMI with vector %u", info, vector);
	if (type == 3 && vector > 31)
		fuzz_bug("entry interruption info %08x: hardware exception vector %u > 31", info,
			 vector);
	if (code && !pe)
		fuzz_bug("entry interruption info %08x: error code delivered with CR0.PE = 0 "
			 "(unrestricted guest, real mode): VM entry fails", info);
	if (code != (type == 3 && pe && vector_has_error_code(vector)))
		fuzz_bug("entry interruption info %08x: deliver-error-code %u for type %u vector %u",
			 info, code, type, vector);
	if (code && (fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERROR) & 0xFFFF0000u))
		fuzz_bug("entry exception error code %llx: bits 31:16 set",
			 (unsigned long long)fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERROR));
	if (activity == ACTIVITY_WAIT_FOR_SIPI)
		fuzz_bug("event %08x injected into a vCPU waiting for SIPI", info);
	if (activity == ACTIVITY_HLT && !(type == 0 || type == 2 ||
					  (type == 3 && (vector == 1 || vector == 18))))
		fuzz_bug("event %08x injected in the HLT activity state", info);
	if (activity == ACTIVITY_SHUTDOWN && !(type == 2 || (type == 3 && vector == 18)))
		fuzz_bug("event %08x injected in the shutdown activity state", info);
	if (type == 2 && (intr & (INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI)))
		fuzz_bug("NMI injected with interruptibility %x (blocking by MOV SS or NMI)", intr);
	if (type == 0 && ((intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) ||
			  !(fake_vmcs_get(VMCS_GUEST_RFLAGS) & RFLAGS_IF)))
		fuzz_bug("external interrupt injected while blocked");
}

/* RIP moves only by the dispatcher's advance (old RIP + instruction
 * length, once, for an instruction the VMM emulated; for an EPT violation
 * the decoded length, 1 to 15 bytes, as the exit's length field is
 * undefined there: SDM Vol. 3C, 28.2.5) or to the INIT or
 * SIPI start (vmm/init_sipi.c); never advanced after such a reset or
 * with an exception injected (faults leave RIP on the instruction). */
/* Is w RIP prev advanced by len (0: by a decoded length, 1 to 15 bytes)?
 * EIP wraps at 4 GiB outside 64-bit mode; the mode of the exit is not
 * known here (an INIT after the advance changes it), so either width. */
static bool advance_of(uint64_t prev, uint64_t w, uint64_t len)
{
	for (unsigned wide = 0; wide < 2; wide++) {
		uint64_t mask = wide ? ~0ull : 0xFFFFFFFFull, d = (w - prev) & mask;

		if (!wide && (w >> 32))
			continue;
		if (len ? d == len : d - 1 < INSN_LEN_MAX)
			return true;
	}
	return false;
}

static bool check_rip(unsigned basic, bool failed, uint64_t rip0, uint64_t len, bool *reset)
{
	uint64_t prev = rip0;
	bool advanced = false;
	uint32_t info = (uint32_t)fake_vmcs_get(VMCS_ENTRY_INTR_INFO);

	*reset = false;
	for (unsigned i = 0; i < fake.rip_write_count; i++) {
		uint64_t w = fake.rip_writes[i];

		if (w == INIT_RIP || w == SIPI_RIP) {
			*reset = true;
		} else if (advance_of(prev, w, basic == EXIT_REASON_EPT_VIOLATION ? 0 : len)) {
			if (advanced || failed || !may_advance(basic) || *reset)
				fuzz_bug("RIP advanced %llx -> %llx (reason %u, %s)",
					 (unsigned long long)prev, (unsigned long long)w, basic,
					 advanced ? "twice" : *reset ? "after an INIT/SIPI reset"
					 : "not an emulated instruction");
			advanced = true;
		} else {
			fuzz_bug("RIP %llx -> %llx: neither + instruction length %llu nor a "
				 "reset vector", (unsigned long long)prev, (unsigned long long)w,
				 (unsigned long long)len);
		}
		prev = w;
	}
	if (fake.rip_write_count == FAKE_RIP_WRITES_MAX)
		fuzz_bug("%u or more writes of guest RIP in one exit", FAKE_RIP_WRITES_MAX);
	if (advanced && (info & INTR_INFO_VALID) &&
	    (info & INTR_TYPE_MASK) == INTR_TYPE_HW_EXCEPTION)
		fuzz_bug("exception %08x injected and RIP advanced past the instruction", info);
	return advanced;
}

/* GPRs a handler may change (the rest are the guest's): CPUID RAX-RDX,
 * RDMSR EDX:EAX, IN AL/AX/EAX, hypercalls RAX-RDX (docs/hypercalls.md),
 * MOV from CR3 one register, an APIC XCHG one register; INIT/SIPI reset them all. */
static void check_gprs(unsigned basic, const struct vcpu *v, const uint64_t *before)
{
	uint32_t allowed = 0;

	switch (basic) {
	case EXIT_REASON_CPUID:
	case EXIT_REASON_VMCALL:
		allowed = 0xF;
		break;
	case EXIT_REASON_RDMSR:
		allowed = (1u << GPR_RAX) | (1u << GPR_RDX);
		break;
	case EXIT_REASON_IO_INSTRUCTION: /* IN: AL, AX or EAX */
		allowed = 1u << GPR_RAX;
		break;
	case EXIT_REASON_CR_ACCESS:
		allowed = 1u << ((fake_vmcs_get(VMCS_EXIT_QUALIFICATION) >> 8) & 0xF);
		break;
	case EXIT_REASON_EPT_VIOLATION:
		allowed = 0xFFFF;
		break;
	default:
		break;
	}
	for (unsigned i = 0; i < 16; i++)
		if (!(allowed & (1u << i)) && v->gpr[i] != before[i])
			fuzz_bug("GPR %u changed %llx -> %llx by exit reason %u", i,
				 (unsigned long long)before[i], (unsigned long long)v->gpr[i], basic);
}

static void check_cpuid(const struct vcpu *v, uint32_t leaf)
{
	for (unsigned i = 0; i < 4; i++)
		if (v->gpr[i] >> 32)
			fuzz_bug("CPUID left bits 63:32 of GPR %u set: %llx", i,
				 (unsigned long long)v->gpr[i]);
	if (leaf == 1 && (!(v->gpr[GPR_RCX] & CPUID_1_ECX_HYPERVISOR) ||
			  (v->gpr[GPR_RCX] & (CPUID_1_ECX_VMX | CPUID_1_ECX_SMX))))
		fuzz_bug("CPUID.1:ECX %llx: hypervisor bit clear or VMX/SMX shown",
			 (unsigned long long)v->gpr[GPR_RCX]);
	if (leaf == HV_CPUID_BASE && (v->gpr[GPR_RBX] != HV_SIG_EBX ||
				      v->gpr[GPR_RCX] != HV_SIG_ECX || v->gpr[GPR_RDX] != HV_SIG_EDX))
		fuzz_bug("CPUID.40000000H: not the Pillbox signature");
}

static bool written_by_vmm(uint32_t off)
{
	for (unsigned i = 0; i < fake.mem_write_count; i++) {
		const struct fake_mem_write *w = &fake.mem_writes[i];

		if ((off - (uint32_t)(w->gpa % FAKE_MEM_SIZE)) % FAKE_MEM_SIZE < w->len)
			return true;
	}
	return false;
}

/* An EPT entry the exit may change besides a VMM page's sink mapping:
 * after a WRMSR of an MTRR the type of a guest leaf, or a large leaf
 * split into a table (vmm/exit_memtype.c); after an EPT violation above
 * the map limit a new entry there (vmm/ept_live.c). */
static bool ept_change_allowed(uint64_t old, uint64_t now, unsigned basic)
{
	if (basic == EXIT_REASON_WRMSR && old && now)
		return !((old ^ now) & ~EPT_MEMTYPE_MASK) || ((old & EPT_LARGE) && !(now & EPT_LARGE));
	return basic == EXIT_REASON_EPT_VIOLATION && !old &&
	       fake_vmcs_get(VMCS_GUEST_PHYS_ADDR) >= MAP_LIMIT;
}

/* The region never changes; guest memory changes only where the VMM wrote
 * through guest_mem_write(); EPT changes only by mapping VMM-region pages
 * to the sink page, read/write, and as ept_change_allowed() says. */
static void check_memory(unsigned basic)
{
	static uint8_t canary[REGION_SIZE];
	unsigned changed = 0, sink_ptes = 0, allowed = 0;

	if (!canary[0])
		memset(canary, REGION_CANARY, sizeof(canary));
	if (memcmp(region, canary, REGION_SIZE))
		fuzz_bug("the VMM region changed");
	if (memcmp(fake_mem, mem_before, FAKE_MEM_SIZE))
		for (uint32_t off = 0; off < FAKE_MEM_SIZE; off++)
			if (fake_mem[off] != mem_before[off] && !written_by_vmm(off))
				fuzz_bug("guest memory at offset %x changed outside "
					 "guest_mem_write()", off);
	for (uint64_t gpa = REGION_BASE; gpa < REGION_BASE + REGION_SIZE; gpa += PAGE) {
		unsigned level;
		uint64_t e = ept_lookup(&vmm.pages, vmm.ept_pml4, gpa, &level);

		if (!e)
			continue;
		if (level != 1 || e != (vmm.sink_page | EPT_READ | EPT_WRITE |
					((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT)))
			fuzz_bug("EPT entry %llx (level %u) for VMM page %llx: not the sink, RW",
				 (unsigned long long)e, level, (unsigned long long)gpa);
		sink_ptes++;
	}
	for (size_t i = 0; i < (size_t)ept_pages_built * PAGE / 8; i++) {
		uint64_t old = ((uint64_t *)ept_snapshot)[i], now = ((uint64_t *)ept_arena)[i];

		if (old != now) {
			changed++;
			allowed += ept_change_allowed(old, now, basic);
		}
	}
	if (changed != sink_ptes + allowed)
		fuzz_bug("%u EPT entries changed: %u VMM pages mapped to the sink, %u as an MTRR "
			 "write or a first access above the map limit may", changed, sink_ptes,
			 allowed);
}

static bool logged(const char *text)
{
	static char tail[FAKE_SERIAL_TAIL + 1];

	fake_serial_tail(tail, sizeof(tail));
	return strstr(tail, text) != NULL;
}

static void check_stop(enum fake_stop how, uint32_t reason, const struct vcpu *v,
		       uint64_t hc_nr, bool sealed)
{
	unsigned basic = reason & EXIT_REASON_BASIC_MASK;
	const struct exit_handler *h = exit_handler_for(basic);
	bool failed = reason & EXIT_REASON_FAILED_VMENTRY;
	bool must_stop = !h || failed || always_fatal_handler(h->handler);

	switch (how) {
	case FAKE_RETURNED:
		if (must_stop)
			fuzz_bug("exit reason %#x returned, but its outcome is fatal", reason);
		break;
	case FAKE_HALTED:
		if (!must_stop && !may_be_fatal(basic))
			fuzz_bug("exit reason %#x (%s) stopped the VMM; the exit table allows no "
				 "fatal outcome for it", reason, h ? h->name : "?");
		if (!logged("VMM halted"))
			fuzz_bug("halted without the 'VMM halted' line");
		break;
	case FAKE_RESET:
		/* Also an INIT to the bootstrap processor (vmm/exit_init_sipi.c)
		 * and a fault during #DF delivery (vmm/exit_vectoring.c). */
		if ((basic != EXIT_REASON_TRIPLE_FAULT || failed) &&
		    !logged("INIT to the bootstrap processor") && !logged("the guest triple faults"))
			fuzz_bug("exit reason %#x reset the platform", reason);
		break;
	case FAKE_DEVIRTUALIZED:
		if (basic != EXIT_REASON_VMCALL || failed || hc_nr != HC_DEVIRTUALIZE || sealed)
			fuzz_bug("exit reason %#x left VMX operation (RAX was %llx, sealed %d)",
				 reason, (unsigned long long)hc_nr, sealed);
		break;
	}
	(void)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct exit_input in;
	static uint64_t gpr_before[16];
	static jmp_buf stop_jmp;
	struct reader r = { data, size };
	struct vcpu *v;
	volatile int how;
	uint32_t reason;
	unsigned basic;
	bool sealed, reset;
	uint64_t rip0, len;

	memset(&in, 0, sizeof(in));
	read_input(&r, &in);
	reason = pick_reason(&in);
	basic = reason & EXIT_REASON_BASIC_MASK;
	/* Exits the hardware cannot produce with Pillbox's MSR bitmap. */
	if ((basic == EXIT_REASON_RDMSR || basic == EXIT_REASON_WRMSR) &&
	    !(reason & EXIT_REASON_FAILED_VMENTRY) &&
	    !msr_exits((uint32_t)in.gpr[GPR_RCX], basic == EXIT_REASON_WRMSR))
		return 0;
	load_memory(&r);
	memcpy(mem_before, fake_mem, sizeof(mem_before));
	reset_memory_types();
	memset(fake_apic, 0, sizeof(fake_apic));
	fake_apic[APIC_REG_ICR_HIGH / 4] = in.icr_high;
	fake_run_begin();
	setup_vcpus(&in, &v);
	setup_vmcs(&in, reason);
	sealed = (in.flags & F_SEALED) != 0;
	fuzz_devirtualize_set_sealed(sealed);
	memcpy(gpr_before, v->gpr, sizeof(gpr_before));
	rip0 = fake_vmcs_get(VMCS_GUEST_RIP);
	len = fake_vmcs_get(VMCS_EXIT_INSN_LEN);
	cur_in = &in;
	cur_reason = reason;

	fake.stop = &stop_jmp;
	how = setjmp(stop_jmp);
	if (how == FAKE_RETURNED)
		vmexit_dispatch(v);
	fake.stop = NULL;

	check_stop((enum fake_stop)how, reason, v, gpr_before[GPR_RAX], sealed);
	check_memory(basic);
	if (how == FAKE_RETURNED) {
		bool advanced = check_rip(basic, reason & EXIT_REASON_FAILED_VMENTRY, rip0, len,
					  &reset);

		check_entry_event();
		if (!reset)
			check_gprs(basic, v, gpr_before);
		if (basic == EXIT_REASON_CPUID && advanced && !reset)
			check_cpuid(v, (uint32_t)gpr_before[GPR_RAX]);
	}
	if (show_log) {
		static char tail[FAKE_SERIAL_TAIL + 1];

		fake_serial_tail(tail, sizeof(tail));
		fprintf(stderr, "exit reason %#x: %s, RIP %llx -> %llx, entry event %08llx\n%s",
			reason, stop_names[how], (unsigned long long)rip0,
			(unsigned long long)fake_vmcs_get(VMCS_GUEST_RIP),
			(unsigned long long)fake_vmcs_get(VMCS_ENTRY_INTR_INFO), tail);
	}
	cur_in = NULL;
	return 0;
}
