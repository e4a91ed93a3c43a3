/* RDMSR and WRMSR that may fault: a #GP at either instruction is caught
 * by the host IDT (arch/x86_64/host_idt.c asks msr_safe_fixup()), which
 * resumes at msr_safe_fault, so the call returns -1 instead of the VMM
 * stopping. For MSRs whose validity only the CPU knows: a guest value the
 * VMM passes on (the x2APIC ICR), or a model-specific bit it probes.
 *   int msr_read_safe(uint32_t msr, uint64_t *value)   0, or -1 on #GP
 *   int msr_write_safe(uint32_t msr, uint64_t value)   0, or -1 on #GP */
	.text
	.globl msr_read_safe
	.hidden msr_read_safe
msr_read_safe:
	mov %edi, %ecx
msr_read_safe_insn:
	rdmsr
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, (%rsi)
	xor %eax, %eax
	ret

	.globl msr_write_safe
	.hidden msr_write_safe
msr_write_safe:
	mov %edi, %ecx
	mov %esi, %eax
	mov %rsi, %rdx
	shr $32, %rdx
msr_write_safe_insn:
	wrmsr
	xor %eax, %eax
	ret

msr_safe_fault:
	mov $-1, %eax
	ret

/* _Bool msr_safe_fixup(uint64_t *rip): the #GP handler's question. */
	.globl msr_safe_fixup
	.hidden msr_safe_fixup
msr_safe_fixup:
	mov (%rdi), %rax
	lea msr_read_safe_insn(%rip), %rcx
	cmp %rcx, %rax
	je 1f
	lea msr_write_safe_insn(%rip), %rcx
	cmp %rcx, %rax
	je 1f
	xor %eax, %eax
	ret
1:	lea msr_safe_fault(%rip), %rcx
	mov %rcx, (%rdi)
	mov $1, %eax
	ret
	.section .note.GNU-stack, "", @progbits
