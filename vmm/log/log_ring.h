/* A byte ring of log text. Every byte written has a position in the log
 * stream (0 for the first); the ring keeps the last `size` of them. A
 * reader names the position to start at (its cursor) and learns the next
 * one, so it can read the stream in pieces and tell when the writer has
 * overtaken it (lines lost). Pure logic: no locking (the caller's). */
#ifndef PILLBOX_VMM_LOG_RING_H
#define PILLBOX_VMM_LOG_RING_H

#include <stddef.h>
#include <stdint.h>

struct log_ring {
	char *buf;
	uint64_t size;   /* a power of two */
	uint64_t head;   /* stream position of the next byte written */
};

/* size must be a power of two; returns -1 (ring unusable) otherwise. */
int log_ring_init(struct log_ring *r, char *buf, uint64_t size);
void log_ring_append(struct log_ring *r, const char *s, size_t len);
/* The oldest stream position still in the ring. */
uint64_t log_ring_oldest(const struct log_ring *r);
/* Copies up to len bytes from stream position cursor into out: a cursor
 * older than the ring keeps starts at log_ring_oldest(), one past head
 * copies nothing. Returns the bytes copied; *next is the position after
 * them. */
size_t log_ring_read(const struct log_ring *r, uint64_t cursor, char *out,
		     size_t len, uint64_t *next);

#endif
