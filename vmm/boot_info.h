/* The only interface between the loader (boot/) and the VMM core (vmm/):
 * plain integers, no UEFI types. The loader fills it inside the reserved
 * region; the core reads it once in core_init(). */
#ifndef PILLBOX_VMM_BOOT_INFO_H
#define PILLBOX_VMM_BOOT_INFO_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86_64/core_call.h"

#define BOOT_INFO_MAGIC   0x4f464e49544f4f42ull /* "BOOTINFO" */
#define BOOT_INFO_VERSION 2u
#define BOOT_INFO_MAX_CPUS 64u
/* The pool holds one per-CPU block of this size for each CPU (the core's
 * struct vcpu, which vmm/vcpu.h asserts to be this size). */
#define BOOT_INFO_CPU_BYTES 0x8000ull

struct boot_info {
	uint64_t magic;
	uint32_t version;
	uint32_t size;          /* sizeof(struct boot_info) */
	uint64_t region_base;   /* the reserved VMM region: 4 KiB aligned */
	uint64_t region_size;   /* bytes, a multiple of 4 KiB */
	uint64_t pool_base;     /* free pages inside the region, for tables, */
	uint64_t pool_size;     /* per-CPU data and stacks */
	uint64_t map_limit;     /* guest-physical space to identity-map */
	uint64_t host_cr3;      /* the VMM's page tables, built by the loader */
	uint64_t host_tables_start, host_tables_end; /* their pages */
	uint32_t log_level;     /* enum log_level (vmm/log/log_level.h) */
	uint32_t cpu_count;     /* CPUs the pool was sized for */
	uint32_t test_fail_apic; /* fault injection: refuse this APIC id */
	uint32_t flags;         /* BOOT_INFO_F_* */
	/* ACPI sleep requests (boot/acpi.c fills them, vmm/exit/exit_io.c uses
	 * them): the I/O ports of the PM1a and PM1b control registers and of
	 * the PM1a status register (ACPI 6.4, 4.8.4.2.1 "PM1 Control
	 * Registers", 4.8.4.1.1 "PM1 Status Registers"), 0: none or not in
	 * I/O space; and for each sleep state S0-S5 (index 0-5; 6, 7 unused)
	 * the set of SLP_TYP values its \_Sx package gives for PM1a and for
	 * PM1b, as a bit mask (bit t: SLP_TYP t), 0: no \_Sx package. */
	uint16_t pm1a_cnt, pm1b_cnt;
	uint16_t pm1a_sts, reserved0;  /* reserved0 is 0 */
	uint8_t slp_typ_a[8];
	uint8_t slp_typ_b[8];
};

/* The read-only hypercalls marked "user" in vmm/exit/hypercall.h are allowed
 * from CPL 3 (config user_hypercalls = read). */
#define BOOT_INFO_F_USER_HC_READ (1u << 0)

#define BOOT_INFO_NO_FAIL 0xFFFFFFFFu

#define BOOT_INFO_SLEEP_STATES 6u /* S0-S5 */

_Static_assert(sizeof(struct boot_info) == 120, "boot_info layout is ABI");
_Static_assert(offsetof(struct boot_info, pm1a_cnt) == 96 &&
	       offsetof(struct boot_info, slp_typ_a) == 104 &&
	       offsetof(struct boot_info, slp_typ_b) == 112, "boot_info layout is ABI");

/* The loader calls into the core only through arch/x86_64/core_call.S,
 * which switches to host_cr3 for the call: the core then runs on its own
 * identity map, whatever protections the firmware's page tables put on the
 * reserved region (some firmware maps data memory types no-execute). */

/* Where the loader's code continues as the guest after VM entry:
 * launch_here() in arch/x86_64/core_call.S fills it. */
struct guest_entry {
	uint64_t rip;
	uint64_t rsp;
	uint64_t rflags;
	uint64_t cr3;
};

_Static_assert(sizeof(struct guest_entry) == 32, "guest_entry layout is ABI");
_Static_assert(offsetof(struct guest_entry, rip) == GE_RIP &&
	       offsetof(struct guest_entry, rsp) == GE_RSP &&
	       offsetof(struct guest_entry, rflags) == GE_RFLAGS &&
	       offsetof(struct guest_entry, cr3) == GE_CR3, "core_call.S uses GE_*");

/* Status codes the core returns to the loader (negative = failure). */
enum core_status {
	CORE_OK = 0,
	CORE_ERR_BOOT_INFO = -1,   /* bad magic, version or size */
	CORE_ERR_NOMEM = -2,       /* the pool is too small */
	CORE_ERR_VMX_CAPS = -3,    /* a required VMX capability is missing */
	CORE_ERR_VMXON = -4,
	CORE_ERR_VMCS = -5,        /* VMCLEAR, VMPTRLD or a VMWRITE failed */
	CORE_ERR_LAUNCH = -6,      /* VMLAUNCH failed (logged with its error) */
	CORE_ERR_STATE = -7,       /* called out of order or on a CPU twice */
	CORE_ERR_INJECTED = -8,    /* refused by test_fail_cpu (fault injection) */
	CORE_ERR_APIC = -9,        /* this CPU's local APIC is not where the boot CPU's is */
};

#endif
