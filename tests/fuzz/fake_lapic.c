/* arch/x86_64/lapic.c for the fuzz build: the xAPIC registers are
 * fake_apic[]; the ICR's delivery-status bit is always idle. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "vmm/apic_icr.h"
#include "tests/fuzz/fake_state.h"

uint32_t fake_apic[FAKE_APIC_REGS];

uint64_t lapic_mmio_base(void)
{
	return fake.apic_base_msr & APIC_BASE_ADDR_MASK;
}

bool lapic_x2apic_mode(void)
{
	return (fake.apic_base_msr & APIC_BASE_X2APIC) != 0;
}

/* Registers are 16-byte aligned 32-bit words (SDM Vol. 3A, 11.4.1); an
 * unaligned access is the guest's own (the VMM repeats what it did), so
 * it lands on the word it starts in. */
static unsigned reg_index(uint32_t offset)
{
	if (offset >= APIC_PAGE_SIZE)
		fuzz_bug("local APIC access at offset %x: outside the page", offset);
	return offset / 4;
}

uint32_t lapic_read(uint32_t offset)
{
	return fake_apic[reg_index(offset)];
}

void lapic_write(uint32_t offset, uint32_t value)
{
	fake_apic[reg_index(offset)] = value;
	if (offset == APIC_REG_ICR_LOW) {
		fake.icr_writes++;
		if ((value & ICR_DM_MASK) == ICR_DM_NMI)
			fake.nmis_sent++;
	}
}

void lapic_send_nmi(uint32_t apic_id)
{
	const uint32_t icr = ICR_DM_NMI | ICR_LEVEL_ASSERT | ICR_SH_NONE;

	if (lapic_x2apic_mode()) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | icr);
		return;
	}
	lapic_write(APIC_REG_ICR_HIGH, apic_id << APIC_XAPIC_DEST_SHIFT);
	lapic_write(APIC_REG_ICR_LOW, icr);
}
