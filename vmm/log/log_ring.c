#include "vmm/log/log_ring.h"
#include "lib/lib.h"

int log_ring_init(struct log_ring *r, char *buf, uint64_t size)
{
	r->buf = buf;
	r->head = 0;
	if (!buf || !size || (size & (size - 1))) {
		r->size = 0;
		return -1;
	}
	r->size = size;
	return 0;
}

void log_ring_append(struct log_ring *r, const char *s, size_t len)
{
	if (!r->size)
		return;
	/* Only the last size bytes can survive. */
	if (len > r->size) {
		r->head += len - r->size;
		s += len - r->size;
		len = r->size;
	}
	while (len) {
		uint64_t at = r->head & (r->size - 1);
		size_t n = r->size - at < len ? (size_t)(r->size - at) : len;

		memcpy(r->buf + at, s, n);
		r->head += n;
		s += n;
		len -= n;
	}
}

uint64_t log_ring_oldest(const struct log_ring *r)
{
	return r->head > r->size ? r->head - r->size : 0;
}

size_t log_ring_read(const struct log_ring *r, uint64_t cursor, char *out,
		     size_t len, uint64_t *next)
{
	uint64_t oldest = log_ring_oldest(r);
	size_t done = 0;

	if (cursor < oldest)
		cursor = oldest;
	if (cursor > r->head)
		cursor = r->head;
	if (len > r->head - cursor)
		len = (size_t)(r->head - cursor);
	while (done < len) {
		uint64_t at = (cursor + done) & (r->size - 1);
		size_t n = r->size - at < len - done ? (size_t)(r->size - at) : len - done;

		memcpy(out + done, r->buf + at, n);
		done += n;
	}
	*next = cursor + done;
	return done;
}
