/* The attack suite's own execution environment ("cage"): a GDT with ring-3
 * code and data segments and a TSS, an IDT whose exception gates record the
 * vector and unwind to the caller, and page tables that identity-map the
 * first 4 GiB with 2 MiB user pages. The firmware's tables have neither
 * ring-3 segments nor user pages, and its page tables map the VMM region
 * no-execute, so the suite runs in its own. Interrupts stay off while the
 * cage is entered, and no firmware service may be called: the log goes to
 * COM1 only. */
#ifndef PILLBOX_GUEST_ATTACK_CAGE_H
#define PILLBOX_GUEST_ATTACK_CAGE_H

#ifndef __ASSEMBLY__
#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/vectors.h"
#endif

#define CAGE_KERNEL_CS 0x08u
#define CAGE_KERNEL_DS 0x10u
#define CAGE_USER_DS   0x1Bu  /* GDT index 3, RPL 3 */
#define CAGE_USER_CS   0x23u  /* GDT index 4, RPL 3 */
#define CAGE_TSS_SEL   0x28u  /* GDT index 5 and 6 */
#define CAGE_DONE_VECTOR 0x80u /* gate of DPL 3: a ring-3 call ends here */
#define CAGE_MAP_LIMIT (4ull << 30)

#define NO_FAULT (-1)

/* Offsets in struct cage_fault, where cage_entry.S stores the frame. */
#define CAGE_FAULT_VECTOR 0
#define CAGE_FAULT_ERROR  8
#define CAGE_FAULT_RIP    16
#define CAGE_FAULT_CS     24
#define CAGE_FAULT_CR2    32
#define CAGE_FAULT_RFLAGS 40

#ifndef __ASSEMBLY__
/* What the last exception recorded (valid when cage_call returned a
 * vector). */
struct cage_fault {
	uint64_t vector, error, rip, cs, cr2, rflags;
};
_Static_assert(__builtin_offsetof(struct cage_fault, vector) == CAGE_FAULT_VECTOR &&
	       __builtin_offsetof(struct cage_fault, error) == CAGE_FAULT_ERROR &&
	       __builtin_offsetof(struct cage_fault, rip) == CAGE_FAULT_RIP &&
	       __builtin_offsetof(struct cage_fault, cs) == CAGE_FAULT_CS &&
	       __builtin_offsetof(struct cage_fault, cr2) == CAGE_FAULT_CR2 &&
	       __builtin_offsetof(struct cage_fault, rflags) == CAGE_FAULT_RFLAGS,
	       "cage_entry.S stores the frame at the CAGE_FAULT_* offsets");
extern struct cage_fault cage_fault_info;

/* Builds the tables (first call) and switches to them; false with the
 * reason in why (at least 128 bytes) if the program does not lie below
 * CAGE_MAP_LIMIT. */
bool cage_enter(char *why, unsigned why_size);
/* Back to the firmware's GDT, IDT, TSS, CR3, CR4 and interrupt flag. */
void cage_leave(void);

/* Changes one 4 KiB page of the cage's map (splitting its 2 MiB page;
 * at most CAGE_SPLITS different 2 MiB ranges): absent, read-only, or
 * back to read/write. Only inside the cage. False if out of tables. */
enum cage_page { CAGE_PAGE_ABSENT, CAGE_PAGE_READONLY, CAGE_PAGE_WRITABLE };
#define CAGE_SPLITS 4u
bool cage_set_page(uint64_t addr, enum cage_page how);

/* Runs fn(arg) at CPL `ring` (0 or 3) and returns NO_FAULT when fn
 * returns, or the vector of the first exception it raises (fn is then
 * abandoned; its caller's registers are restored). Only inside the cage. */
int cage_call(int ring, void (*fn)(void *), void *arg);
#endif

#endif
