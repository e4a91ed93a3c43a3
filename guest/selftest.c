/* Guest self-test: started by the loader once the firmware runs as the
 * guest, it checks the hypervisor from inside. One line per check,
 *   [INFO cpuN selftest] PASS <name>   or   [ERROR cpuN selftest] FAIL <name>: why
 * then "summary: pass=N fail=M" and "selftest done" (the boot test's final
 * marker). Every check states the architectural result it expects.
 * "nmi-self-counts-1-2-3": three NMIs the CPU sends itself reach its NMI
 * handler three times, as on the bare CPU (each IRET ends NMI blocking).
 * "insn-breakpoint-fires-after-exit": an instruction breakpoint armed in
 * DR0/DR7 before a CPUID exit fires after it, as on the bare CPU: one #DB,
 * a fault at the instruction, DR6.B0 set (Intel SDM Vol. 3A, 18.3.1.1
 * "Instruction-Breakpoint Exception Condition"; the VMM saves and loads
 * the debug controls, Vol. 3C, 28.5.1). With the load option
 * "no-insn-breakpoint" it is skipped: Bochs 3.0 with more than one CPU does
 * not deliver that #DB, bare as under Pillbox (the guest triple-faults),
 * so the multi-CPU boot tests pass it (tests/boot/smp-selftest.cfg).
 * The SMP checks run last: CPUID on every enabled application processor
 * through EFI MP services ("ap-signature-apic<N>" per AP, N its APIC id)
 * and "smp-cpu-count" (every enabled AP reached; the only SMP line on a
 * single-CPU machine). */
#include <stdbool.h>
#include <efi.h>
#include <efilib.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/descriptors.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/regs.h"
#include "boot/console.h"
#include "boot/mp_services.h"
#include "guest/guest_check.h"
#include "guest/guest_fault.h"
#include "guest/load_options.h"
#include "vmm/ipi/apic_icr.h"
#include "vmm/policy/cpuid_policy.h"
#include "vmm/exit/exit_reasons.h"
#include "lib/fmt.h"
#include "vmm/exit/hypercall.h"
#include "lib/lib.h"
#include "vmm/log/log.h"
#include "vmm/policy/msr_policy.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vectors.h"

#define STAGE "selftest"
#define CORE_MAGIC 0x45524f4358424c50ull /* "PLBXCORE", vmm/setup/core_image.h */
#define XCR0_RESERVED_BIT (1ull << 10) /* architecturally reserved */
#define SINK_BYTE 0xFFu
#define REGION_PROBES 4u
#define AP_TIMEOUT_US (5u * 1000u * 1000u) /* StartupThisAP, per AP */
#define APIC_ID_SHIFT 24                   /* CPUID.01H:EBX[31:24] */
#define INITIAL_APIC_ID_MASK 0xFFu         /* 8 bits of the APIC id */
#define CHECK_NAME_MAX 40u
#define OPTION_NO_INSN_BREAKPOINT L"no-insn-breakpoint"
#define WHY_MAX 200u

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

static void test_cpuid(void)
{
	struct cpuid_regs r;

	cpuid_count(HV_CPUID_BASE, 0, &r);
	result("cpuid-signature",
	       r.ebx == HV_SIG_EBX && r.ecx == HV_SIG_ECX && r.edx == HV_SIG_EDX &&
		       r.eax == HV_CPUID_MAX,
	       "leaf 0x40000000 does not carry 'PillboxVMM' and max leaf 0x40000001");
	cpuid_count(HV_CPUID_VERSION, 0, &r);
	result("cpuid-version", r.eax == HV_VERSION && r.ebx == HV_ABI_VERSION,
	       "leaf 0x40000001 does not report the version and ABI");
	cpuid_count(1, 0, &r);
	result("cpuid-hypervisor-bit", (r.ecx & CPUID_1_ECX_HYPERVISOR) != 0,
	       "CPUID.1:ECX[31] is clear");
	result("cpuid-vmx-hidden", (r.ecx & CPUID_1_ECX_VMX) == 0, "CPUID.1:ECX.VMX is set");
}

static void test_vmcall(void)
{
	struct hc r = hc_call(HC_PING, 0, 0, 0);

	result("vmcall-ping", r.rax == HC_OK && r.rbx == HC_PING_REPLY && r.rcx == HV_VERSION,
	       "HC_PING did not answer PONG and the version");
	r = hc_call(0xDEADBEEFull, 1, 2, 3);
	result("vmcall-unknown", (int64_t)r.rax == HC_ENOSYS, "unknown call did not give HC_ENOSYS");
}

static int try_vmxon(void)
{
	uint64_t region = 0;

	return GUEST_TRY("vmxon %1", : "m"(region));
}

static int try_xsetbv(uint32_t index, uint64_t value)
{
	return GUEST_TRY("xsetbv", : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static int try_rdmsr(uint32_t msr, uint64_t *value)
{
	uint32_t lo = 0, hi = 0;

	guest_fault_vector = NO_FAULT;
	__asm__ volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, %2\n\trdmsr\n1:"
			 : "+a"(lo), "+d"(hi), "=m"(guest_fault_recover)
			 : "c"(msr)
			 : "r11", "memory");
	*value = ((uint64_t)hi << 32) | lo;
	return guest_fault_vector;
}

static int try_wrmsr(uint32_t msr, uint64_t value)
{
	return GUEST_TRY("wrmsr", : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static int try_write_cr4(uint64_t value)
{
	return GUEST_TRY("mov %1, %%cr4", : "r"(value));
}

/* XSETBV: #UD while CR4.OSXSAVE = 0; with it set, #GP for a reserved bit
 * or a register other than XCR0, and the current XCR0 writes cleanly.
 * The firmware may run with OSXSAVE clear: it is set for the test only. */
static void test_xsetbv(void)
{
	struct cpuid_regs r;
	uint64_t cr4 = read_cr4(), xcr0;
	int vec;

	cpuid_count(1, 0, &r);
	if (!(r.ecx & CPUID_1_ECX_XSAVE)) {
		static const char *const need_xsave[] = { "xsetbv-osxsave-off-ud", "xsetbv-reserved-gp",
			"xsetbv-no-x87-gp", "xsetbv-bad-index-gp", "xsetbv-valid" };

		result("xsetbv-no-xsave-ud", try_xsetbv(0, 1) == VEC_UD, "XSETBV without XSAVE did not #UD");
		for (unsigned i = 0; i < sizeof(need_xsave) / sizeof(need_xsave[0]); i++)
			skipped(need_xsave[i], "CPUID.1:ECX.XSAVE = 0: no XSETBV to test");
		return;
	}
	if (cr4 & CR4_OSXSAVE)
		write_cr4(cr4 & ~CR4_OSXSAVE);
	result("xsetbv-osxsave-off-ud", try_xsetbv(0, 1) == VEC_UD,
	       "XSETBV with CR4.OSXSAVE = 0 did not raise #UD");
	write_cr4(cr4 | CR4_OSXSAVE);
	xcr0 = xgetbv(0);
	vec = try_xsetbv(0, xcr0 | XCR0_RESERVED_BIT);
	result("xsetbv-reserved-gp", vec == VEC_GP, "XSETBV with a reserved bit did not raise #GP");
	vec = try_xsetbv(0, xcr0 & ~1ull);
	result("xsetbv-no-x87-gp", vec == VEC_GP, "XSETBV clearing x87 did not raise #GP");
	vec = try_xsetbv(1, 1);
	result("xsetbv-bad-index-gp", vec == VEC_GP, "XSETBV to XCR1 did not raise #GP");
	vec = try_xsetbv(0, xcr0);
	result("xsetbv-valid", vec == NO_FAULT && xgetbv(0) == xcr0,
	       "XSETBV of the current XCR0 faulted or changed it");
	write_cr4(cr4);
}

static void test_instructions(void)
{
	uint64_t v = 0, cr4 = read_cr4();
	int vec;

	guest_fault_arm();
	vec = try_vmxon();
	result("vmxon-ud", vec == VEC_UD, "VMXON did not raise #UD");
	test_xsetbv();
	vec = try_rdmsr(MSR_IA32_FEATURE_CONTROL, &v);
	result("rdmsr-feature-control",
	       vec == NO_FAULT && (v & FEATURE_CONTROL_LOCK) &&
		       !(v & (FEATURE_CONTROL_VMX_IN_SMX | FEATURE_CONTROL_VMX_OUTSIDE_SMX)),
	       "IA32_FEATURE_CONTROL does not read locked with VMX disabled");
	vec = try_wrmsr(MSR_IA32_FEATURE_CONTROL, v | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	result("wrmsr-feature-control-gp", vec == VEC_GP, "writing the locked MSR did not #GP");
	vec = try_rdmsr(MSR_IA32_VMX_BASIC, &v);
	result("rdmsr-vmx-basic-gp", vec == VEC_GP, "IA32_VMX_BASIC readable without VMX");
	result("cr4-vmxe-hidden", (cr4 & CR4_VMXE) == 0, "CR4.VMXE visible to the guest");
	vec = try_write_cr4(cr4 | CR4_VMXE);
	result("cr4-vmxe-set-gp", vec == VEC_GP && (read_cr4() & CR4_VMXE) == 0,
	       "setting CR4.VMXE did not raise #GP");
	vec = GUEST_TRY("invd", :);
	result("invd-emulated", vec == NO_FAULT, "INVD faulted");
	guest_fault_disarm();
}

/* Reads and writes of the VMM region must neither reveal nor change it:
 * reads return the sink's bytes, never the core's header, and the VMM's
 * integrity hash is the same before and after. */
static void test_vmm_region(void)
{
	struct hc region = hc_call(HC_VMM_REGION, 0, 0, 0);
	struct hc before, after;
	uint64_t base = region.rbx, size = region.rcx;
	int revealed = 0, not_sink = 0;

	result("vmm-region-hypercall", region.rax == HC_OK && base && size && !(base & 0xFFF),
	       "HC_VMM_REGION gave no region");
	if (region.rax != HC_OK || !base || !size)
		return;
	before = hc_call(HC_INTEGRITY, 0, 0, 0);
	for (unsigned i = 0; i < REGION_PROBES; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(base + i * (size / REGION_PROBES));
		volatile uint8_t *b = (volatile uint8_t *)p;

		if (*p == CORE_MAGIC)
			revealed++;
		for (unsigned k = 0; k < 64; k++)
			if (b[k] != SINK_BYTE)
				not_sink++;
	}
	result("vmm-region-read-hidden", !revealed && !not_sink,
	       "reading the VMM region returned VMM data");
	for (unsigned i = 0; i < REGION_PROBES; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(base + i * (size / REGION_PROBES));

		for (unsigned k = 0; k < 512; k++)
			p[k] = 0x5A5A5A5A5A5A5A5Aull ^ k;
	}
	after = hc_call(HC_INTEGRITY, 0, 0, 0);
	result("vmm-region-write-ignored",
	       before.rax == HC_OK && after.rax == HC_OK && before.rbx == after.rbx,
	       "the VMM integrity hash changed after guest writes");
	log_info(STAGE, "VMM region %llx+%llx, integrity hash %llx", (unsigned long long)base,
		 (unsigned long long)size, (unsigned long long)after.rbx);
}

/* ---- exit statistics, log ring, footprint (HC_EXIT_STATS, HC_LOG_READ,
 * HC_FOOTPRINT) ------------------------------------------------------- */

#define LOG_PIECE 100u
#define LOG_PIECES 3u

static struct hc_exit_stats stats_a, stats_b;
static char log_whole[LOG_PIECE * LOG_PIECES], log_parts[LOG_PIECE * LOG_PIECES];

static bool contains(const char *hay, uint64_t n, const char *needle)
{
	uint64_t k = strlen(needle);

	for (uint64_t i = 0; i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			return true;
	return false;
}

static void test_exit_stats(void)
{
	struct hc a, b, r;
	struct cpuid_regs c;
	uint64_t sum = 0;

	a = hc_call(HC_EXIT_STATS, 0, (uint64_t)(uintptr_t)&stats_a, sizeof(stats_a));
	for (unsigned i = 0; i < 5; i++)
		cpuid_count(0, 0, &c);
	b = hc_call(HC_EXIT_STATS, 0, (uint64_t)(uintptr_t)&stats_b, sizeof(stats_b));
	for (unsigned i = 0; i < HC_STATS_REASONS; i++)
		sum += stats_b.count[i];
	result("exit-stats-read",
	       a.rax == HC_OK && b.rax == HC_OK && a.rcx == sizeof(stats_a) && b.rbx >= 1 &&
	       stats_b.version == HC_STATS_VERSION && stats_b.size == sizeof(stats_b) &&
	       stats_b.reasons == HC_STATS_REASONS && stats_b.cpu_index == 0,
	       "HC_EXIT_STATS for CPU 0 failed or gave a malformed record");
	/* The calling VMCALL is in the total already, not yet by reason. */
	result("exit-stats-count-cpuid",
	       stats_b.count[EXIT_REASON_CPUID] >= stats_a.count[EXIT_REASON_CPUID] + 5 &&
	       stats_b.cycles[EXIT_REASON_CPUID] > stats_a.cycles[EXIT_REASON_CPUID] &&
	       stats_b.count[EXIT_REASON_VMCALL] == stats_a.count[EXIT_REASON_VMCALL] + 1 &&
	       stats_b.total == sum + 1 && stats_b.total_cycles > 0,
	       "5 CPUIDs and 1 VMCALL were not counted as such");
	r = hc_call(HC_EXIT_STATS, 0, (uint64_t)(uintptr_t)&stats_a, 16);
	result("exit-stats-small-buffer", (int64_t)r.rax == HC_EINVAL && r.rcx == sizeof(stats_a),
	       "a 16-byte buffer did not give HC_EINVAL with the size needed");
	r = hc_call(HC_EXIT_STATS, b.rbx, (uint64_t)(uintptr_t)&stats_a, sizeof(stats_a));
	result("exit-stats-bad-cpu", (int64_t)r.rax == HC_EINVAL,
	       "a CPU index past the last did not give HC_EINVAL");
}

static void test_log_ring(uint64_t region_base)
{
	struct hc whole, part, r;
	uint64_t cursor, got = 0;
	bool pieces_ok = true;

	whole = hc_call(HC_LOG_READ, (uint64_t)(uintptr_t)log_whole, sizeof(log_whole), 0);
	result("log-read", whole.rax == HC_OK && whole.rbx == sizeof(log_whole) &&
	       contains(log_whole, whole.rbx, "Pillbox core at"),
	       "HC_LOG_READ from cursor 0 did not return the VMM's first lines");
	/* The same bytes in pieces, each call going on from the last cursor. */
	cursor = whole.rdx;
	for (unsigned i = 0; i < LOG_PIECES; i++) {
		part = hc_call(HC_LOG_READ, (uint64_t)(uintptr_t)(log_parts + got), LOG_PIECE, cursor);
		if (part.rax != HC_OK || part.rbx != LOG_PIECE || part.rcx != cursor + LOG_PIECE)
			pieces_ok = false;
		got += part.rbx;
		cursor = part.rcx;
	}
	result("log-read-pieces", pieces_ok && whole.rdx == 0 && got == sizeof(log_parts) &&
	       !memcmp(log_whole, log_parts, sizeof(log_parts)),
	       "reading the log in pieces by cursor did not give the same bytes");
	r = hc_call(HC_LOG_READ, region_base, 64, 0);
	result("log-read-into-vmm-efault", (int64_t)r.rax == HC_EFAULT,
	       "a buffer inside the VMM region did not give HC_EFAULT");
	r = hc_call(HC_LOG_READ, 0x8000000000000000ull, 64, 0);
	result("log-read-noncanonical-efault", (int64_t)r.rax == HC_EFAULT,
	       "a non-canonical buffer did not give HC_EFAULT");
	r = hc_call(HC_LOG_READ, (uint64_t)(uintptr_t)log_whole, HC_LOG_READ_MAX + 1, 0);
	result("log-read-too-big", (int64_t)r.rax == HC_EINVAL,
	       "a size above HC_LOG_READ_MAX did not give HC_EINVAL");
}

static void test_footprint(uint64_t region_size)
{
	struct hc f = hc_call(HC_FOOTPRINT, 0, 0, 0);

	result("footprint", f.rax == HC_OK && f.rbx == region_size && f.rcx && !(f.rcx & 0xFFF) &&
	       f.rdx && !(f.rdx & 0xFFF) && f.rcx + f.rdx < f.rbx,
	       "HC_FOOTPRINT disagrees with HC_VMM_REGION or gave empty sizes");
	log_info(STAGE, "footprint: %llu KiB reserved, EPT tables %llu KiB, %llu KiB per CPU",
		 (unsigned long long)(f.rbx >> 10), (unsigned long long)(f.rcx >> 10),
		 (unsigned long long)(f.rdx >> 10));
}

static void test_info_calls(void)
{
	struct hc region = hc_call(HC_VMM_REGION, 0, 0, 0), before, after;

	before = hc_call(HC_INTEGRITY, 0, 0, 0);
	test_exit_stats();
	test_log_ring(region.rbx);
	test_footprint(region.rcx);
	after = hc_call(HC_INTEGRITY, 0, 0, 0);
	result("info-calls-integrity", before.rbx == after.rbx,
	       "the VMM integrity hash changed during the information calls");
}

/* ---- NMIs ----------------------------------------------------------- */

#define NMI_SENDS 3u
#define NMI_WAIT_SPINS 2000000u

struct nmi_frame {
	uint64_t rip, cs, rflags, rsp, ss;
};

static volatile uint32_t nmi_count;

/* Counts and returns with IRET, which ends the CPU's NMI blocking (Vol. 3A,
 * 7.7 "Nonmaskable Interrupt (NMI)"). */
__attribute__((interrupt)) static void on_nmi(struct nmi_frame *f)
{
	(void)f;
	nmi_count++;
}

/* An NMI to this CPU's own APIC id (11.6.1, ICR; 11.12.9 in x2APIC mode),
 * which under Pillbox the VMM performs and then injects. */
static void send_self_nmi(uint64_t apic_base_msr)
{
	const uint32_t icr = ICR_DM_NMI | ICR_LEVEL_ASSERT | ICR_SH_NONE;
	unsigned id = cpu_apic_id();
	volatile uint32_t *page;

	if (apic_base_msr & APIC_BASE_X2APIC) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)id << 32) | icr);
		return;
	}
	page = (volatile uint32_t *)(uintptr_t)(apic_base_msr & APIC_BASE_ADDR_MASK);
	page[APIC_REG_ICR_HIGH / 4] = id << APIC_XAPIC_DEST_SHIFT;
	page[APIC_REG_ICR_LOW / 4] = icr;
}

/* Three self-NMIs, each awaited: the handler must count 1, 2, 3. Without
 * virtual NMIs a VMM that injects the first leaves the guest NMI-blocked
 * for good (the guest's IRET does not end blocking that NMI exiting
 * keeps), and the count stays at 1. */
static void test_nmi_self(void)
{
	uint64_t apic = rdmsr(MSR_IA32_APIC_BASE), rflags = read_rflags();
	uint32_t seen[NMI_SENDS];
	struct desc_ptr idtr;
	struct idt_gate *idt, saved;
	char why[WHY_MAX] = "";
	bool ok = true;

	if (!(apic & APIC_BASE_ENABLE)) {
		result("nmi-self-counts-1-2-3", false, "the local APIC is disabled: no IPI to send");
		return;
	}
	cli();
	sidt(&idtr);
	idt = (struct idt_gate *)(uintptr_t)idtr.base;
	saved = idt[VEC_NMI];
	guest_gate_set(&idt[VEC_NMI], on_nmi);
	nmi_count = 0;
	for (unsigned i = 0; i < NMI_SENDS; i++) {
		send_self_nmi(apic);
		for (unsigned spin = 0; spin < NMI_WAIT_SPINS && nmi_count < i + 1; spin++)
			cpu_relax();
		seen[i] = nmi_count;
		ok = ok && seen[i] == i + 1;
	}
	for (unsigned spin = 0; spin < NMI_WAIT_SPINS / 10; spin++)
		cpu_relax();
	ok = ok && nmi_count == NMI_SENDS;
	idt[VEC_NMI] = saved;
	if (rflags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
	fmt_snprintf(why, sizeof(why), "after each of three self-NMIs the handler had counted "
		     "%u, %u, %u (and %u at the end), not 1, 2, 3", seen[0], seen[1], seen[2],
		     nmi_count);
	result("nmi-self-counts-1-2-3", ok, why);
}

/* ---- SMP: the same CPUID checks on every application processor ------- */

static EFI_GUID mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;

/* What an AP records about itself; the BSP reads it once StartupThisAP
 * has returned. */
struct ap_probe {
	uint32_t max_leaf, sig_ebx, sig_ecx, sig_edx; /* leaf 0x40000000 */
	uint32_t leaf1_ecx;                           /* leaf 1 */
	uint32_t apic_id;                             /* CPUID.01H:EBX[31:24] */
	volatile uint32_t ran;
};

/* Runs on the AP: CPUID only. No UEFI service and no log call here
 * (neither is MP-safe). */
static VOID EFIAPI ap_probe_cpuid(VOID *arg)
{
	struct ap_probe *p = arg;
	struct cpuid_regs r;

	cpuid_count(HV_CPUID_BASE, 0, &r);
	p->max_leaf = r.eax;
	p->sig_ebx = r.ebx;
	p->sig_ecx = r.ecx;
	p->sig_edx = r.edx;
	cpuid_count(1, 0, &r);
	p->leaf1_ecx = r.ecx;
	p->apic_id = r.ebx >> APIC_ID_SHIFT;
	__atomic_store_n(&p->ran, 1, __ATOMIC_RELEASE);
}

static bool probe_has_signature(const struct ap_probe *p)
{
	return p->sig_ebx == HV_SIG_EBX && p->sig_ecx == HV_SIG_ECX && p->sig_edx == HV_SIG_EDX &&
	       p->max_leaf == HV_CPUID_MAX;
}

/* Appends "; what" (or "what" first) to the failure text. */
static void why_add(char *why, const char *what)
{
	size_t len = strlen(why);

	fmt_snprintf(why + len, WHY_MAX - len, "%s%s", len ? "; " : "", what);
}

/* The AP's CPUID answers, as the BSP's in test_cpuid(): the signature and
 * max leaf, the hypervisor bit, VMX hidden, and the CPU it ran on. */
static void judge_probe(const struct ap_probe *p, unsigned apic_id, char *why)
{
	char part[WHY_MAX];

	if (p->apic_id != (apic_id & INITIAL_APIC_ID_MASK)) {
		fmt_snprintf(part, sizeof(part), "ran on initial APIC id %u", p->apic_id);
		why_add(why, part);
	}
	if (!probe_has_signature(p)) {
		fmt_snprintf(part, sizeof(part),
			     "leaf 0x40000000 gives eax %x ebx:ecx:edx %08x:%08x:%08x, not 'PillboxVMM' (AP not virtualized?)",
			     p->max_leaf, p->sig_ebx, p->sig_ecx, p->sig_edx);
		why_add(why, part);
	}
	if (!(p->leaf1_ecx & CPUID_1_ECX_HYPERVISOR))
		why_add(why, "CPUID.1:ECX[31] (hypervisor) is clear");
	if (p->leaf1_ecx & CPUID_1_ECX_VMX)
		why_add(why, "CPUID.1:ECX.VMX is set");
}

/* Runs the probe on processor `number`; returns whether the AP ran it.
 * The probe is static, not on this stack: an AP that misses the timeout
 * and runs late cannot write into a stack frame that is gone. */
static bool check_ap(EFI_MP_SERVICES_PROTOCOL *mp, UINTN number, unsigned apic_id)
{
	static struct ap_probe p;
	char name[CHECK_NAME_MAX], why[WHY_MAX] = "";
	EFI_STATUS st;

	memset(&p, 0, sizeof(p));
	fmt_snprintf(name, sizeof(name), "ap-signature-apic%u", apic_id);
	st = mp->StartupThisAP(mp, ap_probe_cpuid, number, NULL, AP_TIMEOUT_US, &p, NULL);
	if (st == EFI_TIMEOUT)
		fmt_snprintf(why, sizeof(why), "CPU %lu did not finish within %u ms",
			     (unsigned long)number, AP_TIMEOUT_US / 1000u);
	else if (EFI_ERROR(st))
		fmt_snprintf(why, sizeof(why), "StartupThisAP on CPU %lu failed (EFI status %llx)",
			     (unsigned long)number, (unsigned long long)st);
	else if (!__atomic_load_n(&p.ran, __ATOMIC_ACQUIRE))
		fmt_snprintf(why, sizeof(why),
			     "StartupThisAP returned but CPU %lu did not run the probe",
			     (unsigned long)number);
	else
		judge_probe(&p, apic_id, why);
	result(name, why[0] == 0, why);
	return __atomic_load_n(&p.ran, __ATOMIC_ACQUIRE) != 0;
}

static EFI_MP_SERVICES_PROTOCOL *locate_mp_services(void)
{
	EFI_MP_SERVICES_PROTOCOL *mp = NULL;

	if (EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)))
		return NULL;
	return mp;
}

static void test_smp(void)
{
	EFI_MP_SERVICES_PROTOCOL *mp = locate_mp_services();
	UINTN total = 0, enabled = 0, aps = 0, reached = 0;
	char why[WHY_MAX];

	if (!mp || EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled)) || !total) {
		result("smp-cpu-count", 0,
		       "no EFI_MP_SERVICES_PROTOCOL: the CPUs cannot be counted");
		return;
	}
	for (UINTN i = 0; i < total; i++) {
		EFI_PROCESSOR_INFORMATION info;

		memset(&info, 0, sizeof(info));
		if (EFI_ERROR(mp->GetProcessorInfo(mp, i, &info))) {
			log_err(STAGE, "CPU %lu: GetProcessorInfo failed", (unsigned long)i);
			aps++;
			continue;
		}
		if (info.StatusFlag & PROCESSOR_AS_BSP_BIT)
			continue;
		if (!(info.StatusFlag & PROCESSOR_ENABLED_BIT)) {
			log_info(STAGE, "CPU %lu (APIC id %lu) is disabled: not checked",
				 (unsigned long)i, (unsigned long)info.ProcessorId);
			continue;
		}
		aps++;
		if (check_ap(mp, i, (unsigned)info.ProcessorId))
			reached++;
	}
	log_info(STAGE,
		 "smp: %lu CPU(s), %lu enabled; %lu of %lu enabled application processor(s) reached",
		 (unsigned long)total, (unsigned long)enabled, (unsigned long)reached,
		 (unsigned long)aps);
	fmt_snprintf(why, sizeof(why), "only %lu of %lu enabled application processors ran the probe",
		     (unsigned long)reached, (unsigned long)aps);
	result("smp-cpu-count", reached == aps, why);
}

/* The #DB handler of test_insn_breakpoint(): counts, records the RIP of
 * the frame, sets RF in it (the faulting instruction then runs on return,
 * Vol. 3A, 18.3.1.1) and returns. */
volatile uint64_t selftest_db_count, selftest_db_rip;
void selftest_bp_target(void);
void selftest_db_stub(void);
__asm__(".pushsection .text\n"
	"selftest_bp_target:\n"
	"	nop\n"
	"	ret\n"
	"selftest_db_stub:\n"
	"	push %rax\n"
	"	mov 8(%rsp), %rax\n"         /* the frame's RIP */
	"	mov %rax, selftest_db_rip(%rip)\n"
	"	incq selftest_db_count(%rip)\n"
	"	orq $0x10000, 24(%rsp)\n"    /* the frame's RFLAGS.RF */
	"	pop %rax\n"
	"	iretq\n"
	".popsection\n");

static void test_insn_breakpoint(EFI_HANDLE image)
{
	const uint64_t target = (uint64_t)(uintptr_t)selftest_bp_target;
	struct idt_gate *gate, saved;
	struct desc_ptr idtr;
	struct cpuid_regs r;
	uint64_t dr6;
	char why[160];

	if (load_option_given(image, OPTION_NO_INSN_BREAKPOINT)) {
		skipped("insn-breakpoint-fires-after-exit", "the no-insn-breakpoint option was given");
		return;
	}
	guest_fault_arm(); /* cli; the firmware's #DB gate is ours until disarm */
	sidt(&idtr);
	gate = (struct idt_gate *)(uintptr_t)idtr.base + VEC_DB;
	saved = *gate;
	guest_gate_set(gate, (void *)selftest_db_stub);
	selftest_db_count = 0;
	selftest_db_rip = 0;
	write_dr6(DR6_INIT);
	write_dr0(target);
	write_dr7(DR7_RESERVED_1 | DR7_L0);
	cpuid_count(0, 0, &r); /* a VM exit between arming and the breakpoint */
	selftest_bp_target();
	write_dr7(DR7_RESERVED_1);
	dr6 = read_dr6();
	write_dr6(DR6_INIT);
	*gate = saved;
	guest_fault_disarm();
	fmt_snprintf(why, sizeof(why),
		     "DR0 = %llx (execute), CPUID, call: %llu #DB, at %llx, DR6 %llx; want one at "
		     "the target with DR6.B0", (unsigned long long)target,
		     (unsigned long long)selftest_db_count, (unsigned long long)selftest_db_rip,
		     (unsigned long long)dr6);
	result("insn-breakpoint-fires-after-exit",
	       selftest_db_count == 1 && selftest_db_rip == target && (dr6 & DR6_B0), why);
}

/* Every check, in the order they run: without XSAVE, xsetbv-no-xsave-ud
 * instead of the XSETBV checks, which are skipped; one ap-signature-apicN per
 * application processor. */
static const char *const plan[] = {
	"cpuid-signature", "cpuid-version", "cpuid-hypervisor-bit", "cpuid-vmx-hidden",
	"vmcall-ping", "vmcall-unknown", "vmxon-ud", "xsetbv-no-xsave-ud*",
	"xsetbv-osxsave-off-ud", "xsetbv-reserved-gp", "xsetbv-no-x87-gp",
	"xsetbv-bad-index-gp", "xsetbv-valid", "rdmsr-feature-control",
	"wrmsr-feature-control-gp", "rdmsr-vmx-basic-gp", "cr4-vmxe-hidden",
	"cr4-vmxe-set-gp", "invd-emulated", "vmm-region-hypercall", "vmm-region-read-hidden",
	"vmm-region-write-ignored", "exit-stats-read", "exit-stats-count-cpuid",
	"exit-stats-small-buffer", "exit-stats-bad-cpu", "log-read", "log-read-pieces",
	"log-read-into-vmm-efault", "log-read-noncanonical-efault", "log-read-too-big",
	"footprint", "info-calls-integrity", "nmi-self-counts-1-2-3",
	"insn-breakpoint-fires-after-exit", "smp-cpu-count",
	"ap-signature-apic*",
};

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	InitializeLib(image, systab);
	log_set_level(LOG_INFO);  /* the UART is the loader's, set up */
	console_log_sink_install();
	check_begin(STAGE, CHECK_PLAN(plan));
	log_info(STAGE, "Pillbox guest self-test");
	test_cpuid();
	test_vmcall();
	test_instructions();
	test_vmm_region();
	test_info_calls();
	test_nmi_self();
	test_insn_breakpoint(image);
	test_smp();
	return check_end() ? EFI_ABORTED : EFI_SUCCESS;
}
