/* The loader's side of boot/acpi.h: the firmware's ACPI tables through the
 * EFI configuration table (UEFI 2.10, 4.6 "EFI Configuration Table &
 * Properties Table"), read 1:1 (boot services run identity-mapped). */
#include "boot/loader.h"
#include "boot/acpi.h"

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

static const void *identity_map(void *ctx, uint64_t phys, uint64_t len)
{
	(void)ctx;
	(void)len;
	return (const void *)(uintptr_t)phys;
}

static uint64_t find_rsdp(void)
{
	uint64_t v1 = 0;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20_guid))
			return (uint64_t)(uintptr_t)t->VendorTable;
		if (!CompareGuid(&t->VendorGuid, &acpi10_guid))
			v1 = (uint64_t)(uintptr_t)t->VendorTable;
	}
	return v1;
}

void acpi_fill_boot_info(struct boot_info *bi)
{
	struct acpi_mem mem = { identity_map, NULL };
	struct acpi_sleep s;
	uint64_t rsdp = find_rsdp();
	enum acpi_result r;

	if (!rsdp) {
		log_info(LOADER_STAGE, "ACPI: no RSDP in the EFI configuration table: "
			 "sleep requests are not watched");
		return;
	}
	r = acpi_sleep_find(&mem, rsdp, &s);
	if (s.sx_method & (1u << 3))
		log_warn(LOADER_STAGE, "ACPI: \\_S3 is a control method, whose SLP_TYP the loader "
			 "cannot evaluate: S3 requests cannot be refused");
	if (r != ACPI_FOUND) {
		log_info(LOADER_STAGE, "ACPI: %s: sleep requests are not watched",
			 acpi_result_text(r));
		return;
	}
	bi->pm1a_cnt = s.pm1a_cnt;
	bi->pm1b_cnt = s.pm1b_cnt;
	bi->pm1a_sts = s.pm1a_sts;
	memcpy(bi->slp_typ_a, s.slp_typ_a, sizeof(s.slp_typ_a));
	memcpy(bi->slp_typ_b, s.slp_typ_b, sizeof(s.slp_typ_b));
	log_info(LOADER_STAGE, "ACPI: PM1a control port %x, PM1b control %x, PM1a status %x; "
		 "SLP_TYP sets of \\_S0-\\_S5: %x %x %x %x %x %x", s.pm1a_cnt, s.pm1b_cnt,
		 s.pm1a_sts, s.slp_typ_a[0], s.slp_typ_a[1], s.slp_typ_a[2], s.slp_typ_a[3],
		 s.slp_typ_a[4], s.slp_typ_a[5]);
}
