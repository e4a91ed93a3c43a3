/* VMX failures in words. */
#ifndef PILLBOX_VMM_VMX_ERRORS_H
#define PILLBOX_VMM_VMX_ERRORS_H

#include <stdint.h>

/* VM-instruction error number (SDM Vol. 3C, 31.4 "VM Instruction Error
 * Numbers") as text; "unknown VM-instruction error" if out of range. */
const char *vmx_insn_error_string(uint32_t error);

/* Exit qualification of a VM-entry failure due to invalid guest state
 * (SDM 27.8 "VM-Entry Failures During or After Loading Guest State"). */
const char *vmx_entry_failure_string(uint32_t basic_reason, uint64_t qualification);

#endif
