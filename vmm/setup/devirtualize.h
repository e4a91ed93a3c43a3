/* Rolling a CPU back out of VMX operation, for the loader's all-or-nothing
 * start on every CPU (boot/mp_launch.c). Allowed only until HC_SEAL. */
#ifndef PILLBOX_VMM_DEVIRTUALIZE_H
#define PILLBOX_VMM_DEVIRTUALIZE_H

#include "arch/x86_64/vmx_entry.h"  /* DEVIRT_CTX_STACK */

#ifndef __ASSEMBLY__
#include <stdint.h>

struct vcpu;

/* What vmx_devirtualize_jump() loads: the guest GPRs (RAX and RSP slots
 * unused) and the stack it switches to, which holds, from the top:
 * landing address, CR3, RAX, then an IRETQ frame (RIP, CS, RFLAGS, RSP,
 * SS). The landing code (loader code) pops CR3 and RAX and executes IRETQ. */
struct devirt_ctx {
	uint64_t gpr[16];
	uint64_t stack;
};
_Static_assert(__builtin_offsetof(struct devirt_ctx, gpr) == DEVIRT_CTX_GPR(0), "vmx_entry.S");
_Static_assert(__builtin_offsetof(struct devirt_ctx, stack) == DEVIRT_CTX_STACK, "vmx_entry.S");

/* Returns a hypercall status if refused; does not return on success. */
int64_t devirtualize(struct vcpu *v);
void devirtualize_seal(void);

__attribute__((noreturn)) void vmx_devirtualize_jump(const struct devirt_ctx *ctx);
#endif

#endif
