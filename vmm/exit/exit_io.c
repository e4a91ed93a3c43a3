/* I/O-instruction exits (SDM Vol. 3C, 26.1.3 "Instructions That Cause VM
 * Exits Conditionally": with "use I/O bitmaps", an IN or OUT exits when
 * the bit of any port it accesses is set, 25.6.4 "I/O-Bitmap Addresses";
 * and always when the access wraps past port FFFFh). The bits set are
 * those of vmm/policy/pm1_policy.h: the ACPI PM1 registers through which the
 * guest asks for a sleep state the VMM would not survive.
 *
 * Every such exit is completed as the CPU would, with the port access done
 * for the guest (exit qualification: SDM Vol. 3C, 28.2.1, Table 28-5
 * "Exit Qualification for I/O Instructions"), except a refused sleep
 * request, which is dropped and logged, and WAK_STS, shown set after one
 * until the guest clears it. String forms (INS, OUTS) are not emulated: an
 * OS does not use them on these registers; one gets #GP and a log line. */
#include "vmm/exit/exit_io.h"
#include "vmm/exit/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/insn/insn_decode.h"  /* size_mask() */
#include "vmm/log/log.h"
#include "vmm/policy/pm1_policy.h"
#include "vmm/vmm.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/port_io.h"
#include "arch/x86_64/vmx.h"

#define IO_BITMAP_HALF    4096u   /* A: ports 0000h-7FFFh, B: 8000h-FFFFh */
#define IOQ_SIZE_MASK     7ull    /* 0: 1 byte, 1: 2 bytes, 3: 4 bytes */
#define IOQ_IN            (1ull << 3)
#define IOQ_STRING        (1ull << 4)
#define IOQ_PORT_SHIFT    16
#define IOQ_PORT_MASK     0xFFFFull

static uint8_t io_bitmap[IO_BITMAP_BYTES] __attribute__((aligned(PAGE_SIZE)));
/* 0: not yet decided, 1: guard on, 2: off (set by the boot CPU's launch,
 * before any other CPU launches). */
static int guard_state;
/* A refused request's wake-up, shown in WAK_STS until the guest clears
 * it: machine-wide, as the hardware bit is. */
static bool wake_pending;

static bool guard_decide(void)
{
	uint32_t may_be_1 = (uint32_t)(vmm.caps.proc >> 32);
	const struct boot_info *bi = &vmm.bi;

	if (!pm1_guard_active(bi))
		return false;
	if (!(may_be_1 & PROC_USE_IO_BITMAPS)) {
		log_warn("acpi", "the CPU has no I/O bitmaps: ACPI S3 requests cannot be refused, "
			 "and a suspend would leave the VMM behind");
		return false;
	}
	pm1_io_bitmap(bi, io_bitmap);
	log_info("acpi", "ACPI S2/S3 requests will be refused: PM1a control port %x, PM1b %x, "
		 "status port %x; refused SLP_TYP mask a %x b %x; S1, S4, S5 go through",
		 bi->pm1a_cnt, bi->pm1b_cnt, bi->pm1a_sts, pm1_refused_types(bi->slp_typ_a),
		 bi->pm1b_cnt ? pm1_refused_types(bi->slp_typ_b) : 0);
	return true;
}

void io_exits_setup(void)
{
	int state = __atomic_load_n(&guard_state, __ATOMIC_ACQUIRE);

	if (!state) {
		state = guard_decide() ? 1 : 2;
		__atomic_store_n(&guard_state, state, __ATOMIC_RELEASE);
	}
	if (state != 1)
		return;
	vmcs_write64(VMCS_IO_BITMAP_A, (uint64_t)(uintptr_t)io_bitmap);
	vmcs_write64(VMCS_IO_BITMAP_B, (uint64_t)(uintptr_t)(io_bitmap + IO_BITMAP_HALF));
	vmcs_write32(VMCS_PROC_CTLS, vmcs_read32(VMCS_PROC_CTLS) | PROC_USE_IO_BITMAPS);
}

static unsigned access_size(uint64_t qual)
{
	switch (qual & IOQ_SIZE_MASK) {
	case 0: return 1;
	case 1: return 2;
	default: return 4;
	}
}

enum exit_result handle_io_instruction(struct vcpu *v)
{
	uint64_t qual = vmcs_readl(VMCS_EXIT_QUALIFICATION);
	uint16_t port = (uint16_t)((qual >> IOQ_PORT_SHIFT) & IOQ_PORT_MASK);
	unsigned size = access_size(qual), state;
	uint32_t value;

	if (qual & IOQ_STRING) {
		log_warn("acpi", "string I/O (%s, %u bytes) at port %x, RIP %llx: not emulated; #GP",
			 (qual & IOQ_IN) ? "INS" : "OUTS", size, port,
			 (unsigned long long)vmcs_readl(VMCS_GUEST_RIP));
		inject_gp0();
		return EXIT_RESUME;
	}
	if (qual & IOQ_IN) {
		value = port_in(port, size);
		value = pm1_in_value(&vmm.bi, port, size, value,
				     __atomic_load_n(&wake_pending, __ATOMIC_ACQUIRE));
		guest_set_gpr_sized(v, GPR_RAX, size, false, value);
		return EXIT_NEXT_INSN;
	}
	value = (uint32_t)v->gpr[GPR_RAX] & size_mask(size);
	state = pm1_out_refused(&vmm.bi, port, size, value);
	if (state) {
		__atomic_store_n(&wake_pending, true, __ATOMIC_RELEASE);
		log_warn("acpi", "guest request for ACPI S%u refused (OUT %x to port %x, APIC id %u): "
			 "the VMM would not survive it; the guest sees an immediate wake-up",
			 state, value, port, v->apic_id);
		return EXIT_NEXT_INSN;
	}
	if (pm1_out_clears_wake(&vmm.bi, port, size, value))
		__atomic_store_n(&wake_pending, false, __ATOMIC_RELEASE);
	port_out(port, size, value);
	return EXIT_NEXT_INSN;
}
