/* The VMM's own GDT, TSS and IDT (Intel SDM Vol. 3A, 3.4.5 "Segment
 * Descriptors", 8.7 "Task Management in 64-bit Mode", 7.14 "Exception
 * and Interrupt Handling in 64-bit Mode"). */
#ifndef PILLBOX_ARCH_DESCRIPTORS_H
#define PILLBOX_ARCH_DESCRIPTORS_H

#include <stdint.h>

/* The operand of LGDT, LIDT, SGDT and SIDT (3.5.1 "Segment Descriptor
 * Tables", Figure 3-11). */
struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

#define HOST_GDT_ENTRIES 5       /* null, code, data, TSS (two slots) */
#define HOST_CS_SEL  0x08u
#define HOST_DS_SEL  0x10u
#define HOST_TSS_SEL 0x18u
/* Interrupt stack table slots (8.7 "Task Management in 64-bit Mode",
 * 7.14.5 "Interrupt Stack Table"): NMI, #DF and #MC each switch to a
 * stack of their own, whatever the VMM was doing when they came. */
#define HOST_IST_NMI 1u
#define HOST_IST_DF  2u
#define HOST_IST_MC  3u
/* The IST area, one block per CPU (vmm/vcpu.h): the NMI stack on top,
 * the #MC stack under it, the #DF stack at the bottom. The NMI handler
 * runs for every kick and guest NMI in VMX root operation; #MC and #DF
 * only report and stop the CPU (the deepest of those paths, the VMCS
 * dump, takes about 1 KiB). */
#define HOST_IST_NMI_SIZE 4096u
#define HOST_IST_MC_SIZE  2048u
#define HOST_IST_DF_SIZE  2048u
#define HOST_IST_AREA_SIZE (HOST_IST_NMI_SIZE + HOST_IST_MC_SIZE + HOST_IST_DF_SIZE)

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "SDM Figure 9-11");

struct __attribute__((packed)) idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "SDM Figure 7-8");

#define IDT_VECTORS 256u

/* Fills a GDT with flat 64-bit code and data and a TSS descriptor for
 * tss, whose IST slots point into the IST area: ist_top is that area's
 * end less 16 (the VMM's stack tops stay 16 bytes under the end). */
void host_gdt_init(uint64_t gdt[HOST_GDT_ENTRIES], struct tss64 *tss, uint64_t ist_top);

/* Fills the shared host IDT: exceptions 0-31 report and stop the CPU,
 * NMI is recorded for the guest, other vectors are logged as spurious. */
void host_idt_init(void);
uint64_t host_idt_base(void);

/* What the host IDT's handlers call, implemented by the VMM: an exception
 * in VMX root operation (vmm/log/dump.c: dump and stop), any other vector
 * (logged), and an NMI (vmm/event/vnmi.c), given the per-CPU block at %gs:0. */
struct vcpu;
__attribute__((noreturn)) void host_exception(unsigned vector, uint64_t rip, uint64_t rsp,
					      uint64_t rflags, uint64_t error_code);
void host_spurious_interrupt(void);
void vnmi_host_nmi(struct vcpu *v);

/* Decodes a guest segment from a descriptor table (GDT) for the VMCS:
 * base, limit (scaled by G), and access rights in VMCS format, or
 * AR_UNUSABLE for a null selector. */
struct seg_desc_info {
	uint64_t base;
	uint32_t limit;
	uint32_t ar;
};
void segment_from_gdt(uint64_t gdt_base, uint16_t gdt_limit, uint16_t selector,
		      struct seg_desc_info *out);

#endif
