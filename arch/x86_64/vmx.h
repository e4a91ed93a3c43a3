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

#ifdef PILLBOX_FAKE_HW
#include "tests/fuzz/fake_hw.h" /* the fuzz build: an in-memory VMCS */
#else
/* Each returns true on success. */
static inline bool vmxon(uint64_t phys)
{
	bool fail;

	__asm__ volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
	return !fail;
}

static inline bool vmxoff(void)
{
	bool fail;

	__asm__ volatile("vmxoff; setna %0" : "=qm"(fail) : : "cc", "memory");
	return !fail;
}

static inline bool vmclear(uint64_t phys)
{
	bool fail;

	__asm__ volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
	return !fail;
}

static inline bool vmptrld(uint64_t phys)
{
	bool fail;

	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
	return !fail;
}

static inline bool invept(uint64_t type, uint64_t eptp)
{
	struct {
		uint64_t eptp, reserved;
	} desc = { eptp, 0 };
	bool fail;

	__asm__ volatile("invept %1, %2; setna %0"
			 : "=qm"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return !fail;
}

/* INVVPID (SDM Vol. 3C, 30.3 "VMX Instructions": INVVPID): drops the
 * cached linear and combined mappings of one VPID. */
static inline bool invvpid(uint64_t type, uint16_t vpid)
{
	struct {
		uint64_t vpid, linear;
	} desc = { vpid, 0 };
	bool fail;

	__asm__ volatile("invvpid %1, %2; setna %0"
			 : "=qm"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return !fail;
}

static inline uint64_t vmcs_read_raw(uint32_t field)
{
	uint64_t v;
	bool fail;

	__asm__ volatile("vmread %2, %1; setna %0"
			 : "=qm"(fail), "=r"(v) : "r"((uint64_t)field) : "cc");
	if (__builtin_expect(fail, 0)) {
		vmx_insn_failed("vmread", field);
		return 0;
	}
	return v;
}

static inline bool vmcs_write_raw(uint32_t field, uint64_t v)
{
	bool fail;

	__asm__ volatile("vmwrite %2, %1; setna %0"
			 : "=qm"(fail) : "r"((uint64_t)field), "rm"(v) : "cc", "memory");
	if (__builtin_expect(fail, 0)) {
		vmx_insn_failed("vmwrite", field);
		return false;
	}
	return true;
}
#endif /* PILLBOX_FAKE_HW */

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
