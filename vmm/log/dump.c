/* State dumps and the safe stops (in the manner of MiniVisor's
 * DumpGuestState/DumpHostState/DumpControl and KVM's dump_vmcs). */
#include "vmm/log/fatal.h"
#include "vmm/log/log.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/descriptors.h"  /* host_exception() */
#include "arch/x86_64/vmx.h"

#define STAGE "dump"
#define RESET_CONTROL_PORT 0xCF9u
#define RESET_CONTROL_SYS_RST 0x02u
#define RESET_CONTROL_RST_CPU 0x04u
#define KBC_COMMAND_PORT 0x64u
#define KBC_PULSE_RESET 0xFEu

typedef unsigned long long ull;

static void dump_segment(const char *name, uint32_t sel, uint32_t base, uint32_t limit,
			 uint32_t ar)
{
	log_err(STAGE, "  %-4s sel %04x base %016llx limit %08x ar %05x", name,
		(unsigned)vmcs_read_raw(sel), (ull)vmcs_read_raw(base),
		(unsigned)vmcs_read_raw(limit), (unsigned)vmcs_read_raw(ar));
}

#define DUMP_SEG(NAME)                                                                  \
	dump_segment(#NAME, VMCS_GUEST_##NAME##_SEL, VMCS_GUEST_##NAME##_BASE,              \
		     VMCS_GUEST_##NAME##_LIMIT, VMCS_GUEST_##NAME##_AR)

static void dump_guest(const struct vcpu *v)
{
	const uint64_t *r = v->gpr;

	log_err(STAGE, "guest state:");
	log_err(STAGE, "  RIP %016llx RSP %016llx RFLAGS %016llx",
		(ull)vmcs_readl(VMCS_GUEST_RIP), (ull)vmcs_readl(VMCS_GUEST_RSP),
		(ull)vmcs_readl(VMCS_GUEST_RFLAGS));
	log_err(STAGE, "  CR0 %016llx (shadow %llx) CR3 %016llx CR4 %016llx (shadow %llx)",
		(ull)vmcs_readl(VMCS_GUEST_CR0), (ull)vmcs_readl(VMCS_CR0_READ_SHADOW),
		(ull)vmcs_readl(VMCS_GUEST_CR3), (ull)vmcs_readl(VMCS_GUEST_CR4),
		(ull)vmcs_readl(VMCS_CR4_READ_SHADOW));
	log_err(STAGE, "  EFER %016llx PAT %016llx DR7 %016llx DEBUGCTL %llx",
		(ull)vmcs_read64(VMCS_GUEST_EFER), (ull)vmcs_read64(VMCS_GUEST_PAT),
		(ull)vmcs_readl(VMCS_GUEST_DR7), (ull)vmcs_read64(VMCS_GUEST_DEBUGCTL));
	DUMP_SEG(CS); DUMP_SEG(SS); DUMP_SEG(DS); DUMP_SEG(ES);
	DUMP_SEG(FS); DUMP_SEG(GS); DUMP_SEG(LDTR); DUMP_SEG(TR);
	log_err(STAGE, "  GDTR %016llx/%x IDTR %016llx/%x",
		(ull)vmcs_readl(VMCS_GUEST_GDTR_BASE), vmcs_read32(VMCS_GUEST_GDTR_LIMIT),
		(ull)vmcs_readl(VMCS_GUEST_IDTR_BASE), vmcs_read32(VMCS_GUEST_IDTR_LIMIT));
	log_err(STAGE, "  interruptibility %x activity %u pending-dbg %llx",
		vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY), vmcs_read32(VMCS_GUEST_ACTIVITY_STATE),
		(ull)vmcs_readl(VMCS_GUEST_PENDING_DBG));
	log_err(STAGE, "  RAX %016llx RBX %016llx RCX %016llx RDX %016llx",
		(ull)r[GPR_RAX], (ull)r[GPR_RBX], (ull)r[GPR_RCX], (ull)r[GPR_RDX]);
	log_err(STAGE, "  RSI %016llx RDI %016llx RBP %016llx R8  %016llx",
		(ull)r[GPR_RSI], (ull)r[GPR_RDI], (ull)r[GPR_RBP], (ull)r[GPR_R8]);
	log_err(STAGE, "  R9  %016llx R10 %016llx R11 %016llx R12 %016llx",
		(ull)r[GPR_R9], (ull)r[GPR_R10], (ull)r[GPR_R11], (ull)r[GPR_R12]);
	log_err(STAGE, "  R13 %016llx R14 %016llx R15 %016llx",
		(ull)r[GPR_R13], (ull)r[GPR_R14], (ull)r[GPR_R15]);
}

static void dump_host(void)
{
	log_err(STAGE, "host state:");
	log_err(STAGE, "  RIP %016llx RSP %016llx CR0 %llx CR3 %llx CR4 %llx",
		(ull)vmcs_readl(VMCS_HOST_RIP), (ull)vmcs_readl(VMCS_HOST_RSP),
		(ull)vmcs_readl(VMCS_HOST_CR0), (ull)vmcs_readl(VMCS_HOST_CR3),
		(ull)vmcs_readl(VMCS_HOST_CR4));
	log_err(STAGE, "  GDTR %llx IDTR %llx TR %x/%llx GS base %llx EFER %llx",
		(ull)vmcs_readl(VMCS_HOST_GDTR_BASE), (ull)vmcs_readl(VMCS_HOST_IDTR_BASE),
		vmcs_read16(VMCS_HOST_TR_SEL), (ull)vmcs_readl(VMCS_HOST_TR_BASE),
		(ull)vmcs_readl(VMCS_HOST_GS_BASE), (ull)vmcs_read64(VMCS_HOST_EFER));
}

static void dump_controls(void)
{
	log_err(STAGE, "controls:");
	log_err(STAGE, "  pin %08x proc %08x proc2 %08x exit %08x entry %08x",
		vmcs_read32(VMCS_PIN_CTLS), vmcs_read32(VMCS_PROC_CTLS),
		vmcs_read32(VMCS_PROC_CTLS2), vmcs_read32(VMCS_EXIT_CTLS),
		vmcs_read32(VMCS_ENTRY_CTLS));
	log_err(STAGE, "  exception bitmap %08x EPTP %llx MSR bitmap %llx CR0 mask %llx CR4 mask %llx",
		vmcs_read32(VMCS_EXCEPTION_BITMAP), (ull)vmcs_read64(VMCS_EPT_POINTER),
		(ull)vmcs_read64(VMCS_MSR_BITMAP), (ull)vmcs_readl(VMCS_CR0_GUEST_HOST_MASK),
		(ull)vmcs_readl(VMCS_CR4_GUEST_HOST_MASK));
	log_err(STAGE, "exit information:");
	log_err(STAGE, "  reason %08x qualification %llx GPA %llx linear %llx insn len %u info %x",
		vmcs_read32(VMCS_EXIT_REASON), (ull)vmcs_readl(VMCS_EXIT_QUALIFICATION),
		(ull)vmcs_read64(VMCS_GUEST_PHYS_ADDR), (ull)vmcs_readl(VMCS_GUEST_LINEAR_ADDR),
		vmcs_read32(VMCS_EXIT_INSN_LEN), vmcs_read32(VMCS_EXIT_INSN_INFO));
	log_err(STAGE, "  interruption info %08x error %x IDT vectoring %08x error %x entry info %08x",
		vmcs_read32(VMCS_EXIT_INTR_INFO), vmcs_read32(VMCS_EXIT_INTR_ERROR),
		vmcs_read32(VMCS_IDT_VECTORING_INFO), vmcs_read32(VMCS_IDT_VECTORING_ERROR),
		vmcs_read32(VMCS_ENTRY_INTR_INFO));
}

void vmcs_dump(const struct vcpu *v)
{
	log_err(STAGE, "=== VMCS dump, CPU index %u (APIC id %u), %llu exits ===", v->index,
		v->apic_id, (ull)v->exits);
	dump_guest(v);
	dump_host();
	dump_controls();
}

void vmm_fatal(const struct vcpu *v, const char *why)
{
	vmcs_dump(v);
	log_err("fatal", "VMM halted on CPU index %u (APIC id %u): %s", v->index, v->apic_id, why);
	cpu_halt_forever();
}

void host_exception(unsigned vector, uint64_t rip, uint64_t rsp, uint64_t rflags,
		    uint64_t error_code)
{
	log_err("fatal", "exception %u in the VMM: RIP %llx RSP %llx RFLAGS %llx error %llx CR2 %llx",
		vector, (ull)rip, (ull)rsp, (ull)rflags, (ull)error_code, (ull)read_cr2());
	if (vmm.initialized)
		vmcs_dump(vcpu_current());
	log_err("fatal", "VMM halted on APIC id %u after exception %u", cpu_apic_id(), vector);
	cpu_halt_forever();
}

void host_spurious_interrupt(void)
{
	log_warn("host", "unexpected interrupt in VMX root operation (interrupts are off): ignored");
}

void platform_reset(void)
{
	log_err("fatal", "resetting the platform");
	outb(RESET_CONTROL_PORT, RESET_CONTROL_SYS_RST);
	outb(RESET_CONTROL_PORT, RESET_CONTROL_SYS_RST | RESET_CONTROL_RST_CPU);
	for (unsigned i = 0; i < 100000; i++)
		cpu_relax();
	outb(KBC_COMMAND_PORT, KBC_PULSE_RESET);
	log_err("fatal", "platform reset did not happen: halting");
	cpu_halt_forever();
}
