/* INIT and SIPI emulated at the sender. A guest CPU's write of an INIT or
 * start-up IPI to the local APIC's ICR is trapped (the xAPIC page is
 * read-only in EPT, vmm/exit/exit_apic.c; the x2APIC ICR by the MSR bitmap)
 * and, when its targets are virtualized CPUs, never reaches the bus: the
 * VMM posts the request to each target's vcpu and kicks the target of an
 * INIT with an NMI, which exits there (NMI exiting) so that the target
 * applies the INIT to its own VMCS and then waits for its SIPI in VMX root
 * operation. Targets outside the VMM (during the launch, or after a
 * rollback) get the real IPI.
 * Why not let INIT and SIPI reach the target and emulate its INIT and SIPI
 * exits (vmm/exit/exit_init_sipi.c, kept for INITs from elsewhere)? A SIPI that
 * arrives while the target is still in VMX root operation handling its
 * INIT exit is lost (SIPIs are blocked there: SDM Vol. 3C, 34.2 "Interrupt
 * Handling in VMX Operation"): the race that breaks receiver-side designs
 * on real PCs and, with back-to-back SIPIs, in Bochs 3.0. Posting INIT and
 * SIPI into one word cannot lose either. */
#ifndef PILLBOX_VMM_VIPI_H
#define PILLBOX_VMM_VIPI_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/exit/exit_table.h"

struct vcpu;

#define VIPI_INIT          (1u << 0)
#define VIPI_SIPI          (1u << 1)
#define VIPI_VECTOR_SHIFT  8
#define VIPI_VECTOR_MASK   (0xFFu << VIPI_VECTOR_SHIFT)

/* An NMI arrived on v (an NMI exit, or in VMX root operation): true if it
 * is a kick (and v now owes it nothing), false if it is the guest's.
 * The kick is an explicit per-CPU flag that the sender sets before its
 * NMI and the first NMI that v sees afterwards clears; the sender waits
 * for that before it goes on (vmm/ipi/vipi.c). So NMIs are never counted: two
 * kicks cannot merge into one and leave a count behind that would later
 * eat a guest NMI. What the flag cannot tell apart, an NMI of the guest's
 * that arrives in the instant between the sender's flag and its NMI, is
 * taken as the kick, and the kick's own NMI then as the guest's: the INIT
 * the kick brings clears a pending guest NMI anyway (the INIT state has
 * none, vmm/exit/exit_init_sipi.c), and the late kick, microseconds behind,
 * reaches a CPU still in the INIT state, which drops it (a SIPI takes an
 * exit on the sender and another guest instruction at least). */
bool vipi_nmi_is_kick(struct vcpu *v);

/* The guest on v wrote icr_low with destination field dest (xAPIC: ICR
 * high bits 31:24; x2APIC: ICR bits 63:32). As a VM-exit outcome for the
 * handler of the trapped ICR write: true and *r set when vmm/ipi/vipi.c
 * dealt with it (EXIT_RESUME: the sender itself took INIT, its RIP must
 * not move), false when the caller must still perform the write itself. */
bool vipi_icr_exit(struct vcpu *v, uint32_t icr_low, uint32_t dest, enum exit_result *r);

/* Applies what other CPUs posted to v (on its NMI exit, or before any VM
 * entry), then, if v is in the INIT state, waits there for its SIPI. */
void vipi_take(struct vcpu *v);

/* exit_init_sipi.c */
void vcpu_virtual_init(struct vcpu *v);
void vcpu_virtual_sipi(struct vcpu *v, uint8_t vector);

#endif
