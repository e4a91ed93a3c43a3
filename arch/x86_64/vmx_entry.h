/* The offsets arch/x86_64/vmx_entry.S uses, shared with C: the VMM's
 * struct vcpu (vmm/vcpu.h) and struct devirt_ctx (vmm/setup/devirtualize.h)
 * _Static_assert their layout against them. The register numbers are the
 * ones the SDM uses in exit qualifications (Vol. 3C, Table 28-3). */
#ifndef PILLBOX_ARCH_VMX_ENTRY_H
#define PILLBOX_ARCH_VMX_ENTRY_H

#define VCPU_GPR_OFFSET   0x10
#define VCPU_GPR(n)       (VCPU_GPR_OFFSET + 8 * (n))
#define GPR_RAX 0
#define GPR_RCX 1
#define GPR_RDX 2
#define GPR_RBX 3
#define GPR_RSP 4
#define GPR_RBP 5
#define GPR_RSI 6
#define GPR_RDI 7
#define GPR_R8  8
#define GPR_R9  9
#define GPR_R10 10
#define GPR_R11 11
#define GPR_R12 12
#define GPR_R13 13
#define GPR_R14 14
#define GPR_R15 15

/* struct devirt_ctx: gpr[16], then the stack to switch to. */
#define DEVIRT_CTX_GPR(n) (8 * (n))
#define DEVIRT_CTX_STACK  0x80

#endif
