/* IN and OUT of 1, 2 or 4 bytes at a port the guest chose, for the I/O
 * exits the VMM completes for it (vmm/exit/exit_io.c). */
#ifndef PILLBOX_ARCH_PORT_IO_H
#define PILLBOX_ARCH_PORT_IO_H

#include <stdint.h>

static inline uint32_t port_in(uint16_t port, unsigned size)
{
	uint32_t v = 0;

	if (size == 1)
		__asm__ volatile("inb %1, %b0" : "+a"(v) : "Nd"(port));
	else if (size == 2)
		__asm__ volatile("inw %1, %w0" : "+a"(v) : "Nd"(port));
	else
		__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void port_out(uint16_t port, unsigned size, uint32_t v)
{
	if (size == 1)
		__asm__ volatile("outb %b0, %1" : : "a"(v), "Nd"(port));
	else if (size == 2)
		__asm__ volatile("outw %w0, %1" : : "a"(v), "Nd"(port));
	else
		__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

#endif
