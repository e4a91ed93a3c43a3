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
/* exit_io.c: handle_io_instruction(), in exit_io.h */
/* exit_insn.c */
enum exit_result handle_xsetbv(struct vcpu *v);
enum exit_result handle_invd(struct vcpu *v);
enum exit_result handle_task_switch(struct vcpu *v);
enum exit_result handle_vmx_instruction(struct vcpu *v);
enum exit_result handle_undefined_opcode(struct vcpu *v);
/* exit_ept.c */
enum exit_result handle_ept_violation(struct vcpu *v);
enum exit_result handle_ept_misconfig(struct vcpu *v);
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

#endif
