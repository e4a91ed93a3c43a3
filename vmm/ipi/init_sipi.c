/* The register state INIT and SIPI give a CPU, as vmm/ipi/init_sipi.h
 * describes. Values: Intel SDM Vol. 3A, 10.1.1 "Processor State After
 * Reset", Table 10-1 "IA-32 and Intel 64 Processor States Following
 * Power-up, Reset, or INIT"; the SIPI start address: Vol. 3A, 9.4.4 "MP
 * Initialization Example". Access rights are in the VMCS format (Vol. 3C,
 * 25.4.1, Table 25-2) and satisfy the guest-state checks of Vol. 3C,
 * 27.3.1.2 "Checks on Guest Segment Registers" for a real-mode guest
 * under unrestricted guest. Pure logic, no VMCS access. */
#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/vmcs_fields.h"
#include "vmm/policy/cr_policy.h"
#include "vmm/ipi/init_sipi.h"
#include "lib/lib.h"

/* Table 10-1: CR0 = 60000010H after power-up; its footnote 2: INIT
 * leaves CD and NW unchanged, sets ET and clears the other bits. */
#define INIT_CR0_KEPT   (CR0_CD | CR0_NW)
#define INIT_CR0        CR0_ET
/* Table 10-1: EFLAGS = 00000002H, only the reserved bit 1 set. */
#define INIT_RFLAGS     0x2ull
/* Table 10-1: DR7 = 00000400H, only the reserved bit 10 set. */
#define INIT_DR7        0x400ull
/* Table 10-1: CS selector F000H, base FFFF0000H, EIP 0000FFF0H. */
#define INIT_CS_SEL     0xF000u
#define INIT_CS_BASE    0xFFFF0000ull
#define INIT_RIP        0xFFF0ull
/* Real-mode segment limit, byte granular (G = 0). */
#define REAL_MODE_LIMIT 0xFFFFu
/* GDTR and IDTR: base 0, limit FFFFH. */
#define INIT_DT_LIMIT   0xFFFFu

/* The SIPI vector is the 4 KiB page number of the start address (9.4.4):
 * CS selector = vector << 8, so that CS base = selector << 4 = vector << 12. */
#define SIPI_SEL_SHIFT  8
#define SIPI_BASE_SHIFT 12

/* Access rights, VMCS format. Types are those of Vol. 3A, 3.4.5.1,
 * Table 3-1 "Code- and Data-Segment Types" and 3.5, Table 3-2 "System-
 * Segment and Gate-Descriptor Types". */
#define SEG_TYPE_DATA_RW_ACCESSED     0x3u /* read/write, accessed */
#define SEG_TYPE_CODE_RX_ACCESSED     0xBu /* execute/read, accessed */
/* CS: present, code/data, execute/read accessed code: 0x9B. Table 10-1
 * lists CS as "Present, R/W, Accessed"; 27.3.1.2 accepts that type-3 CS
 * only under unrestricted guest, type 11 in every case. */
#define AR_REAL_CS   (AR_P | AR_S | SEG_TYPE_CODE_RX_ACCESSED)
/* SS, DS, ES, FS, GS: present, code/data, read/write accessed: 0x93. */
#define AR_REAL_DATA (AR_P | AR_S | SEG_TYPE_DATA_RW_ACCESSED)
/* LDTR: present LDT, 0x82. */
#define AR_REAL_LDTR (AR_P | AR_TYPE_LDT)
/* TR: present busy TSS, 0x8B (27.3.1.2 accepts 11 outside IA-32e mode). */
#define AR_REAL_TR   (AR_P | AR_TYPE_TSS64_BUSY)

static void set_segment(struct seg_state *seg, uint16_t sel, uint64_t base, uint32_t ar)
{
	seg->sel = sel;
	seg->base = base;
	seg->limit = REAL_MODE_LIMIT;
	seg->ar = ar;
}

void init_signal_state(bool is_bsp, uint32_t cpuid_1_eax, uint64_t prev_cr0,
		       struct vcpu_arch_state *s)
{
	/* Every field not named below is 0 after INIT (CR2-CR4, EFER, the
	 * other GPRs, descriptor-table bases; long_mode false). */
	memset(s, 0, sizeof(*s));
	s->cr0 = INIT_CR0 | (prev_cr0 & INIT_CR0_KEPT);
	s->rip = INIT_RIP;
	s->rflags = INIT_RFLAGS;
	s->dr7 = INIT_DR7;
	s->rdx = cpuid_1_eax;
	set_segment(&s->cs, INIT_CS_SEL, INIT_CS_BASE, AR_REAL_CS);
	set_segment(&s->ss, 0, 0, AR_REAL_DATA);
	set_segment(&s->ds, 0, 0, AR_REAL_DATA);
	set_segment(&s->es, 0, 0, AR_REAL_DATA);
	set_segment(&s->fs, 0, 0, AR_REAL_DATA);
	set_segment(&s->gs, 0, 0, AR_REAL_DATA);
	set_segment(&s->ldtr, 0, 0, AR_REAL_LDTR);
	set_segment(&s->tr, 0, 0, AR_REAL_TR);
	s->gdtr_limit = INIT_DT_LIMIT;
	s->idtr_limit = INIT_DT_LIMIT;
	s->activity = is_bsp ? ACTIVITY_ACTIVE : ACTIVITY_WAIT_FOR_SIPI;
}

void sipi_state(uint8_t vector, struct vcpu_arch_state *s)
{
	s->cs.sel = (uint16_t)((uint16_t)vector << SIPI_SEL_SHIFT);
	s->cs.base = (uint64_t)vector << SIPI_BASE_SHIFT;
	s->rip = 0;
	s->activity = ACTIVITY_ACTIVE;
}
