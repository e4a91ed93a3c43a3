#include "vmm/memory/guest_linear.h"
#include "vmm/memory/guest_mem.h"
#include "vmm/guest_state.h"
#include "vmm/vmm.h"

#define WRITE_MAX_PAGES (GUEST_WRITE_MAX / PAGE_SIZE + 1)

void guest_paging_mode_now(struct guest_paging_mode *m, uint64_t *pdpte)
{
	*m = (struct guest_paging_mode){
		.cr0 = vmcs_readl(VMCS_GUEST_CR0),
		.cr3 = vmcs_readl(VMCS_GUEST_CR3),
		.cr4 = vmcs_readl(VMCS_GUEST_CR4),
		.efer = vmcs_read64(VMCS_GUEST_EFER),
		.rflags = vmcs_readl(VMCS_GUEST_RFLAGS),
		.maxphyaddr = vmm.maxphyaddr,
		.pdpte = NULL,
	};
	/* PAE paging: the CPU uses the PDPTE registers (SDM 5.4.1), which
	 * under EPT are the VMCS guest PDPTE fields. */
	if ((m->cr0 & CR0_PG) && (m->cr4 & CR4_PAE) && !(m->efer & EFER_LMA)) {
		for (unsigned i = 0; i < 4; i++)
			pdpte[i] = vmcs_read_raw(VMCS_GUEST_PDPTE0 + 2 * i);
		m->pdpte = pdpte;
	}
}

/* Translates and checks every page of [la, la + len): the pieces to write,
 * in order, in piece[0..n). Returns n or an error. */
static int write_pieces(uint64_t la, size_t len, bool user, struct gp_chunk *piece)
{
	unsigned access = GP_ACCESS_WRITE | (user ? GP_ACCESS_USER : 0);
	struct guest_paging_mode m;
	uint64_t pdpte[4];
	int n;

	if (len > GUEST_WRITE_MAX || la + len < la)
		return GP_INVALID;
	guest_paging_mode_now(&m, pdpte);
	n = guest_linear_range_to_phys(&m, la, (unsigned)len, access, guest_mem_read_fn, NULL,
				       piece, WRITE_MAX_PAGES);
	for (int i = 0; i < n; i++) {
		if (!guest_mem_allowed(piece[i].gpa, piece[i].len))
			return GP_READ_FAILED;
	}
	return n;
}

int guest_linear_writable(uint64_t la, size_t len, bool user)
{
	struct gp_chunk piece[WRITE_MAX_PAGES];
	int n = write_pieces(la, len, user, piece);

	return n < 0 ? n : GP_OK;
}

int guest_write_linear(uint64_t la, const void *src, size_t len, bool user)
{
	struct gp_chunk piece[WRITE_MAX_PAGES];
	const uint8_t *from = src;
	int n = write_pieces(la, len, user, piece);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		guest_mem_write(piece[i].gpa, from, piece[i].len);
		from += piece[i].len;
	}
	return GP_OK;
}
