/* Linked into the loader, not the core: the two ways the loader enters the
 * core, both on the VMM's own page tables (host_cr3, see vmm/boot_info.h)
 * with interrupts off, both back on the firmware's CR3 and RFLAGS after.
 *
 *   int core_call(core_init_fn fn, struct boot_info *bi, uint64_t host_cr3)
 *       returns fn(bi).
 *
 *   int launch_here(core_launch_fn fn, struct guest_entry *ge, uint64_t host_cr3)
 *       records in *ge where the loader continues as the guest (the label
 *       guest_resume, with this stack, RFLAGS and the firmware's CR3) and
 *       calls fn(ge). On success the core's VMLAUNCH resumes the CPU, now
 *       in VMX non-root operation, at guest_resume, which returns 0. On
 *       failure fn returns its negative status, passed on.
 * C cannot say "continue here, on this stack, after the CPU changes mode",
 * hence assembly. The offsets come from arch/x86_64/core_call.h, which
 * vmm/boot_info.h asserts struct guest_entry against. */
#include "arch/x86_64/core_call.h"

	.text
	.globl core_call
	.type core_call, @function
core_call:
	push	%rbx
	push	%rbp
	pushfq
	mov	%cr3, %rbx
	mov	%rdi, %rax
	mov	%rsi, %rdi
	cli
	mov	%rdx, %cr3
	call	*%rax		/* 3 pushes + return address: rsp 16-byte aligned */
	mov	%rbx, %cr3
	popfq
	pop	%rbp
	pop	%rbx
	ret
	.size core_call, . - core_call

	.globl launch_here
	.type launch_here, @function
launch_here:
	/* callee-saved registers (System V ABI) survive on this stack */
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	pushfq
	lea	guest_resume(%rip), %rax
	mov	%rax, GE_RIP(%rsi)
	mov	%rsp, GE_RSP(%rsi)
	mov	(%rsp), %rax
	mov	%rax, GE_RFLAGS(%rsi)
	mov	%cr3, %rbx
	mov	%rbx, GE_CR3(%rsi)
	mov	%rdi, %rax
	mov	%rsi, %rdi
	cli			/* nothing runs between capture and VMLAUNCH */
	mov	%rdx, %cr3
	call	*%rax		/* 7 pushes + return address: aligned; returns only on failure */
	mov	%rbx, %cr3
	jmp	1f
guest_resume:			/* first guest instruction: CR3 is the firmware's again */
	xor	%eax, %eax
1:	popfq			/* IF as it was */
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
	.size launch_here, . - launch_here

/* devirt_landing: where HC_DEVIRTUALIZE resumes the CPU after VMXOFF, on
 * the VMM's page tables with the stack prepared by vmm/setup/devirtualize.c:
 * CR3, RAX, then an IRETQ frame back to just after the VMCALL. Lives in the
 * loader because the VMM region may not be executable under the firmware's
 * page tables. */
	.globl devirt_landing
	.type devirt_landing, @function
devirt_landing:
	pop	%rax
	mov	%rax, %cr3
	pop	%rax
	iretq
	.size devirt_landing, . - devirt_landing

/* devirtualize_self(): HC_DEVIRTUALIZE on the calling CPU; returns the
 * status (0: now outside VMX). */
	.globl devirtualize_self
	.type devirtualize_self, @function
devirtualize_self:
	push	%rbx
	mov	$CORE_CALL_HC_DEVIRTUALIZE, %eax	/* asserted in vmm/exit/hypercall.h */
	lea	devirt_landing(%rip), %rbx
	vmcall
	pop	%rbx
	ret
	.size devirtualize_self, . - devirtualize_self

/* ap_devirtualize: the same as an EFI_AP_PROCEDURE (Microsoft x64 ABI:
 * argument in RCX, RBX callee-saved). */
	.globl ap_devirtualize
	.type ap_devirtualize, @function
ap_devirtualize:
	jmp	devirtualize_self
	.size ap_devirtualize, . - ap_devirtualize

	.section .note.GNU-stack, "", @progbits
