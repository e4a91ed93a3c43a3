/* What arch/x86_64/core_call.S shares with C: the offsets of struct
 * guest_entry and the hypercall number of HC_DEVIRTUALIZE, which
 * vmm/boot_info.h and vmm/exit/hypercall.h _Static_assert against. Assembler
 * and C. */
#ifndef PILLBOX_ARCH_CORE_CALL_H
#define PILLBOX_ARCH_CORE_CALL_H

/* struct guest_entry: where the loader continues as the guest. */
#define GE_RIP    0
#define GE_RSP    8
#define GE_RFLAGS 16
#define GE_CR3    24

/* devirtualize_self's VMCALL: RAX = HC_DEVIRTUALIZE. */
#define CORE_CALL_HC_DEVIRTUALIZE 3

#endif
