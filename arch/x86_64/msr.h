/* Model-specific register numbers and bits (Intel SDM Vol. 4, Chapter 2
 * "Model-Specific Registers (MSRs)"). */
#ifndef PILLBOX_ARCH_MSR_H
#define PILLBOX_ARCH_MSR_H

#include "vmm/msr_policy.h"  /* IA32_FEATURE_CONTROL and its bits */

#define MSR_IA32_SYSENTER_CS    0x174u
#define MSR_IA32_SYSENTER_ESP   0x175u
#define MSR_IA32_SYSENTER_EIP   0x176u
#define MSR_IA32_DEBUGCTL       0x1D9u
#define MSR_IA32_PAT            0x277u
#define MSR_IA32_EFER           0xC0000080u
#define MSR_FS_BASE             0xC0000100u
#define MSR_GS_BASE             0xC0000101u

#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/* VMX capability MSRs (SDM Vol. 3D, Appendix A "VMX Capability Reporting
 * Facility"). */
#define MSR_IA32_VMX_BASIC              0x480u
#define MSR_IA32_VMX_PINBASED_CTLS      0x481u
#define MSR_IA32_VMX_PROCBASED_CTLS     0x482u
#define MSR_IA32_VMX_EXIT_CTLS          0x483u
#define MSR_IA32_VMX_ENTRY_CTLS         0x484u
#define MSR_IA32_VMX_MISC               0x485u
#define MSR_IA32_VMX_CR0_FIXED0         0x486u
#define MSR_IA32_VMX_CR0_FIXED1         0x487u
#define MSR_IA32_VMX_CR4_FIXED0         0x488u
#define MSR_IA32_VMX_CR4_FIXED1         0x489u
#define MSR_IA32_VMX_PROCBASED_CTLS2    0x48Bu
#define MSR_IA32_VMX_EPT_VPID_CAP       0x48Cu
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48Du
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48Eu
#define MSR_IA32_VMX_TRUE_EXIT_CTLS     0x48Fu
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS    0x490u

/* IA32_VMX_BASIC (A.1 "Basic VMX Information"). */
#define VMX_BASIC_REVISION_MASK  0x7FFFFFFFull
#define VMX_BASIC_TRUE_CTLS      (1ull << 55)

/* IA32_VMX_EPT_VPID_CAP (A.10 "VPID and EPT Capabilities"). */
#define EPT_CAP_WALK_4           (1ull << 6)
#define EPT_CAP_MEMTYPE_WB       (1ull << 14)
#define EPT_CAP_2M               (1ull << 16)
#define EPT_CAP_1G               (1ull << 17)
#define EPT_CAP_INVEPT           (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE    (1ull << 25)
#define EPT_CAP_INVEPT_ALL       (1ull << 26)
#define EPT_CAP_INVVPID          (1ull << 32)
#define EPT_CAP_INVVPID_SINGLE   (1ull << 41)

#endif
