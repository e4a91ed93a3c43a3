/* How an exit may end (docs/fuzzing.md, "Invariants"): the exit table's
 * contract, and for a VMM halt whether an OS could have caused it. The
 * VMM may stop a CPU only on an exit that real hardware cannot produce
 * with the controls in the VMCS; each such case names its reason below.
 * A halt on any other exit is a denial of service a guest can cause:
 * "VMM halted on ... (an OS may do this)", an abort. With
 * FUZZ_EXIT_FINDINGS=<dir> (tests/fuzz/test-fuzz.sh) such a halt, and a
 * VMM access to a physical address it does not own (fake_phys.c), is a
 * "FINDING" line with the input kept in dir, once per kind, and the run
 * goes on. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/x86_64/vmx.h"
#include "ept/ept.h"
#include "vmm/exit/exit_table.h"
#include "vmm/exit/hypercall.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"
#include "tests/fuzz/fake_state.h"
#include "tests/fuzz/fuzz_exit.h"

/* Controls the VMM does not use (SDM Vol. 3C, 25.6.2, Tables 25-6 and
 * 25-7), by the exits they enable. */
#define PROC_TERTIARY_CTLS       (1u << 17)
#define PROC_TPR_SHADOW          (1u << 21)
#define PROC2_VIRT_APIC_ACCESS   (1u << 0)
#define PROC2_APIC_REG_VIRT      (1u << 8)
#define PROC2_VIRT_INTR_DELIVERY (1u << 9)
#define PROC2_PAUSE_LOOP_EXITING (1u << 10)
#define PROC2_RDRAND_EXITING     (1u << 11)
#define PROC2_ENCLS_EXITING      (1u << 15)
#define PROC2_RDSEED_EXITING     (1u << 16)
#define PROC2_ENABLE_PML         (1u << 17)
#define PROC2_SUBPAGE_WRITE      (1u << 23)
#define PROC2_ENABLE_PCONFIG     (1u << 27)
#define PROC2_ENCLV_EXITING      (1u << 28)
#define PROC2_BUS_LOCK_DETECTION (1u << 30)
#define PROC2_INSN_TIMEOUT       (1u << 31)
/* CR-access qualification (SDM Vol. 3C, 28.2.1, Table 28-3). */
#define QUAL_CR(q)               ((unsigned)((q) & 0xF))
#define QUAL_CR_ACCESS(q)        ((unsigned)(((q) >> 4) & 3))
#define CR_MOV_TO                0u
#define CR_MOV_FROM              1u
/* EPT-violation qualification bits 0-2, the access (Table 28-7), are at
 * the positions of the EPT entry's R, W, X bits. */
#define QUAL_EPT_ACCESS          (EPT_READ | EPT_WRITE | EPT_EXEC)
#define SMI_WHY "SMIs exit only under the dual-monitor treatment, which Pillbox never activates"
#define KINDS_MAX 32u

/* Exits that only a control enables; the exit is possible when one of
 * its gates is open. field 0: no control of Pillbox's enables it. */
struct gate {
	uint16_t reason;
	uint32_t field;
	uint64_t bits;
	const char *why;
};

#define PIN(r, bit, why)   { EXIT_REASON_##r, VMCS_PIN_CTLS, bit, why }
#define PROC(r, bit, why)  { EXIT_REASON_##r, VMCS_PROC_CTLS, bit, why }
#define PROC2(r, bit, why) { EXIT_REASON_##r, VMCS_PROC_CTLS2, bit, why }
#define NEVER(r, why)      { EXIT_REASON_##r, 0, 0, why }
#define TERTIARY "a tertiary control enables it, and those are off"

static const struct gate gates[] = {
	PIN(EXTERNAL_INTERRUPT, PIN_EXT_INTR_EXITING, "external-interrupt exiting is off"),
	NEVER(IO_SMI, SMI_WHY),
	NEVER(OTHER_SMI, SMI_WHY),
	PROC(INTERRUPT_WINDOW, PROC_INTR_WINDOW, "interrupt-window exiting is off"),
	PROC(NMI_WINDOW, PROC_NMI_WINDOW, "NMI-window exiting is off"),
	PROC(HLT, PROC_HLT_EXITING, "HLT exiting is off"),
	PROC(INVLPG, PROC_INVLPG_EXITING, "INVLPG exiting is off"),
	PROC(RDPMC, PROC_RDPMC_EXITING, "RDPMC exiting is off"),
	PROC(RDTSC, PROC_RDTSC_EXITING, "RDTSC exiting is off"),
	NEVER(RSM, "RSM exits only in SMM under the dual-monitor treatment; elsewhere it is #UD"),
	PROC(DR_ACCESS, PROC_MOV_DR_EXITING, "MOV-DR exiting is off"),
	PROC(IO_INSTRUCTION, PROC_UNCOND_IO_EXITING | PROC_USE_IO_BITMAPS,
	     "unconditional I/O exiting and the I/O bitmaps are off"),
	PROC(MWAIT, PROC_MWAIT_EXITING, "MWAIT exiting is off"),
	PROC(MONITOR_TRAP_FLAG, PROC_MONITOR_TRAP_FLAG, "the monitor trap flag is off"),
	PROC(MONITOR, PROC_MONITOR_EXITING, "MONITOR exiting is off"),
	PROC(PAUSE, PROC_PAUSE_EXITING, "PAUSE exiting and PAUSE-loop exiting are off"),
	PROC2(PAUSE, PROC2_PAUSE_LOOP_EXITING, ""),
	PROC(TPR_BELOW_THRESHOLD, PROC_TPR_SHADOW, "there is no TPR shadow"),
	PROC2(APIC_ACCESS, PROC2_VIRT_APIC_ACCESS, "APIC accesses are not virtualized"),
	PROC2(VIRTUALIZED_EOI, PROC2_VIRT_INTR_DELIVERY, "virtual-interrupt delivery is off"),
	PROC2(GDTR_IDTR, PROC2_DESC_TABLE_EXITING, "descriptor-table exiting is off"),
	PROC2(LDTR_TR, PROC2_DESC_TABLE_EXITING, "descriptor-table exiting is off"),
	PROC(RDTSCP, PROC_RDTSC_EXITING, "RDTSCP exits only with RDTSC exiting, which is off"),
	PIN(PREEMPTION_TIMER, PIN_PREEMPTION_TIMER, "the preemption timer is off"),
	PROC2(WBINVD, PROC2_WBINVD_EXITING, "WBINVD exiting is off"),
	PROC2(APIC_WRITE, PROC2_APIC_REG_VIRT, "APIC-register virtualization is off"),
	PROC2(RDRAND, PROC2_RDRAND_EXITING, "RDRAND exiting is off"),
	PROC(INVPCID, PROC_INVLPG_EXITING, "INVPCID exits only with INVLPG exiting, which is off"),
	PROC2(ENCLS, PROC2_ENCLS_EXITING, "ENCLS exiting is off"),
	PROC2(RDSEED, PROC2_RDSEED_EXITING, "RDSEED exiting is off"),
	PROC2(PML_FULL, PROC2_ENABLE_PML, "PML is off"),
	/* vmcs_setup.c writes the bitmap 0 (security review L1); the fake
	 * VMCS holds 0 there, so the verdict follows what it holds. */
	{ EXIT_REASON_XSAVES, VMCS_XSS_EXITING_BITMAP, ~0ull, "the XSS-exiting bitmap is 0" },
	{ EXIT_REASON_XRSTORS, VMCS_XSS_EXITING_BITMAP, ~0ull, "the XSS-exiting bitmap is 0" },
	PROC2(PCONFIG, PROC2_ENABLE_PCONFIG, "PCONFIG is not enabled"),
	PROC2(SPP_EVENT, PROC2_SUBPAGE_WRITE, "sub-page write permissions are off"),
	PROC(UMWAIT, PROC_RDTSC_EXITING, "UMWAIT exits only with RDTSC exiting, which is off"),
	PROC(TPAUSE, PROC_RDTSC_EXITING, "TPAUSE exits only with RDTSC exiting, which is off"),
	PROC(LOADIWKEY, PROC_TERTIARY_CTLS, TERTIARY),
	PROC2(ENCLV, PROC2_ENCLV_EXITING, "ENCLV exiting is off"),
	PROC(ENQCMD_PASID_FAIL, PROC_TERTIARY_CTLS, TERTIARY),
	PROC(ENQCMDS_PASID_FAIL, PROC_TERTIARY_CTLS, TERTIARY),
	PROC2(BUS_LOCK, PROC2_BUS_LOCK_DETECTION, "bus-lock detection is off"),
	PROC2(INSTRUCTION_TIMEOUT, PROC2_INSN_TIMEOUT, "the instruction timeout is off"),
};

/* The first gate's reason when every gate of the exit is closed. */
static const char *gates_closed(unsigned basic)
{
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(gates) / sizeof(gates[0]); i++) {
		const struct gate *g = &gates[i];

		if (g->reason != basic)
			continue;
		if (g->field && (fake_vmcs_get(g->field) & g->bits))
			return NULL;
		if (!why)
			why = g->why;
	}
	return why;
}

/* Exceptions exit only through the exception bitmap; NMIs exit (NMI
 * exiting is the VMM's kick). */
static const char *exception_impossible(void)
{
	uint32_t info = (uint32_t)fake_vmcs_get(VMCS_EXIT_INTR_INFO);
	unsigned type = info & INTR_TYPE_MASK, vector = info & INTR_INFO_VECTOR_MASK;

	if (!(info & INTR_INFO_VALID))
		return "the interruption information of an exception or NMI exit is always valid";
	if (type == INTR_TYPE_NMI)
		return NULL;
	if (type != INTR_TYPE_EXT_INTR && vector < 32 &&
	    (fake_vmcs_get(VMCS_EXCEPTION_BITMAP) >> vector) & 1)
		return NULL;
	return "the exception bitmap does not intercept it";
}

/* MOV to CR0/CR4, CLTS and LMSW exit as the guest/host masks say; MOV
 * CR3 and CR8 only with their exiting controls; nothing else exits. */
static const char *cr_access_impossible(void)
{
	uint64_t q = fake_vmcs_get(VMCS_EXIT_QUALIFICATION);
	uint64_t proc = fake_vmcs_get(VMCS_PROC_CTLS);
	unsigned cr = QUAL_CR(q), access = QUAL_CR_ACCESS(q);

	if (access > CR_MOV_FROM)
		return NULL;
	if (cr == 3 && (proc & (access == CR_MOV_TO ? PROC_CR3_LOAD_EXITING
						    : PROC_CR3_STORE_EXITING)))
		return NULL;
	if (cr == 8 && (proc & (access == CR_MOV_TO ? PROC_CR8_LOAD_EXITING
						    : PROC_CR8_STORE_EXITING)))
		return NULL;
	if (access == CR_MOV_TO && (cr == 0 || cr == 4))
		return NULL;
	return "this MOV to or from a control register does not exit with these controls";
}

/* A violation needs a guest-physical address the guest can form and an
 * access the EPT entry (as the VMM left it) does not allow. */
static const char *ept_violation_impossible(void)
{
	uint64_t gpa = fake_vmcs_get(VMCS_GUEST_PHYS_ADDR);
	uint64_t access = fake_vmcs_get(VMCS_EXIT_QUALIFICATION) & QUAL_EPT_ACCESS;
	unsigned level;

	if (gpa >> vmm.maxphyaddr)
		return "the address is beyond MAXPHYADDR: the guest's own paging faults first";
	if (!access)
		return "the qualification names no access (read, write or fetch)";
	if (!(access & ~ept_lookup(&vmm.pages, vmm.ept_pml4, gpa, &level)))
		return "the EPT entry allows the access";
	return NULL;
}

/* Instructions that check CPL 0 before they can exit (SDM Vol. 3C, 26.1.1
 * "Relative Priority of Faults and VM Exits"). */
static bool privileged_exit(unsigned basic)
{
	switch (basic) {
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
	case EXIT_REASON_INVD:
	case EXIT_REASON_XSETBV:
		return true;
	default:
		return false;
	}
}

const char *exit_impossible(uint32_t reason)
{
	unsigned basic = reason & EXIT_REASON_BASIC_MASK;
	const struct exit_handler *h = exit_handler_for(basic);

	if ((reason & EXIT_REASON_FAILED_VMENTRY) || (h && h->handler == handle_entry_failure))
		return "a failed VM entry comes from the VMCS the VMM wrote or a machine check, "
		       "not from an OS (and it always sets bit 31 of the reason)";
	if (!h || h->handler == handle_reserved)
		return "the SDM defines no such exit reason";
	if (privileged_exit(basic) && (fake_vmcs_get(VMCS_GUEST_SS_AR) & AR_DPL_MASK))
		return "outside CPL 0 the instruction faults before it can exit";
	switch (basic) {
	case EXIT_REASON_EXCEPTION_NMI:
		return exception_impossible();
	case EXIT_REASON_CR_ACCESS:
		return cr_access_impossible();
	case EXIT_REASON_EPT_VIOLATION:
		return ept_violation_impossible();
	case EXIT_REASON_EPT_MISCONFIG:
		return "only an EPT entry the VMM misconfigured causes it (check_memory() checks "
		       "the VMM's EPT edits)";
	default:
		return gates_closed(basic);
	}
}

/* Exits caused by the guest executing an instruction: the guest was
 * active (SDM Vol. 3C, 26.1 "Instructions That Cause VM Exits"). */
bool is_instruction_exit(unsigned basic)
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
		return basic <= EXIT_REASON_MAX;
	}
}

/* ---- a halt an OS may cause ---------------------------------------------- */

struct finding {
	char kind[32];       /* short and stable: one report and file per kind */
	char what[384];
};

static const char *findings_dir;
static char kinds_seen[KINDS_MAX][32];
static unsigned kinds_count;

void findings_init(void)
{
	findings_dir = getenv("FUZZ_EXIT_FINDINGS");
}

bool findings_keep_going(void)
{
	return findings_dir != NULL;
}

static void describe_ept(struct finding *f)
{
	uint64_t gpa = fake_vmcs_get(VMCS_GUEST_PHYS_ADDR);
	uint64_t qual = fake_vmcs_get(VMCS_EXIT_QUALIFICATION);
	unsigned long long g = (unsigned long long)gpa;

	if (vmm.apic_page && (gpa & ~0xFFFull) == vmm.apic_page && (qual & EPT_EXEC)) {
		snprintf(f->kind, sizeof(f->kind), "apic-fetch");
		snprintf(f->what, sizeof(f->what), "an instruction fetch from the local APIC "
			 "page (GPA %llx)", g);
	} else if (vmm.apic_page && (gpa & ~0xFFFull) == vmm.apic_page) {
		snprintf(f->kind, sizeof(f->kind), "apic-write");
		snprintf(f->what, sizeof(f->what), "a write to the local APIC page at offset %03llx "
			 "by the instruction at RIP %llx", g & 0xFFF,
			 (unsigned long long)fake_vmcs_get(VMCS_GUEST_RIP));
	} else if (gpa >= vmm.bi.map_limit) {
		snprintf(f->kind, sizeof(f->kind), "ept-above-map-limit");
		snprintf(f->what, sizeof(f->what), "an access to GPA %llx, above map_limit %llx "
			 "(where PCI BARs may be)", g, (unsigned long long)vmm.bi.map_limit);
	} else {
		snprintf(f->kind, sizeof(f->kind), "ept-violation");
		snprintf(f->what, sizeof(f->what), "an EPT violation at GPA %llx, qualification %llx",
			 g, (unsigned long long)qual);
	}
}

/* "INIT signal" -> "init-signal". */
static void slug(const char *name, char *out, size_t size)
{
	size_t n = 0;

	for (; *name && n + 1 < size; name++)
		out[n++] = (char)(isalnum((unsigned char)*name) ? tolower((unsigned char)*name) : '-');
	out[n] = '\0';
}

static void describe(uint32_t reason, struct finding *f)
{
	unsigned basic = reason & EXIT_REASON_BASIC_MASK;
	const struct exit_handler *h = exit_handler_for(basic);

	if (fake.host_fault[0]) {
		snprintf(f->kind, sizeof(f->kind), "host-gp");
		snprintf(f->what, sizeof(f->what), "a host #GP in the VMM after a %s exit: %s",
			 h ? h->name : "?", fake.host_fault);
	} else if (basic == EXIT_REASON_EPT_VIOLATION) {
		describe_ept(f);
	} else {
		slug(h ? h->name : "unknown", f->kind, sizeof(f->kind));
		snprintf(f->what, sizeof(f->what), "exit reason %u (%s), qualification %llx", basic,
			 h ? h->name : "?",
			 (unsigned long long)fake_vmcs_get(VMCS_EXIT_QUALIFICATION));
	}
}

static bool seen_before(const char *kind)
{
	for (unsigned i = 0; i < kinds_count; i++)
		if (!strcmp(kinds_seen[i], kind))
			return true;
	if (kinds_count < KINDS_MAX)
		snprintf(kinds_seen[kinds_count++], sizeof(kinds_seen[0]), "%s", kind);
	return false;
}

/* FNV-1a of the input: its file name. */
static unsigned long long input_hash(const uint8_t *p, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

static void keep(const struct finding *f)
{
	const uint8_t *data;
	size_t size;
	char path[512];
	FILE *out;

	if (seen_before(f->kind))
		return;
	fuzz_current_input(&data, &size);
	snprintf(path, sizeof(path), "%s/%s-%016llx", findings_dir, f->kind, input_hash(data, size));
	out = fopen(path, "wb");
	if (!out || fwrite(data, 1, size, out) != size)
		fuzz_bug("cannot write %s", path);
	fclose(out);
	fprintf(stderr, "==== FINDING [%s]: %s; input %s\n", f->kind, f->what, path);
}

static void halt_on_possible_exit(uint32_t reason)
{
	struct finding f;
	char what[sizeof(f.what)];

	describe(reason, &f);
	if (!findings_dir)
		fuzz_bug("VMM halted on %s (an OS may do this)", f.what);
	snprintf(what, sizeof(what), "VMM halted on %s (an OS may do this)", f.what);
	memcpy(f.what, what, sizeof(what));
	keep(&f);
}

/* Only with FUZZ_EXIT_FINDINGS (else the fault is reported as it happens). */
static void faulted(void)
{
	struct finding f;
	bool in_region = fake.fault_addr >= REGION_BASE && fake.fault_addr - REGION_BASE < REGION_SIZE;
	char where[200];

	fake_phys_describe(fake.fault_addr, where, sizeof(where));
	snprintf(f.kind, sizeof(f.kind), in_region ? "fault-vmm-region" : "fault-physical");
	snprintf(f.what, sizeof(f.what), "host fault at %#llx (%s), IA32_APIC_BASE %#llx",
		 (unsigned long long)fake.fault_addr, where, (unsigned long long)fake.apic_base_msr);
	keep(&f);
}

/* ---- the outcome of one exit ---------------------------------------------- */

static bool logged(const char *text)
{
	static char tail[FAKE_SERIAL_TAIL + 1];

	fake_serial_tail(tail, sizeof(tail));
	return strstr(tail, text) != NULL;
}

static bool always_fatal_handler(exit_handler_fn fn)
{
	return fn == handle_unexpected || fn == handle_reserved || fn == handle_entry_failure;
}

bool check_stop(int how, const struct exit_before *b)
{
	unsigned basic = b->reason & EXIT_REASON_BASIC_MASK;
	const struct exit_handler *h = exit_handler_for(basic);
	bool failed = b->reason & EXIT_REASON_FAILED_VMENTRY;
	uint64_t hc_nr = b->gpr[GPR_RAX];

	switch ((enum fake_stop)how) {
	case FAKE_RETURNED:
		if (!h || failed || always_fatal_handler(h->handler))
			fuzz_bug("exit reason %#x returned, but its outcome is fatal", b->reason);
		return true;
	case FAKE_HALTED:
		if (!logged("VMM halted"))
			fuzz_bug("halted without the 'VMM halted' line");
		if (!exit_impossible(b->reason))
			halt_on_possible_exit(b->reason);
		return false;
	case FAKE_RESET:
		/* A triple fault resets the PC; the VMM does the same. So do an
		 * INIT to the bootstrap processor (vmm/exit/exit_init_sipi.c) and a
		 * fault during #DF delivery (vmm/exit/exit_vectoring.c). */
		if ((basic != EXIT_REASON_TRIPLE_FAULT || failed) &&
		    !logged("INIT to the bootstrap processor") && !logged("the guest triple faults"))
			fuzz_bug("exit reason %#x reset the platform", b->reason);
		return false;
	case FAKE_FAULTED:
		faulted();
		return false;
	case FAKE_DEVIRTUALIZED:
		if (basic != EXIT_REASON_VMCALL || failed || hc_nr != HC_DEVIRTUALIZE || b->sealed)
			fuzz_bug("exit reason %#x left VMX operation (RAX was %llx, sealed %d)",
				 b->reason, (unsigned long long)hc_nr, b->sealed);
		return false;
	}
	return false;
}
