/* The exit harness's parts (tests/fuzz/fuzz_exit.c drives them): the
 * input (exit_input.c), the fake machine's physical pages (fake_phys.c),
 * the checks after each exit (exit_checks.c) and the verdict on a VMM
 * halt (exit_halts.c). docs/fuzzing.md describes the whole. */
#ifndef PILLBOX_TESTS_FUZZ_FUZZ_EXIT_H
#define PILLBOX_TESTS_FUZZ_FUZZ_EXIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcpu;

/* The fake machine. The VMM region and the local APIC page sit at their
 * physical addresses in the harness's address space, so that the VMM's
 * identity-mapped accesses (arch/x86_64/lapic.c) land on them. */
#define REGION_BASE    0x40000000ull
#define REGION_SIZE    0x40000ull
#define REGION_CANARY  0xA5u
#define MAP_LIMIT      0x100000000ull
#define APIC_PAGE      0xFEE00000ull
#define MAXPHYADDR     39u
#define MAX_CPUS       4u
#define PAGE           4096u
#define STEPS_MAX      7u      /* exits after the first: 8 per input at most */

/* ---- the input (exit_input.c) ------------------------------------------ */

struct reader {
	const uint8_t *p;
	size_t n;
};

/* The first exit, with the whole machine state; field by field in this
 * order, little-endian. */
struct exit_input {
	uint8_t reason_sel, flags, flags2, cpus, boot_flags;
	uint8_t ipi_pending, ipi_vector, last_sipi_vector, init_echoes, sipi_vector;
	uint16_t raw_reason;
	uint64_t qual;
	uint8_t insn_len;
	uint32_t insn_info;
	uint64_t gpa, linear;
	uint32_t exit_intr_info, idt_vectoring;
	uint64_t rip, rsp, rflags, cr0, cr3, cr4, efer, cs_base;
	uint32_t cs_ar, ss_ar, interruptibility, activity;
	uint64_t cr0_shadow, cr4_shadow;
	uint64_t pdpte[4];
	uint32_t icr_high;
	uint64_t gpr[16];
};

/* Flags of the first exit. */
#define F_ENTRY_FAIL   0x03u  /* both bits: reason bit 31 (entry failure) */
#define F_CR3_IN_MEM   (1u << 2)
#define F_GPA_APIC     (1u << 3)
#define F_GPA_REGION   (1u << 4)
#define F_X2APIC       (1u << 5)
#define F_BSP          (1u << 6)
#define F_SEALED       (1u << 7)
#define F2_NMI_PENDING (1u << 0)
#define F2_WAIT_SIPI   (1u << 1)
#define F2_SIPI_STARTED (1u << 2)
#define F2_LAUNCHED    (1u << 3)
#define F2_ALL_LAUNCHED (1u << 4)
#define F2_KICK        (1u << 5)
#define F2_RIP_IN_MEM  (1u << 6)
#define F2_RSP_IN_MEM  (1u << 7)

/* A further exit: what the guest changed since the last VM entry (up to
 * two GPRs, RIP's low 16 bits) and the exit's information. */
struct step_input {
	uint8_t reason_sel, flags, insn_len, gprs; /* gprs: GPR a low nibble, b high */
	uint16_t rip;
	uint64_t qual, gpa;
	uint64_t val[2];
	uint32_t intr_info;
};

/* Flags of a further exit; the entry-failure and GPA bits are the first
 * exit's. */
#define S_RIP          (1u << 2)
#define S_GPR_A        (1u << 5)
#define S_GPR_B        (1u << 6)

struct fuzz_input {
	struct exit_input first;
	unsigned steps;
	struct step_input step[STEPS_MAX];
};

/* The exit information the hardware writes at a VM exit. */
struct exit_info {
	uint32_t reason;
	uint64_t qual, gpa, linear;
	uint32_t insn_len, insn_info, intr_info, idt_vectoring;
};

uint64_t take(struct reader *r, unsigned bytes);
/* The first exit, the step count and the steps; the reader is left at
 * the guest memory chunks. */
void read_fuzz_input(struct reader *r, struct fuzz_input *in);
/* Guest memory from the chunks (u16 offset, u8 length, bytes) to the end. */
void load_memory(struct reader *r);
void exit_info_first(const struct exit_input *in, struct exit_info *x);
void exit_info_step(const struct step_input *s, struct exit_info *x);

/* ---- the fake machine's physical pages (fake_phys.c) -------------------- */

/* Maps the region (page 0, the core image that HC_INTEGRITY hashes,
 * read-only with canary bytes; the rest inaccessible) and the APIC page,
 * and reports a host fault with the exit's context before the sanitizer
 * does (with findings_keep_going(), one at a physical address ends the
 * exit as FAKE_FAULTED instead). */
void fake_phys_init(void);
/* The APIC's registers as after a reset of the page; ICR high given. */
void fake_apic_page_reset(uint32_t icr_high);
/* The APIC has sent the last IPI: the ICR's delivery status is idle. */
void fake_apic_ipi_sent(void);
/* RDMSR/WRMSR of x2APIC MSR msr (800H-8FFH but the ICR) in x2APIC mode, on
 * the same registers; false where the CPU raises #GP. */
bool fake_x2apic_access(uint32_t msr, bool write, uint64_t *value);
/* The region's first page still holds only canary bytes. */
bool fake_region_intact(void);
/* What a physical address is, for a report. */
void fake_phys_describe(uint64_t addr, char *buf, size_t size);

/* ---- reports (fuzz_exit.c) ---------------------------------------------- */

/* The VMM's log tail and the exit being run, before a failure line. */
void fuzz_report_context(void);
/* The input being run, for exit_halts.c to keep. */
void fuzz_current_input(const uint8_t **data, size_t *size);

/* ---- checks after an exit (exit_checks.c) ------------------------------- */

/* What the exit started from. */
struct exit_before {
	uint32_t reason;
	uint64_t rip, len;
	uint64_t gpr[16];
	bool sealed;
};

void checks_snapshot(const struct vcpu *v, uint32_t reason, bool sealed,
		     struct exit_before *b);
/* The invariants of docs/fuzzing.md after an exit that returned. */
void check_returned(const struct vcpu *v, const struct exit_before *b);
/* Memory: after every exit, whatever its outcome. */
void check_memory(void);
/* An RDMSR/WRMSR of this MSR exits (bitmap bit set, or outside both of
 * the bitmap's ranges). */
bool msr_exits(uint32_t msr, bool write);
/* The MSR bitmap, and the EPT arena with its first bytes as ept_build()
 * made them. */
void checks_init(const uint8_t *msr_bitmap, uint8_t *ept_arena, size_t arena_bytes,
		 size_t built_bytes);
/* A new input starts from that EPT. */
void checks_reset_ept(void);

/* ---- the verdict on a stop (exit_halts.c) ------------------------------- */

/* FUZZ_EXIT_FINDINGS=<dir>: a halt an OS may cause, or a VMM access to a
 * physical address it does not own, is reported once per kind with the
 * input kept in dir, and the run goes on instead of aborting. */
void findings_init(void);
bool findings_keep_going(void);
/* Checks how the exit ended (enum fake_stop) against the exit table and
 * the hardware; false when the VMM stopped (the sequence ends). */
bool check_stop(int how, const struct exit_before *b);
/* Why the hardware cannot produce the exit now in the VMCS, or NULL. */
const char *exit_impossible(uint32_t reason);
/* Exits caused by the guest executing an instruction. */
bool is_instruction_exit(unsigned basic);

#endif
