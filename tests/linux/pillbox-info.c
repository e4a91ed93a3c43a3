/* pillbox-info: what Pillbox reports about itself, from Linux user space
 * (CPL 3). Built static on the host (tests/linux/build-initramfs.sh) with
 * guest/vmminfo/report.c and lib/fmt.c, so the lines are the ones
 * guest/vmminfo.efi prints (format in guest/vmminfo/report.h).
 *
 *   pillbox-info stats       exit statistics of every CPU
 *   pillbox-info log         the VMM's log ring
 *   pillbox-info footprint   bytes reserved, EPT tables, bytes per CPU
 *   pillbox-info tsc         "tsc=N": this CPU's time-stamp counter (no
 *                            hypervisor needed; in Bochs, emulated ticks
 *                            since power-on)
 *   pillbox-info idle S      the exits of every CPU while this process
 *                            sleeps S seconds: "idle seconds=S
 *                            elapsed_ms=N ticks=N", then the stats lines
 *                            of the difference between two readings (one
 *                            process, so that no program start's CPUIDs
 *                            are in it; the second reading's own VMCALLs
 *                            are, one per CPU)
 *
 * The first three are hypercalls, which Pillbox answers from user mode
 * only when its configuration has "user_hypercalls = read"; otherwise the
 * output is "<what> error HC_EPERM (-2): ..." naming that setting.
 * Exit status: 0 done, 1 the VMM refused or failed, 2 not running under
 * Pillbox (VMCALL would be #UD: it is not executed), 64 usage. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "guest/vmminfo/report.h"
#include "guest/vmminfo/vmm_query.h"

#define IDLE_CPUS_MAX 64u
#define IDLE_SECONDS_MAX 3600ul

static struct hc_exit_stats stats;
static struct hc_exit_stats idle_before[IDLE_CPUS_MAX], idle_after[IDLE_CPUS_MAX];
static char log_buf[HC_LOG_READ_MAX];

static void print_line(const char *line)
{
	puts(line);
}

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static int usage(void)
{
	fprintf(stderr, "usage: pillbox-info stats|log|footprint|tsc|idle SECONDS\n");
	return 64;
}

/* Every CPU's record into recs (at most IDLE_CPUS_MAX); returns the CPU
 * count, or the failed call's (negative) status. */
static long long read_all(struct hc_exit_stats *recs)
{
	uint64_t cpus = 1;

	for (uint64_t cpu = 0; cpu < cpus; cpu++) {
		struct hc r;

		memset(&recs[cpu], 0, sizeof(recs[cpu]));
		r = hc_call(HC_EXIT_STATS, cpu, (uint64_t)(uintptr_t)&recs[cpu], sizeof(recs[cpu]));
		if ((long long)r.rax != HC_OK)
			return (long long)r.rax;
		if (cpu == 0)
			cpus = r.rbx < IDLE_CPUS_MAX ? r.rbx : IDLE_CPUS_MAX;
	}
	return (long long)cpus;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int idle(const char *arg)
{
	struct timespec nap = { 0, 0 };
	unsigned long secs;
	uint64_t t0, t1;
	long long n0, n1;
	double ms0, ms1;
	char *end;

	secs = strtoul(arg, &end, 10);
	if (!*arg || *end || !secs || secs > IDLE_SECONDS_MAX) {
		fprintf(stderr, "pillbox-info idle: SECONDS must be 1 to %lu, not '%s'\n",
			IDLE_SECONDS_MAX, arg);
		return 64;
	}
	n0 = read_all(idle_before);
	ms0 = now_ms();
	t0 = tsc();
	nap.tv_sec = (time_t)secs;
	while (nanosleep(&nap, &nap) != 0)
		;
	t1 = tsc();
	ms1 = now_ms();
	n1 = read_all(idle_after);
	if (n0 < 0 || n1 < 0) {
		report_error(print_line, "idle", n0 < 0 ? n0 : n1);
		return 1;
	}
	printf("idle seconds=%lu elapsed_ms=%.0f ticks=%llu\n", secs, ms1 - ms0,
	       (unsigned long long)(t1 - t0));
	printf("stats cpus=%lld\n", n1);
	for (long long cpu = 0; cpu < n1 && cpu < n0; cpu++) {
		struct hc_exit_stats d = idle_after[cpu];
		const struct hc_exit_stats *b = &idle_before[cpu];

		d.total -= b->total;
		d.total_cycles -= b->total_cycles;
		for (unsigned i = 0; i < HC_STATS_REASONS; i++) {
			d.count[i] -= b->count[i];
			d.cycles[i] -= b->cycles[i];
		}
		report_stats_record(print_line, &d);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc == 2 ? argv[1] : "";
	long long st;

	if (argc == 3 && !strcmp(argv[1], "idle"))
		cmd = "idle";
	if (!strcmp(cmd, "tsc")) {
		printf("tsc=%llu\n", (unsigned long long)tsc());
		return 0;
	}
	if (strcmp(cmd, "stats") && strcmp(cmd, "log") && strcmp(cmd, "footprint") &&
	    strcmp(cmd, "idle"))
		return usage();
	if (!pillbox_present()) {
		printf("%s error not running under Pillbox: CPUID leaf 0x40000000 has no "
		       "'PillboxVMM' signature\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "idle"))
		return idle(argv[2]);
	if (!strcmp(cmd, "stats"))
		st = report_stats(print_line, &stats);
	else if (!strcmp(cmd, "log"))
		st = report_log(print_line, log_buf, sizeof(log_buf));
	else
		st = report_footprint(print_line);
	fflush(stdout);
	return st == HC_OK ? 0 : 1;
}
