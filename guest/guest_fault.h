/* Expected faults inside guest test programs: run one instruction and
 * learn which exception, if any, it raised. The program points the
 * firmware's IDT gates for #UD and #GP at its own handlers for the
 * duration; a handler records the vector and resumes at the recovery label
 * that follows the instruction. Interrupts are off while armed. */
#ifndef PILLBOX_GUEST_FAULT_H
#define PILLBOX_GUEST_FAULT_H

#include <stdint.h>
#include "arch/x86_64/vectors.h"

#define NO_FAULT (-1)

extern volatile int guest_fault_vector;
extern volatile uint64_t guest_fault_recover;

struct idt_gate;
/* Points an IDT gate of the firmware's at handler: a 64-bit interrupt
 * gate, DPL 0, the current code segment, no IST. */
void guest_gate_set(struct idt_gate *g, void *handler);

void guest_fault_arm(void);     /* install handlers, cli */
void guest_fault_disarm(void);  /* restore the firmware's gates and IF */

/* Runs the instruction(s) in `insn` and yields the vector raised, or
 * NO_FAULT. Further asm operands follow as for an asm statement, starting
 * at %1 for the first input (%0 is the recovery slot). */
#define GUEST_TRY(insn, ...)                                                   \
	({                                                                     \
		guest_fault_vector = NO_FAULT;                                 \
		__asm__ volatile("lea 1f(%%rip), %%r11\n\t"                    \
				 "mov %%r11, %0\n\t" insn "\n1:"               \
				 : "=m"(guest_fault_recover) __VA_ARGS__       \
				 : "r11", "memory", "cc");                     \
		guest_fault_vector;                                            \
	})

#endif
