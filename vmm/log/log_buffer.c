#include "vmm/log/log.h"
#include "vmm/log/log_buffer.h"
#include "vmm/log/log_ring.h"
#include "vmm/spinlock.h"

#define LOG_BUFFER_SPINS 10000000u

static char ring_bytes[LOG_BUFFER_SIZE];
static struct log_ring ring;
static int ring_lock_word;

/* Bounded like the log's own lock (vmm/spinlock.h): without it a reader
 * may see a line being written. */
static int ring_lock(void)
{
	return spin_lock_bounded(&ring_lock_word, LOG_BUFFER_SPINS);
}

static void ring_sink(const char *line, size_t len)
{
	int held = ring_lock();

	log_ring_append(&ring, line, len);
	spin_unlock(&ring_lock_word, held);
}

void log_buffer_init(void)
{
	log_ring_init(&ring, ring_bytes, sizeof(ring_bytes));
	if (log_add_sink(ring_sink))
		log_warn("log", "no free log sink: the log ring stays empty");
}

size_t log_buffer_read(uint64_t cursor, char *out, size_t len, uint64_t *next,
		       uint64_t *oldest)
{
	int held = ring_lock();
	size_t n = log_ring_read(&ring, cursor, out, len, next);

	*oldest = log_ring_oldest(&ring);
	spin_unlock(&ring_lock_word, held);
	return n;
}
