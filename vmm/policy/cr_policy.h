/* Guest CR0/CR4/XCR0 rules: what the guest may write, what it reads back.
 * Intel SDM Vol. 3C, 25.6.6 "Guest/Host Masks and Read Shadows for CR0 and
 * CR4", 24.8 "Restrictions on VMX Operation" (IA32_VMX_CR0/CR4_FIXED0/1);
 * Vol. 1, 13.3 "Enabling the XSAVE Feature Set and XSAVE-Enabled Features"
 * for XCR0. Pure logic. */
#ifndef PILLBOX_VMM_CR_POLICY_H
#define PILLBOX_VMM_CR_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/regs.h"

/* The VMX fixed bits as read from the capability MSRs. */
struct cr_fixed {
	uint64_t cr0_fixed0, cr0_fixed1; /* IA32_VMX_CR0_FIXED0/1 */
	uint64_t cr4_fixed0, cr4_fixed1; /* IA32_VMX_CR4_FIXED0/1 */
	bool unrestricted;               /* PE and PG may be 0 in the guest */
};

/* Guest/host masks: bits owned by the VMM. CR0: bits fixed to 1 or 0 by
 * VMX (less PE and PG under unrestricted guest). CR4: the same, VMXE and
 * SMXE included. */
uint64_t cr0_guest_host_mask(const struct cr_fixed *f);
uint64_t cr4_guest_host_mask(const struct cr_fixed *f);

/* Value the hardware register must hold for a guest-visible value v:
 * v with the fixed-1 bits set and fixed-0 bits cleared. */
uint64_t cr0_real_value(const struct cr_fixed *f, uint64_t v);
uint64_t cr4_real_value(const struct cr_fixed *f, uint64_t v);

/* Would a CPU without VMX give #GP for MOV to CR0 of v (in the current
 * EFER.LME state; code64: executed in 64-bit mode)? Bits 63:32 set, PG
 * without PE, NW without CD, PG set with EFER.LME and CR4.PAE clear, or PG
 * clear in 64-bit mode or with CR4.PCIDE set. */
bool cr0_write_faults(uint64_t v, uint64_t cr4, bool efer_lme, bool code64);

/* MOV to CR4 of v faults: a bit reserved on this CPU (clear in
 * cr4_fixed1, VMXE aside), VMXE or SMXE (the guest sees neither VMX nor
 * SMX), or PAE
 * cleared while in IA-32e mode (long_mode). */
bool cr4_write_faults(const struct cr_fixed *f, uint64_t v, bool long_mode);

/* XSETBV of v to XCR0 is valid: x87 set, no bit outside supported (from
 * CPUID.(EAX=0DH,ECX=0):EDX:EAX), AVX needs SSE, BNDREG and BNDCSR
 * together, AVX-512 bits all or none and only with AVX, TILECFG and
 * TILEDATA together. */
bool xcr0_valid(uint64_t v, uint64_t supported);

#endif
