/* This CPU's MTRRs, read with RDMSR: the VMM's own memory types, which
 * the core types EPT from at launch and the loader splits the VMM's page
 * tables by (SDM Vol. 3A, 12.11 "Memory Type Range Registers (MTRRs)").
 * The one file of ept/ with instructions: not for the host unit tests. */
#ifndef PILLBOX_EPT_MTRR_CPU_H
#define PILLBOX_EPT_MTRR_CPU_H

#include <stdint.h>
#include "ept/mtrr.h"

/* Fills s (MAXPHYADDR from CPUID.80000008H) and returns the raw
 * IA32_MTRRCAP and IA32_MTRR_DEF_TYPE (either pointer may be NULL). */
void mtrr_read_cpu(struct mtrr_state *s, uint64_t *cap, uint64_t *def_type);

#endif
