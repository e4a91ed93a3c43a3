#include "guest/guest_check.h"
#include "vmm/log/log.h"

static const char *check_stage = "guest";
static unsigned passed, failed, skips;

void check_begin(const char *stage)
{
	check_stage = stage;
	passed = failed = skips = 0;
}

void result(const char *name, bool ok, const char *why)
{
	if (ok) {
		passed++;
		log_info(check_stage, "PASS %s", name);
	} else {
		failed++;
		log_err(check_stage, "FAIL %s: %s", name, why);
	}
}

void skipped(const char *name, const char *why)
{
	skips++;
	log_info(check_stage, "SKIP %s: %s", name, why);
}

unsigned check_end(void)
{
	if (skips)
		log_info(check_stage, "summary: pass=%u fail=%u skip=%u", passed, failed, skips);
	else
		log_info(check_stage, "summary: pass=%u fail=%u", passed, failed);
	log_info(check_stage, "%s done", check_stage);
	return failed;
}
