/* The local APIC's base as a way into the VMM (security review C1). The
 * VMM writes the xAPIC registers for the guest (INIT/SIPI emulation), at
 * the page it protects in EPT; were the guest able to move the APIC base
 * (IA32_APIC_BASE, Intel SDM Vol. 3A, 11.4.4 "Local APIC Status and
 * Location") onto VMM memory, those writes would land there. Pillbox
 * refuses a move with #GP in every mode (docs/security.md) and lets the
 * mode change as 11.12.5 "x2APIC State Transitions" allows; then the old
 * page is plain memory to that CPU (11.4.3, 11.12.2), and stores to it
 * must neither stop the VMM nor reach its memory (HC_INTEGRITY, taken by
 * guest/attack.c before and after). The stores use every form the VMM
 * completes for the guest: MOV of each width, the read-modify-write ALU
 * and bit forms, REP STOS (memset) and MOVS. */
#include <efi.h>
#include <efilib.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "boot/mp_services.h"
#include "guest/attack/attack.h"
#include "vmm/ipi/apic_icr.h"
#include "lib/lib.h"
#include "vmm/log/log.h"
#include "arch/x86_64/regs.h"

#define APIC_PAGE_BYTES 4096u
#define APIC_TPR 0x80u
#define AP_TIMEOUT_US (5u * 1000u * 1000u)
#define AP_LOG_QUIET_US (200u * 1000u)
#define STORE_PATTERN 0x4141414141414141ull
#define STORE_SPAN 256u   /* bytes of the page the store tests cover */

static uint64_t apic_base_now(void)
{
	uint64_t v = 0;

	try_msr(RING0, false, MSR_IA32_APIC_BASE, &v);
	return v;
}

/* WRMSR 1BH = want must be #GP and leave the MSR as it was. */
static void expect_refused(const char *name, uint64_t want)
{
	uint64_t before = apic_base_now(), w = want;
	int vec = try_msr(RING0, true, MSR_IA32_APIC_BASE, &w);
	uint64_t after = apic_base_now();

	resultf(name, vec == VEC_GP && after == before,
		"WRMSR 1BH = %llx gave %s; the MSR was %llx, is %llx", (unsigned long long)want,
		vector_name(vec), (unsigned long long)before, (unsigned long long)after);
}

struct apic_store {
	volatile uint32_t *reg;
	uint32_t value, swapped;
};

static void do_mov(void *arg)
{
	struct apic_store *s = arg;

	*s->reg = s->value;
}

static void do_xchg(void *arg)
{
	struct apic_store *s = arg;
	uint32_t v = s->value;

	__asm__ volatile("xchg %0, %1" : "+r"(v), "+m"(*s->reg) : : "memory");
	s->swapped = v;
}

/* The read-modify-write and string forms on a live xAPIC register (the
 * TPR, bits 7:0 read/write): each result as the bare CPU gives it. */
struct rmw_probe {
	volatile uint32_t *reg;
	uint32_t after[7];
	uint64_t flags[2];
	uint64_t rdi_moved, rsi_moved, rcx_after;
};

static void do_forms(void *arg)
{
	struct rmw_probe *p = arg;
	volatile uint32_t *reg = p->reg;
	uint32_t src = 0x50;
	uint64_t f, rdi, rsi, rcx;

	__asm__ volatile("andl $0, %1; pushfq; popq %0" : "=r"(f), "+m"(*reg) : : "cc");
	p->flags[0] = f;
	p->after[0] = *reg;
	__asm__ volatile("orl $0x20, %0" : "+m"(*reg) : : "cc");
	p->after[1] = *reg;
	__asm__ volatile("btsl $4, %0" : "+m"(*reg) : : "cc");
	p->after[2] = *reg;
	__asm__ volatile("btrl $5, %1; pushfq; popq %0" : "=r"(f), "+m"(*reg) : : "cc");
	p->flags[1] = f;
	p->after[3] = *reg;
	__asm__ volatile("lock xorl $0x30, %0" : "+m"(*reg) : : "cc");
	p->after[4] = *reg;
	rdi = (uint64_t)(uintptr_t)reg;
	rcx = 1;
	__asm__ volatile("cld; rep stosl" : "+D"(rdi), "+c"(rcx) : "a"(0x40u) : "memory");
	p->after[5] = *reg;
	p->rdi_moved = rdi - (uint64_t)(uintptr_t)reg;
	p->rcx_after = rcx;
	rdi = (uint64_t)(uintptr_t)reg;
	rsi = (uint64_t)(uintptr_t)&src;
	__asm__ volatile("cld; movsl" : "+D"(rdi), "+S"(rsi) : : "memory");
	p->after[6] = *reg;
	p->rsi_moved = rsi - (uint64_t)(uintptr_t)&src;
}

static void write_forms(volatile uint32_t *tpr)
{
	static const uint32_t want[7] = { 0, 0x20, 0x30, 0x10, 0x20, 0x40, 0x50 };
	struct rmw_probe p;
	uint32_t saved = *tpr;
	char why[WHY_MAX] = "";
	int vec;

	memset(&p, 0, sizeof(p));
	p.reg = tpr;
	vec = cage_call(RING0, do_forms, &p);
	*tpr = saved;
	if (vec != NO_FAULT)
		why_add(why, "%s", vector_name(vec));
	for (unsigned i = 0; i < 7; i++)
		if (p.after[i] != want[i])
			why_add(why, "step %u: TPR %x, expected %x", i, p.after[i], want[i]);
	if (!(p.flags[0] & RFLAGS_ZF) || !(p.flags[1] & RFLAGS_CF))
		why_add(why, "flags %llx after AND 0 (ZF expected), %llx after BTR of a set bit "
			"(CF expected)", (unsigned long long)p.flags[0], (unsigned long long)p.flags[1]);
	if (p.rdi_moved != 4 || p.rcx_after != 0 || p.rsi_moved != 4)
		why_add(why, "REP STOSD moved RDI by %llu, left RCX %llu; MOVSD moved RSI by %llu",
			(unsigned long long)p.rdi_moved, (unsigned long long)p.rcx_after,
			(unsigned long long)p.rsi_moved);
	result("apic-write-forms-xapic", why[0] == 0, why);
}

void attack_apic_base(uint64_t region_base)
{
	uint64_t cur = apic_base_now(), keep = cur & (APIC_BASE_BSP | APIC_BASE_ENABLE);
	volatile uint32_t *tpr = (volatile uint32_t *)(uintptr_t)((cur & APIC_BASE_ADDR_MASK) + APIC_TPR);
	struct apic_store s;
	int vec;

	expect_refused("apic-base-move-onto-vmm-gp", region_base | keep);
	expect_refused("apic-base-move-onto-vmm-x2apic-gp", region_base | keep | APIC_BASE_X2APIC);
	expect_refused("apic-base-move-onto-vmm-disabled-gp", region_base | (cur & APIC_BASE_BSP));
	expect_refused("apic-base-move-next-page-gp", (cur + APIC_PAGE_BYTES) & ~APIC_BASE_RESERVED_LOW);
	expect_refused("apic-base-reserved-bit-gp", cur | 1u);
	expect_refused("apic-base-extd-without-en-gp", (cur & ~APIC_BASE_ENABLE) | APIC_BASE_X2APIC);
	/* The registers are where they were: the TPR written and swapped
	 * back through the emulation reads as written. */
	s.reg = tpr;
	s.value = *tpr;
	vec = cage_call(RING0, do_mov, &s);
	s.swapped = ~s.value;
	if (vec == NO_FAULT)
		vec = cage_call(RING0, do_xchg, &s);
	resultf("apic-registers-after-refused-moves", vec == NO_FAULT && s.swapped == s.value &&
		*tpr == s.value, "MOV/XCHG of the TPR gave %s, swapped %x, TPR %x, expected %x",
		vector_name(vec), s.swapped, *tpr, s.value);
	write_forms(tpr);
}

/* memset() over part of the page: REP STOSB, a byte at a time (each byte
 * one VM exit: the whole page would take minutes in Bochs). */
static void memset_page(uint64_t page)
{
	uint64_t rdi = page + STORE_SPAN, rcx = STORE_SPAN;

	__asm__ volatile("cld; rep stosb" : "+D"(rdi), "+c"(rcx) : "a"(0x41u) : "memory");
}

/* Stores of every width over part of the page, as plain memory stores. */
static void store_over_page(uint64_t page)
{
	for (unsigned off = 0; off < STORE_SPAN; off += 16) {
		*(volatile uint8_t *)(uintptr_t)(page + off) = (uint8_t)STORE_PATTERN;
		*(volatile uint16_t *)(uintptr_t)(page + off + 2) = (uint16_t)STORE_PATTERN;
		*(volatile uint32_t *)(uintptr_t)(page + off + 4) = (uint32_t)STORE_PATTERN;
		*(volatile uint64_t *)(uintptr_t)(page + off + 8) = STORE_PATTERN;
	}
}

struct ap_run {
	uint64_t page, msr_after;
	volatile bool done;
};

static void EFIAPI ap_disable_and_store(void *arg)
{
	struct ap_run *r = arg;
	uint64_t cur = rdmsr(MSR_IA32_APIC_BASE);

	wrmsr(MSR_IA32_APIC_BASE, cur & ~(APIC_BASE_ENABLE | APIC_BASE_X2APIC));
	store_over_page(r->page);
	memset_page(r->page);
	r->msr_after = rdmsr(MSR_IA32_APIC_BASE);
	r->done = true;
}

static void disabled_on_ap(uint64_t page)
{
	static EFI_GUID mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;
	static struct ap_run run;
	EFI_MP_SERVICES_PROTOCOL *mp = NULL;
	UINTN total = 0, enabled = 0;
	EFI_STATUS st;

	if (EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) || !mp ||
	    EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled)) || total < 2) {
		log_info(STAGE, "one CPU: no AP to disable its APIC on");
		return;
	}
	memset(&run, 0, sizeof(run));
	run.page = page;
	st = mp->StartupThisAP(mp, ap_disable_and_store, 1, NULL, AP_TIMEOUT_US, &run, NULL);
	/* The VMM may still be logging the AP's start-up (the second SIPI it
	 * drops): let that line out before ours, which would mix with it. */
	uefi_call_wrapper(BS->Stall, 1, AP_LOG_QUIET_US);
	resultf("apic-disabled-ap-stores-run", !EFI_ERROR(st) && run.done &&
		!(run.msr_after & APIC_BASE_ENABLE) &&
		(run.msr_after & APIC_BASE_ADDR_MASK) == page,
		"CPU 1: StartupThisAP status %llx, done %d, IA32_APIC_BASE after %llx",
		(unsigned long long)st, run.done, (unsigned long long)run.msr_after);
}

/* x2APIC ICR writes with a reserved bit (12, 13, 16, 17, 31:20) are #GP
 * (SDM Vol. 3A, 11.12.1.3 "Reserved Bit Checking"); the VMM, which
 * repeats ICR writes for the guest, must give that #GP, not take it. */
static void x2apic_icr_reserved_bits(void)
{
	static const uint32_t bits[] = { 12, 13, 16, 17, 20, 31 };
	char why[WHY_MAX] = "";

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		/* A fixed IPI, vector 0xEF, to APIC id 0xFFFF (nobody). */
		uint64_t v = (0xFFFFull << 32) | 0xEFu | (1ull << bits[i]);
		int vec = try_msr(RING0, true, MSR_X2APIC_ICR, &v);

		if (vec != VEC_GP)
			why_add(why, "bit %u: %s", bits[i], vector_name(vec));
	}
	result("x2apic-icr-reserved-bits-gp", why[0] == 0, why);
}

void attack_apic_x2apic(void)
{
	uint64_t cur = rdmsr(MSR_IA32_APIC_BASE), page = cur & APIC_BASE_ADDR_MASK;

	if (!(cur & APIC_BASE_X2APIC))
		wrmsr(MSR_IA32_APIC_BASE, cur | APIC_BASE_X2APIC);
	store_over_page(page);
	memset_page(page);
	resultf("apic-x2apic-stores-run", rdmsr(MSR_IA32_APIC_BASE) == (cur | APIC_BASE_X2APIC),
		"IA32_APIC_BASE %llx after the switch to x2APIC and the stores, expected %llx",
		(unsigned long long)rdmsr(MSR_IA32_APIC_BASE),
		(unsigned long long)(cur | APIC_BASE_X2APIC));
	x2apic_icr_reserved_bits();
}

void attack_apic_disabled_ap(void)
{
	disabled_on_ap(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK);
}
