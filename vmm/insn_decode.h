/* Decoder for the few guest instructions that access an emulated MMIO page
 * (the xAPIC page, write-protected in EPT): MOV and XCHG with a memory
 * operand. On an EPT violation the VMM already knows the guest-physical
 * address; this decoder tells it the kind of access, the operand size, the
 * register or immediate involved and the instruction length (to advance
 * RIP). It does not compute the effective address.
 * Intel SDM Vol. 2A, chapter 2 "Instruction Format"; Vol. 2B, "MOV-Move"
 * and Vol. 2D, "XCHG-Exchange Register/Memory with Register".
 * Pure logic. */
#ifndef PILLBOX_VMM_INSN_DECODE_H
#define PILLBOX_VMM_INSN_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* Maximum length of an instruction, prefixes included (SDM Vol. 2A,
 * 2.2.1 "REX Prefixes": "The instruction-size limit of 15 bytes"). */
#define INSN_MAX_LENGTH 15u

/* The code segment's default operand and address size: 64-bit mode
 * (IA-32e, CS.L = 1), 32-bit (CS.D = 1), 16-bit (real mode, virtual-8086
 * or CS.D = 0). */
enum insn_cpu_mode {
	INSN_MODE_64,
	INSN_MODE_32,
	INSN_MODE_16,
};

enum insn_kind {
	INSN_MOV_STORE_REG, /* 88, 89, A2, A3: memory <- register */
	INSN_MOV_STORE_IMM, /* C6 /0, C7 /0: memory <- immediate */
	INSN_XCHG_MEM_REG,  /* 86, 87: memory <-> register */
	INSN_MOV_LOAD,      /* 8A, 8B, A0, A1: register <- memory */
	INSN_UNSUPPORTED,
};

/* Errors (negative) of insn_decode_mem_access(). */
enum insn_error {
	INSN_ERR_TRUNCATED = -1,   /* needs more than avail bytes */
	INSN_ERR_UNSUPPORTED = -2, /* another opcode, REP/REPNE prefix */
	INSN_ERR_REG_OPERAND = -3, /* ModR/M mod == 3: no memory operand */
	INSN_ERR_TOO_LONG = -4,    /* more than INSN_MAX_LENGTH bytes (#GP) */
	INSN_ERR_INVALID = -5,     /* LOCK on a MOV (#UD), bad mode */
};

struct insn_mem_access {
	enum insn_kind kind;
	unsigned length;  /* instruction bytes, 1..INSN_MAX_LENGTH */
	unsigned size;    /* memory operand bytes: 1, 2, 4 or 8 */
	/* Register operand (REG, XCHG and LOAD kinds), numbered as GPR_* in
	 * vmm/vcpu.h: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15. A0-A3 use
	 * the accumulator (0). */
	unsigned reg;
	/* The register is AH, CH, DH or BH: bits 15:8 of GPR reg (0..3).
	 * Only for a byte operand without a REX prefix; with any REX, byte
	 * registers 4..7 are SPL, BPL, SIL, DIL (SDM Vol. 2A, 2.2.1.2). */
	bool high_byte;
	/* MOV_STORE_IMM: the value stored, size bytes wide (an imm32 with
	 * REX.W is sign-extended to 64 bits, as the CPU does). */
	uint64_t imm;
};

/* Decodes the instruction at bytes[0..avail). Returns 0 and fills *out,
 * or a negative enum insn_error (then *out is zeroed, kind
 * INSN_UNSUPPORTED). Never reads bytes[avail] or beyond. Legacy prefixes
 * may repeat and come in any order: 66 (operand size), 67 (address size),
 * segment overrides 26 2E 36 3E 64 65 (ignored), F0 LOCK (XCHG only),
 * F2/F3 (unsupported). In 64-bit mode a REX prefix (40-4F) counts only
 * right before the opcode; elsewhere the CPU ignores it. */
int insn_decode_mem_access(const uint8_t *bytes, unsigned avail,
			   enum insn_cpu_mode mode,
			   struct insn_mem_access *out);

#endif
