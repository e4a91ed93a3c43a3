/* Per-CPU state: one page-aligned block per logical CPU, in the reserved
 * region. The guest's general-purpose registers live in gpr[], indexed by
 * the register numbers the SDM uses in exit qualifications (Vol. 3C, Table
 * 28-3): 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP (unused: RSP is in the VMCS),
 * 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15 (GPR_*, arch/x86_64/vmx_entry.h).
 * arch/x86_64/vmx_entry.S reads the offsets of that header, which the
 * _Static_asserts below tie to the struct. */
#ifndef PILLBOX_VMM_VCPU_H
#define PILLBOX_VMM_VCPU_H

#include "arch/x86_64/vmx_entry.h"

#ifndef __ASSEMBLY__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/descriptors.h"
#include "arch/x86_64/paging.h"
#include "vmm/boot_info.h"
#include "vmm/exit/exit_reasons.h"
#include "vmm/exit/hypercall.h"

/* The deepest exit path measured (HC_EXIT_STATS with its log line) takes
 * about 2 KiB; #DF and #MC report on the IST stacks. */
#define HOST_STACK_SIZE (2u * PAGE_SIZE)
#define HOST_IST_STACK_SIZE HOST_IST_AREA_SIZE

/* Exits by basic reason and the TSC cycles spent handling them, read by
 * HC_EXIT_STATS (another CPU may read while this one counts: each counter
 * is read whole, but count and cycles need not be from the same exit). */
struct exit_counters {
	uint64_t cycles_total;
	uint64_t count[HC_STATS_REASONS];
	uint64_t cycles[HC_STATS_REASONS];
};

_Static_assert(EXIT_REASON_MAX < HC_STATS_REASONS, "every basic reason has a counter");

struct vcpu {
	union {
		struct { /* page 0: control block */
			struct vcpu *self;          /* at %gs:0 in the host */
			uint32_t index;             /* 0 = the CPU that ran core_init */
			uint32_t apic_id;
			uint64_t gpr[16];
			uint64_t vmxon_phys, vmcs_phys;
			uint64_t exits;
			uint32_t inits, sipis;      /* INITs and SIPIs taken */
			bool wait_sipi;             /* after an emulated INIT */
			bool wait_sipi_exit;        /* after an INIT exit: only a real SIPI starts it */
			bool kick_pending;          /* an INIT was posted: the next NMI is its kick (vmm/ipi/vipi.h) */
			bool vmcs_quiet;            /* this exit is past its last VMCS access (vmm/event/vnmi.h) */
			bool state_reset;           /* INIT or SIPI state loaded in this exit */
			uint32_t ipi_pending;       /* VIPI_* bits, set by other CPUs */
			uint32_t nmi_arrivals;      /* NMIs that reached the host IDT */
			uint32_t vmx_insn_errors;   /* failed VMREAD/VMWRITE */
			bool launched;
			bool nmi_pending;           /* a guest NMI waits for injection */
			uint8_t ept_sink_logged;    /* sink EPT violations logged */
			struct exit_counters stats;
			uint64_t gdt[HOST_GDT_ENTRIES];
			struct tss64 tss;
		};
		uint8_t control_page[PAGE_SIZE];
	};
	/* page 1, 2: VMX regions (SDM 25.2 "Format of the VMCS Region") */
	uint8_t vmxon_region[PAGE_SIZE];
	uint8_t vmcs_region[PAGE_SIZE];
	/* pages 3, 4: the IST area, the stacks of NMI, #MC and #DF
	 * (arch/x86_64/descriptors.h lays them out), each its own: an NMI
	 * during a machine check, or a double fault in the NMI handler,
	 * does not overwrite the frame it interrupted */
	uint8_t ist_stack[HOST_IST_STACK_SIZE];
	/* page 5: not present in the VMM's page tables once the CPU has
	 * launched (vmm/setup/vmcs_setup.c): a host stack overflow faults into #DF
	 * on its own stack instead of running into the IST stacks and the
	 * VMCS below */
	uint8_t stack_guard[PAGE_SIZE];
	/* pages 6, 7: the host stack; its top slot holds this vcpu's address */
	uint8_t host_stack[HOST_STACK_SIZE];
} __attribute__((aligned(PAGE_SIZE)));

_Static_assert(offsetof(struct vcpu, gpr) == VCPU_GPR_OFFSET, "vmx_entry.S uses VCPU_GPR");
_Static_assert(offsetof(struct vcpu, self) == 0, "%gs:0 is the vcpu");
_Static_assert(offsetof(struct vcpu, vmxon_region) == PAGE_SIZE, "control block is one page");
_Static_assert(sizeof(struct vcpu) == 8 * PAGE_SIZE && sizeof(struct vcpu) == BOOT_INFO_CPU_BYTES,
	       "per-CPU footprint, as the loader sizes the pool");
_Static_assert(offsetof(struct vcpu, stack_guard) % PAGE_SIZE == 0 &&
	       offsetof(struct vcpu, host_stack) == offsetof(struct vcpu, stack_guard) + PAGE_SIZE,
	       "the guard is one whole page right under the host stack");
_Static_assert(HOST_IST_STACK_SIZE % PAGE_SIZE == 0, "the IST area ends on the guard page");

/* arch/x86_64/vmx_entry.S: where every VM exit lands (HOST_RIP). */
extern char vmx_exit_entry[];

/* The calling CPU's vcpu (host mode only: reads %gs:0). */
static inline struct vcpu *vcpu_current(void)
{
	return host_percpu();
}

/* Host stack top: 16-byte aligned, holding the vcpu pointer. */
static inline uint64_t vcpu_host_rsp(struct vcpu *v)
{
	return (uint64_t)(uintptr_t)(v->host_stack + HOST_STACK_SIZE - 16);
}

#endif /* __ASSEMBLY__ */
#endif
