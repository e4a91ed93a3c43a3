/* The cage of guest/attack/cage.h. Descriptor formats: Intel SDM Vol. 3A,
 * 3.4.5 "Segment Descriptors", 8.2.3 "TSS Descriptor in 64-bit mode",
 * 7.14.1 "64-Bit Mode IDT"; page tables: 5.5 "4-Level Paging and 5-Level
 * Paging" (2 MiB pages, PS = 1 in the PDE). */
#include "guest/attack/cage.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/descriptors.h"
#include "vmm/policy/cr_policy.h"
#include "lib/fmt.h"
#include "vmm/log/log.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/regs.h"

#define GDT_ENTRIES     7
#define GDT_KERNEL_CODE 0x00AF9A000000FFFFull /* 64-bit code, DPL 0 */
#define GDT_KERNEL_DATA 0x00CF92000000FFFFull /* data, DPL 0 */
#define GDT_USER_DATA   0x00CFF2000000FFFFull /* data, DPL 3 */
#define GDT_USER_CODE   0x00AFFA000000FFFFull /* 64-bit code, DPL 3 */
#define TSS_AVAILABLE   (0x89ull << 40)       /* present 64-bit TSS, type 9 */
#define TSS_BUSY_BIT    (1ull << 41)          /* type 11 = busy */
#define GATE_INTR_DPL0  0x8Eu
#define GATE_INTR_DPL3  0xEEu
#define EXCEPTIONS      32u
#define PDE_PS          (1ull << 7)
#define PAGE_2M         (2ull << 20)
#define PAGE_4K         0x1000ull
#define ENTRIES         512u
#define CAGE_PDS        (CAGE_MAP_LIMIT >> 30)
#define STACK_BYTES     16384u
#define MSR_KERNEL_GS   0xC0000102u

extern const uint64_t cage_isr_table[EXCEPTIONS];
extern uint64_t cage_user_stack_top;
void cage_done_isr(void);
void cage_load_cs(uint16_t selector);
__attribute__((noreturn)) void cage_stray_fault(const uint64_t *frame);

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
static uint64_t pml4[ENTRIES] __attribute__((aligned(4096)));
static uint64_t pdpt[ENTRIES] __attribute__((aligned(4096)));
static uint64_t pd[CAGE_PDS][ENTRIES] __attribute__((aligned(4096)));
static uint64_t split_pt[CAGE_SPLITS][ENTRIES] __attribute__((aligned(4096)));
static unsigned splits_used;
static uint8_t kernel_stack[STACK_BYTES] __attribute__((aligned(16)));
static uint8_t user_stack[STACK_BYTES] __attribute__((aligned(16)));

/* TR still holds the cage's TSS after cage_leave() (the firmware had none). */
static bool tr_is_ours;

/* The firmware's state, put back by cage_leave(). */
static struct {
	struct desc_ptr gdtr, idtr;
	uint64_t cr3, cr4, rflags, fs_base, gs_base, kernel_gs;
	uint16_t cs, ss, ds, es, fs, gs, tr;
} fw;

static void set_gate(unsigned vector, uint64_t handler, uint8_t type)
{
	struct idt_gate *g = &idt[vector];

	g->offset_low = (uint16_t)handler;
	g->selector = CAGE_KERNEL_CS;
	g->ist = 0;
	g->type_attr = type;
	g->offset_mid = (uint16_t)(handler >> 16);
	g->offset_high = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

static void build_tables(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;

	gdt[0] = 0;
	gdt[CAGE_KERNEL_CS >> 3] = GDT_KERNEL_CODE;
	gdt[CAGE_KERNEL_DS >> 3] = GDT_KERNEL_DATA;
	gdt[CAGE_USER_DS >> 3] = GDT_USER_DATA;
	gdt[CAGE_USER_CS >> 3] = GDT_USER_CODE;
	gdt[CAGE_TSS_SEL >> 3] = (sizeof(tss) - 1) | ((base & 0xFFFFFFull) << 16) |
				 TSS_AVAILABLE | (((base >> 24) & 0xFFull) << 56);
	gdt[(CAGE_TSS_SEL >> 3) + 1] = base >> 32;
	tss.rsp[0] = (uint64_t)(uintptr_t)(kernel_stack + STACK_BYTES);
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: CPL 3 port I/O is #GP */
	cage_user_stack_top = (uint64_t)(uintptr_t)(user_stack + STACK_BYTES);

	for (unsigned v = 0; v < EXCEPTIONS; v++)
		set_gate(v, cage_isr_table[v], GATE_INTR_DPL0);
	set_gate(CAGE_DONE_VECTOR, (uint64_t)(uintptr_t)cage_done_isr, GATE_INTR_DPL3);

	pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_RW | PTE_US;
	for (unsigned i = 0; i < CAGE_PDS; i++) {
		pdpt[i] = (uint64_t)(uintptr_t)pd[i] | PTE_P | PTE_RW | PTE_US;
		for (unsigned j = 0; j < ENTRIES; j++)
			pd[i][j] = ((uint64_t)i * ENTRIES + j) * PAGE_2M | PTE_P | PTE_RW | PTE_US |
				   PDE_PS;
	}
}

static inline void load_ss(uint16_t sel)
{
	__asm__ volatile("mov %0, %%ss" ::"rm"(sel) : "memory");
}
static inline void ltr(uint16_t sel) { __asm__ volatile("ltr %0" ::"rm"(sel) : "memory"); }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }

/* The program, its data and stack must lie in the identity map, and the
 * page tables must be page aligned (the loader keeps the sections'
 * alignment). */
static bool cage_fits(char *why, unsigned why_size)
{
	uint64_t here = (uint64_t)(uintptr_t)cage_fits, stack = (uint64_t)(uintptr_t)&here;
	uint64_t tables = (uint64_t)(uintptr_t)pml4;

	if (here >= CAGE_MAP_LIMIT || stack >= CAGE_MAP_LIMIT || tables >= CAGE_MAP_LIMIT) {
		fmt_snprintf(why, why_size, "code %llx, stack %llx or tables %llx above 4 GiB",
			     (unsigned long long)here, (unsigned long long)stack,
			     (unsigned long long)tables);
		return false;
	}
	if ((tables | (uint64_t)(uintptr_t)pdpt | (uint64_t)(uintptr_t)pd |
	     (uint64_t)(uintptr_t)split_pt) & 0xFFFull) {
		fmt_snprintf(why, why_size, "page tables at %llx are not page aligned",
			     (unsigned long long)tables);
		return false;
	}
	return true;
}

bool cage_enter(char *why, unsigned why_size)
{
	static bool built;
	struct desc_ptr p;

	if (!cage_fits(why, why_size))
		return false;
	if (!built) {
		build_tables();
		built = true;
	}
	fw.rflags = read_rflags();
	cli();
	sgdt(&fw.gdtr);
	sidt(&fw.idtr);
	fw.cr3 = read_cr3();
	fw.cr4 = read_cr4();
	fw.cs = read_cs();
	fw.ss = read_ss();
	fw.ds = read_ds();
	fw.es = read_es();
	fw.fs = read_fs();
	fw.gs = read_gs();
	/* After a leave with no TSS of the firmware's to restore, TR still
	 * holds ours: nothing of the firmware's to restore this time either
	 * (its GDT has no TSS at our selector). */
	fw.tr = tr_is_ours ? 0 : read_tr();
	fw.fs_base = rdmsr(MSR_FS_BASE);
	fw.gs_base = rdmsr(MSR_GS_BASE);
	fw.kernel_gs = rdmsr(MSR_KERNEL_GS);

	/* Our TSS descriptor is marked busy by LTR: make it available again
	 * for the next entry. */
	gdt[CAGE_TSS_SEL >> 3] &= ~TSS_BUSY_BIT;
	p.base = (uint64_t)(uintptr_t)gdt;
	p.limit = sizeof(gdt) - 1;
	lgdt(&p);
	cage_load_cs(CAGE_KERNEL_CS);
	load_ss(CAGE_KERNEL_DS);
	load_ds(CAGE_KERNEL_DS);
	load_es(CAGE_KERNEL_DS);
	load_fs(CAGE_KERNEL_DS);
	load_gs(CAGE_KERNEL_DS);
	ltr(CAGE_TSS_SEL);
	p.base = (uint64_t)(uintptr_t)idt;
	p.limit = sizeof(idt) - 1;
	lidt(&p);
	/* Supervisor code runs on user pages here: no SMEP/SMAP/PKE. */
	if (fw.cr4 & (CR4_SMEP | CR4_SMAP | CR4_PKE))
		write_cr4(fw.cr4 & ~(CR4_SMEP | CR4_SMAP | CR4_PKE));
	write_cr3((uint64_t)(uintptr_t)pml4);
	return true;
}

void cage_leave(void)
{
	/* LTR needs an available TSS descriptor: the firmware's is still
	 * marked busy from its own LTR. Cleared while our identity map is
	 * active (the firmware's tables may map its GDT read-only). */
	if (fw.tr & ~7u) {
		uint64_t *d = (uint64_t *)(uintptr_t)(fw.gdtr.base + (fw.tr & ~7u));

		*d &= ~TSS_BUSY_BIT;
	}
	write_cr3(fw.cr3);
	if (read_cr4() != fw.cr4)
		write_cr4(fw.cr4);
	lidt(&fw.idtr);
	lgdt(&fw.gdtr);
	cage_load_cs(fw.cs);
	load_ss(fw.ss);
	load_ds(fw.ds);
	load_es(fw.es);
	load_fs(fw.fs);
	load_gs(fw.gs);
	/* With no TSS of the firmware's (TR = 0, as in OVMF) ours stays in
	 * TR: the firmware never changes privilege level or uses an IST. */
	if (fw.tr & ~7u)
		ltr(fw.tr);
	tr_is_ours = !(fw.tr & ~7u);
	wrmsr(MSR_FS_BASE, fw.fs_base);
	wrmsr(MSR_GS_BASE, fw.gs_base);
	wrmsr(MSR_KERNEL_GS, fw.kernel_gs);
	if (fw.rflags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

bool cage_set_page(uint64_t addr, enum cage_page how)
{
	uint64_t *pde, *pt, *pte;

	if (addr >= CAGE_MAP_LIMIT)
		return false;
	pde = &pd[addr >> 30][(addr >> 21) & (ENTRIES - 1)];
	if (*pde & PDE_PS) {
		uint64_t base = *pde & ~(PAGE_2M - 1);

		if (splits_used == CAGE_SPLITS)
			return false;
		pt = split_pt[splits_used++];
		for (unsigned i = 0; i < ENTRIES; i++)
			pt[i] = (base + i * PAGE_4K) | PTE_P | PTE_RW | PTE_US;
		*pde = (uint64_t)(uintptr_t)pt | PTE_P | PTE_RW | PTE_US;
	}
	pt = (uint64_t *)(uintptr_t)(*pde & ~(PAGE_4K - 1));
	pte = &pt[(addr >> 12) & (ENTRIES - 1)];
	*pte = (addr & ~(PAGE_4K - 1)) | PTE_US |
	       (how == CAGE_PAGE_ABSENT ? 0 : PTE_P) | (how == CAGE_PAGE_WRITABLE ? PTE_RW : 0);
	write_cr3(read_cr3()); /* flushes the old 2 MiB and 4 KiB entries */
	return true;
}

/* An exception outside cage_call: nothing to unwind to. Reported on COM1
 * (the boot test stops on this line), then the CPU stops. */
void cage_stray_fault(const uint64_t *frame)
{
	log_err("attack", "FAIL cage-unexpected-exception: vector %llu error %llx at RIP %llx "
		"(CR2 %llx)", (unsigned long long)frame[0], (unsigned long long)frame[1],
		(unsigned long long)frame[2], (unsigned long long)read_cr2());
	cpu_halt_forever();
}
