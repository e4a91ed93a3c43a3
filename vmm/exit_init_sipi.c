/* INIT and SIPI exits (SDM Vol. 3C, 26.2 "Other Causes of VM Exits"): the
 * vCPU gets the architectural state of vmm/init_sipi.c. An application
 * processor then waits for SIPI in the wait-for-SIPI activity state; the
 * SIPI exit starts it in real mode at the vector, under the hypervisor
 * (unrestricted guest), so the OS's own AP start-up works unmodified. */
#include "vmm/cr_policy.h"
#include "vmm/exit_table.h"
#include "vmm/guest_state.h"
#include "vmm/init_sipi.h"
#include "vmm/vipi.h"
#include "vmm/lib.h"
#include "vmm/log.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"

#define SIPI_VECTOR_MASK   0xFFull
/* Echoes of one INIT tolerated before concluding that the INIT stays
 * pending for good (Bochs 2.7 re-raises it at every VM entry). */
#define INIT_ECHO_LIMIT    3u

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
	v->nmi_pending = false;
}

static void reset_state(struct vcpu_arch_state *s, bool *is_bsp)
{
	struct cpuid_regs r;

	cpuid_count(1, 0, &r);
	*is_bsp = (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_BSP) != 0;
	init_signal_state(*is_bsp, r.eax, s);
}

/* Bochs 2.7 leaves INIT pending across the INIT VM exit, so once a SIPI
 * has made the vCPU active it takes the same INIT again before its first
 * instruction, and would wait for a SIPI that has already come. An INIT
 * that finds the vCPU exactly where our SIPI put it (CS = vector << 8,
 * RIP = 0, no exit in between) is that echo: the vCPU gets the post-SIPI
 * state again (the exit may have saved a disturbed copy of it). On
 * hardware that consumes INIT with the exit, this state does not recur. */
static bool is_init_echo(const struct vcpu *v)
{
	return v->sipi_started && vmcs_readl(VMCS_GUEST_RIP) == 0 &&
	       vmcs_read16(VMCS_GUEST_CS_SEL) == (uint16_t)(v->last_sipi_vector << 8);
}

enum exit_result handle_init_signal(struct vcpu *v)
{
	struct vcpu_arch_state s;
	bool bsp;

	reset_state(&s, &bsp);
	if (is_init_echo(v) && ++v->init_echoes > INIT_ECHO_LIMIT) {
		log_err("init", "APIC id %u: INIT stays pending after its VM exit (a defect of "
			"Bochs 2.7; hardware consumes INIT with the exit): this CPU cannot run "
			"under the VMM any more", v->apic_id);
		return EXIT_FATAL;
	}
	if (is_init_echo(v)) {
		s.activity = ACTIVITY_WAIT_FOR_SIPI;
		sipi_state(v->last_sipi_vector, &s);
		load_state(v, &s);
		log_debug("init", "INIT again before the first instruction after SIPI on APIC id %u: "
			  "taken as the INIT already handled", v->apic_id);
		return EXIT_RESUME;
	}
	v->sipi_started = false;
	load_state(v, &s);
	v->inits++;
	log_info("init", "INIT on APIC id %u: %s", v->apic_id,
		 bsp ? "bootstrap processor restarts at the reset vector"
		     : "waiting for SIPI");
	return EXIT_RESUME;
}

enum exit_result handle_sipi(struct vcpu *v)
{
	uint8_t vector = (uint8_t)(vmcs_readl(VMCS_EXIT_QUALIFICATION) & SIPI_VECTOR_MASK);
	struct vcpu_arch_state s;
	bool bsp;

	reset_state(&s, &bsp);
	s.activity = ACTIVITY_WAIT_FOR_SIPI;
	sipi_state(vector, &s);
	load_state(v, &s);
	v->sipis++;
	v->sipi_started = true;
	v->last_sipi_vector = vector;
	v->init_echoes = 0;
	log_info("init", "SIPI vector %02x on APIC id %u: starting in real mode at %04x:0000",
		 vector, v->apic_id, (unsigned)vector << 8);
	return EXIT_RESUME;
}

/* INIT sent by a guest CPU and emulated at the sender (vmm/vipi.c): the
 * same architectural state, but an application processor waits for its
 * SIPI in the HLT activity state with interrupts off (RFLAGS = 2), where
 * only the VMM's NMI kick wakes it, instead of in wait-for-SIPI, which
 * only a real SIPI leaves. */
void vcpu_virtual_init(struct vcpu *v)
{
	struct vcpu_arch_state s;
	bool bsp;

	reset_state(&s, &bsp);
	if (!bsp)
		s.activity = ACTIVITY_HLT;
	load_state(v, &s);
	/* INIT flushes the TLBs (SDM Vol. 3A, 10.1.1, Table 10-1); the
	 * guest's entries, tagged with its VPID, survive VM exits. */
	if (vmm.ctl.vpid)
		invvpid(INVVPID_SINGLE_CONTEXT, VMX_GUEST_VPID);
	v->wait_sipi = !bsp;
	v->inits++;
	log_info("init", "INIT (emulated) on APIC id %u: %s", v->apic_id,
		 bsp ? "bootstrap processor restarts at the reset vector" : "waiting for SIPI");
}

/* SIPI emulated at the sender: starts a vCPU that waits for one; a SIPI to
 * a running vCPU is dropped, as a real CPU drops it (SDM Vol. 3A, 11.6.1). */
void vcpu_virtual_sipi(struct vcpu *v, uint8_t vector)
{
	struct vcpu_arch_state s;
	bool bsp;

	if (!v->wait_sipi) {
		log_debug("init", "SIPI vector %02x to running APIC id %u: dropped", vector,
			  v->apic_id);
		return;
	}
	reset_state(&s, &bsp);
	sipi_state(vector, &s);
	load_state(v, &s);
	v->wait_sipi = false;
	v->sipis++;
	log_info("init", "SIPI (emulated) vector %02x on APIC id %u: starting in real mode at "
		 "%04x:0000", vector, v->apic_id, (unsigned)vector << 8);
}
