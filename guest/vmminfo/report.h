/* The VMM's footprint, exit statistics and log ring as text lines, one
 * format for guest/vmminfo.efi and the Linux program tests/linux/
 * pillbox-info (which both link guest/vmminfo/report.c and lib/fmt.c).
 * Each function makes the hypercalls (guest/vmminfo/vmm_query.h), hands
 * every line to `out` (without a newline) and returns the hypercall status:
 * HC_OK, or the first error, after one "<what> error ..." line saying why.
 *
 * Lines (tests/boot/test-bochs-tools.sh, tests/boot/test-bochs-linux.sh and
 * tests/bench/bench.sh parse them; keep them stable):
 *   footprint reserved_bytes=N ept_bytes=N ept_pages=N per_cpu_bytes=N
 *   stats cpus=N
 *   stats cpu=I apic=A exits=N vmm_cycles=N
 *   stats cpu=I reason=R name=NAME count=N cycles=N mean=N
 *     (one per reason with a non-zero count; mean = cycles / count, TSC
 *     cycles the VMM spent per exit; NAME from guest/exit_names.h)
 *   log lost_bytes=N          (only when the ring dropped text)
 *   log <one line of the VMM's log>
 *   log end bytes=N cursor=N
 *   <what> error <HC_NAME> (<status>): <why> */
#ifndef PILLBOX_GUEST_VMMINFO_REPORT_H
#define PILLBOX_GUEST_VMMINFO_REPORT_H

#include <stddef.h>
#include "vmm/exit/hypercall.h"

typedef void (*report_line_fn)(const char *line);

/* "HC_EPERM" etc. for a hypercall status. */
const char *hc_status_name(long long status);
/* The "<what> error ..." line for a failed hypercall; returns status. */
long long report_error(report_line_fn out, const char *what, long long status);

long long report_footprint(report_line_fn out);
/* `stats` is the caller's buffer for one CPU's record. */
long long report_stats(report_line_fn out, struct hc_exit_stats *stats);
/* The "stats cpu=..." lines of one record (which the caller checked). */
void report_stats_record(report_line_fn out, const struct hc_exit_stats *stats);
/* `buf` of `size` bytes receives the log text, in pieces of at most
 * HC_LOG_READ_MAX bytes. */
long long report_log(report_line_fn out, char *buf, size_t size);

#endif
