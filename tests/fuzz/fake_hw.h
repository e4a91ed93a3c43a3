/* The fuzz build's hardware (tests/fuzz/, docs/fuzzing.md). With
 * PILLBOX_FAKE_HW defined, arch/x86_64/cpu.h, arch/x86_64/vmx.h and
 * vmm/vcpu.h include this file instead of their inline assembly: the same
 * names, as ordinary functions of tests/fuzz/fake_hw.c, which keeps the
 * VMCS fields, MSRs, XCR0, port I/O and the current vcpu in memory that
 * the harness sets up and checks. The production build never sees it. */
#ifndef PILLBOX_TESTS_FUZZ_FAKE_HW_H
#define PILLBOX_TESTS_FUZZ_FAKE_HW_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/vmcs_fields.h"
#include "vmm/cpuid_policy.h"

struct vcpu;

/* arch/x86_64/cpu.h */
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

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

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

/* arch/x86_64/vmx.h */
void vmx_insn_failed(const char *insn, uint32_t field);
bool vmxon(uint64_t phys);
bool vmxoff(void);
bool vmclear(uint64_t phys);
bool vmptrld(uint64_t phys);
bool invept(uint64_t type, uint64_t eptp);
bool invvpid(uint64_t type, uint16_t vpid);
uint64_t vmcs_read_raw(uint32_t field);
bool vmcs_write_raw(uint32_t field, uint64_t v);


#endif
