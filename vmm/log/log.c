#include <stdarg.h>
#include <stdint.h>
#include "vmm/log/log.h"
#include "lib/fmt.h"
#include "vmm/spinlock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"

#define LOG_MAX_SINKS 2u
#define LOG_LOCK_SPINS 10000000u

static enum log_level log_max = LOG_INFO;
static log_sink_fn log_sinks[LOG_MAX_SINKS];
static int log_lock_word;

static const char *const level_tag[] = {
	[LOG_ERROR] = "ERROR",
	[LOG_WARN] = "WARN",
	[LOG_INFO] = "INFO",
	[LOG_DEBUG] = "DEBUG",
};

void log_init(enum log_level max_level)
{
	log_max = max_level;
	serial_init();
}

void log_set_level(enum log_level max_level)
{
	log_max = max_level;
}

int log_add_sink(log_sink_fn sink)
{
	for (unsigned i = 0; i < LOG_MAX_SINKS; i++) {
		if (!log_sinks[i]) {
			log_sinks[i] = sink;
			return 0;
		}
	}
	return -1;
}

void log_msg(enum log_level level, const char *stage, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int len;

	if (level > log_max)
		return;
	len = fmt_snprintf(line, sizeof(line), "[%s cpu%u %s] ",
			   level <= LOG_DEBUG ? level_tag[level] : "?", cpu_apic_id(), stage);
	if (len < 0 || (size_t)len >= sizeof(line) - 2)
		len = 0;
	va_start(ap, fmt);
	len += fmt_vsnprintf(line + len, sizeof(line) - 1 - (size_t)len, fmt, ap);
	va_end(ap);
	if ((size_t)len > sizeof(line) - 2)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	line[len] = '\0';

	int held = spin_lock_bounded(&log_lock_word, LOG_LOCK_SPINS); /* else unlocked */

	serial_write(line, (size_t)len);
	for (unsigned i = 0; i < LOG_MAX_SINKS; i++)
		if (log_sinks[i])
			log_sinks[i](line, (size_t)len);
	spin_unlock(&log_lock_word, held);
}
