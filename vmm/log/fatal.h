/* When the VMM cannot go on: dump guest state, host state and controls to
 * the log, then a documented safe stop (docs/architecture.md, "Failure
 * outcomes"). */
#ifndef PILLBOX_VMM_FATAL_H
#define PILLBOX_VMM_FATAL_H

#include <stdint.h>

struct vcpu;

/* Logs the VMCS: guest state, host state, controls, exit information and
 * the guest GPRs. Needs the vcpu's VMCS to be current. */
void vmcs_dump(const struct vcpu *v);

/* Dumps, logs "VMM halted on cpuN: why", and halts this CPU for good
 * (interrupts off). The guest on this CPU stops; nothing is lost silently. */
__attribute__((noreturn)) void vmm_fatal(const struct vcpu *v, const char *why);

/* Platform reset through the reset control register (0xCF9), then the
 * keyboard controller; halts if neither resets. */
__attribute__((noreturn)) void platform_reset(void);

#endif
