/* The fuzz build's CPU: every instruction the VMM executes in its exit
 * handlers, as a function over in-memory state (tests/fuzz/fake_hw.h).
 * A host model close to the Bochs Skylake-X CPU the boot tests use. What
 * would fault on real hardware in VMX root operation (an unknown MSR, an
 * invalid XCR0, a VMWRITE to a read-only field) is a VMM bug: fuzz_bug().
 * Also stands in for the few symbols of vmm/core.c the handlers use. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/vmx.h"
#include "vmm/apic_icr.h"
#include "vmm/cr_policy.h"
#include "vmm/devirtualize.h"
#include "vmm/msr_policy.h"
#include "vmm/vcpu.h"
#include "vmm/vipi.h"
#include "vmm/vmm.h"
#include "tests/fuzz/fake_state.h"

#define VMCS_ENCODINGS      0x8000u
#define VMCS_TYPE_SHIFT     10
#define VMCS_TYPE_MASK      3u
#define VMCS_TYPE_READ_ONLY 1u
#define VMCS_HIGH_ACCESS    1u
#define VMCS_RESERVED_BITS  0xFFFF9000u  /* 31:15 and 12 (SDM Vol. 3D, B.1) */
#define PORT_RESET_CONTROL  0xCF9u
#define RESET_RST_CPU       0x04u
#define PORT_KBC_COMMAND    0x64u
#define KBC_PULSE_RESET     0xFEu
#define UART_LSR_IDLE       0x60u        /* THRE and TEMT */
/* Spins before "another CPU" sends the SIPI a waiting AP polls for, and
 * spins in one run taken as a hang. */
#define WAIT_SIPI_SPINS     64ul
#define HANG_SPINS          2000000ul
#define FAKE_HOST_CR0       0x80050033ull
#define FAKE_HOST_CR4       0x003726E0ull

struct fake_hw fake;
struct vmm vmm;

static uint64_t vmcs[VMCS_ENCODINGS];

void fake_vmcs_clear(void)
{
	memset(vmcs, 0, sizeof(vmcs));
}

uint64_t fake_vmcs_get(uint32_t field)
{
	return vmcs[field % VMCS_ENCODINGS];
}

void fake_vmcs_set(uint32_t field, uint64_t v)
{
	vmcs[field % VMCS_ENCODINGS] = v;
}

void fake_run_begin(void)
{
	fake.rip_write_count = 0;
	fake.mem_write_count = 0;
	fake.spins = fake.wait_spins = 0;
	fake.nmis_sent = fake.icr_writes = fake.invepts = fake.xsetbvs = 0;
	fake.serial_len = 0;
}

void fake_serial_tail(char *buf, size_t size)
{
	size_t n = fake.serial_len < FAKE_SERIAL_TAIL ? fake.serial_len : FAKE_SERIAL_TAIL;
	size_t start = fake.serial_len - n, i;

	if (!size)
		return;
	if (n > size - 1) {
		start += n - (size - 1);
		n = size - 1;
	}
	for (i = 0; i < n; i++) {
		char c = fake.serial[(start + i) % FAKE_SERIAL_TAIL];

		buf[i] = c == '\r' ? ' ' : c;
	}
	buf[n] = '\0';
}

static __attribute__((noreturn)) void stop(enum fake_stop how)
{
	if (!fake.stop)
		fuzz_bug("stop %d outside a run", (int)how);
	longjmp(*fake.stop, (int)how);
}

/* ---- VMX: SDM Vol. 3D, Appendix B "Field Encoding in VMCS" ---------- */

static bool field_valid(uint32_t field)
{
	if (field & VMCS_RESERVED_BITS)
		return false;
	/* Only 64-bit fields have a "high" access (bit 0). */
	return !(field & VMCS_HIGH_ACCESS) || VMCS_FIELD_WIDTH(field) == VMCS_W64;
}

static uint64_t width_mask(uint32_t field)
{
	switch (VMCS_FIELD_WIDTH(field)) {
	case VMCS_W16:
		return 0xFFFFull;
	case VMCS_W32:
		return 0xFFFFFFFFull;
	default:
		return field & VMCS_HIGH_ACCESS ? 0xFFFFFFFFull : ~0ull;
	}
}

uint64_t vmcs_read_raw(uint32_t field)
{
	if (!field_valid(field)) {
		vmx_insn_failed("vmread", field);
		return 0;
	}
	if (field & VMCS_HIGH_ACCESS)
		return vmcs[field & ~VMCS_HIGH_ACCESS] >> 32;
	return vmcs[field] & width_mask(field);
}

bool vmcs_write_raw(uint32_t field, uint64_t v)
{
	/* No "VMWRITE to any field" (IA32_VMX_MISC bit 29) on the model. */
	if (!field_valid(field) ||
	    ((field >> VMCS_TYPE_SHIFT) & VMCS_TYPE_MASK) == VMCS_TYPE_READ_ONLY) {
		vmx_insn_failed("vmwrite", field);
		return false;
	}
	if (field == VMCS_GUEST_RIP && fake.rip_write_count < FAKE_RIP_WRITES_MAX)
		fake.rip_writes[fake.rip_write_count++] = v;
	if (field & VMCS_HIGH_ACCESS) {
		uint32_t full = field & ~VMCS_HIGH_ACCESS;

		vmcs[full] = (vmcs[full] & 0xFFFFFFFFull) | (v << 32);
	} else {
		vmcs[field] = v & width_mask(field);
	}
	return true;
}

bool vmxon(uint64_t phys) { (void)phys; return true; }
bool vmxoff(void) { return true; }
bool vmclear(uint64_t phys) { (void)phys; return true; }
bool vmptrld(uint64_t phys) { (void)phys; return true; }

bool invvpid(uint64_t type, uint16_t vpid)
{
	if (type != INVVPID_SINGLE_CONTEXT || vpid == 0)
		fuzz_bug("INVVPID type %llu of VPID %u", (unsigned long long)type, vpid);
	return true;
}

bool invept(uint64_t type, uint64_t eptp)
{
	if (type != INVEPT_SINGLE_CONTEXT && type != INVEPT_ALL_CONTEXT)
		fuzz_bug("INVEPT type %llu", (unsigned long long)type);
	if (type == INVEPT_SINGLE_CONTEXT && eptp != vmm.eptp)
		fuzz_bug("INVEPT of EPTP %llx, not the VMM's", (unsigned long long)eptp);
	fake.invepts++;
	return true;
}

/* ---- CPUID, MSRs, XCR0 ---------------------------------------------- */

void cpuid_count(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	memset(r, 0, sizeof(*r));
	switch (leaf) {
	case 0:
		r->eax = 0x16;
		r->ebx = 0x756e6547; /* "GenuineIntel" */
		r->edx = 0x49656e69;
		r->ecx = 0x6c65746e;
		break;
	case 1:
		r->eax = 0x00050654; /* Skylake-X */
		r->ebx = (fake.apic_id << 24) | 0x00010800u;
		r->ecx = 0x7ffefbffu & ~CPUID_1_ECX_HYPERVISOR;
		r->edx = 0xbfebfbffu;
		break;
	case 7:
		if (subleaf == 0) {
			r->ebx = 0xd19f4fbbu;
			r->ecx = 0x0000000cu;
		}
		break;
	case 0xD:
		if (subleaf == 0) {
			r->eax = (uint32_t)vmm.xcr0_supported;
			r->edx = (uint32_t)(vmm.xcr0_supported >> 32);
			r->ebx = r->ecx = 0xa88;
		}
		break;
	case 0x80000000u:
		r->eax = 0x80000008u;
		break;
	case 0x80000008u:
		r->eax = 0x3027; /* 39 physical, 48 linear address bits */
		break;
	default:
		/* Leaves beyond the maximum: whatever the CPU gives, here a
		 * mix of leaf and subleaf so that each answer differs. */
		r->eax = leaf * 0x9E3779B9u;
		r->ebx = subleaf * 0x85EBCA6Bu;
		r->ecx = leaf ^ subleaf;
		r->edx = ~leaf;
		break;
	}
}

static uint64_t fs_base, gs_base, efer = 0xD01, pat = 0x0007040600070406ull;

uint64_t rdmsr(uint32_t msr)
{
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		return fake.apic_base_msr;
	case MSR_IA32_FEATURE_CONTROL:
		return FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	case MSR_IA32_EFER:
		return efer;
	case MSR_IA32_PAT:
		return pat;
	case MSR_FS_BASE:
		return fs_base;
	case MSR_GS_BASE:
		return gs_base;
	default:
		fuzz_bug("host #GP: RDMSR %x, which the model does not have (the VMM passed "
			 "through an MSR the bitmap should not let exit?)", msr);
	}
}

/* The model's WRMSR: false where the CPU would #GP. */
static bool fake_wrmsr(uint32_t msr, uint64_t v)
{
	switch (msr) {
	case MSR_X2APIC_ICR:
		/* x2APIC MSRs #GP in xAPIC mode (SDM Vol. 3A, 11.12.1.2), and
		 * with reserved bits set (11.12.1.3). */
		if (!(fake.apic_base_msr & APIC_BASE_X2APIC) || x2apic_icr_reserved(v))
			return false;
		fake.icr_writes++;
		if (((uint32_t)v & ICR_DM_MASK) == ICR_DM_NMI)
			fake.nmis_sent++;
		return true;
	case MSR_IA32_APIC_BASE:
		fake.apic_base_msr = v;
		return true;
	case MSR_IA32_DEBUGCTL:
		/* Skylake-X: bits 0, 1, 6-15 (a model's own set). */
		return !(v & ~0xFFC3ull);
	case MSR_IA32_EFER:
		efer = v;
		return true;
	case MSR_IA32_PAT:
		pat = v;
		return true;
	case MSR_FS_BASE:
		fs_base = v;
		return true;
	case MSR_GS_BASE:
		gs_base = v;
		return true;
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return true;
	default:
		return false;
	}
}

void wrmsr(uint32_t msr, uint64_t v)
{
	if (!fake_wrmsr(msr, v))
		fuzz_bug("host #GP: WRMSR %x = %llx, which the model refuses", msr,
			 (unsigned long long)v);
}

int msr_write_safe(uint32_t msr, uint64_t v)
{
	return fake_wrmsr(msr, v) ? 0 : -1;
}

int msr_read_safe(uint32_t msr, uint64_t *v)
{
	*v = rdmsr(msr);
	return 0;
}

_Bool msr_safe_fixup(uint64_t *rip)
{
	(void)rip;
	return false;
}

uint64_t xgetbv(uint32_t index)
{
	if (index)
		fuzz_bug("host #GP: XGETBV %u", index);
	return fake.xcr0;
}

/* XSETBV faults (SDM Vol. 2, XSETBV): ECX != 0, bits outside XCR0's
 * supported set, x87 clear, AVX without SSE. */
void xsetbv(uint32_t index, uint64_t v)
{
	if (index != 0 || (v & ~vmm.xcr0_supported) || !(v & XCR0_X87) ||
	    ((v & XCR0_AVX) && !(v & XCR0_SSE)))
		fuzz_bug("host #GP: XSETBV XCR%u = %llx (supported %llx)", index,
			 (unsigned long long)v, (unsigned long long)vmm.xcr0_supported);
	fake.xcr0 = v;
	fake.xsetbvs++;
}

/* ---- control and debug registers, descriptors, segments -------------- */

uint64_t read_cr0(void) { return FAKE_HOST_CR0; }
uint64_t read_cr2(void) { return 0; }
uint64_t read_cr3(void) { return 0x1000; }
uint64_t read_cr4(void) { return FAKE_HOST_CR4; }
void write_cr0(uint64_t v) { (void)v; }
void write_cr4(uint64_t v) { (void)v; }
uint64_t read_dr7(void) { return 0x400; }
void write_dr7(uint64_t v) { (void)v; }
uint64_t read_rflags(void) { return 0x2; }
void sgdt(struct desc_ptr *p) { p->limit = 0; p->base = 0; }
void sidt(struct desc_ptr *p) { p->limit = 0; p->base = 0; }
void lgdt(const struct desc_ptr *p) { (void)p; }
void lidt(const struct desc_ptr *p) { (void)p; }
uint16_t read_cs(void) { return 0x08; }
uint16_t read_ss(void) { return 0x10; }
uint16_t read_ds(void) { return 0x10; }
uint16_t read_es(void) { return 0x10; }
uint16_t read_fs(void) { return 0x10; }
uint16_t read_gs(void) { return 0x10; }
uint16_t read_tr(void) { return 0x18; }
uint16_t read_ldtr(void) { return 0; }
void load_ds(uint16_t sel) { (void)sel; }
void load_es(uint16_t sel) { (void)sel; }
void load_fs(uint16_t sel) { (void)sel; }
void load_gs(uint16_t sel) { (void)sel; }
void nmi_unblock_by_iret(void) {}
void wbinvd(void) {}
void cli(void) {}

uint64_t rdtsc(void)
{
	static uint64_t tsc;

	return tsc += 1000;
}

void hlt(void)
{
	stop(FAKE_HALTED);
}

/* A busy wait. The only wait that depends on another CPU is an AP's wait
 * for its SIPI after an INIT (vmm/vipi.c): after a while "the BSP" posts
 * one. Anything else spinning that long is a hang. */
void cpu_relax(void)
{
	struct vcpu *v = fake.current;

	if (++fake.spins > HANG_SPINS)
		fuzz_bug("hang: %lu spins in one VM exit", fake.spins);
	if (v && v->wait_sipi && ++fake.wait_spins % WAIT_SIPI_SPINS == 0)
		__atomic_or_fetch(&v->ipi_pending,
				  VIPI_SIPI | ((uint32_t)fake.sipi_vector << VIPI_VECTOR_SHIFT),
				  __ATOMIC_ACQ_REL);
}

/* ---- port I/O: COM1 and the reset ports ----------------------------- */

void outb(uint16_t port, uint8_t v)
{
	if (port == COM1_PORT) {
		fake.serial[fake.serial_len++ % FAKE_SERIAL_TAIL] = (char)v;
		return;
	}
	if (port > COM1_PORT && port < COM1_PORT + 8)
		return;
	if ((port == PORT_RESET_CONTROL && (v & RESET_RST_CPU)) ||
	    (port == PORT_KBC_COMMAND && v == KBC_PULSE_RESET))
		stop(FAKE_RESET);
	if (port == PORT_RESET_CONTROL)
		return;
	fuzz_bug("OUT to port %x (%02x): not a port the VMM owns", port, v);
}

uint8_t inb(uint16_t port)
{
	if (port == COM1_PORT + 5)
		return UART_LSR_IDLE;
	fuzz_bug("IN from port %x: not a port the VMM owns", port);
}

/* ---- the rest of the VMM's environment ------------------------------- */

struct vcpu *vcpu_current(void)
{
	return fake.current;
}

__attribute__((noreturn)) void vmx_devirtualize_jump(const struct devirt_ctx *ctx)
{
	(void)ctx;
	stop(FAKE_DEVIRTUALIZED);
}

/* As in vmm/core.c. */
struct vcpu *vcpu_find(unsigned apic_id)
{
	for (uint32_t i = 0; i < vmm.cpus_claimed && i < vmm.bi.cpu_count; i++)
		if (vmm.vcpus[i].apic_id == apic_id)
			return &vmm.vcpus[i];
	return NULL;
}

/* With a VMCS always current, a failing VMREAD/VMWRITE is a bad field or
 * a write to a read-only one: a VMM bug. */
void vmx_insn_failed(const char *insn, uint32_t field)
{
	fuzz_bug("%s of field %x failed (invalid encoding or read-only field)", insn, field);
}

static uint8_t fake_idt[4096];

uint64_t host_idt_base(void)
{
	return (uint64_t)(uintptr_t)fake_idt;
}
