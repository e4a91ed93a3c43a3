/* Guest CR0, CR4 and XCR0 rules.
 * Fixed bits: Intel SDM Vol. 3C, 24.8 "Restrictions on VMX Operation" and
 * Appendix A.7/A.8 "VMX-Fixed Bits in CR0/CR4" (a bit set in FIXED0 must be
 * 1, a bit clear in FIXED1 must be 0); unrestricted guest lifts PE and PG
 * (25.6.2 "Processor-Based VM-Execution Controls").
 * Masks and shadows: 25.6.6 "Guest/Host Masks and Read Shadows for CR0 and
 * CR4". MOV to CR faults: Vol. 2B, "MOV-Move to/from Control Registers",
 * Protected Mode Exceptions. XCR0: Vol. 1, 13.3 "Enabling the XSAVE Feature
 * Set and XSAVE-Enabled Features" and Vol. 2D, "XSETBV". */
#include <stdbool.h>
#include <stdint.h>
#include "vmm/policy/cr_policy.h"

#define CR0_HIGH_BITS       0xFFFFFFFF00000000ull  /* bits 63:32, reserved */
#define CR0_UNRESTRICTED    (CR0_PE | CR0_PG)
#define XCR0_BND            (XCR0_BNDREG | XCR0_BNDCSR)
#define XCR0_TILE           (XCR0_TILECFG | XCR0_TILEDATA)

/* Bits VMX forces to 1 in CR0 for this guest. */
static uint64_t cr0_must_be_1(const struct cr_fixed *f)
{
	if (f->unrestricted)
		return f->cr0_fixed0 & ~CR0_UNRESTRICTED;
	return f->cr0_fixed0;
}

uint64_t cr0_guest_host_mask(const struct cr_fixed *f)
{
	return cr0_must_be_1(f) | ~f->cr0_fixed1;
}

/* SMXE too: CPUID hides SMX from the guest, so the bit is reserved for it
 * even where the CPU has SMX (Vol. 3A, 2.5 "Control Registers"). */
uint64_t cr4_guest_host_mask(const struct cr_fixed *f)
{
	return f->cr4_fixed0 | ~f->cr4_fixed1 | CR4_VMXE | CR4_SMXE;
}

uint64_t cr0_real_value(const struct cr_fixed *f, uint64_t v)
{
	return (v | cr0_must_be_1(f)) & f->cr0_fixed1;
}

uint64_t cr4_real_value(const struct cr_fixed *f, uint64_t v)
{
	return (v | f->cr4_fixed0) & f->cr4_fixed1;
}

bool cr0_write_faults(uint64_t v, uint64_t cr4, bool efer_lme, bool code64)
{
	if (v & CR0_HIGH_BITS)
		return true;
	/* IA-32e mode is left from compatibility mode only, and not with
	 * PCIDE set (Vol. 3A, 10.8.5.4 "Switching Out of IA-32e Mode
	 * Operation"; Vol. 2B, MOV "64-Bit Mode Exceptions"). */
	if (!(v & CR0_PG) && (code64 || (cr4 & CR4_PCIDE)))
		return true;
	if ((v & CR0_PG) && !(v & CR0_PE))
		return true;
	if ((v & CR0_NW) && !(v & CR0_CD))
		return true;
	return (v & CR0_PG) && efer_lme && !(cr4 & CR4_PAE);
}

bool cr4_write_faults(const struct cr_fixed *f, uint64_t v, bool long_mode)
{
	if (v & ~f->cr4_fixed1 & ~CR4_VMXE)
		return true;
	if (v & (CR4_VMXE | CR4_SMXE))
		return true;
	return long_mode && !(v & CR4_PAE);
}

/* A group of XCR0 bits that must be all set or all clear. */
static bool all_or_none(uint64_t v, uint64_t group)
{
	uint64_t bits = v & group;

	return bits == 0 || bits == group;
}

bool xcr0_valid(uint64_t v, uint64_t supported)
{
	if (!(v & XCR0_X87) || (v & ~supported))
		return false;
	if ((v & XCR0_AVX) && !(v & XCR0_SSE))
		return false;
	if (!all_or_none(v, XCR0_BND) || !all_or_none(v, XCR0_AVX512) ||
	    !all_or_none(v, XCR0_TILE))
		return false;
	return !(v & XCR0_AVX512) || (v & XCR0_AVX);
}
