/* Every VM exit lands here from arch/x86_64/vmx_entry.S. */
#include "vmm/policy/cr_policy.h"
#include "vmm/memory/ept_live.h"
#include "vmm/exit/exit_table.h"
#include "vmm/log/fatal.h"
#include "vmm/guest_state.h"
#include "vmm/event/vnmi.h"
#include "vmm/log/log.h"
#include "vmm/log/vmx_errors.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"

void vmexit_dispatch(struct vcpu *v);
__attribute__((noreturn)) void vmresume_failed(struct vcpu *v);

void inject_exception(unsigned vector, bool has_error, uint32_t error_code)
{
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | (vector & INTR_INFO_VECTOR_MASK);

	/* A fault pushes RFLAGS with RF = 1 (SDM Vol. 3A, 18.3.1.1
	 * "Instruction-Breakpoint Exception Condition"): the handler's IRET
	 * then re-executes the instruction without hitting its own
	 * instruction breakpoint again. The VMM's injected exceptions are
	 * all faults (#UD, #GP). */
	if (vector != VEC_DB && vector != VEC_BP && vector != VEC_OF)
		vmcs_writel(VMCS_GUEST_RFLAGS, vmcs_readl(VMCS_GUEST_RFLAGS) | RFLAGS_RF);

	/* In real mode (CR0.PE = 0, unrestricted guest) exceptions deliver no
	 * error code, and VM entry fails if the bit is set (SDM Vol. 3C,
	 * 27.2.1.3 "Checks on VM-Entry Control Fields"). */
	if (has_error && (vmcs_readl(VMCS_GUEST_CR0) & CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR, error_code);
	}
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info);
}

bool guest_in_64bit_mode(void)
{
	return (vmcs_read64(VMCS_GUEST_EFER) & EFER_LMA) && (vmcs_read32(VMCS_GUEST_CS_AR) & AR_L);
}

void guest_advance_rip(unsigned len)
{
	uint64_t rip = vmcs_readl(VMCS_GUEST_RIP) + len;
	bool long_mode = guest_in_64bit_mode();
	uint32_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	uint64_t rflags = vmcs_readl(VMCS_GUEST_RFLAGS);

	/* EIP wraps at 4 GiB outside 64-bit mode. */
	vmcs_writel(VMCS_GUEST_RIP, long_mode ? rip : rip & 0xFFFFFFFFull);
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY,
			     intr & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	/* The instruction completed with RF cleared (SDM Vol. 3A, 18.3.1.1);
	 * under TF it ends with a single-step trap, which the CPU delivers
	 * after VM entry from the pending debug exceptions (Vol. 3C, 25.4.2
	 * "Guest Non-Register State": BS, bit 14; 27.7.3 "Delivery of Pending
	 * Debug Exceptions after VM Entry"). */
	if (rflags & RFLAGS_RF)
		vmcs_writel(VMCS_GUEST_RFLAGS, rflags & ~RFLAGS_RF);
	if (rflags & RFLAGS_TF)
		vmcs_writel(VMCS_GUEST_PENDING_DBG, vmcs_readl(VMCS_GUEST_PENDING_DBG) | PENDING_DBG_BS);
}

/* Counts the exit and the cycles from entry to the dispatcher to now. */
static void count_exit(struct vcpu *v, unsigned basic, uint64_t start)
{
	uint64_t spent = rdtsc() - start;

	if (basic < HC_STATS_REASONS) {
		v->stats.count[basic]++;
		v->stats.cycles[basic] += spent;
	}
	v->stats.cycles_total += spent;
}

void vmexit_dispatch(struct vcpu *v)
{
	uint64_t start;
	uint32_t reason;
	unsigned basic;
	const struct exit_handler *h;
	enum exit_result r;

	vnmi_exit_begins(v);
	start = rdtsc();
	reason = vmcs_read32(VMCS_EXIT_REASON);
	basic = reason & EXIT_REASON_BASIC_MASK;
	h = exit_handler_for(basic);
	v->exits++;
	v->state_reset = false;
	if (!h || !h->handler) {
		log_err("exit", "exit reason %u (raw %x) outside the table", basic, reason);
		vmm_fatal(v, "unknown VM-exit reason");
	}
	if (reason & EXIT_REASON_FAILED_VMENTRY)
		r = handle_entry_failure(v);
	else
		r = h->handler(v);

	switch (r) {
	case EXIT_NEXT_INSN:
		guest_advance_rip(vmcs_read32(VMCS_EXIT_INSN_LEN));
		break;
	case EXIT_RESUME:
		/* An event the exit interrupted is delivered again. */
		exit_complete_events(v, basic);
		break;
	case EXIT_FATAL:
	default:
		vmm_fatal(v, h->name);
	}
	/* INIT/SIPI posted by another CPU while this one was busy here, and
	 * the guest's NMIs: the exit's last VMCS work. */
	vnmi_finish_exit(v);
	/* EPT memory types changed (on any CPU): INVEPT here first. */
	ept_live_sync(v);
	count_exit(v, basic, start);
}

void vmresume_failed(struct vcpu *v)
{
	uint32_t err = vmcs_read32(VMCS_VM_INSN_ERROR);

	log_err("vmx", "VMRESUME failed: error %u (%s)", err, vmx_insn_error_string(err));
	vmm_fatal(v, "VMRESUME failed");
}
