/* The exit harness's invariants after each exit (docs/fuzzing.md,
 * "Invariants"): the event VM entry would inject, RIP, the GPRs, CPUID's
 * answer, the VMM region, guest memory and EPT. Each broken one is a
 * fuzz_bug(). */
#include <stdlib.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmx.h"
#include "ept/ept.h"
#include "ept/mtrr.h"
#include "vmm/policy/cpuid_policy.h"
#include "vmm/exit/exit_table.h"
#include "vmm/exit/hypercall.h"
#include "vmm/ipi/init_sipi.h"
#include "vmm/policy/msr_policy.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"
#include "tests/fuzz/fake_state.h"
#include "tests/fuzz/fuzz_exit.h"

#define RFLAGS_IF  (1ull << 9)
#define INIT_RIP   0xFFF0ull         /* vmm/ipi/init_sipi.c: the reset vector */
#define SIPI_RIP   0ull
#define INSN_LEN_MAX 15u

static const uint8_t *bitmap;
static uint8_t *ept_arena, *ept_snapshot;
static size_t ept_bytes, ept_arena_bytes;
static uint8_t mem_before[FAKE_MEM_SIZE];

void checks_init(const uint8_t *msr_bitmap, uint8_t *arena, size_t arena_bytes, size_t bytes)
{
	bitmap = msr_bitmap;
	ept_arena = arena;
	ept_arena_bytes = arena_bytes;
	ept_bytes = bytes;
	ept_snapshot = malloc(bytes);
	if (!ept_snapshot)
		abort();
	memcpy(ept_snapshot, arena, bytes);
}

/* A new input starts from the EPT that ept_build() made (pages the VMM
 * took later are the arena allocator's to take back). */
void checks_reset_ept(void)
{
	memcpy(ept_arena, ept_snapshot, ept_bytes);
}

static void checks_memory_before(void)
{
	memcpy(mem_before, fake_mem, sizeof(mem_before));
}

/* SDM Vol. 3C, 26.1.3 "Instructions That Cause VM Exits Conditionally". */
bool msr_exits(uint32_t msr, bool write)
{
	unsigned base = write ? 2048u : 0u;

	if (msr <= MSR_LOW_LAST)
		return bitmap[base + msr / 8] & (1u << (msr % 8));
	if (msr >= MSR_HIGH_FIRST && msr <= MSR_HIGH_LAST)
		return bitmap[base + 1024u + (msr - MSR_HIGH_FIRST) / 8] &
		       (1u << ((msr - MSR_HIGH_FIRST) % 8));
	return true;
}

/* Exits caused by an instruction the VMM may emulate (EXIT_NEXT_INSN). */
static bool may_advance(unsigned basic)
{
	switch (basic) {
	case EXIT_REASON_CPUID:
	case EXIT_REASON_INVD:
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_XSETBV:
	case EXIT_REASON_IO_INSTRUCTION: /* IN/OUT done for the guest (vmm/exit/exit_io.c) */
		return true;
	default:
		return false;
	}
}

/* SDM Vol. 3C, 27.2.1.3 "Checks on VM-Entry Control Fields" (event
 * injection) and 27.3.1.5 "Checks on Guest Non-Register State" (activity
 * and interruptibility against the injected event). */
static bool vector_has_error_code(unsigned vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14: case 17: case 21:
		return true;
	default:
		return false;
	}
}

static void check_entry_event(void)
{
	uint32_t info = (uint32_t)fake_vmcs_get(VMCS_ENTRY_INTR_INFO);
	unsigned type = (info & INTR_TYPE_MASK) >> INTR_TYPE_SHIFT, vector = info & 0xFFu;
	uint32_t intr = (uint32_t)fake_vmcs_get(VMCS_GUEST_INTERRUPTIBILITY);
	uint32_t activity = (uint32_t)fake_vmcs_get(VMCS_GUEST_ACTIVITY_STATE);
	bool pe = fake_vmcs_get(VMCS_GUEST_CR0) & CR0_PE;
	bool code = info & INTR_INFO_DELIVER_CODE;

	if (!(info & INTR_INFO_VALID))
		return;
	if (info & 0x7FFFF000u)
		fuzz_bug("entry interruption info %08x: reserved bits 30:12 set", info);
	if (type == 1 || type == 7)
		fuzz_bug("entry interruption info %08x: type %u is reserved or needs MTF", info, type);
	if (type == 2 && vector != 2)
		fuzz_bug("entry interruption info %08x: NMI with vector %u", info, vector);
	if (type == 3 && vector > 31)
		fuzz_bug("entry interruption info %08x: hardware exception vector %u > 31", info,
			 vector);
	if (code && !pe)
		fuzz_bug("entry interruption info %08x: error code delivered with CR0.PE = 0 "
			 "(unrestricted guest, real mode): VM entry fails", info);
	if (code != (type == 3 && pe && vector_has_error_code(vector)))
		fuzz_bug("entry interruption info %08x: deliver-error-code %u for type %u vector %u",
			 info, code, type, vector);
	if (code && (fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERROR) & 0xFFFF0000u))
		fuzz_bug("entry exception error code %llx: bits 31:16 set",
			 (unsigned long long)fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERROR));
	if (activity == ACTIVITY_WAIT_FOR_SIPI)
		fuzz_bug("event %08x injected into a vCPU waiting for SIPI", info);
	if (activity == ACTIVITY_HLT && !(type == 0 || type == 2 ||
					  (type == 3 && (vector == 1 || vector == 18))))
		fuzz_bug("event %08x injected in the HLT activity state", info);
	if (activity == ACTIVITY_SHUTDOWN && !(type == 2 || (type == 3 && vector == 18)))
		fuzz_bug("event %08x injected in the shutdown activity state", info);
	if (type == 2 && (intr & (INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI)))
		fuzz_bug("NMI injected with interruptibility %x (blocking by MOV SS or NMI)", intr);
	if (type == 0 && ((intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) ||
			  !(fake_vmcs_get(VMCS_GUEST_RFLAGS) & RFLAGS_IF)))
		fuzz_bug("external interrupt injected while blocked");
}

/* Is w RIP prev moved past an instruction of len bytes (0: the length the
 * VMM decoded, 1 to 15)? EIP wraps at 4 GiB outside 64-bit mode. */
static bool advance_of(uint64_t prev, uint64_t w, uint64_t len, bool wide)
{
	uint64_t mask = wide ? ~0ull : 0xFFFFFFFFull, d = (w - prev) & mask;

	if (w & ~mask)
		return false;
	return len ? d == len : d - 1 < INSN_LEN_MAX;
}

/* RIP moves only by the dispatcher's advance (old RIP + instruction
 * length, once, for an instruction the VMM emulated; for an EPT violation
 * the decoded length, as the exit's length field is undefined there: SDM
 * Vol. 3C, 28.2.5) or to the INIT or SIPI start (vmm/ipi/init_sipi.c); never
 * advanced after such a reset or with an exception injected (faults leave
 * RIP on the instruction). */
static bool check_rip(const struct exit_before *b, bool *reset)
{
	unsigned basic = b->reason & EXIT_REASON_BASIC_MASK;
	bool failed = b->reason & EXIT_REASON_FAILED_VMENTRY, advanced = false;
	uint64_t prev = b->rip, len = basic == EXIT_REASON_EPT_VIOLATION ? 0 : b->len;
	uint32_t info = (uint32_t)fake_vmcs_get(VMCS_ENTRY_INTR_INFO);
	/* The VMM advances RIP after the handler, in the mode the handler
	 * left, which neither the state before the exit nor the state after
	 * it need show (a MOV CR0 may switch IA-32e mode, an INIT after the
	 * advance leaves real mode; inputs may hold CS.L = 1 outside IA-32e
	 * mode, which no CPU does): either width. */

	*reset = false;
	for (unsigned i = 0; i < fake.rip_write_count; i++) {
		uint64_t w = fake.rip_writes[i];

		if (w == INIT_RIP || w == SIPI_RIP) {
			*reset = true;
		} else if (advance_of(prev, w, len, true) || advance_of(prev, w, len, false)) {
			if (advanced || failed || !may_advance(basic) || *reset)
				fuzz_bug("RIP advanced %llx -> %llx (reason %u, %s)",
					 (unsigned long long)prev, (unsigned long long)w, basic,
					 advanced ? "twice" : *reset ? "after an INIT/SIPI reset"
					 : "not an emulated instruction");
			advanced = true;
		} else {
			fuzz_bug("RIP %llx -> %llx: neither + instruction length %llu nor a "
				 "reset vector", (unsigned long long)prev, (unsigned long long)w,
				 (unsigned long long)b->len);
		}
		prev = w;
	}
	if (fake.rip_write_count == FAKE_RIP_WRITES_MAX)
		fuzz_bug("%u or more writes of guest RIP in one exit", FAKE_RIP_WRITES_MAX);
	if (advanced && (info & INTR_INFO_VALID) &&
	    (info & INTR_TYPE_MASK) == INTR_TYPE_HW_EXCEPTION)
		fuzz_bug("exception %08x injected and RIP advanced past the instruction", info);
	return advanced;
}

/* GPRs a handler may change (the rest are the guest's): CPUID RAX-RDX,
 * RDMSR EDX:EAX, IN AL/AX/EAX, hypercalls RAX-RDX (docs/hypercalls.md),
 * MOV from CR3 one register, an EPT-emulated APIC access any (the string
 * and ALU forms move RDI, RSI, RCX); INIT/SIPI reset them all. */
static void check_gprs(unsigned basic, const struct vcpu *v, const uint64_t *before)
{
	uint32_t allowed = 0;

	switch (basic) {
	case EXIT_REASON_CPUID:
	case EXIT_REASON_VMCALL:
		allowed = 0xF;
		break;
	case EXIT_REASON_RDMSR:
		allowed = (1u << GPR_RAX) | (1u << GPR_RDX);
		break;
	case EXIT_REASON_IO_INSTRUCTION: /* IN: AL, AX or EAX */
		allowed = 1u << GPR_RAX;
		break;
	case EXIT_REASON_CR_ACCESS:
		allowed = 1u << ((fake_vmcs_get(VMCS_EXIT_QUALIFICATION) >> 8) & 0xF);
		break;
	case EXIT_REASON_EPT_VIOLATION:
		allowed = 0xFFFF;
		break;
	default:
		break;
	}
	for (unsigned i = 0; i < 16; i++)
		if (!(allowed & (1u << i)) && v->gpr[i] != before[i])
			fuzz_bug("GPR %u changed %llx -> %llx by exit reason %u", i,
				 (unsigned long long)before[i], (unsigned long long)v->gpr[i], basic);
}

static void check_cpuid(const struct vcpu *v, uint32_t leaf)
{
	for (unsigned i = 0; i < 4; i++)
		if (v->gpr[i] >> 32)
			fuzz_bug("CPUID left bits 63:32 of GPR %u set: %llx", i,
				 (unsigned long long)v->gpr[i]);
	if (leaf == 1 && (!(v->gpr[GPR_RCX] & CPUID_1_ECX_HYPERVISOR) ||
			  (v->gpr[GPR_RCX] & (CPUID_1_ECX_VMX | CPUID_1_ECX_SMX))))
		fuzz_bug("CPUID.1:ECX %llx: hypervisor bit clear or VMX/SMX shown",
			 (unsigned long long)v->gpr[GPR_RCX]);
	if (leaf == HV_CPUID_BASE && (v->gpr[GPR_RBX] != HV_SIG_EBX ||
				      v->gpr[GPR_RCX] != HV_SIG_ECX || v->gpr[GPR_RDX] != HV_SIG_EDX))
		fuzz_bug("CPUID.40000000H: not the Pillbox signature");
}

static bool written_by_vmm(uint32_t off)
{
	for (unsigned i = 0; i < fake.mem_write_count; i++) {
		const struct fake_mem_write *w = &fake.mem_writes[i];

		if ((off - (uint32_t)(w->gpa % FAKE_MEM_SIZE)) % FAKE_MEM_SIZE < w->len)
			return true;
	}
	return false;
}

static bool in_region(uint64_t start, uint64_t size)
{
	return start < REGION_BASE + REGION_SIZE && start + size > REGION_BASE;
}

/* A leaf maps its guest-physical range onto itself or (a 4 KiB page)
 * onto the sink; a VMM-region page only onto the sink, read/write. */
static void check_ept_leaf(uint64_t gpa, uint64_t size, uint64_t e)
{
	uint64_t hpa = e & EPT_ADDR_MASK & ~(size - 1);
	uint64_t sink_rw = vmm.sink_page | EPT_READ | EPT_WRITE |
			   ((uint64_t)MEMTYPE_WB << EPT_MEMTYPE_SHIFT);

	if (in_region(gpa, size) && (size != PAGE_SIZE || e != sink_rw))
		fuzz_bug("EPT entry %llx for VMM page %llx (%llx bytes): not the sink, RW",
			 (unsigned long long)e, (unsigned long long)gpa, (unsigned long long)size);
	if (hpa != gpa && !(size == PAGE_SIZE && hpa == vmm.sink_page))
		fuzz_bug("EPT maps GPA %llx (%llx bytes) onto %llx: neither itself nor the sink",
			 (unsigned long long)gpa, (unsigned long long)size, (unsigned long long)hpa);
}

/* Every table the walk reaches is one of the VMM's EPT pages. */
static void check_ept_table(uint64_t table, unsigned level, uint64_t gpa_base)
{
	unsigned shift = 12 + 9 * (level - 1);
	const uint64_t *e = (const uint64_t *)(uintptr_t)table;

	if (table < (uint64_t)(uintptr_t)ept_arena ||
	    table - (uint64_t)(uintptr_t)ept_arena >= ept_arena_bytes)
		fuzz_bug("EPT table %llx at level %u: not one of the VMM's EPT pages",
			 (unsigned long long)table, level);
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		uint64_t gpa = gpa_base + ((uint64_t)i << shift);

		if (!(e[i] & EPT_RWX))
			continue;
		if (level > 1 && !(level < 4 && (e[i] & EPT_LARGE)))
			check_ept_table(e[i] & EPT_ADDR_MASK, level - 1, gpa);
		else
			check_ept_leaf(gpa, 1ull << shift, e[i]);
	}
}

/* The region's first page keeps its canary; guest memory changes only
 * where the VMM wrote through guest_mem_write() in this exit; EPT maps
 * nothing onto VMM memory. */
void check_memory(void)
{
	if (!fake_region_intact())
		fuzz_bug("the VMM region changed");
	if (memcmp(fake_mem, mem_before, FAKE_MEM_SIZE))
		for (uint32_t off = 0; off < FAKE_MEM_SIZE; off++)
			if (fake_mem[off] != mem_before[off] && !written_by_vmm(off))
				fuzz_bug("guest memory at offset %x changed outside "
					 "guest_mem_write()", off);
	check_ept_table(vmm.ept_pml4, 4, 0);
}

void checks_snapshot(const struct vcpu *v, uint32_t reason, bool sealed, struct exit_before *b)
{
	b->reason = reason;
	b->rip = fake_vmcs_get(VMCS_GUEST_RIP);
	b->len = fake_vmcs_get(VMCS_EXIT_INSN_LEN);
	b->sealed = sealed;
	memcpy(b->gpr, v->gpr, sizeof(b->gpr));
	checks_memory_before();
}

void check_returned(const struct vcpu *v, const struct exit_before *b)
{
	unsigned basic = b->reason & EXIT_REASON_BASIC_MASK;
	bool reset, advanced;

	advanced = check_rip(b, &reset);
	check_entry_event();
	if (!reset)
		check_gprs(basic, v, b->gpr);
	if (basic == EXIT_REASON_CPUID && advanced && !reset)
		check_cpuid(v, (uint32_t)b->gpr[GPR_RAX]);
}
