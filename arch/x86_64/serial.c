#include "arch/x86_64/serial.h"
#include "arch/x86_64/cpu.h"

/* 16550 registers, offsets from the base port. */
#define UART_THR 0u  /* transmit holding (DLAB=0) */
#define UART_DLL 0u  /* divisor low (DLAB=1) */
#define UART_IER 1u
#define UART_DLM 1u
#define UART_FCR 2u
#define UART_LCR 3u
#define UART_MCR 4u
#define UART_LSR 5u

#define LCR_8N1  0x03u
#define LCR_DLAB 0x80u
#define FCR_ENABLE_CLEAR 0x07u
#define MCR_DTR_RTS_OUT2 0x0Bu
#define LSR_THRE 0x20u
#define DIVISOR_115200 1u
#define TX_SPIN_LIMIT 100000u

void serial_init(void)
{
	outb(COM1_PORT + UART_IER, 0);
	outb(COM1_PORT + UART_LCR, LCR_DLAB);
	outb(COM1_PORT + UART_DLL, DIVISOR_115200);
	outb(COM1_PORT + UART_DLM, 0);
	outb(COM1_PORT + UART_LCR, LCR_8N1);
	outb(COM1_PORT + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1_PORT + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void serial_putc(char c)
{
	unsigned spins = 0;

	while (!(inb(COM1_PORT + UART_LSR) & LSR_THRE) && spins++ < TX_SPIN_LIMIT)
		cpu_relax();
	outb(COM1_PORT + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
