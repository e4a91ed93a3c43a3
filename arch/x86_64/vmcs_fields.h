/* VMCS field encodings, Intel SDM Vol. 3D, Appendix B "Field Encoding in
 * VMCS". Encoding bits 14:13 give the width (B.1-B.4), which the typed
 * accessors in vmx.h check at compile time. */
#ifndef PILLBOX_ARCH_VMCS_FIELDS_H
#define PILLBOX_ARCH_VMCS_FIELDS_H

#define VMCS_WIDTH_SHIFT 13
#define VMCS_WIDTH_MASK  3u
#define VMCS_W16  0u
#define VMCS_W64  1u
#define VMCS_W32  2u
#define VMCS_WNAT 3u
#define VMCS_FIELD_WIDTH(f) (((f) >> VMCS_WIDTH_SHIFT) & VMCS_WIDTH_MASK)

/* 16-bit */
#define VMCS_VPID                       0x0000u
#define VMCS_GUEST_ES_SEL               0x0800u
#define VMCS_GUEST_CS_SEL               0x0802u
#define VMCS_GUEST_SS_SEL               0x0804u
#define VMCS_GUEST_DS_SEL               0x0806u
#define VMCS_GUEST_FS_SEL               0x0808u
#define VMCS_GUEST_GS_SEL               0x080Au
#define VMCS_GUEST_LDTR_SEL             0x080Cu
#define VMCS_GUEST_TR_SEL               0x080Eu
#define VMCS_HOST_ES_SEL                0x0C00u
#define VMCS_HOST_CS_SEL                0x0C02u
#define VMCS_HOST_SS_SEL                0x0C04u
#define VMCS_HOST_DS_SEL                0x0C06u
#define VMCS_HOST_FS_SEL                0x0C08u
#define VMCS_HOST_GS_SEL                0x0C0Au
#define VMCS_HOST_TR_SEL                0x0C0Cu

/* 64-bit */
#define VMCS_IO_BITMAP_A                0x2000u
#define VMCS_IO_BITMAP_B                0x2002u
#define VMCS_MSR_BITMAP                 0x2004u
#define VMCS_EPT_POINTER                0x201Au
#define VMCS_XSS_EXITING_BITMAP         0x202Cu
#define VMCS_GUEST_PHYS_ADDR            0x2400u
#define VMCS_LINK_POINTER               0x2800u
#define VMCS_GUEST_DEBUGCTL             0x2802u
#define VMCS_GUEST_PAT                  0x2804u
#define VMCS_GUEST_EFER                 0x2806u
#define VMCS_GUEST_PDPTE0               0x280Au /* PDPTEn = 0x280A + 2n */
#define VMCS_HOST_PAT                   0x2C00u
#define VMCS_HOST_EFER                  0x2C02u

/* 32-bit */
#define VMCS_PIN_CTLS                   0x4000u
#define VMCS_PROC_CTLS                  0x4002u
#define VMCS_EXCEPTION_BITMAP           0x4004u
#define VMCS_PF_ERROR_MASK              0x4006u
#define VMCS_PF_ERROR_MATCH             0x4008u
#define VMCS_CR3_TARGET_COUNT           0x400Au
#define VMCS_EXIT_CTLS                  0x400Cu
#define VMCS_EXIT_MSR_STORE_COUNT       0x400Eu
#define VMCS_EXIT_MSR_LOAD_COUNT        0x4010u
#define VMCS_ENTRY_CTLS                 0x4012u
#define VMCS_ENTRY_MSR_LOAD_COUNT       0x4014u
#define VMCS_ENTRY_INTR_INFO            0x4016u
#define VMCS_ENTRY_EXCEPTION_ERROR      0x4018u
#define VMCS_ENTRY_INSN_LEN             0x401Au
#define VMCS_PROC_CTLS2                 0x401Eu
#define VMCS_VM_INSN_ERROR              0x4400u
#define VMCS_EXIT_REASON                0x4402u
#define VMCS_EXIT_INTR_INFO             0x4404u
#define VMCS_EXIT_INTR_ERROR            0x4406u
#define VMCS_IDT_VECTORING_INFO         0x4408u
#define VMCS_IDT_VECTORING_ERROR        0x440Au
#define VMCS_EXIT_INSN_LEN              0x440Cu
#define VMCS_EXIT_INSN_INFO             0x440Eu
#define VMCS_GUEST_ES_LIMIT             0x4800u
#define VMCS_GUEST_CS_LIMIT             0x4802u
#define VMCS_GUEST_SS_LIMIT             0x4804u
#define VMCS_GUEST_DS_LIMIT             0x4806u
#define VMCS_GUEST_FS_LIMIT             0x4808u
#define VMCS_GUEST_GS_LIMIT             0x480Au
#define VMCS_GUEST_LDTR_LIMIT           0x480Cu
#define VMCS_GUEST_TR_LIMIT             0x480Eu
#define VMCS_GUEST_GDTR_LIMIT           0x4810u
#define VMCS_GUEST_IDTR_LIMIT           0x4812u
#define VMCS_GUEST_ES_AR                0x4814u
#define VMCS_GUEST_CS_AR                0x4816u
#define VMCS_GUEST_SS_AR                0x4818u
#define VMCS_GUEST_DS_AR                0x481Au
#define VMCS_GUEST_FS_AR                0x481Cu
#define VMCS_GUEST_GS_AR                0x481Eu
#define VMCS_GUEST_LDTR_AR              0x4820u
#define VMCS_GUEST_TR_AR                0x4822u
#define VMCS_GUEST_INTERRUPTIBILITY     0x4824u
#define VMCS_GUEST_ACTIVITY_STATE       0x4826u
#define VMCS_GUEST_SYSENTER_CS          0x482Au
#define VMCS_HOST_SYSENTER_CS           0x4C00u

/* Natural width */
#define VMCS_CR0_GUEST_HOST_MASK        0x6000u
#define VMCS_CR4_GUEST_HOST_MASK        0x6002u
#define VMCS_CR0_READ_SHADOW            0x6004u
#define VMCS_CR4_READ_SHADOW            0x6006u
#define VMCS_EXIT_QUALIFICATION         0x6400u
#define VMCS_GUEST_LINEAR_ADDR          0x640Au
#define VMCS_GUEST_CR0                  0x6800u
#define VMCS_GUEST_CR3                  0x6802u
#define VMCS_GUEST_CR4                  0x6804u
#define VMCS_GUEST_ES_BASE              0x6806u
#define VMCS_GUEST_CS_BASE              0x6808u
#define VMCS_GUEST_SS_BASE              0x680Au
#define VMCS_GUEST_DS_BASE              0x680Cu
#define VMCS_GUEST_FS_BASE              0x680Eu
#define VMCS_GUEST_GS_BASE              0x6810u
#define VMCS_GUEST_LDTR_BASE            0x6812u
#define VMCS_GUEST_TR_BASE              0x6814u
#define VMCS_GUEST_GDTR_BASE            0x6816u
#define VMCS_GUEST_IDTR_BASE            0x6818u
#define VMCS_GUEST_DR7                  0x681Au
#define VMCS_GUEST_RSP                  0x681Cu
#define VMCS_GUEST_RIP                  0x681Eu
#define VMCS_GUEST_RFLAGS               0x6820u
#define VMCS_GUEST_PENDING_DBG          0x6822u
/* Pending debug exceptions: single step (SDM Vol. 3C, Table 25-4). */
#define PENDING_DBG_BS                  (1ull << 14)
#define VMCS_GUEST_SYSENTER_ESP         0x6824u
#define VMCS_GUEST_SYSENTER_EIP         0x6826u
#define VMCS_HOST_CR0                   0x6C00u
#define VMCS_HOST_CR3                   0x6C02u
#define VMCS_HOST_CR4                   0x6C04u
#define VMCS_HOST_FS_BASE               0x6C06u
#define VMCS_HOST_GS_BASE               0x6C08u
#define VMCS_HOST_TR_BASE               0x6C0Au
#define VMCS_HOST_GDTR_BASE             0x6C0Cu
#define VMCS_HOST_IDTR_BASE             0x6C0Eu
#define VMCS_HOST_SYSENTER_ESP          0x6C10u
#define VMCS_HOST_SYSENTER_EIP          0x6C12u
#define VMCS_HOST_RSP                   0x6C14u
#define VMCS_HOST_RIP                   0x6C16u

/* Pin-based controls (SDM 25.6.1, Table 25-5). */
#define PIN_EXT_INTR_EXITING    (1u << 0)
#define PIN_NMI_EXITING         (1u << 3)
#define PIN_VIRTUAL_NMIS        (1u << 5)
#define PIN_PREEMPTION_TIMER    (1u << 6)

/* Primary processor-based controls (SDM 25.6.2, Table 25-6). */
#define PROC_INTR_WINDOW        (1u << 2)
#define PROC_HLT_EXITING        (1u << 7)
#define PROC_INVLPG_EXITING     (1u << 9)
#define PROC_MWAIT_EXITING      (1u << 10)
#define PROC_RDPMC_EXITING      (1u << 11)
#define PROC_RDTSC_EXITING      (1u << 12)
#define PROC_CR3_LOAD_EXITING   (1u << 15)
#define PROC_CR3_STORE_EXITING  (1u << 16)
#define PROC_CR8_LOAD_EXITING   (1u << 19)
#define PROC_CR8_STORE_EXITING  (1u << 20)
#define PROC_NMI_WINDOW         (1u << 22)
#define PROC_MOV_DR_EXITING     (1u << 23)
#define PROC_UNCOND_IO_EXITING  (1u << 24)
#define PROC_USE_IO_BITMAPS     (1u << 25)
#define PROC_MONITOR_TRAP_FLAG  (1u << 27)
#define PROC_USE_MSR_BITMAPS    (1u << 28)
#define PROC_MONITOR_EXITING    (1u << 29)
#define PROC_PAUSE_EXITING      (1u << 30)
#define PROC_SECONDARY_CTLS     (1u << 31)

/* Secondary processor-based controls (SDM 25.6.2, Table 25-7). */
#define PROC2_ENABLE_EPT        (1u << 1)
#define PROC2_DESC_TABLE_EXITING (1u << 2)
#define PROC2_ENABLE_RDTSCP     (1u << 3)
#define PROC2_ENABLE_VPID       (1u << 5)
#define PROC2_WBINVD_EXITING    (1u << 6)
#define PROC2_UNRESTRICTED_GUEST (1u << 7)
#define PROC2_ENABLE_INVPCID    (1u << 12)
#define PROC2_ENABLE_XSAVES     (1u << 20)
#define PROC2_ENABLE_USER_WAIT_PAUSE (1u << 26)

/* VM-exit controls (SDM 25.7.1, Table 25-13). */
#define EXIT_SAVE_DEBUG_CTLS    (1u << 2)
#define EXIT_HOST_ADDR_SPACE_64 (1u << 9)
#define EXIT_ACK_INTR_ON_EXIT   (1u << 15)
#define EXIT_SAVE_PAT           (1u << 18)
#define EXIT_LOAD_PAT           (1u << 19)
#define EXIT_SAVE_EFER          (1u << 20)
#define EXIT_LOAD_EFER          (1u << 21)

/* VM-entry controls (SDM 25.8.1, Table 25-15). */
#define ENTRY_LOAD_DEBUG_CTLS   (1u << 2)
#define ENTRY_IA32E_MODE_GUEST  (1u << 9)
#define ENTRY_LOAD_PAT          (1u << 14)
#define ENTRY_LOAD_EFER         (1u << 15)

/* VM-entry interruption information (SDM 25.8.3, Table 25-17). */
#define INTR_INFO_VECTOR_MASK   0xFFu
#define INTR_TYPE_SHIFT         8
#define INTR_TYPE_MASK          (7u << INTR_TYPE_SHIFT)
#define INTR_TYPE_EXT_INTR      (0u << INTR_TYPE_SHIFT)
#define INTR_TYPE_RESERVED      (1u << INTR_TYPE_SHIFT)
#define INTR_TYPE_NMI           (2u << INTR_TYPE_SHIFT)
#define INTR_TYPE_HW_EXCEPTION  (3u << INTR_TYPE_SHIFT)
#define INTR_TYPE_SOFT_INTR     (4u << INTR_TYPE_SHIFT) /* INT n */
#define INTR_TYPE_PRIV_SW_EXC   (5u << INTR_TYPE_SHIFT) /* INT1 (ICEBP) */
#define INTR_TYPE_SW_EXC        (6u << INTR_TYPE_SHIFT) /* INT3, INTO */
#define INTR_TYPE_OTHER         (7u << INTR_TYPE_SHIFT) /* MTF; not an event */
#define INTR_INFO_DELIVER_CODE  (1u << 11)
#define INTR_INFO_VALID         (1u << 31)
/* The bits of the VM-entry field that may be 1 (30:12 are reserved,
 * 27.2.1.3); bit 12 of the exit and IDT-vectoring fields is "NMI
 * unblocking due to IRET" there (SDM 28.2.3), undefined in IDT-vectoring
 * information (28.2.4). */
#define INTR_INFO_ENTRY_BITS    (INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | INTR_TYPE_MASK | \
				 INTR_INFO_VECTOR_MASK)
#define INTR_INFO_NMI_UNBLOCK_IRET (1u << 12)
/* EPT-violation exit qualification bit 12, the same meaning (Table 28-7). */
#define EPT_QUAL_NMI_UNBLOCK_IRET  (1ull << 12)

/* Guest interruptibility state (SDM 25.4.2, Table 25-3). */
#define INTERRUPTIBILITY_STI    (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
#define INTERRUPTIBILITY_NMI    (1u << 3)

/* Segment access rights as VMCS fields store them (SDM 25.4.1, Table 25-2). */
#define AR_TYPE_MASK   0xFu
#define AR_S           (1u << 4)
#define AR_DPL_SHIFT   5
#define AR_DPL_MASK    (3u << AR_DPL_SHIFT)
#define AR_P           (1u << 7)
#define AR_L           (1u << 13)
#define AR_DB          (1u << 14)
#define AR_G           (1u << 15)
#define AR_UNUSABLE    (1u << 16)
#define AR_TYPE_TSS64_BUSY 0xBu
#define AR_TYPE_LDT    0x2u

#endif
