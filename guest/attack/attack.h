/* Shared by the attack suite's files (guest/attack.c is the program). */
#ifndef PILLBOX_GUEST_ATTACK_ATTACK_H
#define PILLBOX_GUEST_ATTACK_ATTACK_H

#include <stdbool.h>
#include <stdint.h>
#include "guest/attack/cage.h"
#include "guest/guest_check.h"
#include "vmm/exit/hypercall.h"

#define STAGE "attack"
#define WHY_MAX 200u
#define RING0 0
#define RING3 3

/* hc_call() (vmm/exit/hypercall.h) at CPL `ring`, through the cage. */
struct hc vmcall_at(int ring, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3);

/* RDMSR (write false) or WRMSR of *value at CPL `ring` in the cage:
 * NO_FAULT or the vector raised; a read stores the value. */
int try_msr(int ring, bool write, uint32_t msr, uint64_t *value);

/* result() with a formatted reason. */
void resultf(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* skipped() with a formatted reason. */
void skipf(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends "; <formatted>" to a reason being built in why[WHY_MAX]. */
void why_add(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *vector_name(int vector);

/* The groups, in the order the program runs them (all inside the cage). */
/* The region from HC_VMM_REGION: page aligned, below CAGE_MAP_LIMIT. */
void attack_vmm_region(uint64_t base, uint64_t size);
void attack_vmx_instructions(void);
void attack_msrs(void);
/* Intel PT, PEBS/BTS and the microcode update, aimed at the region. */
void attack_processor_writers(uint64_t region_base);
/* IA32_APIC_BASE moved onto the VMM region (security review C1): in the
 * cage. */
void attack_apic_base(uint64_t region_base);
/* The last caged group: this CPU into x2APIC mode (for good), stores to
 * the old xAPIC page, x2APIC ICR writes with reserved bits. */
void attack_apic_x2apic(void);
/* On an AP (if any): its APIC globally disabled (for good: Bochs cannot
 * enable it again), then stores over the page. Run last. */
void attack_apic_disabled_ap(void);
void attack_xsetbv(void);
void attack_control_registers(void);
void attack_misc_instructions(void);
/* The MTRRs and IA32_PAT as the guest's own, and MMIO above the map
 * limit: enters the cage itself, and runs before the integrity hash is
 * taken (it changes EPT as a guest may). */
void attack_memory_types(void);
/* DR7 and breakpoints across exits, single step over an emulated
 * instruction, RF in the frame of an injected fault. */
void attack_debug_state(void);
void attack_hypercalls(void);
/* Out-of-range buffers and sizes for the calls that write guest memory. */
void attack_hypercall_buffers(uint64_t region_base, uint64_t region_size);
void attack_cpuid(void);
void attack_init_self(void);
/* NMI to the own APIC id; inside the cage. */
void attack_nmi_self(void);
/* INIT to the own APIC id: does not return on the bootstrap processor. */
void attack_init_own_id(void);

#endif
