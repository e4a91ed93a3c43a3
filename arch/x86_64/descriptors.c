#include "arch/x86_64/descriptors.h"
#include "arch/x86_64/vmcs_fields.h"

/* Segment descriptor fields (SDM 3.4.5, Figure 3-8). */
#define DESC_LIMIT_LOW_MASK   0xFFFFull
#define DESC_BASE_LOW_SHIFT   16
#define DESC_BASE_LOW_MASK    0xFFFFFFull
#define DESC_AR_SHIFT         40
#define DESC_AR_MASK          0xF0FFull     /* type..P, AVL..G */
#define DESC_LIMIT_HIGH_SHIFT 48
#define DESC_LIMIT_HIGH_MASK  0xFull
#define DESC_BASE_HIGH_SHIFT  56
#define DESC_S                (1ull << 44)
#define DESC_G                (1ull << 55)
#define SELECTOR_INDEX_SHIFT  3
#define SELECTOR_TI           (1u << 2)

/* Flat 64-bit ring-0 code (L=1) and data, present, accessed. */
#define GDT_CODE64 0x00AF9B000000FFFFull
#define GDT_DATA   0x00CF93000000FFFFull
/* 64-bit available TSS, present (type 9). */
#define TSS_DESC_TYPE_AVAIL (0x89ull << DESC_AR_SHIFT)

void host_gdt_init(uint64_t gdt[HOST_GDT_ENTRIES], struct tss64 *tss, uint64_t ist_top)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	tss->ist[HOST_IST_NMI - 1] = ist_top;
	tss->ist[HOST_IST_MC - 1] = ist_top - HOST_IST_NMI_SIZE;
	tss->ist[HOST_IST_DF - 1] = ist_top - HOST_IST_NMI_SIZE - HOST_IST_MC_SIZE;
	tss->iomap_base = sizeof(*tss);
	gdt[0] = 0;
	gdt[HOST_CS_SEL >> SELECTOR_INDEX_SHIFT] = GDT_CODE64;
	gdt[HOST_DS_SEL >> SELECTOR_INDEX_SHIFT] = GDT_DATA;
	gdt[HOST_TSS_SEL >> SELECTOR_INDEX_SHIFT] =
		(limit & DESC_LIMIT_LOW_MASK) |
		((base & DESC_BASE_LOW_MASK) << DESC_BASE_LOW_SHIFT) |
		TSS_DESC_TYPE_AVAIL |
		(((base >> 24) & 0xFFull) << DESC_BASE_HIGH_SHIFT);
	gdt[(HOST_TSS_SEL >> SELECTOR_INDEX_SHIFT) + 1] = base >> 32;
}

void segment_from_gdt(uint64_t gdt_base, uint16_t gdt_limit, uint16_t selector,
		      struct seg_desc_info *out)
{
	unsigned index = selector >> SELECTOR_INDEX_SHIFT;
	const uint64_t *gdt = (const uint64_t *)(uintptr_t)gdt_base;
	uint64_t d;

	out->base = 0;
	out->limit = 0;
	out->ar = AR_UNUSABLE;
	/* Null selectors, LDT selectors and selectors past the limit are
	 * reported unusable; UEFI runs with flat GDT segments only. */
	if (index == 0 || (selector & SELECTOR_TI) ||
	    (uint32_t)index * 8 + 7 > gdt_limit)
		return;
	d = gdt[index];
	out->base = ((d >> DESC_BASE_LOW_SHIFT) & DESC_BASE_LOW_MASK) |
		    ((d >> DESC_BASE_HIGH_SHIFT) << 24);
	out->limit = (uint32_t)((d & DESC_LIMIT_LOW_MASK) |
				(((d >> DESC_LIMIT_HIGH_SHIFT) & DESC_LIMIT_HIGH_MASK) << 16));
	if (d & DESC_G)
		out->limit = (out->limit << 12) | 0xFFFu;
	out->ar = (uint32_t)((d >> DESC_AR_SHIFT) & DESC_AR_MASK);
	/* System descriptors (TSS, LDT) are 16 bytes: base bits 63:32. */
	if (!(d & DESC_S) && (uint32_t)index * 8 + 15 <= gdt_limit)
		out->base |= gdt[index + 1] << 32;
}
