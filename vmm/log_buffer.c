#include "vmm/log.h"
#include "vmm/log_buffer.h"
#include "vmm/log_ring.h"
#include "arch/x86_64/cpu.h"

#define LOG_BUFFER_SPINS 10000000u

static char ring_bytes[LOG_BUFFER_SIZE];
static struct log_ring ring;
static int ring_lock_word;

/* Bounded like the log's own lock: a CPU that cannot get it in time
 * (another CPU stopped while holding it) goes on without it rather than
 * hang; a reader may then see a line being written. */
static int ring_lock(void)
{
	for (unsigned spins = 0; spins < LOG_BUFFER_SPINS; spins++) {
		if (!__atomic_exchange_n(&ring_lock_word, 1, __ATOMIC_ACQUIRE))
			return 1;
		cpu_relax();
	}
	return 0;
}

static void ring_unlock(int held)
{
	if (held)
		__atomic_store_n(&ring_lock_word, 0, __ATOMIC_RELEASE);
}

static void ring_sink(const char *line, size_t len)
{
	int held = ring_lock();

	log_ring_append(&ring, line, len);
	ring_unlock(held);
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
	ring_unlock(held);
	return n;
}
