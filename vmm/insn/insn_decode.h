/* Decoder for the guest instructions that write an emulated MMIO page (the
 * xAPIC page, write-protected in EPT): MOV and XCHG with a memory operand,
 * the read-modify-write ALU forms (ADD, OR, AND, SUB, XOR to memory),
 * BTS/BTR/BTC, and the string stores STOS and MOVS. On an EPT violation
 * the VMM already knows the guest-physical address; this decoder tells it
 * the kind of access, the operand size, the register or immediate involved
 * and the instruction length (to advance RIP). It does not compute the
 * effective address of a ModR/M operand.
 * Intel SDM Vol. 2A, chapter 2 "Instruction Format"; Vol. 2A-2D, the
 * instruction pages "MOV-Move", "XCHG", "ADD", "OR", "AND", "SUB", "XOR",
 * "BTS", "BTR", "BTC", "STOS/STOSB/STOSW/STOSD/STOSQ", "MOVS/MOVSB/...".
 * Pure logic. */
#ifndef PILLBOX_VMM_INSN_DECODE_H
#define PILLBOX_VMM_INSN_DECODE_H

#include <limits.h>
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
	INSN_ALU_RMW,       /* memory <- memory op (register or immediate) */
	INSN_STOS,          /* AA, AB: ES:[rDI] <- accumulator */
	INSN_MOVS,          /* A4, A5: ES:[rDI] <- seg:[rSI] */
	INSN_UNSUPPORTED,
};

/* The operation of INSN_ALU_RMW (vmm/insn/insn_alu.h computes it). */
enum insn_alu {
	INSN_ALU_ADD,  /* 00, 01, 80-83 /0 */
	INSN_ALU_OR,   /* 08, 09, 80-83 /1 */
	INSN_ALU_AND,  /* 20, 21, 80-83 /4 */
	INSN_ALU_SUB,  /* 28, 29, 80-83 /5 */
	INSN_ALU_XOR,  /* 30, 31, 80-83 /6 */
	INSN_ALU_BTS,  /* 0F AB, 0F BA /5 */
	INSN_ALU_BTR,  /* 0F B3, 0F BA /6 */
	INSN_ALU_BTC,  /* 0F BB, 0F BA /7 */
};

/* Segment of a string source (MOVS), the default DS or an override. */
enum insn_seg { INSN_SEG_ES, INSN_SEG_CS, INSN_SEG_SS, INSN_SEG_DS, INSN_SEG_FS, INSN_SEG_GS };

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
	/* MOV_STORE_IMM and ALU_RMW with src_imm: the immediate, as the
	 * operation uses it: size bytes wide (an imm32 with REX.W, or the
	 * imm8 of 83, sign-extended as the CPU does); for BTx, the bit offset. */
	uint64_t imm;
	enum insn_alu alu;   /* ALU_RMW */
	bool src_imm;        /* ALU_RMW: the source is imm, else register reg */
	/* STOS, MOVS: F3 or F2 prefix (a repeat count in rCX); the address
	 * size (2, 4, 8 bytes: which part of rSI, rDI, rCX counts); the
	 * segment of the MOVS source. */
	bool rep;
	unsigned addr_size;
	enum insn_seg src_seg;
};

/* Decodes the instruction at bytes[0..avail). Returns 0 and fills *out,
 * or a negative enum insn_error (then *out is zeroed, kind
 * INSN_UNSUPPORTED). Never reads bytes[avail] or beyond. Legacy prefixes
 * may repeat and come in any order: 66 (operand size), 67 (address size),
 * segment overrides 26 2E 36 3E 64 65 (the MOVS source's segment), F0
 * LOCK (XCHG, ALU and BTx forms; #UD elsewhere), F2/F3 (STOS and MOVS
 * only). In 64-bit mode a REX prefix (40-4F) counts only right before the
 * opcode; elsewhere the CPU ignores it. */
int insn_decode_mem_access(const uint8_t *bytes, unsigned avail,
			   enum insn_cpu_mode mode,
			   struct insn_mem_access *out);

/* The low `size` bytes (1, 2, 4 or 8) of a value: an operand or address. */
static inline uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * CHAR_BIT)) - 1;
}

#endif
