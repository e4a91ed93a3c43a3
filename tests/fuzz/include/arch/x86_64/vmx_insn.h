/* The fuzz build's arch/x86_64/vmx_insn.h (docs/fuzzing.md): the VMX
 * instructions as functions of tests/fuzz/fake_hw.c over an in-memory
 * VMCS. */
#ifndef PILLBOX_ARCH_VMX_INSN_H
#define PILLBOX_ARCH_VMX_INSN_H

#include <stdbool.h>
#include <stdint.h>

bool vmxon(uint64_t phys);
bool vmxoff(void);
bool vmclear(uint64_t phys);
bool vmptrld(uint64_t phys);
bool invept(uint64_t type, uint64_t eptp);
bool invvpid(uint64_t type, uint16_t vpid);
uint64_t vmcs_read_raw(uint32_t field);
bool vmcs_write_raw(uint32_t field, uint64_t v);

#endif
