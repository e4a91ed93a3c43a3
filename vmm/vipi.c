#include "vmm/vipi.h"
#include "vmm/apic_icr.h"
#include "vmm/log.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"

/* A running CPU of ours, by APIC id, or NULL. */
static struct vcpu *launched_vcpu(uint32_t apic_id)
{
	struct vcpu *t = vcpu_find(apic_id);

	return t && t->launched ? t : NULL;
}

static bool all_launched(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < vmm.bi.cpu_count; i++)
		if (vmm.vcpus[i].launched)
			n++;
	return n == vmm.bi.cpu_count;
}

/* Posts the request to t; the NMI makes t exit and apply it (vipi_take). */
static void post(struct vcpu *t, const struct ipi *ipi)
{
	uint32_t old, want;

	old = __atomic_load_n(&t->ipi_pending, __ATOMIC_RELAXED);
	do {
		want = ipi->kind == IPI_INIT ? (old | VIPI_INIT)
			: ((old & ~VIPI_VECTOR_MASK) | VIPI_SIPI |
			   ((uint32_t)ipi->vector << VIPI_VECTOR_SHIFT));
	} while (!__atomic_compare_exchange_n(&t->ipi_pending, &old, want, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	__atomic_fetch_add(&t->kicks_sent, 1, __ATOMIC_ACQ_REL);
	lapic_send_nmi(t->apic_id);
}

enum vipi_outcome vipi_icr_write(struct vcpu *v, uint32_t icr_low, uint32_t dest)
{
	struct ipi ipi;

	icr_decode(icr_low, dest, &ipi);
	if (ipi.kind != IPI_OTHER)
		log_debug("ipi", "ICR %08x destination %u from APIC id %u", icr_low, dest, v->apic_id);
	if (ipi.kind == IPI_OTHER || ipi.dest == IPI_DEST_LOGICAL)
		return VIPI_FORWARD;
	if (ipi.kind == IPI_INIT_DEASSERT)
		return all_launched() ? VIPI_EMULATED : VIPI_FORWARD; /* no effect on P6+ */

	switch (ipi.dest) {
	case IPI_DEST_ONE: {
		struct vcpu *t = launched_vcpu(ipi.dest_id);

		if (!t)
			return VIPI_FORWARD;
		if (t == v)
			goto self;
		post(t, &ipi);
		return VIPI_EMULATED;
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
		for (uint32_t i = 0; i < vmm.bi.cpu_count; i++)
			if (&vmm.vcpus[i] != v)
				post(&vmm.vcpus[i], &ipi);
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
 * runs nothing of the guest's, and waiting here needs no further kick
 * (Bochs 2.7 does not wake a vCPU parked in the HLT activity state with a
 * second NMI). */
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
	switch (vipi_icr_write(v, icr_low, dest)) {
	case VIPI_SELF_RESET:
		*r = EXIT_RESUME;
		return true;
	case VIPI_EMULATED:
		*r = EXIT_NEXT_INSN;
		return true;
	case VIPI_FORWARD:
	default:
		return false;
	}
}

bool vipi_nmi_is_kick(struct vcpu *v)
{
	if (v->kicks_taken == __atomic_load_n(&v->kicks_sent, __ATOMIC_ACQUIRE))
		return false;
	v->kicks_taken++;
	return true;
}

bool vipi_take(struct vcpu *v)
{
	uint32_t p = __atomic_exchange_n(&v->ipi_pending, 0, __ATOMIC_ACQ_REL);

	if (!p)
		return false;
	apply(v, p);
	wait_for_sipi(v);
	return true;
}
