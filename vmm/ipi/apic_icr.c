#include "vmm/ipi/apic_icr.h"

static enum ipi_kind ipi_kind_of(uint32_t icr_low)
{
	switch (icr_low & ICR_DM_MASK) {
	case ICR_DM_INIT:
		/* Level-triggered with the level bit clear: the "INIT level
		 * de-assert" of the 82489DX protocol (SDM 11.6.1). */
		if ((icr_low & ICR_TRIGGER_LEVEL) && !(icr_low & ICR_LEVEL_ASSERT))
			return IPI_INIT_DEASSERT;
		return IPI_INIT;
	case ICR_DM_STARTUP:
		return IPI_STARTUP;
	default:
		return IPI_OTHER;
	}
}

void icr_decode(uint32_t icr_low, uint32_t dest, struct ipi *out)
{
	out->kind = ipi_kind_of(icr_low);
	out->vector = (uint8_t)(icr_low & ICR_VECTOR_MASK);
	out->dest_id = dest;
	switch (icr_low & ICR_SHORTHAND_MASK) {
	case ICR_SH_SELF:
		out->dest = IPI_DEST_SELF;
		break;
	case ICR_SH_ALL_INCL:
		out->dest = IPI_DEST_ALL_INCL;
		break;
	case ICR_SH_ALL_EXCL:
		out->dest = IPI_DEST_ALL_EXCL;
		break;
	default:
		out->dest = (icr_low & ICR_DEST_LOGICAL) ? IPI_DEST_LOGICAL : IPI_DEST_ONE;
		break;
	}
}
