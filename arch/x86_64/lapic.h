/* The executing CPU's local APIC, from the VMM (Intel SDM Vol. 3A, 11.4
 * "Local APIC", 11.12 "Extended xAPIC (x2APIC)"). */
#ifndef PILLBOX_ARCH_LAPIC_H
#define PILLBOX_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/msr.h"
#include "arch/x86_64/paging.h"  /* the xAPIC page is one PAGE_SIZE */

/* Reads this CPU's APIC base once (core_init): from then on the VMM uses
 * that address, never one derived from the live MSR, which the guest
 * writes (security review C1; vmm/policy/msr_policy.h refuses a move). */
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
 * is on), after a bounded wait for the previous IPI to leave. In xAPIC
 * mode the guest's ICR high half (its next IPI's destination) is put back
 * once the NMI has left; the low half keeps the NMI's command, as after
 * any IPI (the x2APIC ICR is one register, read back the same way). */
void lapic_send_nmi(uint32_t apic_id);

/* Local APIC registers, xAPIC offsets (SDM Vol. 3A, 11.4.1, Table 11-1
 * "Local APIC Register Address Map"); in x2APIC mode the MSR is
 * X2APIC_MSR_BASE + offset / 16 (11.12.1.2, Table 11-6). */
#define APIC_REG_VERSION        0x030u
#define APIC_REG_TPR            0x080u
#define APIC_REG_EOI            0x0B0u
#define APIC_REG_LDR            0x0D0u
#define APIC_REG_DFR            0x0E0u
#define APIC_REG_SVR            0x0F0u
#define APIC_REG_ISR0           0x100u  /* ISR: 8 registers, 16 bytes apart */
#define APIC_REG_ESR            0x280u
#define APIC_REG_LVT_CMCI       0x2F0u
#define APIC_REG_LVT_TIMER      0x320u
#define APIC_REG_LVT_THERMAL    0x330u
#define APIC_REG_LVT_PERF       0x340u
#define APIC_REG_LVT_LINT0      0x350u
#define APIC_REG_LVT_LINT1      0x360u
#define APIC_REG_LVT_ERROR      0x370u
#define APIC_REG_TIMER_INITIAL  0x380u
#define APIC_REG_TIMER_DIVIDE   0x3E0u
#define X2APIC_MSR_BASE         0x800u
#define APIC_REG_STRIDE         0x10u
#define APIC_VERSION_MAX_LVT_SHIFT 16    /* version bits 23:16: LVT entries - 1 */
#define APIC_LVT_MASKED         (1u << 16)
#define APIC_DFR_FLAT           0xFFFFFFFFu
#define APIC_SVR_RESET          0xFFu     /* vector FF, APIC software-disabled */

/* The interrupt command register (11.6.1 "Interrupt Command Register
 * (ICR)", Figure 11-12; 11.12.9 "ICR Operation in x2APIC Mode"). */
#define APIC_REG_ICR_LOW    0x300u
#define APIC_REG_ICR_HIGH   0x310u
#define APIC_XAPIC_DEST_SHIFT 24   /* ICR high bits 31:24 */

#define ICR_VECTOR_MASK     0xFFu
#define ICR_DM_SHIFT        8
#define ICR_DM_MASK         (7u << ICR_DM_SHIFT)
#define ICR_DM_NMI          (4u << ICR_DM_SHIFT)
#define ICR_DM_INIT         (5u << ICR_DM_SHIFT)
#define ICR_DM_STARTUP      (6u << ICR_DM_SHIFT)
#define ICR_DEST_LOGICAL    (1u << 11)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT    (1u << 14)
#define ICR_TRIGGER_LEVEL   (1u << 15)
#define ICR_SHORTHAND_SHIFT 18
#define ICR_SHORTHAND_MASK  (3u << ICR_SHORTHAND_SHIFT)
#define ICR_SH_NONE         (0u << ICR_SHORTHAND_SHIFT)
#define ICR_SH_SELF         (1u << ICR_SHORTHAND_SHIFT)
#define ICR_SH_ALL_INCL     (2u << ICR_SHORTHAND_SHIFT)
#define ICR_SH_ALL_EXCL     (3u << ICR_SHORTHAND_SHIFT)

/* x2APIC ICR bits that must be 0: 12, 13 (no delivery status in x2APIC
 * mode), 16, 17 and 31:20 (11.12.9, Figure 11-28 "Interrupt Command
 * Register (ICR) in x2APIC Mode"); a WRMSR with any set is #GP (11.12.1.3
 * "Reserved Bit Checking"). */
#define X2APIC_ICR_RESERVED 0xFFF33000ull
static inline bool x2apic_icr_reserved(uint64_t icr)
{
	return (icr & X2APIC_ICR_RESERVED) != 0;
}

/* Puts this CPU's local APIC into the state an INIT leaves it in (SDM
 * Vol. 3A, 11.4.7.3 "Local APIC State After an INIT Reset"), as far as
 * software can: every in-service interrupt ended with an EOI, TPR 0,
 * timer stopped, every LVT entry masked, error status cleared, logical
 * destination 0 and flat model (xAPIC), software-disabled with spurious
 * vector FFH. The APIC id, the mode (xAPIC or x2APIC) and IA32_APIC_BASE
 * stay, as INIT keeps them (11.12.5.1 "x2APIC States"); requests waiting
 * in the IRR cannot be withdrawn by software and stay pending. Nothing
 * when the APIC is globally disabled. */
void lapic_init_reset(void);

#endif
