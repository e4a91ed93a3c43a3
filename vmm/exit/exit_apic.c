/* Guest writes to the local APIC's xAPIC page. The page is read-only in
 * EPT (vmm/setup/core.c), so reads go straight to the APIC and every write exits
 * as an EPT violation. The VMM decodes the writing instruction
 * (vmm/insn/insn_decode.c, fetched through the guest's page tables with
 * vmm/memory/guest_paging.c), hands INIT and start-up IPIs to vmm/ipi/vipi.c, and
 * performs every other write on the guest's behalf, then moves RIP past
 * the instruction by its decoded length. The forms: MOV and XCHG stores,
 * ADD/OR/AND/SUB/XOR and BTS/BTR/BTC to memory (flags as the CPU sets
 * them, vmm/insn/insn_alu.c), STOS and MOVS (one element per exit; with REP,
 * RIP stays until rCX runs out, as the CPU resumes an interrupted string
 * instruction). While the xAPIC is on, each access must be 32-bit: the
 * register interface is 32-bit (SDM Vol. 3A, 11.4.1 "The Local APIC Block
 * Diagram": "All 32-bit registers should be accessed using 128-bit
 * aligned 32-bit loads or stores"). Anything else gets #GP and a log
 * line; the VMM goes on. */
#include "vmm/ipi/apic_icr.h"
#include "vmm/exit/exit_table.h"
#include "vmm/memory/guest_mem.h"
#include "vmm/memory/guest_linear.h"
#include "vmm/memory/guest_paging.h"
#include "vmm/guest_state.h"
#include "vmm/insn/insn_alu.h"
#include "vmm/insn/insn_decode.h"
#include "lib/lib.h"
#include "vmm/log/log.h"
#include "vmm/ipi/vipi.h"
#include "vmm/vmm.h"
#include "arch/x86_64/lapic.h"

#define APIC_OFFSET_MASK (PAGE_SIZE - 1)
#define APIC_REG_BYTES 4u

static enum insn_cpu_mode guest_code_mode(void)
{
	if (guest_in_64bit_mode())
		return INSN_MODE_64;
	return (vmcs_read32(VMCS_GUEST_CS_AR) & AR_DB) ? INSN_MODE_32 : INSN_MODE_16;
}

/* The linear address of seg:offset. In 64-bit mode only FS and GS have a
 * base (SDM Vol. 3A, 3.4.4 "Segment Loading Instructions in IA-32e
 * Mode"); outside it the address wraps at 4 GiB. */
static uint64_t linear_address(enum insn_seg seg, uint64_t offset)
{
	static const uint32_t fields[] = {
		[INSN_SEG_ES] = VMCS_GUEST_ES_BASE, [INSN_SEG_CS] = VMCS_GUEST_CS_BASE,
		[INSN_SEG_SS] = VMCS_GUEST_SS_BASE, [INSN_SEG_DS] = VMCS_GUEST_DS_BASE,
		[INSN_SEG_FS] = VMCS_GUEST_FS_BASE, [INSN_SEG_GS] = VMCS_GUEST_GS_BASE,
	};

	if (guest_code_mode() != INSN_MODE_64)
		return (vmcs_read_raw(fields[seg]) + offset) & 0xFFFFFFFFull;
	if (seg == INSN_SEG_FS || seg == INSN_SEG_GS)
		return vmcs_read_raw(fields[seg]) + offset;
	return offset;
}

/* Reads n bytes at a guest linear address through the guest's paging. */
static bool read_linear(uint64_t la, void *buf, unsigned n)
{
	uint64_t pdpte[4];
	struct guest_paging_mode m;

	guest_paging_mode_now(&m, pdpte);
	return guest_read_linear(&m, la, buf, n, guest_mem_read_fn, NULL) == GP_OK;
}

/* The bytes at CS.base + RIP: up to a whole instruction, fewer at the end
 * of the mapped code. Returns how many were read (0: none). */
static unsigned fetch_insn(uint8_t *buf)
{
	uint64_t la = linear_address(INSN_SEG_CS, vmcs_readl(VMCS_GUEST_RIP));
	unsigned to_page_end;

	if (read_linear(la, buf, INSN_MAX_LENGTH))
		return INSN_MAX_LENGTH;
	to_page_end = (unsigned)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));
	if (to_page_end < INSN_MAX_LENGTH && read_linear(la, buf, to_page_end))
		return to_page_end;
	return 0;
}

bool apic_page_contains(uint64_t gpa)
{
	return vmm.apic_page && (gpa & ~(uint64_t)APIC_OFFSET_MASK) == vmm.apic_page;
}

/* What happened to one store to the page. */
enum store_outcome {
	STORE_DONE,
	STORE_RESET,   /* an INIT to the sender itself: its RIP must not move */
	STORE_BAD,     /* not possible: the guest gets #GP */
};

/* The page as the guest's CPU sees it: the xAPIC registers (32-bit only)
 * or, APIC off or x2APIC (SDM Vol. 3A, 11.4.3 "Enabling or Disabling the
 * Local APIC", 11.12.2 "x2APIC Register Availability"), plain physical
 * memory: the page EPT protects, fixed at launch, never one the guest
 * chose (the base cannot move: vmm/policy/msr_policy.h). emulate() checks
 * each access with it before any load or store below. */
static bool page_access_ok(bool xapic, unsigned off, unsigned size)
{
	if (off + size > PAGE_SIZE)
		return false;
	return !xapic || size == APIC_REG_BYTES;
}

static uint64_t page_load(bool xapic, unsigned off, unsigned size)
{
	return xapic ? lapic_read(off) : lapic_page_load(off, size);
}

static enum store_outcome page_store(struct vcpu *v, bool xapic, unsigned off,
				     unsigned size, uint64_t value)
{
	enum exit_result r;

	if (!xapic) {
		lapic_page_swap(off, size, value);
		return STORE_DONE;
	}
	if (off == APIC_REG_ICR_LOW) {
		uint32_t dest = lapic_read(APIC_REG_ICR_HIGH) >> APIC_XAPIC_DEST_SHIFT;

		if (vipi_icr_exit(v, (uint32_t)value, dest, &r))
			return r == EXIT_RESUME ? STORE_RESET : STORE_DONE;
	}
	lapic_write(off, (uint32_t)value);
	return STORE_DONE;
}

/* A register operand's value, size bytes (AH..BH: bits 15:8). */
static uint64_t reg_value(const struct vcpu *v, const struct insn_mem_access *a)
{
	uint64_t r = guest_gpr(v, a->reg);

	return (a->high_byte ? r >> 8 : r) & size_mask(a->size);
}

static enum store_outcome alu_rmw(struct vcpu *v, bool xapic, unsigned off,
				  const struct insn_mem_access *a)
{
	uint64_t src = a->src_imm ? a->imm : reg_value(v, a), rflags;
	struct insn_alu_result res;
	enum store_outcome o;

	insn_alu(a->alu, a->size, page_load(xapic, off, a->size), src, &res);
	o = page_store(v, xapic, off, a->size, res.value);
	if (o == STORE_DONE) {
		rflags = vmcs_readl(VMCS_GUEST_RFLAGS);
		vmcs_writel(VMCS_GUEST_RFLAGS, (rflags & ~res.defined) | res.flags);
	}
	return o;
}

/* A string register after one element: rSI/rDI step by size, down under
 * RFLAGS.DF, rCX by one; only their address-size part changes. */
static void step_register(struct vcpu *v, unsigned reg, unsigned addr_size, int64_t by)
{
	guest_set_gpr_sized(v, reg, addr_size, false, guest_gpr(v, reg) + (uint64_t)by);
}

/* One element of STOS or MOVS. Returns whether RIP may move on: not while
 * a REP count remains. */
static enum store_outcome string_store(struct vcpu *v, bool xapic, unsigned off,
				       const struct insn_mem_access *a, bool *more)
{
	uint64_t amask = size_mask(a->addr_size), value = 0, la;
	int64_t step = (vmcs_readl(VMCS_GUEST_RFLAGS) & RFLAGS_DF) ? -(int64_t)a->size
								    : (int64_t)a->size;
	enum store_outcome o;

	/* The store must be the one that exited (the bytes were re-fetched:
	 * another CPU may have changed them since). */
	la = linear_address(INSN_SEG_ES, guest_gpr(v, GPR_RDI) & amask);
	if ((la & ~(uint64_t)APIC_OFFSET_MASK) != (vmcs_readl(VMCS_GUEST_LINEAR_ADDR) & ~(uint64_t)APIC_OFFSET_MASK) ||
	    (la & APIC_OFFSET_MASK) != off)
		return STORE_BAD;
	if (a->kind == INSN_STOS) {
		value = guest_gpr(v, GPR_RAX) & size_mask(a->size);
	} else {
		la = linear_address(a->src_seg, guest_gpr(v, GPR_RSI) & amask);
		if (!read_linear(la, &value, a->size))
			return STORE_BAD;
	}
	o = page_store(v, xapic, off, a->size, value);
	if (o != STORE_DONE)
		return o;
	step_register(v, GPR_RDI, a->addr_size, step);
	if (a->kind == INSN_MOVS)
		step_register(v, GPR_RSI, a->addr_size, step);
	*more = false;
	if (a->rep) {
		step_register(v, GPR_RCX, a->addr_size, -1);
		*more = (guest_gpr(v, GPR_RCX) & amask) != 0;
	}
	return STORE_DONE;
}

static enum store_outcome emulate(struct vcpu *v, bool xapic, unsigned off,
				  const struct insn_mem_access *a, bool *more)
{
	*more = false;
	if (!page_access_ok(xapic, off, a->size))
		return STORE_BAD;
	switch (a->kind) {
	case INSN_MOV_STORE_REG:
		return page_store(v, xapic, off, a->size, reg_value(v, a));
	case INSN_MOV_STORE_IMM:
		return page_store(v, xapic, off, a->size, a->imm);
	case INSN_XCHG_MEM_REG: {
		uint64_t old = page_load(xapic, off, a->size);
		enum store_outcome o = page_store(v, xapic, off, a->size, reg_value(v, a));

		if (o == STORE_DONE)
			guest_set_gpr_sized(v, a->reg, a->size, a->high_byte, old);
		return o;
	}
	case INSN_ALU_RMW:
		return alu_rmw(v, xapic, off, a);
	case INSN_STOS:
	case INSN_MOVS:
		return string_store(v, xapic, off, a, more);
	default:
		return STORE_BAD;
	}
}

enum exit_result apic_write_exit(struct vcpu *v, uint64_t gpa)
{
	uint8_t bytes[INSN_MAX_LENGTH];
	unsigned n = fetch_insn(bytes), off = (unsigned)(gpa & APIC_OFFSET_MASK);
	bool xapic = lapic_xapic_active(), more = false;
	struct insn_mem_access a;
	enum store_outcome o = STORE_BAD;
	int rc;

	/* A write of event delivery (a frame pushed onto a stack on this
	 * page: SDM Vol. 3C, 28.2.4) is no instruction's, whatever the bytes
	 * at RIP say: not emulated. The #GP meets the interrupted event as a
	 * second fault would (exit_complete_events, vmm/exit/exit_table.h). */
	if (exit_during_event_delivery()) {
		log_warn("apic", "write to local APIC page offset %03x during event delivery "
			 "(IDT-vectoring %08x): not emulated; #GP", off,
			 vmcs_read32(VMCS_IDT_VECTORING_INFO));
		inject_gp0();
		return EXIT_RESUME;
	}
	rc = n ? insn_decode_mem_access(bytes, n, guest_code_mode(), &a) : INSN_ERR_TRUNCATED;
	if (!rc)
		o = emulate(v, xapic, off, &a, &more);
	if (o == STORE_BAD) {
		log_err("apic", "cannot emulate the write to local APIC page offset %03x at RIP %llx "
			"(%u bytes fetched, decode %d, kind %d, operand %u bytes, xAPIC %s): #GP",
			off, (unsigned long long)vmcs_readl(VMCS_GUEST_RIP), n, rc,
			rc ? -1 : (int)a.kind, rc ? 0 : a.size, xapic ? "on" : "off");
		inject_gp0();
		return EXIT_RESUME;
	}
	if (o == STORE_DONE && !more)
		guest_advance_rip(a.length);
	return EXIT_RESUME;
}
