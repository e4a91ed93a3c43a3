/* Talking to Pillbox from inside the guest, for the tools that read its
 * statistics: guest/vmminfo.efi, guest/bench.efi (firmware, CPL 0) and
 * tests/linux/pillbox-info (Linux user space, CPL 3). Header only, no
 * dependency beyond the compiler, so that both the freestanding EFI build
 * and a hosted gcc -static build include it. The ABI and hc_call() are in
 * vmm/exit/hypercall.h. */
#ifndef PILLBOX_GUEST_VMM_QUERY_H
#define PILLBOX_GUEST_VMM_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/exit/hypercall.h"

#define CPUID_1_ECX_HV_PRESENT (1u << 31) /* CPUID.01H:ECX[31] */

static inline void query_cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0u));
}

/* The hypervisor bit and the 'PillboxVMM' signature of leaf 0x40000000
 * (vmm/exit/hypercall.h). */
static inline bool pillbox_present(void)
{
	uint32_t r[4];

	query_cpuid(1, r);
	if (!(r[2] & CPUID_1_ECX_HV_PRESENT))
		return false;
	query_cpuid(HV_CPUID_BASE, r);
	return r[1] == HV_SIG_EBX && r[2] == HV_SIG_ECX && r[3] == HV_SIG_EDX;
}

#endif
