/* The value and the status flags of a read-modify-write instruction the
 * VMM completes for the guest on the xAPIC page (vmm/exit/exit_apic.c): ADD,
 * OR, AND, SUB, XOR, BTS, BTR, BTC with a memory destination. Flag rules:
 * Intel SDM Vol. 1, 3.4.3.1 "Status Flags", and each instruction's "Flags
 * Affected" (Vol. 2A-2D). Pure logic. */
#ifndef PILLBOX_VMM_INSN_ALU_H
#define PILLBOX_VMM_INSN_ALU_H

#include <stdint.h>
#include "arch/x86_64/regs.h"
#include "vmm/insn/insn_decode.h"


struct insn_alu_result {
	uint64_t value;    /* what the destination becomes (size bytes) */
	uint64_t defined;  /* the RFLAGS bits the instruction defines */
	uint64_t flags;    /* their values (the rest of RFLAGS is kept) */
};

/* dst op src at size bytes (1, 2, 4, 8). For BTx, src is the bit offset:
 * its low log2(size * 8) bits select the bit of this operand (the VMM
 * has the exact operand address from the exit). Flags the SDM leaves
 * undefined are not in r->defined: the guest's values stay. */
void insn_alu(enum insn_alu op, unsigned size, uint64_t dst, uint64_t src,
	      struct insn_alu_result *r);

#endif
