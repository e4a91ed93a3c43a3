/* VMX instructions and typed VMCS accessors (in the manner of KVM's
 * vmx_ops.h). Each accessor checks at compile time that the field's
 * encoding has the accessor's width (Intel SDM Vol. 3D, B "Field Encoding
 * in VMCS"); a failing instruction reports to vmx_insn_failed().
 * VMX instruction status: SDM Vol. 3C, 31.2 "Conventions": CF=1 is
 * VMfailInvalid, ZF=1 is VMfailValid (error number in the VMCS). */
#ifndef PILLBOX_ARCH_VMX_H
#define PILLBOX_ARCH_VMX_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/vmcs_fields.h"

/* Records a failed VMX instruction (implemented by the VMM: logs it and
 * counts it on this CPU). field is the VMCS field, or 0. */
void vmx_insn_failed(const char *insn, uint32_t field);

/* INVEPT types (SDM 31.3, INVEPT). */
#define INVEPT_SINGLE_CONTEXT 1ull
#define INVEPT_ALL_CONTEXT    2ull
#define INVVPID_SINGLE_CONTEXT 1ull

/* The instructions themselves (a host-tested build puts its own
 * vmx_insn.h first on the include path: an in-memory VMCS). */
#include "arch/x86_64/vmx_insn.h"

/* Compile-time width check: a field of the wrong width is a negative-sized
 * array. The field must be a constant expression. */
#define VMCS_CHECK_WIDTH(field, w) \
	((void)sizeof(char[(__builtin_constant_p(field) && VMCS_FIELD_WIDTH(field) == (w)) ? 1 : -1]))

#define vmcs_read16(f)  (VMCS_CHECK_WIDTH(f, VMCS_W16), (uint16_t)vmcs_read_raw(f))
#define vmcs_read32(f)  (VMCS_CHECK_WIDTH(f, VMCS_W32), (uint32_t)vmcs_read_raw(f))
#define vmcs_read64(f)  (VMCS_CHECK_WIDTH(f, VMCS_W64), vmcs_read_raw(f))
#define vmcs_readl(f)   (VMCS_CHECK_WIDTH(f, VMCS_WNAT), vmcs_read_raw(f))
#define vmcs_write16(f, v) (VMCS_CHECK_WIDTH(f, VMCS_W16), vmcs_write_raw(f, (uint16_t)(v)))
#define vmcs_write32(f, v) (VMCS_CHECK_WIDTH(f, VMCS_W32), vmcs_write_raw(f, (uint32_t)(v)))
#define vmcs_write64(f, v) (VMCS_CHECK_WIDTH(f, VMCS_W64), vmcs_write_raw(f, (uint64_t)(v)))
#define vmcs_writel(f, v)  (VMCS_CHECK_WIDTH(f, VMCS_WNAT), vmcs_write_raw(f, (uint64_t)(v)))

#endif
