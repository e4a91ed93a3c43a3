/* COM1, 16550 UART, polled. Used by the loader, the VMM and the guest
 * programs; all of them write it directly with port I/O. */
#ifndef PILLBOX_ARCH_SERIAL_H
#define PILLBOX_ARCH_SERIAL_H

#include <stddef.h>

#define COM1_PORT 0x3F8u

/* 115200 8N1, FIFO on. Idempotent. */
void serial_init(void);
/* Writes len bytes, "\n" as "\r\n"; gives up on a byte after a bounded
 * wait so that a missing UART never hangs the caller. */
void serial_write(const char *s, size_t len);

#endif
