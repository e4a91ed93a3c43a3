#include "guest/guest_check.h"
#include "lib/lib.h"
#include "vmm/log/log.h"

#define PLAN_MAX 256u
/* Names per "plan:" line: well inside LOG_LINE_MAX. */
#define PLAN_LINE_CHARS 160u

static const char *check_stage = "guest";
static unsigned passed, failed, skips;
static const char *const *plan;
static unsigned plan_count;
static bool reported[PLAN_MAX];

static bool is_prefix_entry(const char *entry)
{
	size_t n = strlen(entry);

	return n && entry[n - 1] == '*';
}

/* The plan entry `name` falls under, or -1. */
static int plan_index(const char *name)
{
	size_t len = strlen(name);

	for (unsigned i = 0; i < plan_count; i++) {
		size_t n = strlen(plan[i]);

		if (is_prefix_entry(plan[i]) ? len >= n - 1 && !memcmp(plan[i], name, n - 1)
					     : len == n && !memcmp(plan[i], name, n))
			return (int)i;
	}
	return -1;
}

void check_begin(const char *stage, const char *const *names, unsigned count)
{
	char line[PLAN_LINE_CHARS + 64];
	size_t len = 0;

	check_stage = stage;
	passed = failed = skips = 0;
	plan = names;
	plan_count = count;
	memset(reported, 0, sizeof(reported));
	if (count > PLAN_MAX) {
		failed++;
		log_err(check_stage, "FAIL plan: %u checks, more than %u", count, PLAN_MAX);
		plan_count = PLAN_MAX;
	}
	log_info(check_stage, "plan: %u checks", plan_count);
	for (unsigned i = 0; i < plan_count; i++) {
		size_t n = strlen(plan[i]);

		if (len && len + 1 + n > PLAN_LINE_CHARS) {
			line[len] = '\0';
			log_info(check_stage, "plan: %s", line);
			len = 0;
		}
		if (n > PLAN_LINE_CHARS)
			n = PLAN_LINE_CHARS;
		if (len)
			line[len++] = ' ';
		memcpy(line + len, plan[i], n);
		len += n;
	}
	if (len) {
		line[len] = '\0';
		log_info(check_stage, "plan: %s", line);
	}
}

/* A PASS or SKIP must be of a planned check; a FAIL is one anyway. */
static bool planned(const char *name)
{
	int i = plan_index(name);

	if (i < 0) {
		failed++;
		log_err(check_stage, "FAIL %s: not in the plan", name);
		return false;
	}
	reported[i] = true;
	return true;
}

void result(const char *name, bool ok, const char *why)
{
	int i;

	if (ok) {
		if (!planned(name))
			return;
		passed++;
		log_info(check_stage, "PASS %s", name);
	} else {
		i = plan_index(name);
		if (i >= 0)
			reported[i] = true;
		failed++;
		log_err(check_stage, "FAIL %s: %s", name, why);
	}
}

void skipped(const char *name, const char *why)
{
	if (!planned(name))
		return;
	skips++;
	log_info(check_stage, "SKIP %s: %s", name, why);
}

void skip_rest(const char *why)
{
	for (unsigned i = 0; i < plan_count; i++)
		if (!reported[i] && !is_prefix_entry(plan[i]))
			skipped(plan[i], why);
}

unsigned check_end(void)
{
	for (unsigned i = 0; i < plan_count; i++) {
		if (!reported[i] && !is_prefix_entry(plan[i])) {
			failed++;
			log_err(check_stage, "FAIL %s: did not run", plan[i]);
		}
	}
	if (skips)
		log_info(check_stage, "summary: pass=%u fail=%u skip=%u", passed, failed, skips);
	else
		log_info(check_stage, "summary: pass=%u fail=%u", passed, failed);
	log_info(check_stage, "%s done", check_stage);
	return failed;
}
