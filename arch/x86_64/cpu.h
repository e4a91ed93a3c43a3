/* Single x86-64 instructions (arch/x86_64/cpu_insn.h), and what is built
 * on them. */
#ifndef PILLBOX_ARCH_CPU_H
#define PILLBOX_ARCH_CPU_H

#include <stdint.h>
#include "arch/x86_64/cpuid.h"

/* RDMSR/WRMSR that return -1 instead of faulting (arch/x86_64/msr_safe.S;
 * only in the core, whose host IDT catches the #GP), 0 when done. */
int msr_read_safe(uint32_t msr, uint64_t *value);
int msr_write_safe(uint32_t msr, uint64_t value);
/* Called by the host #GP handler: true, and *rip moved to the fault
 * return, if the #GP came from msr_read_safe() or msr_write_safe(). */
_Bool msr_safe_fixup(uint64_t *rip);

/* The instructions themselves. A host-tested build puts a header folder of
 * its own first on the include path, whose cpu_insn.h runs none of them. */
#include "arch/x86_64/cpu_insn.h"

typedef void (*cpuid_fn)(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);

/* The APIC id as the given CPUID reports it: the x2APIC id of leaf 1FH or
 * 0BH where the CPU has one (x2APIC ICR destinations are 32 bits, 11.12.9),
 * else the 8-bit initial APIC id, CPUID.01H:EBX[31:24]. */
static inline unsigned apic_id_by(cpuid_fn cpuid)
{
	static const uint32_t leaves[] = { CPUID_LEAF_TOPOLOGY_V2, CPUID_LEAF_TOPOLOGY };
	struct cpuid_regs r;
	uint32_t max;

	cpuid(0, 0, &r);
	max = r.eax;
	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		if (max < leaves[i])
			continue;
		cpuid(leaves[i], 0, &r);
		if (r.ebx & CPUID_TOPOLOGY_EBX_LPS)
			return r.edx;
	}
	cpuid(1, 0, &r);
	return r.ebx >> CPUID_1_EBX_APIC_ID_SHIFT;
}

/* The executing CPU's APIC id (apic_id_by). */
static inline unsigned cpu_apic_id(void)
{
	return apic_id_by(cpuid_count);
}

/* Stops this CPU for good: interrupts off, halt forever. */
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

#endif
