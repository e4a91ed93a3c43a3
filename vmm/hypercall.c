/* VMCALL: the hypercall ABI of vmm/hypercall.h (docs/hypercalls.md). */
#include "vmm/devirtualize.h"
#include "vmm/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/hypercall.h"
#include "vmm/integrity.h"
#include "vmm/log.h"
#include "vmm/vmm.h"

enum exit_result handle_vmcall(struct vcpu *v)
{
	uint64_t nr = v->gpr[GPR_RAX];
	int64_t status = HC_OK;

	if (guest_cpl() != 0) {
		v->gpr[GPR_RAX] = (uint64_t)(int64_t)HC_EPERM;
		return EXIT_NEXT_INSN;
	}
	switch (nr) {
	case HC_PING:
		v->gpr[GPR_RBX] = HC_PING_REPLY;
		v->gpr[GPR_RCX] = HV_VERSION;
		break;
	case HC_VMM_REGION:
		v->gpr[GPR_RBX] = vmm.bi.region_base;
		v->gpr[GPR_RCX] = vmm.bi.region_size;
		break;
	case HC_INTEGRITY:
		v->gpr[GPR_RBX] = integrity_hash();
		break;
	case HC_DEVIRTUALIZE:
		status = devirtualize(v); /* returns only when refused */
		break;
	case HC_SEAL:
		devirtualize_seal();
		log_info("hcall", "launch sealed: CPUs can no longer leave the VMM");
		break;
	default:
		log_debug("hcall", "unknown hypercall %llx", (unsigned long long)nr);
		status = HC_ENOSYS;
		break;
	}
	v->gpr[GPR_RAX] = (uint64_t)status;
	return EXIT_NEXT_INSN;
}
