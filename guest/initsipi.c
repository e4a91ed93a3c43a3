/* Guest test of INIT/SIPI emulation: the BSP (this EFI program) restarts
 * one application processor the way an OS does, with INIT and Start-up
 * IPIs through its own local APIC (Intel SDM Vol. 3A, 9.4.4 "MP
 * Initialization Example"; 11.6.1 "Interrupt Command Register (ICR)"),
 * then every application processor at once with the destination shorthand
 * "all excluding self", as firmware does at ExitBootServices.
 *
 * An AP starts in real mode at a trampoline copied into a page below
 * 1 MiB (SIPI vector = page address >> 12). The trampoline sets DS = CS,
 * runs CPUID 0x40000000 and CPUID 1, stores the answers in a mailbox in
 * the same page, increments its own byte in a per-APIC-id array (indexed
 * by the initial APIC id, CPUID.01H:EBX[31:24]) and then the arrival
 * counter, both LOCK-prefixed because several APs may run it at once, and
 * halts for good (cli; hlt; jmp back). The BSP watches the mailbox, every
 * wait bounded.
 * Cases, one line each, [INFO cpuN initsipi] PASS <name> or
 * [ERROR cpuN initsipi] FAIL <name>: why:
 *   logical-init-physical-sipi  run first: INIT with logical destination
 *                            (the AP's logical id set through EFI MP
 *                            services; flat model, 11.6.2.2 "Logical
 *                            Destination Mode"), which the VMM forwards to
 *                            the bus, so that the AP takes a real INIT
 *                            (its INIT VM exit, the receiver side of
 *                            vmm/exit/exit_init_sipi.c); 10 ms; SIPI, 200 us,
 *                            SIPI with physical destination (INIT has
 *                            cleared the logical id, 11.4.7.3): the AP
 *                            arrives exactly once
 *   init-sipi-sipi-delays    INIT, 10 ms, SIPI, 200 us, SIPI (9.4.4.1):
 *                            the AP arrives exactly once
 *   init-sipi-sipi-no-delay  the same back to back (only the ICR's
 *                            delivery status is awaited)
 *   second-sipi-ignored      a SIPI to the running (halted) AP does not
 *                            restart it: SIPI acts only in wait-for-SIPI
 *   repeated-init            5 rounds INIT-SIPI-SIPI, mailbox cleared
 *                            between rounds: the AP arrives every time
 *   ap-runs-under-hypervisor the restarted AP's CPUID gives 'PillboxVMM'
 *                            and the hypervisor bit
 *   init-sipi-all-excluding-self  run last: INIT, 10 ms, SIPI, 200 us,
 *                            SIPI, all with the shorthand "all excluding
 *                            self" (ICR bits 19:18 = 11; EDK2
 *                            SendInitSipiSipiAllExcludingSelf): every
 *                            enabled AP arrives exactly once (the FAIL
 *                            line names the missing APIC ids), no other
 *                            CPU does, and the BSP keeps running the test
 *   x2apic-init-sipi-sipi    after those: the BSP's local APIC switched to
 *                            x2APIC mode (11.12.1 "Detecting and Enabling
 *                            x2APIC Mode"), INIT, SIPI, SIPI to the AP
 *                            through the x2APIC ICR, MSR 830H (11.12.9),
 *                            which the VMM intercepts: the AP arrives
 *                            exactly once. The APIC stays in x2APIC mode
 *                            (leaving it needs the APIC disabled,
 *                            11.12.5); the firmware's APIC library follows
 *                            the mode. FAIL if the CPU has no x2APIC.
 * then "summary: pass=N fail=M" and "initsipi done". With no application
 * processor: "SKIP no application processor", the summary and the end
 * marker. A failure to set up (no MP services, no page below 1 MiB, APIC
 * disabled) is one FAIL line named "setup".
 *
 * After this test every application processor is out of the firmware's
 * control: each is parked in the trampoline, not in EFI MP services' idle
 * loop (EFI MP services can no longer reach them), and the trampoline page
 * stays allocated (reserved) for them. Run it last in a boot. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <efi.h>
#include <efilib.h>
#include "arch/x86_64/cpu.h"
#include "boot/console.h"
#include "boot/mp_services.h"
#include "guest/guest_check.h"
#include "vmm/policy/cpuid_policy.h"
#include "lib/fmt.h"
#include "vmm/exit/hypercall.h"
#include "lib/lib.h"
#include "vmm/log/log.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/regs.h"

#define STAGE "initsipi"
#define WHY_MAX 200u

/* The trampoline page: code from offset 0, the mailbox at a fixed offset.
 * The offsets are plain numbers because the assembler uses them too. */
#define LOW_MEMORY_TOP     0xFFFFFull /* highest address a SIPI can reach */
#define MAILBOX_OFFSET     0x800
#define MB_SIG_EBX         0x800
#define MB_SIG_ECX         0x804
#define MB_SIG_EDX         0x808
#define MB_LEAF1_EBX       0x80C
#define MB_LEAF1_ECX       0x810
#define MB_ARRIVALS        0x814
#define MB_SEEN            0x818
#define SEEN_IDS           256u       /* 8-bit initial APIC ids */
#define TRAMP_HV_LEAF      0x40000000
#define TRAMP_ID_SHIFT     24         /* CPUID.01H:EBX[31:24] */

struct mailbox {
	uint32_t sig_ebx, sig_ecx, sig_edx; /* CPUID 0x40000000 */
	uint32_t leaf1_ebx, leaf1_ecx;      /* CPUID 1 */
	uint32_t arrivals;                  /* incremented last */
	uint8_t seen[SEEN_IDS];             /* arrivals by initial APIC id */
};

_Static_assert(MB_SIG_EBX == MAILBOX_OFFSET + offsetof(struct mailbox, sig_ebx), "mailbox");
_Static_assert(MB_SIG_ECX == MAILBOX_OFFSET + offsetof(struct mailbox, sig_ecx), "mailbox");
_Static_assert(MB_SIG_EDX == MAILBOX_OFFSET + offsetof(struct mailbox, sig_edx), "mailbox");
_Static_assert(MB_LEAF1_EBX == MAILBOX_OFFSET + offsetof(struct mailbox, leaf1_ebx), "mailbox");
_Static_assert(MB_LEAF1_ECX == MAILBOX_OFFSET + offsetof(struct mailbox, leaf1_ecx), "mailbox");
_Static_assert(MB_ARRIVALS == MAILBOX_OFFSET + offsetof(struct mailbox, arrivals), "mailbox");
_Static_assert(MB_SEEN == MAILBOX_OFFSET + offsetof(struct mailbox, seen), "mailbox");
_Static_assert(MAILBOX_OFFSET + sizeof(struct mailbox) <= PAGE_SIZE, "mailbox");
_Static_assert(TRAMP_HV_LEAF == HV_CPUID_BASE, "trampoline leaf");

#define STR_(x) #x
#define STR(x) STR_(x)

/* The real-mode trampoline, copied to offset 0 of the page and entered at
 * CS:IP = (vector << 8):0000. Position independent within the page: only
 * DS-relative offsets from the page start (DS = CS) and a relative jump.
 * CPUID runs in real mode (Vol. 2A, CPUID). Data only, never run here. */
__asm__(".pushsection .rodata\n"
	".globl initsipi_tramp_start\n"
	".hidden initsipi_tramp_start\n"
	".globl initsipi_tramp_end\n"
	".hidden initsipi_tramp_end\n"
	"initsipi_tramp_start:\n"
	".code16\n"
	"	cli\n"
	"	mov %cs, %ax\n"
	"	mov %ax, %ds\n"
	"	mov $" STR(TRAMP_HV_LEAF) ", %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	mov %ebx, " STR(MB_SIG_EBX) "\n"
	"	mov %ecx, " STR(MB_SIG_ECX) "\n"
	"	mov %edx, " STR(MB_SIG_EDX) "\n"
	"	mov $1, %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	mov %ebx, " STR(MB_LEAF1_EBX) "\n"
	"	mov %ecx, " STR(MB_LEAF1_ECX) "\n"
	"	shr $" STR(TRAMP_ID_SHIFT) ", %ebx\n"
	"	lock incb " STR(MB_SEEN) "(%bx)\n"
	"	lock incl " STR(MB_ARRIVALS) "\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".code64\n"
	"initsipi_tramp_end:\n"
	".popsection\n");

extern const uint8_t initsipi_tramp_start[] __attribute__((visibility("hidden")));
extern const uint8_t initsipi_tramp_end[] __attribute__((visibility("hidden")));

/* Local APIC (Vol. 3A, 11.4.4 "Local APIC Status and Location", 11.6.1,
 * 11.12.9 "ICR Operation in x2APIC Mode"). */
#define APIC_BASE_EXTD         (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN           (1ull << 11)
#define APIC_ICR_LOW           0x300u
#define APIC_ICR_HIGH          0x310u
#define ICR_DEST_SHIFT         24 /* xAPIC: ICR high bits 31:24 */
#define X2APIC_DEST_SHIFT      32 /* x2APIC: ICR bits 63:32 */
#define ICR_INIT               (ICR_DM_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL)
#define ICR_SIPI(vector)       (ICR_DM_STARTUP | ICR_LEVEL_ASSERT | (vector))
#define APIC_LDR               0x0D0u
#define APIC_DFR               0x0E0u
#define LDR_SHIFT              24           /* logical APIC id: LDR bits 31:24 */
#define MP_TIMEOUT_US          1000000u
#define ICR_NO_DEST            0u           /* ignored with a shorthand */
#define ICR_IDLE_POLLS         1000000u
#define CPUID_EXT_MAX          0x80000000u
#define MAXPHYADDR_MASK        0xFFu
#define APIC_ID_SHIFT          24          /* CPUID.01H:EBX[31:24] */
#define INITIAL_APIC_ID_MASK   0xFFu

_Static_assert(TRAMP_ID_SHIFT == APIC_ID_SHIFT, "trampoline APIC id");
_Static_assert(SEEN_IDS == INITIAL_APIC_ID_MASK + 1u, "per-APIC-id array");

/* Timing (9.4.4.1 "Typical BSP Initialization Sequence"). */
#define INIT_DELAY_US          10000u   /* after INIT */
#define SIPI_DELAY_US          200u     /* between the SIPIs */
#define ARRIVAL_TIMEOUT_US     2000000u /* give up on the AP */
#define POLL_STEP_US           100u
#define SETTLE_US              10000u   /* to see an arrival that must not come */
#define REPEAT_ROUNDS          5u
#define ID_LIST_MAX            80u

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

/* The AP under test and the means to reach it, and every AP. */
struct target {
	UINTN number;               /* MP services processor number */
	uint32_t apic_id;
	uint32_t bsp_apic_id;
	unsigned ap_count;          /* enabled application processors */
	bool is_ap[SEEN_IDS];       /* the same, by initial APIC id */
	bool x2apic;
	uintptr_t apic_mmio;        /* xAPIC register page */
	uint8_t vector;             /* trampoline page >> 12 */
	volatile struct mailbox *mb;
};

/* ---- local APIC ------------------------------------------------------ */

static uint64_t phys_page_mask(void)
{
	struct cpuid_regs r;
	unsigned maxphy = MAXPHYADDR_DEFAULT;

	cpuid_count(CPUID_EXT_MAX, 0, &r);
	if (r.eax >= CPUID_ADDR_SIZES) {
		cpuid_count(CPUID_ADDR_SIZES, 0, &r);
		maxphy = r.eax & MAXPHYADDR_MASK;
	}
	return ((1ull << maxphy) - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

static volatile uint32_t *apic_reg(const struct target *t, uint32_t offset)
{
	return (volatile uint32_t *)(t->apic_mmio + offset);
}

/* xAPIC: waits until the ICR's delivery status is idle (11.6.1). The
 * x2APIC ICR has no delivery status (11.12.9). */
static bool icr_wait_idle(const struct target *t)
{
	if (t->x2apic)
		return true;
	for (unsigned i = 0; i < ICR_IDLE_POLLS; i++) {
		if (!(*apic_reg(t, APIC_ICR_LOW) & ICR_DELIVERY_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

/* Sends one IPI (to APIC id dest, or by the shorthand in icr_low),
 * interrupts off so that no handler on this CPU writes the ICR in
 * between; returns false if the ICR stayed busy. */
static bool send_ipi(const struct target *t, uint32_t dest, uint32_t icr_low)
{
	uint64_t rflags = read_rflags();
	bool ok;

	cli();
	if (t->x2apic) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)dest << X2APIC_DEST_SHIFT) | icr_low);
		ok = true;
	} else {
		ok = icr_wait_idle(t);
		*apic_reg(t, APIC_ICR_HIGH) = dest << ICR_DEST_SHIFT;
		*apic_reg(t, APIC_ICR_LOW) = icr_low;
		ok = icr_wait_idle(t) && ok;
	}
	if (rflags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
	return ok;
}

/* ---- mailbox --------------------------------------------------------- */

static void mailbox_reset(volatile struct mailbox *mb)
{
	mb->sig_ebx = 0;
	mb->sig_ecx = 0;
	mb->sig_edx = 0;
	mb->leaf1_ebx = 0;
	mb->leaf1_ecx = 0;
	mb->arrivals = 0;
	for (unsigned i = 0; i < SEEN_IDS; i++)
		mb->seen[i] = 0;
}

/* Polls until `arrivals` reaches `want` or the timeout passes; returns
 * the last count seen. */
static uint32_t wait_arrivals(volatile struct mailbox *mb, uint32_t want, unsigned timeout_us)
{
	for (unsigned waited = 0; waited < timeout_us; waited += POLL_STEP_US) {
		if (mb->arrivals >= want)
			break;
		BS->Stall(POLL_STEP_US);
	}
	return mb->arrivals;
}

/* After the IPIs: the AP arrives within the timeout, exactly once (a SIPI
 * reaching a CPU that has left wait-for-SIPI is dropped), on the right CPU. */
static bool await_single_arrival(const struct target *t, char *why)
{
	uint32_t n = wait_arrivals(t->mb, 1, ARRIVAL_TIMEOUT_US);
	unsigned id;

	if (n == 0) {
		fmt_snprintf(why, WHY_MAX, "APIC id %u did not reach the trampoline within %u ms",
			     t->apic_id, ARRIVAL_TIMEOUT_US / 1000u);
		return false;
	}
	BS->Stall(SETTLE_US);
	n = t->mb->arrivals;
	if (n != 1) {
		fmt_snprintf(why, WHY_MAX,
			     "the trampoline ran %u times: a SIPI restarted a running CPU", n);
		return false;
	}
	id = t->mb->leaf1_ebx >> APIC_ID_SHIFT;
	if (id != (t->apic_id & INITIAL_APIC_ID_MASK)) {
		fmt_snprintf(why, WHY_MAX, "the trampoline ran on initial APIC id %u, not %u", id,
			     t->apic_id);
		return false;
	}
	return true;
}

static bool send_or_why(const struct target *t, uint32_t dest, uint32_t icr_low,
			const char *what, char *why)
{
	if (send_ipi(t, dest, icr_low))
		return true;
	fmt_snprintf(why, WHY_MAX, "ICR delivery status still pending after the %s", what);
	return false;
}

/* INIT, then one or two SIPIs, with or without the SDM's delays. */
static bool start_ap(const struct target *t, unsigned sipis, bool delays, char *why)
{
	mailbox_reset(t->mb);
	if (!send_or_why(t, t->apic_id, ICR_INIT, "INIT", why))
		return false;
	if (delays)
		BS->Stall(INIT_DELAY_US);
	for (unsigned i = 0; i < sipis; i++) {
		if (i && delays)
			BS->Stall(SIPI_DELAY_US);
		if (!send_or_why(t, t->apic_id, ICR_SIPI(t->vector), "SIPI", why))
			return false;
	}
	return true;
}

/* ---- cases ------------------------------------------------------------ */

static void case_init_sipi_sipi(const struct target *t, const char *name, bool delays)
{
	char why[WHY_MAX] = "";
	bool ok = start_ap(t, 2, delays, why) && await_single_arrival(t, why);

	result(name, ok, why);
}

static void case_second_sipi_ignored(const struct target *t)
{
	char why[WHY_MAX] = "", first[WHY_MAX] = "";
	bool ok = start_ap(t, 1, true, first) && await_single_arrival(t, first);
	uint32_t n;

	if (!ok) {
		fmt_snprintf(why, sizeof(why), "set-up INIT-SIPI failed: %s", first);
		result("second-sipi-ignored", false, why);
		return;
	}
	ok = send_or_why(t, t->apic_id, ICR_SIPI(t->vector), "second SIPI", why);
	if (ok) {
		BS->Stall(SETTLE_US);
		n = t->mb->arrivals;
		ok = n == 1;
		if (!ok)
			fmt_snprintf(why, sizeof(why),
				     "a SIPI to the running AP restarted it (arrivals %u, expected 1)", n);
	}
	result("second-sipi-ignored", ok, why);
}

static void case_repeated_init(const struct target *t)
{
	char why[WHY_MAX] = "", round_why[WHY_MAX] = "";
	bool ok = true;

	for (unsigned round = 1; ok && round <= REPEAT_ROUNDS; round++) {
		ok = start_ap(t, 2, true, round_why) && await_single_arrival(t, round_why);
		if (!ok)
			fmt_snprintf(why, sizeof(why), "round %u of %u: %s", round, REPEAT_ROUNDS,
				     round_why);
	}
	result("repeated-init", ok, why);
}

/* Reads the mailbox of the last arrival. */
static void case_ap_under_hypervisor(const struct target *t)
{
	volatile struct mailbox *mb = t->mb;
	char why[WHY_MAX] = "";
	bool sig = mb->sig_ebx == HV_SIG_EBX && mb->sig_ecx == HV_SIG_ECX &&
		   mb->sig_edx == HV_SIG_EDX;
	bool hv = (mb->leaf1_ecx & CPUID_1_ECX_HYPERVISOR) != 0;

	if (mb->arrivals == 0)
		fmt_snprintf(why, sizeof(why),
			     "the AP never reached the trampoline: nothing to check");
	else if (!sig || !hv)
		fmt_snprintf(why, sizeof(why),
			     "the restarted AP's CPUID 0x40000000 gives ebx:ecx:edx %08x:%08x:%08x%s, hypervisor bit %s",
			     mb->sig_ebx, mb->sig_ecx, mb->sig_edx,
			     sig ? " ('PillboxVMM')" : ", not 'PillboxVMM'", hv ? "set" : "clear");
	result("ap-runs-under-hypervisor", mb->arrivals != 0 && sig && hv, why);
}

/* Appends id to a blank-separated list of APIC ids (cut when full). */
static void id_list_add(char *list, unsigned id)
{
	size_t len = strlen(list);

	if (len < ID_LIST_MAX - 1)
		fmt_snprintf(list + len, ID_LIST_MAX - len, "%s%u", len ? " " : "", id);
}

/* Appends one reason to why, "; " between reasons (cut when full). */
static void why_add(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_add(char *why, const char *fmt, ...)
{
	size_t len = strlen(why);
	va_list ap;

	if (len && len < WHY_MAX - 1)
		fmt_snprintf(why + len, WHY_MAX - len, "; ");
	len = strlen(why);
	if (len >= WHY_MAX - 1)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(why + len, WHY_MAX - len, fmt, ap);
	va_end(ap);
}

/* INIT-SIPI-SIPI to every other CPU with the shorthand "all excluding
 * self" (11.6.1, Destination Shorthand 11b), as EDK2 does at
 * ExitBootServices: every enabled AP, whether parked in the trampoline by
 * the cases before or idle in EFI MP services, arrives exactly once; the
 * BSP is left alone. Afterwards every AP is parked in the trampoline. */
static void case_init_sipi_all_excluding_self(const struct target *t)
{
	static const char name[] = "init-sipi-all-excluding-self";
	volatile struct mailbox *mb = t->mb;
	char why[WHY_MAX] = "", missing[ID_LIST_MAX] = "", repeated[ID_LIST_MAX] = "",
	     stray[ID_LIST_MAX] = "";
	unsigned n_missing = 0, n_repeated = 0, n_stray = 0, self;
	uint32_t n;
	struct cpuid_regs r;

	mailbox_reset(mb);
	if (!send_or_why(t, ICR_NO_DEST, ICR_INIT | ICR_SH_ALL_EXCL,
			 "INIT to all excluding self", why)) {
		result(name, false, why);
		return;
	}
	BS->Stall(INIT_DELAY_US);
	for (unsigned i = 0; i < 2; i++) {
		if (i)
			BS->Stall(SIPI_DELAY_US);
		if (!send_or_why(t, ICR_NO_DEST, ICR_SIPI(t->vector) | ICR_SH_ALL_EXCL,
				 "SIPI to all excluding self", why)) {
			result(name, false, why);
			return;
		}
	}
	wait_arrivals(mb, t->ap_count, ARRIVAL_TIMEOUT_US);
	BS->Stall(SETTLE_US); /* a second arrival of some AP, or a stray CPU */
	n = mb->arrivals;

	for (unsigned id = 0; id < SEEN_IDS; id++) {
		unsigned seen = mb->seen[id];

		if (t->is_ap[id] && seen == 0) {
			n_missing++;
			id_list_add(missing, id);
		} else if (t->is_ap[id] && seen > 1) {
			n_repeated++;
			id_list_add(repeated, id);
		} else if (!t->is_ap[id] && seen) {
			n_stray++;
			id_list_add(stray, id);
		}
	}
	cpuid_count(1, 0, &r);
	self = r.ebx >> APIC_ID_SHIFT;

	if (n_missing)
		why_add(why, "%u of %u APs arrived within %u ms; missing APIC id(s): %s",
			t->ap_count - n_missing, t->ap_count, ARRIVAL_TIMEOUT_US / 1000u, missing);
	if (n_repeated)
		why_add(why, "APIC id(s) %s ran the trampoline more than once (%u arrivals for %u APs)",
			repeated, n, t->ap_count);
	if (n_stray)
		why_add(why, "the trampoline ran on APIC id(s) %s, not enabled APs (the BSP is %u)",
			stray, t->bsp_apic_id);
	if (!n_missing && !n_repeated && !n_stray && n != t->ap_count)
		why_add(why, "arrival counter %u, expected %u, though every AP's byte is 1", n,
			t->ap_count);
	if (self != (t->bsp_apic_id & INITIAL_APIC_ID_MASK))
		why_add(why, "the test now runs on APIC id %u, not the BSP %u", self,
			t->bsp_apic_id);
	result(name, why[0] == '\0', why);
}

/* Runs on the AP through EFI MP services: its logical APIC id, flat
 * model (xAPIC registers, which the VMM writes for it). No UEFI service
 * and no log call here. */
struct logical_id {
	uintptr_t apic_mmio;
	uint32_t ldr;
	volatile uint32_t done;
};

static VOID EFIAPI set_logical_id(VOID *arg)
{
	struct logical_id *l = arg;

	*(volatile uint32_t *)(l->apic_mmio + APIC_DFR) = APIC_DFR_FLAT;
	*(volatile uint32_t *)(l->apic_mmio + APIC_LDR) = l->ldr;
	__atomic_store_n(&l->done, 1, __ATOMIC_RELEASE);
}

/* The receiver side of INIT/SIPI: an IPI the VMM does not emulate
 * (logical destination) reaches the AP as a real INIT. The start-up IPIs
 * are physical, as an OS sends them; the VMM forwards them to an AP that
 * waits for a real SIPI. */
static void case_logical_init_physical_sipi(const struct target *t)
{
	static EFI_GUID mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;
	static struct logical_id l;
	EFI_MP_SERVICES_PROTOCOL *mp = NULL;
	char why[WHY_MAX] = "";
	uint32_t bsp_ldr, bit;
	EFI_STATUS st;
	bool ok;

	if (t->x2apic) {
		result("logical-init-physical-sipi", false, "the APIC is in x2APIC mode: the "
		       "logical destination is not settable (11.12.10.2)");
		return;
	}
	/* A logical id bit the BSP does not have: the INIT is for the AP only. */
	bsp_ldr = *apic_reg(t, APIC_LDR) >> LDR_SHIFT;
	for (bit = 1; bit < 0x100 && (bsp_ldr & bit); bit <<= 1)
		;
	if (EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) || !mp || bit >= 0x100) {
		result("logical-init-physical-sipi", false,
		       "no MP services, or no logical id bit free of the BSP's");
		return;
	}
	memset(&l, 0, sizeof(l));
	l.apic_mmio = t->apic_mmio;
	l.ldr = bit << LDR_SHIFT;
	st = mp->StartupThisAP(mp, set_logical_id, t->number, NULL, MP_TIMEOUT_US, &l, NULL);
	if (EFI_ERROR(st) || !__atomic_load_n(&l.done, __ATOMIC_ACQUIRE)) {
		fmt_snprintf(why, sizeof(why), "setting the AP's logical id through MP services "
			     "failed (EFI status %llx)", (unsigned long long)st);
		result("logical-init-physical-sipi", false, why);
		return;
	}
	mailbox_reset(t->mb);
	ok = send_or_why(t, bit, ICR_INIT | ICR_DEST_LOGICAL, "logical INIT", why);
	BS->Stall(INIT_DELAY_US);
	for (unsigned i = 0; ok && i < 2; i++) {
		if (i)
			BS->Stall(SIPI_DELAY_US);
		ok = send_or_why(t, t->apic_id, ICR_SIPI(t->vector), "SIPI", why);
	}
	result("logical-init-physical-sipi", ok && await_single_arrival(t, why), why);
}

/* ---- set-up ------------------------------------------------------------ */

enum setup_result { SETUP_OK, SETUP_NO_AP, SETUP_FAILED };

/* The last enabled application processor MP services reports, and the
 * set of all of them and the BSP's APIC id. */
static void case_x2apic_init_sipi_sipi(struct target *t)
{
	struct cpuid_regs r;
	char why[WHY_MAX] = "";

	cpuid_count(1, 0, &r);
	if (!(r.ecx & CPUID_1_ECX_X2APIC)) {
		result("x2apic-init-sipi-sipi", false, "CPUID.1:ECX.x2APIC[21] = 0: no x2APIC mode");
		return;
	}
	if (!t->x2apic) {
		wrmsr(MSR_IA32_APIC_BASE, rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_EXTD);
		t->x2apic = true;
		log_info(STAGE, "local APIC switched to x2APIC mode");
	}
	result("x2apic-init-sipi-sipi", start_ap(t, 2, true, why) && await_single_arrival(t, why),
	       why);
}

static enum setup_result pick_ap(struct target *t, char *why)
{
	static EFI_GUID mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;
	EFI_MP_SERVICES_PROTOCOL *mp = NULL;
	UINTN total = 0, enabled = 0;
	bool found = false;

	if (EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) || !mp ||
	    EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled))) {
		fmt_snprintf(why, WHY_MAX, "no EFI_MP_SERVICES_PROTOCOL: cannot find an AP");
		return SETUP_FAILED;
	}
	log_info(STAGE, "%lu CPU(s), %lu enabled", (unsigned long)total, (unsigned long)enabled);
	for (UINTN i = 0; i < total; i++) {
		EFI_PROCESSOR_INFORMATION info;

		memset(&info, 0, sizeof(info));
		if (EFI_ERROR(mp->GetProcessorInfo(mp, i, &info)))
			continue;
		if (info.StatusFlag & PROCESSOR_AS_BSP_BIT) {
			t->bsp_apic_id = (uint32_t)info.ProcessorId;
			continue;
		}
		if (!(info.StatusFlag & PROCESSOR_ENABLED_BIT))
			continue;
		t->number = i;
		t->apic_id = (uint32_t)info.ProcessorId;
		t->is_ap[t->apic_id & INITIAL_APIC_ID_MASK] = true;
		t->ap_count++;
		found = true;
	}
	return found ? SETUP_OK : SETUP_NO_AP;
}

static bool setup_apic(struct target *t, char *why)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_EN)) {
		fmt_snprintf(why, WHY_MAX, "the local APIC is disabled (IA32_APIC_BASE %llx)",
			     (unsigned long long)base);
		return false;
	}
	t->x2apic = (base & APIC_BASE_EXTD) != 0;
	t->apic_mmio = (uintptr_t)(base & phys_page_mask());
	return true;
}

/* A page below 1 MiB, never page 0 (the real-mode IVT), reserved so that
 * nothing reuses it while the AP stays parked there. */
static bool setup_page(struct target *t, char *why)
{
	EFI_PHYSICAL_ADDRESS page = LOW_MEMORY_TOP;
	size_t size = (size_t)(initsipi_tramp_end - initsipi_tramp_start);
	EFI_STATUS st;

	st = BS->AllocatePages(AllocateMaxAddress, EfiReservedMemoryType, 1, &page);
	if (!EFI_ERROR(st) && page == 0) {
		page = LOW_MEMORY_TOP; /* keep page 0 taken, ask again */
		st = BS->AllocatePages(AllocateMaxAddress, EfiReservedMemoryType, 1, &page);
	}
	if (EFI_ERROR(st) || page == 0 || page > LOW_MEMORY_TOP || (page & (PAGE_SIZE - 1))) {
		fmt_snprintf(why, WHY_MAX, "no free page below 1 MiB (EFI status %llx)",
			     (unsigned long long)st);
		return false;
	}
	if (size > MAILBOX_OFFSET) {
		fmt_snprintf(why, WHY_MAX, "trampoline of %lu bytes overlaps the mailbox",
			     (unsigned long)size);
		return false;
	}
	memset((void *)(uintptr_t)page, 0, PAGE_SIZE);
	memcpy((void *)(uintptr_t)page, initsipi_tramp_start, size);
	t->vector = (uint8_t)(page >> PAGE_SHIFT);
	t->mb = (volatile struct mailbox *)(uintptr_t)(page + MAILBOX_OFFSET);
	return true;
}

static enum setup_result setup(struct target *t, char *why)
{
	enum setup_result r = pick_ap(t, why);

	if (r != SETUP_OK)
		return r;
	if (!setup_apic(t, why) || !setup_page(t, why))
		return SETUP_FAILED;
	log_info(STAGE, "target: CPU %lu, APIC id %u (%s); trampoline at %x, SIPI vector %02x",
		 (unsigned long)t->number, t->apic_id, t->x2apic ? "x2APIC" : "xAPIC",
		 (unsigned)t->vector << PAGE_SHIFT, t->vector);
	log_info(STAGE, "BSP APIC id %u, %u enabled AP(s)", t->bsp_apic_id, t->ap_count);
	return SETUP_OK;
}

/* Every check, in the order they run. */
static const char *const plan[] = {
	"logical-init-physical-sipi", "init-sipi-sipi-delays", "init-sipi-sipi-no-delay",
	"second-sipi-ignored", "repeated-init", "ap-runs-under-hypervisor",
	"init-sipi-all-excluding-self", "x2apic-init-sipi-sipi",
};

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct target t;
	char why[WHY_MAX] = "";

	InitializeLib(image, systab);
	log_set_level(LOG_INFO);  /* the UART is the loader's, set up */
	console_log_sink_install();
	check_begin(STAGE, CHECK_PLAN(plan));
	log_info(STAGE, "Pillbox INIT/SIPI test");
	memset(&t, 0, sizeof(t));
	switch (setup(&t, why)) {
	case SETUP_NO_AP:
		skip_rest("no application processor");
		break;
	case SETUP_FAILED:
		result("setup", false, why);
		break;
	case SETUP_OK:
		case_logical_init_physical_sipi(&t);
		case_init_sipi_sipi(&t, "init-sipi-sipi-delays", true);
		case_init_sipi_sipi(&t, "init-sipi-sipi-no-delay", false);
		case_second_sipi_ignored(&t);
		case_repeated_init(&t);
		case_ap_under_hypervisor(&t);
		case_init_sipi_all_excluding_self(&t);
		case_x2apic_init_sipi_sipi(&t);
		break;
	}
	return check_end() ? EFI_ABORTED : EFI_SUCCESS;
}
