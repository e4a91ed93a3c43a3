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
 * Opcodes: Vol. 2B, "MOV-Move"; Vol. 2D, "XCHG-Exchange Register/Memory
 * with Register"; LOCK rules: Vol. 2A, "LOCK-Assert LOCK# Signal Prefix". */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/insn_decode.h"
#include "vmm/lib.h"

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

/* Opcodes (MOV, XCHG instruction pages). */
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
#define GROUP_MOV_IMM    0u   /* C6 /0 and C7 /0 are MOV; others are not */

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
#define BITS_PER_BYTE 8u

enum operand_form {
	FORM_MODRM,     /* ModR/M memory operand, register in ModR/M.reg */
	FORM_MODRM_IMM, /* ModR/M memory operand /0, then an immediate */
	FORM_MOFFS,     /* address-sized offset, accumulator register */
};

struct opcode_desc {
	uint8_t opcode;
	enum insn_kind kind;
	enum operand_form form;
	bool byte_op;  /* 8-bit operand whatever the prefixes */
	bool lockable; /* LOCK allowed (XCHG); else LOCK is #UD */
};

static const struct opcode_desc opcode_table[] = {
	{ OP_MOV_RM8_R8,   INSN_MOV_STORE_REG, FORM_MODRM,     true,  false },
	{ OP_MOV_RM_R,     INSN_MOV_STORE_REG, FORM_MODRM,     false, false },
	{ OP_MOV_R8_RM8,   INSN_MOV_LOAD,      FORM_MODRM,     true,  false },
	{ OP_MOV_R_RM,     INSN_MOV_LOAD,      FORM_MODRM,     false, false },
	{ OP_XCHG_RM8_R8,  INSN_XCHG_MEM_REG,  FORM_MODRM,     true,  true  },
	{ OP_XCHG_RM_R,    INSN_XCHG_MEM_REG,  FORM_MODRM,     false, true  },
	{ OP_MOV_RM8_IMM8, INSN_MOV_STORE_IMM, FORM_MODRM_IMM, true,  false },
	{ OP_MOV_RM_IMM,   INSN_MOV_STORE_IMM, FORM_MODRM_IMM, false, false },
	{ OP_MOV_AL_MOFFS, INSN_MOV_LOAD,      FORM_MOFFS,     true,  false },
	{ OP_MOV_AX_MOFFS, INSN_MOV_LOAD,      FORM_MOFFS,     false, false },
	{ OP_MOV_MOFFS_AL, INSN_MOV_STORE_REG, FORM_MOFFS,     true,  false },
	{ OP_MOV_MOFFS_AX, INSN_MOV_STORE_REG, FORM_MOFFS,     false, false },
};

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

/* Records a legacy prefix; false if b is not one. */
static bool legacy_prefix(struct decoder *d, uint8_t b)
{
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
	case PFX_ES:
	case PFX_CS:
	case PFX_SS:
	case PFX_DS:
	case PFX_FS:
	case PFX_GS:
		return true;
	default:
		return false;
	}
}

/* 40-4F are REX only in 64-bit mode; elsewhere they are INC/DEC (2.2.1.2). */
static bool is_rex(const struct decoder *d, uint8_t b)
{
	return d->mode == INSN_MODE_64 && (b & REX_HIGH_MASK) == REX_HIGH;
}

/* Reads the prefixes and the opcode byte. A REX that a legacy prefix
 * follows, or another REX, is ignored: it must immediately precede the
 * opcode, "Other placements are ignored" (2.2.1). */
static int decode_prefixes(struct decoder *d, uint8_t *opcode)
{
	for (;;) {
		uint8_t b;
		int ret = fetch(d, &b);

		if (ret)
			return ret;
		if (is_rex(d, b)) {
			d->rex = b;
		} else if (legacy_prefix(d, b)) {
			d->rex = 0;
		} else {
			*opcode = b;
			return 0;
		}
	}
}

static const struct opcode_desc *find_opcode(uint8_t opcode)
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

/* Displacement bytes of a 16-bit address (Table 2-1). */
static unsigned disp_len16(unsigned mod, unsigned rm)
{
	if (mod == MOD_DISP8)
		return DISP8_BYTES;
	if (mod == MOD_DISP_FULL || rm == RM16_DISP16)
		return DISP16_BYTES;
	return 0;
}

/* Reads the SIB byte if any; returns the displacement bytes of a 32- or
 * 64-bit address (Tables 2-2 and 2-3) or an error. REX.B does not change
 * the special r/m and base encodings (Table 2-5): r/m 100 always has a
 * SIB, mod 00 with r/m 101 is always disp32 (RIP-relative in 64-bit
 * mode, 2.2.1.6), mod 00 with base 101 always has no base and disp32. */
static int disp_len32(struct decoder *d, unsigned mod, unsigned rm)
{
	if (rm == RM_SIB) {
		uint8_t sib;
		int ret = fetch(d, &sib);

		if (ret)
			return ret;
		if (mod == MOD_NO_DISP && SIB_BASE(sib) == SIB_BASE_DISP32)
			return DISP32_BYTES;
	} else if (mod == MOD_NO_DISP && rm == RM_DISP32) {
		return DISP32_BYTES;
	}
	if (mod == MOD_DISP8)
		return DISP8_BYTES;
	if (mod == MOD_DISP_FULL)
		return DISP32_BYTES;
	return 0;
}

static int disp_len(struct decoder *d, uint8_t modrm)
{
	if (address_size(d) == SIZE_WORD)
		return (int)disp_len16(MODRM_MOD(modrm), MODRM_RM(modrm));
	return disp_len32(d, MODRM_MOD(modrm), MODRM_RM(modrm));
}

/* Little-endian value of n bytes at bytes[pos] (already checked). */
static uint64_t read_le(const struct decoder *d, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)d->bytes[d->pos + i] << (i * BITS_PER_BYTE);
	return v;
}

/* Immediate bytes: imm8, imm16 or imm32; a 64-bit MOV has an imm32
 * (MOV page: "REX.W + C7 /0 id"). */
static unsigned imm_len(unsigned size)
{
	return size > IMM32_BYTES ? IMM32_BYTES : size;
}

/* The value a C6/C7 stores: the imm32 of REX.W + C7 is sign-extended. */
static uint64_t imm_value(uint64_t raw, unsigned size)
{
	if (size > IMM32_BYTES && (raw & IMM32_SIGN))
		return raw | IMM32_EXTEND;
	return raw;
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

/* ModR/M forms: 86-8B and C6/C7 /0. Register operands (mod 11) have no
 * memory access to emulate. */
static int decode_modrm(struct decoder *d, const struct opcode_desc *op,
			struct insn_mem_access *a)
{
	unsigned ilen = 0;
	uint8_t modrm;
	int disp;
	int ret = fetch(d, &modrm);

	if (ret)
		return ret;
	if (op->form == FORM_MODRM_IMM && MODRM_REG(modrm) != GROUP_MOV_IMM)
		return INSN_ERR_UNSUPPORTED;
	if (MODRM_MOD(modrm) == MOD_REGISTER)
		return INSN_ERR_REG_OPERAND;
	disp = disp_len(d, modrm);
	if (disp < 0)
		return disp;
	if (op->form == FORM_MODRM_IMM)
		ilen = imm_len(a->size);
	ret = need(d, (unsigned)disp + ilen);
	if (ret)
		return ret;
	d->pos += (unsigned)disp;
	if (op->form == FORM_MODRM_IMM)
		a->imm = imm_value(read_le(d, ilen), a->size);
	else
		set_register(d, MODRM_REG(modrm), op->byte_op, a);
	d->pos += ilen;
	return 0;
}

/* A0-A3: MOV between the accumulator and an address-sized offset. */
static int decode_moffs(struct decoder *d, struct insn_mem_access *a)
{
	unsigned len = address_size(d);
	int ret = need(d, len);

	if (ret)
		return ret;
	d->pos += len;
	a->reg = 0;
	return 0;
}

static int decode(struct decoder *d, struct insn_mem_access *a)
{
	const struct opcode_desc *op;
	uint8_t opcode;
	int ret = decode_prefixes(d, &opcode);

	if (ret)
		return ret;
	op = find_opcode(opcode);
	if (!op || d->rep)
		return INSN_ERR_UNSUPPORTED;
	if (d->lock && !op->lockable)
		return INSN_ERR_INVALID;
	a->kind = op->kind;
	a->size = operand_size(d, op->byte_op);
	if (op->form == FORM_MOFFS)
		ret = decode_moffs(d, a);
	else
		ret = decode_modrm(d, op, a);
	a->length = d->pos;
	return ret;
}

int insn_decode_mem_access(const uint8_t *bytes, unsigned avail,
			   enum insn_cpu_mode mode,
			   struct insn_mem_access *out)
{
	struct insn_mem_access a;
	struct decoder d;
	int ret;

	memset(out, 0, sizeof(*out));
	out->kind = INSN_UNSUPPORTED;
	if (mode != INSN_MODE_64 && mode != INSN_MODE_32 &&
	    mode != INSN_MODE_16)
		return INSN_ERR_INVALID;
	memset(&d, 0, sizeof(d));
	d.bytes = bytes;
	d.avail = avail;
	d.mode = mode;
	memset(&a, 0, sizeof(a));
	ret = decode(&d, &a);
	if (ret)
		return ret;
	*out = a;
	return 0;
}
