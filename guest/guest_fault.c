#include "guest/guest_fault.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/descriptors.h"

#define GATE_INTERRUPT 0x8Eu

volatile int guest_fault_vector = NO_FAULT;
volatile uint64_t guest_fault_recover;

struct interrupt_frame {
	uint64_t rip, cs, rflags, rsp, ss;
};

static struct idt_gate saved_ud, saved_gp;
static uint64_t saved_rflags;

__attribute__((interrupt)) static void on_ud(struct interrupt_frame *f)
{
	guest_fault_vector = VEC_UD;
	f->rip = guest_fault_recover;
}

__attribute__((interrupt)) static void on_gp(struct interrupt_frame *f, uint64_t error_code)
{
	(void)error_code;
	guest_fault_vector = VEC_GP;
	f->rip = guest_fault_recover;
}

void guest_gate_set(struct idt_gate *g, void *handler)
{
	uint64_t a = (uint64_t)(uintptr_t)handler;

	g->offset_low = (uint16_t)a;
	g->selector = read_cs();
	g->ist = 0;
	g->type_attr = GATE_INTERRUPT;
	g->offset_mid = (uint16_t)(a >> 16);
	g->offset_high = (uint32_t)(a >> 32);
	g->reserved = 0;
}

void guest_fault_arm(void)
{
	struct desc_ptr idtr;
	struct idt_gate *idt;

	saved_rflags = read_rflags();
	cli();
	sidt(&idtr);
	idt = (struct idt_gate *)(uintptr_t)idtr.base;
	saved_ud = idt[VEC_UD];
	saved_gp = idt[VEC_GP];
	guest_gate_set(&idt[VEC_UD], on_ud);
	guest_gate_set(&idt[VEC_GP], on_gp);
}

void guest_fault_disarm(void)
{
	struct desc_ptr idtr;
	struct idt_gate *idt;

	sidt(&idtr);
	idt = (struct idt_gate *)(uintptr_t)idtr.base;
	idt[VEC_UD] = saved_ud;
	idt[VEC_GP] = saved_gp;
	if (saved_rflags & (1ull << 9))
		__asm__ volatile("sti" ::: "memory");
}
