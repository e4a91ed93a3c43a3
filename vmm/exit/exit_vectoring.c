/* exit_complete_events() and exit_during_event_delivery(), as
 * vmm/exit/exit_table.h describes them. */
#include "vmm/exit/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/ipi/init_sipi.h"
#include "vmm/log/log.h"
#include "vmm/event/vmx_event.h"
#include "vmm/policy/cr_policy.h"
#include "arch/x86_64/vectors.h"


bool exit_during_event_delivery(void)
{
	return (vmcs_read32(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID) != 0;
}

/* 28.2.3: bit 12 of the EPT-violation qualification, or of the exit
 * interruption information of an exception exit other than #DF, says the
 * faulting instruction was an IRET that had unblocked virtual NMIs. It is
 * defined only when the exit did not occur during event delivery. */
static bool iret_unblocked_nmis(unsigned basic)
{
	uint32_t info;

	if (basic == EXIT_REASON_EPT_VIOLATION)
		return (vmcs_readl(VMCS_EXIT_QUALIFICATION) & EPT_QUAL_NMI_UNBLOCK_IRET) != 0;
	if (basic != EXIT_REASON_EXCEPTION_NMI)
		return false;
	info = vmcs_read32(VMCS_EXIT_INTR_INFO);
	return (info & (INTR_INFO_VALID | INTR_TYPE_MASK)) == (INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION) &&
	       (info & INTR_INFO_VECTOR_MASK) != VEC_DF && (info & INTR_INFO_NMI_UNBLOCK_IRET);
}

static void set_blocking(uint32_t bits, bool blocked)
{
	uint32_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	uint32_t want = blocked ? intr | bits : intr & ~bits;

	if (want != intr)
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, want);
}

static void inject(const struct vmx_event *e)
{
	uint32_t activity = vmcs_read32(VMCS_GUEST_ACTIVITY_STATE);

	/* The event was being delivered, so the CPU was not waiting; an
	 * exit in the middle of it may still record HLT, where VM entry
	 * injects only some types (27.3.1.5). Delivery makes it active. */
	if (activity == ACTIVITY_HLT)
		vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	else if (activity != ACTIVITY_ACTIVE)
		return;   /* wait-for-SIPI or shutdown: nothing is delivered there */
	/* An external interrupt was being delivered only with RFLAGS.IF set
	 * (the exit saves RFLAGS as it was before delivery); without it this
	 * is no state a CPU leaves, and VM entry would refuse the injection
	 * (27.3.1.5). */
	if ((e->info & INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR &&
	    !(vmcs_readl(VMCS_GUEST_RFLAGS) & RFLAGS_IF)) {
		log_warn("exit", "external interrupt %u cut short with RFLAGS.IF clear: not "
			 "injected again", e->info & INTR_INFO_VECTOR_MASK);
		return;
	}
	/* No event is delivered in an STI or MOV-SS shadow, and an NMI whose
	 * delivery was cut short had no virtual-NMI blocking yet: the exit
	 * can record neither, and VM entry injects under neither (27.3.1.5;
	 * the injected NMI sets its blocking again). */
	set_blocking(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS, false);
	if ((e->info & INTR_TYPE_MASK) == INTR_TYPE_NMI)
		set_blocking(INTERRUPTIBILITY_NMI, false);
	if (e->info & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR, e->error);
	if (e->insn_len)
		vmcs_write32(VMCS_ENTRY_INSN_LEN, e->insn_len);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, e->info);
}

/* The handler queued a fault while the exit interrupted delivery of e. */
static void combine(struct vcpu *v, const struct vmx_event *e, uint32_t queued)
{
	if ((queued & INTR_TYPE_MASK) != INTR_TYPE_HW_EXCEPTION)
		return;
	switch (vmx_event_combine(e->info, queued & INTR_INFO_VECTOR_MASK)) {
	case EVENT_DOUBLE_FAULT:
		log_debug("exit", "fault %u during delivery of event %08x: #DF",
			  queued & INTR_INFO_VECTOR_MASK, e->info);
		inject_exception(VEC_DF, true, 0);
		return;
	case EVENT_SHUTDOWN:
		log_warn("exit", "fault %u during delivery of a double fault: the guest triple faults",
			 queued & INTR_INFO_VECTOR_MASK);
		handle_triple_fault(v);
		return;
	case EVENT_SECOND_ONLY:
	default:
		return;
	}
}

void exit_complete_events(struct vcpu *v, unsigned basic)
{
	uint32_t idt = vmcs_read32(VMCS_IDT_VECTORING_INFO), queued;
	struct vmx_event e;

	if (v->state_reset)
		return;
	if (!(idt & INTR_INFO_VALID)) {
		if (iret_unblocked_nmis(basic))
			set_blocking(INTERRUPTIBILITY_NMI, true);
		return;
	}
	if (!vmx_event_from_vectoring(idt, vmcs_read32(VMCS_IDT_VECTORING_ERROR),
				      vmcs_read32(VMCS_EXIT_INSN_LEN),
				      (vmcs_readl(VMCS_GUEST_CR0) & CR0_PE) != 0, &e)) {
		log_warn("exit", "IDT-vectoring information %08x (exit reason %u) names no event VM "
			 "entry can inject: not injected again", idt, basic);
		return;
	}
	queued = vmcs_read32(VMCS_ENTRY_INTR_INFO);
	if (queued & INTR_INFO_VALID)
		combine(v, &e, queued);
	else
		inject(&e);
}
