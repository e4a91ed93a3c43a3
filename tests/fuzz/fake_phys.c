/* The fake machine's physical pages, at their physical addresses in the
 * harness's own address space: the VMM reaches physical memory through an
 * identity map, so arch/x86_64/lapic.c, linked as it is, dereferences
 * IA32_APIC_BASE + offset, and an address the guest chose lands here.
 *   - the VMM region at REGION_BASE: page 0 (the core image, which
 *     HC_INTEGRITY hashes) read-only with canary bytes, the rest
 *     inaccessible. The VMM's own data lives in the harness's heap, so any
 *     access to the region other than the hash is one through a
 *     guest-derived address;
 *   - the local APIC's register page at APIC_PAGE, read/write memory.
 * Nothing else below MAXPHYADDR is accessible: 0xFEE00000 lies in the
 * shadow gap of AddressSanitizer (an inaccessible reservation), whose
 * instrumentation also faults on the shadow of any address there or in the
 * shadow itself. A fault while the VMM runs is reported with the exit's
 * context, then the sanitizer reports it with the stack. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include <sys/mman.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "vmm/ipi/apic_icr.h"
#include "tests/fuzz/fake_state.h"
#include "tests/fuzz/fuzz_exit.h"

static struct sigaction sanitizer_segv;
static size_t shadow_scale, shadow_offset;

/* The mapping around addr in /proc/self/maps: whether there is one, and
 * whether it is an inaccessible anonymous reservation. */
static bool find_mapping(uint64_t addr, bool *reserved)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		uint64_t start, end;
		char perms[8];
		int path = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n", &start, &end,
			   perms, &path) < 3 || addr < start || addr >= end)
			continue;
		found = true;
		*reserved = !strcmp(perms, "---p") && (!path || line[path] == '\n' ||
							 line[path] == '\0');
	}
	fclose(f);
	return found;
}

/* One page at addr. An existing inaccessible reservation (the sanitizer's
 * shadow gap) is replaced; an accessible mapping is kept when keep_mapped
 * (a shadow page that is already there), else it is an error. */
static void map_phys_page(uint64_t addr, int prot, bool keep_mapped)
{
	void *want = (void *)(uintptr_t)addr;
	void *p = mmap(want, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	bool reserved = false;

	if (p == want)
		return;
	if (p != MAP_FAILED)
		munmap(p, PAGE); /* a kernel without MAP_FIXED_NOREPLACE put it elsewhere */
	if (find_mapping(addr, &reserved) && !reserved && keep_mapped)
		return;
	if (!reserved ||
	    mmap(want, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != want) {
		fprintf(stderr, "fuzz_exit: cannot map the fake physical page %#" PRIx64 ": %s\n",
			addr, strerror(errno));
		abort();
	}
}

static void map_region(void)
{
	for (uint64_t off = 0; off < REGION_SIZE; off += PAGE)
		map_phys_page(REGION_BASE + off, off ? PROT_NONE : PROT_READ | PROT_WRITE, false);
	memset((void *)(uintptr_t)REGION_BASE, REGION_CANARY, PAGE);
	if (mprotect((void *)(uintptr_t)REGION_BASE, PAGE, PROT_READ))
		abort();
}

/* The APIC page and the sanitizer's shadow bytes that describe it (zero:
 * all of it addressable), so that instrumented code may use it. */
static void map_apic_page(void)
{
	map_phys_page(((APIC_PAGE >> shadow_scale) + shadow_offset) & ~(uint64_t)(PAGE - 1),
		      PROT_READ | PROT_WRITE, true);
	map_phys_page(APIC_PAGE, PROT_READ | PROT_WRITE, false);
}

static volatile uint32_t *apic_reg(uint32_t offset)
{
	return (volatile uint32_t *)(uintptr_t)(APIC_PAGE + offset);
}

void fake_apic_page_reset(uint32_t icr_high)
{
	for (uint32_t off = 0; off < PAGE_SIZE; off += 4)
		*apic_reg(off) = 0;
	*apic_reg(APIC_REG_ICR_HIGH) = icr_high;
}

void fake_apic_ipi_sent(void)
{
	*apic_reg(APIC_REG_ICR_LOW) &= ~ICR_DELIVERY_PENDING;
}

/* x2APIC registers by xAPIC offset (SDM Vol. 3A, 11.12.1.2, Table 11-6):
 * readable, writable; absent ones #GP. LVT CMCI, thermal and performance
 * exist as the version register's maximum LVT entry says. */
#define X2_R 1u
#define X2_W 2u
#define X2APIC_ISR_LAST  (APIC_REG_ISR0 + 7 * APIC_REG_STRIDE)
#define X2APIC_IRR_LAST  0x270u
#define X2APIC_REG_ID    0x020u
#define X2APIC_REG_PPR   0x0A0u
#define X2APIC_REG_CUR   0x390u
#define X2APIC_REG_SELF  0x3F0u

static unsigned x2apic_reg_kind(uint32_t off)
{
	unsigned max_lvt = (*apic_reg(APIC_REG_VERSION) >> APIC_VERSION_MAX_LVT_SHIFT) & 0xFFu;

	switch (off) {
	case X2APIC_REG_ID: case APIC_REG_VERSION: case X2APIC_REG_PPR: case APIC_REG_LDR:
	case X2APIC_REG_CUR:
		return X2_R;
	case APIC_REG_EOI: case X2APIC_REG_SELF:
		return X2_W;
	case APIC_REG_ICR_LOW:
	case APIC_REG_TPR: case APIC_REG_SVR: case APIC_REG_ESR: case APIC_REG_LVT_TIMER:
	case APIC_REG_LVT_LINT0: case APIC_REG_LVT_LINT1: case APIC_REG_LVT_ERROR:
	case APIC_REG_TIMER_INITIAL: case APIC_REG_TIMER_DIVIDE:
		return X2_R | X2_W;
	case APIC_REG_LVT_PERF:
		return max_lvt >= 4 ? X2_R | X2_W : 0;
	case APIC_REG_LVT_THERMAL:
		return max_lvt >= 5 ? X2_R | X2_W : 0;
	case APIC_REG_LVT_CMCI:
		return max_lvt >= 6 ? X2_R | X2_W : 0;
	default:
		return off >= APIC_REG_ISR0 && off <= X2APIC_IRR_LAST ? X2_R : 0;
	}
}

/* One EOI ends the highest in-service vector (11.8.5). */
static void x2apic_eoi(void)
{
	for (uint32_t off = X2APIC_ISR_LAST + APIC_REG_STRIDE; off > APIC_REG_ISR0;) {
		uint32_t isr;

		off -= APIC_REG_STRIDE;
		isr = *apic_reg(off);
		if (isr) {
			*apic_reg(off) = isr & ~(1u << (31 - __builtin_clz(isr)));
			return;
		}
	}
}

bool fake_x2apic_access(uint32_t msr, bool write, uint64_t *value)
{
	uint32_t off = (msr - X2APIC_MSR_BASE) * APIC_REG_STRIDE;
	unsigned kind = x2apic_reg_kind(off);

	/* The registers' bits 63:32 are reserved, EOI and ESR take only 0. */
	if (!(kind & (write ? X2_W : X2_R)) ||
	    (write && ((*value >> 32) || ((off == APIC_REG_EOI || off == APIC_REG_ESR) && *value))))
		return false;
	if (!write)
		*value = *apic_reg(off);
	else if (off == APIC_REG_EOI)
		x2apic_eoi();
	else if (off != X2APIC_REG_SELF)
		*apic_reg(off) = (uint32_t)*value;
	return true;
}

bool fake_region_intact(void)
{
	const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)REGION_BASE;

	for (unsigned i = 0; i < PAGE; i++)
		if (p[i] != REGION_CANARY)
			return false;
	return true;
}

/* The address the VMM used: a fault at or above the shadow offset (other
 * than next to the APIC page, whose shadow is mapped) is the sanitizer's
 * check of the shadow of that address. */
static uint64_t fault_target(uint64_t addr)
{
	if (addr < shadow_offset ||
	    (addr >= APIC_PAGE && addr - APIC_PAGE < ((uint64_t)PAGE << shadow_scale)))
		return addr;
	return (addr - shadow_offset) << shadow_scale;
}

void fake_phys_describe(uint64_t addr, char *buf, size_t size)
{
	uint64_t base = fake.apic_base_msr & APIC_BASE_ADDR_MASK;
	int n;

	if (addr >= REGION_BASE && addr - REGION_BASE < REGION_SIZE)
		n = snprintf(buf, size, "inside the VMM region: VMM memory reached through an "
			     "address the guest chose");
	else
		n = snprintf(buf, size, "where the fake machine has nothing the VMM may touch");
	if (n > 0 && (size_t)n < size && (addr & ~(uint64_t)(PAGE - 1)) == base)
		snprintf(buf + n, size - (size_t)n, "; it is IA32_APIC_BASE + %03llxH: the VMM's "
			 "APIC access follows the guest's base", (unsigned long long)(addr - base));
}

/* The VMM faulted on an address: say which, with the exit's context and
 * the live APIC base (the VMM's APIC accesses follow it), then let the
 * sanitizer's handler report the fault again with its stack. A physical
 * address (below MAXPHYADDR) is one the VMM reached through its identity
 * map: when the run goes on past findings, that exit ends there (the
 * signal is unblocked first: a longjmp out of the handler does not). */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	uint64_t target = fault_target((uint64_t)(uintptr_t)si->si_addr);

	(void)uc;
	if (fake.stop && findings_keep_going() && !(target >> MAXPHYADDR)) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		fake.fault_addr = target;
		longjmp(*fake.stop, FAKE_FAULTED);
	}
	if (fake.stop) {
		char where[200];

		fake_phys_describe(target, where, sizeof(where));
		fuzz_report_context();
		fprintf(stderr, "==== INVARIANT BROKEN: host fault at %#" PRIx64 " (%s), "
			"IA32_APIC_BASE %#" PRIx64 "\n", target, where, fake.apic_base_msr);
	}
	sigaction(sig, &sanitizer_segv, NULL);
}

void fake_phys_init(void)
{
	struct sigaction sa;

	__asan_get_shadow_mapping(&shadow_scale, &shadow_offset);
	map_region();
	map_apic_page();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &sanitizer_segv))
		abort();
}
