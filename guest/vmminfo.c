/* vmminfo: what the VMM reports about itself, from inside the guest
 * (firmware, CPL 0). Prints, through the log (COM1 and the console):
 * the footprint (HC_FOOTPRINT), the exit statistics of every CPU
 * (HC_EXIT_STATS: per basic exit reason its number, name, count and mean
 * VMM cycles) and the VMM's log ring (HC_LOG_READ), in the line format of
 * guest/vmminfo/report.h, each line prefixed "[INFO cpu0 vmminfo] ".
 * Ends with "vmminfo done".
 *
 * Load options (pillbox.cfg "args"): "probe=N" first runs CPUID leaf 1 N
 * times on the boot CPU and on every enabled application processor
 * (through EFI MP services), so that every CPU's statistics must show at
 * least N CPUID exits; the boot test (tests/boot/test-bochs-tools.sh)
 * checks that. Without Pillbox it says so and returns EFI_UNSUPPORTED. */
#include <stdbool.h>
#include <stdint.h>
#include <efi.h>
#include <efilib.h>
#include "boot/console.h"
#include "boot/mp_services.h"
#include "guest/vmminfo/report.h"
#include "guest/vmminfo/vmm_query.h"
#include "lib/lib.h"
#include "vmm/log/log.h"

#define STAGE "vmminfo"
#define PROBE_KEY "probe="
#define PROBE_MAX 1000000u
#define AP_TIMEOUT_US (30u * 1000u * 1000u)

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

static struct hc_exit_stats stats;
static char log_buf[HC_LOG_READ_MAX];

static void print_line(const char *line)
{
	log_info(STAGE, "%s", line);
}

/* N from "probe=N" in the load options (a UCS-2 string), or 0. */
static unsigned probe_count(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li = NULL;
	const CHAR16 *s;
	size_t n, klen = sizeof(PROBE_KEY) - 1;

	if (EFI_ERROR(BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li)) ||
	    !li->LoadOptions)
		return 0;
	s = li->LoadOptions;
	n = li->LoadOptionsSize / sizeof(CHAR16);
	for (size_t i = 0; i + klen < n; i++) {
		size_t k = 0;
		unsigned v = 0;

		while (k < klen && s[i + k] == (CHAR16)PROBE_KEY[k])
			k++;
		if (k < klen)
			continue;
		for (i += klen; i < n && s[i] >= '0' && s[i] <= '9' && v <= PROBE_MAX; i++)
			v = v * 10u + (unsigned)(s[i] - '0');
		return v > PROBE_MAX ? PROBE_MAX : v;
	}
	return 0;
}

struct probe {
	unsigned count;
	volatile unsigned ran; /* CPUs that finished */
};

/* Runs on every CPU; on the APs without any UEFI or log call (neither is
 * MP-safe). */
static VOID EFIAPI probe_cpuid(VOID *arg)
{
	struct probe *p = arg;
	uint32_t r[4];

	for (unsigned i = 0; i < p->count; i++)
		query_cpuid(1, r);
	__atomic_add_fetch(&p->ran, 1, __ATOMIC_RELEASE);
}

static void run_probe(unsigned count)
{
	static EFI_GUID mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;
	static struct probe p;
	EFI_MP_SERVICES_PROTOCOL *mp = NULL;
	UINTN total = 0, enabled = 1;
	EFI_STATUS st = EFI_SUCCESS;

	p.count = count;
	p.ran = 0;
	probe_cpuid(&p);
	if (!EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) && mp &&
	    !EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled)) && enabled > 1)
		st = mp->StartupAllAPs(mp, probe_cpuid, FALSE, NULL, AP_TIMEOUT_US, &p, NULL);
	if (EFI_ERROR(st))
		log_err(STAGE, "probe: StartupAllAPs failed (EFI status %llx)", (unsigned long long)st);
	log_info(STAGE, "probe cpuid=%u ran_on=%u enabled_cpus=%lu", count,
		 __atomic_load_n(&p.ran, __ATOMIC_ACQUIRE), (unsigned long)enabled);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	unsigned probe;
	bool ok;

	InitializeLib(image, systab);
	log_init(LOG_INFO);
	console_log_sink_install();
	if (!pillbox_present()) {
		log_err(STAGE, "not running under Pillbox (no 'PillboxVMM' at CPUID leaf 0x40000000)");
		log_info(STAGE, "vmminfo done");
		return EFI_UNSUPPORTED;
	}
	probe = probe_count(image);
	if (probe)
		run_probe(probe);
	ok = report_footprint(print_line) == HC_OK;
	ok &= report_stats(print_line, &stats) == HC_OK;
	ok &= report_log(print_line, log_buf, sizeof(log_buf)) == HC_OK;
	log_info(STAGE, "vmminfo done");
	return ok ? EFI_SUCCESS : EFI_DEVICE_ERROR;
}
