/* vmm/log/log_ring.c: stream positions, wrap, overrun and clamping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/log/log_ring.h"

#define RING 16u

static void expect_read(const struct log_ring *r, uint64_t cursor, size_t len,
			const char *want, uint64_t want_next)
{
	char out[64];
	uint64_t next = ~0ull;
	size_t n;

	memset(out, '#', sizeof(out));
	n = log_ring_read(r, cursor, out, len, &next);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], '#');  /* nothing past what it returned */
	assert_int_equal(next, want_next);
}

static void test_init_rejects_bad_sizes(void **state)
{
	struct log_ring r;
	char buf[RING];

	(void)state;
	assert_int_equal(log_ring_init(&r, buf, 12), -1);
	log_ring_append(&r, "abc", 3);   /* ignored, not a crash */
	assert_int_equal(log_ring_init(&r, NULL, RING), -1);
	assert_int_equal(log_ring_init(&r, buf, 0), -1);
	assert_int_equal(log_ring_init(&r, buf, RING), 0);
	expect_read(&r, 0, 8, "", 0);
}

static void test_read_in_pieces(void **state)
{
	struct log_ring r;
	char buf[RING];

	(void)state;
	log_ring_init(&r, buf, RING);
	log_ring_append(&r, "line1\n", 6);
	log_ring_append(&r, "line2\n", 6);
	assert_int_equal(log_ring_oldest(&r), 0);
	expect_read(&r, 0, 4, "line", 4);
	expect_read(&r, 4, 64, "1\nline2\n", 12);
	expect_read(&r, 12, 64, "", 12);    /* caught up */
	expect_read(&r, 99, 64, "", 12);    /* past the head: clamped */
}

static void test_wrap_and_overrun(void **state)
{
	struct log_ring r;
	char buf[RING];

	(void)state;
	log_ring_init(&r, buf, RING);
	log_ring_append(&r, "0123456789", 10);
	log_ring_append(&r, "abcdefghij", 10);  /* wraps; 0-3 lost */
	assert_int_equal(log_ring_oldest(&r), 4);
	expect_read(&r, 0, 64, "456789abcdefghij", 20);  /* from the oldest */
	expect_read(&r, 8, 5, "89abc", 13);
	expect_read(&r, 13, 64, "defghij", 20);
}

static void test_append_longer_than_ring(void **state)
{
	struct log_ring r;
	char buf[RING];

	(void)state;
	log_ring_init(&r, buf, RING);
	log_ring_append(&r, "xy", 2);
	log_ring_append(&r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26);
	assert_int_equal(r.head, 28);
	assert_int_equal(log_ring_oldest(&r), 12);
	expect_read(&r, 0, 64, "KLMNOPQRSTUVWXYZ", 28);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_sizes),
		cmocka_unit_test(test_read_in_pieces),
		cmocka_unit_test(test_wrap_and_overrun),
		cmocka_unit_test(test_append_longer_than_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
