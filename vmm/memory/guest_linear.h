/* The guest's memory by guest-linear address, as the guest would reach it
 * now: through its current paging mode and tables (VMCS guest CR0, CR3,
 * CR4, EFER and PDPTEs), then vmm/memory/guest_mem.c. */
#ifndef PILLBOX_VMM_GUEST_LINEAR_H
#define PILLBOX_VMM_GUEST_LINEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/memory/guest_paging.h"

/* Largest guest_write_linear(). */
#define GUEST_WRITE_MAX (64u * 1024u)

/* The guest's paging state from the VMCS; pdpte (4 entries) is filled and
 * used for PAE paging. */
void guest_paging_mode_now(struct guest_paging_mode *m, uint64_t *pdpte);

/* GP_OK when guest_write_linear(la, ..., len, user) would write, else its
 * error; writes nothing. */
int guest_linear_writable(uint64_t la, size_t len, bool user);

/* Writes len bytes (at most GUEST_WRITE_MAX) at the guest-linear address
 * la, as the guest at CPL 3 (user) or CPL 0-2 could: every page is
 * translated with those access rights (SDM 5.6) and checked by
 * guest_mem_allowed() before the first byte is written. Returns GP_OK, a
 * guest_paging error, or GP_READ_FAILED for a page the VMM may not touch
 * (then nothing was written). len 0 writes nothing and succeeds. */
int guest_write_linear(uint64_t la, const void *src, size_t len, bool user);

#endif
