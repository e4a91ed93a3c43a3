/* Unit tests for lib/fmt.c (the freestanding snprintf of the loader, the
 * core and the guest programs). Results are compared with fixed strings,
 * not with the C library's snprintf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/fmt.h"

#define BUF 128
#define SENTINEL 'Z'

/* Formats into a sentinel-filled buffer of capacity n and checks the text,
 * the return value, and that nothing past the capacity was touched. */
static void check_v(const char *expected, int expected_ret, size_t n, const char *fmt,
		    va_list ap)
{
	char buf[BUF + 8];
	int ret;

	assert_true(n <= BUF);
	memset(buf, SENTINEL, sizeof(buf));
	ret = fmt_vsnprintf(buf, n, fmt, ap);
	if (ret != expected_ret)
		fail_msg("format \"%s\" (n=%zu): returned %d, expected %d", fmt, n, ret,
			 expected_ret);
	if (n == 0) {
		assert_int_equal(buf[0], SENTINEL);
		return;
	}
	if (memchr(buf, '\0', n) == NULL)
		fail_msg("format \"%s\" (n=%zu): output not terminated", fmt, n);
	if (strcmp(buf, expected) != 0)
		fail_msg("format \"%s\" (n=%zu): got \"%s\", expected \"%s\"", fmt, n, buf,
			 expected);
	for (size_t i = n; i < sizeof(buf); i++)
		if (buf[i] != SENTINEL)
			fail_msg("format \"%s\" (n=%zu): byte %zu past the buffer written", fmt,
				 n, i);
}

/* No format attribute on purpose: some cases use conversions the compiler
 * would reject (the unknown-conversion tests). */
static void check_n(size_t n, const char *expected, int expected_ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_v(expected, expected_ret, n, fmt, ap);
	va_end(ap);
}

/* Full buffer: the return value is the length of the text. */
static void check(const char *expected, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_v(expected, (int)strlen(expected), BUF, fmt, ap);
	va_end(ap);
}

static void test_plain_text(void **state)
{
	(void)state;
	check("", "");
	check("hello, world", "hello, world");
	check("100%", "100%%");
	check("%", "%%");
	check("a%b", "a%%b");
}

static void test_strings_and_chars(void **state)
{
	(void)state;
	check("x=abc;", "x=%s;", "abc");
	check("", "%s", "");
	check("(null)", "%s", (const char *)NULL);
	check("[(null)]", "[%s]", (const char *)NULL);
	check("A", "%c", 'A');
	check("a-b", "%c-%c", 'a', 'b');
	check("<  abc>", "<%5s>", "abc");
	check("<abc  >", "<%-5s>", "abc");
	check("<abcdef>", "<%3s>", "abcdef");     /* width is a minimum */
	/* '0' flag does not zero-pad strings */
	check("<  abc>", "<%05s>", "abc");
}

/* "%.*s": at most that many bytes, none read past them. */
static void test_string_precision(void **state)
{
	char *raw = malloc(3); /* no terminator: AddressSanitizer sees a read past it */

	(void)state;
	assert_non_null(raw);
	memcpy(raw, "xyz", 3);
	check("<ab>", "<%.*s>", 2, "abcdef");
	check("<xyz>", "<%.*s>", 3, raw);
	check("<>", "<%.*s>", 0, raw);
	check("<abc>", "<%.*s>", 9, "abc");  /* stops at the NUL */
	check("<abc>", "<%.*s>", -1, "abc"); /* negative: no limit */
	check("< ab>", "<%3.*s>", 2, "abc"); /* with a width */
	free(raw);
}

static void test_signed(void **state)
{
	(void)state;
	check("0", "%d", 0);
	check("42", "%d", 42);
	check("-42", "%d", -42);
	check("-1", "%i", -1);
	check("2147483647", "%d", INT_MAX);
	check("-2147483648", "%d", INT_MIN);
	check("-9223372036854775808", "%lld", (long long)INT64_MIN);
	check("9223372036854775807", "%ld", (long)INT64_MAX);
	check("-5000000000", "%lld", -5000000000LL);
	check("-3 4", "%d %d", -3, 4);
}

static void test_unsigned_and_hex(void **state)
{
	(void)state;
	check("0", "%u", 0u);
	check("4294967295", "%u", UINT_MAX);
	check("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	check("12345678901", "%lu", 12345678901UL);
	check("42", "%zu", (size_t)42);
	check("0", "%x", 0u);
	check("ff", "%x", 255u);
	check("FF", "%X", 255u);
	check("deadbeef", "%x", 0xDEADBEEFu);
	check("DEADBEEF", "%X", 0xDEADBEEFu);
	check("deadbeefcafebabe", "%llx", 0xDEADBEEFCAFEBABEull);
	check("DEADBEEFCAFEBABE", "%llX", 0xDEADBEEFCAFEBABEull);
	check("ffffffffffffffff", "%lx", (unsigned long)UINT64_MAX);
	/* without a length modifier only 32 bits are taken */
	check("ffffffff", "%x", UINT_MAX);
}

static void test_pointer(void **state)
{
	(void)state;
	check("0x1000", "%p", (void *)(uintptr_t)0x1000);
	check("0xffff800000000000", "%p", (void *)(uintptr_t)0xFFFF800000000000ull);
	check("0x0", "%p", (void *)NULL);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	check("   42", "%5d", 42);
	check("00042", "%05d", 42);
	check("42   |", "%-5d|", 42);
	check("  -42", "%5d", -42);
	check("-0042", "%05d", -42);     /* sign before the zeros, width counts it */
	check("-42  |", "%-5d|", -42);
	check("-42  |", "%-05d|", -42);  /* '-' wins over '0' */
	check("42   |", "%-05d|", 42);
	check("123456", "%3d", 123456);  /* never cut */
	check("000000ff", "%08x", 255u);
	check("      FF", "%8X", 255u);
	check("0000000000001000", "%016llx", 0x1000ull);
	check("ab  |", "%-4x|", 0xABu);
	check("007", "%03u", 7u);
	check("0", "%0d", 0);
	check("    0", "%5u", 0u);
}

static void test_truncation(void **state)
{
	(void)state;
	/* The return value is the full length; the text is cut to n - 1. */
	check_n(BUF, "hello world", 11, "hello world");
	check_n(12, "hello world", 11, "hello world");
	check_n(11, "hello worl", 11, "hello world");
	check_n(6, "hello", 11, "hello world");
	check_n(2, "h", 11, "hello world");
	check_n(1, "", 11, "hello world");
	check_n(0, "", 11, "hello world");
	/* in the middle of a conversion */
	check_n(4, "abc", 8, "abc%d", 12345);
	check_n(5, "val=", 12, "val=%08x", 0xCAFEu);
	check_n(3, "-2", 11, "%d", INT_MIN);
	check_n(4, "  a", 5, "%5s", "abc");
	check_n(3, "0x", 6, "%p", (void *)(uintptr_t)0x1000);
	check_n(7, "(null)", 6, "%s", (const char *)NULL);
	check_n(6, "(null", 6, "%s", (const char *)NULL);
}

static void test_null_buffer_with_zero_size(void **state)
{
	(void)state;
	/* n = 0 may come with a NULL buffer: measure only. */
	assert_int_equal(fmt_snprintf(NULL, 0, "%s=%d", "abc", -12), 7);
	assert_int_equal(fmt_snprintf(NULL, 0, "%s", ""), 0);
}

static void test_unknown_conversion(void **state)
{
	(void)state;
	/* An unknown conversion is printed as is and takes no argument: the
	 * following conversion still gets the next one. */
	check_n(BUF, "%q", 2, "%q");
	check_n(BUF, "a%qb 7", 6, "a%qb %d", 7);
	check_n(BUF, "%y|x", 4, "%5y|%s", "x");
	/* A lone '%' at the end does not read past the format. */
	check_n(BUF, "abc", 3, "abc%");
	check_n(BUF, "abc", 3, "abc%-08");
}

static void test_snprintf_matches_vsnprintf(void **state)
{
	char a[32];

	(void)state;
	memset(a, SENTINEL, sizeof(a));
	assert_int_equal(fmt_snprintf(a, sizeof(a), "[%s cpu%u %s] %d", "INFO", 3u, "boot", -7),
			 19);
	assert_string_equal(a, "[INFO cpu3 boot] -7");
	check_n(sizeof(a), "[INFO cpu3 boot] -7", 19, "[%s cpu%u %s] %d", "INFO", 3u, "boot",
		-7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_strings_and_chars),
		cmocka_unit_test(test_string_precision),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned_and_hex),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_width_and_flags),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_null_buffer_with_zero_size),
		cmocka_unit_test(test_unknown_conversion),
		cmocka_unit_test(test_snprintf_matches_vsnprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
