/* The executing CPU's local APIC, from the VMM (Intel SDM Vol. 3A, 11.4
 * "Local APIC", 11.12 "Extended xAPIC (x2APIC)"). */
#ifndef PILLBOX_ARCH_LAPIC_H
#define PILLBOX_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_IA32_APIC_BASE      0x1Bu
#define APIC_BASE_BSP           (1ull << 8)
#define APIC_BASE_X2APIC        (1ull << 10)
#define APIC_BASE_ENABLE        (1ull << 11)
#define APIC_BASE_ADDR_MASK     0x000FFFFFFFFFF000ull

/* Physical address of the xAPIC register page. */
uint64_t lapic_mmio_base(void);
bool lapic_x2apic_mode(void);

/* 32-bit register access in xAPIC mode (through the VMM's identity map;
 * the MTRRs make the page uncacheable). */
uint32_t lapic_read(uint32_t offset);
void lapic_write(uint32_t offset, uint32_t value);

/* Sends an NMI to the CPU with this APIC id (xAPIC or x2APIC, whichever
 * is on), after a bounded wait for the previous IPI to leave. */
void lapic_send_nmi(uint32_t apic_id);

#endif
