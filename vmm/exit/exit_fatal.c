/* Exits with no way to go on, and exits our controls rule out. Each is
 * logged with its name; the dispatcher then dumps and stops the CPU. */
#include "vmm/exit/exit_table.h"
#include "vmm/log/fatal.h"
#include "vmm/guest_state.h"
#include "vmm/log/log.h"
#include "vmm/log/vmx_errors.h"

enum exit_result handle_unexpected(struct vcpu *v)
{
	unsigned basic = vmcs_read32(VMCS_EXIT_REASON) & EXIT_REASON_BASIC_MASK;
	const struct exit_handler *h = exit_handler_for(basic);

	(void)v;
	log_err("exit", "unexpected VM exit '%s' (reason %u): the controls in use should "
		"never cause it", h ? h->name : "?", basic);
	return EXIT_FATAL;
}

enum exit_result handle_reserved(struct vcpu *v)
{
	(void)v;
	log_err("exit", "VM exit with reason %u, which the SDM does not define",
		vmcs_read32(VMCS_EXIT_REASON) & EXIT_REASON_BASIC_MASK);
	return EXIT_FATAL;
}

/* SDM 27.8: a VM entry that fails after the VMCS checks exits with bit 31
 * of the reason set; guest state is as the VMM wrote it. */
enum exit_result handle_entry_failure(struct vcpu *v)
{
	uint32_t reason = vmcs_read32(VMCS_EXIT_REASON);
	uint64_t qual = vmcs_readl(VMCS_EXIT_QUALIFICATION);

	(void)v;
	log_err("vmx", "VM entry failed: %s (reason %x, qualification %llx)",
		vmx_entry_failure_string(reason & EXIT_REASON_BASIC_MASK, qual), reason,
		(unsigned long long)qual);
	return EXIT_FATAL;
}

/* A triple fault would shut the CPU down; on a PC that ends in a platform
 * reset, which is what we do after the dump (SDM Vol. 3C, 26.2 "Other
 * Causes of VM Exits": triple fault). */
enum exit_result handle_triple_fault(struct vcpu *v)
{
	log_err("exit", "guest triple fault: dumping state, then platform reset");
	vmcs_dump(v);
	platform_reset();
}
