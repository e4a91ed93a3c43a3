/* Guest writes to the local APIC's xAPIC page. The page is read-only in
 * EPT (vmm/core.c), so reads go straight to the APIC and every write exits
 * as an EPT violation. The VMM decodes the writing instruction
 * (vmm/insn_decode.c, fetched through the guest's page tables with
 * vmm/guest_paging.c), hands INIT and start-up IPIs to vmm/vipi.c, and
 * performs every other write on the guest's behalf, then moves RIP past
 * the instruction. Only 32-bit MOV and XCHG stores are emulated: the
 * register interface is 32-bit (SDM Vol. 3A, 11.4.1 "The Local APIC Block
 * Diagram": "All 32-bit registers should be accessed using 128-bit
 * aligned 32-bit loads or stores"). */
#include "vmm/apic_icr.h"
#include "vmm/exit_apic.h"
#include "vmm/guest_mem.h"
#include "vmm/guest_linear.h"
#include "vmm/guest_paging.h"
#include "vmm/guest_state.h"
#include "vmm/insn_decode.h"
#include "vmm/lib.h"
#include "vmm/log.h"
#include "vmm/vipi.h"
#include "vmm/vmm.h"
#include "arch/x86_64/lapic.h"

#define APIC_OFFSET_MASK (APIC_PAGE_SIZE - 1)
#define GUEST_PAGE 0x1000ull
#define APIC_REG_BYTES 4u

static enum insn_cpu_mode guest_code_mode(void)
{
	uint32_t cs_ar = vmcs_read32(VMCS_GUEST_CS_AR);

	if ((vmcs_read64(VMCS_GUEST_EFER) & EFER_LMA) && (cs_ar & AR_L))
		return INSN_MODE_64;
	return (cs_ar & AR_DB) ? INSN_MODE_32 : INSN_MODE_16;
}

/* The bytes at CS.base + RIP: up to a whole instruction, fewer at the end
 * of the mapped code. Returns how many were read (0: none). */
static unsigned fetch_insn(uint8_t *buf)
{
	uint64_t pdpte[4];
	struct guest_paging_mode m;
	uint64_t la = vmcs_readl(VMCS_GUEST_RIP);
	unsigned to_page_end;

	guest_paging_mode_now(&m, pdpte);
	if (guest_code_mode() != INSN_MODE_64)
		la = (la + vmcs_readl(VMCS_GUEST_CS_BASE)) & 0xFFFFFFFFull;
	if (guest_read_linear(&m, la, buf, INSN_MAX_LENGTH, guest_mem_read_fn, NULL) == GP_OK)
		return INSN_MAX_LENGTH;
	to_page_end = (unsigned)(GUEST_PAGE - (la & (GUEST_PAGE - 1)));
	if (to_page_end < INSN_MAX_LENGTH &&
	    guest_read_linear(&m, la, buf, to_page_end, guest_mem_read_fn, NULL) == GP_OK)
		return to_page_end;
	return 0;
}

static uint32_t source_value(const struct vcpu *v, const struct insn_mem_access *a)
{
	uint64_t r;

	if (a->kind == INSN_MOV_STORE_IMM)
		return (uint32_t)a->imm;
	r = guest_gpr(v, a->reg);
	return (uint32_t)(a->high_byte ? (r >> 8) & 0xFFu : r);
}

bool apic_page_contains(uint64_t gpa)
{
	return vmm.apic_page && (gpa & ~(uint64_t)APIC_OFFSET_MASK) == vmm.apic_page;
}

/* The page is plain physical memory to a CPU whose APIC is globally
 * disabled or in x2APIC mode (SDM Vol. 3A, 11.4.3 "Enabling or Disabling
 * the Local APIC", 11.12.2 "x2APIC Register Availability"): the store
 * goes to the bus at that address, as the guest's own store would. The
 * address is the page EPT protects, fixed at launch, never one the guest
 * chose (the base cannot move: vmm/msr_policy.h). */
static void plain_store(struct vcpu *v, const struct insn_mem_access *a, unsigned off)
{
	uint64_t value = a->kind == INSN_MOV_STORE_IMM ? a->imm : guest_gpr(v, a->reg);
	uint64_t old = lapic_page_swap(off, a->size, a->high_byte ? value >> 8 : value);

	if (a->kind == INSN_XCHG_MEM_REG)
		guest_set_gpr_sized(v, a->reg, a->size, a->high_byte, old);
}

enum exit_result apic_write_exit(struct vcpu *v, uint64_t gpa)
{
	uint8_t bytes[INSN_MAX_LENGTH];
	unsigned n = fetch_insn(bytes), off = (unsigned)(gpa & APIC_OFFSET_MASK);
	bool xapic = lapic_xapic_active();
	struct insn_mem_access a;
	uint32_t value;
	int rc;

	rc = n ? insn_decode_mem_access(bytes, n, guest_code_mode(), &a) : INSN_ERR_TRUNCATED;
	if (!rc && a.kind != INSN_MOV_LOAD && !xapic && off + a.size <= APIC_PAGE_SIZE) {
		plain_store(v, &a, off);
		guest_advance_rip(a.length);
		return EXIT_RESUME;
	}
	if (rc || a.kind == INSN_MOV_LOAD || a.size != APIC_REG_BYTES || !xapic) {
		log_err("apic", "cannot emulate the write to local APIC page offset %03x at RIP %llx "
			"(%u bytes fetched, decode %d, operand %u bytes, xAPIC %s): only MOV/XCHG "
			"stores (32-bit while the xAPIC is on) are supported; #GP",
			off, (unsigned long long)vmcs_readl(VMCS_GUEST_RIP), n, rc, rc ? 0 : a.size,
			xapic ? "on" : "off");
		inject_gp0();
		return EXIT_RESUME;
	}
	value = source_value(v, &a);
	if (a.kind == INSN_XCHG_MEM_REG)
		guest_set_gpr(v, a.reg, lapic_read(off));
	if (off == APIC_REG_ICR_LOW) {
		uint32_t dest = lapic_read(APIC_REG_ICR_HIGH) >> APIC_XAPIC_DEST_SHIFT;
		enum exit_result r;

		if (vipi_icr_exit(v, value, dest, &r)) {
			if (r == EXIT_NEXT_INSN) {
				guest_advance_rip(a.length);
				r = EXIT_RESUME;
			}
			return r;
		}
	}
	lapic_write(off, value);
	guest_advance_rip(a.length);
	return EXIT_RESUME;
}
