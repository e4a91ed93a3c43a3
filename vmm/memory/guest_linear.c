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

struct write_piece {
	uint64_t gpa;
	size_t len;
};

/* Translates and checks every page of [la, la + len): the pieces to write,
 * in order, in piece[0..*n). */
static int write_pieces(uint64_t la, size_t len, bool user, struct write_piece *piece,
			unsigned *n)
{
	unsigned access = GP_ACCESS_WRITE | (user ? GP_ACCESS_USER : 0);
	struct guest_paging_mode m;
	uint64_t pdpte[4];
	size_t done = 0;

	*n = 0;
	if (len > GUEST_WRITE_MAX || la + len < la)
		return GP_INVALID;
	guest_paging_mode_now(&m, pdpte);
	while (done < len) {
		uint64_t cur = la + done, room = PAGE_SIZE - (cur & (PAGE_SIZE - 1));
		struct write_piece *p = &piece[*n];
		int err;

		if (*n == WRITE_MAX_PAGES)
			return GP_INVALID;
		err = guest_linear_to_phys_access(&m, cur, access, guest_mem_read_fn, NULL,
						  &p->gpa);
		if (err)
			return err;
		p->len = len - done < room ? len - done : (size_t)room;
		if (!guest_mem_allowed(p->gpa, p->len))
			return GP_READ_FAILED;
		done += p->len;
		(*n)++;
	}
	return GP_OK;
}

int guest_linear_writable(uint64_t la, size_t len, bool user)
{
	struct write_piece piece[WRITE_MAX_PAGES];
	unsigned n;

	return write_pieces(la, len, user, piece, &n);
}

int guest_write_linear(uint64_t la, const void *src, size_t len, bool user)
{
	struct write_piece piece[WRITE_MAX_PAGES];
	const uint8_t *from = src;
	unsigned n;
	int err = write_pieces(la, len, user, piece, &n);

	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		guest_mem_write(piece[i].gpa, from, piece[i].len);
		from += piece[i].len;
	}
	return GP_OK;
}
