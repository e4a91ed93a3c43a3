/* A 64-bit FNV-1a hash over what must never change after launch: the
 * core's code and read-only data, the host page tables, the EPT tables
 * (a hole PTE that points at the sink page hashes as not present, since
 * the guest may cause that), the IDT and the MSR bitmap. */
#ifndef PILLBOX_VMM_INTEGRITY_H
#define PILLBOX_VMM_INTEGRITY_H

#include <stdint.h>

uint64_t integrity_hash(void);

#endif
