#include "vmm/setup/vmx_caps.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmcs_fields.h"
#include "lib/lib.h"
#include "lib/fmt.h"

/* Controls that must be available as 1. NMI exiting lets other CPUs kick
 * this one (vmm/ipi/vipi.h); with virtual NMIs the guest's NMI blocking is its
 * own (virtual-NMI blocking, which its IRET ends) and NMI-window exiting
 * tells the VMM when the guest can take a pending NMI (SDM Vol. 3C, 25.6.1
 * "Pin-Based VM-Execution Controls", 26.7.6 "NMI-Window Exiting";
 * vmm/event/vnmi.h). NMI-window exiting is only switched on while an NMI waits. */
#define PIN_REQUIRED    (PIN_NMI_EXITING | PIN_VIRTUAL_NMIS)
#define PROC_REQUIRED   (PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CTLS)
#define PROC2_REQUIRED  (PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST)
/* Save/load debug controls: every VM exit sets DR7 to 400H and clears
 * IA32_DEBUGCTL (SDM Vol. 3C, 28.5.1 "Loading Host Control Registers,
 * Debug Registers, MSRs"); the guest's values survive only when the exit
 * saves them and the entry loads them back (28.3.1, 27.3.2.1). */
#define EXIT_REQUIRED   (EXIT_HOST_ADDR_SPACE_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | \
			 EXIT_SAVE_DEBUG_CTLS)
#define ENTRY_REQUIRED  (ENTRY_IA32E_MODE_GUEST | ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG_CTLS)
/* Enabled when available: without them the guest's RDTSCP, INVPCID,
 * XSAVES and UMWAIT/TPAUSE would raise #UD under us. */
#define PROC2_OPTIONAL  (PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID | \
			 PROC2_ENABLE_XSAVES | PROC2_ENABLE_USER_WAIT_PAUSE)
#define EXIT_OPTIONAL   (EXIT_SAVE_PAT | EXIT_LOAD_PAT)
#define ENTRY_OPTIONAL  ENTRY_LOAD_PAT
/* Controls that must be 0 for a pass-through guest; a CPU that forces
 * any of them to 1 is refused. */
#define PROC_FORBIDDEN  (PROC_UNCOND_IO_EXITING | PROC_MOV_DR_EXITING | \
			 PROC_HLT_EXITING | PROC_RDTSC_EXITING)

static bool may_be_1(uint64_t cap, uint32_t bits)
{
	return ((uint32_t)(cap >> 32) & bits) == bits;
}

static void note(const char **names, unsigned max, unsigned *n, const char *what)
{
	if (names && *n < max)
		names[*n] = what;
	(*n)++;
}

unsigned vmx_caps_missing(const struct vmx_cap_msrs *m, const char **names,
			  unsigned max_names)
{
	unsigned n = 0;
	uint64_t size = (m->basic >> VMX_BASIC_REGION_SIZE_SHIFT) & VMX_BASIC_REGION_SIZE_MASK;
	uint64_t memtype = (m->basic >> VMX_BASIC_MEMTYPE_SHIFT) & VMX_BASIC_MEMTYPE_MASK;

	if (size == 0 || size > VMX_REGION_MAX)
		note(names, max_names, &n, "VMXON/VMCS region of at most 4 KiB");
	if (memtype != VMX_BASIC_MEMTYPE_WB)
		note(names, max_names, &n, "write-back VMCS memory type");
	/* Wait-for-SIPI parks an application processor after INIT
	 * (vmm/ipi/init_sipi.h); HLT is where it waits for an emulated SIPI
	 * (vmm/ipi/vipi.h). */
	if (!(m->misc & VMX_MISC_ACTIVITY_WAIT_SIPI))
		note(names, max_names, &n, "wait-for-SIPI activity state");
	if (!(m->misc & VMX_MISC_ACTIVITY_HLT))
		note(names, max_names, &n, "HLT activity state");
	if (!may_be_1(m->pin, PIN_NMI_EXITING))
		note(names, max_names, &n, "NMI exiting");
	if (!may_be_1(m->pin, PIN_VIRTUAL_NMIS))
		note(names, max_names, &n, "virtual NMIs");
	if (!may_be_1(m->proc, PROC_NMI_WINDOW))
		note(names, max_names, &n, "NMI-window exiting");
	if (!may_be_1(m->proc, PROC_USE_MSR_BITMAPS))
		note(names, max_names, &n, "MSR bitmaps");
	if (!may_be_1(m->proc, PROC_SECONDARY_CTLS))
		note(names, max_names, &n, "secondary processor-based controls");
	if ((uint32_t)m->proc & PROC_FORBIDDEN) /* allowed-0 settings: bits forced to 1 */
		note(names, max_names, &n, "I/O, MOV-DR, HLT and RDTSC exiting can be off");
	if (!may_be_1(m->proc2, PROC2_ENABLE_EPT))
		note(names, max_names, &n, "EPT");
	if (!may_be_1(m->proc2, PROC2_UNRESTRICTED_GUEST))
		note(names, max_names, &n, "unrestricted guest");
	/* EPT's own features only where there is EPT: without it the list
	 * says "EPT" once, not each feature it would have. */
	if (may_be_1(m->proc2, PROC2_ENABLE_EPT)) {
		if (!(m->ept_vpid & EPT_CAP_WALK_4))
			note(names, max_names, &n, "EPT 4-level page walk");
		if (!(m->ept_vpid & EPT_CAP_MEMTYPE_WB))
			note(names, max_names, &n, "EPT write-back paging structures");
		if (!(m->ept_vpid & EPT_CAP_2M))
			note(names, max_names, &n, "EPT 2 MiB pages");
		if (!(m->ept_vpid & EPT_CAP_INVEPT) ||
		    !(m->ept_vpid & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)))
			note(names, max_names, &n, "INVEPT");
	}
	if (!may_be_1(m->exit, EXIT_HOST_ADDR_SPACE_64))
		note(names, max_names, &n, "64-bit host (exit control)");
	if (!may_be_1(m->exit, EXIT_SAVE_EFER | EXIT_LOAD_EFER))
		note(names, max_names, &n, "save/load IA32_EFER on VM exit");
	if (!may_be_1(m->exit, EXIT_SAVE_DEBUG_CTLS))
		note(names, max_names, &n, "save debug controls on VM exit");
	if (!may_be_1(m->entry, ENTRY_LOAD_DEBUG_CTLS))
		note(names, max_names, &n, "load debug controls on VM entry");
	if (!may_be_1(m->entry, ENTRY_IA32E_MODE_GUEST))
		note(names, max_names, &n, "IA-32e mode guest (entry control)");
	if (!may_be_1(m->entry, ENTRY_LOAD_EFER))
		note(names, max_names, &n, "load IA32_EFER on VM entry");
	return n;
}

unsigned vmx_caps_join(const char *const *names, unsigned n, char *buf, size_t size,
		       size_t reserve)
{
	size_t len = 0;
	unsigned i;

	if (!size)
		return 0;
	for (i = 0; i < n; i++) {
		size_t sep = i ? 2 : 0, name = strlen(names[i]);
		size_t keep = i + 1 < n ? reserve : 0;

		if (len + sep + name + keep >= size)
			break;
		memcpy(buf + len, ", ", sep);
		memcpy(buf + len + sep, names[i], name);
		len += sep + name;
	}
	buf[len] = '\0';
	return i;
}

#define MISSING_TAIL_MAX 16u /* kept free for ", and NN more" */

unsigned vmx_caps_describe_missing(const struct vmx_cap_msrs *m, char *buf, size_t size)
{
	const char *names[VMX_CAPS_MAX_MISSING];
	unsigned n = vmx_caps_missing(m, names, VMX_CAPS_MAX_MISSING), shown;
	size_t len;

	buf[0] = '\0';
	if (!n)
		return 0;
	len = (size_t)fmt_snprintf(buf, size, "%s: ", n == 1 ? "capability" : "capabilities");
	shown = vmx_caps_join(names, n < VMX_CAPS_MAX_MISSING ? n : VMX_CAPS_MAX_MISSING,
			      buf + len, size - len, MISSING_TAIL_MAX);
	if (shown < n) {
		len = strlen(buf);
		fmt_snprintf(buf + len, size - len, ", and %u more", n - shown);
	}
	return n;
}

void vmx_controls_compute(const struct vmx_cap_msrs *m, struct vmx_controls *c)
{
	uint32_t proc2_avail = (uint32_t)(m->proc2 >> 32);
	uint32_t exit_avail = (uint32_t)(m->exit >> 32);
	uint32_t entry_avail = (uint32_t)(m->entry >> 32);

	c->pin = vmx_adjust_ctl(m->pin, PIN_REQUIRED);
	/* Only what we need, plus what the CPU forces to 1: with the TRUE
	 * capability MSRs that leaves CR3-load/store exiting off; without them
	 * they are forced on and the CR-access handler emulates MOV CR3. */
	c->proc = vmx_adjust_ctl(m->proc, PROC_REQUIRED);
	c->proc2 = vmx_adjust_ctl(m->proc2, PROC2_REQUIRED | (PROC2_OPTIONAL & proc2_avail));
	c->exit = vmx_adjust_ctl(m->exit, EXIT_REQUIRED | (EXIT_OPTIONAL & exit_avail));
	c->entry = vmx_adjust_ctl(m->entry, ENTRY_REQUIRED | (ENTRY_OPTIONAL & entry_avail));
	/* PAT is saved and loaded only as a pair. */
	if (!(c->exit & EXIT_LOAD_PAT) || !(c->exit & EXIT_SAVE_PAT) || !(c->entry & ENTRY_LOAD_PAT)) {
		c->exit &= ~(uint32_t)((EXIT_LOAD_PAT | EXIT_SAVE_PAT) & ~(uint32_t)m->exit);
		c->entry &= ~(uint32_t)(ENTRY_LOAD_PAT & ~(uint32_t)m->entry);
	}
	/* VPID only with single-context INVVPID to flush it (an emulated
	 * INIT, a launch on a CPU that ran a guest before). */
	c->vpid = (proc2_avail & PROC2_ENABLE_VPID) && (m->ept_vpid & EPT_CAP_INVVPID) &&
		  (m->ept_vpid & EPT_CAP_INVVPID_SINGLE);
	if (c->vpid)
		c->proc2 |= PROC2_ENABLE_VPID;
	c->ept_1g = (m->ept_vpid & EPT_CAP_1G) != 0;
	c->invept_single = (m->ept_vpid & EPT_CAP_INVEPT_SINGLE) != 0;
}
