/* pillbox.cfg parser (format: boot/config.h, docs/config.md). Never reads
 * text past len and never writes past a buffer: each line is examined in
 * place and a value is copied only after its length has been checked. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "boot/config.h"
#include "lib/lib.h"

#define BOM_LEN         3u
#define LINE_BYTES_MAX  (CONFIG_LINE_MAX - 1)  /* CR and LF not counted */
#define MSG_MAX         160u
#define QUOTE_MAX       40u   /* user text quoted in a message, then "..." */
#define ASCII_DEL       0x7Fu
#define ASCII_SPACE     0x20u
#define DECIMAL_BASE    10u
#define HEX_DIGITS      "0123456789abcdef"
#define NIBBLE_BITS     4u
#define NIBBLE_MASK     0xFu
#define UINT_DIGITS_MAX 20u

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

/* A diagnostic being built; always NUL terminated, silently truncated. */
struct msg {
	char buf[MSG_MAX];
	size_t n;
};

static void msg_add(struct msg *m, const char *s, size_t n)
{
	size_t room = MSG_MAX - 1 - m->n;

	if (n > room)
		n = room;
	memcpy(m->buf + m->n, s, n);
	m->n += n;
	m->buf[m->n] = '\0';
}

static void msg_str(struct msg *m, const char *s)
{
	msg_add(m, s, strlen(s));
}

/* 'text', cut to QUOTE_MAX bytes with "..." after. */
static void msg_quote(struct msg *m, struct span s)
{
	msg_str(m, "'");
	if (s.n > QUOTE_MAX) {
		msg_add(m, s.p, QUOTE_MAX);
		msg_str(m, "...");
	} else {
		msg_add(m, s.p, s.n);
	}
	msg_str(m, "'");
}

static void msg_uint(struct msg *m, size_t v)
{
	char digits[UINT_DIGITS_MAX];
	size_t i = UINT_DIGITS_MAX;

	do {
		digits[--i] = (char)('0' + v % DECIMAL_BASE);
		v /= DECIMAL_BASE;
	} while (v && i);
	msg_add(m, digits + i, UINT_DIGITS_MAX - i);
}

static void msg_hex_byte(struct msg *m, unsigned char c)
{
	char hex[4] = { '0', 'x', HEX_DIGITS[c >> NIBBLE_BITS],
			HEX_DIGITS[c & NIBBLE_MASK] };

	msg_add(m, hex, sizeof(hex));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_control(unsigned char c)
{
	return (c < ASCII_SPACE && c != '\t') || c == ASCII_DEL;
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
	size_t i;

	if (line.n > LINE_BYTES_MAX) {
		msg_str(m, "line too long (max ");
		msg_uint(m, LINE_BYTES_MAX);
		msg_str(m, " bytes)");
		return false;
	}
	for (i = 0; i < line.n; i++) {
		unsigned char c = (unsigned char)line.p[i];

		if (c == '\0') {
			msg_str(m, "NUL byte at column ");
		} else if (is_control(c)) {
			msg_str(m, "control character ");
			msg_hex_byte(m, c);
			msg_str(m, " at column ");
		} else {
			continue;
		}
		msg_uint(m, i + 1);
		return false;
	}
	return true;
}

static bool value_fits(const char *key, struct span v, size_t size,
		       struct msg *m)
{
	if (v.n < size)
		return true;
	msg_str(m, "value too long for '");
	msg_str(m, key);
	msg_str(m, "' (max ");
	msg_uint(m, size - 1);
	msg_str(m, ")");
	return false;
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
	if (v.n && v.p[0] != '\\') {
		msg_str(m, "image must start with '\\'");
		return false;
	}
	if (span_find(v, '/') < v.n) {
		msg_str(m, "image must not contain '/' (use '\\')");
		return false;
	}
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
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (span_eq(v, level_names[i]) ||
		    (v.n == 1 && v.p[0] == (char)('0' + i))) {
			cfg->log_level = (enum log_level)i;
			return true;
		}
	}
	msg_str(m, "bad log_level ");
	msg_quote(m, v);
	msg_str(m, " (use error|warn|info|debug or 0-3)");
	return false;
}

/* test_fail_cpu = <APIC id 0-255> | none */
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
	msg_str(m, "bad test_fail_cpu ");
	msg_quote(m, v);
	msg_str(m, " (use an APIC id 0-255 or none)");
	return false;
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
	msg_str(m, "bad user_hypercalls ");
	msg_quote(m, v);
	msg_str(m, " (use none or read)");
	return false;
}

/* One line without its line ending. Returns false, with the reason in m,
 * when it is malformed. */
static bool parse_line(struct boot_config *cfg, struct span line,
		       struct msg *m)
{
	struct span key, val;
	size_t eq;

	if (!check_raw(line, m))
		return false;
	line.n = span_find(line, '#');
	line = trim(line);
	if (line.n == 0)
		return true;

	eq = span_find(line, '=');
	if (eq == line.n) {
		msg_str(m, "missing '='");
		return false;
	}
	key = trim((struct span){ line.p, eq });
	val = trim((struct span){ line.p + eq + 1, line.n - eq - 1 });

	if (key.n == 0) {
		msg_str(m, "empty key");
		return false;
	}
	if (span_eq(key, "image"))
		return set_image(cfg, val, m);
	if (span_eq(key, "args"))
		return set_args(cfg, val, m);
	if (span_eq(key, "log_level"))
		return set_log_level(cfg, val, m);
	if (span_eq(key, "test_fail_cpu"))
		return set_test_fail_cpu(cfg, val, m);
	if (span_eq(key, "user_hypercalls"))
		return set_user_hypercalls(cfg, val, m);
	msg_str(m, "unknown key ");
	msg_quote(m, key);
	return false;
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
		m.n = 0;
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
