/* The last words of a harness on a broken invariant: one line that
 * tests/fuzz/test-fuzz.sh quotes, then abort() so that libFuzzer saves
 * the input. */
#ifndef PILLBOX_TESTS_FUZZ_FUZZ_ABORT_H
#define PILLBOX_TESTS_FUZZ_FUZZ_ABORT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static inline __attribute__((noreturn, format(printf, 1, 0))) void
fuzz_vabort(const char *fmt, va_list ap)
{
	fprintf(stderr, "==== INVARIANT BROKEN: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	abort();
}

#endif
