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
#include "vmm/exit/hypercall.h"
#include "lib/lib.h"
#include "vmm/log/log.h"

#define UART_LSR (COM1_PORT + 5u)
#define UART_LSR_IDLE 0x40u /* transmitter empty */
#define UART_DRAIN_SPINS 1000000u
#define OPTION_INIT_OWN_ID L"init-own-id"
#define PAGE_SIZE 4096ull

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

static bool option_given(EFI_HANDLE image, const CHAR16 *option)
{
	EFI_LOADED_IMAGE *li = NULL;
	const CHAR16 *opts;
	UINTN len = StrLen(option);

	if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
					(void **)&li)) ||
	    !li || !li->LoadOptions)
		return false;
	opts = li->LoadOptions;
	for (UINTN i = 0; i + len <= li->LoadOptionsSize / sizeof(CHAR16) && opts[i]; i++)
		if (!StrnCmp(opts + i, option, len))
			return true;
	return false;
}

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
	check_begin(STAGE);
	if (option_given(image, OPTION_INIT_OWN_ID)) {
		attack_init_own_id();
		return check_end() ? EFI_ABORTED : EFI_SUCCESS;
	}
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
