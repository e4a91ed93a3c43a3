/* The PM1 sleep-request policy (vmm/policy/pm1_policy.h). Pure logic,
 * host-tested. */
#include "vmm/policy/pm1_policy.h"

#define BYTE_BITS 8u
#define HIGH_BYTE 1u /* SLP_TYP, SLP_EN and WAK_STS are in byte 1 */
#define S1 1u
#define S2 2u
#define S3 3u
#define S4 4u
#define S5 5u

uint8_t pm1_refused_types(const uint8_t slp_typ[BOOT_INFO_SLEEP_STATES])
{
	uint8_t keep = slp_typ[0] | slp_typ[S1] | slp_typ[S4] | slp_typ[S5];

	return (uint8_t)((slp_typ[S2] | slp_typ[S3]) & ~keep);
}

bool pm1_guard_active(const struct boot_info *bi)
{
	return bi->pm1a_cnt && bi->pm1a_sts &&
	       (pm1_refused_types(bi->slp_typ_a) || (bi->pm1b_cnt && pm1_refused_types(bi->slp_typ_b)));
}

static void set_port(uint8_t *bitmap, uint16_t port)
{
	bitmap[port / BYTE_BITS] |= (uint8_t)(1u << (port % BYTE_BITS));
}

static void set_register(uint8_t *bitmap, uint16_t port)
{
	for (unsigned i = 0; i < PM1_REG_BYTES; i++)
		set_port(bitmap, (uint16_t)(port + i));
}

bool pm1_io_bitmap(const struct boot_info *bi, uint8_t *bitmap)
{
	if (!pm1_guard_active(bi))
		return false;
	set_register(bitmap, bi->pm1a_cnt);
	set_register(bitmap, bi->pm1a_sts);
	if (bi->pm1b_cnt)
		set_register(bitmap, bi->pm1b_cnt);
	return true;
}

/* The byte of an access of size bytes at port that lands on the register
 * byte reg + HIGH_BYTE, or -1. An access wraps at FFFFh as the CPU's does
 * (SDM Vol. 3C, 26.1.3: such an access always exits). */
static int high_byte_of(uint16_t port, unsigned size, uint16_t reg)
{
	for (unsigned i = 0; i < size; i++)
		if ((uint16_t)(port + i) == (uint16_t)(reg + HIGH_BYTE))
			return (int)i;
	return -1;
}

static unsigned refused_on(uint16_t reg, const uint8_t *slp_typ, uint16_t port, unsigned size,
			   uint32_t value)
{
	int k = reg ? high_byte_of(port, size, reg) : -1;
	uint32_t cnt, typ;

	if (k < 0)
		return 0;
	cnt = ((value >> (BYTE_BITS * (unsigned)k)) & 0xFFu) << BYTE_BITS;
	typ = (cnt & PM1_CNT_SLP_TYP_MASK) >> PM1_CNT_SLP_TYP_SHIFT;
	if (!(cnt & PM1_CNT_SLP_EN) || !(pm1_refused_types(slp_typ) & (1u << typ)))
		return 0;
	return (slp_typ[S3] & (1u << typ)) ? S3 : S2;
}

unsigned pm1_out_refused(const struct boot_info *bi, uint16_t port, unsigned size, uint32_t value)
{
	unsigned state;

	if (!pm1_guard_active(bi))
		return 0;
	state = refused_on(bi->pm1a_cnt, bi->slp_typ_a, port, size, value);
	return state ? state : refused_on(bi->pm1b_cnt, bi->slp_typ_b, port, size, value);
}

bool pm1_out_clears_wake(const struct boot_info *bi, uint16_t port, unsigned size, uint32_t value)
{
	int k = bi->pm1a_sts ? high_byte_of(port, size, bi->pm1a_sts) : -1;

	return k >= 0 && ((value >> (BYTE_BITS * (unsigned)k)) & (PM1_STS_WAK >> BYTE_BITS));
}

uint32_t pm1_in_value(const struct boot_info *bi, uint16_t port, unsigned size, uint32_t value,
		      bool wake)
{
	int k = wake && bi->pm1a_sts ? high_byte_of(port, size, bi->pm1a_sts) : -1;

	if (k >= 0)
		value |= (PM1_STS_WAK >> BYTE_BITS) << (BYTE_BITS * (unsigned)k);
	return value;
}
