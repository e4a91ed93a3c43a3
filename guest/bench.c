/* bench: the cost of single instructions, in TSC ticks, the same EFI
 * program under Pillbox (the loader's chainloaded image) and bare (as
 * \EFI\BOOT\BOOTX64.EFI itself). tests/bench/bench.sh runs both and
 * prints the ratio; docs/performance.md has the figures.
 *
 * Each case runs its instruction `batch` times back to back (unrolled,
 * each with the operand set-up its SAMPLE_FN line shows) between two
 * LFENCE;RDTSC;LFENCE reads, interrupts off; a few warm-up samples, then
 * `samples` samples. A sample's ticks less the smallest empty sample (the
 * two TSC reads alone), divided by the batch, is one per-instruction
 * figure; the line gives the minimum and the median of these, in tenths
 * of a tick. In Bochs the TSC counts emulated instructions (about one
 * tick each), so the figures are path lengths; on real VT-x they are
 * cycles at the TSC's rate.
 *
 * Under Pillbox it also reads its CPU's exit statistics (HC_EXIT_STATS)
 * before and after each case's samples: `exits` is the number of VM exits
 * per instruction (hundredths), `reason` the basic exit reason that
 * accounts for most of them and `vmm_mean` the mean TSC cycles the VMM
 * spent handling one (the rest of the round trip is the VMM's exit entry code
 * and the processor's exit and entry). Lines, [INFO cpu0 bench] prefixed:
 *   BENCH mode=pillbox|bare cpu=<brand string> tsc_overhead=<ticks>
 *   BENCH <case> min=<t> median=<t> n=<instructions> [exits=<e> reason=<R> vmm_mean=<c>]
 *   BENCH <case> n/a <why>
 *   bench done
 * VMCALL without a hypervisor is #UD: "n/a bare". INVD is not run bare:
 * natively it discards dirty cache lines (memory the firmware wrote);
 * Pillbox executes it as WBINVD, whose native cost is the wbinvd case. */
#include <stdbool.h>
#include <stdint.h>
#include <efi.h>
#include <efilib.h>
#include "arch/x86_64/cpu.h"
#include "boot/console.h"
#include "guest/exit_names.h"
#include "guest/vmminfo/vmm_query.h"
#include "lib/fmt.h"
#include "lib/lib.h"
#include "vmm/log/log.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/regs.h"

#define STAGE "bench"
#define STR_(x) #x
#define STR(x) STR_(x)
#define BATCH 16          /* instructions per sample (unrolled) */
#define SAMPLES 101u      /* odd: the median is one sample */
#define SLOW_SAMPLES 9u   /* WBINVD and INVD: slow to emulate in Bochs */
#define WARMUP 3u
#define MAX_SAMPLES SAMPLES
#define MSR_FEATURE_CONTROL 0x3Au /* intercepted by Pillbox */
#define MSR_APIC_BASE 0x1Bu       /* passed through */
#define APIC_EOI 0xB0u
#define PORT_SYS_CTRL_B 0x61u /* NMI status and control, read-only bits */
#define CPUID_1_ECX_XSAVE_BIT (1u << 26)
#define BRAND_LEAF 0x80000002u

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

/* Operands of the cases, set before a case runs. */
static struct {
	uint32_t xcr0_lo, xcr0_hi;
	uint64_t cr4;
	volatile uint32_t *apic_eoi;
	volatile uint64_t load_word;
} op;

static inline uint64_t tsc_read(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

#define REPEAT(body) ".rept " STR(BATCH) "\n\t" body "\n\t.endr"

/* One sample of a case: the ticks for its instructions, between two TSC
 * reads. The asm's operands follow its text (they start with ':'). */
#define SAMPLE_FN(fn, text, ...)                                               \
	static uint64_t fn(void)                                               \
	{                                                                      \
		uint64_t t0 = tsc_read();                                      \
									       \
		__asm__ volatile(text __VA_ARGS__);                            \
		return tsc_read() - t0;                                        \
	}

SAMPLE_FN(run_empty, "", : : : "memory")
SAMPLE_FN(run_cpuid, REPEAT("mov $1, %%eax\n\txor %%ecx, %%ecx\n\tcpuid"),
	  : : : "rax", "rbx", "rcx", "rdx", "memory")
SAMPLE_FN(run_vmcall, REPEAT("mov $" STR(HC_PING) ", %%eax\n\tvmcall"),
	  : : : "rax", "rbx", "rcx", "rdx", "memory")
SAMPLE_FN(run_rdmsr_intercepted, REPEAT("mov $" STR(MSR_FEATURE_CONTROL) ", %%ecx\n\trdmsr"),
	  : : : "rax", "rcx", "rdx", "memory")
SAMPLE_FN(run_rdmsr_passthrough, REPEAT("mov $" STR(MSR_APIC_BASE) ", %%ecx\n\trdmsr"),
	  : : : "rax", "rcx", "rdx", "memory")
SAMPLE_FN(run_xsetbv, REPEAT("xsetbv"), : : "a"(op.xcr0_lo), "d"(op.xcr0_hi), "c"(0u) : "memory")
SAMPLE_FN(run_invd, "invd", : : : "memory")
SAMPLE_FN(run_wbinvd, "wbinvd", : : : "memory")
SAMPLE_FN(run_xapic_eoi, REPEAT("movl %%eax, (%%rdi)"), : : "a"(0u), "D"(op.apic_eoi) : "memory")
SAMPLE_FN(run_mov_cr4, REPEAT("mov %%rax, %%cr4"), : : "a"(op.cr4) : "memory")
SAMPLE_FN(run_nop, REPEAT("nop"), : : : "memory")
SAMPLE_FN(run_rdtsc, REPEAT("rdtsc"), : : : "rax", "rdx", "memory")
SAMPLE_FN(run_load, REPEAT("mov (%%rdi), %%rax"), : : "D"(&op.load_word) : "rax", "memory")
SAMPLE_FN(run_inb, REPEAT("in $" STR(PORT_SYS_CTRL_B) ", %%al"), : : : "rax", "memory")

/* ---- preconditions: NULL when the case can run, else why not -------- */

static bool under_pillbox;

static const char *need_pillbox(void)
{
	return under_pillbox ? NULL : "bare (VMCALL is #UD without a hypervisor)";
}

static const char *need_pillbox_invd(void)
{
	return under_pillbox ? NULL
			     : "bare (INVD natively discards dirty cache lines; compare wbinvd)";
}

/* XSETBV of the current XCR0 needs CR4.OSXSAVE, which the firmware may
 * leave clear: bench() sets it for the case and restores CR4 after. */
static const char *need_xsave(void)
{
	uint32_t r[4];

	query_cpuid(1, r);
	return (r[2] & CPUID_1_ECX_XSAVE_BIT) ? NULL : "no XSAVE on this CPU";
}

static const char *need_xapic(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		return "local APIC disabled";
	if (base & APIC_BASE_X2APIC)
		return "local APIC in x2APIC mode (no xAPIC page)";
	op.apic_eoi = (volatile uint32_t *)(uintptr_t)((base & APIC_BASE_ADDR_MASK) + APIC_EOI);
	return NULL;
}

struct bench_case {
	const char *name;
	uint64_t (*run)(void);
	unsigned batch, samples;
	const char *(*skip)(void);
	bool osxsave; /* CR4.OSXSAVE set while it runs */
};

static const struct bench_case cases[] = {
	/* Exiting under Pillbox (docs/architecture.md, "VM exits"). */
	{ "cpuid", run_cpuid, BATCH, SAMPLES, NULL, false },        /* mov, xor, cpuid leaf 1 */
	{ "vmcall", run_vmcall, BATCH, SAMPLES, need_pillbox, false }, /* mov, vmcall HC_PING */
	{ "rdmsr-3a", run_rdmsr_intercepted, BATCH, SAMPLES, NULL, false }, /* mov, rdmsr */
	{ "xsetbv", run_xsetbv, BATCH, SAMPLES, need_xsave, true },  /* current XCR0 */
	{ "invd", run_invd, 1, SLOW_SAMPLES, need_pillbox_invd, false },
	{ "xapic-eoi", run_xapic_eoi, BATCH, SAMPLES, need_xapic, false }, /* movl to EOI */
	{ "mov-cr4", run_mov_cr4, BATCH, SAMPLES, NULL, false },    /* the current value */
	/* References that do not exit. */
	{ "nop", run_nop, BATCH, SAMPLES, NULL, false },
	{ "rdtsc", run_rdtsc, BATCH, SAMPLES, NULL, false },
	{ "rdmsr-1b", run_rdmsr_passthrough, BATCH, SAMPLES, NULL, false }, /* mov, rdmsr */
	{ "load", run_load, BATCH, SAMPLES, NULL, false },
	{ "inb-61", run_inb, BATCH, SAMPLES, NULL, false },
	{ "wbinvd", run_wbinvd, 1, SLOW_SAMPLES, NULL, false },
};

/* Interrupts off for a measurement; irq_restore() gives IF back. */
static uint64_t irq_save(void)
{
	uint64_t rflags = read_rflags();

	cli();
	return rflags;
}

static void irq_restore(uint64_t rflags)
{
	if (rflags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

static void sort_u64(uint64_t *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t v = a[i];
		unsigned j = i;

		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

/* Samples of `run`, interrupts off, each in tenths of a tick per
 * instruction after `overhead`; sorted. */
static void measure(uint64_t (*run)(void), unsigned batch, unsigned samples, uint64_t overhead,
		    uint64_t *out)
{
	uint64_t rflags = irq_save();

	for (unsigned i = 0; i < WARMUP; i++)
		run();
	for (unsigned i = 0; i < samples; i++) {
		uint64_t t = run();

		out[i] = (t > overhead ? t - overhead : 0) * 10u / batch;
	}
	irq_restore(rflags);
	sort_u64(out, samples);
}

/* ---- exit statistics of this CPU, under Pillbox ---------------------- */

static struct hc_exit_stats before, after;

static bool read_stats(struct hc_exit_stats *s)
{
	struct hc r;

	if (!under_pillbox)
		return false;
	r = hc_call(HC_EXIT_STATS, 0, (uint64_t)(uintptr_t)s, sizeof(*s));
	return (long long)r.rax == HC_OK && s->version == HC_STATS_VERSION;
}

/* " exits=E reason=R vmm_mean=C" for the exits between the two snapshots,
 * which enclose `insns` instructions of the case (warm-up included). The
 * VMM counts an exit by reason when it finishes handling it, so the
 * first snapshot's own VMCALL is in the difference: it is not the case's
 * (for the vmcall case, it is subtracted). */
static void exits_text(char *buf, size_t size, const struct bench_case *c, uint64_t insns)
{
	bool vmcall_case = c->run == run_vmcall;
	uint64_t exits = 0, best = 0;
	unsigned best_reason = 0;

	for (unsigned i = 0; i < HC_STATS_REASONS; i++) {
		uint64_t d = after.count[i] - before.count[i];

		if (i == EXIT_REASON_VMCALL)
			d = vmcall_case && d ? d - 1 : 0;
		exits += d;
		if (d > best) {
			best = d;
			best_reason = i;
		}
	}
	if (!best) {
		fmt_snprintf(buf, size, " exits=0.00");
		return;
	}
	fmt_snprintf(buf, size, " exits=%llu.%02llu reason=%s vmm_mean=%llu",
		     (unsigned long long)(exits / insns),
		     (unsigned long long)(exits * 100u / insns % 100u),
		     exit_reason_name(best_reason),
		     (unsigned long long)((after.cycles[best_reason] - before.cycles[best_reason]) /
					  best));
}

static void bench(const struct bench_case *c, uint64_t overhead)
{
	static uint64_t v[MAX_SAMPLES];
	const char *why = c->skip ? c->skip() : NULL;
	uint64_t cr4 = read_cr4(), insns = (uint64_t)c->batch * c->samples;
	char exits[96] = "";
	bool have_stats;

	if (why) {
		log_info(STAGE, "BENCH %s n/a %s", c->name, why);
		return;
	}
	if (c->osxsave) {
		write_cr4(cr4 | CR4_OSXSAVE);
		op.xcr0_lo = (uint32_t)xgetbv(0);
		op.xcr0_hi = (uint32_t)(xgetbv(0) >> 32);
	}
	op.cr4 = read_cr4();
	have_stats = read_stats(&before);
	measure(c->run, c->batch, c->samples, overhead, v);
	if (have_stats && read_stats(&after))
		exits_text(exits, sizeof(exits), c, (uint64_t)c->batch * (WARMUP + c->samples));
	else if (under_pillbox)
		fmt_snprintf(exits, sizeof(exits), " exits=? (HC_EXIT_STATS unavailable)");
	if (c->osxsave)
		write_cr4(cr4);
	log_info(STAGE, "BENCH %s min=%llu.%llu median=%llu.%llu n=%llu%s", c->name,
		 (unsigned long long)(v[0] / 10), (unsigned long long)(v[0] % 10),
		 (unsigned long long)(v[c->samples / 2] / 10),
		 (unsigned long long)(v[c->samples / 2] % 10), (unsigned long long)insns, exits);
}

/* The processor brand string, CPUID 0x80000002-0x80000004 (EAX, EBX,
 * ECX, EDX each), without its leading spaces; "unknown" without it. */
static const char *brand(char raw[49])
{
	uint32_t r[4];
	const char *s = raw;

	query_cpuid(0x80000000u, r);
	if (r[0] < BRAND_LEAF + 2)
		return "unknown";
	for (unsigned i = 0; i < 3; i++) {
		query_cpuid(BRAND_LEAF + i, r);
		memcpy(raw + 16 * i, r, 16);
	}
	raw[48] = '\0';
	while (*s == ' ')
		s++;
	return *s ? s : "unknown";
}

/* The two TSC reads of a sample alone: the least of SAMPLES, interrupts
 * off. */
static uint64_t tsc_overhead(void)
{
	uint64_t rflags = irq_save(), least = UINT64_MAX;

	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		uint64_t t = run_empty();

		if (i >= WARMUP && t < least)
			least = t;
	}
	irq_restore(rflags);
	return least;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	char raw_brand[49];
	uint64_t overhead;

	InitializeLib(image, systab);
	log_init(LOG_INFO);
	console_log_sink_install();
	under_pillbox = pillbox_present();
	overhead = tsc_overhead();
	log_info(STAGE, "BENCH mode=%s cpu=%s tsc_overhead=%llu", under_pillbox ? "pillbox" : "bare",
		 brand(raw_brand), (unsigned long long)overhead);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		bench(&cases[i], overhead);
	log_info(STAGE, "bench done");
	return EFI_SUCCESS;
}
