/* Unit tests for vmm/insn/insn_alu.c: every operation and operand size against
 * the host CPU itself (this test runs on x86-64), which executes the same
 * instruction on registers, over fixed edge values and pseudo-random ones.
 * Flags the SDM leaves undefined (AF of logic ops; all but CF of BTx) are
 * not compared: insn_alu() must not claim them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/insn/insn_alu.h"

#define STATUS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* d = d OP s on the host; returns RFLAGS after it. */
#define HOST_OP(insn, type)                                                     \
	static uint64_t host_##insn(uint64_t *d, uint64_t s)                    \
	{                                                                       \
		type x = (type)*d, y = (type)s;                                 \
		uint64_t f;                                                     \
		__asm__("" #insn " %2, %0; pushfq; popq %1"                     \
			: "+r"(x), "=r"(f) : "r"(y) : "cc");                    \
		*d = (uint64_t)x;                                               \
		return f;                                                       \
	}
#define HOST_SIZES(op)                                                          \
	HOST_OP(op##b, uint8_t) HOST_OP(op##w, uint16_t)                        \
	HOST_OP(op##l, uint32_t) HOST_OP(op##q, uint64_t)
#define HOST_BT_SIZES(op)                                                       \
	HOST_OP(op##w, uint16_t) HOST_OP(op##l, uint32_t) HOST_OP(op##q, uint64_t)

HOST_SIZES(add) HOST_SIZES(or) HOST_SIZES(and) HOST_SIZES(sub) HOST_SIZES(xor)
HOST_BT_SIZES(bts) HOST_BT_SIZES(btr) HOST_BT_SIZES(btc)

typedef uint64_t (*host_fn)(uint64_t *, uint64_t);

struct op_case {
	enum insn_alu op;
	host_fn by_size[4];   /* 1, 2, 4, 8 bytes; NULL: no such form */
	uint64_t defined;     /* flags the SDM defines */
};

static const struct op_case ops[] = {
	{ INSN_ALU_ADD, { host_addb, host_addw, host_addl, host_addq }, STATUS },
	{ INSN_ALU_SUB, { host_subb, host_subw, host_subl, host_subq }, STATUS },
	{ INSN_ALU_OR,  { host_orb, host_orw, host_orl, host_orq }, STATUS & ~RFLAGS_AF },
	{ INSN_ALU_AND, { host_andb, host_andw, host_andl, host_andq }, STATUS & ~RFLAGS_AF },
	{ INSN_ALU_XOR, { host_xorb, host_xorw, host_xorl, host_xorq }, STATUS & ~RFLAGS_AF },
	{ INSN_ALU_BTS, { NULL, host_btsw, host_btsl, host_btsq }, RFLAGS_CF },
	{ INSN_ALU_BTR, { NULL, host_btrw, host_btrl, host_btrq }, RFLAGS_CF },
	{ INSN_ALU_BTC, { NULL, host_btcw, host_btcl, host_btcq }, RFLAGS_CF },
};

static const uint64_t edges[] = {
	0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
	0x80000000, 0xFFFFFFFF, 0x100000000ull, 0x7FFFFFFFFFFFFFFFull,
	0x8000000000000000ull, ~0ull, 0x0F, 0x10, 0xF0, 0x3F, 0x40, 0x41,
};

static void check(const struct op_case *c, unsigned size_index, uint64_t d, uint64_t s)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	unsigned size = sizes[size_index];
	uint64_t mask = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
	uint64_t want = d, host_flags = c->by_size[size_index](&want, s);
	struct insn_alu_result r;

	insn_alu(c->op, size, d, s, &r);
	if ((r.value & mask) != (want & mask) || r.defined != c->defined ||
	    (r.flags & c->defined) != (host_flags & c->defined))
		fail_msg("op %d size %u: %llx op %llx = %llx flags %llx (defined %llx); "
			 "CPU %llx flags %llx", c->op, size, (unsigned long long)d,
			 (unsigned long long)s, (unsigned long long)r.value,
			 (unsigned long long)r.flags, (unsigned long long)r.defined,
			 (unsigned long long)want, (unsigned long long)host_flags);
}

static void test_alu_matches_the_cpu_sdm_vol1_3_4_3_1(void **state)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;

	(void)state;
	for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
		for (unsigned z = 0; z < 4; z++) {
			if (!ops[o].by_size[z])
				continue;
			for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
				for (size_t j = 0; j < sizeof(edges) / sizeof(edges[0]); j++)
					check(&ops[o], z, edges[i], edges[j]);
			for (unsigned n = 0; n < 20000; n++) {
				uint64_t a, b;

				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				a = x;
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				b = x;
				check(&ops[o], z, a, b);
			}
		}
}

/* The forms guests use on the xAPIC page, spelled out. */
static void test_apic_idioms(void **state)
{
	struct insn_alu_result r;

	(void)state;
	/* and dword [EOI], 0 */
	insn_alu(INSN_ALU_AND, 4, 0x12345678, 0, &r);
	assert_int_equal(r.value, 0);
	assert_true(r.flags & RFLAGS_ZF);
	/* or dword [LVT], 10000H: mask */
	insn_alu(INSN_ALU_OR, 4, 0x000000EF, 0x10000, &r);
	assert_int_equal(r.value, 0x100EF);
	/* btr dword [SVR], 8: software-disable, CF = was enabled */
	insn_alu(INSN_ALU_BTR, 4, 0x1FF, 8, &r);
	assert_int_equal(r.value, 0xFF);
	assert_int_equal(r.flags, RFLAGS_CF);
	assert_int_equal(r.defined, RFLAGS_CF);
	/* bts with a bit offset past the operand: the VMM has the operand's
	 * own address, so the offset counts modulo 32. */
	insn_alu(INSN_ALU_BTS, 4, 0, 32 + 3, &r);
	assert_int_equal(r.value, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alu_matches_the_cpu_sdm_vol1_3_4_3_1),
		cmocka_unit_test(test_apic_idioms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
