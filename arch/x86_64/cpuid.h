/* CPUID leaves and the bits Pillbox reads or edits (Intel SDM Vol. 2A,
 * "CPUID-CPU Identification": Table 3-8 "Information Returned by CPUID
 * Instruction", Table 3-10 "Feature Information Returned in the ECX
 * Register", Table 3-11 "More on Feature Information Returned in the EDX
 * Register"). Facts only: no instruction (arch/x86_64/cpu.h executes it). */
#ifndef PILLBOX_ARCH_CPUID_H
#define PILLBOX_ARCH_CPUID_H

#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

#define CPUID_VENDOR           0x0u
#define CPUID_FEATURES         0x1u
#define CPUID_EXTENDED_FEATURES 0x7u
#define CPUID_XSAVE_LEAF       0xDu
#define CPUID_LEAF_PT          0x14u
#define CPUID_EXT_FEATURES     0x80000001u
#define CPUID_ADDR_SIZES       0x80000008u  /* EAX[7:0] = MAXPHYADDR */
#define CPUID_MAXPHYADDR_MASK  0xFFu

/* Leaf 0: the vendor string in EBX, EDX, ECX. */
#define VENDOR_INTEL_EBX 0x756e6547u /* "Genu" */
#define VENDOR_INTEL_EDX 0x49656e69u /* "ineI" */
#define VENDOR_INTEL_ECX 0x6c65746eu /* "ntel" */

#define CPUID_1_ECX_DTES64     (1u << 2)
#define CPUID_1_ECX_DS_CPL     (1u << 4)
#define CPUID_1_ECX_VMX        (1u << 5)
#define CPUID_1_ECX_SMX        (1u << 6)
#define CPUID_1_ECX_X2APIC     (1u << 21)
#define CPUID_1_ECX_XSAVE      (1u << 26)
#define CPUID_1_ECX_OSXSAVE    (1u << 27)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_DS         (1u << 21)
#define CPUID_7_EBX_PT         (1u << 25)
#define CPUID_7_ECX_OSPKE      (1u << 4)
#define CPUID_EXT_EDX_1G_PAGES (1u << 26)

/* CPUID leaves that give the 32-bit x2APIC id in EDX: V2 extended
 * topology (1FH) and extended topology (0BH). A leaf is there when it is
 * within the maximum basic leaf and its subleaf 0 reports a non-zero
 * EBX[15:0] (SDM Vol. 2A, CPUID; Vol. 3A, 11.12.8.1 "Consistency of APIC
 * IDs and CPUID"). */
#define CPUID_LEAF_TOPOLOGY_V2 0x1Fu
#define CPUID_LEAF_TOPOLOGY    0x0Bu
#define CPUID_TOPOLOGY_EBX_LPS 0xFFFFu
#define CPUID_1_EBX_APIC_ID_SHIFT 24

#endif
