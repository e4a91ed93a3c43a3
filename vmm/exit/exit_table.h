/* The VM-exit dispatch table (vmm/exit/exit_table.c) and its handlers.
 *
 * Return contract of every handler:
 *   EXIT_NEXT_INSN  the exiting instruction was emulated: the dispatcher
 *                   advances guest RIP by the VM-exit instruction length
 *                   (guest_advance_rip: STI/MOV SS blocking, RF, TF), then
 *                   resumes;
 *   EXIT_RESUME     resume the guest as the handler left it (RIP unchanged:
 *                   an exception was injected, EPT was fixed; or RIP was
 *                   set by the handler, e.g. guest_advance_rip() with a
 *                   decoded length);
 *   EXIT_FATAL      the guest cannot continue: the dispatcher dumps state
 *                   and stops this CPU (vmm_fatal). Handlers that reset the
 *                   platform do not return.
 * Handlers run with the vcpu's VMCS current and guest GPRs in v->gpr. */
#ifndef PILLBOX_VMM_EXIT_TABLE_H
#define PILLBOX_VMM_EXIT_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/exit/exit_reasons.h"

struct vcpu;

enum exit_result {
	EXIT_NEXT_INSN,
	EXIT_RESUME,
	EXIT_FATAL,
};

typedef enum exit_result (*exit_handler_fn)(struct vcpu *v);

struct exit_handler {
	exit_handler_fn handler;
	const char *name;       /* the SDM's name of the reason */
};

/* Entry for a basic exit reason, or NULL when out of range. Every entry
 * in range has a handler and a name. */
const struct exit_handler *exit_handler_for(unsigned basic_reason);

/* The handlers, by the file that holds each: vmm/exit/ unless named. */
/* exit_cpuid.c */
enum exit_result handle_cpuid(struct vcpu *v);
/* exit_cr.c */
enum exit_result handle_cr_access(struct vcpu *v);
/* exit_msr.c */
enum exit_result handle_rdmsr(struct vcpu *v);
enum exit_result handle_wrmsr(struct vcpu *v);
/* exit_io.c */
enum exit_result handle_io_instruction(struct vcpu *v);
/* exit_insn.c */
enum exit_result handle_xsetbv(struct vcpu *v);
enum exit_result handle_invd(struct vcpu *v);
enum exit_result handle_task_switch(struct vcpu *v);
enum exit_result handle_undefined_opcode(struct vcpu *v);
/* exit_ept.c */
enum exit_result handle_ept_violation(struct vcpu *v);
enum exit_result handle_ept_misconfig(struct vcpu *v);
/* exit_apic.c: emulated writes to the local APIC page, for exit_ept.c. */
bool apic_page_contains(uint64_t gpa);
/* A guest write to the APIC page at gpa (an EPT violation). */
enum exit_result apic_write_exit(struct vcpu *v, uint64_t gpa);
/* exit_init_sipi.c */
enum exit_result handle_init_signal(struct vcpu *v);
enum exit_result handle_sipi(struct vcpu *v);
/* hypercall.c */
enum exit_result handle_vmcall(struct vcpu *v);
/* vmm/event/vnmi.c, with the NMI state they keep */
enum exit_result handle_exception_nmi(struct vcpu *v);
enum exit_result handle_nmi_window(struct vcpu *v);
/* exit_fatal.c: a triple fault, a failed VM entry, reasons that cannot
 * occur with the controls Pillbox sets (handle_unexpected: logged as
 * unexpected, then EXIT_FATAL), numbers the SDM does not use. */
enum exit_result handle_triple_fault(struct vcpu *v);
enum exit_result handle_entry_failure(struct vcpu *v);
enum exit_result handle_unexpected(struct vcpu *v);
enum exit_result handle_reserved(struct vcpu *v);

/* exit_vectoring.c: what an exit that the VMM resumes without emulating
 * an instruction owes the guest (exit_dispatch.c calls it for
 * EXIT_RESUME):
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
void exit_complete_events(struct vcpu *v, unsigned basic_reason);
/* True when this exit happened during event delivery: a handler must then
 * not emulate the access as if an instruction had made it. */
bool exit_during_event_delivery(void);

#endif
