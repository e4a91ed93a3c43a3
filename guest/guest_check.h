/* PASS/FAIL bookkeeping for the guest test programs: one log line per
 * check ("PASS name" or "FAIL name: why", at the program's log stage, or
 * "SKIP name: why" for a check the CPU gives nothing to test with), and
 * the closing "summary: pass=N fail=M" (" skip=K" added when K > 0) and
 * "<stage> done" lines that the boot tests wait for. */
#ifndef PILLBOX_GUEST_CHECK_H
#define PILLBOX_GUEST_CHECK_H

#include <stdbool.h>

void check_begin(const char *stage);
void result(const char *name, bool ok, const char *why);
/* A check not made: "SKIP name: why" (why names the CPU's lack). */
void skipped(const char *name, const char *why);
/* Logs the summary and the final marker; returns the number of failures. */
unsigned check_end(void);

#endif
