/* libFuzzer harness for config_parse() (boot/config.c): any bytes as a
 * pillbox.cfg. Invariants (docs/fuzzing.md): no sanitizer report; image
 * and args NUL terminated within their arrays, image empty or starting
 * with '\' and free of '/' and control characters; log_level and
 * test_fail_cpu in range; one diagnostic per malformed line, in line
 * order, each NUL terminated, and no more malformed lines than lines;
 * the same result on a second parse. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/config.h"
#include "tests/fuzz/fuzz_abort.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSG_LEN_MAX 160u

struct diags {
	unsigned count, last_line;
	uint64_t hash;           /* of line numbers and messages, FNV-1a */
	unsigned lines;          /* lines in the input */
};

static __attribute__((noreturn, format(printf, 1, 2))) void bug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fuzz_vabort(fmt, ap);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void diag(void *ctx, unsigned line, const char *msg)
{
	struct diags *d = ctx;
	size_t n = strnlen(msg, MSG_LEN_MAX);

	if (n == MSG_LEN_MAX)
		bug("diagnostic for line %u not NUL terminated within %u bytes", line, MSG_LEN_MAX);
	if (n == 0)
		bug("empty diagnostic for line %u", line);
	if (line <= d->last_line || line > d->lines)
		bug("diagnostic for line %u after line %u (input has %u lines)", line,
		    d->last_line, d->lines);
	d->last_line = line;
	d->count++;
	d->hash = fnv(fnv(d->hash, &line, sizeof(line)), msg, n);
}

/* Lines as config_parse() splits them: at LF, after a UTF-8 BOM; a last
 * line without LF counts. */
static unsigned count_lines(const uint8_t *data, size_t size)
{
	unsigned lines = 0;
	size_t start = size >= 3 && !memcmp(data, "\xef\xbb\xbf", 3) ? 3 : 0;

	for (size_t i = start; i < size; i++)
		if (data[i] == '\n')
			lines++;
	if (size > start && data[size - 1] != '\n')
		lines++;
	return lines;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

static void check_config(const struct boot_config *c)
{
	if (!memchr(c->image, '\0', sizeof(c->image)))
		bug("image not NUL terminated within %zu bytes", sizeof(c->image));
	if (!memchr(c->args, '\0', sizeof(c->args)))
		bug("args not NUL terminated within %zu bytes", sizeof(c->args));
	if (c->image[0] && c->image[0] != '\\')
		bug("image '%s' does not start with '\\'", c->image);
	if (strchr(c->image, '/') || has_control(c->image))
		bug("image '%s' holds '/' or a control character", c->image);
	if (has_control(c->args))
		bug("args hold a control character");
	if ((unsigned)c->log_level > LOG_DEBUG)
		bug("log_level %u out of range", (unsigned)c->log_level);
	if (c->test_fail_cpu != CONFIG_TEST_FAIL_NONE &&
	    (c->test_fail_cpu < 0 || c->test_fail_cpu > CONFIG_TEST_FAIL_MAX))
		bug("test_fail_cpu %d out of range", c->test_fail_cpu);
}

static unsigned parse(const uint8_t *data, size_t size, struct boot_config *c,
		      struct diags *d)
{
	/* A copy of exactly size bytes: ASan sees any read past the end. */
	char *text = malloc(size ? size : 1);
	unsigned bad;

	if (!text)
		abort();
	memcpy(text, data, size);
	memset(d, 0, sizeof(*d));
	d->lines = count_lines(data, size);
	config_defaults(c);
	bad = config_parse(c, text, size, diag, d);
	free(text);
	return bad;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_config a, b;
	struct diags da, db;
	unsigned bad_a = parse(data, size, &a, &da), bad_b = parse(data, size, &b, &db);

	check_config(&a);
	if (bad_a != da.count)
		bug("config_parse returned %u malformed lines but reported %u", bad_a, da.count);
	if (bad_a > da.lines)
		bug("%u malformed lines in an input of %u lines", bad_a, da.lines);
	if (bad_a != bad_b || da.hash != db.hash || memcmp(&a, &b, sizeof(a)))
		bug("a second parse of the same input gave a different result");
	return 0;
}
