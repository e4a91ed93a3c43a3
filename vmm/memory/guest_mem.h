/* The one place where the VMM reads or writes guest memory by
 * guest-physical address. EPT is an identity map (ept/ept.c) and so are the
 * VMM's own page tables (arch/x86_64/host_paging.c) up to map_limit, so a
 * guest-physical address is used as a pointer here. Refused: ranges that
 * wrap, end above map_limit, or touch the VMM region or the xAPIC page
 * (the guest cannot write those itself either). The fuzz build links a
 * fake of this file. */
#ifndef PILLBOX_VMM_GUEST_MEM_H
#define PILLBOX_VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when [gpa, gpa + len) is guest memory the VMM may touch for the
 * guest; len 0 is false. */
bool guest_mem_allowed(uint64_t gpa, size_t len);
bool guest_mem_write(uint64_t gpa, const void *buf, size_t len);
/* Reads guest memory, as a guest_phys_read_fn (vmm/memory/guest_paging.h);
 * ctx is unused. */
bool guest_mem_read_fn(void *ctx, uint64_t gpa, void *buf, unsigned len);

#endif
