/* Fills the current VMCS: controls, host state, and guest state taken
 * from the CPU as it is now (the loader's state, "blue pill"). */
#ifndef PILLBOX_VMM_VMCS_SETUP_H
#define PILLBOX_VMM_VMCS_SETUP_H

#include "vmm/boot_info.h"

struct vcpu;

void vmcs_setup_controls(void);
void vmcs_setup_host(struct vcpu *v);
/* cr0/cr4: the values the guest had before VMX was enabled (its read
 * shadows); ge: where and how the guest continues. */
void vmcs_setup_guest(const struct guest_entry *ge, uint64_t cr0_before, uint64_t cr4_before);

#endif
