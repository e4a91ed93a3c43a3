#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "vmm/apic_icr.h"

#define ICR_IDLE_SPINS 100000u

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

void lapic_send_nmi(uint32_t apic_id)
{
	const uint32_t icr = ICR_DM_NMI | ICR_LEVEL_ASSERT | ICR_SH_NONE;

	if (lapic_x2apic_mode()) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | icr);
		return;
	}
	if (!lapic_xapic_active())
		return;   /* globally disabled: this CPU sends no IPIs */
	for (unsigned i = 0; i < ICR_IDLE_SPINS && (lapic_read(APIC_REG_ICR_LOW) & ICR_DELIVERY_PENDING); i++)
		cpu_relax();
	lapic_write(APIC_REG_ICR_HIGH, apic_id << APIC_XAPIC_DEST_SHIFT);
	lapic_write(APIC_REG_ICR_LOW, icr);
}
