/* INIT and SIPI for a virtualized CPU: the register state they produce.
 * INIT exits unconditionally in VMX non-root operation (SDM Vol. 3C, 26.2
 * "Other Causes of VM Exits"); the VMM then gives the vCPU the architectural
 * INIT state (SDM Vol. 3A, 10.1.1, Table 10-1 "IA-32 and Intel 64 Processor
 * States Following Power-up, Reset, or INIT") and, for an application
 * processor, the wait-for-SIPI activity state. A SIPI that arrives in that
 * state exits with the vector in the qualification (SDM 26.2); the vCPU
 * starts in real mode at vector << 12 (SDM Vol. 3A, 9.4.4 "MP
 * Initialization Example"), which unrestricted guest allows. SIPIs to an
 * active vCPU are dropped by the hardware, as on a real CPU.
 * Pure logic: vmm/exit/exit_init_sipi.c writes the result into the VMCS. */
#ifndef PILLBOX_VMM_INIT_SIPI_H
#define PILLBOX_VMM_INIT_SIPI_H

#include <stdbool.h>
#include <stdint.h>

/* Guest activity states (SDM 25.4.2, Table 25-3). */
#define ACTIVITY_ACTIVE        0u
#define ACTIVITY_HLT           1u
#define ACTIVITY_SHUTDOWN      2u
#define ACTIVITY_WAIT_FOR_SIPI 3u

struct seg_state {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;
	uint32_t ar;    /* VMCS access-rights format (arch/x86_64/vmcs_fields.h) */
};

struct vcpu_arch_state {
	uint64_t cr0;      /* as the guest sees it (the read shadow) */
	uint64_t cr3, cr4; /* cr4 as the guest sees it */
	uint64_t rip, rsp, rflags;
	uint64_t efer, dr7;
	uint64_t rdx;      /* other GPRs are 0 */
	struct seg_state cs, ss, ds, es, fs, gs, ldtr, tr;
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint32_t activity;
	bool long_mode;    /* the "IA-32e mode guest" entry control */
};

/* The state after INIT (Table 10-1): CR0 = ET with CD and NW as they
 * were in prev_cr0 (the guest's CR0 before INIT; footnote 2 of the
 * table), CR3 = CR4 = 0,
 * EFER = 0, RFLAGS = 2, DR7 = 0x400, EDX = the processor signature
 * (cpuid_1_eax), CS = F000 base FFFF0000 limit FFFF, RIP = FFF0, other
 * segments 0 / base 0 / limit FFFF, GDTR/IDTR base 0 limit FFFF, LDTR an
 * LDT and TR a busy TSS, both base 0 limit FFFF. The bootstrap processor
 * runs from the reset vector (ACTIVE); an application processor waits for
 * a SIPI (WAIT_FOR_SIPI). */
void init_signal_state(bool is_bsp, uint32_t cpuid_1_eax, uint64_t prev_cr0,
		       struct vcpu_arch_state *s);

/* Applies a SIPI with the given vector to a vCPU in the INIT state:
 * CS = vector << 8, CS base = vector << 12, RIP = 0, ACTIVE. */
void sipi_state(uint8_t vector, struct vcpu_arch_state *s);

#endif
