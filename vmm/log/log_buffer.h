/* The VMM's log kept in memory: every line the core logs also goes into a
 * ring of LOG_BUFFER_SIZE bytes in the core image, so that a user without
 * a serial port can read it from the guest (HC_LOG_READ, vmm/exit/hypercall.h).
 * Lines of the loader before the core starts are not in it. */
#ifndef PILLBOX_VMM_LOG_BUFFER_H
#define PILLBOX_VMM_LOG_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#define LOG_BUFFER_SIZE (16u * 1024u)

/* Registers the ring as a log sink (core_init, once). */
void log_buffer_init(void);
/* log_ring_read() of the ring under its lock; *oldest as log_ring_oldest()
 * at the same moment. */
size_t log_buffer_read(uint64_t cursor, char *out, size_t len, uint64_t *next,
		       uint64_t *oldest);

#endif
