/* Text report of the VMM's footprint, exit statistics and log ring (the
 * formats are in guest/vmminfo/report.h). Runs in the EFI program and in
 * Linux user space: no library call beyond memset and fmt_snprintf.
 * Every buffer handed to the VMM is written first, so that its pages are
 * present and writable in the caller's page tables (a Linux process's
 * untouched .bss is not), which HC_EXIT_STATS and HC_LOG_READ require. */
#include <stdint.h>
#include "guest/exit_names.h"
#include "guest/vmminfo/report.h"
#include "guest/vmminfo/vmm_query.h"
#include "lib/fmt.h"
#include "lib/lib.h"

#define REPORT_LINE_MAX 256u
#define PAGE_BYTES 4096u
/* HC_LOG_READ calls per report: the ring is at most a few of
 * HC_LOG_READ_MAX; the bound only stops a log that grows as fast as it is
 * read. */
#define LOG_READS_MAX 64u

const char *hc_status_name(long long status)
{
	switch (status) {
	case HC_OK:
		return "HC_OK";
	case HC_ENOSYS:
		return "HC_ENOSYS";
	case HC_EPERM:
		return "HC_EPERM";
	case HC_EINVAL:
		return "HC_EINVAL";
	case HC_EFAULT:
		return "HC_EFAULT";
	default:
		return "unknown status";
	}
}

static const char *hc_status_why(long long status)
{
	switch (status) {
	case HC_ENOSYS:
		return "this Pillbox does not implement the call (older VMM)";
	case HC_EPERM:
		return "refused from user mode: the loader configuration needs "
		       "'user_hypercalls = read' (\\EFI\\BOOT\\pillbox.cfg, docs/config.md)";
	case HC_EINVAL:
		return "the VMM rejected an argument";
	case HC_EFAULT:
		return "the VMM could not write the buffer";
	default:
		return "unexpected status";
	}
}

static void emit(report_line_fn out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(report_line_fn out, const char *fmt, ...)
{
	char line[REPORT_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	out(line);
}

long long report_error(report_line_fn out, const char *what, long long status)
{
	emit(out, "%s error %s (%lld): %s", what, hc_status_name(status), status,
	     hc_status_why(status));
	return status;
}

long long report_footprint(report_line_fn out)
{
	struct hc r = hc_call(HC_FOOTPRINT, 0, 0, 0);

	if ((long long)r.rax != HC_OK)
		return report_error(out, "footprint", (long long)r.rax);
	emit(out, "footprint reserved_bytes=%llu ept_bytes=%llu ept_pages=%llu per_cpu_bytes=%llu",
	     (unsigned long long)r.rbx, (unsigned long long)r.rcx,
	     (unsigned long long)(r.rcx / PAGE_BYTES), (unsigned long long)r.rdx);
	return HC_OK;
}

/* A record the VMM wrote must say what it is; anything else is reported,
 * not printed as figures. */
static bool stats_record_ok(report_line_fn out, const struct hc_exit_stats *s, unsigned cpu)
{
	if (s->version == HC_STATS_VERSION && s->size == sizeof(*s) &&
	    s->reasons == HC_STATS_REASONS && s->cpu_index == cpu)
		return true;
	emit(out, "stats error bad record for cpu %u: version %u size %u reasons %u cpu_index %u "
		  "(expected %u, %u, %u, %u)",
	     cpu, s->version, s->size, s->reasons, s->cpu_index, HC_STATS_VERSION,
	     (unsigned)sizeof(*s), HC_STATS_REASONS, cpu);
	return false;
}

void report_stats_record(report_line_fn out, const struct hc_exit_stats *s)
{
	emit(out, "stats cpu=%u apic=%u exits=%llu vmm_cycles=%llu", s->cpu_index, s->apic_id,
	     s->total, s->total_cycles);
	for (unsigned reason = 0; reason < HC_STATS_REASONS; reason++) {
		if (!s->count[reason])
			continue;
		emit(out, "stats cpu=%u reason=%u name=%s count=%llu cycles=%llu mean=%llu",
		     s->cpu_index, reason, exit_reason_name(reason), s->count[reason],
		     s->cycles[reason], s->cycles[reason] / s->count[reason]);
	}
}

long long report_stats(report_line_fn out, struct hc_exit_stats *stats)
{
	uint64_t cpus = 1;

	for (uint64_t cpu = 0; cpu < cpus; cpu++) {
		struct hc r;

		memset(stats, 0, sizeof(*stats));
		r = hc_call(HC_EXIT_STATS, cpu, (uint64_t)(uintptr_t)stats, sizeof(*stats));
		if ((long long)r.rax != HC_OK)
			return report_error(out, "stats", (long long)r.rax);
		if (cpu == 0) {
			cpus = r.rbx;
			emit(out, "stats cpus=%llu", (unsigned long long)cpus);
		}
		if (!stats_record_ok(out, stats, (unsigned)cpu))
			return HC_EINVAL;
		report_stats_record(out, stats);
	}
	return HC_OK;
}

/* Splits the log text into lines; a line cut between two reads continues
 * in `line` (the part beyond REPORT_LINE_MAX is dropped). */
struct line_splitter {
	char line[REPORT_LINE_MAX];
	size_t len;
};

static void splitter_flush(report_line_fn out, struct line_splitter *sp)
{
	if (!sp->len)
		return;
	sp->line[sp->len] = '\0';
	emit(out, "log %s", sp->line);
	sp->len = 0;
}

static void splitter_feed(report_line_fn out, struct line_splitter *sp, const char *text,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n')
			splitter_flush(out, sp);
		else if (text[i] != '\r' && text[i] != '\0' && sp->len + 1 < sizeof(sp->line))
			sp->line[sp->len++] = text[i];
	}
}

long long report_log(report_line_fn out, char *buf, size_t size)
{
	struct line_splitter sp = { .len = 0 };
	uint64_t cursor = 0, total = 0;
	size_t chunk = size < HC_LOG_READ_MAX ? size : HC_LOG_READ_MAX;

	for (unsigned reads = 0; reads < LOG_READS_MAX; reads++) {
		struct hc r;

		memset(buf, 0, chunk);
		r = hc_call(HC_LOG_READ, (uint64_t)(uintptr_t)buf, chunk, cursor);
		if ((long long)r.rax != HC_OK) {
			splitter_flush(out, &sp);
			return report_error(out, "log", (long long)r.rax);
		}
		if (r.rdx > cursor)
			emit(out, "log lost_bytes=%llu", (unsigned long long)(r.rdx - cursor));
		if (r.rbx > chunk) {
			emit(out, "log error the VMM reports %llu bytes copied into %llu",
			     (unsigned long long)r.rbx, (unsigned long long)chunk);
			return HC_EINVAL;
		}
		if (!r.rbx || r.rcx <= cursor)
			break;
		splitter_feed(out, &sp, buf, r.rbx);
		total += r.rbx;
		cursor = r.rcx;
	}
	splitter_flush(out, &sp);
	emit(out, "log end bytes=%llu cursor=%llu", (unsigned long long)total,
	     (unsigned long long)cursor);
	return HC_OK;
}
