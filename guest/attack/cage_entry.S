/* Entry and exit of the attack suite's cage (guest/attack/cage.h): calls
 * at CPL 0 or 3, the exception stubs that unwind them, and the far return
 * that reloads CS. Interrupt and exception delivery in 64-bit mode: Intel
 * SDM Vol. 3A, 7.14 "Exception and Interrupt Handling in 64-bit Mode"; the
 * return to CPL 3: Vol. 2A, IRET. */
#include "guest/attack/cage.h"

#define RFLAGS_FIXED 0x2 /* bit 1 reserved set; IF = 0, IOPL = 0 */

	.text

/* int cage_call(int ring, void (*fn)(void *), void *arg)
 * edi = ring, rsi = fn, rdx = arg. */
	.globl cage_call
	.hidden cage_call
cage_call:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, cage_saved_rsp(%rip)
	movl $1, cage_active(%rip)
	test %edi, %edi
	jnz 1f
	mov %rdx, %rdi
	sub $8, %rsp /* 16-byte aligned at the call (SysV ABI) */
	call *%rsi
	mov $NO_FAULT, %eax
	jmp cage_unwind
1:	/* IRETQ frame for CPL 3: SS, RSP, RFLAGS, CS, RIP. */
	pushq $CAGE_USER_DS
	pushq cage_user_stack_top(%rip)
	pushq $RFLAGS_FIXED
	pushq $CAGE_USER_CS
	lea cage_user_entry(%rip), %rax
	push %rax
	mov %rdx, %rdi
	iretq

/* First instruction at CPL 3: run fn(arg), then end through the DPL-3
 * gate (the only way back to CPL 0). */
cage_user_entry:
	call *%rsi
	int $CAGE_DONE_VECTOR
	ud2

/* eax = result. Back on cage_call's stack with its callee-saved registers;
 * SS is null after an interrupt from CPL 3 in 64-bit mode: reload it. */
cage_unwind:
	mov cage_saved_rsp(%rip), %rsp
	mov $CAGE_KERNEL_DS, %ecx
	mov %ecx, %ss
	movl $0, cage_active(%rip)
	cld
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.globl cage_done_isr
	.hidden cage_done_isr
cage_done_isr:
	mov $NO_FAULT, %eax
	jmp cage_unwind

/* Exception stubs: the same frame for every vector, error code or not. */
.macro ISR_NOERR n
isr_\n:
	pushq $0
	pushq $\n
	jmp cage_fault
.endm
.macro ISR_ERR n
isr_\n:
	pushq $\n
	jmp cage_fault
.endm

.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 18, 19, 20, 22, 23, 24, 25, 26, 27, 28, 31
ISR_NOERR \n
.endr
.irp n, 8, 10, 11, 12, 13, 14, 17, 21, 29, 30
ISR_ERR \n
.endr

/* Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS. */
cage_fault:
	cmpl $0, cage_active(%rip)
	je 2f
	lea cage_fault_info(%rip), %rcx
	mov (%rsp), %rax
	mov %rax, CAGE_FAULT_VECTOR(%rcx)
	mov 8(%rsp), %rax
	mov %rax, CAGE_FAULT_ERROR(%rcx)
	mov 16(%rsp), %rax
	mov %rax, CAGE_FAULT_RIP(%rcx)
	mov 24(%rsp), %rax
	mov %rax, CAGE_FAULT_CS(%rcx)
	mov %cr2, %rax
	mov %rax, CAGE_FAULT_CR2(%rcx)
	mov 32(%rsp), %rax
	mov %rax, CAGE_FAULT_RFLAGS(%rcx)
	mov CAGE_FAULT_VECTOR(%rcx), %eax
	jmp cage_unwind
2:	/* An exception outside cage_call: report it and stop. */
	mov %rsp, %rdi
	and $-16, %rsp
	call cage_stray_fault
	ud2

/* void cage_load_cs(uint16_t selector): far return to the caller through
 * the new code segment. */
	.globl cage_load_cs
	.hidden cage_load_cs
cage_load_cs:
	pop %rax
	movzwl %di, %edi
	push %rdi
	push %rax
	lretq

	.data
	.balign 8
	.globl cage_isr_table
	.hidden cage_isr_table
cage_isr_table:
.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.quad isr_\n
.endr

	.globl cage_user_stack_top
	.hidden cage_user_stack_top
cage_user_stack_top:
	.quad 0
	.globl cage_fault_info
	.hidden cage_fault_info
cage_fault_info:
	.quad 0, 0, 0, 0, 0, 0
cage_saved_rsp:
	.quad 0
cage_active:
	.long 0
	.section .note.GNU-stack, "", @progbits
