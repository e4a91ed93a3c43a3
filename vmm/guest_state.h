/* Small helpers over the current VMCS for exit handlers. */
#ifndef PILLBOX_VMM_GUEST_STATE_H
#define PILLBOX_VMM_GUEST_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/regs.h"
#include "arch/x86_64/vectors.h"
#include "arch/x86_64/vmx.h"
#include "vmm/vcpu.h"

/* Current privilege level: SS.DPL (SDM 27.3.1.2 keeps CPL = SS.DPL). */
static inline unsigned guest_cpl(void)
{
	return (vmcs_read32(VMCS_GUEST_SS_AR) & AR_DPL_MASK) >> AR_DPL_SHIFT;
}

/* GPR n (exit-qualification numbering); RSP comes from the VMCS. */
static inline uint64_t guest_gpr(const struct vcpu *v, unsigned n)
{
	return n == GPR_RSP ? vmcs_readl(VMCS_GUEST_RSP) : v->gpr[n & 15];
}

static inline void guest_set_gpr(struct vcpu *v, unsigned n, uint64_t val)
{
	if (n == GPR_RSP)
		vmcs_writel(VMCS_GUEST_RSP, val);
	else
		v->gpr[n & 15] = val;
}

/* Writes the low size bytes of val to GPR n as a MOV of that size would
 * (SDM Vol. 1, 3.4.1.1 "General-Purpose Registers in 64-Bit Mode"): 4
 * bytes zero-extend to 64 bits, 1 and 2 bytes keep the rest; high_byte
 * selects AH/CH/DH/BH (bits 15:8). */
static inline void guest_set_gpr_sized(struct vcpu *v, unsigned n, unsigned size,
				       bool high_byte, uint64_t val)
{
	uint64_t old = guest_gpr(v, n);

	if (size == 4)
		old = val & 0xFFFFFFFFull;
	else if (size == 2)
		old = (old & ~0xFFFFull) | (val & 0xFFFFull);
	else if (size == 1 && high_byte)
		old = (old & ~0xFF00ull) | ((val & 0xFFull) << 8);
	else if (size == 1)
		old = (old & ~0xFFull) | (val & 0xFFull);
	else
		old = val;
	guest_set_gpr(v, n, old);
}

/* EDX:EAX as one value, and the reverse (RDMSR, XSETBV conventions). */
static inline uint64_t guest_edx_eax(const struct vcpu *v)
{
	return ((v->gpr[GPR_RDX] & 0xFFFFFFFFull) << 32) | (v->gpr[GPR_RAX] & 0xFFFFFFFFull);
}

static inline void guest_set_edx_eax(struct vcpu *v, uint64_t val)
{
	v->gpr[GPR_RAX] = val & 0xFFFFFFFFull;
	v->gpr[GPR_RDX] = val >> 32;
}

/* 64-bit mode: IA-32e mode active and CS.L set (SDM Vol. 3A, 3.4.5);
 * outside it addresses wrap at 4 GiB. */
bool guest_in_64bit_mode(void);

/* The guest's CR0 as it sees it: the real value, with the bits the
 * guest/host mask owns from the read shadow (SDM Vol. 3C, 25.6.6). In
 * exit_cr.c. */
uint64_t guest_cr0_visible(void);

/* RIP past an instruction the VMM completed for the guest, len bytes
 * long: ends blocking by STI and MOV SS, clears RF, and raises the
 * single-step trap the instruction owes under TF. EXIT_NEXT_INSN does
 * this with the VM exit's instruction length; a handler that decoded the
 * instruction itself (an EPT violation, where that field is undefined:
 * SDM Vol. 3C, 28.2.5) calls it with the decoded length and returns
 * EXIT_RESUME. */
void guest_advance_rip(unsigned len);

/* Queues a hardware exception for the next VM entry (SDM 27.6 "Event
 * Injection"); the handler then returns EXIT_RESUME so that RIP stays at
 * the faulting instruction, as for a real fault. */
void inject_exception(unsigned vector, bool has_error, uint32_t error_code);
static inline void inject_ud(void) { inject_exception(VEC_UD, false, 0); }
static inline void inject_gp0(void) { inject_exception(VEC_GP, true, 0); }

#endif
