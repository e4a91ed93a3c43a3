/* Starts the VMM on every enabled CPU through EFI MP services: the boot
 * CPU first, then each application processor in turn (blocking calls, so
 * the log reads in order). One failure rolls every started CPU back. */
#include "boot/loader.h"
#include "boot/mp_services.h"
#include "arch/x86_64/cpu.h"
#include "vmm/exit/hypercall.h"

#define AP_LAUNCH_TIMEOUT_US (10u * 1000u * 1000u)

static EFI_GUID mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;

/* arch/x86_64/core_call.S loads the call number as a literal. */
_Static_assert(HC_DEVIRTUALIZE == 3, "devirtualize_self in core_call.S");

struct ap_job {
	core_launch_fn launch;
	uint64_t host_cr3;
	struct guest_entry ge;
	volatile int rc;
};

/* Runs on the AP: no UEFI service and no log call here (neither is
 * MP-safe); the core logs for itself, to the serial port only. */
static VOID EFIAPI ap_launch(VOID *arg)
{
	struct ap_job *job = arg;

	job->rc = launch_here(job->launch, &job->ge, job->host_cr3);
}

static EFI_MP_SERVICES_PROTOCOL *mp_protocol(void)
{
	EFI_MP_SERVICES_PROTOCOL *mp = NULL;

	return EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) ? NULL : mp;
}

unsigned mp_cpu_count(void)
{
	EFI_MP_SERVICES_PROTOCOL *mp = mp_protocol();
	UINTN total = 0, enabled = 0;

	if (!mp || EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled)) || enabled == 0) {
		log_warn(LOADER_STAGE, "no EFI MP services: only the boot CPU is known");
		return 1;
	}
	log_info(LOADER_STAGE, "%lu CPU(s), %lu enabled", (unsigned long)total,
		 (unsigned long)enabled);
	return (unsigned)enabled;
}

int running_under_pillbox(void)
{
	struct cpuid_regs r;

	cpuid_count(HV_CPUID_BASE, 0, &r);
	return r.ebx == HV_SIG_EBX && r.ecx == HV_SIG_ECX && r.edx == HV_SIG_EDX;
}

/* Rolls back the CPUs that were started, by the devirtualize hypercall on
 * each (boot CPU last, as it coordinates). */
static void roll_back(EFI_MP_SERVICES_PROTOCOL *mp, const UINTN *started, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		EFI_STATUS st = mp->StartupThisAP(mp, ap_devirtualize, started[i], NULL,
						  AP_LAUNCH_TIMEOUT_US, NULL, NULL);

		if (EFI_ERROR(st))
			log_err(LOADER_STAGE, "rollback: CPU %lu did not answer (EFI status %llx): "
				"it may still run under the VMM", (unsigned long)started[i],
				(unsigned long long)st);
	}
	if (devirtualize_self() != 0 || running_under_pillbox())
		log_err(LOADER_STAGE, "rollback: the boot CPU is still under the VMM");
	else
		log_info(LOADER_STAGE, "rollback complete: CPUID on the boot CPU shows no hypervisor");
}

int mp_launch_all(core_launch_fn launch, uint64_t host_cr3, unsigned cpu_count)
{
	static struct guest_entry bsp_ge;
	static UINTN started[BOOT_INFO_MAX_CPUS];
	EFI_MP_SERVICES_PROTOCOL *mp = mp_protocol();
	UINTN total = 0, enabled = 0, self = 0;
	unsigned n_started = 0;
	int rc;

	rc = launch_here(launch, &bsp_ge, host_cr3);
	if (rc != CORE_OK)
		return rc;
	if (cpu_count < 2 || !mp)
		return CORE_OK;
	if (EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled)) ||
	    EFI_ERROR(mp->WhoAmI(mp, &self)))
		total = 0;
	static struct ap_job job; /* read by the AP: not on this stack */

	for (UINTN i = 0; i < total; i++) {
		EFI_PROCESSOR_INFORMATION info;
		EFI_STATUS st;

		if (i == self || EFI_ERROR(mp->GetProcessorInfo(mp, i, &info)) ||
		    !(info.StatusFlag & PROCESSOR_ENABLED_BIT))
			continue;
		job.launch = launch;
		job.host_cr3 = host_cr3;
		job.rc = CORE_ERR_STATE;
		st = mp->StartupThisAP(mp, ap_launch, i, NULL, AP_LAUNCH_TIMEOUT_US, &job, NULL);
		if (EFI_ERROR(st) || job.rc != CORE_OK) {
			log_err(LOADER_STAGE, "CPU %lu (APIC id %llu) failed to start the VMM: "
				"EFI status %llx, core status %d; rolling back all CPUs",
				(unsigned long)i, (unsigned long long)info.ProcessorId,
				(unsigned long long)st, job.rc);
			roll_back(mp, started, n_started);
			return EFI_ERROR(st) ? CORE_ERR_STATE : job.rc;
		}
		started[n_started++] = i;
		log_info(LOADER_STAGE, "CPU %lu (APIC id %llu) runs under the VMM", (unsigned long)i,
			 (unsigned long long)info.ProcessorId);
	}
	return CORE_OK;
}
