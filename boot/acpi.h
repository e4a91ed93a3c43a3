/* What the VMM needs from the firmware's ACPI tables to refuse a sleep
 * state it would not survive (vmm/exit/exit_io.c): the I/O ports of the PM1
 * control and status registers, from the FADT, and the SLP_TYP values of
 * \_S0-\_S5, from the AML of the DSDT and SSDTs. References are to the
 * ACPI Specification 6.4:
 *   5.2.5.3 "Root System Description Pointer (RSDP) Structure"
 *   5.2.7 "Root System Description Table (RSDT)", 5.2.8 "Extended System
 *     Description Table (XSDT)", 5.2.6 "System Description Table Header"
 *   5.2.9 "Fixed ACPI Description Table (FADT)", Table 5.9 "FADT Format",
 *     Table 5.10 "Fixed ACPI Description Table Fixed Feature Flags"
 *   5.2.3.2 "Generic Address Structure (GAS)"
 *   7.4.2 "\_Sx (System States)"
 *   20.2 "AML Grammar Definition"
 * Pure logic: physical memory is read through struct acpi_mem, so the
 * host unit tests run it on real table bytes (host-tested).
 * The loader's side is boot/acpi_efi.c. */
#ifndef PILLBOX_BOOT_ACPI_H
#define PILLBOX_BOOT_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_SLEEP_STATES 6u /* S0-S5 */

/* Reads physical memory: a pointer to len readable bytes at phys, or
 * NULL. The loader maps 1:1 (UEFI runs identity-mapped). */
struct acpi_mem {
	const void *(*map)(void *ctx, uint64_t phys, uint64_t len);
	void *ctx;
};

/* The result; ports are 0 where there is none (or it is not in I/O space). */
struct acpi_sleep {
	uint16_t pm1a_cnt, pm1b_cnt;  /* PM1x_CNT: SLP_TYP, SLP_EN */
	uint16_t pm1a_sts;            /* PM1a_STS: WAK_STS (first half of PM1a_EVT_BLK) */
	/* By state S0-S5: bit t set when a \_Sx package gives SLP_TYP t
	 * (for PM1a, for PM1b); 0 when no package was found. */
	uint8_t slp_typ_a[ACPI_SLEEP_STATES], slp_typ_b[ACPI_SLEEP_STATES];
	/* Bit x: \_Sx is a control method, whose value this parser cannot
	 * know without an AML interpreter. */
	uint8_t sx_method;
};

enum acpi_result {
	ACPI_FOUND,         /* ports and at least one \_Sx package */
	ACPI_ERR_RSDP,      /* no valid RSDP at the address */
	ACPI_ERR_ROOT,      /* the XSDT/RSDT cannot be read */
	ACPI_ERR_NO_FADT,   /* no FACP table in it */
	ACPI_ERR_FADT,      /* FACP shorter than the PM1 fields */
	ACPI_HW_REDUCED,    /* HW_REDUCED_ACPI: no PM1 registers */
	ACPI_PM1_NOT_IO,    /* PM1a control or status missing or not in I/O space */
	ACPI_ERR_DSDT,      /* the DSDT cannot be read */
	ACPI_NO_SX,         /* the AML has no \_Sx package */
};

/* Follows RSDP -> XSDT (or RSDT) -> FACP -> DSDT and every SSDT. */
enum acpi_result acpi_sleep_find(const struct acpi_mem *mem, uint64_t rsdp,
				 struct acpi_sleep *out);
const char *acpi_result_text(enum acpi_result r);

/* The steps, for the unit tests. fadt/aml point at whole tables (header
 * included) of len bytes. */
enum acpi_result acpi_fadt_pm1(const uint8_t *fadt, uint32_t len, struct acpi_sleep *out);
void acpi_aml_sleep_types(const uint8_t *table, uint32_t len, struct acpi_sleep *out);

/* The loader's part (boot/acpi_efi.c): finds the RSDP in the EFI
 * configuration table (ACPI 2.0 GUID first, then 1.0), logs what it
 * found and fills bi's PM1 ports and SLP_TYP sets. bi comes zeroed
 * (region_setup), so they stay 0 when there is nothing the VMM can watch. */
struct boot_info;
void acpi_fill_boot_info(struct boot_info *bi);

#endif
