/* PASS/FAIL bookkeeping for the guest test programs: one log line per
 * check ("PASS name" or "FAIL name: why", at the program's log stage, or
 * "SKIP name: why" for a check the CPU gives nothing to test with), the
 * plan of checks first, and the closing "summary: pass=N fail=M" (" skip=K" added when K > 0) and
 * "<stage> done" lines that the boot tests wait for. */
#ifndef PILLBOX_GUEST_CHECK_H
#define PILLBOX_GUEST_CHECK_H

#include <stdbool.h>
#include "lib/lib.h"

/* A program's plan: every check it makes, by name, in one list, logged at
 * the start ("plan: N checks", then the names, several to a line) so that
 * the boot tests take the names from the program's own output. A name
 * ending in '*' stands for any number, none included, of checks whose
 * names start so (one per application processor, or one only some CPUs
 * need). check_end() fails each plain name that was not reported ("FAIL
 * name: did not run"), and result() a PASS or SKIP of a name the plan
 * does not have ("not in the plan"). */
void check_begin(const char *stage, const char *const *plan, unsigned count);
#define CHECK_PLAN(names) (names), (unsigned)ARRAY_SIZE(names)
/* Every plain check of the plan not reported yet: "SKIP name: why". */
void skip_rest(const char *why);
void result(const char *name, bool ok, const char *why);
/* A check not made: "SKIP name: why" (why names the CPU's lack). */
void skipped(const char *name, const char *why);
/* Logs the summary and the final marker; returns the number of failures. */
unsigned check_end(void);

#endif
