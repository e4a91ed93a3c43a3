/* Leveled log, one line per call: "[LEVEL cpuN stage] message". Every line
 * goes to COM1; the loader adds the UEFI console as a second sink. Lines
 * from several CPUs do not interleave (a spinlock, bounded: a CPU that
 * cannot get it in time writes anyway rather than hang). */
#ifndef PILLBOX_VMM_LOG_H
#define PILLBOX_VMM_LOG_H

#include <stddef.h>
#include "vmm/log/log_level.h"

#define LOG_LINE_MAX 256u

typedef void (*log_sink_fn)(const char *line, size_t len);

void log_init(enum log_level max_level);
/* Changes the level only (log_init also resets the UART, which drops the
 * bytes still in its FIFO: the firmware's copy of the previous line). */
void log_set_level(enum log_level max_level);
/* Adds a sink after the serial port; returns 0, or -1 if full. */
int log_add_sink(log_sink_fn sink);
void log_msg(enum log_level level, const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(stage, ...)   log_msg(LOG_ERROR, stage, __VA_ARGS__)
#define log_warn(stage, ...)  log_msg(LOG_WARN, stage, __VA_ARGS__)
#define log_info(stage, ...)  log_msg(LOG_INFO, stage, __VA_ARGS__)
#define log_debug(stage, ...) log_msg(LOG_DEBUG, stage, __VA_ARGS__)

#endif
