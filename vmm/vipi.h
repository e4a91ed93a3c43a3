/* INIT and SIPI emulated at the sender. A guest CPU's write of an INIT or
 * start-up IPI to the local APIC's ICR is trapped (the xAPIC page is
 * read-only in EPT, vmm/exit_apic.c) and, when its targets are virtualized
 * CPUs, never reaches the bus: the VMM posts the request to each target's
 * vcpu and kicks it with an NMI, which exits (NMI exiting) so that the
 * target applies the INIT or SIPI to its own VMCS. Targets outside the VMM
 * (during the launch, or after a rollback) get the real IPI.
 * Why not let INIT reach the target and emulate its VM exit
 * (vmm/exit_init_sipi.c)? That is the architectural path, kept for INITs
 * from elsewhere, but Bochs 2.7 keeps an INIT pending after its VM exit
 * (docs/architecture.md, "Limits"), and posting at the sender works the
 * same on every platform. */
#ifndef PILLBOX_VMM_VIPI_H
#define PILLBOX_VMM_VIPI_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/exit_table.h"

struct vcpu;

#define VIPI_INIT          (1u << 0)
#define VIPI_SIPI          (1u << 1)
#define VIPI_VECTOR_SHIFT  8
#define VIPI_VECTOR_MASK   (0xFFu << VIPI_VECTOR_SHIFT)

enum vipi_outcome {
	VIPI_FORWARD,     /* not for us: write the ICR as the guest asked */
	VIPI_EMULATED,    /* posted to virtualized CPUs; the write is done */
	VIPI_SELF_RESET,  /* the sender itself took INIT: RIP must not move */
};

/* The guest on v wrote icr_low with destination field dest (xAPIC: ICR
 * high bits 31:24). */
enum vipi_outcome vipi_icr_write(struct vcpu *v, uint32_t icr_low, uint32_t dest);

/* An NMI arrived on v (an NMI exit, or in root operation): true if it is
 * one of the kicks other CPUs sent (and counts it as seen), false if it
 * is the guest's. A kick that lands while v is in root operation shows up
 * as an NMI exit right after the next VM entry; the count keeps it from
 * being mistaken for the guest's NMI. */
bool vipi_nmi_is_kick(struct vcpu *v);

/* The same as a VM-exit outcome for the handler of the trapped ICR write:
 * true and *r set when vmm/vipi.c dealt with it, false when the caller
 * must still perform the write itself. */
bool vipi_icr_exit(struct vcpu *v, uint32_t icr_low, uint32_t dest, enum exit_result *r);

/* Applies what other CPUs posted to v (on its NMI exit, or before any VM
 * entry). Returns true if something was pending. */
bool vipi_take(struct vcpu *v);

/* exit_init_sipi.c */
void vcpu_virtual_init(struct vcpu *v);
void vcpu_virtual_sipi(struct vcpu *v, uint8_t vector);

#endif
