/* The loader's parts (boot/). Only this directory sees UEFI types. */
#ifndef PILLBOX_BOOT_LOADER_H
#define PILLBOX_BOOT_LOADER_H

#include <efi.h>
#include <efilib.h>
#include <stdint.h>
#include "boot/config.h"
#include "vmm/boot_info.h"
#include "vmm/setup/core_image.h"
#include "lib/lib.h"
#include "vmm/log/log.h"

#define LOADER_STAGE "boot"

#include "boot/console.h"

/* cpu_checks.c: every check the VMM relies on; logs one line per reason
 * and returns false if VT-x cannot be used here. Sets IA32_FEATURE_CONTROL
 * (and locks it) when the firmware left it unlocked. */
struct cpu_facts {
	unsigned maxphyaddr;
	int host_1g_pages;     /* 1 GiB pages in the VMM's own paging */
	int ept_1g_pages;
};
int cpu_checks(struct cpu_facts *facts);

/* config_file.c: reads \EFI\BOOT\pillbox.cfg from the loader's volume. */
void config_load(EFI_HANDLE image, struct boot_config *cfg);

/* region.c: reserves the VMM region, loads the core, fills boot_info. On
 * failure r->size is 0 unless pages were reserved, which the caller frees. */
struct vmm_region {
	uint64_t base, size;
	const struct core_header *core;
	struct boot_info *bi;
};
EFI_STATUS region_setup(const struct cpu_facts *facts, const struct boot_config *cfg,
			unsigned cpus, struct vmm_region *r);

/* chainload.c: starts the configured image with its command line. */
EFI_STATUS chainload(EFI_HANDLE image, const struct boot_config *cfg);

/* mp_launch.c: every enabled CPU, boot CPU first; all or none. */
unsigned mp_cpu_count(void);
/* CPUID leaf 0x40000000 carries our signature on the calling CPU. */
int running_under_pillbox(void);
int mp_launch_all(core_launch_fn launch, uint64_t host_cr3, unsigned cpu_count);

/* arch/x86_64/core_call.S */
int devirtualize_self(void);
void EFIAPI ap_devirtualize(void *unused);
int core_call(core_init_fn fn, struct boot_info *bi, uint64_t host_cr3);
int launch_here(core_launch_fn fn, struct guest_entry *ge, uint64_t host_cr3);

#endif
