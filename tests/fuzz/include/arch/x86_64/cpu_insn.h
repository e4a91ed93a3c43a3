/* The fuzz build's arch/x86_64/cpu_insn.h (docs/fuzzing.md): first on the
 * fuzz build's include path, it stands in for the real one. The same
 * names as ordinary functions of tests/fuzz/fake_hw.c, which keeps the
 * MSRs, XCR0, control registers and the current vcpu in memory that the
 * harness sets up and checks: no instruction runs. */
#ifndef PILLBOX_ARCH_CPU_INSN_H
#define PILLBOX_ARCH_CPU_INSN_H

#include <stdint.h>
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/descriptors.h"  /* struct desc_ptr */

void cpuid_count(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);
uint64_t rdmsr(uint32_t msr);
void wrmsr(uint32_t msr, uint64_t v);
uint64_t read_cr0(void);
uint64_t read_cr2(void);
uint64_t read_cr3(void);
uint64_t read_cr4(void);
void write_cr0(uint64_t v);
void write_cr4(uint64_t v);
uint64_t read_dr7(void);
void write_dr7(uint64_t v);
uint64_t read_rflags(void);
uint64_t xgetbv(uint32_t index);
void xsetbv(uint32_t index, uint64_t v);
void outb(uint16_t port, uint8_t v);
uint8_t inb(uint16_t port);

void sgdt(struct desc_ptr *p);
void sidt(struct desc_ptr *p);
void lgdt(const struct desc_ptr *p);
void lidt(const struct desc_ptr *p);
uint16_t read_cs(void);
uint16_t read_ss(void);
uint16_t read_ds(void);
uint16_t read_es(void);
uint16_t read_fs(void);
uint16_t read_gs(void);
uint16_t read_tr(void);
uint16_t read_ldtr(void);
void load_ds(uint16_t sel);
void load_es(uint16_t sel);
void load_fs(uint16_t sel);
void load_gs(uint16_t sel);
void nmi_unblock_by_iret(void);
uint64_t rdtsc(void);
void cpu_relax(void);
void cli(void);
/* Ends the current fuzz run as "halted" (longjmp to the harness). */
__attribute__((noreturn)) void hlt(void);
void wbinvd(void);
/* The current vcpu (the harness sets it). */
void *host_percpu(void);

#endif
