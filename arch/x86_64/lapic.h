/* The executing CPU's local APIC, from the VMM (Intel SDM Vol. 3A, 11.4
 * "Local APIC", 11.12 "Extended xAPIC (x2APIC)"). */
#ifndef PILLBOX_ARCH_LAPIC_H
#define PILLBOX_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* IA32_APIC_BASE (SDM Vol. 3A, 11.4.4 "Local APIC Status and Location",
 * Figure 11-5). */
#define MSR_IA32_APIC_BASE      0x1Bu
#define APIC_BASE_RESERVED_LOW  0x2FFull      /* bits 0-7 and 9 */
#define APIC_BASE_BSP           (1ull << 8)
#define APIC_BASE_X2APIC        (1ull << 10)  /* EXTD */
#define APIC_BASE_ENABLE        (1ull << 11)  /* EN */
#define APIC_BASE_ADDR_MASK     0x000FFFFFFFFFF000ull

/* Reads this CPU's APIC base once (core_init): from then on the VMM uses
 * that address, never one derived from the live MSR, which the guest
 * writes (security review C1; vmm/msr_policy.h refuses a move). */
void lapic_base_init(void);
/* The xAPIC register page's physical address, as lapic_base_init() read
 * it (0: none). */
uint64_t lapic_mmio_base(void);
/* This CPU's APIC mode now, from the live MSR. */
bool lapic_x2apic_mode(void);
/* True when this CPU's APIC decodes the xAPIC page: globally enabled, not
 * in x2APIC mode, at lapic_mmio_base(). Otherwise the page is plain
 * physical memory to this CPU (11.4.3, 11.12.2 "x2APIC Register
 * Availability"). */
bool lapic_xapic_active(void);

/* 32-bit register access in xAPIC mode (through the VMM's identity map;
 * the MTRRs make the page uncacheable). Only while lapic_xapic_active(). */
uint32_t lapic_read(uint32_t offset);
void lapic_write(uint32_t offset, uint32_t value);

/* The xAPIC page as plain memory, for a CPU whose APIC does not decode it
 * (!lapic_xapic_active()): lapic_page_swap() stores the low size bytes of
 * value (1, 2, 4 or 8, within the page) at offset and returns the bytes it
 * replaced; lapic_page_load() reads them. */
uint64_t lapic_page_swap(uint32_t offset, unsigned size, uint64_t value);
uint64_t lapic_page_load(uint32_t offset, unsigned size);

/* Sends an NMI to the CPU with this APIC id (xAPIC or x2APIC, whichever
 * is on), after a bounded wait for the previous IPI to leave. */
void lapic_send_nmi(uint32_t apic_id);

#endif
