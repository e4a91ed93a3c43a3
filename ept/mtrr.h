/* MTRR state and the memory type of a physical range.
 * Intel SDM Vol. 3A, 12.11 "Memory Type Range Registers (MTRRs)" (section
 * numbers of the SDM revision named in docs/architecture.md).
 * Pure logic: no instructions here, so the host unit tests link it as is. */
#ifndef PILLBOX_EPT_MTRR_H
#define PILLBOX_EPT_MTRR_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/msr.h"

/* Memory type encodings (SDM 12.3, Table 12-8 "Memory Types That Can Be
 * Encoded in MTRRs"); the same values are used in EPT leaf entries. */
#define MEMTYPE_UC 0u
#define MEMTYPE_WC 1u
#define MEMTYPE_WT 4u
#define MEMTYPE_WP 5u
#define MEMTYPE_WB 6u

/* An MSR of eight one-byte memory-type fields, the first in bits 7:0: a
 * fixed-range MTRR (12.11.2.2 "Fixed Range MTRRs") or IA32_PAT (12.12.2
 * "IA32_PAT MSR"). */
#define MEMTYPE_FIELDS     8u
#define MEMTYPE_FIELD_BITS 8u
#define MEMTYPE_FIELD_MASK 0xFFull

#define MTRR_MAX_VAR   32u   /* more than any CPU reports; extra are ignored */
/* The last MSR number a PHYSMASKn can have here (23FH). */
#define MSR_IA32_MTRR_VAR_LAST   (MSR_IA32_MTRR_PHYSBASE0 + 2u * MTRR_MAX_VAR - 1u)
#define MTRR_FIXED_COUNT 88u  /* 8 x 64K + 16 x 16K + 64 x 4K ranges below 1 MiB */
#define MTRR_FIXED_MSRS  11u  /* of 8 ranges each */
#define MTRR_FIXED_LIMIT 0x100000ull

struct mtrr_var {
	uint64_t base; /* raw IA32_MTRR_PHYSBASEn: address bits and type */
	uint64_t mask; /* raw IA32_MTRR_PHYSMASKn: address bits and valid */
};

struct mtrr_state {
	bool enabled;          /* IA32_MTRR_DEF_TYPE.E */
	bool fixed_enabled;    /* IA32_MTRR_DEF_TYPE.FE and MTRRCAP.FIX */
	uint8_t default_type;  /* IA32_MTRR_DEF_TYPE.Type */
	/* Fixed-range types in address order: index i covers
	 * [0,512K) in 64K steps (i 0..7), [512K,768K) in 16K steps (8..23),
	 * [768K,1M) in 4K steps (24..87). Byte k of each MSR is one range. */
	uint8_t fixed[MTRR_FIXED_COUNT];
	unsigned var_count;
	struct mtrr_var var[MTRR_MAX_VAR];
	unsigned maxphyaddr;   /* CPUID.80000008H:EAX[7:0]; 0 is taken as
				* 36 (no leaf 80000008H), above 52 as 52 */
};

/* Fills the fixed[] array from the 11 raw fixed-range MSR values in the
 * order FIX64K_00000, FIX16K_80000, FIX16K_A0000, FIX4K_C0000..FIX4K_F8000. */
void mtrr_set_fixed(struct mtrr_state *s, const uint64_t raw[MTRR_FIXED_MSRS]);

/* One of the five encodings of Table 12-8? A WRMSR of any other into an
 * MTRR is #GP. The same five are the EPT memory types (SDM Vol. 3C,
 * 29.3.7 "EPT and Memory Typing"). */
bool mtrr_type_valid(uint64_t type);

/* "UC", "WC", "WT", "WP", "WB" or "reserved", for logs. */
const char *memtype_name(uint64_t type);

/* Address bits 12..MAXPHYADDR-1: the bits PHYSBASE and PHYSMASK hold. */
uint64_t mtrr_phys_addr_bits(const struct mtrr_state *s);

/* The fixed-range MSRs by index 0-10, the order of mtrr_set_fixed(): the
 * MSR number of idx, and the index of msr (-1 if it is not one of them). */
uint32_t mtrr_fixed_msr(unsigned idx);
int mtrr_fixed_msr_index(uint32_t msr);
/* The raw value of fixed-range MSR idx (0-10), from s->fixed[]. */
uint64_t mtrr_fixed_raw(const struct mtrr_state *s, unsigned idx);
/* Stores the eight types of a raw value of fixed-range MSR idx (0-10). */
void mtrr_set_fixed_one(struct mtrr_state *s, unsigned idx, uint64_t raw);
/* The first physical address fixed-range MSR idx (0-10) covers. */
uint64_t mtrr_fixed_msr_base(unsigned idx);

/* Memory type of one physical address (SDM 12.11.4.1 "MTRR Precedences"):
 * MTRRs disabled -> UC; below 1 MiB with fixed ranges enabled -> fixed type;
 * else the variable ranges that match: none -> default type, UC wins,
 * WT+WB -> WT, any other overlap is undefined and reported as UC.
 * A reserved type encoding (2, 3, 7 and up) is also reported as UC. */
uint8_t mtrr_type_of(const struct mtrr_state *s, uint64_t addr);

/* Is [start, start+size) of one memory type? size is a power of two >= 4K
 * and start is size-aligned. Returns true and sets *type when uniform,
 * false when the range holds more than one type. It may also return false
 * for a range that is in fact uniform (never true for a mixed one): when it
 * crosses 1 MiB with fixed ranges enabled, or a variable range covers only
 * part of it and no UC variable range covers all of it; so never for a
 * 4 KiB page, whose type it gives as mtrr_type_of() does (ept/ept.c relies
 * on that). Returns false if size or start break the rules above. */
bool mtrr_range_type(const struct mtrr_state *s, uint64_t start, uint64_t size,
		     uint8_t *type);

#endif
