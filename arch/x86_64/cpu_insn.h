/* Single x86-64 instructions as inline functions; include
 * arch/x86_64/cpu.h, not this file. */
#ifndef PILLBOX_ARCH_CPU_INSN_H
#define PILLBOX_ARCH_CPU_INSN_H

#include <stdint.h>
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/descriptors.h"  /* struct desc_ptr */

static inline void cpuid_count(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	__asm__ volatile("cpuid"
			 : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			 : "a"(leaf), "c"(subleaf));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

/* read_cr0() ... read_dr7(): MOV from a control or debug register. */
#define DEFINE_READ_REG(reg)                                           \
	static inline uint64_t read_##reg(void)                        \
	{                                                              \
		uint64_t v;                                            \
		__asm__ volatile("mov %%" #reg ", %0" : "=r"(v));      \
		return v;                                              \
	}
DEFINE_READ_REG(cr0)
DEFINE_READ_REG(cr2)
DEFINE_READ_REG(cr3)
DEFINE_READ_REG(cr4)
DEFINE_READ_REG(dr6)
DEFINE_READ_REG(dr7)
#undef DEFINE_READ_REG

static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline uint64_t xgetbv(uint32_t index)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return ((uint64_t)hi << 32) | lo;
}

static inline void xsetbv(uint32_t index, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void sgdt(struct desc_ptr *p) { __asm__ volatile("sgdt %0" : "=m"(*p)); }
static inline void sidt(struct desc_ptr *p) { __asm__ volatile("sidt %0" : "=m"(*p)); }

#define DEFINE_READ_SEG(name, insn)                                    \
	static inline uint16_t read_##name(void)                       \
	{                                                              \
		uint16_t v;                                            \
		__asm__ volatile(insn " %0" : "=rm"(v));               \
		return v;                                              \
	}
DEFINE_READ_SEG(cs, "mov %%cs,")
DEFINE_READ_SEG(ss, "mov %%ss,")
DEFINE_READ_SEG(ds, "mov %%ds,")
DEFINE_READ_SEG(es, "mov %%es,")
DEFINE_READ_SEG(fs, "mov %%fs,")
DEFINE_READ_SEG(gs, "mov %%gs,")
DEFINE_READ_SEG(tr, "str")
DEFINE_READ_SEG(ldtr, "sldt")
#undef DEFINE_READ_SEG

static inline void lgdt(const struct desc_ptr *p) { __asm__ volatile("lgdt %0" ::"m"(*p) : "memory"); }
static inline void lidt(const struct desc_ptr *p) { __asm__ volatile("lidt %0" ::"m"(*p) : "memory"); }
static inline void write_dr7(uint64_t v) { __asm__ volatile("mov %0, %%dr7" ::"r"(v)); }
static inline void write_dr6(uint64_t v) { __asm__ volatile("mov %0, %%dr6" ::"r"(v)); }
static inline void write_dr0(uint64_t v) { __asm__ volatile("mov %0, %%dr0" ::"r"(v)); }

#define DEFINE_LOAD_SEG(name)                                                  \
	static inline void load_##name(uint16_t sel)                           \
	{                                                                      \
		__asm__ volatile("mov %0, %%" #name ::"rm"(sel) : "memory");   \
	}
DEFINE_LOAD_SEG(ds)
DEFINE_LOAD_SEG(es)
DEFINE_LOAD_SEG(fs)
DEFINE_LOAD_SEG(gs)
#undef DEFINE_LOAD_SEG

/* An IRET to the next instruction: ends the blocking of NMIs that a VM
 * exit caused by an NMI leaves in VMX root operation (SDM Vol. 3C, 28.1
 * "Architectural State Before a VM Exit": the NMI blocks further NMIs once
 * the exit completes; Vol. 3A, 7.7 "Nonmaskable Interrupt (NMI)": IRET
 * unblocks them), as KVM does after NMI exits. */
static inline void nmi_unblock_by_iret(void)
{
	__asm__ volatile("mov %%ss, %%eax\n\t"
			 "push %%rax\n\t"
			 "lea 8(%%rsp), %%rax\n\t"
			 "push %%rax\n\t"
			 "pushfq\n\t"
			 "mov %%cs, %%eax\n\t"
			 "push %%rax\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "push %%rax\n\t"
			 "iretq\n"
			 "1:"
			 ::: "rax", "memory", "cc");
}

/* The time-stamp counter; not ordered against earlier loads and stores
 * (enough for counting cycles spent in a handler). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* The per-CPU block's address, which the VMM keeps at %gs:0 (host mode
 * only). */
static inline void *host_percpu(void)
{
	void *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void wbinvd(void) { __asm__ volatile("wbinvd" ::: "memory"); }
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }

#endif
