/* What vmm/event/vmx_event.h describes. Exception classes: Intel SDM Vol. 3A,
 * 7.15, Table 7-4 "Interrupt and Exception Classes"; vectors: Table 7-1
 * "Protected-Mode Exceptions and Interrupts". */
#include "vmm/event/vmx_event.h"
#include "vmm/ipi/init_sipi.h"
#include "vmm/insn/insn_decode.h"
#include "arch/x86_64/vectors.h"
#include "arch/x86_64/vmcs_fields.h"

enum exc_class { CLASS_BENIGN, CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT, CLASS_DOUBLE_FAULT };

/* Table 7-1: the exceptions that push an error code. */
static bool has_error_code(unsigned vector)
{
	switch (vector) {
	case VEC_DF: case VEC_TS: case VEC_NP: case VEC_SS: case VEC_GP: case VEC_PF:
	case VEC_AC: case VEC_CP:
		return true;
	default:
		return false;
	}
}

static enum exc_class class_of(unsigned vector)
{
	switch (vector) {
	case VEC_DE: case VEC_TS: case VEC_NP: case VEC_SS: case VEC_GP: case VEC_CP:
		return CLASS_CONTRIBUTORY;
	case VEC_PF: case VEC_VE:
		return CLASS_PAGE_FAULT;
	case VEC_DF:
		return CLASS_DOUBLE_FAULT;
	default:
		return CLASS_BENIGN;
	}
}

bool vmx_event_from_vectoring(uint32_t idt_info, uint32_t idt_error, uint32_t exit_insn_len,
			      bool cr0_pe, struct vmx_event *out)
{
	uint32_t type = idt_info & INTR_TYPE_MASK, vector = idt_info & INTR_INFO_VECTOR_MASK;
	bool soft = type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SW_EXC ||
		    type == INTR_TYPE_SW_EXC;

	if (!(idt_info & INTR_INFO_VALID))
		return false;
	if (type == INTR_TYPE_RESERVED || type == INTR_TYPE_OTHER)
		return false;
	if (type == INTR_TYPE_NMI && vector != VEC_NMI)
		return false;
	if (type == INTR_TYPE_HW_EXCEPTION && vector > VEC_LAST_EXCEPTION)
		return false;
	if (soft && (exit_insn_len == 0 || exit_insn_len > INSN_MAX_LENGTH))
		return false;
	out->info = INTR_INFO_VALID | type | vector;
	out->error = 0;
	out->insn_len = soft ? exit_insn_len : 0;
	if (type == INTR_TYPE_HW_EXCEPTION && cr0_pe && has_error_code(vector)) {
		out->info |= INTR_INFO_DELIVER_CODE;
		out->error = idt_error;
	}
	return true;
}

enum vmx_event_combined vmx_event_combine(uint32_t first_info, unsigned second_vector)
{
	enum exc_class first = CLASS_BENIGN, second = class_of(second_vector);
	bool second_serious = second == CLASS_CONTRIBUTORY || second == CLASS_PAGE_FAULT;

	/* Interrupts, NMIs and software events are benign as first events. */
	if ((first_info & INTR_TYPE_MASK) == INTR_TYPE_HW_EXCEPTION)
		first = class_of(first_info & INTR_INFO_VECTOR_MASK);
	if (first == CLASS_CONTRIBUTORY && second == CLASS_CONTRIBUTORY)
		return EVENT_DOUBLE_FAULT;
	if (first == CLASS_PAGE_FAULT && second_serious)
		return EVENT_DOUBLE_FAULT;
	if (first == CLASS_DOUBLE_FAULT && second_serious)
		return EVENT_SHUTDOWN;
	return EVENT_SECOND_ONLY;
}

bool vmx_nmi_injectable(uint32_t interruptibility, uint32_t activity)
{
	if (interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI))
		return false;
	return activity == ACTIVITY_ACTIVE || activity == ACTIVITY_HLT;
}
