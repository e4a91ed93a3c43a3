/* BOOTX64.EFI: check the CPU, read the config, reserve and fill the VMM
 * region, start the core on the boot CPU (after which this code runs as
 * the guest), then start the next image. On any refusal the loader logs
 * one line with the reason and returns an error so the firmware moves on
 * to its next boot option. A CPU the checks refuse is left as it was; a
 * later refusal leaves only IA32_FEATURE_CONTROL's lock (SDM 24.7) and
 * frees the VMM region. */
#include "boot/loader.h"
#include "boot/acpi.h"
#include "arch/x86_64/paging.h"
#include "vmm/exit/hypercall.h"

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

static const char *core_status_text(int rc)
{
	switch (rc) {
	case CORE_OK: return "ok";
	case CORE_ERR_BOOT_INFO: return "boot_info rejected";
	case CORE_ERR_NOMEM: return "VMM region too small";
	case CORE_ERR_VMX_CAPS: return "missing VMX capability";
	case CORE_ERR_VMXON: return "VMXON failed";
	case CORE_ERR_VMCS: return "VMCS set-up failed";
	case CORE_ERR_LAUNCH: return "VMLAUNCH failed";
	case CORE_ERR_STATE: return "core entered out of order";
	case CORE_ERR_INJECTED: return "refused by test_fail_cpu (fault injection)";
	case CORE_ERR_APIC: return "local APIC base differs from the boot CPU's";
	default: return "unknown error";
	}
}

static EFI_STATUS start_vmm(const struct cpu_facts *facts, const struct boot_config *cfg)
{
	struct vmm_region region;
	unsigned cpus = mp_cpu_count();
	uint64_t host_cr3;
	EFI_STATUS st;
	int rc;

	st = region_setup(facts, cfg, cpus, &region);
	if (EFI_ERROR(st)) {
		if (region.size)
			BS->FreePages(region.base, region.size / PAGE_SIZE);
		return st;
	}
	acpi_fill_boot_info(region.bi); /* sleep requests the VMM refuses */
	host_cr3 = region.bi->host_cr3;
	rc = core_call((core_init_fn)((uintptr_t)region.base + region.core->init_off), region.bi,
		       host_cr3);
	if (rc == CORE_OK)
		rc = mp_launch_all((core_launch_fn)((uintptr_t)region.base + region.core->launch_off),
				   host_cr3, cpus);
	if (rc != CORE_OK) {
		log_err(LOADER_STAGE, "refused: the VMM core failed to start: %s (%d)",
			core_status_text(rc), rc);
		BS->FreePages(region.base, region.size / PAGE_SIZE);
		return EFI_UNSUPPORTED;
	}
	/* From here on every CPU is in VMX non-root operation; the region is
	 * not mapped for us any more. */
	if (!running_under_pillbox()) {
		log_err(LOADER_STAGE, "launch reported success but CPUID shows no hypervisor");
		return EFI_DEVICE_ERROR;
	}
	hc_call(HC_SEAL, 0, 0, 0); /* no CPU may leave the VMM from now on */
	log_info(LOADER_STAGE, "guest resumed in VMX non-root operation: CPUID reports '%s'",
		 HV_SIGNATURE);
	return EFI_SUCCESS;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct boot_config cfg;
	struct cpu_facts facts = { 0 };
	EFI_STATUS st;

	InitializeLib(image, systab);
	log_init(CONFIG_DEFAULT_LOG_LEVEL);
	console_log_sink_install();
	log_info(LOADER_STAGE, "Pillbox %u.%u loader", HV_VERSION_MAJOR, HV_VERSION_MINOR);
	config_load(image, &cfg);
	log_set_level(cfg.log_level);

	st = cpu_checks(&facts) ? start_vmm(&facts, &cfg) : EFI_UNSUPPORTED;
	if (EFI_ERROR(st)) {
		log_err(LOADER_STAGE, "not starting the hypervisor; the firmware continues without it");
		return st;
	}
	return chainload(image, &cfg);
}
