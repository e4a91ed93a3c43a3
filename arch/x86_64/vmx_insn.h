/* The VMX instructions as inline functions, each true on success (SDM
 * Vol. 3C, 31.2 "Conventions"); include arch/x86_64/vmx.h, not this
 * file. */
#ifndef PILLBOX_ARCH_VMX_INSN_H
#define PILLBOX_ARCH_VMX_INSN_H

#include <stdbool.h>
#include <stdint.h>

/* vmxon(), vmclear(), vmptrld(): the instructions that take the physical
 * address of a VMXON region or VMCS. */
#define DEFINE_VMX_PHYS_INSN(insn)                                                     \
	static inline bool insn(uint64_t phys)                                         \
	{                                                                              \
		bool fail;                                                             \
		__asm__ volatile(#insn " %1; setna %0"                                 \
				 : "=qm"(fail) : "m"(phys) : "cc", "memory");          \
		return !fail;                                                          \
	}
DEFINE_VMX_PHYS_INSN(vmxon)
DEFINE_VMX_PHYS_INSN(vmclear)
DEFINE_VMX_PHYS_INSN(vmptrld)
#undef DEFINE_VMX_PHYS_INSN

static inline bool vmxoff(void)
{
	bool fail;

	__asm__ volatile("vmxoff; setna %0" : "=qm"(fail) : : "cc", "memory");
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

/* INVVPID (SDM Vol. 3C, 31.3 "VMX Instructions": INVVPID): drops the
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

#endif
