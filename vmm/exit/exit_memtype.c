/* The memory-type MSRs a guest writes (vmm/exit/exit_memtype.h).
 *
 * MTRRs: with EPT they do not type the guest's accesses, EPT does (SDM
 * Vol. 3C, 29.3.7.2 "Memory Type Used for Translated Guest-Physical
 * Addresses"); the CPU's MTRRs type only the VMM's own accesses. So the
 * guest reads and writes a copy (vmm/policy/memtype_msr.c), a write retypes
 * EPT, and the CPU's MTRRs stay as the VMM found them.
 *
 * IA32_PAT: where VM exits load the VMM's PAT and VM entries the guest's
 * (the "load IA32_PAT" controls, used as a pair where the CPU has them,
 * vmm/setup/vmx_caps.c), the guest's value goes to the VMCS and the CPU's PAT
 * in VMX root operation is always the VMM's. Where they are missing the
 * guest and the VMM share the one MSR: the guest's value is written with
 * PA0, the entry the VMM's page tables select (PWT = PCD = PAT = 0), kept
 * as the VMM's; a guest that reads IA32_PAT back then sees the VMM's PA0.
 * Every OS keeps PA0 = WB, the power-on value (SDM Vol. 3A, 12.12.4
 * "Programming the PAT"), and every CPU with EPT we know of has the
 * controls; docs/security.md says so. */
#include "vmm/exit/exit_memtype.h"
#include "vmm/memory/ept_live.h"
#include "vmm/guest_state.h"
#include "vmm/log/log.h"
#include "vmm/policy/memtype_msr.h"
#include "vmm/vmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmx.h"

#define LEVEL_4K 1u
#define LEVEL_2M 2u

static bool is_gp(enum mtrr_msr_status s)
{
	return s != MTRR_MSR_SAME && s != MTRR_MSR_RETYPE;
}

enum exit_result memtype_rdmsr(struct vcpu *v, uint32_t msr)
{
	enum mtrr_msr_status s;
	uint64_t value = 0;

	ept_live_lock();
	s = mtrr_msr_read(&vmm.guest_mtrr, msr, &value);
	ept_live_unlock();
	if (is_gp(s)) {
		log_debug("mtrr", "RDMSR %x: %s; #GP", msr, mtrr_msr_status_text(s));
		inject_gp0();
		return EXIT_RESUME;
	}
	guest_set_edx_eax(v, value);
	return EXIT_NEXT_INSN;
}

static const char *leaf_size(unsigned level)
{
	return level == LEVEL_4K ? "4 KiB" : level == LEVEL_2M ? "2 MiB" : "1 GiB";
}

/* One line per write that changed types: what EPT did, and the leaf it
 * now has for the first address the MTRR covers (the boot test reads it;
 * leaf 0: no such address, or not mapped). */
static void log_retype(uint32_t msr, uint64_t value, const struct ept_stats *st, uint64_t addr,
		       uint64_t leaf, unsigned level)
{
	if (!leaf) {
		log_debug("mtrr", "WRMSR %x = %llx: EPT retyped (%u leaves, %u split, %u UC for want "
			  "of a table)", msr, (unsigned long long)value, st->retyped, st->splits,
			  st->uc_fallbacks);
		return;
	}
	log_debug("mtrr", "WRMSR %x = %llx: EPT retyped (%u leaves, %u split, %u UC for want of a "
		  "table); GPA %llx is now %s in a %s leaf", msr, (unsigned long long)value,
		  st->retyped, st->splits, st->uc_fallbacks, (unsigned long long)addr,
		  memtype_name((leaf & EPT_MEMTYPE_MASK) >> EPT_MEMTYPE_SHIFT), leaf_size(level));
}

static enum exit_result mtrr_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
	struct ept_stats st = { 0 };
	enum mtrr_msr_status s;
	uint64_t addr = 0, leaf = 0;
	unsigned level = 0;

	ept_live_lock();
	s = mtrr_msr_write(&vmm.guest_mtrr, msr, value);
	if (s == MTRR_MSR_RETYPE) {
		ept_live_retype(&st);
		if (mtrr_msr_first_address(&vmm.guest_mtrr, msr, &addr))
			leaf = ept_lookup(&vmm.pages, vmm.ept_pml4, addr, &level);
	}
	ept_live_unlock();
	if (is_gp(s)) {
		log_debug("mtrr", "WRMSR %x = %llx: %s; #GP", msr, (unsigned long long)value,
			  mtrr_msr_status_text(s));
		inject_gp0();
		return EXIT_RESUME;
	}
	if (s == MTRR_MSR_RETYPE) {
		ept_live_sync(v);
		log_retype(msr, value, &st, addr, leaf, level);
	}
	return EXIT_NEXT_INSN;
}

static enum exit_result pat_write(uint64_t value)
{
	if (!pat_value_valid(value)) {
		log_debug("msr", "WRMSR IA32_PAT = %llx: reserved memory type (SDM Vol. 3A, "
			  "12.12.2); #GP", (unsigned long long)value);
		inject_gp0();
		return EXIT_RESUME;
	}
	/* IA32_PAT's VM-exit load and VM-entry load both in use? */
	if ((vmm.ctl.exit & EXIT_LOAD_PAT) && (vmm.ctl.entry & ENTRY_LOAD_PAT))
		vmcs_write64(VMCS_GUEST_PAT, value);
	else
		wrmsr(MSR_IA32_PAT, (value & ~PAT_ENTRY0_MASK) |
					    (rdmsr(MSR_IA32_PAT) & PAT_ENTRY0_MASK));
	return EXIT_NEXT_INSN;
}

enum exit_result memtype_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value)
{
	if (msr == MSR_IA32_PAT)
		return pat_write(value);
	return mtrr_write(v, msr, value);
}
