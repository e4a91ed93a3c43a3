/* The local APIC's interrupt command register, as a guest writes it to
 * send an IPI (Intel SDM Vol. 3A, 11.6.1 "Interrupt Command Register
 * (ICR)", Figure 11-12 xAPIC and 11.12.9 "ICR Operation in x2APIC Mode").
 * Pure logic: vmm/vipi.c decides from it whether an INIT or SIPI goes to a
 * virtualized CPU and is emulated, or goes out on the bus. */
#ifndef PILLBOX_VMM_APIC_ICR_H
#define PILLBOX_VMM_APIC_ICR_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_PAGE_SIZE      0x1000u
#define APIC_REG_ICR_LOW    0x300u
#define APIC_REG_ICR_HIGH   0x310u
#define APIC_XAPIC_DEST_SHIFT 24   /* ICR high bits 31:24 */
#define MSR_X2APIC_ICR      0x830u

#define ICR_VECTOR_MASK     0xFFu
#define ICR_DM_SHIFT        8
#define ICR_DM_MASK         (7u << ICR_DM_SHIFT)
#define ICR_DM_FIXED        (0u << ICR_DM_SHIFT)
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

enum ipi_kind {
	IPI_OTHER,        /* fixed, lowest priority, SMI, NMI, ...: not ours */
	IPI_INIT,
	IPI_INIT_DEASSERT, /* INIT level de-assert: no effect on P6 and later */
	IPI_STARTUP,
};

enum ipi_dest {
	IPI_DEST_ONE,       /* physical destination: dest_id */
	IPI_DEST_SELF,
	IPI_DEST_ALL_INCL,
	IPI_DEST_ALL_EXCL,
	IPI_DEST_LOGICAL,   /* logical destination mode: not emulated */
};

struct ipi {
	enum ipi_kind kind;
	enum ipi_dest dest;
	uint32_t dest_id;   /* APIC id for IPI_DEST_ONE */
	uint8_t vector;     /* STARTUP: the page number of the start address */
};

/* x2APIC ICR bits that must be 0: 12, 13 (no delivery status in x2APIC
 * mode), 16, 17 and 31:20 (11.12.9, Figure 11-28 "Interrupt Command
 * Register (ICR) in x2APIC Mode"); a WRMSR with any set is #GP (11.12.1.3
 * "Reserved Bit Checking"). */
#define X2APIC_ICR_RESERVED 0xFFF33000ull
static inline bool x2apic_icr_reserved(uint64_t icr)
{
	return (icr & X2APIC_ICR_RESERVED) != 0;
}

/* Decodes an ICR write: icr_low is the low 32 bits, dest the destination
 * field (xAPIC: ICR high bits 31:24; x2APIC: ICR bits 63:32). */
void icr_decode(uint32_t icr_low, uint32_t dest, struct ipi *out);

#endif
