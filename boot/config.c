/* pillbox.cfg parser (format: boot/config.h, docs/config.md). Never reads
 * text past len and never writes past a buffer: each line is examined in
 * place and a value is copied only after its length has been checked. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "boot/config.h"
#include "lib/fmt.h"
#include "lib/lib.h"

#define BOM_LEN         3u
#define LINE_BYTES_MAX  (CONFIG_LINE_MAX - 1)  /* CR and LF not counted */
#define MSG_MAX         160u
#define QUOTE_MAX       40    /* user text quoted in a message, then "..." */

static const unsigned char utf8_bom[BOM_LEN] = { 0xEF, 0xBB, 0xBF };

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

/* A piece of the input: not NUL terminated. */
struct span {
	const char *p;
	size_t n;
};

/* A diagnostic: always NUL terminated, silently truncated. */
struct msg {
	char buf[MSG_MAX];
};

#define MSG(m, ...) ((void)fmt_snprintf((m)->buf, MSG_MAX, __VA_ARGS__), false)

/* "<what> 'text' <hint>", the text cut to QUOTE_MAX bytes with "..." after. */
static bool bad_value(struct msg *m, const char *what, struct span s, const char *hint)
{
	return MSG(m, "%s '%.*s%s'%s", what, s.n > QUOTE_MAX ? QUOTE_MAX : (int)s.n, s.p,
		   s.n > QUOTE_MAX ? "..." : "", hint);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_control(unsigned char c)
{
	return (c < ' ' && c != '\t') || c == 0x7F; /* DEL */
}

static struct span trim(struct span s)
{
	while (s.n && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* Index of c in s, or s.n if absent. */
static size_t span_find(struct span s, char c)
{
	size_t i;

	for (i = 0; i < s.n && s.p[i] != c; i++)
		;
	return i;
}

/* Checks the raw line: length, NUL bytes, control characters. */
static bool check_raw(struct span line, struct msg *m)
{
	if (line.n > LINE_BYTES_MAX)
		return MSG(m, "line too long (max %u bytes)", (unsigned)LINE_BYTES_MAX);
	for (size_t i = 0; i < line.n; i++) {
		unsigned char c = (unsigned char)line.p[i];

		if (c == '\0')
			return MSG(m, "NUL byte at column %zu", i + 1);
		if (is_control(c))
			return MSG(m, "control character 0x%02x at column %zu", c, i + 1);
	}
	return true;
}

static bool value_fits(const char *key, struct span v, size_t size,
		       struct msg *m)
{
	if (v.n < size)
		return true;
	return MSG(m, "value too long for '%s' (max %zu)", key, size - 1);
}

static void copy_value(char *dst, struct span v)
{
	memcpy(dst, v.p, v.n);
	dst[v.n] = '\0';
}

static bool set_image(struct boot_config *cfg, struct span v, struct msg *m)
{
	if (!value_fits("image", v, sizeof(cfg->image), m))
		return false;
	if (v.n && v.p[0] != '\\')
		return MSG(m, "image must start with '\\'");
	if (span_find(v, '/') < v.n)
		return MSG(m, "image must not contain '/' (use '\\')");
	copy_value(cfg->image, v);
	return true;
}

static bool set_args(struct boot_config *cfg, struct span v, struct msg *m)
{
	if (!value_fits("args", v, sizeof(cfg->args), m))
		return false;
	copy_value(cfg->args, v);
	return true;
}

static bool set_log_level(struct boot_config *cfg, struct span v,
			  struct msg *m)
{
	for (unsigned i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (span_eq(v, level_names[i]) ||
		    (v.n == 1 && v.p[0] == (char)('0' + i))) {
			cfg->log_level = (enum log_level)i;
			return true;
		}
	}
	return bad_value(m, "bad log_level", v, " (use error|warn|info|debug or 0-3)");
}

/* test_fail_cpu = <APIC id 0-255> | none (a test hook, below) */
static bool set_test_fail_cpu(struct boot_config *cfg, struct span v, struct msg *m)
{
	unsigned id = 0;

	if (span_eq(v, "none")) {
		cfg->test_fail_cpu = CONFIG_TEST_FAIL_NONE;
		return true;
	}
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9' || v.n > 3)
			goto bad;
		id = id * 10 + (unsigned)(v.p[i] - '0');
	}
	if (v.n == 0 || id > CONFIG_TEST_FAIL_MAX)
		goto bad;
	cfg->test_fail_cpu = (int)id;
	return true;
bad:
	return bad_value(m, "bad test_fail_cpu", v, " (use an APIC id 0-255 or none)");
}

/* user_hypercalls = none | read */
static bool set_user_hypercalls(struct boot_config *cfg, struct span v, struct msg *m)
{
	if (span_eq(v, "none")) {
		cfg->user_hypercalls = CONFIG_USER_HC_NONE;
		return true;
	}
	if (span_eq(v, "read")) {
		cfg->user_hypercalls = CONFIG_USER_HC_READ;
		return true;
	}
	return bad_value(m, "bad user_hypercalls", v, " (use none or read)");
}

struct key {
	const char *name;
	bool (*set)(struct boot_config *cfg, struct span v, struct msg *m);
};

/* The settings users write: docs/config.md's table lists exactly these
 * (the docs check, make test, compares them). */
static const struct key user_keys[] = {
	{ "image", set_image },
	{ "args", set_args },
	{ "log_level", set_log_level },
	{ "user_hypercalls", set_user_hypercalls },
};

/* Test hooks: not settings, so not in docs/config.md. The boot tests use
 * them (docs/architecture.md, "Test hooks"). */
static const struct key test_hooks[] = {
	{ "test_fail_cpu", set_test_fail_cpu },
};

static const struct key *find_key(const struct key *keys, size_t n, struct span name)
{
	for (size_t i = 0; i < n; i++)
		if (span_eq(name, keys[i].name))
			return &keys[i];
	return NULL;
}

/* One line without its line ending. Returns false, with the reason in m,
 * when it is malformed. */
static bool parse_line(struct boot_config *cfg, struct span line,
		       struct msg *m)
{
	const struct key *k;
	struct span key, val;
	size_t eq;

	if (!check_raw(line, m))
		return false;
	line.n = span_find(line, '#');
	line = trim(line);
	if (line.n == 0)
		return true;

	eq = span_find(line, '=');
	if (eq == line.n)
		return MSG(m, "missing '='");
	key = trim((struct span){ line.p, eq });
	val = trim((struct span){ line.p + eq + 1, line.n - eq - 1 });

	if (key.n == 0)
		return MSG(m, "empty key");
	k = find_key(user_keys, ARRAY_SIZE(user_keys), key);
	if (!k)
		k = find_key(test_hooks, ARRAY_SIZE(test_hooks), key);
	return k ? k->set(cfg, val, m) : bad_value(m, "unknown key", key, "");
}

void config_defaults(struct boot_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->image, CONFIG_DEFAULT_IMAGE, sizeof(CONFIG_DEFAULT_IMAGE));
	cfg->log_level = CONFIG_DEFAULT_LOG_LEVEL;
	cfg->test_fail_cpu = CONFIG_TEST_FAIL_NONE;
	cfg->user_hypercalls = CONFIG_USER_HC_NONE;
}

unsigned config_parse(struct boot_config *cfg, const char *text, size_t len,
		      config_diag_fn diag, void *ctx)
{
	size_t pos = 0;
	unsigned line_no = 0, bad = 0;

	if (!cfg || !text)
		return 0;
	if (len >= BOM_LEN && memcmp(text, utf8_bom, BOM_LEN) == 0)
		pos = BOM_LEN;

	while (pos < len) {
		struct span rest = { text + pos, len - pos };
		struct span line = { rest.p, span_find(rest, '\n') };
		struct msg m;

		line_no++;
		pos += line.n < rest.n ? line.n + 1 : line.n;
		if (line.n && line.p[line.n - 1] == '\r')
			line.n--;
		m.buf[0] = '\0';
		if (parse_line(cfg, line, &m))
			continue;
		bad++;
		if (diag)
			diag(ctx, line_no, m.buf);
	}
	return bad;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level < ARRAY_SIZE(level_names))
		return level_names[level];
	return "unknown";
}
