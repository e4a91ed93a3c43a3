/* Every VMX instruction, at CPL 0 and at CPL 3. The guest sees
 * CPUID.1:ECX.VMX = 0, and on such a CPU each is #UD (Intel SDM Vol. 3C,
 * 31.3 "VMX Instructions", the "Opcode" notes and "Protected Mode
 * Exceptions" of each; VMFUNC: 31.3 "VMFUNC", #UD without the "enable VM
 * functions" control). In VMX non-root operation VMXON, VMXOFF, VMCLEAR,
 * VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, INVEPT and
 * INVVPID exit at any CPL (26.1.2 "Instructions That Cause VM Exits
 * Unconditionally"); the VMM injects #UD. VMFUNC does not exit: the CPU
 * raises #UD itself. */
#include "guest/attack/attack.h"
#include "lib/fmt.h"

#define NAME_MAX 48u

/* Operands: a 4 KiB-aligned "region" and a 128-bit INVEPT/INVVPID
 * descriptor; their contents do not matter, the instructions never get to
 * them. */
static uint64_t operand[512] __attribute__((aligned(4096)));

static void do_vmxon(void *p) { __asm__ volatile("vmxon %0" ::"m"(*(uint64_t *)p) : "memory"); }
static void do_vmxoff(void *p) { (void)p; __asm__ volatile("vmxoff" ::: "memory", "cc"); }
static void do_vmclear(void *p)
{
	__asm__ volatile("vmclear %0" ::"m"(*(uint64_t *)p) : "memory", "cc");
}

static void do_vmptrld(void *p)
{
	__asm__ volatile("vmptrld %0" ::"m"(*(uint64_t *)p) : "memory", "cc");
}
static void do_vmptrst(void *p) { __asm__ volatile("vmptrst %0" : "=m"(*(uint64_t *)p)::"cc"); }

static void do_vmread(void *p)
{
	uint64_t field = 0x681E, value; /* guest RIP */

	(void)p;
	__asm__ volatile("vmread %1, %0" : "=r"(value) : "r"(field) : "cc");
}

static void do_vmwrite(void *p)
{
	uint64_t field = 0x681E, value = 0; /* guest RIP */

	(void)p;
	__asm__ volatile("vmwrite %1, %0" ::"r"(field), "r"(value) : "cc");
}

static void do_vmlaunch(void *p) { (void)p; __asm__ volatile("vmlaunch" ::: "memory", "cc"); }
static void do_vmresume(void *p) { (void)p; __asm__ volatile("vmresume" ::: "memory", "cc"); }

static void do_invept(void *p)
{
	uint64_t type = 2; /* all contexts */

	__asm__ volatile("invept %0, %1" ::"m"(*(uint64_t *)p), "r"(type) : "memory", "cc");
}

static void do_invvpid(void *p)
{
	uint64_t type = 2; /* all contexts */

	__asm__ volatile("invvpid %0, %1" ::"m"(*(uint64_t *)p), "r"(type) : "memory", "cc");
}

static void do_vmfunc(void *p)
{
	(void)p;
	__asm__ volatile("vmfunc" ::"a"(0), "c"(0) : "memory");
}

static const struct {
	const char *name;
	void (*fn)(void *);
} vmx_insns[] = {
	{ "vmxon", do_vmxon },     { "vmxoff", do_vmxoff },     { "vmclear", do_vmclear },
	{ "vmptrld", do_vmptrld }, { "vmptrst", do_vmptrst },   { "vmread", do_vmread },
	{ "vmwrite", do_vmwrite }, { "vmlaunch", do_vmlaunch }, { "vmresume", do_vmresume },
	{ "invept", do_invept },   { "invvpid", do_invvpid },   { "vmfunc", do_vmfunc },
};

void attack_vmx_instructions(void)
{
	for (int ring = RING0; ring <= RING3; ring += RING3) {
		for (unsigned i = 0; i < sizeof(vmx_insns) / sizeof(vmx_insns[0]); i++) {
			char name[NAME_MAX];
			int vec = cage_call(ring, vmx_insns[i].fn, operand);

			fmt_snprintf(name, sizeof(name), "%s-ring%d-ud", vmx_insns[i].name, ring);
			resultf(name, vec == VEC_UD, "%s at CPL %d gave %s (error %llx at RIP %llx)",
				vmx_insns[i].name, ring, vector_name(vec),
				(unsigned long long)cage_fault_info.error,
				(unsigned long long)cage_fault_info.rip);
		}
	}
}
