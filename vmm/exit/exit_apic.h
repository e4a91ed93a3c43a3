/* Emulated writes to the local APIC page (vmm/exit/exit_apic.c). */
#ifndef PILLBOX_VMM_EXIT_APIC_H
#define PILLBOX_VMM_EXIT_APIC_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/exit/exit_table.h"

struct vcpu;

bool apic_page_contains(uint64_t gpa);
/* A guest write to the APIC page at gpa (an EPT violation). */
enum exit_result apic_write_exit(struct vcpu *v, uint64_t gpa);

#endif
