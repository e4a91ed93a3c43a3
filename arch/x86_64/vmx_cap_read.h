#ifndef PILLBOX_ARCH_VMX_CAP_READ_H
#define PILLBOX_ARCH_VMX_CAP_READ_H

#include "vmm/vmx_caps.h"

void vmx_cap_msrs_read(struct vmx_cap_msrs *m);

#endif
