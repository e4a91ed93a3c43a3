/* What the fakes of tests/fuzz/fake_hw.c and fake_guest_mem.c record,
 * for the harness (tests/fuzz/fuzz_exit.c) to set up before a run and
 * check after it. One CPU thread, one run at a time. */
#ifndef PILLBOX_TESTS_FUZZ_FAKE_STATE_H
#define PILLBOX_TESTS_FUZZ_FAKE_STATE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a run ended when it did not return from vmexit_dispatch(). */
enum fake_stop {
	FAKE_RETURNED = 0,
	FAKE_HALTED,        /* cpu_halt_forever(): vmm_fatal() and friends */
	FAKE_RESET,         /* a reset through port 0xCF9 or the keyboard controller */
	FAKE_DEVIRTUALIZED, /* vmx_devirtualize_jump(): HC_DEVIRTUALIZE done */
	FAKE_FAULTED,       /* the VMM touched a physical address it does not own
			     * (tests/fuzz/fake_phys.c, FUZZ_EXIT_FINDINGS only) */
};

#define FAKE_RIP_WRITES_MAX 8u
#define FAKE_MEM_WRITES_MAX 64u
#define FAKE_SERIAL_TAIL    4096u

struct fake_mem_write {
	uint64_t gpa, len;
};

struct fake_hw {
	jmp_buf *stop;                  /* longjmp target for the stops */
	struct vcpu *current;           /* vcpu_current() */
	uint64_t apic_base_msr;         /* IA32_APIC_BASE: base, EN, EXTD, BSP */
	uint32_t apic_id;               /* CPUID.1:EBX[31:24] */
	uint64_t xcr0;
	uint8_t sipi_vector;            /* what "another CPU" sends a waiting AP */
	/* recorded */
	uint64_t rip_writes[FAKE_RIP_WRITES_MAX];
	unsigned rip_write_count;
	struct fake_mem_write mem_writes[FAKE_MEM_WRITES_MAX];
	unsigned mem_write_count;
	unsigned long spins, wait_spins;
	unsigned invepts, xsetbvs;
	char host_fault[160];           /* the VMM's host #GP, "" if none */
	uint64_t fault_addr;            /* FAKE_FAULTED: the physical address */
	char serial[FAKE_SERIAL_TAIL];  /* the last bytes of COM1 output */
	size_t serial_len;              /* bytes ever written */
};

extern struct fake_hw fake;

/* The in-memory VMCS: raw access for the harness, no width or read-only
 * checks (those apply to the VMM's VMREAD/VMWRITE only). */
void fake_vmcs_clear(void);
uint64_t fake_vmcs_get(uint32_t field);
void fake_vmcs_set(uint32_t field, uint64_t v);

/* Guest memory (tests/fuzz/fake_guest_mem.c): FAKE_MEM_SIZE bytes that
 * repeat over guest-physical space, so that every guest-physical address
 * the VMM may touch reads fuzz data. */
#define FAKE_MEM_SIZE 0x10000u
extern uint8_t fake_mem[FAKE_MEM_SIZE];

/* A write of IA32_APIC_BASE as the CPU checks it (SDM Vol. 3A, 11.4.4,
 * 11.12.5): false for one that raises #GP (reserved bits, a forbidden
 * mode transition), which changes nothing. */
bool fake_apic_base_write(uint64_t want);

/* Resets what a run records (not the set-up fields). */
void fake_run_begin(void);
/* The serial tail as a C string, oldest byte first, into buf. */
void fake_serial_tail(char *buf, size_t size);

/* tests/fuzz/devirtualize_fuzz.c: HC_SEAL's latch, set or cleared, and
 * read. */
void fuzz_devirtualize_set_sealed(bool on);
bool fuzz_devirtualize_sealed(void);

/* Reports a broken invariant found inside a fake (a host fault the VMM
 * would take, an impossible instruction) and aborts: the harness prints
 * the serial tail first. */
__attribute__((noreturn, format(printf, 1, 2))) void fuzz_bug(const char *fmt, ...);

#endif
