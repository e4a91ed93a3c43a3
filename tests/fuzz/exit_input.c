/* The exit harness's input (docs/fuzzing.md, "Input of the exit
 * harness"): the first exit with the machine state, a count byte and up
 * to STEPS_MAX further exits, then guest memory as chunks to the end.
 * Little-endian; a short input reads as zeros. */
#include <string.h>
#include "vmm/exit/exit_reasons.h"
#include "tests/fuzz/fake_state.h"
#include "tests/fuzz/fuzz_exit.h"

#define REASON_TABLE_SIZE   (EXIT_REASON_MAX + 1u)
#define REASON_RAW_SELECTOR 0xF8u    /* selector bytes at or above: any number */
#define INSN_LEN_MAX        15u
#define APIC_OFFSET_MASK    0xFFFull

uint64_t take(struct reader *r, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		uint64_t b = 0;

		if (r->n) {
			b = *r->p++;
			r->n--;
		}
		v |= b << (8 * i);
	}
	return v;
}

#define TAKE(r, field) ((field) = (__typeof__(field))take(r, sizeof(field)))

static void read_first(struct reader *r, struct exit_input *in)
{
	TAKE(r, in->reason_sel); TAKE(r, in->flags); TAKE(r, in->flags2);
	TAKE(r, in->cpus); TAKE(r, in->boot_flags); TAKE(r, in->ipi_pending);
	TAKE(r, in->ipi_vector); TAKE(r, in->last_sipi_vector);
	TAKE(r, in->init_echoes); TAKE(r, in->sipi_vector); TAKE(r, in->raw_reason);
	TAKE(r, in->qual); TAKE(r, in->insn_len); TAKE(r, in->insn_info);
	TAKE(r, in->gpa); TAKE(r, in->linear); TAKE(r, in->exit_intr_info);
	TAKE(r, in->idt_vectoring); TAKE(r, in->rip); TAKE(r, in->rsp);
	TAKE(r, in->rflags); TAKE(r, in->cr0); TAKE(r, in->cr3); TAKE(r, in->cr4);
	TAKE(r, in->efer); TAKE(r, in->cs_base); TAKE(r, in->cs_ar); TAKE(r, in->ss_ar);
	TAKE(r, in->interruptibility); TAKE(r, in->activity); TAKE(r, in->cr0_shadow);
	TAKE(r, in->cr4_shadow);
	for (unsigned i = 0; i < 4; i++)
		TAKE(r, in->pdpte[i]);
	TAKE(r, in->icr_high);
	for (unsigned i = 0; i < 16; i++)
		TAKE(r, in->gpr[i]);
}

static void read_step(struct reader *r, struct step_input *s)
{
	TAKE(r, s->reason_sel); TAKE(r, s->flags); TAKE(r, s->insn_len); TAKE(r, s->gprs);
	TAKE(r, s->rip); TAKE(r, s->qual); TAKE(r, s->gpa);
	TAKE(r, s->val[0]); TAKE(r, s->val[1]); TAKE(r, s->intr_info);
}

void read_fuzz_input(struct reader *r, struct fuzz_input *in)
{
	memset(in, 0, sizeof(*in));
	read_first(r, &in->first);
	in->steps = (unsigned)take(r, 1) % (STEPS_MAX + 1);
	for (unsigned i = 0; i < in->steps; i++)
		read_step(r, &in->step[i]);
}

void load_memory(struct reader *r)
{
	memset(fake_mem, 0, sizeof(fake_mem));
	while (r->n >= 3) {
		uint32_t off = (uint32_t)take(r, 2);
		uint32_t len = (uint32_t)take(r, 1);

		for (uint32_t i = 0; i < len && r->n; i++)
			fake_mem[(off + i) % FAKE_MEM_SIZE] = (uint8_t)take(r, 1);
	}
}

/* A selector byte maps to one of the basic reasons; from
 * REASON_RAW_SELECTOR on, raw is the number (outside the table too). */
static uint32_t pick_reason(uint8_t sel, uint16_t raw, uint8_t flags)
{
	uint32_t basic = sel < REASON_RAW_SELECTOR ? sel % REASON_TABLE_SIZE : raw;

	if ((flags & F_ENTRY_FAIL) == F_ENTRY_FAIL)
		basic |= EXIT_REASON_FAILED_VMENTRY;
	return basic;
}

/* Flags can put the address on the APIC page or in the VMM region. */
static uint64_t place_gpa(uint8_t flags, uint64_t gpa)
{
	if (flags & F_GPA_APIC)
		return APIC_PAGE | (gpa & APIC_OFFSET_MASK);
	if (flags & F_GPA_REGION)
		return REGION_BASE + gpa % REGION_SIZE;
	return gpa;
}

void exit_info_first(const struct exit_input *in, struct exit_info *x)
{
	*x = (struct exit_info){
		.reason = pick_reason(in->reason_sel, in->raw_reason, in->flags),
		.qual = in->qual, .gpa = place_gpa(in->flags, in->gpa), .linear = in->linear,
		.insn_len = 1 + in->insn_len % INSN_LEN_MAX, .insn_info = in->insn_info,
		.intr_info = in->exit_intr_info, .idt_vectoring = in->idt_vectoring,
	};
}

void exit_info_step(const struct step_input *s, struct exit_info *x)
{
	*x = (struct exit_info){
		.reason = pick_reason(s->reason_sel, 0, s->flags),
		.qual = s->qual, .gpa = place_gpa(s->flags, s->gpa),
		.insn_len = 1 + s->insn_len % INSN_LEN_MAX, .intr_info = s->intr_info,
	};
}
