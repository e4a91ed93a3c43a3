/* The VMM's IDT. The VMM runs with interrupts off, so only exceptions
 * (a VMM bug), NMIs and machine checks arrive here, and each goes to the
 * VMM through the hooks arch/x86_64/descriptors.h declares. Exceptions
 * report with a dump and stop this CPU; an NMI is a kick or the guest's. NMI, #DF and #MC each run on a stack of their own (IST,
 * arch/x86_64/descriptors.h). */
#include <stddef.h>
#include <stdint.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/descriptors.h"
#include "arch/x86_64/vectors.h"

#define IDT_TYPE_INTERRUPT_GATE 0x8Eu /* present, DPL 0, 64-bit interrupt gate */

struct interrupt_frame {
	uint64_t rip, cs, rflags, rsp, ss;
};

static struct idt_gate host_idt[IDT_VECTORS] __attribute__((aligned(16)));


#define EXC_NOERR(v)                                                            \
	__attribute__((interrupt)) static void exc_##v(struct interrupt_frame *f) \
	{                                                                       \
		host_exception(v, f->rip, f->rsp, f->rflags, 0);                 \
	}
#define EXC_ERR(v)                                                              \
	__attribute__((interrupt)) static void exc_##v(struct interrupt_frame *f, \
							  uint64_t err)          \
	{                                                                       \
		host_exception(v, f->rip, f->rsp, f->rflags, err);               \
	}

EXC_NOERR(0) EXC_NOERR(1) EXC_NOERR(3) EXC_NOERR(4) EXC_NOERR(5)
EXC_NOERR(6) EXC_NOERR(7) EXC_ERR(8) EXC_NOERR(9) EXC_ERR(10) EXC_ERR(11)
EXC_ERR(12) EXC_ERR(14) EXC_NOERR(15) EXC_NOERR(16) EXC_ERR(17)
EXC_NOERR(18) EXC_NOERR(19) EXC_NOERR(20) EXC_ERR(21) EXC_NOERR(22)
EXC_NOERR(23) EXC_NOERR(24) EXC_NOERR(25) EXC_NOERR(26) EXC_NOERR(27)
EXC_NOERR(28) EXC_ERR(29) EXC_ERR(30) EXC_NOERR(31)

/* #GP: one raised by msr_read_safe()/msr_write_safe() returns -1 to its
 * caller; any other is a VMM bug. */
__attribute__((interrupt)) static void exc_13(struct interrupt_frame *f, uint64_t err)
{
	if (msr_safe_fixup(&f->rip))
		return;
	host_exception(13, f->rip, f->rsp, f->rflags, err);
}

/* A kick from another CPU or the guest's NMI, come while this CPU is in
 * VMX root operation (vmm/event/vnmi.h). */
__attribute__((interrupt)) static void nmi_handler(struct interrupt_frame *f)
{
	(void)f;
	vnmi_host_nmi(host_percpu());
}

__attribute__((interrupt)) static void spurious_handler(struct interrupt_frame *f)
{
	(void)f;
	host_spurious_interrupt();
}


static void set_gate(unsigned vector, void *handler, unsigned ist)
{
	uint64_t a = (uint64_t)(uintptr_t)handler;
	struct idt_gate *g = &host_idt[vector];

	g->offset_low = (uint16_t)a;
	g->selector = HOST_CS_SEL;
	g->ist = (uint8_t)ist;
	g->type_attr = IDT_TYPE_INTERRUPT_GATE;
	g->offset_mid = (uint16_t)(a >> 16);
	g->offset_high = (uint32_t)(a >> 32);
	g->reserved = 0;
}

void host_idt_init(void)
{
	void *const exc[32] = {
		exc_0, exc_1, NULL, exc_3, exc_4, exc_5, exc_6, exc_7,
		exc_8, exc_9, exc_10, exc_11, exc_12, exc_13, exc_14, exc_15,
		exc_16, exc_17, exc_18, exc_19, exc_20, exc_21, exc_22, exc_23,
		exc_24, exc_25, exc_26, exc_27, exc_28, exc_29, exc_30, exc_31,
	};

	for (unsigned v = 0; v < IDT_VECTORS; v++)
		set_gate(v, spurious_handler, 0);
	for (unsigned v = 0; v < 32; v++)
		if (exc[v])
			set_gate(v, exc[v], v == VEC_DF ? HOST_IST_DF : v == VEC_MC ? HOST_IST_MC : 0);
	set_gate(VEC_NMI, nmi_handler, HOST_IST_NMI);
}

uint64_t host_idt_base(void)
{
	return (uint64_t)(uintptr_t)host_idt;
}
