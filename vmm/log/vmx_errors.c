#include "vmm/log/vmx_errors.h"
#include "vmm/exit/exit_reasons.h"
#include "lib/lib.h"

static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_string(uint32_t error)
{
	if (error < ARRAY_SIZE(insn_errors) && insn_errors[error])
		return insn_errors[error];
	return "unknown VM-instruction error";
}

const char *vmx_entry_failure_string(uint32_t basic_reason, uint64_t qualification)
{
	switch (basic_reason) {
	case EXIT_REASON_INVALID_GUEST_STATE:
		switch (qualification) {
		case 0: return "invalid guest state (no further detail)";
		case 2: return "invalid guest state: failure loading PDPTEs";
		case 3: return "invalid guest state: NMI injection with blocking by NMI";
		case 4: return "invalid guest state: invalid VMCS link pointer";
		default: return "invalid guest state (unknown qualification)";
		}
	case EXIT_REASON_MSR_LOADING:
		return "failure loading MSRs (qualification = failing entry, from 1)";
	case EXIT_REASON_MACHINE_CHECK:
		return "machine-check event during VM entry";
	default:
		return "VM entry failed for an unknown reason";
	}
}
