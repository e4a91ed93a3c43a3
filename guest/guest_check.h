/* PASS/FAIL bookkeeping for the guest test programs: one log line per
 * check ("PASS name" or "FAIL name: why", at the program's log stage), and
 * the closing "summary: pass=N fail=M" and "<stage> done" lines that the
 * boot tests wait for. */
#ifndef PILLBOX_GUEST_CHECK_H
#define PILLBOX_GUEST_CHECK_H

#include <stdbool.h>

void check_begin(const char *stage);
void result(const char *name, bool ok, const char *why);
/* Logs the summary and the final marker; returns the number of failures. */
unsigned check_end(void);

#endif
