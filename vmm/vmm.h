/* State shared by all CPUs, set once by core_init() on the boot CPU and
 * read-only afterwards, except where a field says which lock guards it. */
#ifndef PILLBOX_VMM_VMM_H
#define PILLBOX_VMM_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/boot_info.h"
#include "vmm/policy/cr_policy.h"
#include "vmm/policy/memtype_msr.h"
#include "vmm/setup/vmx_caps.h"
#include "ept/ept.h"

struct vcpu;

struct vmm {
	struct boot_info bi;          /* copy of the loader's */
	uint64_t hashed_start, hashed_end;
	struct vmx_cap_msrs caps;
	struct vmx_controls ctl;
	struct cr_fixed cr_fixed;
	bool has_xsave;               /* CPUID.1:ECX.XSAVE */
	uint64_t xcr0_supported;      /* CPUID.(0DH,0):EDX:EAX, 0 without XSAVE */
	uint32_t vmcs_revision;
	uint64_t eptp;
	uint64_t ept_pml4;
	uint64_t ept_tables_start, ept_tables_end;   /* pool pages of EPT */
	uint64_t msr_bitmap_phys;
	uint64_t sink_page;           /* guest accesses to VMM pages land here */
	uint64_t apic_page;           /* xAPIC page, read-only in EPT (0: none) */
	unsigned maxphyaddr;
	struct vcpu *vcpus;           /* bi.cpu_count blocks */
	uint32_t cpus_claimed;        /* atomic: next free vcpu index */
	struct page_alloc pages;      /* the pool, guarded by pool's lock */
	bool initialized;
	/* The EPT after launch (vmm/memory/ept_live.c). ept_lock guards the guest's
	 * MTRRs and every change to EPT's tables but the single-entry
	 * sink mappings of vmm/exit/exit_ept.c. */
	int ept_lock;
	struct mtrr_msrs guest_mtrr;  /* what the guest reads and writes */
	struct ept_sink_tables ept_sink; /* unbacked-memory fallback, 0: none */
	bool ept_sink_filled;         /* ept_sink points at sink_page yet */
	uint32_t ept_gen;             /* atomic: bumped when EPT memory types change */
	uint32_t ept_gen_seen[BOOT_INFO_MAX_CPUS]; /* by vcpu index: the ept_gen
						      * that CPU last INVEPTed for */
};

extern struct vmm vmm;

/* The vcpu of the CPU with this APIC id (once it has started to launch),
 * or NULL. */
struct vcpu *vcpu_find(unsigned apic_id);

/* Guest-physical range of the VMM region. */
static inline bool vmm_region_contains(uint64_t pa)
{
	return pa >= vmm.bi.region_base && pa - vmm.bi.region_base < vmm.bi.region_size;
}

#endif
