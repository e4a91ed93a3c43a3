/* Which event the next VM entry delivers, from what a VM exit reports.
 * Pure logic over the interruption-information format (Intel SDM Vol. 3C,
 * 25.8.3 "VM-Entry Controls for Event Injection", Table 25-17): vmm/event/vnmi.c
 * and vmm/exit/exit_dispatch.c read and write the VMCS.
 *  - An exit during event delivery (IDT-vectoring information, 28.2.4
 *    "Information for VM Exits That Occur During Event Delivery") leaves
 *    that event undelivered: the VMM injects it again (27.6 "Event
 *    Injection"), unless the handler queued a fault of its own, which then
 *    meets the interrupted event as a second exception would (Vol. 3A,
 *    7.15, "Interrupt 8", Table 7-5 "Conditions for Generating a Double
 *    Fault").
 *  - A guest NMI is injected only when the guest can take it (27.3.1.5
 *    "Checks on Guest Non-Register State"), else NMI-window exiting waits
 *    for that moment (26.7.6 "NMI-Window Exiting"). */
#ifndef PILLBOX_VMM_VMX_EVENT_H
#define PILLBOX_VMM_VMX_EVENT_H

#include <stdbool.h>
#include <stdint.h>

struct vmx_event {
	uint32_t info;      /* VM-entry interruption-information format */
	uint32_t error;     /* the error code, when info delivers one */
	uint32_t insn_len;  /* software interrupts and exceptions: 1-15 */
};

/* The event whose delivery the exit interrupted, as VM entry must inject
 * it: vector, type, the error code where VM entry delivers one (a
 * hardware exception that has one, with CR0.PE = 1: 27.2.1.3), the
 * instruction length for software events (INT n, INT1, INT3, INTO: 28.2.5
 * gives it for these exits), reserved bits 30:12 clear. False when
 * idt_info is not valid, or is nothing VM entry can inject (reserved
 * type 1, type 7, an NMI not on vector 2, a hardware exception above 31, a
 * software event without a length of 1-15): such an exit is not from a
 * real CPU, and nothing is injected. */
bool vmx_event_from_vectoring(uint32_t idt_info, uint32_t idt_error, uint32_t exit_insn_len,
			      bool cr0_pe, struct vmx_event *out);

/* A handler queued hardware exception `second` while the exit interrupted
 * delivery of `first` (an interruption-information value). Table 7-5:
 * benign first events (interrupts, NMIs, software events, #DB, #BP, ...)
 * let the second be delivered alone; contributory (#DE, #TS, #NP, #SS,
 * #GP, #CP) then contributory, and a page fault (#PF, #VE) then
 * contributory or page fault, are a double fault; a contributory or page
 * fault during #DF delivery shuts the processor down. */
enum vmx_event_combined {
	EVENT_SECOND_ONLY,
	EVENT_DOUBLE_FAULT,
	EVENT_SHUTDOWN,
};
enum vmx_event_combined vmx_event_combine(uint32_t first_info, unsigned second_vector);

/* VM entry may inject an NMI now: no blocking by MOV SS or by NMI (with
 * virtual NMIs: virtual-NMI blocking, 27.3.1.5), none by STI either (some
 * processors refuse NMI injection in an STI shadow, the same section; the
 * NMI-window exit waits for it too), and the activity state is active or
 * HLT (an NMI may be injected into HLT, not into wait-for-SIPI or
 * shutdown for our purposes: the VMM drops NMIs of a CPU in the INIT
 * state). */
bool vmx_nmi_injectable(uint32_t interruptibility, uint32_t activity);

#endif
