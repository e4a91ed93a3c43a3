/* The VMX capabilities Pillbox relies on, checked from the capability MSRs
 * (Intel SDM Vol. 3D, Appendix A "VMX Capability Reporting Facility").
 * Pure logic: the loader runs it to refuse with a list of what is missing,
 * the core runs it again before VMXON and derives its controls from it. */
#ifndef PILLBOX_VMM_VMX_CAPS_H
#define PILLBOX_VMM_VMX_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86_64/vmx_cap_read.h"

/* The control values to use, each = (wanted | must-be-1) & may-be-1. */
struct vmx_controls {
	uint32_t pin, proc, proc2, exit, entry;
	bool ept_1g;          /* EPT may map 1 GiB pages */
	bool invept_single;   /* else all-context */
	bool vpid;            /* the guest runs with VMX_GUEST_VPID */
};

#define VMX_CAPS_MAX_MISSING 24u

/* With VPIDs (when the CPU has them and single-context INVVPID) the
 * guest's TLB entries carry this tag and survive VM exits and entries
 * (SDM Vol. 3C, 29.1 "Virtual Processor Identifiers (VPIDs)"); the VMM
 * runs with VPID 0. Every CPU's guest uses the same one. */
#define VMX_GUEST_VPID 1u

/* Lists each missing capability by a short name (e.g. "unrestricted
 * guest"); returns how many (0: all present). names may be NULL. */
unsigned vmx_caps_missing(const struct vmx_cap_msrs *m, const char **names,
			  unsigned max_names);

/* Writes the first of the n names into buf as one list, "a, b, c", as many
 * as fit in size bytes with its terminator; when not all fit, reserve
 * bytes stay free for the caller's ", and N more". Returns how many names
 * it wrote. */
unsigned vmx_caps_join(const char *const *names, unsigned n, char *buf, size_t size,
		       size_t reserve);

/* What is missing, for a "missing VMX %s" log line: "capability: EPT" or
 * "capabilities: EPT, unrestricted guest", ending ", and N more" for the
 * names that do not fit in size bytes. Returns how many are missing (0:
 * buf is ""). VMX_CAPS_TEXT_MAX bytes: the text fits a log line (vmm/log/log.h)
 * after "[ERROR cpuNNN boot] refused: missing VMX ". */
#define VMX_CAPS_TEXT_MAX 206u
unsigned vmx_caps_describe_missing(const struct vmx_cap_msrs *m, char *buf, size_t size);

/* Computes the controls (call only when nothing is missing). */
void vmx_controls_compute(const struct vmx_cap_msrs *m, struct vmx_controls *c);

/* Allowed-0/allowed-1 adjustment of a control word (SDM A.3.1). */
static inline uint32_t vmx_adjust_ctl(uint64_t cap_msr, uint32_t wanted)
{
	return (wanted | (uint32_t)cap_msr) & (uint32_t)(cap_msr >> 32);
}

#endif
