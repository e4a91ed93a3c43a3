#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"

#define ICR_IDLE_SPINS 100000u
#define APIC_ISR_REGS  8u      /* 256 vectors, 32 per register */
#define APIC_VECTORS   256u
/* Version bits 23:16, the number of LVT entries less one, from which an
 * optional entry is there (11.5.1 "Local Vector Table", Figure 11-8). */
#define MAX_LVT_MASK     0xFFu
#define MAX_LVT_PERF     4u
#define MAX_LVT_THERMAL  5u
#define MAX_LVT_CMCI     6u

/* Set once on the boot CPU before any other CPU launches. */
static uint64_t apic_base;

void lapic_base_init(void)
{
	apic_base = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK;
}

uint64_t lapic_mmio_base(void)
{
	return apic_base;
}

bool lapic_x2apic_mode(void)
{
	return (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC) != 0;
}

bool lapic_xapic_active(void)
{
	uint64_t msr = rdmsr(MSR_IA32_APIC_BASE);

	return apic_base && (msr & (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) == APIC_BASE_ENABLE &&
	       (msr & APIC_BASE_ADDR_MASK) == apic_base;
}

uint32_t lapic_read(uint32_t offset)
{
	return *(volatile uint32_t *)(uintptr_t)(apic_base + offset);
}

void lapic_write(uint32_t offset, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)(apic_base + offset) = value;
}

uint64_t lapic_page_load(uint32_t offset, unsigned size)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(apic_base + offset);
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t lapic_page_swap(uint32_t offset, unsigned size, uint64_t value)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(apic_base + offset);
	uint64_t old = lapic_page_load(offset, size);

	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(value >> (8 * i));
	return old;
}

static void icr_wait_idle(void)
{
	for (unsigned i = 0; i < ICR_IDLE_SPINS && (lapic_read(APIC_REG_ICR_LOW) & ICR_DELIVERY_PENDING); i++)
		cpu_relax();
}

void lapic_send_nmi(uint32_t apic_id)
{
	const uint32_t icr = ICR_DM_NMI | ICR_LEVEL_ASSERT | ICR_SH_NONE;
	uint32_t guest_high;

	if (lapic_x2apic_mode()) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | icr);
		return;
	}
	if (!lapic_xapic_active())
		return;   /* globally disabled: this CPU sends no IPIs */
	icr_wait_idle();
	guest_high = lapic_read(APIC_REG_ICR_HIGH);
	lapic_write(APIC_REG_ICR_HIGH, apic_id << APIC_XAPIC_DEST_SHIFT);
	lapic_write(APIC_REG_ICR_LOW, icr);
	/* The IPI takes its destination when ICR low is written; the high
	 * half is the guest's again once the NMI has left (11.6.1). */
	icr_wait_idle();
	lapic_write(APIC_REG_ICR_HIGH, guest_high);
}

/* A register by its xAPIC offset, in whichever mode the APIC is. */
static uint32_t reg_read(bool x2apic, uint32_t offset)
{
	return x2apic ? (uint32_t)rdmsr(X2APIC_MSR_BASE + offset / APIC_REG_STRIDE)
		      : lapic_read(offset);
}

static void reg_write(bool x2apic, uint32_t offset, uint32_t value)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + offset / APIC_REG_STRIDE, value);
	else
		lapic_write(offset, value);
}

/* The in-service register has one bit per vector; one EOI ends the
 * highest-priority one (11.8.5 "Signaling Interrupt Servicing
 * Completion"), so at most one EOI per vector. */
static void eoi_all_in_service(bool x2apic)
{
	for (unsigned n = 0; n < APIC_VECTORS; n++) {
		bool any = false;

		for (uint32_t r = 0; r < APIC_ISR_REGS && !any; r++)
			any = reg_read(x2apic, APIC_REG_ISR0 + r * APIC_REG_STRIDE) != 0;
		if (!any)
			return;
		reg_write(x2apic, APIC_REG_EOI, 0);
	}
}

void lapic_init_reset(void)
{
	static const uint32_t lvt_always[] = {
		APIC_REG_LVT_TIMER, APIC_REG_LVT_LINT0, APIC_REG_LVT_LINT1, APIC_REG_LVT_ERROR,
	};
	bool x2apic = lapic_x2apic_mode();
	unsigned max_lvt;

	if (!x2apic && !lapic_xapic_active())
		return;
	/* Only the LVT entries there are: the x2APIC MSR of an absent one
	 * would #GP here. */
	max_lvt = (reg_read(x2apic, APIC_REG_VERSION) >> APIC_VERSION_MAX_LVT_SHIFT) & MAX_LVT_MASK;
	reg_write(x2apic, APIC_REG_TIMER_INITIAL, 0);  /* stops the timer */
	reg_write(x2apic, APIC_REG_TIMER_DIVIDE, 0);
	for (unsigned i = 0; i < sizeof(lvt_always) / sizeof(lvt_always[0]); i++)
		reg_write(x2apic, lvt_always[i], APIC_LVT_MASKED);
	if (max_lvt >= MAX_LVT_PERF)
		reg_write(x2apic, APIC_REG_LVT_PERF, APIC_LVT_MASKED);
	if (max_lvt >= MAX_LVT_THERMAL)
		reg_write(x2apic, APIC_REG_LVT_THERMAL, APIC_LVT_MASKED);
	if (max_lvt >= MAX_LVT_CMCI)
		reg_write(x2apic, APIC_REG_LVT_CMCI, APIC_LVT_MASKED);
	eoi_all_in_service(x2apic);
	reg_write(x2apic, APIC_REG_TPR, 0);
	reg_write(x2apic, APIC_REG_ESR, 0);   /* a write clears it (11.5.3) */
	if (!x2apic) {                        /* read-only or absent in x2APIC mode */
		lapic_write(APIC_REG_LDR, 0);
		lapic_write(APIC_REG_DFR, APIC_DFR_FLAT);
	}
	reg_write(x2apic, APIC_REG_SVR, APIC_SVR_RESET);
}
