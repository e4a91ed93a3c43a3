/* Unit tests for vmm/insn/insn_decode.c. Every encoding is real: assembled by
 * GNU as 2.40 (x86-64 host) and disassembled by objdump, or, where marked
 * "hand-encoded", written byte by byte and checked with objdump -D -b
 * binary. The comment above each case reads "bytes = objdump's AT&T
 * disassembly"; objdump's " ; " separates what it prints as two lines
 * (it shows an ignored REX prefix on its own). Buffers are heap copies of
 * exactly the bytes offered, so AddressSanitizer catches any read past
 * avail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/insn/insn_decode.h"
#include "lib/lib.h"
#include "vmm/vcpu.h"

struct good_case {
	enum insn_cpu_mode mode;
	enum insn_kind kind;
	unsigned size;
	unsigned reg;
	bool high_byte;
	uint64_t imm;
	unsigned len;
	uint8_t bytes[INSN_MAX_LENGTH];
};

struct bad_case {
	enum insn_cpu_mode mode;
	int err;
	unsigned len;
	uint8_t bytes[INSN_MAX_LENGTH + 4];
};

#define BYTES(...) .bytes = { __VA_ARGS__ }, \
	.len = sizeof((const uint8_t[]){ __VA_ARGS__ })
#define BAD(m, e, ...) { .mode = m, .err = e, BYTES(__VA_ARGS__) }

/* What guests do to the xAPIC page. Linux x86-64 native_apic_mem_write():
 * a MOV (or an XCHG with X86_BUG_11AP) to the fixmap address, or a base
 * register plus the register offset; OVMF MmioWrite32() (MS ABI); the
 * Windows EOI, mov dword ptr [rax+0B0h], 0; 32-bit kernels and firmware,
 * where GNU as picks the A3 moffs form for EAX. */
static const struct good_case real_world_cases[] = {
	/* 89 82 00 03 00 00 = mov %eax,0x300(%rdx): ICR low at base + 0x300 */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x89, 0x82, 0x00, 0x03, 0x00, 0x00) },
	/* 89 04 25 00 d3 5f ff = mov %eax,0xffffffffff5fd300: a fixmap ICR */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x89, 0x04, 0x25, 0x00, 0xd3, 0x5f, 0xff) },
	/* 87 04 25 00 d3 5f ff = xchg %eax,0xffffffffff5fd300 */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 4, GPR_RAX,
	  BYTES(0x87, 0x04, 0x25, 0x00, 0xd3, 0x5f, 0xff) },
	/* 8b 04 25 30 d0 5f ff = mov 0xffffffffff5fd030,%eax */
	{ INSN_MODE_64, INSN_MOV_LOAD, 4, GPR_RAX,
	  BYTES(0x8b, 0x04, 0x25, 0x30, 0xd0, 0x5f, 0xff) },
	/* 89 11 = mov %edx,(%rcx): OVMF X64 MmioWrite32 */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RDX, BYTES(0x89, 0x11) },
	/* c7 80 b0 00 00 00 00 00 00 00 = movl $0x0,0xb0(%rax): Windows EOI */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 4, 0, .imm = 0,
	  BYTES(0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00) },
	/* 89 b0 10 03 00 00 = mov %esi,0x310(%rax) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RSI,
	  BYTES(0x89, 0xb0, 0x10, 0x03, 0x00, 0x00) },
	/* a3 00 f3 ff ff = mov %eax,0xfffff300: i386 Linux, fixmap ICR */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0xa3, 0x00, 0xf3, 0xff, 0xff) },
	/* 87 05 00 f3 ff ff = xchg %eax,0xfffff300 */
	{ INSN_MODE_32, INSN_XCHG_MEM_REG, 4, GPR_RAX,
	  BYTES(0x87, 0x05, 0x00, 0xf3, 0xff, 0xff) },
	/* 89 11 = mov %edx,(%ecx): OVMF IA32 MmioWrite32 */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RDX, BYTES(0x89, 0x11) },
	/* 89 90 00 03 00 00 = mov %edx,0x300(%eax) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RDX,
	  BYTES(0x89, 0x90, 0x00, 0x03, 0x00, 0x00) },
};

/* The addressing forms of SDM Vol. 2A Tables 2-2, 2-3 and 2-5 and of
 * 2.2.1.6 (RIP-relative), in 64-bit mode with 64- and 32-bit (67)
 * addresses. */
static const struct good_case modrm_cases[] = {
	/* 89 0a = mov %ecx,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX, BYTES(0x89, 0x0a) },
	/* 89 08 = mov %ecx,(%rax) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX, BYTES(0x89, 0x08) },
	/* 89 48 10 = mov %ecx,0x10(%rax) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x48, 0x10) },
	/* 89 48 f0 = mov %ecx,-0x10(%rax) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x48, 0xf0) },
	/* 89 88 00 10 00 00 = mov %ecx,0x1000(%rax) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x88, 0x00, 0x10, 0x00, 0x00) },
	/* 89 88 00 f0 ff ff = mov %ecx,-0x1000(%rax) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x88, 0x00, 0xf0, 0xff, 0xff) },
	/* 89 8d 00 03 00 00 = mov %ecx,0x300(%rbp) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x8d, 0x00, 0x03, 0x00, 0x00) },
	/* 89 4d 00 = mov %ecx,0x0(%rbp) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x4d, 0x00) },
	/* 89 0c 98 = mov %ecx,(%rax,%rbx,4) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0c, 0x98) },
	/* 89 4c 98 08 = mov %ecx,0x8(%rax,%rbx,4) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x4c, 0x98, 0x08) },
	/* 89 8c d8 00 03 00 00 = mov %ecx,0x300(%rax,%rbx,8) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x8c, 0xd8, 0x00, 0x03, 0x00, 0x00) },
	/* 89 0c dd 00 03 00 00 = mov %ecx,0x300(,%rbx,8) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0c, 0xdd, 0x00, 0x03, 0x00, 0x00) },
	/* 89 0c 25 00 03 00 00 = mov %ecx,0x300 (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0c, 0x25, 0x00, 0x03, 0x00, 0x00) },
	/* 89 4c 5d 08 = mov %ecx,0x8(%rbp,%rbx,2) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x4c, 0x5d, 0x08) },
	/* 89 8c 5d 00 03 00 00 = mov %ecx,0x300(%rbp,%rbx,2) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x8c, 0x5d, 0x00, 0x03, 0x00, 0x00) },
	/* 89 0c 24 = mov %ecx,(%rsp) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0c, 0x24) },
	/* 89 4c 24 08 = mov %ecx,0x8(%rsp) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x4c, 0x24, 0x08) },
	/* 89 8c 24 00 03 00 00 = mov %ecx,0x300(%rsp) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x8c, 0x24, 0x00, 0x03, 0x00, 0x00) },
	/* 89 0c 20 = mov %ecx,(%rax,%riz,1) (hand-encoded; index 100: none) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0c, 0x20) },
	/* 89 0d 00 03 00 00 = mov %ecx,0x300(%rip) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0d, 0x00, 0x03, 0x00, 0x00) },
	/* 89 0d 00 fd ff ff = mov %ecx,-0x300(%rip) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0d, 0x00, 0xfd, 0xff, 0xff) },
	/* 41 89 0c 24 = mov %ecx,(%r12) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x41, 0x89, 0x0c, 0x24) },
	/* 41 89 4d 00 = mov %ecx,0x0(%r13) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x41, 0x89, 0x4d, 0x00) },
	/* 41 89 4d 20 = mov %ecx,0x20(%r13) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x41, 0x89, 0x4d, 0x20) },
	/* 43 89 4c 75 00 = mov %ecx,0x0(%r13,%r14,2) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x43, 0x89, 0x4c, 0x75, 0x00) },
	/* 42 89 0c 20 = mov %ecx,(%rax,%r12,1) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x42, 0x89, 0x0c, 0x20) },
	/* 41 89 0c 25 00 03 00 00 = mov %ecx,0x300 (hand-encoded; SIB base 101
	 * with mod 00 is disp32 without base even with REX.B, not R13) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x41, 0x89, 0x0c, 0x25, 0x00, 0x03, 0x00, 0x00) },
	/* 41 89 0d 00 03 00 00 = mov %ecx,0x300(%rip) (hand-encoded; REX.B
	 * does not turn r/m 101 mod 00 into R13) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x41, 0x89, 0x0d, 0x00, 0x03, 0x00, 0x00) },
	/* 43 89 0c 2d 00 03 00 00 = mov %ecx,0x300(,%r13,1) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x43, 0x89, 0x0c, 0x2d, 0x00, 0x03, 0x00, 0x00) },
	/* 43 89 4c 2d 10 = mov %ecx,0x10(%r13,%r13,1) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x43, 0x89, 0x4c, 0x2d, 0x10) },
	/* 67 89 0a = mov %ecx,(%edx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x67, 0x89, 0x0a) },
	/* 67 89 0d 00 03 00 00 = mov %ecx,0x300(%eip) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x67, 0x89, 0x0d, 0x00, 0x03, 0x00, 0x00) },
	/* 67 89 8c 98 00 03 00 00 = mov %ecx,0x300(%eax,%ebx,4) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x67, 0x89, 0x8c, 0x98, 0x00, 0x03, 0x00, 0x00) },
	/* 67 89 0c 25 00 03 00 00 = mov %ecx,0x300(,%eiz,1) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x67, 0x89, 0x0c, 0x25, 0x00, 0x03, 0x00, 0x00) },
};

/* REX.W, REX.R and REX placement (2.2.1, 2.2.1.2); 66 and REX.W. */
static const struct good_case rex_cases[] = {
	/* 48 89 0a = mov %rcx,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 8, GPR_RCX,
	  BYTES(0x48, 0x89, 0x0a) },
	/* 4c 89 02 = mov %r8,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 8, GPR_R8,
	  BYTES(0x4c, 0x89, 0x02) },
	/* 4c 89 3d 00 03 00 00 = mov %r15,0x300(%rip) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 8, GPR_R15,
	  BYTES(0x4c, 0x89, 0x3d, 0x00, 0x03, 0x00, 0x00) },
	/* 45 89 bb 00 03 00 00 = mov %r15d,0x300(%r11) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_R15,
	  BYTES(0x45, 0x89, 0xbb, 0x00, 0x03, 0x00, 0x00) },
	/* 45 89 65 00 = mov %r12d,0x0(%r13) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_R12,
	  BYTES(0x45, 0x89, 0x65, 0x00) },
	/* 66 44 89 08 = mov %r9w,(%rax) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 2, GPR_R9,
	  BYTES(0x66, 0x44, 0x89, 0x08) },
	/* 66 89 0a = mov %cx,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 2, GPR_RCX,
	  BYTES(0x66, 0x89, 0x0a) },
	/* 66 89 a2 00 03 00 00 = mov %sp,0x300(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 2, GPR_RSP,
	  BYTES(0x66, 0x89, 0xa2, 0x00, 0x03, 0x00, 0x00) },
	/* 40 89 0a = rex mov %ecx,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x40, 0x89, 0x0a) },
	/* 66 48 89 0a = data16 mov %rcx,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 8, GPR_RCX,
	  BYTES(0x66, 0x48, 0x89, 0x0a) },
	/* 48 66 89 0a = rex.W ; mov %cx,(%rdx) (hand-encoded; a REX before a
	 * legacy prefix is ignored: one 4-byte 16-bit store) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 2, GPR_RCX,
	  BYTES(0x48, 0x66, 0x89, 0x0a) },
	/* 40 48 89 0a = rex ; mov %rcx,(%rdx) (hand-encoded; the last REX
	 * counts) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 8, GPR_RCX,
	  BYTES(0x40, 0x48, 0x89, 0x0a) },
	/* 48 40 89 0a = rex.W ; rex mov %ecx,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x48, 0x40, 0x89, 0x0a) },
	/* 4c 64 89 02 = rex.WR ; mov %eax,%fs:(%rdx) (hand-encoded; the REX,
	 * not before the opcode, is ignored: EAX, not R8) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x4c, 0x64, 0x89, 0x02) },
};

/* Byte registers: AH CH DH BH without REX, SPL BPL SIL DIL with any REX
 * (Vol. 2A, Table 3-1 "Register Codes Associated With +rb, +rw, +rd,
 * +ro"); 66 and REX.W do not change a byte operand (2.2.1.2). */
static const struct good_case byte_regs_cases[] = {
	/* 88 02 = mov %al,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RAX, BYTES(0x88, 0x02) },
	/* 88 0a = mov %cl,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RCX, BYTES(0x88, 0x0a) },
	/* 88 1a = mov %bl,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RBX, BYTES(0x88, 0x1a) },
	/* 88 22 = mov %ah,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RAX, .high_byte = true,
	  BYTES(0x88, 0x22) },
	/* 88 2a = mov %ch,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RCX, .high_byte = true,
	  BYTES(0x88, 0x2a) },
	/* 88 32 = mov %dh,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RDX, .high_byte = true,
	  BYTES(0x88, 0x32) },
	/* 88 ba 00 03 00 00 = mov %bh,0x300(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RBX, .high_byte = true,
	  BYTES(0x88, 0xba, 0x00, 0x03, 0x00, 0x00) },
	/* 40 88 22 = mov %spl,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RSP,
	  BYTES(0x40, 0x88, 0x22) },
	/* 40 88 2a = mov %bpl,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RBP,
	  BYTES(0x40, 0x88, 0x2a) },
	/* 40 88 32 = mov %sil,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RSI,
	  BYTES(0x40, 0x88, 0x32) },
	/* 40 88 3a = mov %dil,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RDI,
	  BYTES(0x40, 0x88, 0x3a) },
	/* 44 88 02 = mov %r8b,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_R8,
	  BYTES(0x44, 0x88, 0x02) },
	/* 44 88 12 = mov %r10b,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_R10,
	  BYTES(0x44, 0x88, 0x12) },
	/* 44 88 22 = mov %r12b,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_R12,
	  BYTES(0x44, 0x88, 0x22) },
	/* 45 88 3f = mov %r15b,(%r15) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_R15,
	  BYTES(0x45, 0x88, 0x3f) },
	/* 48 88 22 = rex.W mov %spl,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RSP,
	  BYTES(0x48, 0x88, 0x22) },
	/* 66 88 22 = data16 mov %ah,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RAX, .high_byte = true,
	  BYTES(0x66, 0x88, 0x22) },
	/* 40 66 88 22 = rex ; data16 mov %ah,(%rdx) (hand-encoded; ignored
	 * REX: AH, not SPL) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RAX, .high_byte = true,
	  BYTES(0x40, 0x66, 0x88, 0x22) },
	/* 66 40 88 22 = data16 mov %spl,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RSP,
	  BYTES(0x66, 0x40, 0x88, 0x22) },
};

/* C6 /0 ib, C7 /0 iw/id, REX.W + C7 /0 id (sign-extended). */
static const struct good_case imm_cases[] = {
	/* c6 02 80 = movb $0x80,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 1, 0, .imm = 0x80,
	  BYTES(0xc6, 0x02, 0x80) },
	/* 41 c6 04 24 05 = movb $0x5,(%r12) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 1, 0, .imm = 0x5,
	  BYTES(0x41, 0xc6, 0x04, 0x24, 0x05) },
	/* 66 c7 02 01 80 = movw $0x8001,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 2, 0, .imm = 0x8001,
	  BYTES(0x66, 0xc7, 0x02, 0x01, 0x80) },
	/* c7 02 00 03 e0 fe = movl $0xfee00300,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 4, 0, .imm = 0xfee00300,
	  BYTES(0xc7, 0x02, 0x00, 0x03, 0xe0, 0xfe) },
	/* c7 02 00 00 00 80 = movl $0x80000000,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 4, 0, .imm = 0x80000000,
	  BYTES(0xc7, 0x02, 0x00, 0x00, 0x00, 0x80) },
	/* 48 c7 02 ff ff ff ff = movq $0xffffffffffffffff,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 8, 0, .imm = 0xffffffffffffffffull,
	  BYTES(0x48, 0xc7, 0x02, 0xff, 0xff, 0xff, 0xff) },
	/* 48 c7 82 00 03 00 00 ff ff ff 7f = movq $0x7fffffff,0x300(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 8, 0, .imm = 0x7fffffff,
	  BYTES(0x48, 0xc7, 0x82, 0x00, 0x03, 0x00, 0x00, 0xff, 0xff, 0xff,
		0x7f) },
	/* 48 c7 02 00 00 00 80 = movq $0xffffffff80000000,(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 8, 0, .imm = 0xffffffff80000000ull,
	  BYTES(0x48, 0xc7, 0x02, 0x00, 0x00, 0x00, 0x80) },
	/* c7 05 00 03 00 00 78 56 34 12 = movl $0x12345678,0x300(%rip) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 4, 0, .imm = 0x12345678,
	  BYTES(0xc7, 0x05, 0x00, 0x03, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12) },
	/* c7 84 d8 00 03 00 00 78 56 34 12 =
	 * movl $0x12345678,0x300(%rax,%rbx,8) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 4, 0, .imm = 0x12345678,
	  BYTES(0xc7, 0x84, 0xd8, 0x00, 0x03, 0x00, 0x00, 0x78, 0x56, 0x34,
		0x12) },
	/* 66 c7 44 24 08 34 12 = movw $0x1234,0x8(%rsp) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 2, 0, .imm = 0x1234,
	  BYTES(0x66, 0xc7, 0x44, 0x24, 0x08, 0x34, 0x12) },
	/* 48 c7 04 dd 00 03 00 00 01 00 00 00 = movq $0x1,0x300(,%rbx,8) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 8, 0, .imm = 0x1,
	  BYTES(0x48, 0xc7, 0x04, 0xdd, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00,
		0x00, 0x00) },
	/* 66 c6 02 80 = data16 movb $0x80,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 1, 0, .imm = 0x80,
	  BYTES(0x66, 0xc6, 0x02, 0x80) },
	/* 66 48 c7 02 01 02 03 84 = data16 movq $0xffffffff84030201,(%rdx)
	 * (hand-encoded; REX.W wins over 66, imm32 sign-extended) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 8, 0, .imm = 0xffffffff84030201ull,
	  BYTES(0x66, 0x48, 0xc7, 0x02, 0x01, 0x02, 0x03, 0x84) },
	/* 44 c7 02 01 00 00 00 = rex.R movl $0x1,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 4, 0, .imm = 0x1,
	  BYTES(0x44, 0xc7, 0x02, 0x01, 0x00, 0x00, 0x00) },
	/* 2e 64 67 48 c7 84 d8 00 03 00 00 ff ff ff ff =
	 * cs movq $0xffffffffffffffff,%fs:0x300(%eax,%ebx,8)
	 * (hand-encoded; exactly 15 bytes, the longest allowed) */
	{ INSN_MODE_64, INSN_MOV_STORE_IMM, 8, 0, .imm = 0xffffffffffffffffull,
	  BYTES(0x2e, 0x64, 0x67, 0x48, 0xc7, 0x84, 0xd8, 0x00, 0x03, 0x00,
		0x00, 0xff, 0xff, 0xff, 0xff) },
};

/* 86/87 /r, with and without LOCK. */
static const struct good_case xchg_cases[] = {
	/* 87 02 = xchg %eax,(%rdx) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 4, GPR_RAX, BYTES(0x87, 0x02) },
	/* 87 0a = xchg %ecx,(%rdx) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 4, GPR_RCX, BYTES(0x87, 0x0a) },
	/* 86 02 = xchg %al,(%rdx) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 1, GPR_RAX, BYTES(0x86, 0x02) },
	/* 86 22 = xchg %ah,(%rdx) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 1, GPR_RAX, .high_byte = true,
	  BYTES(0x86, 0x22) },
	/* 40 86 3a = xchg %dil,(%rdx) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 1, GPR_RDI,
	  BYTES(0x40, 0x86, 0x3a) },
	/* 4d 87 88 00 03 00 00 = xchg %r9,0x300(%r8) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 8, GPR_R9,
	  BYTES(0x4d, 0x87, 0x88, 0x00, 0x03, 0x00, 0x00) },
	/* 4c 87 2c 24 = xchg %r13,(%rsp) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 8, GPR_R13,
	  BYTES(0x4c, 0x87, 0x2c, 0x24) },
	/* 66 87 15 00 03 00 00 = xchg %dx,0x300(%rip) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 2, GPR_RDX,
	  BYTES(0x66, 0x87, 0x15, 0x00, 0x03, 0x00, 0x00) },
	/* f0 87 02 = lock xchg %eax,(%rdx) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 4, GPR_RAX,
	  BYTES(0xf0, 0x87, 0x02) },
	/* f0 86 5a 10 = lock xchg %bl,0x10(%rdx) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 1, GPR_RBX,
	  BYTES(0xf0, 0x86, 0x5a, 0x10) },
	/* 64 f0 87 02 = lock xchg %eax,%fs:(%rdx) */
	{ INSN_MODE_64, INSN_XCHG_MEM_REG, 4, GPR_RAX,
	  BYTES(0x64, 0xf0, 0x87, 0x02) },
};

/* 8A/8B /r: register <- memory. */
static const struct good_case load_cases[] = {
	/* 8b 02 = mov (%rdx),%eax */
	{ INSN_MODE_64, INSN_MOV_LOAD, 4, GPR_RAX, BYTES(0x8b, 0x02) },
	/* 4c 8b 9a 00 03 00 00 = mov 0x300(%rdx),%r11 */
	{ INSN_MODE_64, INSN_MOV_LOAD, 8, GPR_R11,
	  BYTES(0x4c, 0x8b, 0x9a, 0x00, 0x03, 0x00, 0x00) },
	/* 8b 35 20 00 00 00 = mov 0x20(%rip),%esi */
	{ INSN_MODE_64, INSN_MOV_LOAD, 4, GPR_RSI,
	  BYTES(0x8b, 0x35, 0x20, 0x00, 0x00, 0x00) },
	/* 44 8b b4 88 00 03 00 00 = mov 0x300(%rax,%rcx,4),%r14d */
	{ INSN_MODE_64, INSN_MOV_LOAD, 4, GPR_R14,
	  BYTES(0x44, 0x8b, 0xb4, 0x88, 0x00, 0x03, 0x00, 0x00) },
	/* 8a 1a = mov (%rdx),%bl */
	{ INSN_MODE_64, INSN_MOV_LOAD, 1, GPR_RBX, BYTES(0x8a, 0x1a) },
	/* 8a 2a = mov (%rdx),%ch */
	{ INSN_MODE_64, INSN_MOV_LOAD, 1, GPR_RCX, .high_byte = true,
	  BYTES(0x8a, 0x2a) },
	/* 40 8a 32 = mov (%rdx),%sil */
	{ INSN_MODE_64, INSN_MOV_LOAD, 1, GPR_RSI, BYTES(0x40, 0x8a, 0x32) },
	/* 44 8a 0a = mov (%rdx),%r9b */
	{ INSN_MODE_64, INSN_MOV_LOAD, 1, GPR_R9, BYTES(0x44, 0x8a, 0x0a) },
	/* 66 8b 02 = mov (%rdx),%ax */
	{ INSN_MODE_64, INSN_MOV_LOAD, 2, GPR_RAX, BYTES(0x66, 0x8b, 0x02) },
	/* 8b 04 25 20 d0 5f ff = mov 0xffffffffff5fd020,%eax */
	{ INSN_MODE_64, INSN_MOV_LOAD, 4, GPR_RAX,
	  BYTES(0x8b, 0x04, 0x25, 0x20, 0xd0, 0x5f, 0xff) },
};

/* A0-A3: the offset is address-sized (8 bytes in 64-bit mode, 4 with
 * 67). */
static const struct good_case moffs_cases[] = {
	/* a3 00 03 e0 fe 00 00 00 00 = movabs %eax,0xfee00300 */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0xa3, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00) },
	/* 48 a3 00 03 e0 fe 00 00 00 00 = movabs %rax,0xfee00300 */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 8, GPR_RAX,
	  BYTES(0x48, 0xa3, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00) },
	/* 66 a3 00 03 e0 fe 00 00 00 00 = movabs %ax,0xfee00300 */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 2, GPR_RAX,
	  BYTES(0x66, 0xa3, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00) },
	/* a2 00 03 e0 fe 00 00 00 00 = movabs %al,0xfee00300 */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 1, GPR_RAX,
	  BYTES(0xa2, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00) },
	/* 41 a3 00 03 e0 fe 00 00 00 00 = rex.B movabs %eax,0xfee00300
	 * (hand-encoded; REX.B does not select another accumulator) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x41, 0xa3, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00) },
	/* 67 a3 00 03 e0 fe = addr32 mov %eax,0xfee00300 */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x67, 0xa3, 0x00, 0x03, 0xe0, 0xfe) },
	/* a1 00 03 e0 fe 00 00 00 00 = movabs 0xfee00300,%eax */
	{ INSN_MODE_64, INSN_MOV_LOAD, 4, GPR_RAX,
	  BYTES(0xa1, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00) },
	/* a0 00 03 e0 fe 00 00 00 00 = movabs 0xfee00300,%al */
	{ INSN_MODE_64, INSN_MOV_LOAD, 1, GPR_RAX,
	  BYTES(0xa0, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00) },
	/* 48 a1 00 03 e0 fe 00 00 00 00 = movabs 0xfee00300,%rax */
	{ INSN_MODE_64, INSN_MOV_LOAD, 8, GPR_RAX,
	  BYTES(0x48, 0xa1, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00) },
};

/* Segment overrides are accepted and ignored; any number of prefixes
 * up to the 15-byte limit. */
static const struct good_case segments_cases[] = {
	/* 64 89 02 = mov %eax,%fs:(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x64, 0x89, 0x02) },
	/* 65 89 02 = mov %eax,%gs:(%rdx) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x65, 0x89, 0x02) },
	/* 2e 89 02 = cs mov %eax,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x2e, 0x89, 0x02) },
	/* 3e 89 02 = ds mov %eax,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x3e, 0x89, 0x02) },
	/* 26 89 02 = es mov %eax,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x26, 0x89, 0x02) },
	/* 36 89 02 = ss mov %eax,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x36, 0x89, 0x02) },
	/* 64 89 04 25 00 03 00 00 = mov %eax,%fs:0x300 */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x64, 0x89, 0x04, 0x25, 0x00, 0x03, 0x00, 0x00) },
	/* 65 48 8b 04 25 10 00 00 00 = mov %gs:0x10,%rax */
	{ INSN_MODE_64, INSN_MOV_LOAD, 8, GPR_RAX,
	  BYTES(0x65, 0x48, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00) },
	/* 2e 3e 26 36 64 65 89 02 = cs ds es ss fs mov %eax,%gs:(%rdx)
	 * (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0x89, 0x02) },
	/* 26 (x13) 89 0a = es (x13) mov %ecx,(%rdx) (hand-encoded; 15 bytes) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
		0x26, 0x26, 0x26, 0x89, 0x0a) },
	/* 26 (x12) 48 89 0a = es (x12) mov %rcx,(%rdx) (hand-encoded) */
	{ INSN_MODE_64, INSN_MOV_STORE_REG, 8, GPR_RCX,
	  BYTES(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
		0x26, 0x26, 0x48, 0x89, 0x0a) },
};

/* 32-bit code: disp32 with r/m 101 is absolute; 67 selects the 16-bit
 * forms of Table 2-1 (no SIB, r/m 110 mod 00 = disp16). */
static const struct good_case mode32_cases[] = {
	/* a3 00 03 e0 fe = mov %eax,0xfee00300 */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0xa3, 0x00, 0x03, 0xe0, 0xfe) },
	/* 89 0d 00 03 e0 fe = mov %ecx,0xfee00300 */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0d, 0x00, 0x03, 0xe0, 0xfe) },
	/* 89 11 = mov %edx,(%ecx): OVMF IA32 MmioWrite32 */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RDX, BYTES(0x89, 0x11) },
	/* 89 82 00 03 00 00 = mov %eax,0x300(%edx) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x89, 0x82, 0x00, 0x03, 0x00, 0x00) },
	/* c7 80 b0 00 00 00 00 00 00 00 = movl $0x0,0xb0(%eax) */
	{ INSN_MODE_32, INSN_MOV_STORE_IMM, 4, 0, .imm = 0,
	  BYTES(0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00) },
	/* c7 05 00 03 e0 fe 00 45 0c 00 = movl $0xc4500,0xfee00300 */
	{ INSN_MODE_32, INSN_MOV_STORE_IMM, 4, 0, .imm = 0xc4500,
	  BYTES(0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x45, 0x0c, 0x00) },
	/* 89 0c 98 = mov %ecx,(%eax,%ebx,4) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0c, 0x98) },
	/* 89 0c dd 00 03 00 00 = mov %ecx,0x300(,%ebx,8) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0c, 0xdd, 0x00, 0x03, 0x00, 0x00) },
	/* 89 0c 24 = mov %ecx,(%esp) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x0c, 0x24) },
	/* 89 4d 00 = mov %ecx,0x0(%ebp) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x4d, 0x00) },
	/* 89 8c 75 00 03 00 00 = mov %ecx,0x300(%ebp,%esi,2) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x89, 0x8c, 0x75, 0x00, 0x03, 0x00, 0x00) },
	/* 88 22 = mov %ah,(%edx) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 1, GPR_RAX, .high_byte = true,
	  BYTES(0x88, 0x22) },
	/* 88 1a = mov %bl,(%edx) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 1, GPR_RBX, BYTES(0x88, 0x1a) },
	/* 66 89 0a = mov %cx,(%edx) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 2, GPR_RCX,
	  BYTES(0x66, 0x89, 0x0a) },
	/* 66 c7 02 34 12 = movw $0x1234,(%edx) */
	{ INSN_MODE_32, INSN_MOV_STORE_IMM, 2, 0, .imm = 0x1234,
	  BYTES(0x66, 0xc7, 0x02, 0x34, 0x12) },
	/* c6 02 12 = movb $0x12,(%edx) */
	{ INSN_MODE_32, INSN_MOV_STORE_IMM, 1, 0, .imm = 0x12,
	  BYTES(0xc6, 0x02, 0x12) },
	/* 87 05 00 03 e0 fe = xchg %eax,0xfee00300 */
	{ INSN_MODE_32, INSN_XCHG_MEM_REG, 4, GPR_RAX,
	  BYTES(0x87, 0x05, 0x00, 0x03, 0xe0, 0xfe) },
	/* f0 87 0a = lock xchg %ecx,(%edx) */
	{ INSN_MODE_32, INSN_XCHG_MEM_REG, 4, GPR_RCX,
	  BYTES(0xf0, 0x87, 0x0a) },
	/* a1 00 03 e0 fe = mov 0xfee00300,%eax */
	{ INSN_MODE_32, INSN_MOV_LOAD, 4, GPR_RAX,
	  BYTES(0xa1, 0x00, 0x03, 0xe0, 0xfe) },
	/* a0 20 00 e0 fe = mov 0xfee00020,%al */
	{ INSN_MODE_32, INSN_MOV_LOAD, 1, GPR_RAX,
	  BYTES(0xa0, 0x20, 0x00, 0xe0, 0xfe) },
	/* 8b 0a = mov (%edx),%ecx */
	{ INSN_MODE_32, INSN_MOV_LOAD, 4, GPR_RCX, BYTES(0x8b, 0x0a) },
	/* 67 89 04 = mov %eax,(%si) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x67, 0x89, 0x04) },
	/* 67 89 00 = mov %eax,(%bx,%si) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x67, 0x89, 0x00) },
	/* 67 89 0e 00 03 = mov %ecx,0x300 */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x67, 0x89, 0x0e, 0x00, 0x03) },
	/* 67 a3 00 03 = addr16 mov %eax,0x300 */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x67, 0xa3, 0x00, 0x03) },
	/* 67 89 46 10 = mov %eax,0x10(%bp) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x67, 0x89, 0x46, 0x10) },
	/* 67 89 81 00 10 = mov %eax,0x1000(%bx,%di) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x67, 0x89, 0x81, 0x00, 0x10) },
	/* 26 89 02 = mov %eax,%es:(%edx) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x26, 0x89, 0x02) },
	/* 64 89 02 = mov %eax,%fs:(%edx) */
	{ INSN_MODE_32, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x64, 0x89, 0x02) },
};

/* 16-bit code (real mode, CS.D = 0): 16-bit operands and addresses by
 * default, 66 and 67 select 32-bit ones. */
static const struct good_case mode16_cases[] = {
	/* 89 07 = mov %ax,(%bx) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 2, GPR_RAX, BYTES(0x89, 0x07) },
	/* 66 89 07 = mov %eax,(%bx) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x66, 0x89, 0x07) },
	/* a3 00 03 = mov %ax,0x300 */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 2, GPR_RAX,
	  BYTES(0xa3, 0x00, 0x03) },
	/* 89 0e 00 03 = mov %cx,0x300 */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 2, GPR_RCX,
	  BYTES(0x89, 0x0e, 0x00, 0x03) },
	/* 89 4e 10 = mov %cx,0x10(%bp) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 2, GPR_RCX,
	  BYTES(0x89, 0x4e, 0x10) },
	/* 89 4e 00 = mov %cx,0x0(%bp) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 2, GPR_RCX,
	  BYTES(0x89, 0x4e, 0x00) },
	/* 89 88 34 12 = mov %cx,0x1234(%bx,%si) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 2, GPR_RCX,
	  BYTES(0x89, 0x88, 0x34, 0x12) },
	/* 89 0d = mov %cx,(%di) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 2, GPR_RCX, BYTES(0x89, 0x0d) },
	/* 89 0c = mov %cx,(%si) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 2, GPR_RCX, BYTES(0x89, 0x0c) },
	/* c7 07 34 12 = movw $0x1234,(%bx) */
	{ INSN_MODE_16, INSN_MOV_STORE_IMM, 2, 0, .imm = 0x1234,
	  BYTES(0xc7, 0x07, 0x34, 0x12) },
	/* 66 c7 07 00 03 e0 fe = movl $0xfee00300,(%bx) */
	{ INSN_MODE_16, INSN_MOV_STORE_IMM, 4, 0, .imm = 0xfee00300,
	  BYTES(0x66, 0xc7, 0x07, 0x00, 0x03, 0xe0, 0xfe) },
	/* 66 c7 87 00 03 00 03 e0 fe = movl $0xfee00300,0x300(%bx) */
	{ INSN_MODE_16, INSN_MOV_STORE_IMM, 4, 0, .imm = 0xfee00300,
	  BYTES(0x66, 0xc7, 0x87, 0x00, 0x03, 0x00, 0x03, 0xe0, 0xfe) },
	/* c6 01 01 = movb $0x1,(%bx,%di) */
	{ INSN_MODE_16, INSN_MOV_STORE_IMM, 1, 0, .imm = 1,
	  BYTES(0xc6, 0x01, 0x01) },
	/* 88 27 = mov %ah,(%bx) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 1, GPR_RAX, .high_byte = true,
	  BYTES(0x88, 0x27) },
	/* 67 66 89 08 = mov %ecx,(%eax) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x67, 0x66, 0x89, 0x08) },
	/* 67 66 89 8c 98 00 03 00 00 = mov %ecx,0x300(%eax,%ebx,4) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x67, 0x66, 0x89, 0x8c, 0x98, 0x00, 0x03, 0x00, 0x00) },
	/* 67 66 89 0d 00 03 00 00 = addr32 mov %ecx,0x300 */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 4, GPR_RCX,
	  BYTES(0x67, 0x66, 0x89, 0x0d, 0x00, 0x03, 0x00, 0x00) },
	/* 67 66 a3 00 03 e0 fe = addr32 mov %eax,0xfee00300 */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x67, 0x66, 0xa3, 0x00, 0x03, 0xe0, 0xfe) },
	/* 87 0f = xchg %cx,(%bx) */
	{ INSN_MODE_16, INSN_XCHG_MEM_REG, 2, GPR_RCX, BYTES(0x87, 0x0f) },
	/* 8b 17 = mov (%bx),%dx */
	{ INSN_MODE_16, INSN_MOV_LOAD, 2, GPR_RDX, BYTES(0x8b, 0x17) },
	/* 64 66 89 07 = mov %eax,%fs:(%bx) */
	{ INSN_MODE_16, INSN_MOV_STORE_REG, 4, GPR_RAX,
	  BYTES(0x64, 0x66, 0x89, 0x07) },
};

/* Errors. Register operands (mod 11) never fault on the MMIO page;
 * other opcodes, F2/F3 (REP, or XACQUIRE/XRELEASE on MOV and XCHG) are
 * not decoded; LOCK is #UD except on XCHG ("LOCK-Assert LOCK# Signal
 * Prefix"); 40-4F outside 64-bit mode are INC/DEC instructions. */
static const struct bad_case bad_cases[] = {
	/* 89 ca = mov %ecx,%edx */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0x89, 0xca),
	/* 88 e0 = mov %ah,%al */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0x88, 0xe0),
	/* 40 88 e0 = mov %spl,%al */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0x40, 0x88, 0xe0),
	/* 4d 89 ca = mov %r9,%r10 */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0x4d, 0x89, 0xca),
	/* c7 c0 01 00 00 00 = mov $0x1,%eax (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0xc7, 0xc0, 0x01, 0x00, 0x00,
	    0x00),
	/* c6 c4 01 = mov $0x1,%ah (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0xc6, 0xc4, 0x01),
	/* 8b c1 = mov %ecx,%eax (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0x8b, 0xc1),
	/* 8a e1 = mov %cl,%ah (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0x8a, 0xe1),
	/* 87 ca = xchg %ecx,%edx (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0x87, 0xca),
	/* 86 e1 = xchg %ah,%cl (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0x86, 0xe1),
	/* f0 87 ca = lock xchg %ecx,%edx (hand-encoded; #UD on a CPU) */
	BAD(INSN_MODE_64, INSN_ERR_REG_OPERAND, 0xf0, 0x87, 0xca),
	/* 11 0a = adc %ecx,(%rdx): ADC and SBB are not emulated */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0x11, 0x0a),
	/* 83 12 01 = adcl $0x1,(%rdx) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0x83, 0x12, 0x01),
	/* 83 3a 01 = cmpl $0x1,(%rdx): writes nothing */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0x83, 0x3a, 0x01),
	/* 0f ba 22 08 = btl $0x8,(%rdx): writes nothing */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0x0f, 0xba, 0x22, 0x08),
	/* f0 ab = lock stos %eax,%es:(%rdi) (hand-encoded; #UD on a CPU) */
	BAD(INSN_MODE_64, INSN_ERR_INVALID, 0xf0, 0xab),
	/* f3 09 0a = repz or %ecx,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xf3, 0x09, 0x0a),
	/* 0f b7 02 = movzwl (%rdx),%eax */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0x0f, 0xb7, 0x02),
	/* 0f c3 0a = movnti %ecx,(%rdx) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0x0f, 0xc3, 0x0a),
	/* 0f = the two-byte opcode escape alone (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_TRUNCATED, 0x0f),
	/* 8c 1a = mov %ds,(%rdx) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0x8c, 0x1a),
	/* 8e 1a = mov (%rdx),%ds */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0x8e, 0x1a),
	/* c7 0a 01 00 00 00 = (bad): C7 /1 (hand-encoded; only /0 is MOV) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xc7, 0x0a, 0x01, 0x00, 0x00,
	    0x00),
	/* c6 4a 10 01 = (bad): C6 /1 (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xc6, 0x4a, 0x10, 0x01),
	/* c7 f8 00 00 00 00 = xbegin 0x6 (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xc7, 0xf8, 0x00, 0x00, 0x00,
	    0x00),
	/* c6 f8 01 = xabort $0x1 (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xc6, 0xf8, 0x01),
	/* 90 = nop */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0x90),
	/* c5 f9 7e 02 = vmovd %xmm0,(%rdx) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xc5, 0xf9, 0x7e, 0x02),
	/* f3 89 0a = xrelease mov %ecx,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xf3, 0x89, 0x0a),
	/* f2 89 0a = repnz mov %ecx,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xf2, 0x89, 0x0a),
	/* f2 f0 87 0a = xacquire lock xchg %ecx,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xf2, 0xf0, 0x87, 0x0a),
	/* f3 c7 02 00 00 00 00 = xrelease movl $0x0,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xf3, 0xc7, 0x02, 0x00, 0x00,
	    0x00, 0x00),
	/* f3 48 89 0a = xrelease mov %rcx,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_UNSUPPORTED, 0xf3, 0x48, 0x89, 0x0a),
	/* f0 89 0a = lock mov %ecx,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_INVALID, 0xf0, 0x89, 0x0a),
	/* f0 88 02 = lock mov %al,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_INVALID, 0xf0, 0x88, 0x02),
	/* f0 c7 02 00 00 00 00 = lock movl $0x0,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_INVALID, 0xf0, 0xc7, 0x02, 0x00, 0x00, 0x00,
	    0x00),
	/* f0 c6 02 00 = lock movb $0x0,(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_INVALID, 0xf0, 0xc6, 0x02, 0x00),
	/* f0 8b 02 = lock mov (%rdx),%eax (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_INVALID, 0xf0, 0x8b, 0x02),
	/* f0 a3 00 03 e0 fe 00 00 00 00 = lock movabs %eax,0xfee00300
	 * (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_INVALID, 0xf0, 0xa3, 0x00, 0x03, 0xe0, 0xfe,
	    0x00, 0x00, 0x00, 0x00),
	/* 64 f0 48 89 0a = lock mov %rcx,%fs:(%rdx) (hand-encoded) */
	BAD(INSN_MODE_64, INSN_ERR_INVALID, 0x64, 0xf0, 0x48, 0x89, 0x0a),
	/* 48 89 0a = dec %eax ; mov %ecx,(%edx) (hand-encoded) */
	BAD(INSN_MODE_32, INSN_ERR_UNSUPPORTED, 0x48, 0x89, 0x0a),
	/* 41 89 0a = inc %ecx ; mov %ecx,(%edx) (hand-encoded) */
	BAD(INSN_MODE_32, INSN_ERR_UNSUPPORTED, 0x41, 0x89, 0x0a),
	/* 40 89 0a = inc %ax ; mov %cx,(%bp,%si) (hand-encoded) */
	BAD(INSN_MODE_16, INSN_ERR_UNSUPPORTED, 0x40, 0x89, 0x0a),
	/* 89 ca = mov %ecx,%edx */
	BAD(INSN_MODE_32, INSN_ERR_REG_OPERAND, 0x89, 0xca),
	/* 89 ca = mov %cx,%dx */
	BAD(INSN_MODE_16, INSN_ERR_REG_OPERAND, 0x89, 0xca),
	/* f0 89 0a = lock mov %ecx,(%edx) (hand-encoded) */
	BAD(INSN_MODE_32, INSN_ERR_INVALID, 0xf0, 0x89, 0x0a),
	/* 11 0f = adc %cx,(%bx) */
	BAD(INSN_MODE_16, INSN_ERR_UNSUPPORTED, 0x11, 0x0f),
};

/* Decodes bytes[0..avail) from a heap copy of exactly avail bytes. */
static int decode_exact(const uint8_t *bytes, unsigned avail,
			enum insn_cpu_mode mode, struct insn_mem_access *a)
{
	uint8_t *buf = malloc(avail);
	int ret;

	if (avail) {
		assert_non_null(buf);
		memcpy(buf, bytes, avail);
	}
	ret = insn_decode_mem_access(buf, avail, mode, a);
	free(buf);
	return ret;
}

static void hex(const uint8_t *b, unsigned n, char *out, size_t size)
{
	unsigned i;

	out[0] = 0;
	for (i = 0; i < n && 3 * (i + 1) < size; i++)
		snprintf(out + 3 * i, size - 3 * i, "%02x ", b[i]);
}

static bool is_cleared(const struct insn_mem_access *a)
{
	return a->kind == INSN_UNSUPPORTED && a->length == 0 && a->size == 0 &&
	       a->reg == 0 && !a->high_byte && a->imm == 0;
}

/* The decoded fields match the case; ret is the decoder's result. */
static void expect_good(const struct good_case *c, int ret,
			const struct insn_mem_access *a)
{
	char buf[64];

	if (ret == 0 && a->kind == c->kind && a->length == c->len &&
	    a->size == c->size && a->reg == c->reg &&
	    a->high_byte == c->high_byte && a->imm == c->imm)
		return;
	hex(c->bytes, c->len, buf, sizeof(buf));
	fail_msg("%s(mode %d): ret %d; got/want kind %d/%d len %u/%u size %u/%u reg %u/%u high %d/%d imm %llx/%llx",
		 buf, c->mode, ret, a->kind, c->kind, a->length, c->len,
		 a->size, c->size, a->reg, c->reg, a->high_byte, c->high_byte,
		 (unsigned long long)a->imm, (unsigned long long)c->imm);
}

/* Exactly the instruction, then the instruction followed by bytes of the
 * next one (a fetch of INSN_MAX_LENGTH bytes): same result. */
static void check_good(const struct good_case *c)
{
	uint8_t buf[INSN_MAX_LENGTH + 1];
	struct insn_mem_access a;
	unsigned extra;

	expect_good(c, decode_exact(c->bytes, c->len, c->mode, &a), &a);
	for (extra = 1; c->len + extra <= sizeof(buf); extra++) {
		memset(buf, 0x89, sizeof(buf));
		memcpy(buf, c->bytes, c->len);
		expect_good(c, decode_exact(buf, c->len + extra, c->mode, &a),
			    &a);
	}
}

/* Every shorter fetch is reported as truncated, never read past. */
static void check_truncated(const struct good_case *c)
{
	struct insn_mem_access a;
	unsigned avail;
	char buf[64];

	for (avail = 0; avail < c->len; avail++) {
		int ret = decode_exact(c->bytes, avail, c->mode, &a);

		if (ret == INSN_ERR_TRUNCATED && is_cleared(&a))
			continue;
		hex(c->bytes, c->len, buf, sizeof(buf));
		fail_msg("%s avail %u: ret %d", buf, avail, ret);
	}
}

static void check_table(const struct good_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		check_good(&cases[i]);
		check_truncated(&cases[i]);
	}
}

#define TABLE_TEST(name)						\
	static void test_##name(void **state)				\
	{								\
		(void)state;						\
		check_table(name##_cases, ARRAY_SIZE(name##_cases));	\
	}

TABLE_TEST(real_world)
TABLE_TEST(modrm)
TABLE_TEST(rex)
TABLE_TEST(byte_regs)
TABLE_TEST(imm)
TABLE_TEST(xchg)
TABLE_TEST(load)
TABLE_TEST(moffs)
TABLE_TEST(segments)
TABLE_TEST(mode32)
TABLE_TEST(mode16)

static void expect_error(const uint8_t *bytes, unsigned avail,
			 enum insn_cpu_mode mode, int err)
{
	struct insn_mem_access a;
	char buf[64];
	int ret = decode_exact(bytes, avail, mode, &a);

	if (ret == err && is_cleared(&a))
		return;
	hex(bytes, avail, buf, sizeof(buf));
	fail_msg("%s(mode %d, avail %u): ret %d, want %d", buf, mode, avail,
		 ret, err);
}

static void test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];

		expect_error(c->bytes, c->len, c->mode, c->err);
	}
}

/* The Linux, OVMF and Windows xAPIC writes, spelled out the way the EPT
 * violation handler will use the result. */
static void test_apic_writers(void **state)
{
	/* 89 82 00 03 00 00 = mov %eax,0x300(%rdx): Linux, ICR low */
	static const uint8_t linux_icr[] = {
		0x89, 0x82, 0x00, 0x03, 0x00, 0x00 };
	/* 89 11 = mov %edx,(%rcx): OVMF MmioWrite32 (MS ABI: RCX address,
	 * EDX value) */
	static const uint8_t ovmf[] = { 0x89, 0x11 };
	/* c7 80 b0 00 00 00 00 00 00 00 = movl $0x0,0xb0(%rax): Windows EOI,
	 * mov dword ptr [rax+0B0h], 0 */
	static const uint8_t windows_eoi[] = {
		0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	struct insn_mem_access a;

	(void)state;
	assert_int_equal(decode_exact(linux_icr, sizeof(linux_icr),
				      INSN_MODE_64, &a), 0);
	assert_int_equal(a.kind, INSN_MOV_STORE_REG);
	assert_int_equal(a.length, 6);
	assert_int_equal(a.size, 4);
	assert_int_equal(a.reg, GPR_RAX);
	assert_false(a.high_byte);

	assert_int_equal(decode_exact(ovmf, sizeof(ovmf), INSN_MODE_64, &a), 0);
	assert_int_equal(a.kind, INSN_MOV_STORE_REG);
	assert_int_equal(a.length, 2);
	assert_int_equal(a.size, 4);
	assert_int_equal(a.reg, GPR_RDX);
	/* The same bytes in IA32 OVMF: mov %edx,(%ecx). */
	assert_int_equal(decode_exact(ovmf, sizeof(ovmf), INSN_MODE_32, &a), 0);
	assert_int_equal(a.length, 2);
	assert_int_equal(a.reg, GPR_RDX);

	assert_int_equal(decode_exact(windows_eoi, sizeof(windows_eoi),
				      INSN_MODE_64, &a), 0);
	assert_int_equal(a.kind, INSN_MOV_STORE_IMM);
	assert_int_equal(a.length, 10);
	assert_int_equal(a.size, 4);
	assert_int_equal(a.imm, 0);
}

/* The read-modify-write and string forms (Windows HAL-style
 * "and dword ptr [m], 0", OR/AND of LVT mask bits, BTS/BTR, memset and
 * memcpy over the page). Encodings from GNU as 2.40, as above. */
struct rmw_case {
	enum insn_kind kind;
	enum insn_alu alu;
	bool src_imm;
	uint64_t imm;   /* or the register, when !src_imm */
	unsigned size, len;
	uint8_t bytes[INSN_MAX_LENGTH];
};

#define RMW(k, op, is_imm, v, sz, ...) \
	{ .kind = k, .alu = op, .src_imm = is_imm, .imm = v, .size = sz, BYTES(__VA_ARGS__) }

static const struct rmw_case rmw_cases[] = {
	/* 83 a0 b0 00 00 00 00 = andl $0x0,0xb0(%rax) */
	RMW(INSN_ALU_RMW, INSN_ALU_AND, true, 0, 4, 0x83, 0xa0, 0xb0, 0x00, 0x00, 0x00, 0x00),
	/* 81 8a f0 00 00 00 00 01 00 00 = orl $0x100,0xf0(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_OR, true, 0x100, 4,
	    0x81, 0x8a, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00),
	/* f0 81 8a f0 00 00 00 00 01 00 00 = lock orl $0x100,0xf0(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_OR, true, 0x100, 4,
	    0xf0, 0x81, 0x8a, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00),
	/* 81 a2 f0 00 00 00 ff fe ff ff = andl $0xfffffeff,0xf0(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_AND, true, 0xfffffeff, 4,
	    0x81, 0xa2, 0xf0, 0x00, 0x00, 0x00, 0xff, 0xfe, 0xff, 0xff),
	/* 09 8a 00 03 00 00 = or %ecx,0x300(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_OR, false, GPR_RCX, 4, 0x09, 0x8a, 0x00, 0x03, 0x00, 0x00),
	/* 01 0a = add %ecx,(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_ADD, false, GPR_RCX, 4, 0x01, 0x0a),
	/* f0 01 0a = lock add %ecx,(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_ADD, false, GPR_RCX, 4, 0xf0, 0x01, 0x0a),
	/* 29 02 = sub %eax,(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_SUB, false, GPR_RAX, 4, 0x29, 0x02),
	/* 44 31 0a = xor %r9d,(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_XOR, false, GPR_R9, 4, 0x44, 0x31, 0x0a),
	/* 0f ba aa f0 00 00 00 08 = btsl $0x8,0xf0(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_BTS, true, 8, 4, 0x0f, 0xba, 0xaa, 0xf0, 0x00, 0x00, 0x00, 0x08),
	/* 0f ba b2 f0 00 00 00 08 = btrl $0x8,0xf0(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_BTR, true, 8, 4, 0x0f, 0xba, 0xb2, 0xf0, 0x00, 0x00, 0x00, 0x08),
	/* 0f ba ba f0 00 00 00 08 = btcl $0x8,0xf0(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_BTC, true, 8, 4, 0x0f, 0xba, 0xba, 0xf0, 0x00, 0x00, 0x00, 0x08),
	/* 0f ab 8a f0 00 00 00 = bts %ecx,0xf0(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_BTS, false, GPR_RCX, 4, 0x0f, 0xab, 0x8a, 0xf0, 0x00, 0x00, 0x00),
	/* 0f b3 0a = btr %ecx,(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_BTR, false, GPR_RCX, 4, 0x0f, 0xb3, 0x0a),
	/* 80 0a 01 = orb $0x1,(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_OR, true, 1, 1, 0x80, 0x0a, 0x01),
	/* 48 83 0a ff = orq $0xffffffffffffffff,(%rdx): imm8 sign-extended */
	RMW(INSN_ALU_RMW, INSN_ALU_OR, true, ~0ull, 8, 0x48, 0x83, 0x0a, 0xff),
	/* 83 0a ff = orl $0xffffffff,(%rdx) (hand-encoded): to 32 bits */
	RMW(INSN_ALU_RMW, INSN_ALU_OR, true, 0xffffffffull, 4, 0x83, 0x0a, 0xff),
	/* 48 81 0a 78 56 34 12 = orq $0x12345678,(%rdx) */
	RMW(INSN_ALU_RMW, INSN_ALU_OR, true, 0x12345678, 8, 0x48, 0x81, 0x0a, 0x78, 0x56, 0x34, 0x12),
};

static void test_read_modify_write(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rmw_cases); i++) {
		const struct rmw_case *c = &rmw_cases[i];
		struct insn_mem_access a;

		assert_int_equal(decode_exact(c->bytes, c->len, INSN_MODE_64, &a), 0);
		assert_int_equal(a.kind, c->kind);
		assert_int_equal(a.alu, c->alu);
		assert_int_equal(a.src_imm, c->src_imm);
		if (c->src_imm)
			assert_int_equal(a.imm, c->imm);
		else
			assert_int_equal(a.reg, c->imm);
		assert_int_equal(a.size, c->size);
		assert_int_equal(a.length, c->len);
		for (unsigned n = 0; n < c->len; n++)
			assert_int_equal(decode_exact(c->bytes, n, INSN_MODE_64, &a), INSN_ERR_TRUNCATED);
	}
}

static void test_strings(void **state)
{
	/* f3 ab = rep stos %eax,%es:(%rdi) */
	static const uint8_t rep_stosl[] = { 0xf3, 0xab };
	/* aa = stos %al,%es:(%rdi) */
	static const uint8_t stosb[] = { 0xaa };
	/* 48 a5 = movsq %ds:(%rsi),%es:(%rdi) */
	static const uint8_t movsq[] = { 0x48, 0xa5 };
	/* 64 a4 = movsb %fs:(%rsi),%es:(%rdi) */
	static const uint8_t movsb_fs[] = { 0x64, 0xa4 };
	/* 67 f3 ab = rep stos %eax,%es:(%edi) */
	static const uint8_t rep_stosl32[] = { 0x67, 0xf3, 0xab };
	struct insn_mem_access a;

	(void)state;
	assert_int_equal(decode_exact(rep_stosl, sizeof(rep_stosl), INSN_MODE_64, &a), 0);
	assert_int_equal(a.kind, INSN_STOS);
	assert_true(a.rep);
	assert_int_equal(a.size, 4);
	assert_int_equal(a.addr_size, 8);
	assert_int_equal(a.reg, GPR_RAX);
	assert_int_equal(a.length, 2);
	assert_int_equal(decode_exact(stosb, sizeof(stosb), INSN_MODE_64, &a), 0);
	assert_int_equal(a.kind, INSN_STOS);
	assert_false(a.rep);
	assert_int_equal(a.size, 1);
	assert_int_equal(decode_exact(movsq, sizeof(movsq), INSN_MODE_64, &a), 0);
	assert_int_equal(a.kind, INSN_MOVS);
	assert_int_equal(a.size, 8);
	assert_int_equal(a.src_seg, INSN_SEG_DS);
	assert_int_equal(decode_exact(movsb_fs, sizeof(movsb_fs), INSN_MODE_64, &a), 0);
	assert_int_equal(a.kind, INSN_MOVS);
	assert_int_equal(a.size, 1);
	assert_int_equal(a.src_seg, INSN_SEG_FS);
	assert_int_equal(decode_exact(rep_stosl32, sizeof(rep_stosl32), INSN_MODE_64, &a), 0);
	assert_int_equal(a.addr_size, 4);
	assert_int_equal(a.length, 3);
	/* 16-bit code: rep stosw with DI and CX. */
	assert_int_equal(decode_exact(rep_stosl, sizeof(rep_stosl), INSN_MODE_16, &a), 0);
	assert_int_equal(a.size, 2);
	assert_int_equal(a.addr_size, 2);
}

/* The 15-byte limit (SDM Vol. 2A, 2.2.1): a 16th byte is never needed;
 * "too long" wins over "truncated" once the limit is reached. */
static void test_length_limit(void **state)
{
	/* 26 (x14) 89 0a: the ModR/M byte would be the 16th */
	uint8_t b[INSN_MAX_LENGTH + 4];
	/* 2e 2e 64 67 48 c7 84 d8 00 03 00 00 ff ff ff ff: the 15-byte
	 * case of imm_cases with one more prefix; the displacement and
	 * immediate would end at byte 16 */
	static const uint8_t imm16[] = {
		0x2e, 0x2e, 0x64, 0x67, 0x48, 0xc7, 0x84, 0xd8, 0x00, 0x03,
		0x00, 0x00, 0xff, 0xff, 0xff, 0xff };
	unsigned avail;

	(void)state;
	memset(b, 0x26, sizeof(b));
	b[14] = 0x89;
	b[15] = 0x0a;
	expect_error(b, 16, INSN_MODE_64, INSN_ERR_TOO_LONG);
	expect_error(b, 15, INSN_MODE_64, INSN_ERR_TOO_LONG);
	expect_error(b, 14, INSN_MODE_64, INSN_ERR_TRUNCATED);
	/* 15 prefixes: the opcode would be the 16th byte. */
	b[14] = 0x26;
	b[15] = 0x89;
	b[16] = 0x0a;
	expect_error(b, 17, INSN_MODE_64, INSN_ERR_TOO_LONG);
	/* Only prefixes, forever: too long at 15, truncated before. */
	memset(b, 0x66, sizeof(b));
	for (avail = 0; avail < INSN_MAX_LENGTH; avail++)
		expect_error(b, avail, INSN_MODE_64, INSN_ERR_TRUNCATED);
	for (avail = INSN_MAX_LENGTH; avail <= sizeof(b); avail++)
		expect_error(b, avail, INSN_MODE_64, INSN_ERR_TOO_LONG);
	/* REX bytes count toward the limit too. */
	memset(b, 0x48, sizeof(b));
	expect_error(b, sizeof(b), INSN_MODE_64, INSN_ERR_TOO_LONG);
	/* Known to end past byte 15 once the SIB byte is read. */
	for (avail = 0; avail < 8; avail++)
		expect_error(imm16, avail, INSN_MODE_64, INSN_ERR_TRUNCATED);
	for (avail = 8; avail <= sizeof(imm16); avail++)
		expect_error(imm16, avail, INSN_MODE_64, INSN_ERR_TOO_LONG);
}

/* No bytes at all, a NULL buffer with avail 0, a bad mode. */
static void test_empty_and_bad_mode(void **state)
{
	static const uint8_t mov[] = { 0x89, 0x0a };
	struct insn_mem_access a;

	(void)state;
	memset(&a, 0xA5, sizeof(a));
	assert_int_equal(insn_decode_mem_access(NULL, 0, INSN_MODE_64, &a),
			 INSN_ERR_TRUNCATED);
	assert_true(is_cleared(&a));
	assert_int_equal(insn_decode_mem_access(mov, sizeof(mov),
						(enum insn_cpu_mode)3, &a),
			 INSN_ERR_INVALID);
	assert_true(is_cleared(&a));
	assert_int_equal(insn_decode_mem_access(mov, sizeof(mov),
						(enum insn_cpu_mode)-1, &a),
			 INSN_ERR_INVALID);
}

/* An error leaves nothing of an earlier success in *out. */
static void test_error_clears_output(void **state)
{
	static const uint8_t good[] = {
		0x48, 0xc7, 0x02, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t lock_mov[] = { 0xf0, 0x48, 0xc7, 0x02, 0xff, 0xff,
					    0xff, 0xff };
	struct insn_mem_access a;

	(void)state;
	assert_int_equal(decode_exact(good, sizeof(good), INSN_MODE_64, &a), 0);
	assert_int_equal(a.imm, 0xffffffffffffffffull);
	assert_int_equal(decode_exact(lock_mov, sizeof(lock_mov), INSN_MODE_64,
				      &a), INSN_ERR_INVALID);
	assert_true(is_cleared(&a));
	assert_int_equal(decode_exact(good, 5, INSN_MODE_64, &a),
			 INSN_ERR_TRUNCATED);
	assert_true(is_cleared(&a));
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static const uint8_t fuzz_prefixes[] = {
	0xF0, 0xF2, 0xF3, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67,
	0x40, 0x41, 0x44, 0x48, 0x4C, 0x4F,
};
static const uint8_t fuzz_opcodes[] = {
	0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0xA0, 0xA1, 0xA2, 0xA3, 0xC6, 0xC7,
};

#define FUZZ_ITERATIONS   100000u
#define FUZZ_MAX_AVAIL    (INSN_MAX_LENGTH + 5)
#define FUZZ_MAX_PREFIXES 5u

static uint8_t pick(uint64_t *x, const uint8_t *set, size_t n)
{
	return set[rng_next(x) % n];
}

/* Fills b: fully random bytes, or (every other time) a few prefixes and
 * one of the decoded opcodes, so that the ModR/M paths get exercised. */
static void fuzz_fill(uint64_t *x, uint8_t *b, unsigned n)
{
	unsigned i = 0, np;

	if (rng_next(x) & 1) {
		np = rng_next(x) % FUZZ_MAX_PREFIXES;
		for (; i < np && i < n; i++)
			b[i] = pick(x, fuzz_prefixes, sizeof(fuzz_prefixes));
		if (i < n)
			b[i++] = pick(x, fuzz_opcodes, sizeof(fuzz_opcodes));
	}
	for (; i < n; i++)
		b[i] = (uint8_t)rng_next(x);
}

static bool valid_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* A success is self-consistent, and stable under the fetch length:
 * exactly length bytes give the same answer, one fewer is truncated. */
static void check_fuzz_success(const uint8_t *b, enum insn_cpu_mode mode,
			       const struct insn_mem_access *a, unsigned avail)
{
	struct insn_mem_access again;

	assert_true(a->length >= 1);
	assert_true(a->length <= avail);
	assert_true(a->length <= INSN_MAX_LENGTH);
	assert_true(a->kind < INSN_UNSUPPORTED);
	assert_true(valid_size(a->size));
	assert_true(a->reg < 16);
	assert_true(!a->high_byte || (a->size == 1 && a->reg < 4));
	assert_true(a->size == 8 || a->imm >> (8 * a->size) == 0);
	assert_int_equal(decode_exact(b, a->length, mode, &again), 0);
	assert_memory_equal(&again, a, sizeof(again));
	assert_int_equal(decode_exact(b, a->length - 1, mode, &again),
			 INSN_ERR_TRUNCATED);
}

static void test_random_bytes(void **state)
{
	uint64_t x = 0x243F6A8885A308D3ull;
	unsigned i, ok = 0;

	(void)state;
	for (i = 0; i < FUZZ_ITERATIONS; i++) {
		uint8_t b[FUZZ_MAX_AVAIL];
		unsigned avail = rng_next(&x) % (FUZZ_MAX_AVAIL + 1);
		enum insn_cpu_mode mode = rng_next(&x) % 3;
		struct insn_mem_access a;
		int ret;

		fuzz_fill(&x, b, sizeof(b));
		ret = decode_exact(b, avail, mode, &a);
		if (ret == 0) {
			check_fuzz_success(b, mode, &a, avail);
			ok++;
			continue;
		}
		assert_true(ret == INSN_ERR_TRUNCATED ||
			    ret == INSN_ERR_UNSUPPORTED ||
			    ret == INSN_ERR_REG_OPERAND ||
			    ret == INSN_ERR_TOO_LONG ||
			    ret == INSN_ERR_INVALID);
		assert_true(is_cleared(&a));
	}
	/* The structured half must reach the decoder's success paths. */
	assert_true(ok > FUZZ_ITERATIONS / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apic_writers),
		cmocka_unit_test(test_real_world),
		cmocka_unit_test(test_modrm),
		cmocka_unit_test(test_rex),
		cmocka_unit_test(test_byte_regs),
		cmocka_unit_test(test_imm),
		cmocka_unit_test(test_xchg),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_moffs),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_mode32),
		cmocka_unit_test(test_mode16),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_read_modify_write),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_empty_and_bad_mode),
		cmocka_unit_test(test_error_clears_output),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
