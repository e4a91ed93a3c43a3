/* The memory-type MSRs as the guest sees them: the MTRRs, of which the
 * VMM keeps the guest's own copy, and the checks a WRMSR of IA32_PAT must
 * pass. Intel SDM Vol. 3A, 12.11 "Memory Type Range Registers (MTRRs)" and
 * 12.12.2 "IA32_PAT MSR".
 * With EPT the processor does not use the MTRRs for the guest's accesses:
 * the memory type of an EPT leaf takes their place (Vol. 3C, 29.3.7.2
 * "Memory Type Used for Translated Guest-Physical Addresses"). The CPU's
 * MTRRs therefore govern only the VMM's own accesses in VMX root operation
 * and stay as the VMM found them; the guest reads and writes this copy,
 * whose types become the EPT leaves' (vmm/memory/ept_live.c). One copy for all
 * CPUs, like the one EPT: the SDM has every CPU hold the same MTRRs
 * (12.11.8 "MTRR Considerations in MP Systems").
 * Pure logic. */
#ifndef PILLBOX_VMM_MEMTYPE_MSR_H
#define PILLBOX_VMM_MEMTYPE_MSR_H

#include <stdbool.h>
#include <stdint.h>
#include "ept/mtrr.h"

struct mtrr_msrs {
	uint64_t cap;             /* IA32_MTRRCAP, read-only */
	uint64_t def_type;        /* IA32_MTRR_DEF_TYPE as last written */
	struct mtrr_state state;  /* the rest, and what mtrr_type_of() reads */
};

/* What a RDMSR or WRMSR of an MTRR comes to. */
enum mtrr_msr_status {
	MTRR_MSR_SAME,       /* done; no memory type changed */
	MTRR_MSR_RETYPE,     /* done; memory types may have changed */
	MTRR_MSR_ABSENT,     /* #GP: not an MTRR this CPU has (beyond VCNT,
			      * fixed ranges without MTRRCAP.FIX) */
	MTRR_MSR_RESERVED,   /* #GP: a reserved bit set */
	MTRR_MSR_BAD_TYPE,   /* #GP: a memory type Table 12-8 reserves */
};

/* The guest's copy starts as the CPU's MTRRs: s (mtrr_read_cpu()) with
 * the raw IA32_MTRRCAP and IA32_MTRR_DEF_TYPE. */
void mtrr_msrs_init(struct mtrr_msrs *m, const struct mtrr_state *s, uint64_t cap,
		    uint64_t def_type);

/* True for the MSR numbers this file answers for: IA32_MTRR_DEF_TYPE,
 * the fixed ranges and PHYSBASE0..PHYSMASK of MTRR_MAX_VAR pairs
 * (whether or not this CPU has them). */
bool mtrr_msr_covers(uint32_t msr);

/* RDMSR: MTRR_MSR_SAME and *value, or MTRR_MSR_ABSENT. */
enum mtrr_msr_status mtrr_msr_read(const struct mtrr_msrs *m, uint32_t msr, uint64_t *value);

/* WRMSR: checks value as the CPU does (12.11.2.1 "IA32_MTRR_DEF_TYPE
 * MSR", 12.11.2.2 "Fixed Range MTRRs", 12.11.2.3 "Variable Range MTRRs",
 * Table 12-8) and stores it: MTRR_MSR_RETYPE when the memory type of
 * some address may now differ, MTRR_MSR_SAME when none can (the same
 * value; a change to a range that is not valid before or after, or while
 * the MTRRs are disabled). A #GP status leaves m as it was. */
enum mtrr_msr_status mtrr_msr_write(struct mtrr_msrs *m, uint32_t msr, uint64_t value);

const char *mtrr_msr_status_text(enum mtrr_msr_status s);

/* The first physical address a write of msr concerns, for the log: the
 * base of a valid variable range, the start of a fixed range; false for
 * IA32_MTRR_DEF_TYPE and a range that is not valid. */
bool mtrr_msr_first_address(const struct mtrr_msrs *m, uint32_t msr, uint64_t *addr);

/* IA32_PAT (12.12.2 "IA32_PAT MSR"): eight fields PA0-PA7 of one byte;
 * bits 7:3 of each are reserved and the types of Table 12-10 "Memory
 * Types That Can Be Encoded With PAT" are 0, 1, 4, 5, 6 and 7 (UC-): any
 * other byte is #GP. */
bool pat_value_valid(uint64_t value);

/* PA0, the entry the VMM's page tables select (PWT, PCD and PAT clear):
 * where the guest's IA32_PAT is the CPU's own, this entry stays the VMM's
 * (vmm/exit/exit_memtype.c). */
#define PAT_ENTRY0_MASK 0xFFull

#endif
