/* Which guest writes to the ACPI PM1 control registers the VMM refuses,
 * and the wake-up it shows instead (vmm/exit/exit_io.c does the I/O).
 *
 * A write of SLP_EN = 1 with SLP_TYP = the value of \_S2 or \_S3 puts the
 * platform to sleep with the processors' context lost; the OS resumes
 * later at its waking vector in the FACS, without the firmware's boot path
 * (ACPI 6.4, 16.1.2 "S2 Sleeping State", 16.1.3 "S3 Sleeping State"), and
 * so without Pillbox, which would be gone for good while the OS runs on
 * natively. Such a write is dropped. The OS then waits for WAK_STS (PM1
 * status, bit 15), which the hardware sets on waking: the VMM shows it set
 * on reads of PM1a_STS until the guest clears it (writes 1, 4.8.4.1.1), so
 * the OS goes on at once as if it had woken. S4 and S5 are power-off
 * transitions that restart through the firmware (16.1.4, 16.1.5): they go
 * through, and so does S1, which keeps the processors' context (16.1.1).
 * A SLP_TYP that is both a refused state's and an allowed one's goes
 * through: power-off must always work.
 *
 * Bits (Table 4.13 "PM1 Control Registers Fixed Hardware Feature Control
 * Bits", Table 4.11 "PM1 Status Registers Fixed Hardware Feature Status
 * Bits"): SLP_TYP 12:10 and SLP_EN 13 of PM1x_CNT, WAK_STS 15 of
 * PM1x_STS: all in the second byte of each register, which is the one
 * the VMM intercepts with the first (vmm/exit/exit_io.c). */
#ifndef PILLBOX_VMM_PM1_POLICY_H
#define PILLBOX_VMM_PM1_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/boot_info.h"

#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP_MASK  (7u << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN        (1u << 13)
#define PM1_STS_WAK           (1u << 15)
#define PM1_REG_BYTES         2u     /* the bytes of each register intercepted */
#define IO_BITMAP_BYTES       8192u  /* bitmaps A and B: ports 0-FFFFh */

/* The SLP_TYP values (bit mask) refused on one PM1 control register:
 * those of \_S2 and \_S3, less those of \_S0, \_S1, \_S4 and \_S5. */
uint8_t pm1_refused_types(const uint8_t slp_typ[BOOT_INFO_SLEEP_STATES]);

/* True when there is something to refuse and the ports to do it with
 * (PM1a control and status). */
bool pm1_guard_active(const struct boot_info *bi);

/* Sets the bits of the ports the VMM intercepts in an I/O bitmap pair
 * (A then B, IO_BITMAP_BYTES; SDM Vol. 3C, 25.6.4 "I/O-Bitmap
 * Addresses"); returns false, setting nothing, when the guard is not
 * active. */
bool pm1_io_bitmap(const struct boot_info *bi, uint8_t *bitmap);

/* A guest OUT of size bytes (1, 2, 4) of value to port: 0 to do it, or
 * the sleep state (2 or 3) whose request is refused. */
unsigned pm1_out_refused(const struct boot_info *bi, uint16_t port, unsigned size,
			 uint32_t value);

/* The same OUT writes 1 to PM1a_STS.WAK_STS (clearing it). */
bool pm1_out_clears_wake(const struct boot_info *bi, uint16_t port, unsigned size,
			 uint32_t value);

/* What a guest IN of size bytes from port returns: value as read, with
 * WAK_STS set where the access covers it and wake is pending. */
uint32_t pm1_in_value(const struct boot_info *bi, uint16_t port, unsigned size,
		      uint32_t value, bool wake);

#endif
