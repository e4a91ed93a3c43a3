#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "vmm/apic_icr.h"

#define ICR_IDLE_SPINS 100000u

uint64_t lapic_mmio_base(void)
{
	return rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK;
}

bool lapic_x2apic_mode(void)
{
	return (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC) != 0;
}

uint32_t lapic_read(uint32_t offset)
{
	return *(volatile uint32_t *)(uintptr_t)(lapic_mmio_base() + offset);
}

void lapic_write(uint32_t offset, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)(lapic_mmio_base() + offset) = value;
}

void lapic_send_nmi(uint32_t apic_id)
{
	const uint32_t icr = ICR_DM_NMI | ICR_LEVEL_ASSERT | ICR_SH_NONE;

	if (lapic_x2apic_mode()) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | icr);
		return;
	}
	for (unsigned i = 0; i < ICR_IDLE_SPINS && (lapic_read(APIC_REG_ICR_LOW) & ICR_DELIVERY_PENDING); i++)
		cpu_relax();
	lapic_write(APIC_REG_ICR_HIGH, apic_id << APIC_XAPIC_DEST_SHIFT);
	lapic_write(APIC_REG_ICR_LOW, icr);
}
