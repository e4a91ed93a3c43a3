/* The guest's NMIs. NMI exiting is on (the VMM's kick, vmm/ipi/vipi.h), so
 * every NMI, the guest's too, first reaches the VMM: as an NMI exit, or in
 * the host IDT while the CPU is in VMX root operation. One that is not a
 * kick is the guest's and is injected as soon as the guest can take it.
 * With virtual NMIs the guest's NMI blocking is its own: injection sets
 * it, the guest's IRET ends it (SDM Vol. 3C, 26.3 "Changes to Instruction
 * Behavior in VMX Non-Root Operation", IRET; 27.6.1 "Interruptibility
 * State"), and when the guest cannot take its NMI yet (in its NMI handler,
 * in a MOV-SS or STI shadow, or another event is being injected),
 * NMI-window exiting brings the CPU back at the first instruction where it
 * can (26.7.6 "NMI-Window Exiting").
 *
 * An NMI in VMX root operation after the exit's last VMCS access, in the
 * few instructions before VM entry, cannot be handled by that exit any
 * more: the host handler then sets NMI-window exiting itself (nothing else
 * writes the VMCS at that point), so that the CPU exits again as soon as
 * the guest can take an NMI and the NMI, or what the kick posted, is taken
 * then. The exit's tail and the handler agree through v->vmcs_quiet and
 * v->nmi_arrivals (vnmi_finish_exit). */
#ifndef PILLBOX_VMM_VNMI_H
#define PILLBOX_VMM_VNMI_H

struct vcpu;

/* First thing of every exit, before any VMCS access: from here on the
 * host NMI handler leaves the VMCS to the exit. */
void vnmi_exit_begins(struct vcpu *v);

/* Last VMCS work of every exit: takes what other CPUs posted (vmm/ipi/vipi.h),
 * injects a waiting guest NMI or asks for an NMI window, and hands the
 * VMCS to the host NMI handler until the next exit. */
void vnmi_finish_exit(struct vcpu *v);

#endif
