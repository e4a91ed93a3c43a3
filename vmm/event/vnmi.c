/* The guest's NMIs and the NMI and NMI-window exits (vmm/event/vnmi.h). */
#include "vmm/event/vnmi.h"
#include "vmm/exit/exit_table.h"
#include "vmm/ipi/init_sipi.h"
#include "vmm/vcpu.h"
#include "vmm/ipi/vipi.h"
#include "vmm/event/vmx_event.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/descriptors.h"  /* vnmi_host_nmi() */
#include "arch/x86_64/vectors.h"
#include "arch/x86_64/vmx.h"

void vnmi_exit_begins(struct vcpu *v)
{
	__atomic_store_n(&v->vmcs_quiet, false, __ATOMIC_SEQ_CST);
}

static void set_nmi_window(bool on)
{
	uint32_t proc = vmcs_read32(VMCS_PROC_CTLS);
	uint32_t want = on ? proc | PROC_NMI_WINDOW : proc & ~PROC_NMI_WINDOW;

	if (want != proc)
		vmcs_write32(VMCS_PROC_CTLS, want);
}

/* A guest NMI that waits is injected if the guest can take it now and no
 * other event is being injected; else the NMI window brings the CPU back
 * when it can (after the other event's delivery, at the earliest). A CPU
 * in the INIT state has no NMI to take: the NMI is dropped there. */
static void deliver_nmi(struct vcpu *v)
{
	uint32_t activity = vmcs_read32(VMCS_GUEST_ACTIVITY_STATE);
	bool nmi = __atomic_exchange_n(&v->nmi_pending, false, __ATOMIC_SEQ_CST);
	bool window = false;

	if (v->wait_sipi || activity == ACTIVITY_WAIT_FOR_SIPI)
		nmi = false;
	if (nmi) {
		if (!(vmcs_read32(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) &&
		    vmx_nmi_injectable(vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY), activity)) {
			vmcs_write32(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | VEC_NMI);
		} else {
			__atomic_store_n(&v->nmi_pending, true, __ATOMIC_SEQ_CST);
			window = true;
		}
	}
	set_nmi_window(window);
}

/* The tail of an exit and the host NMI handler: an NMI that came while
 * the tail was still at the VMCS (nmi_arrivals moved) is dealt with by
 * another round; one that comes once vmcs_quiet is set finds the VMCS to
 * itself (vnmi_host_nmi). Each round needs a new NMI, so this ends. */
void vnmi_finish_exit(struct vcpu *v)
{
	for (;;) {
		uint32_t seen = __atomic_load_n(&v->nmi_arrivals, __ATOMIC_SEQ_CST);

		if (__atomic_load_n(&v->ipi_pending, __ATOMIC_ACQUIRE) || v->wait_sipi)
			vipi_take(v);
		deliver_nmi(v);
		__atomic_store_n(&v->vmcs_quiet, true, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&v->nmi_arrivals, __ATOMIC_SEQ_CST) == seen)
			return;
		__atomic_store_n(&v->vmcs_quiet, false, __ATOMIC_SEQ_CST);
	}
}

void vnmi_host_nmi(struct vcpu *v)
{
	if (!vipi_nmi_is_kick(v))
		__atomic_store_n(&v->nmi_pending, true, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&v->nmi_arrivals, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->vmcs_quiet, __ATOMIC_SEQ_CST))
		set_nmi_window(true);
}

/* NMI exiting (the kick): an NMI exit is a kick (take what was posted) or
 * the guest's NMI, injected by vnmi_finish_exit. The guest's own
 * virtual-NMI blocking in the exit's interruptibility state is left as it
 * is: a physical NMI exits whatever the guest's blocking (27.6.1). */
enum exit_result handle_exception_nmi(struct vcpu *v)
{
	uint32_t info = vmcs_read32(VMCS_EXIT_INTR_INFO);

	if ((info & (INTR_INFO_VALID | INTR_TYPE_MASK)) != (INTR_INFO_VALID | INTR_TYPE_NMI))
		return handle_unexpected(v);
	/* The NMI that caused this exit blocks further NMIs in VMX root
	 * operation until an IRET (SDM Vol. 3C, 28.1 "Architectural State
	 * Before a VM Exit"; VM entry would end that blocking too, 27.6.1,
	 * but only then). The IRET lets a kick or guest NMI that comes while
	 * this CPU is still here (waiting for its SIPI, say) reach the host
	 * handler as after any other exit. Not a Bochs workaround: the SDM
	 * requires it. */
	nmi_unblock_by_iret();
	if (vipi_nmi_is_kick(v))
		vipi_take(v);
	else
		v->nmi_pending = true;
	return EXIT_RESUME;
}

/* NMI-window exit: the guest can take an NMI now; vnmi_finish_exit
 * injects the one that waits (or finds nothing left, after a kick in the
 * tail of the last exit, and switches the window off). */
enum exit_result handle_nmi_window(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME;
}
