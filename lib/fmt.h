/* A small vsnprintf: %s %c %d %i %u %x %X %p %%, with the l/ll/z length
 * modifiers, a '0' flag, a '-' flag, a field width, and "%.*s" (at most
 * that many bytes of the string, which need not be NUL terminated within
 * them). Always terminates
 * the buffer (when n > 0); returns the length the whole output has (as
 * snprintf does), which may exceed n - 1 when it was cut. */
#ifndef PILLBOX_LIB_FMT_H
#define PILLBOX_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
