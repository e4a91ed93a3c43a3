/* Hostile-guest attack suite: started by the loader like the self-test
 * (tests/boot/attack.cfg), it attacks the VMM from inside the guest and
 * checks that every action gets the outcome a CPU without a hypervisor
 * would give, or the documented policy (docs/security.md):
 *   [INFO cpuN attack] PASS <name>   or   [ERROR cpuN attack] FAIL <name>: why
 * The VMM's integrity hash is taken before and after ("integrity-
 * unchanged"), a ping shows the VMM still answers ("vmm-alive"), then come
 * "summary: pass=N fail=M" and "attack done", and last a triple fault: the
 * VMM dumps the guest state and resets the platform.
 * Most groups run in the program's own GDT, IDT, TSS and page tables (the
 * cage, guest/attack/cage.h), with interrupts off; the log then goes to
 * COM1 only, as no firmware service may be called there.
 * With the load option "init-own-id" the program instead sends INIT to its
 * own APIC id, which restarts the bootstrap processor (guest/attack/ipi.c). */
#include <efi.h>
#include <efilib.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "guest/attack/attack.h"
#include "guest/load_options.h"
#include "vmm/exit/hypercall.h"
#include "lib/lib.h"
#include "vmm/log/log.h"
#include "arch/x86_64/paging.h"

#define UART_LSR (COM1_PORT + 5u)
#define UART_LSR_IDLE 0x40u /* transmitter empty */
#define UART_DRAIN_SPINS 1000000u
#define OPTION_INIT_OWN_ID L"init-own-id"

/* Every check the suite makes, in the order it makes them; the boot test
 * takes the names from the "plan:" lines. (The INIT to the own APIC id
 * boot, OPTION_INIT_OWN_ID, has no PASS: the VMM resets the platform.) */
static const char *const plan[] = {
	/* The VMM's region */
	"integrity-before", "cage-enter", "vmm-region-hypercall", "vmm-region-read-all-pages",
	"vmm-region-read-ring3", "vmm-region-exec-all-pages-ud", "vmm-region-exec-ring3-ud",
	"vmm-region-write-all-pages-sink",
	/* Memory types, MMIO above the map limit */
	"mtrr-variable-write-reads-back", "mtrr-wc-page-usable", "mtrr-variable-restored",
	"mtrr-reserved-type-gp", "mtrr-reserved-bits-gp", "mtrr-absent-and-read-only-gp",
	"mtrr-disable-enable-runs", "pat-reserved-type-gp", "pat-write-reads-back",
	"mmio-above-512g-unbacked", "mmio-top-of-maxphyaddr-unbacked",
	"mmio-beyond-maxphyaddr-pf-rsvd",
	/* VMX instructions at CPL 0 and 3 */
	"vmxon-ring0-ud", "vmxon-ring3-ud", "vmxoff-ring0-ud", "vmxoff-ring3-ud",
	"vmclear-ring0-ud", "vmclear-ring3-ud", "vmptrld-ring0-ud", "vmptrld-ring3-ud",
	"vmptrst-ring0-ud", "vmptrst-ring3-ud", "vmread-ring0-ud", "vmread-ring3-ud",
	"vmwrite-ring0-ud", "vmwrite-ring3-ud", "vmlaunch-ring0-ud", "vmlaunch-ring3-ud",
	"vmresume-ring0-ud", "vmresume-ring3-ud", "invept-ring0-ud", "invept-ring3-ud",
	"invvpid-ring0-ud", "invvpid-ring3-ud", "vmfunc-ring0-ud", "vmfunc-ring3-ud",
	/* MSRs: VMX and feature control, the APIC base, tracing and debug stores, microcode */
	"rdmsr-vmx-capabilities-gp", "wrmsr-vmx-capabilities-gp",
	"rdmsr-feature-control-locked", "wrmsr-feature-control-enable-vmx-gp",
	"wrmsr-feature-control-same-value-gp", "wrmsr-feature-control-unlock-gp",
	"rdmsr-nonexistent-gp", "wrmsr-nonexistent-gp", "rdmsr-ring3-gp", "wrmsr-ring3-gp",
	"apic-base-move-onto-vmm-gp", "apic-base-move-onto-vmm-x2apic-gp",
	"apic-base-move-onto-vmm-disabled-gp", "apic-base-move-next-page-gp",
	"apic-base-reserved-bit-gp", "apic-base-extd-without-en-gp",
	"apic-registers-after-refused-moves", "apic-write-forms-xapic",
	"cpuid-pt-and-debug-store-hidden", "rdmsr-pt-and-debug-store-gp",
	"pt-output-onto-vmm-gp", "pt-enable-gp", "ds-area-onto-vmm-gp", "pebs-enable-gp",
	"debugctl-bts-gp", "microcode-update-dropped",
	/* XSETBV (xsetbv-avx512-partial-gp is skipped without AVX-512) */
	"xsetbv-osxsave-off-ud", "xsetbv-reserved-bit10-gp", "xsetbv-reserved-bit63-gp",
	"xsetbv-unsupported-gp", "xsetbv-no-x87-gp", "xsetbv-zero-gp",
	"xsetbv-avx-without-sse-gp", "xsetbv-avx512-partial-gp", "xsetbv-index1-gp",
	"xsetbv-index-high-gp", "xsetbv-ring3-gp", "xsetbv-current-value-runs",
	"xsetbv-xcr0-unchanged",
	/* Control registers */
	"cr4-vmxe-gp", "cr4-smxe-gp", "cr4-reserved-bit15-gp", "cr4-reserved-bit63-gp",
	"cr4-pae-clear-long-mode-gp", "cr4-vmxe-ring3-gp", "cr0-pg-without-pe-gp",
	"cr0-pg-without-pe-exit-gp", "cr0-nw-without-cd-gp", "cr0-nw-without-cd-exit-gp",
	"cr0-high-bit-gp", "cr0-high-bit-exit-gp", "cr0-clear-pg-64bit-gp",
	"cr0-clear-pg-64bit-exit-gp", "cr0-write-ring3-gp", "cr0-read-ring3-gp",
	"cr-unchanged",
	/* Other instructions, debug registers, injected faults */
	"invd-runs", "invd-ring3-gp", "getsec-smxe-clear", "getsec-ring0-ud",
	"getsec-ring3-ud", "rdrand-runs", "dr7-survives-exit",
	"data-breakpoint-fires-after-exit", "single-step-after-emulated-cpuid",
	"injected-gp-frame-has-rf",
	/* Hypercalls */
	"vmcall-unknown-enosys", "vmcall-preserves-registers", "vmcall-devirtualize-refused",
	"vmcall-seal-again-still-sealed", "vmcall-ring3-eperm",
	"hc-exit-stats-bad-buffer-efault", "hc-log-read-bad-buffer-efault",
	"hc-exit-stats-bad-size-index-einval", "hc-log-read-bad-size-einval",
	"hc-log-read-size-zero", "hc-buffers-untouched", "hc-exit-stats-huge-size-record-only",
	/* CPUID, NMI, INIT and the APIC; the VMM unchanged and alive */
	"cpuid-basic-leaves", "cpuid-hypervisor-leaves", "cpuid-extended-and-out-of-range",
	"cpuid-ring3", "nmi-self-delivered", "init-self-shorthand-ignored",
	"apic-disabled-ap-stores-run", "x2apic-icr-reserved-bits-gp", "apic-x2apic-stores-run",
	"integrity-unchanged", "vmm-alive",
};

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

/* The region must be page aligned and inside the cage's identity map. */
static bool region_usable(const struct hc *r)
{
	bool ok = r->rax == HC_OK && r->rcx >= PAGE_SIZE && !(r->rbx & (PAGE_SIZE - 1)) &&
		  !(r->rcx & (PAGE_SIZE - 1)) && r->rbx + r->rcx <= CAGE_MAP_LIMIT;

	resultf("vmm-region-hypercall", ok,
		"HC_VMM_REGION gave status %lld, base %llx, size %llx (must be a page-aligned "
		"region below 4 GiB)", (long long)r->rax, (unsigned long long)r->rbx,
		(unsigned long long)r->rcx);
	return ok;
}

static void run_caged_groups(void)
{
	struct hc region = hc_call(HC_VMM_REGION, 0, 0, 0);
	bool have_region = region_usable(&region);
	char why[WHY_MAX] = "";

	if (!cage_enter(why, sizeof(why))) {
		result("cage-enter", false, why);
		return;
	}
	result("cage-enter", true, "");
	if (have_region)
		attack_vmm_region(region.rbx, region.rcx);
	attack_vmx_instructions();
	attack_msrs();
	if (have_region) {
		attack_apic_base(region.rbx);
		attack_processor_writers(region.rbx);
	}
	attack_xsetbv();
	attack_control_registers();
	attack_misc_instructions();
	attack_debug_state();
	attack_hypercalls();
	if (have_region)
		attack_hypercall_buffers(region.rbx, region.rcx);
	attack_cpuid();
	attack_nmi_self();
	attack_apic_x2apic();
	cage_leave();
}

static void drain_serial(void)
{
	for (unsigned i = 0; i < UART_DRAIN_SPINS; i++)
		if (inb(UART_LSR) & UART_LSR_IDLE)
			return;
}

/* An exception with an empty IDT cannot be delivered: #GP, then #DF,
 * then shutdown (Intel SDM Vol. 3A, 7.15, "Interrupt 8-Double Fault
 * Exception (#DF)"), which exits to the VMM as a triple fault. */
static __attribute__((noreturn)) void triple_fault(void)
{
	struct desc_ptr empty = { 0, 0 };

	cli();
	lidt(&empty);
	__asm__ volatile("ud2");
	__builtin_unreachable();
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct hc before, after, ping;

	InitializeLib(image, systab);
	log_init(LOG_INFO);
	if (load_option_given(image, OPTION_INIT_OWN_ID)) {
		check_begin(STAGE, NULL, 0);
		attack_init_own_id();
		return check_end() ? EFI_ABORTED : EFI_SUCCESS;
	}
	check_begin(STAGE, CHECK_PLAN(plan));
	log_info(STAGE, "Pillbox attack suite: hostile actions from inside the guest (COM1 only)");
	attack_memory_types();
	before = hc_call(HC_INTEGRITY, 0, 0, 0);
	resultf("integrity-before", before.rax == HC_OK, "HC_INTEGRITY gave status %lld",
		(long long)before.rax);
	/* INIT to self through the xAPIC ICR: before the caged groups leave
	 * this CPU in x2APIC mode. */
	attack_init_self();
	run_caged_groups();
	attack_apic_disabled_ap();
	after = hc_call(HC_INTEGRITY, 0, 0, 0);
	resultf("integrity-unchanged", after.rax == HC_OK && after.rbx == before.rbx,
		"hash %llx before the attacks, %llx (status %lld) after",
		(unsigned long long)before.rbx, (unsigned long long)after.rbx, (long long)after.rax);
	ping = hc_call(HC_PING, 0, 0, 0);
	resultf("vmm-alive", ping.rax == HC_OK && ping.rbx == HC_PING_REPLY,
		"HC_PING gave status %lld, %llx", (long long)ping.rax, (unsigned long long)ping.rbx);
	check_end();
	log_info(STAGE, "last attack: triple fault (empty IDT, then #UD)");
	drain_serial();
	triple_fault();
}
