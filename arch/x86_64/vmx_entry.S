/* VM-exit entry and VM resume: the only assembly in the VMM core.
 * On VM exit the CPU loads HOST_RSP (the top of this CPU's host stack,
 * where the vcpu pointer is stored) and HOST_RIP = vmx_exit_entry (Intel
 * SDM Vol. 3C, 28.5 "Loading Host State"). GPR offsets come from
 * arch/x86_64/vmx_entry.h; the C structs are _Static_asserted against it. */
#include "arch/x86_64/vmx_entry.h"

/* RCX..R15 from the array of 16 GPRs at GPR(0)(%rax), GPR being the
 * offset macro of vmx_entry.h (VCPU_GPR, DEVIRT_CTX_GPR); RAX and RSP are
 * the caller's to load. */
#define LOAD_GPRS_FROM_RAX(GPR) \
	mov	GPR(GPR_RCX)(%rax), %rcx;  \
	mov	GPR(GPR_RDX)(%rax), %rdx;  \
	mov	GPR(GPR_RBX)(%rax), %rbx;  \
	mov	GPR(GPR_RBP)(%rax), %rbp;  \
	mov	GPR(GPR_RSI)(%rax), %rsi;  \
	mov	GPR(GPR_RDI)(%rax), %rdi;  \
	mov	GPR(GPR_R8)(%rax), %r8;    \
	mov	GPR(GPR_R9)(%rax), %r9;    \
	mov	GPR(GPR_R10)(%rax), %r10;  \
	mov	GPR(GPR_R11)(%rax), %r11;  \
	mov	GPR(GPR_R12)(%rax), %r12;  \
	mov	GPR(GPR_R13)(%rax), %r13;  \
	mov	GPR(GPR_R14)(%rax), %r14;  \
	mov	GPR(GPR_R15)(%rax), %r15

	.text
	.globl vmx_exit_entry
	.type vmx_exit_entry, @function
vmx_exit_entry:
	/* vcpu->gpr[] = guest GPRs (RSP stays in the VMCS) */
	push	%rax
	mov	8(%rsp), %rax			/* rax = vcpu */
	mov	%rcx, VCPU_GPR(GPR_RCX)(%rax)
	mov	%rdx, VCPU_GPR(GPR_RDX)(%rax)
	mov	%rbx, VCPU_GPR(GPR_RBX)(%rax)
	mov	%rbp, VCPU_GPR(GPR_RBP)(%rax)
	mov	%rsi, VCPU_GPR(GPR_RSI)(%rax)
	mov	%rdi, VCPU_GPR(GPR_RDI)(%rax)
	mov	%r8,  VCPU_GPR(GPR_R8)(%rax)
	mov	%r9,  VCPU_GPR(GPR_R9)(%rax)
	mov	%r10, VCPU_GPR(GPR_R10)(%rax)
	mov	%r11, VCPU_GPR(GPR_R11)(%rax)
	mov	%r12, VCPU_GPR(GPR_R12)(%rax)
	mov	%r13, VCPU_GPR(GPR_R13)(%rax)
	mov	%r14, VCPU_GPR(GPR_R14)(%rax)
	mov	%r15, VCPU_GPR(GPR_R15)(%rax)
	pop	%rcx				/* guest rax */
	mov	%rcx, VCPU_GPR(GPR_RAX)(%rax)

	/* vmexit_dispatch(vcpu); rsp is 16-byte aligned here */
	mov	%rax, %rdi
	call	vmexit_dispatch

	/* guest GPRs = vcpu->gpr[]; VMRESUME */
	mov	(%rsp), %rax
	LOAD_GPRS_FROM_RAX(VCPU_GPR)
	mov	VCPU_GPR(GPR_RAX)(%rax), %rax
	vmresume

	/* VMRESUME failed (VMfailInvalid or VMfailValid): report, stop. */
	mov	(%rsp), %rdi
	call	vmresume_failed
1:	cli
	hlt
	jmp	1b
	.size vmx_exit_entry, . - vmx_exit_entry

/* vmx_devirtualize_jump(const struct devirt_ctx *ctx): after VMXOFF,
 * load the guest GPRs from ctx, switch to the prepared stack and "return"
 * into the loader's landing code (struct devirt_ctx, vmm/setup/devirtualize.h). */
	.globl vmx_devirtualize_jump
	.type vmx_devirtualize_jump, @function
vmx_devirtualize_jump:
	mov	%rdi, %rax
	mov	DEVIRT_CTX_STACK(%rax), %rsp
	LOAD_GPRS_FROM_RAX(DEVIRT_CTX_GPR)
	ret				/* to the landing code */
	.size vmx_devirtualize_jump, . - vmx_devirtualize_jump

	.section .note.GNU-stack, "", @progbits
