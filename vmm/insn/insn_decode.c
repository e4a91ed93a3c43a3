/* Length, operand size and register/immediate of the MOV and XCHG forms a
 * guest uses on an MMIO page.
 * Instruction layout (prefixes, REX, opcode, ModR/M, SIB, displacement,
 * immediate): Intel SDM Vol. 2A, 2.1 "Instruction Format for Protected
 * Mode, Real-Address Mode, and Virtual-8086 Mode" (Figure 2-1), 2.1.1
 * "Instruction Prefixes", 2.1.3 "ModR/M and SIB Bytes", Table 2-1
 * "16-Bit Addressing Forms with the ModR/M Byte", Table 2-2 "32-Bit
 * Addressing Forms with the ModR/M Byte", Table 2-3 "32-Bit Addressing
 * Forms with the SIB Byte"; 64-bit mode: 2.2.1 "REX Prefixes", 2.2.1.2
 * "More on REX Prefix Fields" (Table 2-5 "Special Cases of REX
 * Encodings"), 2.2.1.6 "RIP-Relative Addressing".
 * Opcodes: the instruction pages of Vol. 2A-2D ("MOV-Move", "XCHG", "ADD",
 * "OR", "AND", "SUB", "XOR", "BTS", "BTR", "BTC", "STOS", "MOVS") and
 * Appendix A "Opcode Map" (Table A-6 "Opcode Extensions for One- and
 * Two-byte Opcodes by Group Number": groups 1, 8, 11); LOCK rules: Vol.
 * 2A, "LOCK-Assert LOCK# Signal Prefix". */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/insn/insn_decode.h"
#include "lib/lib.h"

/* Legacy prefixes (2.1.1). */
#define PFX_LOCK      0xF0
#define PFX_REPNE     0xF2
#define PFX_REP       0xF3
#define PFX_ES        0x26
#define PFX_CS        0x2E
#define PFX_SS        0x36
#define PFX_DS        0x3E
#define PFX_FS        0x64
#define PFX_GS        0x65
#define PFX_OPSIZE    0x66
#define PFX_ADDRSIZE  0x67

/* REX = 0100WRXB (2.2.1.2, Table 2-4 "REX Prefix Fields"). REX.X and
 * REX.B only select address registers, which this decoder ignores. */
#define REX_HIGH_MASK 0xF0
#define REX_HIGH      0x40
#define REX_W         0x08
#define REX_R         0x04
#define REX_R_SHIFT   1    /* REX.R (bit 2) becomes bit 3 of the reg number */

/* Opcodes; two-byte opcodes 0F xx are written 0x0Fxx. */
#define OP_TWO_BYTE      0x0F
#define OP_ADD_RM8_R8    0x00
#define OP_ADD_RM_R      0x01
#define OP_OR_RM8_R8     0x08
#define OP_OR_RM_R       0x09
#define OP_AND_RM8_R8    0x20
#define OP_AND_RM_R      0x21
#define OP_SUB_RM8_R8    0x28
#define OP_SUB_RM_R      0x29
#define OP_XOR_RM8_R8    0x30
#define OP_XOR_RM_R      0x31
#define OP_GRP1_RM8_IMM8 0x80
#define OP_GRP1_RM_IMM   0x81
#define OP_GRP1_RM_IMM8  0x83
#define OP_MOVSB         0xA4
#define OP_MOVS          0xA5
#define OP_STOSB         0xAA
#define OP_STOS          0xAB
#define OP_BTS_RM_R      0x0FABu
#define OP_BTR_RM_R      0x0FB3u
#define OP_BTC_RM_R      0x0FBBu
#define OP_GRP8_RM_IMM8  0x0FBAu
#define OP_XCHG_RM8_R8   0x86
#define OP_XCHG_RM_R     0x87
#define OP_MOV_RM8_R8    0x88
#define OP_MOV_RM_R      0x89
#define OP_MOV_R8_RM8    0x8A
#define OP_MOV_R_RM      0x8B
#define OP_MOV_AL_MOFFS  0xA0
#define OP_MOV_AX_MOFFS  0xA1
#define OP_MOV_MOFFS_AL  0xA2
#define OP_MOV_MOFFS_AX  0xA3
#define OP_MOV_RM8_IMM8  0xC6
#define OP_MOV_RM_IMM    0xC7

/* ModR/M = mod(7:6) reg(5:3) r/m(2:0) and SIB = scale index base (2.1.3). */
#define MODRM_MOD(b)     ((unsigned)(b) >> 6)
#define MODRM_REG(b)     (((unsigned)(b) >> 3) & 7u)
#define MODRM_RM(b)      ((unsigned)(b) & 7u)
#define SIB_BASE(b)      ((unsigned)(b) & 7u)
#define MOD_NO_DISP      0u
#define MOD_DISP8        1u
#define MOD_DISP_FULL    2u   /* disp32, or disp16 with 16-bit addressing */
#define MOD_REGISTER     3u
#define RM_SIB           4u   /* 32/64-bit addressing: a SIB byte follows */
#define RM_DISP32        5u   /* with mod 00: disp32 (RIP-relative in 64-bit) */
#define SIB_BASE_DISP32  5u   /* with mod 00: disp32 and no base */
#define RM16_DISP16      6u   /* 16-bit addressing, mod 00: disp16 only */

/* Byte registers 4..7 without REX: AH CH DH BH, bits 15:8 of reg - 4. */
#define BYTE_REG_HIGH_FIRST 4u
#define BYTE_REG_HIGH_MASK  3u

/* Operand, address, displacement and immediate sizes, in bytes. */
#define SIZE_BYTE     1u
#define SIZE_WORD     2u
#define SIZE_DWORD    4u
#define SIZE_QWORD    8u
#define DISP8_BYTES   SIZE_BYTE
#define DISP16_BYTES  SIZE_WORD
#define DISP32_BYTES  SIZE_DWORD
#define IMM32_BYTES   SIZE_DWORD
#define IMM32_SIGN    0x80000000ull
#define IMM32_EXTEND  0xFFFFFFFF00000000ull

enum operand_form {
	FORM_MODRM,     /* ModR/M memory operand, register in ModR/M.reg */
	FORM_GROUP,     /* ModR/M memory operand, ModR/M.reg picks the
			 * operation (a group), then an immediate */
	FORM_MOFFS,     /* address-sized offset, accumulator register */
	FORM_STRING,    /* no operand bytes: rSI, rDI (and rCX) implied */
};

/* The immediate after a FORM_GROUP ModR/M. */
enum imm_form {
	IMM_Z,      /* imm16, or imm32 (sign-extended with REX.W) */
	IMM_8,      /* imm8 as it is (8-bit operands, bit offsets) */
	IMM_8_SEXT, /* imm8 sign-extended to the operand size (83) */
};

/* Groups (Table A-6): which ModR/M.reg values are which operation. */
enum group {
	GROUP_NONE,
	GROUP_MOV,  /* 11: C6 /0, C7 /0 MOV; the rest are not stores */
	GROUP_ALU,  /* 1: /0 ADD /1 OR /4 AND /5 SUB /6 XOR (ADC, SBB
		     * unsupported; CMP writes nothing) */
	GROUP_BT,   /* 8: /5 BTS /6 BTR /7 BTC (BT writes nothing) */
};

struct opcode_desc {
	uint16_t opcode;
	enum insn_kind kind;
	enum operand_form form;
	bool byte_op;  /* 8-bit operand whatever the prefixes */
	bool lockable; /* LOCK allowed; else LOCK is #UD */
	enum insn_alu alu;   /* ALU_RMW in FORM_MODRM */
	enum group group;    /* FORM_GROUP */
	enum imm_form imm;   /* FORM_GROUP */
};

#define MODRM(op, kind, byte, lock, alu) { op, kind, FORM_MODRM, byte, lock, alu, GROUP_NONE, IMM_Z }
#define GROUP(op, kind, byte, lock, grp, imm) { op, kind, FORM_GROUP, byte, lock, 0, grp, imm }
#define PLAIN(op, kind, form, byte) { op, kind, form, byte, false, 0, GROUP_NONE, IMM_Z }

static const struct opcode_desc opcode_table[] = {
	MODRM(OP_MOV_RM8_R8,  INSN_MOV_STORE_REG, true,  false, 0),
	MODRM(OP_MOV_RM_R,    INSN_MOV_STORE_REG, false, false, 0),
	MODRM(OP_MOV_R8_RM8,  INSN_MOV_LOAD,      true,  false, 0),
	MODRM(OP_MOV_R_RM,    INSN_MOV_LOAD,      false, false, 0),
	MODRM(OP_XCHG_RM8_R8, INSN_XCHG_MEM_REG,  true,  true,  0),
	MODRM(OP_XCHG_RM_R,   INSN_XCHG_MEM_REG,  false, true,  0),
	MODRM(OP_ADD_RM8_R8,  INSN_ALU_RMW, true,  true, INSN_ALU_ADD),
	MODRM(OP_ADD_RM_R,    INSN_ALU_RMW, false, true, INSN_ALU_ADD),
	MODRM(OP_OR_RM8_R8,   INSN_ALU_RMW, true,  true, INSN_ALU_OR),
	MODRM(OP_OR_RM_R,     INSN_ALU_RMW, false, true, INSN_ALU_OR),
	MODRM(OP_AND_RM8_R8,  INSN_ALU_RMW, true,  true, INSN_ALU_AND),
	MODRM(OP_AND_RM_R,    INSN_ALU_RMW, false, true, INSN_ALU_AND),
	MODRM(OP_SUB_RM8_R8,  INSN_ALU_RMW, true,  true, INSN_ALU_SUB),
	MODRM(OP_SUB_RM_R,    INSN_ALU_RMW, false, true, INSN_ALU_SUB),
	MODRM(OP_XOR_RM8_R8,  INSN_ALU_RMW, true,  true, INSN_ALU_XOR),
	MODRM(OP_XOR_RM_R,    INSN_ALU_RMW, false, true, INSN_ALU_XOR),
	MODRM(OP_BTS_RM_R,    INSN_ALU_RMW, false, true, INSN_ALU_BTS),
	MODRM(OP_BTR_RM_R,    INSN_ALU_RMW, false, true, INSN_ALU_BTR),
	MODRM(OP_BTC_RM_R,    INSN_ALU_RMW, false, true, INSN_ALU_BTC),
	GROUP(OP_MOV_RM8_IMM8, INSN_MOV_STORE_IMM, true,  false, GROUP_MOV, IMM_8),
	GROUP(OP_MOV_RM_IMM,   INSN_MOV_STORE_IMM, false, false, GROUP_MOV, IMM_Z),
	GROUP(OP_GRP1_RM8_IMM8, INSN_ALU_RMW, true,  true, GROUP_ALU, IMM_8),
	GROUP(OP_GRP1_RM_IMM,   INSN_ALU_RMW, false, true, GROUP_ALU, IMM_Z),
	GROUP(OP_GRP1_RM_IMM8,  INSN_ALU_RMW, false, true, GROUP_ALU, IMM_8_SEXT),
	GROUP(OP_GRP8_RM_IMM8,  INSN_ALU_RMW, false, true, GROUP_BT,  IMM_8),
	PLAIN(OP_MOV_AL_MOFFS, INSN_MOV_LOAD,      FORM_MOFFS,  true),
	PLAIN(OP_MOV_AX_MOFFS, INSN_MOV_LOAD,      FORM_MOFFS,  false),
	PLAIN(OP_MOV_MOFFS_AL, INSN_MOV_STORE_REG, FORM_MOFFS,  true),
	PLAIN(OP_MOV_MOFFS_AX, INSN_MOV_STORE_REG, FORM_MOFFS,  false),
	PLAIN(OP_STOSB,        INSN_STOS,          FORM_STRING, true),
	PLAIN(OP_STOS,         INSN_STOS,          FORM_STRING, false),
	PLAIN(OP_MOVSB,        INSN_MOVS,          FORM_STRING, true),
	PLAIN(OP_MOVS,         INSN_MOVS,          FORM_STRING, false),
};

#undef MODRM
#undef GROUP
#undef PLAIN

struct decoder {
	const uint8_t *bytes;
	unsigned avail;
	unsigned pos;          /* next byte to read */
	enum insn_cpu_mode mode;
	bool opsize;           /* 66 seen */
	bool addrsize;         /* 67 seen */
	bool lock;             /* F0 seen */
	bool rep;              /* F2 or F3 seen */
	uint8_t rex;           /* REX right before the opcode, or 0 */
	enum insn_seg seg;     /* the last segment override, or DS */
};

/* Can n more bytes be read? The length limit comes first: a byte past
 * INSN_MAX_LENGTH makes the instruction #GP whatever follows. */
static int need(const struct decoder *d, unsigned n)
{
	if (d->pos + n > INSN_MAX_LENGTH)
		return INSN_ERR_TOO_LONG;
	if (d->pos + n > d->avail)
		return INSN_ERR_TRUNCATED;
	return 0;
}

static int fetch(struct decoder *d, uint8_t *b)
{
	int ret = need(d, 1);

	if (ret)
		return ret;
	*b = d->bytes[d->pos++];
	return 0;
}

/* The segment override prefix of each enum insn_seg. */
static const uint8_t seg_prefix[] = {
	[INSN_SEG_ES] = PFX_ES,
	[INSN_SEG_CS] = PFX_CS,
	[INSN_SEG_SS] = PFX_SS,
	[INSN_SEG_DS] = PFX_DS,
	[INSN_SEG_FS] = PFX_FS,
	[INSN_SEG_GS] = PFX_GS,
};

/* Records a legacy prefix; false if b is not one. */
static bool legacy_prefix(struct decoder *d, uint8_t b)
{
	for (unsigned s = 0; s < ARRAY_SIZE(seg_prefix); s++) {
		if (b == seg_prefix[s]) {
			d->seg = (enum insn_seg)s;
			return true;
		}
	}
	switch (b) {
	case PFX_LOCK:
		d->lock = true;
		return true;
	case PFX_REPNE:
	case PFX_REP:
		d->rep = true;
		return true;
	case PFX_OPSIZE:
		d->opsize = true;
		return true;
	case PFX_ADDRSIZE:
		d->addrsize = true;
		return true;
	default:
		return false;
	}
}

/* Reads the prefixes and the opcode (one byte, or 0F and a second). A
 * REX that a legacy prefix follows, or another REX, is ignored: it must
 * immediately precede the opcode, "Other placements are ignored" (2.2.1).
 * 40-4F are REX only in 64-bit mode; elsewhere they are INC/DEC (2.2.1.2). */
static int decode_prefixes(struct decoder *d, uint16_t *opcode)
{
	for (;;) {
		uint8_t b;
		int ret = fetch(d, &b);

		if (ret)
			return ret;
		if (d->mode == INSN_MODE_64 && (b & REX_HIGH_MASK) == REX_HIGH) {
			d->rex = b;
		} else if (legacy_prefix(d, b)) {
			d->rex = 0;
		} else if (b == OP_TWO_BYTE) {
			ret = fetch(d, &b);
			*opcode = (uint16_t)(OP_TWO_BYTE << CHAR_BIT | b);
			return ret;
		} else {
			*opcode = b;
			return 0;
		}
	}
}

static const struct opcode_desc *find_opcode(uint16_t opcode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opcode_table); i++) {
		if (opcode_table[i].opcode == opcode)
			return &opcode_table[i];
	}
	return NULL;
}

/* Address size in bytes: the mode's default, toggled by 67 (64-bit mode:
 * 64 -> 32; 32 <-> 16 otherwise). Vol. 1, 3.6 "Operand-size and
 * Address-size Attributes" and 3.6.1 (Table 3-4). */
static unsigned address_size(const struct decoder *d)
{
	switch (d->mode) {
	case INSN_MODE_64:
		return d->addrsize ? SIZE_DWORD : SIZE_QWORD;
	case INSN_MODE_32:
		return d->addrsize ? SIZE_WORD : SIZE_DWORD;
	default:
		return d->addrsize ? SIZE_DWORD : SIZE_WORD;
	}
}

/* Operand size in bytes: 8-bit opcodes ignore 66 and REX.W; REX.W wins
 * over 66 (2.2.1.2); otherwise 66 toggles 32 <-> 16. */
static unsigned operand_size(const struct decoder *d, bool byte_op)
{
	if (byte_op)
		return SIZE_BYTE;
	if (d->rex & REX_W)
		return SIZE_QWORD;
	if (d->mode == INSN_MODE_16)
		return d->opsize ? SIZE_DWORD : SIZE_WORD;
	return d->opsize ? SIZE_WORD : SIZE_DWORD;
}

/* Reads the SIB byte if any; returns the displacement bytes of the
 * address or an error. 16-bit addresses (Table 2-1): no SIB, mod 00 with
 * r/m 110 is disp16 only. 32- and 64-bit addresses (Tables 2-2 and 2-3):
 * REX.B does not change the special r/m and base encodings (Table 2-5):
 * r/m 100 always has a SIB, mod 00 with r/m 101 is always disp32
 * (RIP-relative in 64-bit mode, 2.2.1.6), mod 00 with base 101 always has
 * no base and disp32. */
static int disp_len(struct decoder *d, uint8_t modrm)
{
	unsigned mod = MODRM_MOD(modrm), rm = MODRM_RM(modrm);
	bool addr16 = address_size(d) == SIZE_WORD;
	unsigned full = addr16 ? DISP16_BYTES : DISP32_BYTES;

	if (mod == MOD_NO_DISP && rm == (addr16 ? RM16_DISP16 : RM_DISP32))
		return (int)full;
	if (!addr16 && rm == RM_SIB) {
		uint8_t sib;
		int ret = fetch(d, &sib);

		if (ret)
			return ret;
		if (mod == MOD_NO_DISP && SIB_BASE(sib) == SIB_BASE_DISP32)
			return DISP32_BYTES;
	}
	if (mod == MOD_DISP8)
		return DISP8_BYTES;
	if (mod == MOD_DISP_FULL)
		return (int)full;
	return 0;
}

/* Little-endian value of n bytes at bytes[pos] (already checked). */
static uint64_t read_le(const struct decoder *d, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)d->bytes[d->pos + i] << (i * CHAR_BIT);
	return v;
}

/* Immediate bytes: imm8, or imm16/imm32 by operand size; a 64-bit
 * operation has an imm32 (e.g. "REX.W + C7 /0 id"). */
static unsigned imm_len(enum imm_form f, unsigned size)
{
	if (f != IMM_Z)
		return SIZE_BYTE;
	return size > IMM32_BYTES ? IMM32_BYTES : size;
}

/* The immediate as the operation uses it: an imm32 with a 64-bit operand
 * and the imm8 of 83 are sign-extended, to the operand size. */
static uint64_t imm_value(enum imm_form f, uint64_t raw, unsigned size)
{
	uint64_t mask = size_mask(size);

	if (f == IMM_8_SEXT && (raw & 0x80u))
		return (raw | ~0xFFull) & mask;
	if (f == IMM_Z && size > IMM32_BYTES && (raw & IMM32_SIGN))
		return raw | IMM32_EXTEND;
	return raw;
}

/* The operation a group's ModR/M.reg selects; false if it writes no
 * memory or is not supported (then the instruction is not emulated). */
static bool group_op(enum group g, unsigned reg, struct insn_mem_access *a)
{
	static const int alu[8] = { INSN_ALU_ADD, INSN_ALU_OR, -1, -1,
				    INSN_ALU_AND, INSN_ALU_SUB, INSN_ALU_XOR, -1 };
	static const int bt[8] = { -1, -1, -1, -1, -1, INSN_ALU_BTS, INSN_ALU_BTR, INSN_ALU_BTC };

	switch (g) {
	case GROUP_MOV:
		return reg == 0;
	case GROUP_ALU:
		a->alu = (enum insn_alu)alu[reg];
		return alu[reg] >= 0;
	case GROUP_BT:
		a->alu = (enum insn_alu)bt[reg];
		return bt[reg] >= 0;
	default:
		return false;
	}
}

/* The ModR/M.reg register, extended by REX.R (2.2.1.2); for a byte
 * operand without REX, 4..7 are AH CH DH BH. */
static void set_register(const struct decoder *d, unsigned field, bool byte_op,
			 struct insn_mem_access *a)
{
	unsigned reg = field | ((d->rex & REX_R) << REX_R_SHIFT);

	a->high_byte = byte_op && !d->rex && reg >= BYTE_REG_HIGH_FIRST;
	a->reg = a->high_byte ? reg & BYTE_REG_HIGH_MASK : reg;
}

/* ModR/M forms. Register operands (mod 11) have no memory access to
 * emulate. */
static int decode_modrm(struct decoder *d, const struct opcode_desc *op,
			struct insn_mem_access *a)
{
	unsigned ilen = 0;
	uint8_t modrm;
	int disp;
	int ret = fetch(d, &modrm);

	if (ret)
		return ret;
	if (op->form == FORM_GROUP && !group_op(op->group, MODRM_REG(modrm), a))
		return INSN_ERR_UNSUPPORTED;
	if (MODRM_MOD(modrm) == MOD_REGISTER)
		return INSN_ERR_REG_OPERAND;
	disp = disp_len(d, modrm);
	if (disp < 0)
		return disp;
	if (op->form == FORM_GROUP)
		ilen = imm_len(op->imm, a->size);
	ret = need(d, (unsigned)disp + ilen);
	if (ret)
		return ret;
	d->pos += (unsigned)disp;
	if (op->form == FORM_GROUP) {
		a->imm = imm_value(op->imm, read_le(d, ilen), a->size);
		a->src_imm = true;
	} else {
		set_register(d, MODRM_REG(modrm), op->byte_op, a);
	}
	d->pos += ilen;
	return 0;
}

int insn_decode_mem_access(const uint8_t *bytes, unsigned avail,
			   enum insn_cpu_mode mode,
			   struct insn_mem_access *out)
{
	struct decoder d = { .bytes = bytes, .avail = avail, .mode = mode, .seg = INSN_SEG_DS };
	struct insn_mem_access a = { 0 };
	const struct opcode_desc *op;
	uint16_t opcode = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->kind = INSN_UNSUPPORTED;
	if (mode != INSN_MODE_64 && mode != INSN_MODE_32 &&
	    mode != INSN_MODE_16)
		return INSN_ERR_INVALID;
	ret = decode_prefixes(&d, &opcode);
	if (ret)
		return ret;
	op = find_opcode(opcode);
	if (!op || (d.rep && op->form != FORM_STRING))
		return INSN_ERR_UNSUPPORTED;
	if (d.lock && !op->lockable)
		return INSN_ERR_INVALID;
	a.kind = op->kind;
	a.alu = op->alu;
	a.size = operand_size(&d, op->byte_op);
	a.rep = d.rep;
	a.addr_size = address_size(&d);
	a.src_seg = d.seg;
	if (op->form == FORM_MOFFS) {
		/* A0-A3: an address-sized offset; the register is the
		 * accumulator (0). */
		ret = need(&d, a.addr_size);
		d.pos += a.addr_size;
	} else if (op->form != FORM_STRING) {
		ret = decode_modrm(&d, op, &a);
	}
	if (ret)
		return ret;
	a.length = d.pos;
	*out = a;
	return 0;
}
