/* What an exit that the VMM resumes without emulating an instruction owes
 * the guest (vmm/exit/exit_dispatch.c calls it for EXIT_RESUME):
 *  - the event whose delivery the exit interrupted (IDT-vectoring
 *    information, SDM Vol. 3C, 28.2.4 "Information for VM Exits That Occur
 *    During Event Delivery") is injected again (27.6 "Event Injection";
 *    32.7.1.2 "Resuming Guest Software after Handling an Exception"), or
 *    meets the fault the handler queued (vmm/event/vmx_event.h);
 *  - an IRET that unblocked virtual NMIs and then faulted (exit
 *    qualification or interruption-information bit 12, 28.2.3
 *    "Information About NMI Unblocking Due to IRET") runs again with the
 *    guest's NMIs still blocked, as before it.
 * Nothing after an exit that loaded the INIT or SIPI state: that state
 * has no event in flight. */
#ifndef PILLBOX_VMM_EXIT_VECTORING_H
#define PILLBOX_VMM_EXIT_VECTORING_H

#include <stdbool.h>

struct vcpu;

void exit_complete_events(struct vcpu *v, unsigned basic_reason);

/* True when this exit happened during event delivery: a handler must then
 * not emulate the access as if an instruction had made it. */
bool exit_during_event_delivery(void);

#endif
