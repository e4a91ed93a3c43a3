/* The local APIC's interrupt command register, as a guest writes it to
 * send an IPI (Intel SDM Vol. 3A, 11.6.1 "Interrupt Command Register
 * (ICR)", Figure 11-12 xAPIC and 11.12.9 "ICR Operation in x2APIC Mode").
 * Pure logic: vmm/ipi/vipi.c decides from it whether an INIT or SIPI goes to a
 * virtualized CPU and is emulated, or goes out on the bus. */
#ifndef PILLBOX_VMM_APIC_ICR_H
#define PILLBOX_VMM_APIC_ICR_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/lapic.h"  /* the ICR's fields */

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

/* Decodes an ICR write: icr_low is the low 32 bits, dest the destination
 * field (xAPIC: ICR high bits 31:24; x2APIC: ICR bits 63:32). */
void icr_decode(uint32_t icr_low, uint32_t dest, struct ipi *out);

#endif
