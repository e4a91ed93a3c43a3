/* pillbox-info: what Pillbox reports about itself, from Linux user space
 * (CPL 3). Built static on the host (tests/linux/build-initramfs.sh) with
 * guest/vmminfo/report.c and vmm/fmt.c, so the lines are the ones
 * guest/vmminfo.efi prints (format in guest/vmminfo/report.h).
 *
 *   pillbox-info stats       exit statistics of every CPU
 *   pillbox-info log         the VMM's log ring
 *   pillbox-info footprint   bytes reserved, EPT tables, bytes per CPU
 *   pillbox-info tsc         "tsc=N": this CPU's time-stamp counter (no
 *                            hypervisor needed; in Bochs, emulated ticks
 *                            since power-on)
 *
 * The first three are hypercalls, which Pillbox answers from user mode
 * only when its configuration has "user_hypercalls = read"; otherwise the
 * output is "<what> error HC_EPERM (-2): ..." naming that setting.
 * Exit status: 0 done, 1 the VMM refused or failed, 2 not running under
 * Pillbox (VMCALL would be #UD: it is not executed), 64 usage. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "guest/vmminfo/report.h"
#include "guest/vmminfo/vmm_query.h"

static struct hc_exit_stats stats;
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
	fprintf(stderr, "usage: pillbox-info stats|log|footprint|tsc\n");
	return 64;
}

int main(int argc, char **argv)
{
	const char *cmd = argc == 2 ? argv[1] : "";
	long long st;

	if (!strcmp(cmd, "tsc")) {
		printf("tsc=%llu\n", (unsigned long long)tsc());
		return 0;
	}
	if (strcmp(cmd, "stats") && strcmp(cmd, "log") && strcmp(cmd, "footprint"))
		return usage();
	if (!pillbox_present()) {
		printf("%s error not running under Pillbox: CPUID leaf 0x40000000 has no "
		       "'PillboxVMM' signature\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "stats"))
		st = report_stats(print_line, &stats);
	else if (!strcmp(cmd, "log"))
		st = report_log(print_line, log_buf, sizeof(log_buf));
	else
		st = report_footprint(print_line);
	fflush(stdout);
	return st == HC_OK ? 0 : 1;
}
