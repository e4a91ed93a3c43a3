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

void lapic_base_init(void)
{
}

bool lapic_xapic_active(void)
{
	return (fake.apic_base_msr & (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) == APIC_BASE_ENABLE;
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

/* The page as memory (APIC off or x2APIC): bytes of its own. */
static uint8_t fake_page[APIC_PAGE_SIZE];

uint64_t lapic_page_swap(uint32_t offset, unsigned size, uint64_t value)
{
	uint64_t old = 0;

	if (offset + size > APIC_PAGE_SIZE || (size != 1 && size != 2 && size != 4 && size != 8))
		fuzz_bug("xAPIC page store of %u bytes at offset %x", size, offset);
	for (unsigned i = 0; i < size; i++) {
		old |= (uint64_t)fake_page[offset + i] << (8 * i);
		fake_page[offset + i] = (uint8_t)(value >> (8 * i));
	}
	return old;
}

uint64_t lapic_page_load(uint32_t offset, unsigned size)
{
	uint64_t v = 0;

	if (offset + size > APIC_PAGE_SIZE || (size != 1 && size != 2 && size != 4 && size != 8))
		fuzz_bug("xAPIC page load of %u bytes at offset %x", size, offset);
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)fake_page[offset + i] << (8 * i);
	return v;
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

/* The fake APIC has no in-service, timer or LVT state to reset. */
void lapic_init_reset(void)
{
}
