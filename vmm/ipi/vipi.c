#include "vmm/ipi/vipi.h"
#include "vmm/ipi/apic_icr.h"
#include "vmm/log/log.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"

static bool all_launched(void)
{
	for (uint32_t i = 0; i < vmm.bi.cpu_count; i++)
		if (!vmm.vcpus[i].launched)
			return false;
	return true;
}

/* Bounded wait for a kicked CPU to see its NMI (it clears kick_pending,
 * vipi_nmi_is_kick). */
#define KICK_ACK_SPINS 100000u

/* Posts the request to t. An INIT is kicked: t's NMI makes it exit (or, in
 * VMX root operation, ask for one: vmm/event/vnmi.h) and take the INIT
 * (vipi_take). A SIPI is not kicked: t either waits for it, polling in
 * root (wait_for_sipi), or runs and drops it at its next exit as a real
 * CPU drops a SIPI outside wait-for-SIPI; no NMI goes to a running guest
 * for it. A new INIT clears a SIPI posted before it and not yet taken:
 * that SIPI came to a running CPU, and INIT follows it. */
static void post(struct vcpu *t, const struct ipi *ipi)
{
	uint32_t old, want;

	/* A CPU that took a real INIT (an INIT exit) is in the INIT state
	 * already, waiting for a real SIPI (vipi_icr_write forwards those):
	 * another INIT changes nothing, and an NMI could not reach it. */
	if (ipi->kind == IPI_INIT && __atomic_load_n(&t->wait_sipi_exit, __ATOMIC_ACQUIRE))
		return;

	old = __atomic_load_n(&t->ipi_pending, __ATOMIC_RELAXED);
	do {
		want = ipi->kind == IPI_INIT ? VIPI_INIT
			: ((old & ~VIPI_VECTOR_MASK) | VIPI_SIPI |
			   ((uint32_t)ipi->vector << VIPI_VECTOR_SHIFT));
	} while (!__atomic_compare_exchange_n(&t->ipi_pending, &old, want, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	if (ipi->kind != IPI_INIT)
		return;
	/* One kick in flight per target: a second INIT before t saw the first
	 * kick needs no NMI of its own. Then wait until t has seen an NMI, so
	 * that this kick has arrived before the guest goes on to its SIPI
	 * (see vipi_nmi_is_kick for the NMI it may stand in for). */
	if (!__atomic_exchange_n(&t->kick_pending, true, __ATOMIC_ACQ_REL))
		lapic_send_nmi(t->apic_id);
	for (unsigned i = 0; i < KICK_ACK_SPINS && __atomic_load_n(&t->kick_pending, __ATOMIC_ACQUIRE); i++)
		cpu_relax();
}

/* A start-up IPI goes to the bus as well when a target waits in the
 * wait-for-SIPI activity state after a real INIT (vmm/exit/exit_init_sipi.c):
 * only a real SIPI leaves that state. The others take the posted one. */
static bool forward_sipi(const struct vcpu *t, const struct ipi *ipi)
{
	return ipi->kind == IPI_STARTUP && __atomic_load_n(&t->wait_sipi_exit, __ATOMIC_ACQUIRE);
}

enum vipi_outcome {
	VIPI_FORWARD,     /* not for us: write the ICR as the guest asked */
	VIPI_EMULATED,    /* posted to virtualized CPUs; the write is done */
	VIPI_SELF_RESET,  /* the sender itself took INIT: RIP must not move */
};

static enum vipi_outcome vipi_icr_write(struct vcpu *v, uint32_t icr_low, uint32_t dest)
{
	struct ipi ipi;
	bool forward = false;

	icr_decode(icr_low, dest, &ipi);
	if (ipi.kind != IPI_OTHER)
		log_debug("ipi", "ICR %08x destination %u from APIC id %u", icr_low, dest, v->apic_id);
	if (ipi.kind == IPI_OTHER || ipi.dest == IPI_DEST_LOGICAL)
		return VIPI_FORWARD;
	if (ipi.kind == IPI_INIT_DEASSERT)
		return all_launched() ? VIPI_EMULATED : VIPI_FORWARD; /* no effect on P6+ */

	switch (ipi.dest) {
	case IPI_DEST_ONE: {
		struct vcpu *t = vcpu_find(ipi.dest_id);

		if (!t || !t->launched)   /* not a running CPU of ours */
			return VIPI_FORWARD;
		if (t == v)
			goto self;
		post(t, &ipi);
		return forward_sipi(t, &ipi) ? VIPI_FORWARD : VIPI_EMULATED;
	}
	case IPI_DEST_SELF:
		/* INIT or start-up with the self shorthand is an invalid ICR
		 * combination (SDM Vol. 3A, 11.6.1, Table 11-3): no effect. */
		log_debug("ipi", "INIT/SIPI with the self shorthand: invalid, ignored");
		return VIPI_EMULATED;
	case IPI_DEST_ALL_INCL:
	case IPI_DEST_ALL_EXCL:
		if (!all_launched())
			return VIPI_FORWARD;
		for (uint32_t i = 0; i < vmm.bi.cpu_count; i++) {
			if (&vmm.vcpus[i] == v)
				continue;
			post(&vmm.vcpus[i], &ipi);
			forward = forward || forward_sipi(&vmm.vcpus[i], &ipi);
		}
		if (forward)
			return VIPI_FORWARD;  /* a running sender ignores its own SIPI */
		if (ipi.dest == IPI_DEST_ALL_EXCL)
			return VIPI_EMULATED;
		goto self;
	default:
		return VIPI_FORWARD;
	}
self:
	if (ipi.kind == IPI_INIT) {
		vcpu_virtual_init(v);
		return VIPI_SELF_RESET;
	}
	vcpu_virtual_sipi(v, ipi.vector); /* a running sender: dropped */
	return VIPI_EMULATED;
}

static void apply(struct vcpu *v, uint32_t p)
{
	if (p & VIPI_INIT)
		vcpu_virtual_init(v);
	if (p & VIPI_SIPI)
		vcpu_virtual_sipi(v, (uint8_t)((p & VIPI_VECTOR_MASK) >> VIPI_VECTOR_SHIFT));
}

/* After INIT an application processor waits for its SIPI here, in VMX
 * root operation, polling what other CPUs post: a CPU in the INIT state
 * runs nothing of the guest's, and a SIPI then needs no kick. (Why not the
 * wait-for-SIPI activity state: only a real SIPI leaves it, and those are
 * emulated at the sender.) */
static void wait_for_sipi(struct vcpu *v)
{
	while (v->wait_sipi) {
		uint32_t p = __atomic_exchange_n(&v->ipi_pending, 0, __ATOMIC_ACQ_REL);

		if (p)
			apply(v, p);
		else
			cpu_relax();
	}
}

bool vipi_icr_exit(struct vcpu *v, uint32_t icr_low, uint32_t dest, enum exit_result *r)
{
	enum vipi_outcome o = vipi_icr_write(v, icr_low, dest);

	if (o == VIPI_FORWARD)
		return false;
	*r = o == VIPI_SELF_RESET ? EXIT_RESUME : EXIT_NEXT_INSN;
	return true;
}

bool vipi_nmi_is_kick(struct vcpu *v)
{
	return __atomic_exchange_n(&v->kick_pending, false, __ATOMIC_ACQ_REL);
}

void vipi_take(struct vcpu *v)
{
	uint32_t p = __atomic_exchange_n(&v->ipi_pending, 0, __ATOMIC_ACQ_REL);

	if (p)
		apply(v, p);
	wait_for_sipi(v);
}
