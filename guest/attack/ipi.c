/* IPIs a CPU sends itself through the xAPIC interrupt command register
 * (docs/security.md, "Events"). Every write of the xAPIC page exits (EPT
 * maps it read-only) and the VMM decodes it (vmm/exit/exit_apic.c).
 * NMI to the own APIC id: the VMM performs the write, the NMI reaches the
 * CPU in VMX root operation and the VMM injects it into the guest at the
 * next VM entry (vmm/exit/exit_dispatch.c): the guest takes an NMI, as without
 * a hypervisor. INIT with the self shorthand,
 * INIT is an invalid ICR combination (Intel SDM Vol. 3A, 11.6.1, Table
 * 11-3): the VMM, which emulates every INIT to a virtualized CPU at the
 * sender (vmm/ipi/vipi.c), ignores it and the sender goes on. Addressed to its
 * own APIC id (a valid combination), INIT puts the CPU in the INIT state;
 * for the bootstrap processor Pillbox makes that a platform reset, logged
 * (the firmware cannot start again at the reset vector, Vol. 3A, 10.1.1,
 * under the running VMM), so that case ends the program; it runs alone,
 * in its own boot (args "init-own-id"). */
#include "guest/attack/attack.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "vmm/ipi/apic_icr.h"
#include "vmm/exit/hypercall.h"
#include "vmm/log/log.h"
#include "arch/x86_64/vectors.h"

#define ICR_INIT_ASSERT (ICR_DM_INIT | ICR_LEVEL_ASSERT)
#define PENDING_SPINS 100000u
#define NMI_WAIT_SPINS 1000000u

static volatile uint32_t *apic_reg(uint64_t base, uint32_t offset)
{
	return (volatile uint32_t *)(uintptr_t)(base + offset);
}

/* The xAPIC page, or 0 with the reason in why. */
static uint64_t xapic_base(char *why)
{
	uint64_t msr = rdmsr(MSR_IA32_APIC_BASE);

	if ((msr & APIC_BASE_ENABLE) && !(msr & APIC_BASE_X2APIC) &&
	    (msr & APIC_BASE_ADDR_MASK) < CAGE_MAP_LIMIT)
		return msr & APIC_BASE_ADDR_MASK;
	why_add(why, "IA32_APIC_BASE %llx: no xAPIC page below 4 GiB", (unsigned long long)msr);
	return 0;
}

static void send_icr(uint64_t base, uint32_t dest_apic_id, uint32_t low)
{
	*apic_reg(base, APIC_REG_ICR_HIGH) = dest_apic_id << APIC_XAPIC_DEST_SHIFT;
	*apic_reg(base, APIC_REG_ICR_LOW) = low;
	for (unsigned i = 0; i < PENDING_SPINS; i++)
		if (!(*apic_reg(base, APIC_REG_ICR_LOW) & ICR_DELIVERY_PENDING))
			break;
}

struct nmi_probe {
	uint64_t apic;
	uint32_t id;
};

/* Sends the NMI, then waits for it; the NMI gate unwinds cage_call. */
static void nmi_self_and_wait(void *arg)
{
	const struct nmi_probe *p = arg;

	send_icr(p->apic, p->id, ICR_SH_NONE | ICR_DM_NMI);
	for (volatile unsigned i = 0; i < NMI_WAIT_SPINS; i++)
		cpu_relax();
}

void attack_nmi_self(void)
{
	char why[WHY_MAX] = "";
	struct nmi_probe p = { xapic_base(why), cpu_apic_id() };
	int vec;

	if (!p.apic) {
		result("nmi-self-delivered", false, why);
		return;
	}
	vec = cage_call(RING0, nmi_self_and_wait, &p);
	/* The handler unwound without IRET: end the guest's NMI blocking. */
	if (vec == VEC_NMI)
		nmi_unblock_by_iret();
	resultf("nmi-self-delivered", vec == VEC_NMI,
		"NMI to the own APIC id %u gave %s (vector %d)", p.id, vector_name(vec), vec);
}

void attack_init_self(void)
{
	char why[WHY_MAX] = "";
	uint64_t base = xapic_base(why);
	uint64_t cr0 = read_cr0(), cr3 = read_cr3();
	struct hc r;

	if (!base) {
		result("init-self-shorthand-ignored", false, why);
		return;
	}
	send_icr(base, 0, ICR_SH_SELF | ICR_INIT_ASSERT);
	r = hc_call(HC_PING, 0, 0, 0);
	resultf("init-self-shorthand-ignored",
		r.rax == HC_OK && r.rbx == HC_PING_REPLY && read_cr0() == cr0 && read_cr3() == cr3,
		"after INIT to self (shorthand): ping status %lld, CR0 %llx (was %llx)",
		(long long)r.rax, (unsigned long long)read_cr0(), (unsigned long long)cr0);
}

void attack_init_own_id(void)
{
	char why[WHY_MAX] = "";
	uint64_t base = xapic_base(why);
	unsigned id = cpu_apic_id();

	if (!base) {
		result("init-own-apic-id", false, why);
		return;
	}
	log_info(STAGE, "sending INIT to my own APIC id %u: the VMM resets the platform", id);
	send_icr(base, id, ICR_SH_NONE | ICR_INIT_ASSERT);
	result("init-own-apic-id", false, "INIT to the own APIC id returned to the sender");
}
