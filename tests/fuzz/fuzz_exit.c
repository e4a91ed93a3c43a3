/* libFuzzer harness: a sequence of up to eight VM exits on one vCPU
 * through vmexit_dispatch() (vmm/exit/exit_dispatch.c), the exit table and
 * every handler, on the fake hardware of tests/fuzz/fake_hw.c. The input
 * (tests/fuzz/exit_input.c) sets the first exit with the machine state,
 * then what the guest changes before each further exit; the fake state
 * (MSRs, IA32_APIC_BASE included, guest memory, the VMCS, the vCPU's
 * bookkeeping, EPT, the APIC page) carries over from one exit to the next.
 * After each exit the harness checks the invariants of docs/fuzzing.md
 * (exit_checks.c, exit_halts.c) and aborts on the first broken one, with
 * the VMM's log tail. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmx.h"
#include "ept/ept.h"
#include "ept/mtrr.h"
#include "vmm/policy/cr_policy.h"
#include "vmm/exit/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/ipi/init_sipi.h"
#include "vmm/log/log.h"
#include "vmm/policy/msr_policy.h"
#include "vmm/vcpu.h"
#include "vmm/ipi/vipi.h"
#include "vmm/vmm.h"
#include "tests/fuzz/fake_state.h"
#include "tests/fuzz/fuzz_abort.h"
#include "tests/fuzz/fuzz_exit.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void vmexit_dispatch(struct vcpu *v);

#define EPT_ARENA_PAGES 64u
#define XCR0_SUPPORTED 0xE7ull       /* x87, SSE, AVX, AVX-512 state */
#define RFLAGS_FIXED1  0x2ull
#define RFLAGS_IF      (1ull << 9)
#define INTERRUPTIBILITY_BITS 0x1Fu
#define AR_BITS        0x1F0FFu
/* The controls vmx_controls_compute() gives on the model (no CR3 exiting:
 * it has the TRUE capability MSRs). */
#define FAKE_PROC      (PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CTLS)
#define FAKE_PROC2     (PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_RDTSCP | \
			PROC2_ENABLE_INVPCID | PROC2_ENABLE_XSAVES | PROC2_ENABLE_USER_WAIT_PAUSE)

/* ---- the VMM's state, built once ------------------------------------- */

static uint8_t *ept_arena;
static unsigned ept_pages_used, ept_pages_built;
/* The guest's MTRRs at launch: eight variable ranges, no fixed ones. They
 * are the VMM's copy (vmm/policy/memtype_msr.c), reset for every input like EPT. */
#define FUZZ_MTRRCAP 8u
static struct mtrr_msrs mtrr_built;
static uint8_t *sink;
static uint8_t msr_bitmap[MSR_BITMAP_SIZE] __attribute__((aligned(PAGE)));
static uint8_t host_tables[PAGE];
static struct vcpu *vcpus;

/* EPT pages from one arena, host address = physical address as in the
 * VMM (vmm/setup/pool.c), so that integrity_hash() can read them as a range. */
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

/* As core_init() builds it (vmm/setup/core.c): holes at the VMM region and the
 * APIC page, which is then mapped readable and executable, uncacheable. */
static void build_ept(void)
{
	static struct mtrr_state mtrr = { .enabled = true, .default_type = MEMTYPE_WB,
					  .maxphyaddr = MAXPHYADDR };
	static const struct phys_range holes[] = {
		{ REGION_BASE, REGION_BASE + REGION_SIZE }, { APIC_PAGE, APIC_PAGE + PAGE },
	};
	struct ept_config cfg = { .mtrr = &mtrr, .limit = MAP_LIMIT, .use_1g = true,
				  .holes = holes, .hole_count = 2 };
	struct ept_stats stats;
	uint64_t pml4;

	ept_arena = aligned_alloc(PAGE, EPT_ARENA_PAGES * PAGE);
	if (!ept_arena)
		abort();
	vmm.pages = (struct page_alloc){ .alloc_page = arena_alloc, .to_virt = arena_virt };
	if (ept_build(&cfg, &vmm.pages, &pml4, &stats) != EPT_OK ||
	    ept_set_4k(&vmm.pages, pml4, APIC_PAGE, APIC_PAGE, EPT_READ | EPT_EXEC, MEMTYPE_UC))
		fuzz_bug("ept_build failed for the fake machine");
	mtrr_msrs_init(&mtrr_built, &mtrr, FUZZ_MTRRCAP, MTRR_DEF_TYPE_E | MEMTYPE_WB);
	vmm.ept_pml4 = pml4;
	vmm.eptp = ept_eptp(pml4);
	vmm.ept_tables_start = (uint64_t)(uintptr_t)ept_arena;
	vmm.ept_tables_end = vmm.ept_tables_start + (uint64_t)ept_pages_used * PAGE;
	vmm.apic_page = APIC_PAGE;
}

/* FUZZ_EXIT_SHOW_LOG=1: print each exit's outcome and VMM log (replay). */
static bool show_log;
static const char *const stop_names[] = {
	[FAKE_RETURNED] = "returned", [FAKE_HALTED] = "VMM halted",
	[FAKE_RESET] = "platform reset", [FAKE_DEVIRTUALIZED] = "devirtualized",
	[FAKE_FAULTED] = "host fault",
};

static void init_vmm(void)
{
	vmm.bi = (struct boot_info){
		.magic = BOOT_INFO_MAGIC, .version = BOOT_INFO_VERSION,
		.size = sizeof(struct boot_info), .region_base = REGION_BASE,
		.region_size = REGION_SIZE, .map_limit = MAP_LIMIT,
		.log_level = LOG_DEBUG, .cpu_count = MAX_CPUS,
		.host_tables_start = (uint64_t)(uintptr_t)host_tables,
		.host_tables_end = (uint64_t)(uintptr_t)host_tables + sizeof(host_tables),
	};
	/* The core image, hashed by HC_INTEGRITY, is the region's first page. */
	vmm.hashed_start = REGION_BASE;
	vmm.hashed_end = REGION_BASE + PAGE;
	/* Bochs corei7_skylake_x values of IA32_VMX_CR0/CR4_FIXED0/1. */
	vmm.cr_fixed = (struct cr_fixed){ .cr0_fixed0 = 0x80000021ull,
					  .cr0_fixed1 = 0xFFFFFFFFull,
					  .cr4_fixed0 = CR4_VMXE, .cr4_fixed1 = 0x3727FFull,
					  .unrestricted = true };
	vmm.ctl = (struct vmx_controls){ .pin = PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, .proc = FAKE_PROC,
					 .proc2 = FAKE_PROC2, .exit = EXIT_LOAD_PAT, .entry = 0,
					 .ept_1g = true, .invept_single = true };
	vmm.has_xsave = true;
	vmm.xcr0_supported = XCR0_SUPPORTED;
	vmm.maxphyaddr = MAXPHYADDR;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	show_log = getenv("FUZZ_EXIT_SHOW_LOG") != NULL;
	findings_init();
	fake_phys_init();
	init_vmm();
	build_ept();
	sink = aligned_alloc(PAGE, PAGE);
	if (!sink)
		abort();
	memset(sink, 0xFF, PAGE);
	vmm.sink_page = (uint64_t)(uintptr_t)sink;
	msr_bitmap_build(msr_bitmap);
	vmm.msr_bitmap_phys = (uint64_t)(uintptr_t)msr_bitmap;
	ept_pages_built = ept_pages_used;
	checks_init(msr_bitmap, ept_arena, EPT_ARENA_PAGES * PAGE, (size_t)ept_pages_used * PAGE);
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

static const uint8_t *cur_data;
static size_t cur_size;
static unsigned cur_exit, cur_exits;
static struct exit_before before;   /* of the exit being run */

void fuzz_current_input(const uint8_t **data, size_t *size)
{
	*data = cur_data;
	*size = cur_size;
}

void fuzz_report_context(void)
{
	static char tail[FAKE_SERIAL_TAIL + 1];

	fake_serial_tail(tail, sizeof(tail));
	fprintf(stderr, "==== fuzz_exit: VMM log tail ====\n%s\n", tail);
	if (!cur_data)
		return;
	fprintf(stderr, "==== exit %u of %u: reason %#llx, qualification %#llx, GPA %#llx, "
		"RIP %#llx, instruction length %llu, IA32_APIC_BASE %#llx\n", cur_exit + 1,
		cur_exits, (unsigned long long)before.reason,
		(unsigned long long)fake_vmcs_get(VMCS_EXIT_QUALIFICATION),
		(unsigned long long)fake_vmcs_get(VMCS_GUEST_PHYS_ADDR),
		(unsigned long long)before.rip, (unsigned long long)before.len,
		(unsigned long long)fake.apic_base_msr);
}

void fuzz_bug(const char *fmt, ...)
{
	va_list ap;

	fuzz_report_context();
	va_start(ap, fmt);
	fuzz_vabort(fmt, ap);
}

/* ---- the machine at the first exit ------------------------------------ */

static void setup_vcpus(const struct exit_input *in, uint32_t reason, struct vcpu **cur)
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
	 * NMIs dropped (vmm/ipi/vipi.c): it executes no instruction. */
	(*cur)->wait_sipi = (in->flags2 & F2_WAIT_SIPI) &&
			    !is_instruction_exit(reason & EXIT_REASON_BASIC_MASK);
	(*cur)->ipi_pending = (in->ipi_pending & (VIPI_INIT | VIPI_SIPI)) |
			      ((uint32_t)in->ipi_vector << VIPI_VECTOR_SHIFT);
	(*cur)->kick_pending = (in->flags2 & F2_KICK) != 0;
	memcpy((*cur)->gpr, in->gpr, sizeof(in->gpr));
	fake.current = *cur;
	fake.apic_id = idx;
	/* The APIC as the firmware and the VMM's launch left it. */
	fake.apic_base_msr = APIC_PAGE | APIC_BASE_ENABLE |
			     ((in->flags & F_BSP) ? APIC_BASE_BSP : 0) |
			     ((in->flags & F_X2APIC) ? APIC_BASE_X2APIC : 0);
	fake.sipi_vector = in->sipi_vector;
	fake.xcr0 = 0x7;
}

static void setup_controls(uint64_t efer)
{
	fake_vmcs_set(VMCS_CR0_GUEST_HOST_MASK, cr0_guest_host_mask(&vmm.cr_fixed));
	fake_vmcs_set(VMCS_CR4_GUEST_HOST_MASK, cr4_guest_host_mask(&vmm.cr_fixed));
	fake_vmcs_set(VMCS_PIN_CTLS, vmm.ctl.pin);
	fake_vmcs_set(VMCS_PROC_CTLS, vmm.ctl.proc);
	fake_vmcs_set(VMCS_PROC_CTLS2, vmm.ctl.proc2);
	fake_vmcs_set(VMCS_EXIT_CTLS, vmm.ctl.exit);
	fake_vmcs_set(VMCS_ENTRY_CTLS, (efer & EFER_LMA) ? ENTRY_IA32E_MODE_GUEST : 0);
	fake_vmcs_set(VMCS_EPT_POINTER, vmm.eptp);
	fake_vmcs_set(VMCS_MSR_BITMAP, vmm.msr_bitmap_phys);
}

/* The guest state as VM exit leaves it in the VMCS, made consistent where
 * the hardware guarantees it (VM entry checked it, SDM Vol. 3C, 27.3.1). */
static void setup_vmcs(const struct exit_input *in, uint32_t reason)
{
	uint64_t cr0 = cr0_real_value(&vmm.cr_fixed, in->cr0);
	uint64_t cr4 = cr4_real_value(&vmm.cr_fixed, in->cr4) | CR4_VMXE;
	uint64_t efer = in->efer;
	uint32_t ss_ar = in->ss_ar, activity = in->activity % 4;
	uint64_t cr3 = in->cr3, rip = in->rip, rsp = in->rsp, rflags = in->rflags | RFLAGS_FIXED1;
	uint32_t intr = in->interruptibility & INTERRUPTIBILITY_BITS;
	uint32_t vectoring = in->idt_vectoring & (INTR_INFO_VALID | INTR_TYPE_MASK);

	/* EFER.LMA = CR0.PG && EFER.LME (27.3.1.1), and the entry control. */
	efer &= ~EFER_LMA;
	if ((cr0 & CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	if (!(cr0 & CR0_PE))
		ss_ar &= ~AR_DPL_MASK; /* real mode: CPL 0 (27.3.1.2) */
	if (is_instruction_exit(reason & EXIT_REASON_BASIC_MASK))
		activity = ACTIVITY_ACTIVE;
	if (in->flags & F_CR3_IN_MEM)
		cr3 = (cr3 % FAKE_MEM_SIZE) & ~0xFFFull;
	if (in->flags2 & F2_RIP_IN_MEM)
		rip %= FAKE_MEM_SIZE;
	/* Outside 64-bit mode RIP bits 63:32 are 0 (27.3.1.4). */
	if (!((efer & EFER_LMA) && (in->cs_ar & AR_L)))
		rip &= 0xFFFFFFFFull;
	if (in->flags2 & F2_RSP_IN_MEM)
		rsp %= FAKE_MEM_SIZE;
	/* An exit during delivery of an external interrupt or NMI saves the
	 * state before delivery (SDM Vol. 3C, 28.2.4, 28.3): the CPU took the
	 * event, so nothing blocked it then (IF set, no blocking by STI or
	 * MOV SS for an interrupt; none by MOV SS for an NMI). */
	if (vectoring == (INTR_INFO_VALID | INTR_TYPE_EXT_INTR)) {
		rflags |= RFLAGS_IF;
		intr &= ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	} else if (vectoring == (INTR_INFO_VALID | INTR_TYPE_NMI)) {
		intr &= ~INTERRUPTIBILITY_MOV_SS;
	}

	fake_vmcs_clear();
	fake_vmcs_set(VMCS_GUEST_RIP, rip);
	fake_vmcs_set(VMCS_GUEST_RSP, rsp);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, rflags);
	fake_vmcs_set(VMCS_GUEST_CR0, cr0);
	fake_vmcs_set(VMCS_GUEST_CR3, cr3);
	fake_vmcs_set(VMCS_GUEST_CR4, cr4);
	fake_vmcs_set(VMCS_GUEST_EFER, efer);
	fake_vmcs_set(VMCS_GUEST_CS_BASE, in->cs_base);
	fake_vmcs_set(VMCS_GUEST_CS_AR, in->cs_ar & AR_BITS);
	fake_vmcs_set(VMCS_GUEST_SS_AR, ss_ar & AR_BITS);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, intr);
	fake_vmcs_set(VMCS_GUEST_ACTIVITY_STATE, activity);
	fake_vmcs_set(VMCS_CR0_READ_SHADOW, in->cr0_shadow);
	fake_vmcs_set(VMCS_CR4_READ_SHADOW, in->cr4_shadow);
	for (unsigned i = 0; i < 4; i++)
		fake_vmcs_set(VMCS_GUEST_PDPTE0 + 2 * i, in->pdpte[i]);
	setup_controls(efer);
}

static struct vcpu *machine_reset(const struct exit_input *in, uint32_t reason)
{
	struct vcpu *v;

	checks_reset_ept();
	ept_pages_used = ept_pages_built;
	vmm.guest_mtrr = mtrr_built;
	vmm.ept_gen = 0;
	memset(vmm.ept_gen_seen, 0, sizeof(vmm.ept_gen_seen));
	fake_apic_page_reset(in->icr_high);
	setup_vcpus(in, reason, &v);
	lapic_base_init(); /* core_init() reads the APIC base at launch */
	setup_vmcs(in, reason);
	fuzz_devirtualize_set_sealed((in->flags & F_SEALED) != 0);
	return v;
}

/* ---- between exits: what the guest does ---------------------------------- */

/* The guest ran from the last VM entry to this exit. An instruction's
 * exit needs it active: HLT ends with an interrupt, but a vCPU the VMM
 * parked for its SIPI, in wait-for-SIPI or shut down runs nothing (false:
 * the sequence ends). It may have changed registers and RIP on the way. */
static bool guest_runs(struct vcpu *v, const struct step_input *s, const struct exit_info *x)
{
	uint64_t activity = fake_vmcs_get(VMCS_GUEST_ACTIVITY_STATE);

	if (x->reason & EXIT_REASON_FAILED_VMENTRY)
		return true; /* the entry failed: the guest ran nothing */
	if (is_instruction_exit(x->reason & EXIT_REASON_BASIC_MASK) && activity != ACTIVITY_ACTIVE) {
		if (activity != ACTIVITY_HLT || v->wait_sipi)
			return false;
		fake_vmcs_set(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	}
	if (s->flags & S_GPR_A)
		guest_set_gpr(v, s->gprs & 0xF, s->val[0]);
	if (s->flags & S_GPR_B)
		guest_set_gpr(v, s->gprs >> 4, s->val[1]);
	if (s->flags & S_RIP)
		fake_vmcs_set(VMCS_GUEST_RIP, (fake_vmcs_get(VMCS_GUEST_RIP) & ~0xFFFFull) | s->rip);
	return true;
}

/* RDMSR/WRMSR of an MSR the bitmap passes through: the CPU executes it
 * for the guest, no VM exit. Of these the model has IA32_APIC_BASE; a
 * fault (CPL > 0, a value the CPU refuses) is the guest's own #GP. */
static void guest_msr_without_exit(struct vcpu *v, const struct exit_info *x)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	bool write = (x->reason & EXIT_REASON_BASIC_MASK) == EXIT_REASON_WRMSR;

	if (fake_vmcs_get(VMCS_GUEST_SS_AR) & AR_DPL_MASK)
		return;
	if (msr == MSR_IA32_APIC_BASE && write && !fake_apic_base_write(guest_edx_eax(v)))
		return;
	if (msr == MSR_IA32_APIC_BASE && !write)
		guest_set_edx_eax(v, fake.apic_base_msr);
	fake_vmcs_set(VMCS_GUEST_RIP, fake_vmcs_get(VMCS_GUEST_RIP) + x->insn_len);
}

static bool exits(const struct vcpu *v, const struct exit_info *x)
{
	unsigned basic = x->reason & EXIT_REASON_BASIC_MASK;

	if (x->reason & EXIT_REASON_FAILED_VMENTRY)
		return true;
	if (basic != EXIT_REASON_RDMSR && basic != EXIT_REASON_WRMSR)
		return true;
	return msr_exits((uint32_t)v->gpr[GPR_RCX], basic == EXIT_REASON_WRMSR);
}

/* ---- one exit ---------------------------------------------------------- */

static void set_exit_info(const struct exit_info *x)
{
	fake_vmcs_set(VMCS_EXIT_REASON, x->reason);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, x->qual);
	fake_vmcs_set(VMCS_EXIT_INSN_LEN, x->insn_len);
	fake_vmcs_set(VMCS_EXIT_INSN_INFO, x->insn_info);
	fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, x->gpa);
	fake_vmcs_set(VMCS_GUEST_LINEAR_ADDR, x->linear);
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, x->intr_info);
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, x->idt_vectoring);
	/* VM exit clears the valid bit of the entry interruption field
	 * (SDM Vol. 3C, 28.2 "Recording VM-Exit Information..."). */
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
}

static void show_exit(int how)
{
	const struct exit_before *b = &before;
	static char tail[FAKE_SERIAL_TAIL + 1];

	fake_serial_tail(tail, sizeof(tail));
	fprintf(stderr, "exit %u: reason %#x: %s, RIP %llx -> %llx, entry event %08llx, "
		"IA32_APIC_BASE %llx\n%s", cur_exit + 1, b->reason, stop_names[how],
		(unsigned long long)b->rip, (unsigned long long)fake_vmcs_get(VMCS_GUEST_RIP),
		(unsigned long long)fake_vmcs_get(VMCS_ENTRY_INTR_INFO),
		(unsigned long long)fake.apic_base_msr, tail);
}

/* Runs the exit and checks it; false when the VMM stopped. */
static bool run_exit(struct vcpu *v, const struct exit_info *x)
{
	static jmp_buf stop_jmp;
	volatile int how;
	bool go_on;

	set_exit_info(x);
	fake_run_begin();
	checks_snapshot(v, x->reason, fuzz_devirtualize_sealed(), &before);
	fake.stop = &stop_jmp;
	how = setjmp(stop_jmp);
	if (how == FAKE_RETURNED)
		vmexit_dispatch(v);
	fake.stop = NULL;

	go_on = check_stop(how, &before);
	check_memory();
	if (how == FAKE_RETURNED)
		check_returned(v, &before);
	if (show_log)
		show_exit(how);
	fake_apic_ipi_sent();
	return go_on;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_input in;
	struct reader r = { data, size };
	struct exit_info x;
	struct vcpu *v;

	read_fuzz_input(&r, &in);
	load_memory(&r);
	exit_info_first(&in.first, &x);
	v = machine_reset(&in.first, x.reason);
	cur_data = data;
	cur_size = size;
	cur_exits = 1 + in.steps;
	for (cur_exit = 0; cur_exit < cur_exits; cur_exit++) {
		if (cur_exit) {
			exit_info_step(&in.step[cur_exit - 1], &x);
			if (!guest_runs(v, &in.step[cur_exit - 1], &x))
				break;
		}
		if (!exits(v, &x))
			guest_msr_without_exit(v, &x);
		else if (!run_exit(v, &x))
			break;
	}
	cur_data = NULL;
	return 0;
}
