/* MOV to CR0 and CR4 with values a CPU refuses (Intel SDM Vol. 2B, "MOV-
 * Move to/from Control Registers", 64-bit mode exceptions; Vol. 3A, 2.5
 * "Control Registers"): #GP(0) for CR4.VMXE and CR4.SMXE (the guest sees
 * neither VMX nor SMX), CR4 reserved bits, CR4.PAE cleared in IA-32e mode,
 * CR0.PG without PE, CR0.NW without CD, CR0 bits 63:32, CR0.PG cleared in
 * 64-bit mode; at CPL 3 every MOV to or from a control register.
 * Each CR0 value is written twice: as is, which the CPU may check itself
 * (the bits that changed are the guest's), and with CR0.NE flipped too, a
 * bit the VMM owns (CR0 guest/host mask), so that the write exits and the
 * VMM's own check (vmm/policy/cr_policy.c) must refuse it. Nothing is left
 * changed: CR0 and CR4 are compared at the end. */
#include "guest/attack/attack.h"
#include "arch/x86_64/cpu.h"
#include "vmm/policy/cr_policy.h"

#define CR4_BIT15 (1ull << 15) /* reserved */
#define CR4_BIT63 (1ull << 63) /* reserved */
#define CR0_BIT32 (1ull << 32) /* reserved */

static void do_write_cr0(void *p)
{
	__asm__ volatile("mov %0, %%cr0" ::"r"(*(uint64_t *)p) : "memory");
}

static void do_write_cr4(void *p)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(*(uint64_t *)p) : "memory");
}

static void do_read_cr0(void *p)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	*(uint64_t *)p = v;
}

static void expect_cr_gp(const char *name, bool cr4, int ring, uint64_t value)
{
	uint64_t v = value;
	int vec = cage_call(ring, cr4 ? do_write_cr4 : do_write_cr0, &v);

	resultf(name, vec == VEC_GP, "MOV CR%d = %llx at CPL %d gave %s", cr4 ? 4 : 0,
		(unsigned long long)value, ring, vector_name(vec));
}

/* CR0 values a CPU refuses; each is written as is, then with NE flipped. */
static const struct {
	const char *name, *exit_name;
	uint64_t set, clear;
} bad_cr0[] = {
	{ "cr0-pg-without-pe-gp", "cr0-pg-without-pe-exit-gp", 0, CR0_PE },
	{ "cr0-nw-without-cd-gp", "cr0-nw-without-cd-exit-gp", CR0_NW, CR0_CD },
	{ "cr0-high-bit-gp", "cr0-high-bit-exit-gp", CR0_BIT32, 0 },
	{ "cr0-clear-pg-64bit-gp", "cr0-clear-pg-64bit-exit-gp", 0, CR0_PG },
};

void attack_control_registers(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), v = 0;
	int vec;

	expect_cr_gp("cr4-vmxe-gp", true, RING0, cr4 | CR4_VMXE);
	expect_cr_gp("cr4-smxe-gp", true, RING0, cr4 | CR4_SMXE);
	expect_cr_gp("cr4-reserved-bit15-gp", true, RING0, cr4 | CR4_BIT15);
	expect_cr_gp("cr4-reserved-bit63-gp", true, RING0, cr4 | CR4_BIT63);
	expect_cr_gp("cr4-pae-clear-long-mode-gp", true, RING0, cr4 & ~CR4_PAE);
	expect_cr_gp("cr4-vmxe-ring3-gp", true, RING3, cr4 | CR4_VMXE);

	for (unsigned i = 0; i < sizeof(bad_cr0) / sizeof(bad_cr0[0]); i++) {
		uint64_t value = (cr0 | bad_cr0[i].set) & ~bad_cr0[i].clear;

		expect_cr_gp(bad_cr0[i].name, false, RING0, value);
		expect_cr_gp(bad_cr0[i].exit_name, false, RING0, value ^ CR0_NE);
	}
	expect_cr_gp("cr0-write-ring3-gp", false, RING3, cr0);
	vec = cage_call(RING3, do_read_cr0, &v);
	resultf("cr0-read-ring3-gp", vec == VEC_GP, "MOV from CR0 at CPL 3 gave %s",
		vector_name(vec));

	resultf("cr-unchanged", read_cr0() == cr0 && read_cr4() == cr4,
		"CR0 %llx CR4 %llx after the attacks, were %llx and %llx",
		(unsigned long long)read_cr0(), (unsigned long long)read_cr4(),
		(unsigned long long)cr0, (unsigned long long)cr4);
}
