/* The VMX capability MSRs as read from this CPU (Intel SDM Vol. 3D,
 * Appendix A "VMX Capability Reporting Facility"); vmm/setup/vmx_caps.h judges
 * them. */
#ifndef PILLBOX_ARCH_VMX_CAP_READ_H
#define PILLBOX_ARCH_VMX_CAP_READ_H

#include <stdint.h>

struct vmx_cap_msrs {
	uint64_t basic;
	uint64_t pin, proc, exit, entry;   /* TRUE_* variants when BASIC[55] */
	uint64_t proc2;                    /* 0 when secondary controls absent */
	uint64_t ept_vpid;                 /* 0 when secondary controls absent */
	uint64_t misc;                     /* IA32_VMX_MISC */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

void vmx_cap_msrs_read(struct vmx_cap_msrs *m);

#endif
