/* Can this CPU run Pillbox? Each failed check logs one line that says why
 * (console and serial), so a user knows what to change. */
#include "boot/loader.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/regs.h"
#include "arch/x86_64/vmx_cap_read.h"
#include "vmm/setup/vmx_caps.h"


static int check_vendor(void)
{
	struct cpuid_regs r;
	char vendor[13];

	cpuid_count(CPUID_VENDOR, 0, &r);
	if (r.ebx == VENDOR_INTEL_EBX && r.edx == VENDOR_INTEL_EDX && r.ecx == VENDOR_INTEL_ECX)
		return 1;
	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = '\0';
	log_err(LOADER_STAGE, "refused: not an Intel CPU (vendor '%s'); Pillbox needs Intel VT-x",
		vendor);
	return 0;
}

static int check_not_running(void)
{
	if (running_under_pillbox()) {
		log_err(LOADER_STAGE, "refused: Pillbox is already running on this CPU");
		return 0;
	}
	return 1;
}

static int check_vmx_feature(void)
{
	struct cpuid_regs r;

	cpuid_count(CPUID_FEATURES, 0, &r);
	if (!(r.ecx & CPUID_1_ECX_VMX)) {
		log_err(LOADER_STAGE, "refused: the CPU reports no VMX (CPUID.1:ECX.VMX = 0): "
			"no VT-x, or a hypervisor below us hides it");
		return 0;
	}
	if (read_cr4() & CR4_VMXE) {
		log_err(LOADER_STAGE, "refused: CR4.VMXE is already set: another VMM owns VMX");
		return 0;
	}
	return 1;
}

/* IA32_FEATURE_CONTROL (SDM Vol. 3C, 24.7 "Enabling and Entering VMX
 * Operation"): VMXON needs the lock bit and "VMX outside SMX". */
static int check_feature_control(void)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCK) {
		if (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)
			return 1;
		log_err(LOADER_STAGE, "refused: VT-x is disabled in the firmware setup "
			"(IA32_FEATURE_CONTROL locked without VMX); enable 'Intel Virtualization "
			"Technology' there");
		return 0;
	}
	wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	log_info(LOADER_STAGE, "IA32_FEATURE_CONTROL was unlocked: VMX enabled and locked");
	return 1;
}

static int check_capabilities(struct cpu_facts *facts)
{
	char missing[VMX_CAPS_TEXT_MAX];
	struct vmx_cap_msrs m;
	struct cpuid_regs r;

	vmx_cap_msrs_read(&m);
	if (vmx_caps_describe_missing(&m, missing, sizeof(missing))) {
		/* every missing capability on one line */
		log_err(LOADER_STAGE, "refused: missing VMX %s", missing);
		return 0;
	}
	facts->ept_1g_pages = (m.ept_vpid & EPT_CAP_1G) != 0;
	cpuid_count(CPUID_EXT_FEATURES, 0, &r);
	facts->host_1g_pages = (r.edx & CPUID_EXT_EDX_1G_PAGES) != 0;
	cpuid_count(CPUID_ADDR_SIZES, 0, &r);
	facts->maxphyaddr = r.eax & CPUID_MAXPHYADDR_MASK;
	return 1;
}

/* Checks in order, so the reason given is the first that applies. The
 * capability MSRs are readable whenever CPUID.1:ECX.VMX = 1, whatever
 * IA32_FEATURE_CONTROL holds (SDM Vol. 3D, Appendix A "VMX Capability
 * Reporting Facility"): they are checked before that MSR is written, so a
 * CPU that lacks a capability is refused with nothing changed. */
int cpu_checks(struct cpu_facts *facts)
{
	if (!check_vendor() || !check_not_running() || !check_vmx_feature() ||
	    !check_capabilities(facts) || !check_feature_control())
		return 0;
	log_info(LOADER_STAGE, "CPU checks passed: Intel VT-x with EPT and unrestricted guest, "
		 "MAXPHYADDR %u, 1 GiB EPT pages %s", facts->maxphyaddr,
		 facts->ept_1g_pages ? "yes" : "no");
	return 1;
}
