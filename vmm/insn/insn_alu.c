#include <stdbool.h>
#include "vmm/insn/insn_alu.h"

/* PF: set when the low byte of the result has an even number of ones. */
static bool even_parity(uint64_t v)
{
	uint8_t b = (uint8_t)v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1u);
}

/* ZF, SF, PF of a result. */
static uint64_t result_flags(uint64_t v, unsigned size)
{
	uint64_t sign = 1ull << (size * CHAR_BIT - 1);
	uint64_t f = 0;

	if (!v)
		f |= RFLAGS_ZF;
	if (v & sign)
		f |= RFLAGS_SF;
	if (even_parity(v))
		f |= RFLAGS_PF;
	return f;
}

static void arith(bool sub, unsigned size, uint64_t d, uint64_t s, struct insn_alu_result *r)
{
	uint64_t m = size_mask(size), sign = 1ull << (size * CHAR_BIT - 1);
	uint64_t v = (sub ? d - s : d + s) & m;
	uint64_t f = result_flags(v, size);

	if (sub ? d < s : v < d)
		f |= RFLAGS_CF;
	if ((sub ? (d ^ s) & (d ^ v) : ~(d ^ s) & (d ^ v)) & sign)
		f |= RFLAGS_OF;
	if ((d ^ s ^ v) & 0x10u)
		f |= RFLAGS_AF;
	r->value = v;
	r->defined = RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF;
	r->flags = f;
}

/* OR, AND, XOR: OF = CF = 0; SF, ZF, PF from the result; AF undefined. */
static void logic(uint64_t v, unsigned size, struct insn_alu_result *r)
{
	r->value = v;
	r->defined = RFLAGS_CF | RFLAGS_PF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF;
	r->flags = result_flags(v, size);
}

/* BTS, BTR, BTC: CF = the bit before; OF, SF, AF, PF undefined; ZF
 * unaffected. */
static void bit_op(enum insn_alu op, unsigned size, uint64_t d, uint64_t s,
		   struct insn_alu_result *r)
{
	uint64_t bit = 1ull << (s & (size * CHAR_BIT - 1));

	r->defined = RFLAGS_CF;
	r->flags = (d & bit) ? RFLAGS_CF : 0;
	r->value = op == INSN_ALU_BTS ? d | bit : op == INSN_ALU_BTR ? d & ~bit : d ^ bit;
}

void insn_alu(enum insn_alu op, unsigned size, uint64_t dst, uint64_t src,
	      struct insn_alu_result *r)
{
	uint64_t m = size_mask(size);

	dst &= m;
	src &= m;
	switch (op) {
	case INSN_ALU_ADD:
	case INSN_ALU_SUB:
		arith(op == INSN_ALU_SUB, size, dst, src, r);
		break;
	case INSN_ALU_OR:
		logic(dst | src, size, r);
		break;
	case INSN_ALU_AND:
		logic(dst & src, size, r);
		break;
	case INSN_ALU_XOR:
		logic(dst ^ src, size, r);
		break;
	default:
		bit_op(op, size, dst, src, r);
		break;
	}
}
