/* Unit tests for boot/config.c. Every parse runs over a heap copy of
 * exactly len bytes (no NUL after it), so AddressSanitizer catches any read
 * past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/config.h"

#define LOG_MAX 64
#define MSG_BYTES 256

struct diag_log {
	unsigned n;
	unsigned line[LOG_MAX];
	char msg[LOG_MAX][MSG_BYTES];
};

static void diag_cb(void *ctx, unsigned line, const char *msg)
{
	struct diag_log *log = ctx;
	size_t len = strlen(msg);

	assert_true(len > 0 && len < MSG_BYTES);
	assert_null(strchr(msg, '\n'));
	if (log->n > 0)
		assert_true(line > log->line[(log->n - 1) % LOG_MAX]);
	log->line[log->n % LOG_MAX] = line;
	memcpy(log->msg[log->n % LOG_MAX], msg, len + 1);
	log->n++;
}

static unsigned parse(struct boot_config *cfg, const char *text, size_t len,
		      struct diag_log *log)
{
	char *buf = malloc(len ? len : 1);
	unsigned bad;

	assert_non_null(buf);
	memcpy(buf, text, len);
	memset(log, 0, sizeof(*log));
	bad = config_parse(cfg, buf, len, diag_cb, log);
	free(buf);
	assert_int_equal(bad, log->n);
	return bad;
}

#define PARSE(cfg, lit, log) parse((cfg), (lit), sizeof(lit) - 1, (log))

static void expect_diag(const struct diag_log *log, unsigned i,
			unsigned line, const char *msg)
{
	assert_true(i < log->n);
	assert_int_equal(log->line[i], line);
	assert_string_equal(log->msg[i], msg);
}

static void expect_defaults(const struct boot_config *cfg)
{
	assert_string_equal(cfg->image, CONFIG_DEFAULT_IMAGE);
	assert_string_equal(cfg->args, "");
	assert_int_equal(cfg->log_level, CONFIG_DEFAULT_LOG_LEVEL);
	assert_int_equal(cfg->test_fail_cpu, CONFIG_TEST_FAIL_NONE);
}

static void test_defaults(void **state)
{
	struct boot_config cfg;

	(void)state;
	memset(&cfg, 0x5A, sizeof(cfg));
	config_defaults(&cfg);
	expect_defaults(&cfg);
	assert_string_equal(cfg.image, "\\EFI\\BOOT\\next.efi");
	assert_int_equal(cfg.log_level, LOG_INFO);
}

static void test_log_level_name(void **state)
{
	(void)state;
	assert_string_equal(log_level_name(LOG_ERROR), "error");
	assert_string_equal(log_level_name(LOG_WARN), "warn");
	assert_string_equal(log_level_name(LOG_INFO), "info");
	assert_string_equal(log_level_name(LOG_DEBUG), "debug");
	assert_string_equal(log_level_name((enum log_level)4), "unknown");
	assert_string_equal(log_level_name((enum log_level)-1), "unknown");
}

static void test_every_key(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg,
			       "image = \\EFI\\debian\\grubx64.efi\n"
			       "args = root=/dev/sda1 quiet  console=ttyS0\n"
			       "log_level = debug\n", &log), 0);
	assert_string_equal(cfg.image, "\\EFI\\debian\\grubx64.efi");
	assert_string_equal(cfg.args, "root=/dev/sda1 quiet  console=ttyS0");
	assert_int_equal(cfg.log_level, LOG_DEBUG);
}

static void test_empty_input(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(parse(&cfg, "", 0, &log), 0);
	assert_int_equal(PARSE(&cfg, "\n\n\r\n   \n\t\n# only comments\n",
			       &log), 0);
	expect_defaults(&cfg);
	assert_int_equal(config_parse(&cfg, NULL, 10, NULL, NULL), 0);
	assert_int_equal(config_parse(NULL, "x", 1, NULL, NULL), 0);
	expect_defaults(&cfg);
}

static void test_log_levels(void **state)
{
	static const struct {
		const char *text;
		enum log_level level;
	} ok[] = {
		{ "log_level=error", LOG_ERROR },
		{ "log_level=warn", LOG_WARN },
		{ "log_level=info", LOG_INFO },
		{ "log_level=debug", LOG_DEBUG },
		{ "log_level=0", LOG_ERROR },     { "log_level=1", LOG_WARN },
		{ "log_level=2", LOG_INFO },      { "log_level=3", LOG_DEBUG },
		{ "log_level =\t 3 \t", LOG_DEBUG },
	};
	static const char *const bad[] = {
		"log_level=loud", "log_level=4", "log_level=", "log_level=INFO",
		"log_level=01", "log_level=-1", "log_level=info debug",
		"log_level=3x", "log_level=e",
	};
	struct boot_config cfg;
	struct diag_log log;
	char expect[128];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		config_defaults(&cfg);
		cfg.log_level = ok[i].level == LOG_WARN ? LOG_DEBUG : LOG_WARN;
		assert_int_equal(parse(&cfg, ok[i].text, strlen(ok[i].text),
				       &log), 0);
		assert_int_equal(cfg.log_level, ok[i].level);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_defaults(&cfg);
		cfg.log_level = LOG_WARN;
		assert_int_equal(parse(&cfg, bad[i], strlen(bad[i]), &log), 1);
		snprintf(expect, sizeof(expect), "bad log_level '%s' %s",
			 strchr(bad[i], '=') + 1,
			 "(use error|warn|info|debug or 0-3)");
		expect_diag(&log, 0, 1, expect);
		assert_int_equal(cfg.log_level, LOG_WARN);
	}
}

static void test_crlf(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg,
			       "# pillbox\r\n"
			       "image = \\EFI\\x.efi\r\n"
			       "\r\n"
			       "args = a b\r\n"
			       "bogus\r\n"
			       "log_level = warn\r\n", &log), 1);
	assert_string_equal(cfg.image, "\\EFI\\x.efi");
	assert_string_equal(cfg.args, "a b");
	assert_int_equal(cfg.log_level, LOG_WARN);
	expect_diag(&log, 0, 5, "missing '='");
}

static void test_bom(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg, "\xEF\xBB\xBFlog_level = 0\r\nfoo\n",
			       &log), 1);
	assert_int_equal(cfg.log_level, LOG_ERROR);
	expect_diag(&log, 0, 2, "missing '='");
	/* A BOM alone, and a BOM that is not at the start. */
	assert_int_equal(PARSE(&cfg, "\xEF\xBB\xBF", &log), 0);
	assert_int_equal(PARSE(&cfg, "args = x\n\xEF\xBB\xBFlog_level = 3\n",
			       &log), 1);
	expect_diag(&log, 0, 2, "unknown key '\xEF\xBB\xBFlog_level'");
	assert_int_equal(cfg.log_level, LOG_ERROR);
	/* Half a BOM is just bytes. */
	assert_int_equal(PARSE(&cfg, "\xEF\xBB", &log), 1);
	expect_diag(&log, 0, 1, "missing '='");
}

static void test_comments_and_whitespace(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg,
			       "  # indented comment = with equals\n"
			       "#image = \\commented\\out.efi\n"
			       "\timage\t=\t\\EFI\\a b.efi  # trailing\n"
			       "args=  x  y  #z\n"
			       "log_level=1#c\n"
			       "    \t   \n", &log), 0);
	assert_string_equal(cfg.image, "\\EFI\\a b.efi");
	assert_string_equal(cfg.args, "x  y");
	assert_int_equal(cfg.log_level, LOG_WARN);
	/* '#' in a value ends it. */
	assert_int_equal(PARSE(&cfg, "args = a#b\n", &log), 0);
	assert_string_equal(cfg.args, "a");
	/* Key text is case-sensitive and exact. */
	assert_int_equal(PARSE(&cfg, "Image = \\x\nlog level = 2\nargs2 = z\n",
			       &log), 3);
	expect_diag(&log, 0, 1, "unknown key 'Image'");
	expect_diag(&log, 1, 2, "unknown key 'log level'");
	expect_diag(&log, 2, 3, "unknown key 'args2'");
}

static void test_empty_values(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg, "args = old\nimage =\nargs=   \n", &log),
			 0);
	assert_string_equal(cfg.image, "");
	assert_string_equal(cfg.args, "");
}

static void test_duplicates(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg,
			       "image = \\a.efi\n"
			       "image = \\b.efi\n"
			       "log_level = 0\n"
			       "log_level = 3\n"
			       "args = one\n"
			       "args = two\n", &log), 0);
	assert_string_equal(cfg.image, "\\b.efi");
	assert_string_equal(cfg.args, "two");
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	/* A malformed repeat keeps the earlier value. */
	assert_int_equal(PARSE(&cfg,
			       "image = \\c.efi\n"
			       "image = d.efi\n"
			       "log_level = 1\n"
			       "log_level = 9\n", &log), 2);
	assert_string_equal(cfg.image, "\\c.efi");
	assert_int_equal(cfg.log_level, LOG_WARN);
	expect_diag(&log, 0, 2, "image must start with '\\'");
	expect_diag(&log, 1, 4,
		    "bad log_level '9' (use error|warn|info|debug or 0-3)");
}

/* One file with every kind of malformed line, between good ones. */
static void test_malformed_kinds(void **state)
{
	static const char text[] =
		"# header\n"                              /* 1 */
		"image = \\ok.efi\n"                       /* 2 */
		"just some words\n"                        /* 3 */
		" = value\n"                               /* 4 */
		"foo = bar\n"                              /* 5 */
		"\n"                                       /* 6 */
		"image = EFI\\x.efi\n"                     /* 7 */
		"image = \\EFI/BOOT/x.efi\n"               /* 8 */
		"log_level = loud\n"                       /* 9 */
		"args = a\x1b[31m\n"                       /* 10 */
		"args = a\rb\n"                            /* 11 */
		"args = \x7f\n"                            /* 12 */
		"# comment with \x01 inside\n"             /* 13 */
		"args = kept\n"                            /* 14 */
		"image = \\ab\\\0c.efi\n"                  /* 15 */
		"\0\n"                                     /* 16 */
		"args\n"                                   /* 17 */
		"log_level = \v2\n"                        /* 18 */
		"==\n"                                     /* 19 */
		"args = x\r\r\n";                          /* 20 */
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg, text, &log), 16);
	expect_diag(&log, 0, 3, "missing '='");
	expect_diag(&log, 1, 4, "empty key");
	expect_diag(&log, 2, 5, "unknown key 'foo'");
	expect_diag(&log, 3, 7, "image must start with '\\'");
	expect_diag(&log, 4, 8, "image must not contain '/' (use '\\')");
	expect_diag(&log, 5, 9,
		    "bad log_level 'loud' (use error|warn|info|debug or 0-3)");
	expect_diag(&log, 6, 10, "control character 0x1b at column 9");
	expect_diag(&log, 7, 11, "control character 0x0d at column 9");
	expect_diag(&log, 8, 12, "control character 0x7f at column 8");
	expect_diag(&log, 9, 13, "control character 0x01 at column 16");
	expect_diag(&log, 10, 15, "NUL byte at column 13");
	expect_diag(&log, 11, 16, "NUL byte at column 1");
	expect_diag(&log, 12, 17, "missing '='");
	expect_diag(&log, 13, 18, "control character 0x0b at column 13");
	expect_diag(&log, 14, 19, "empty key");
	expect_diag(&log, 15, 20, "control character 0x0d at column 9");
	assert_string_equal(cfg.image, "\\ok.efi");
	assert_string_equal(cfg.args, "kept");
	assert_int_equal(cfg.log_level, CONFIG_DEFAULT_LOG_LEVEL);
}

static void fill_line(char *buf, const char *prefix, size_t value_len,
		      size_t *len)
{
	size_t p = strlen(prefix);

	memcpy(buf, prefix, p);
	memset(buf + p, 'a', value_len);
	*len = p + value_len;
}

static void test_value_lengths(void **state)
{
	struct boot_config cfg;
	struct diag_log log;
	char buf[2048];
	size_t len;

	(void)state;
	config_defaults(&cfg);
	/* image: 255 bytes fit, 256 do not. */
	fill_line(buf, "image = \\", 254, &len);
	assert_int_equal(parse(&cfg, buf, len, &log), 0);
	assert_int_equal(strlen(cfg.image), 255);
	fill_line(buf, "image = \\", 255, &len);
	assert_int_equal(parse(&cfg, buf, len, &log), 1);
	expect_diag(&log, 0, 1, "value too long for 'image' (max 255)");
	assert_int_equal(strlen(cfg.image), 255);
	/* args: 511 fit, 512 do not; trimming happens first. */
	fill_line(buf, "args =   ", 511, &len);
	memcpy(buf + len, "   \r\n", 5);
	assert_int_equal(parse(&cfg, buf, len + 5, &log), 0);
	assert_int_equal(strlen(cfg.args), 511);
	fill_line(buf, "args=", 512, &len);
	assert_int_equal(parse(&cfg, buf, len, &log), 1);
	expect_diag(&log, 0, 1, "value too long for 'args' (max 511)");
	assert_int_equal(strlen(cfg.args), 511);
}

static void test_line_lengths(void **state)
{
	struct boot_config cfg;
	struct diag_log log;
	size_t big = 100000, len;
	char *buf = malloc(big + 64);

	(void)state;
	assert_non_null(buf);
	config_defaults(&cfg);
	/* 1023 bytes, then CRLF: fine. */
	fill_line(buf, "args = x #", 1013, &len);
	assert_int_equal(len, 1023);
	memcpy(buf + len, "\r\n", 2);
	assert_int_equal(parse(&cfg, buf, len + 2, &log), 0);
	assert_string_equal(cfg.args, "x");
	/* 1024 bytes: too long, even as a comment. */
	fill_line(buf, "args = y #", 1014, &len);
	buf[len++] = '\n';
	memcpy(buf + len, "log_level = 0\n", 14);
	assert_int_equal(parse(&cfg, buf, len + 14, &log), 1);
	expect_diag(&log, 0, 1, "line too long (max 1023 bytes)");
	assert_string_equal(cfg.args, "x");
	assert_int_equal(cfg.log_level, LOG_ERROR);
	/* A 100 KB line with no newline at all, after a good line. */
	memcpy(buf, "log_level=3\n", 12);
	memset(buf + 12, '=', big);
	assert_int_equal(parse(&cfg, buf, big + 12, &log), 1);
	expect_diag(&log, 0, 2, "line too long (max 1023 bytes)");
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	free(buf);
}

static void test_long_key_quoted_short(void **state)
{
	struct boot_config cfg;
	struct diag_log log;
	char buf[600], expect[128];
	size_t len;

	(void)state;
	config_defaults(&cfg);
	fill_line(buf, "", 500, &len);
	memcpy(buf + len, "=1", 2);
	assert_int_equal(parse(&cfg, buf, len + 2, &log), 1);
	snprintf(expect, sizeof(expect), "unknown key '%.40s...'", buf);
	expect_diag(&log, 0, 1, expect);
	fill_line(buf, "log_level = ", 300, &len);
	assert_int_equal(parse(&cfg, buf, len, &log), 1);
	snprintf(expect, sizeof(expect),
		 "bad log_level '%.40s...' (use error|warn|info|debug or 0-3)",
		 buf + 12);
	expect_diag(&log, 0, 1, expect);
}

static void test_no_trailing_newline(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg, "log_level = 1", &log), 0);
	assert_int_equal(cfg.log_level, LOG_WARN);
	assert_int_equal(PARSE(&cfg, "args = a\nimage = \\z.efi\r", &log), 0);
	assert_string_equal(cfg.image, "\\z.efi");
	assert_int_equal(PARSE(&cfg, "\n\n# c\nnope", &log), 1);
	expect_diag(&log, 0, 4, "missing '='");
	assert_int_equal(PARSE(&cfg, "args=q", &log), 0);
	assert_string_equal(cfg.args, "q");
}

/* Only text[0..len) counts: what follows is never read. */
static void test_len_respected(void **state)
{
	static const char text[] = "log_level = 0\nlog_level = 3\n";
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(parse(&cfg, text, 14, &log), 0);
	assert_int_equal(cfg.log_level, LOG_ERROR);
	/* Cut inside the value: "log_level = " -> bad. */
	assert_int_equal(parse(&cfg, text + 14, 12, &log), 1);
	assert_int_equal(cfg.log_level, LOG_ERROR);
	/* A NUL-terminated string passed with its NUL: line 2 is bad. */
	assert_int_equal(parse(&cfg, "log_level = 2\n", 15, &log), 1);
	expect_diag(&log, 0, 2, "NUL byte at column 1");
	assert_int_equal(cfg.log_level, LOG_INFO);
}

static void test_test_fail_cpu(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg, "test_fail_cpu = 3\n", &log), 0);
	assert_int_equal(cfg.test_fail_cpu, 3);
	assert_int_equal(PARSE(&cfg, "test_fail_cpu = 255\n", &log), 0);
	assert_int_equal(cfg.test_fail_cpu, 255);
	assert_int_equal(PARSE(&cfg, "test_fail_cpu = 0\n", &log), 0);
	assert_int_equal(cfg.test_fail_cpu, 0);
	assert_int_equal(PARSE(&cfg, "test_fail_cpu = none\n", &log), 0);
	assert_int_equal(cfg.test_fail_cpu, CONFIG_TEST_FAIL_NONE);

	config_defaults(&cfg);
	assert_int_equal(PARSE(&cfg, "test_fail_cpu = 256\ntest_fail_cpu = -1\n"
				     "test_fail_cpu = 1x\ntest_fail_cpu =\ntest_fail_cpu = 0012\n",
			       &log), 5);
	expect_diag(&log, 0, 1, "bad test_fail_cpu '256' (use an APIC id 0-255 or none)");
	expect_diag(&log, 1, 2, "bad test_fail_cpu '-1' (use an APIC id 0-255 or none)");
	expect_diag(&log, 2, 3, "bad test_fail_cpu '1x' (use an APIC id 0-255 or none)");
	expect_diag(&log, 3, 4, "bad test_fail_cpu '' (use an APIC id 0-255 or none)");
	expect_diag(&log, 4, 5, "bad test_fail_cpu '0012' (use an APIC id 0-255 or none)");
	assert_int_equal(cfg.test_fail_cpu, CONFIG_TEST_FAIL_NONE);
}

static void test_user_hypercalls(void **state)
{
	struct boot_config cfg;
	struct diag_log log;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cfg.user_hypercalls, CONFIG_USER_HC_NONE);
	assert_int_equal(PARSE(&cfg, "user_hypercalls = read\n", &log), 0);
	assert_int_equal(cfg.user_hypercalls, CONFIG_USER_HC_READ);
	assert_int_equal(PARSE(&cfg, "user_hypercalls = none\n", &log), 0);
	assert_int_equal(cfg.user_hypercalls, CONFIG_USER_HC_NONE);
	assert_int_equal(PARSE(&cfg, "user_hypercalls = read\nuser_hypercalls = all\n"
				     "user_hypercalls = READ\nuser_hypercalls =\n", &log), 3);
	expect_diag(&log, 0, 2, "bad user_hypercalls 'all' (use none or read)");
	expect_diag(&log, 1, 3, "bad user_hypercalls 'READ' (use none or read)");
	expect_diag(&log, 2, 4, "bad user_hypercalls '' (use none or read)");
	/* A bad line keeps the previous value. */
	assert_int_equal(cfg.user_hypercalls, CONFIG_USER_HC_READ);
}

static void test_null_diag(void **state)
{
	static const char text[] = "a\nb\nlog_level=3\nc = d\n";
	struct boot_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse(&cfg, text, sizeof(text) - 1, NULL,
				      NULL), 3);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void check_sane(const struct boot_config *cfg)
{
	assert_non_null(memchr(cfg->image, '\0', sizeof(cfg->image)));
	assert_non_null(memchr(cfg->args, '\0', sizeof(cfg->args)));
	assert_true((unsigned)cfg->log_level <= LOG_DEBUG);
	if (cfg->image[0])
		assert_int_equal(cfg->image[0], '\\');
	assert_null(strchr(cfg->image, '/'));
}

/* Random bytes, biased to the characters the parser cares about, and
 * random mutations of a valid file: never a crash, an overread (ASan) or
 * an unterminated field; the count matches the diag calls. */
static void test_fuzz(void **state)
{
	static const char alphabet[] = "=#\n\r \t\\/\0\x01\x7f\xef\xbb\xbf"
				       "imagesrlovldbug0123";
	static const char seed[] = "\xEF\xBB\xBF# c\r\nimage = \\EFI\\a.efi\n"
				   "args = x=y # z\nlog_level = debug\n";
	uint64_t x = 0x243F6A8885A308D3ull;
	char *buf = malloc(4096);
	unsigned iter, total_bad = 0;

	(void)state;
	assert_non_null(buf);
	for (iter = 0; iter < 20000; iter++) {
		struct boot_config cfg;
		struct diag_log log;
		size_t len, i;

		config_defaults(&cfg);
		if (iter & 1) {
			len = rng_next(&x) % 4096;
			for (i = 0; i < len; i++) {
				uint64_t r = rng_next(&x);

				buf[i] = (r & 3) ? alphabet[(r >> 8) %
						(sizeof(alphabet) - 1)]
						 : (char)(r >> 16);
			}
		} else {
			len = sizeof(seed) - 1;
			memcpy(buf, seed, len);
			for (i = rng_next(&x) % 4; i > 0; i--)
				buf[rng_next(&x) % len] = (char)rng_next(&x);
			len = rng_next(&x) % (len + 1);
		}
		total_bad += parse(&cfg, buf, len, &log);
		check_sane(&cfg);
	}
	free(buf);
	assert_true(total_bad > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_log_level_name),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_comments_and_whitespace),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_malformed_kinds),
		cmocka_unit_test(test_value_lengths),
		cmocka_unit_test(test_line_lengths),
		cmocka_unit_test(test_long_key_quoted_short),
		cmocka_unit_test(test_no_trailing_newline),
		cmocka_unit_test(test_len_respected),
		cmocka_unit_test(test_test_fail_cpu),
		cmocka_unit_test(test_user_hypercalls),
		cmocka_unit_test(test_null_diag),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
