/* VM-exit entry and VM resume: the only assembly in the VMM core.
 * On VM exit the CPU loads HOST_RSP (the top of this CPU's host stack,
 * where the vcpu pointer is stored) and HOST_RIP = vmx_exit_entry (Intel
 * SDM Vol. 3C, 28.5 "Loading Host State"). GPR offsets come from
 * arch/x86_64/vmx_entry.h; the C structs are _Static_asserted against it. */
#include "arch/x86_64/vmx_entry.h"

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
	mov	VCPU_GPR(GPR_RCX)(%rax), %rcx
	mov	VCPU_GPR(GPR_RDX)(%rax), %rdx
	mov	VCPU_GPR(GPR_RBX)(%rax), %rbx
	mov	VCPU_GPR(GPR_RBP)(%rax), %rbp
	mov	VCPU_GPR(GPR_RSI)(%rax), %rsi
	mov	VCPU_GPR(GPR_RDI)(%rax), %rdi
	mov	VCPU_GPR(GPR_R8)(%rax), %r8
	mov	VCPU_GPR(GPR_R9)(%rax), %r9
	mov	VCPU_GPR(GPR_R10)(%rax), %r10
	mov	VCPU_GPR(GPR_R11)(%rax), %r11
	mov	VCPU_GPR(GPR_R12)(%rax), %r12
	mov	VCPU_GPR(GPR_R13)(%rax), %r13
	mov	VCPU_GPR(GPR_R14)(%rax), %r14
	mov	VCPU_GPR(GPR_R15)(%rax), %r15
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
	mov	DEVIRT_CTX_GPR(GPR_RCX)(%rax), %rcx
	mov	DEVIRT_CTX_GPR(GPR_RDX)(%rax), %rdx
	mov	DEVIRT_CTX_GPR(GPR_RBX)(%rax), %rbx
	mov	DEVIRT_CTX_GPR(GPR_RBP)(%rax), %rbp
	mov	DEVIRT_CTX_GPR(GPR_RSI)(%rax), %rsi
	mov	DEVIRT_CTX_GPR(GPR_RDI)(%rax), %rdi
	mov	DEVIRT_CTX_GPR(GPR_R8)(%rax), %r8
	mov	DEVIRT_CTX_GPR(GPR_R9)(%rax), %r9
	mov	DEVIRT_CTX_GPR(GPR_R10)(%rax), %r10
	mov	DEVIRT_CTX_GPR(GPR_R11)(%rax), %r11
	mov	DEVIRT_CTX_GPR(GPR_R12)(%rax), %r12
	mov	DEVIRT_CTX_GPR(GPR_R13)(%rax), %r13
	mov	DEVIRT_CTX_GPR(GPR_R14)(%rax), %r14
	mov	DEVIRT_CTX_GPR(GPR_R15)(%rax), %r15
	ret				/* to the landing code */
	.size vmx_devirtualize_jump, . - vmx_devirtualize_jump

	.section .note.GNU-stack, "", @progbits
