/* INIT and SIPI for a vCPU: the architectural state of vmm/ipi/init_sipi.c,
 * written into the VMCS. Two ways in:
 *  - emulated at the sender (vmm/ipi/vipi.c): vcpu_virtual_init() and
 *    vcpu_virtual_sipi(), run on the target CPU when it takes what was
 *    posted to it;
 *  - the INIT and SIPI exits (SDM Vol. 3C, 26.2 "Other Causes of VM
 *    Exits") for INITs that do reach a virtualized CPU: IPIs the VMM
 *    forwards (logical destination), a chipset INIT. The application
 *    processor then waits in the wait-for-SIPI activity state and the SIPI
 *    exit starts it in real mode at the vector, under the hypervisor
 *    (unrestricted guest).
 * Either way the local APIC is reset as an INIT resets it (an INIT that
 * exits performs none of its usual operations, 26.2), CR0.CD and NW stay
 * as they were (Vol. 3A, Table 10-1, footnote 2), and the lines go to the
 * log at debug level only: at info level each would wait on the polled
 * UART, milliseconds per line on a real COM1, in the middle of an OS's AP
 * start-up. An INIT to the bootstrap processor resets the platform: the
 * firmware cannot start again under the running VMM. */
#include "vmm/policy/cr_policy.h"
#include "vmm/exit/exit_table.h"
#include "vmm/log/fatal.h"
#include "vmm/guest_state.h"
#include "vmm/ipi/init_sipi.h"
#include "vmm/ipi/vipi.h"
#include "lib/lib.h"
#include "vmm/log/log.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"

#define SIPI_VECTOR_MASK   0xFFull

static void write_segment(const struct seg_state *s, uint32_t sel, uint32_t base,
			  uint32_t limit, uint32_t ar)
{
	vmcs_write_raw(sel, s->sel);
	vmcs_write_raw(base, s->base);
	vmcs_write_raw(limit, s->limit);
	vmcs_write_raw(ar, s->ar);
}

static void load_state(struct vcpu *v, const struct vcpu_arch_state *s)
{
	uint32_t entry = vmcs_read32(VMCS_ENTRY_CTLS);

	vmcs_writel(VMCS_CR0_READ_SHADOW, s->cr0);
	vmcs_writel(VMCS_GUEST_CR0, cr0_real_value(&vmm.cr_fixed, s->cr0));
	vmcs_writel(VMCS_GUEST_CR3, s->cr3);
	vmcs_writel(VMCS_CR4_READ_SHADOW, s->cr4);
	vmcs_writel(VMCS_GUEST_CR4, cr4_real_value(&vmm.cr_fixed, s->cr4) | CR4_VMXE);
	vmcs_writel(VMCS_GUEST_RIP, s->rip);
	vmcs_writel(VMCS_GUEST_RSP, s->rsp);
	vmcs_writel(VMCS_GUEST_RFLAGS, s->rflags);
	vmcs_writel(VMCS_GUEST_DR7, s->dr7);
	vmcs_write64(VMCS_GUEST_EFER, s->efer);
	write_segment(&s->cs, VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR);
	write_segment(&s->ss, VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR);
	write_segment(&s->ds, VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR);
	write_segment(&s->es, VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR);
	write_segment(&s->fs, VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR);
	write_segment(&s->gs, VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR);
	write_segment(&s->ldtr, VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT,
		      VMCS_GUEST_LDTR_AR);
	write_segment(&s->tr, VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR);
	vmcs_writel(VMCS_GUEST_GDTR_BASE, s->gdtr_base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, s->gdtr_limit);
	vmcs_writel(VMCS_GUEST_IDTR_BASE, s->idtr_base);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, s->idtr_limit);
	vmcs_write32(VMCS_ENTRY_CTLS, s->long_mode ? entry | ENTRY_IA32E_MODE_GUEST
						   : entry & ~ENTRY_IA32E_MODE_GUEST);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_writel(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, s->activity);
	memset(v->gpr, 0, sizeof(v->gpr));
	v->gpr[GPR_RDX] = s->rdx;
	/* The new state has no event in flight: none to inject again
	 * (vmm/exit/exit_dispatch.c), and no NMI waiting, as INIT leaves none. */
	v->state_reset = true;
	v->nmi_pending = false;
	v->wait_sipi_exit = false;
}

static bool is_bsp(void)
{
	return (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_BSP) != 0;
}

static void reset_state(struct vcpu_arch_state *s)
{
	struct cpuid_regs r;

	cpuid_count(1, 0, &r);
	init_signal_state(is_bsp(), r.eax, guest_cr0_visible(), s);
}

/* The firmware that would start again at the reset vector expects a
 * machine fresh from reset: memory, the other CPUs and the devices as
 * reset leaves them. Under the VMM none of that holds (the restarted
 * firmware ran into the VMM region and the other CPUs' VMX state), so
 * INIT to the bootstrap processor, the classic warm reset, becomes a real
 * one. */
static __attribute__((noreturn)) void bsp_init_reset(const struct vcpu *v, const char *how)
{
	log_warn("init", "INIT to the bootstrap processor (APIC id %u, %s): resetting the platform; "
		 "the firmware cannot start again under the running VMM", v->apic_id, how);
	platform_reset();
}

enum exit_result handle_init_signal(struct vcpu *v)
{
	struct vcpu_arch_state s;

	if (is_bsp())
		bsp_init_reset(v, "INIT signal");
	reset_state(&s);
	lapic_init_reset();
	load_state(v, &s);
	/* Senders now forward start-up IPIs to this CPU (vmm/ipi/vipi.c). */
	__atomic_store_n(&v->wait_sipi_exit, true, __ATOMIC_RELEASE);
	v->inits++;
	log_debug("init", "INIT on APIC id %u: waiting for SIPI", v->apic_id);
	return EXIT_RESUME;
}

enum exit_result handle_sipi(struct vcpu *v)
{
	uint8_t vector = (uint8_t)(vmcs_readl(VMCS_EXIT_QUALIFICATION) & SIPI_VECTOR_MASK);
	struct vcpu_arch_state s;

	reset_state(&s);
	sipi_state(vector, &s);
	load_state(v, &s);
	v->sipis++;
	log_debug("init", "SIPI vector %02x on APIC id %u: starting in real mode at %04x:0000",
		  vector, v->apic_id, (unsigned)vector << 8);
	return EXIT_RESUME;
}

/* INIT sent by a guest CPU and emulated at the sender (vmm/ipi/vipi.c): the
 * same architectural state, but an application processor then waits for
 * its SIPI in VMX root operation (vmm/ipi/vipi.c), its VMCS in the HLT
 * activity state with interrupts off, instead of in wait-for-SIPI, which
 * only a real SIPI leaves. */
void vcpu_virtual_init(struct vcpu *v)
{
	struct vcpu_arch_state s;

	if (is_bsp())
		bsp_init_reset(v, "emulated INIT");
	reset_state(&s);
	s.activity = ACTIVITY_HLT;
	lapic_init_reset();
	load_state(v, &s);
	/* INIT flushes the TLBs (SDM Vol. 3A, 10.1.1, Table 10-1); the
	 * guest's entries, tagged with its VPID, survive VM exits. */
	if (vmm.ctl.vpid)
		invvpid(INVVPID_SINGLE_CONTEXT, VMX_GUEST_VPID);
	v->wait_sipi = true;
	v->inits++;
	log_debug("init", "INIT (emulated) on APIC id %u: waiting for SIPI", v->apic_id);
}

/* SIPI emulated at the sender: starts a vCPU that waits for one (after an
 * emulated INIT, or after an INIT exit when the SIPI was posted before
 * this CPU entered the wait-for-SIPI state); a SIPI to a running vCPU is
 * dropped, as a real CPU drops it (SDM Vol. 3A, 11.6.1). */
void vcpu_virtual_sipi(struct vcpu *v, uint8_t vector)
{
	struct vcpu_arch_state s;

	if (!v->wait_sipi && !v->wait_sipi_exit) {
		log_debug("init", "SIPI vector %02x to running APIC id %u: dropped", vector,
			  v->apic_id);
		return;
	}
	reset_state(&s);
	sipi_state(vector, &s);
	load_state(v, &s);
	v->wait_sipi = false;
	v->sipis++;
	log_debug("init", "SIPI (emulated) vector %02x on APIC id %u: starting in real mode at "
		  "%04x:0000", vector, v->apic_id, (unsigned)vector << 8);
}
