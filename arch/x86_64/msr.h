/* Model-specific register numbers and bits (Intel SDM Vol. 4, Chapter 2
 * "Model-Specific Registers (MSRs)"). */
#ifndef PILLBOX_ARCH_MSR_H
#define PILLBOX_ARCH_MSR_H

#define MSR_IA32_SYSENTER_CS    0x174u
#define MSR_IA32_SYSENTER_ESP   0x175u
#define MSR_IA32_SYSENTER_EIP   0x176u
#define MSR_IA32_DEBUGCTL       0x1D9u
#define MSR_IA32_PAT            0x277u
#define MSR_IA32_EFER           0xC0000080u
#define MSR_FS_BASE             0xC0000100u
#define MSR_GS_BASE             0xC0000101u

#define MSR_IA32_FEATURE_CONTROL   0x3Au
#define FEATURE_CONTROL_LOCK       (1ull << 0)
#define FEATURE_CONTROL_VMX_IN_SMX (1ull << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define MSR_IA32_BIOS_UPDT_TRIG    0x79u   /* microcode update trigger */
#define MSR_IA32_VMX_FIRST         0x480u  /* IA32_VMX_BASIC */
#define MSR_IA32_VMX_LAST          0x493u  /* IA32_VMX_EXIT_CTLS2 */
/* The debug store (BTS, PEBS) and Intel PT (Vol. 4, Table 2-2). */
#define MSR_IA32_PEBS_ENABLE       0x3F1u
#define MSR_PEBS_DATA_CFG          0x3F2u
#define MSR_PEBS_LD_LAT            0x3F6u
#define MSR_PEBS_FRONTEND          0x3F7u
#define MSR_IA32_RTIT_OUTPUT_BASE  0x560u
#define MSR_IA32_RTIT_OUTPUT_MASK  0x561u
#define MSR_IA32_RTIT_CTL          0x570u
#define MSR_IA32_RTIT_CR3_MATCH    0x572u
#define MSR_IA32_RTIT_ADDR0_A      0x580u
#define MSR_IA32_RTIT_ADDR3_B      0x587u
#define MSR_IA32_DS_AREA           0x600u
/* IA32_DEBUGCTL bits that store branch records into the DS save area
 * (Vol. 3B, 18.4.9 "BTS"; 19.4.4 "Branch Trace Store"): BTS, BTINT,
 * BTS_OFF_OS, BTS_OFF_USR. */
#define DEBUGCTL_BTS_BITS          (0xFull << 7)

/* The x2APIC ICR (Vol. 3A, 11.12.1.2 "x2APIC Register Address Space",
 * Table 11-6): the other x2APIC registers are X2APIC_MSR_BASE + xAPIC
 * offset / 16 (arch/x86_64/lapic.h). */
#define MSR_X2APIC_ICR             0x830u

/* IA32_APIC_BASE (SDM Vol. 3A, 11.4.4 "Local APIC Status and Location",
 * Figure 11-5). */
#define MSR_IA32_APIC_BASE      0x1Bu
#define APIC_BASE_RESERVED_LOW  0x2FFull      /* bits 0-7 and 9 */
#define APIC_BASE_BSP           (1ull << 8)
#define APIC_BASE_X2APIC        (1ull << 10)  /* EXTD */
#define APIC_BASE_ENABLE        (1ull << 11)  /* EN */
#define APIC_BASE_ADDR_MASK     0x000FFFFFFFFFF000ull

/* MTRRs (Vol. 3A, 12.11 "Memory Type Range Registers (MTRRs)"). */
#define MSR_IA32_MTRRCAP         0xFEu
#define MSR_IA32_MTRR_PHYSBASE0  0x200u   /* PHYSBASEn = 0x200 + 2n */
#define MSR_IA32_MTRR_PHYSMASK0  0x201u   /* PHYSMASKn = 0x201 + 2n */
#define MSR_IA32_MTRR_FIX64K_00000 0x250u
#define MSR_IA32_MTRR_FIX16K_80000 0x258u
#define MSR_IA32_MTRR_FIX16K_A0000 0x259u
#define MSR_IA32_MTRR_FIX4K_C0000  0x268u
#define MSR_IA32_MTRR_FIX4K_F8000  0x26Fu
#define MSR_IA32_MTRR_DEF_TYPE   0x2FFu

#define MTRRCAP_VCNT_MASK        0xFFull
#define MTRRCAP_FIX              (1ull << 8)
#define MTRR_DEF_TYPE_TYPE_MASK  0xFFull
#define MTRR_DEF_TYPE_FE         (1ull << 10)
#define MTRR_DEF_TYPE_E          (1ull << 11)
#define MTRR_PHYSBASE_TYPE_MASK  0xFFull
#define MTRR_PHYSMASK_VALID      (1ull << 11)
#define MTRR_ADDR_MASK_4K        (~0xFFFull)

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
#define VMX_BASIC_REGION_SIZE_SHIFT 32  /* bits 44:32: VMXON and VMCS region bytes */
#define VMX_BASIC_REGION_SIZE_MASK  0x1FFFull
#define VMX_REGION_MAX           4096ull  /* the most bits 44:32 report */
#define VMX_BASIC_MEMTYPE_SHIFT  50
#define VMX_BASIC_MEMTYPE_MASK   0xFull
#define VMX_BASIC_MEMTYPE_WB     6ull

/* IA32_VMX_MISC (A.6 "Miscellaneous Data"): activity states supported. */
#define VMX_MISC_ACTIVITY_HLT       (1ull << 6)
#define VMX_MISC_ACTIVITY_WAIT_SIPI (1ull << 8)

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
