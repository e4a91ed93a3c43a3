/* The fuzz build's arch/x86_64/port_io.h (docs/fuzzing.md). */
#ifndef PILLBOX_ARCH_PORT_IO_H
#define PILLBOX_ARCH_PORT_IO_H

#include <stdint.h>

/* The fuzz build runs no instruction: a port reads as a floating bus (all
 * ones) and takes writes without effect. */
static inline uint32_t port_in(uint16_t port, unsigned size)
{
	(void)port;
	return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static inline void port_out(uint16_t port, unsigned size, uint32_t v)
{
	(void)port;
	(void)size;
	(void)v;
}

#endif
