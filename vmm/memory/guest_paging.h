/* Guest linear-to-physical translation through the guest's own page
 * tables, so that the VMM can fetch the bytes of a guest instruction at
 * CS.base + RIP (e.g. to emulate an access EPT trapped). Guest-physical is
 * host-physical here (EPT is an identity map); memory is reached only
 * through a caller-supplied read function. Pure logic.
 *
 * Intel SDM Vol. 3A, chapter 5 "Paging": 5.1.1 "Four Paging Modes" (mode
 * selection), 5.1.4 "Enumeration of Paging Features by CPUID"
 * (MAXPHYADDR), 5.3 "32-Bit Paging", 5.4 "PAE Paging" (5.4.1 "PDPTE
 * Registers"), 5.5 "4-Level Paging and 5-Level Paging" (5.5.4
 * "Linear-Address Translation with 4-Level Paging and 5-Level Paging").
 *
 * This is the VMM looking at guest memory, not an MMU model: access rights
 * are checked only on request (guest_linear_to_phys(): U/S and R/W
 * with CR0.WP; not XD/NX, SMEP, SMAP or protection keys),
 * no accessed/dirty flag updates (guest tables are never written), no
 * TLB or paging-structure caches (the tables are walked as they are in
 * memory now), no linear-address masking (LAM) and no A20 wrap in real
 * mode. Present bits are checked at every level; reserved bits: PS in a
 * PML5E/PML4E, address bits at or above MAXPHYADDR, XD when EFER.NXE is
 * 0, the reserved low bits of large-page entries (PAT at bit 12 aside) and
 * of PAE PDPTEs. 1 GiB pages are taken as supported (CPUID Page1GB): the
 * guest's tables already work on this CPU. */
#ifndef PILLBOX_VMM_GUEST_PAGING_H
#define PILLBOX_VMM_GUEST_PAGING_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/regs.h"

/* Largest guest_read_linear(); it spans at most two pages. */
#define GUEST_READ_MAX 4096u

/* The guest's paging state: the values the CPU translates with, i.e. the
 * VMCS guest CR0, CR3, CR4 and IA32_EFER (not the CR0/CR4 read shadows).
 * CR0.PG, CR4.PAE, CR4.LA57 and EFER.LMA select the mode; CR4.PSE enables
 * 4 MiB pages in 32-bit paging; EFER.NXE makes XD (bit 63) usable.
 * Only the table address is taken from CR3: bits 31:12 (32-bit), 31:5
 * (PAE) or MAXPHYADDR-1:12; PCID, PWT/PCD and LAM bits are ignored. */
struct guest_paging_mode {
	uint64_t cr0, cr3, cr4, efer;
	/* RFLAGS: its AC bit lifts SMAP for supervisor accesses (5.6.1). */
	uint64_t rflags;
	/* CPUID.80000008H:EAX[7:0]; 0 is taken as 36, others are clamped
	 * to [32, 52]. */
	unsigned maxphyaddr;
	/* PAE paging only: the four PDPTE registers (the VMCS guest PDPTE0-3
	 * fields, which is what the CPU uses under EPT; the PDPT in memory
	 * may have changed since CR3 was loaded), or NULL to read the PDPTEs
	 * from the PDPT at CR3 bits 31:5. */
	const uint64_t *pdpte;
};

/* Reads len bytes of guest-physical memory at gpa into buf; false if
 * [gpa, gpa + len) is not readable RAM. The walker calls it with len 4
 * (32-bit paging) or 8 for one naturally aligned paging-structure entry,
 * and with at most one page, never crossing a 4 KiB boundary, for data. */
typedef bool (*guest_phys_read_fn)(void *ctx, uint64_t gpa, void *buf,
				   unsigned len);

enum gp_err {
	GP_OK = 0,
	GP_NOT_PRESENT = -1,  /* P = 0 in a paging-structure entry */
	GP_RESERVED = -2,     /* a reserved bit set in a present entry */
	GP_READ_FAILED = -3,  /* the read function refused */
	GP_INVALID = -4,      /* bad argument, impossible mode, non-canonical */
	GP_PROTECTION = -5,   /* the entries' R/W, U/S forbid the access */
};

/* Access kinds for guest_linear_to_phys() (SDM 5.6 "Access
 * Rights"); 0 is a supervisor-mode read, which paging always allows. */
#define GP_ACCESS_WRITE (1u << 0)
#define GP_ACCESS_USER  (1u << 1)  /* a user-mode (CPL 3) access */

/* Translates la to the guest-physical address in *gpa (written only on
 * GP_OK) and checks the access rights of the translation for access
 * (GP_ACCESS_* bits, 0 for none; others: GP_INVALID): GP_PROTECTION when
 * U/S or R/W forbid it. Without paging (CR0.PG = 0) the result is la itself. Outside
 * IA-32e mode (EFER.LMA = 0) la is first truncated to 32 bits. In IA-32e
 * mode la must be canonical for 4-level (48-bit) or 5-level (57-bit)
 * paging, else GP_INVALID, with no read. GP_INVALID also for NULL m, rd
 * or gpa, and for impossible modes: CR0.PG without CR0.PE, EFER.LMA
 * without CR0.PG and CR4.PAE. */
int guest_linear_to_phys(const struct guest_paging_mode *m, uint64_t la,
			 unsigned access, guest_phys_read_fn rd, void *ctx,
			 uint64_t *gpa);

/* One page's worth of a linear range. */
struct gp_chunk {
	uint64_t gpa;
	unsigned len;
};

/* Splits [la, la + len) at page boundaries and translates each piece with
 * guest_linear_to_phys(access) into c[0..n), in order. Returns n,
 * an error of that translation, or GP_INVALID when more than max pieces
 * would be needed. */
int guest_linear_range_to_phys(const struct guest_paging_mode *m, uint64_t la, unsigned len,
			       unsigned access, guest_phys_read_fn rd, void *ctx,
			       struct gp_chunk *c, unsigned max);

/* The four PDPTEs a MOV to CR0, CR3 or CR4 loads when it leaves PAE
 * paging on (5.4.1 "PDPTE Registers"), read from the PDPT at cr3 bits
 * 31:5 into out[]. GP_OK; GP_RESERVED if a present PDPTE has a reserved
 * bit set (bits 2:1, 8:5, 63:MAXPHYADDR), which makes that MOV #GP;
 * GP_READ_FAILED if the table cannot be read. With EPT, VM entry takes
 * the PDPTEs from the VMCS (Vol. 3C, 27.3.2.4), so an emulated MOV must
 * put them there. */
int guest_pae_pdptes(uint64_t cr3, unsigned maxphyaddr, guest_phys_read_fn rd, void *ctx,
		     uint64_t out[4]);

/* Reads len (at most GUEST_READ_MAX) bytes at la into buf, each page
 * translated on its own (an instruction crossing a page boundary may
 * continue in any physical page). Every page is translated before any
 * byte is read. Returns GP_OK, an error of guest_linear_to_phys(), or
 * GP_READ_FAILED for the data; then buf[0..len) is zeroed, never left
 * half filled. GP_INVALID with buf untouched for a NULL buf or len above
 * GUEST_READ_MAX. len 0 reads nothing (GP_OK if m and rd are set). */
int guest_read_linear(const struct guest_paging_mode *m, uint64_t la,
		      void *buf, unsigned len, guest_phys_read_fn rd,
		      void *ctx);

#endif
