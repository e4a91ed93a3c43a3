/* The fuzz build's CPU: every instruction the VMM executes in its exit
 * handlers, as a function over in-memory state (declared by the headers of
 * tests/fuzz/include/, which the fuzz build finds first).
 * A host model close to the Bochs Skylake-X CPU the boot tests use. A
 * #GP that the CPU raises for a value (an MSR write it refuses, an
 * invalid XCR0) goes to the VMM's own host_exception(), as on hardware,
 * which halts: the harness then judges the halt. An MSR the model lacks
 * or a failed VMREAD/VMWRITE is a VMM bug: fuzz_bug(). Also stands in for
 * the few symbols of vmm/setup/core.c the handlers use. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/vmx.h"
#include "vmm/ipi/apic_icr.h"
#include "vmm/policy/cr_policy.h"
#include "vmm/setup/devirtualize.h"
#include "vmm/log/fatal.h"
#include "vmm/policy/msr_policy.h"
#include "vmm/vcpu.h"
#include "vmm/ipi/vipi.h"
#include "vmm/vmm.h"
#include "tests/fuzz/fake_state.h"
#include "tests/fuzz/fuzz_exit.h"

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
#define VECTOR_GP           13u
/* IA32_APIC_BASE bits 0-7 and 9 are reserved (SDM Vol. 3A, Figure 11-5). */
#define APIC_BASE_RESERVED_LOW 0x2FFull
/* x2APIC ICR bits 12-13, 16-17, 20-31 are reserved (SDM Vol. 3A, Figure
 * 11-28); writing them is #GP (11.12.1.3 "Reserved Bit Checking"). The
 * model's own, from the SDM, not vmm/ipi/apic_icr.h's. */
#define MODEL_X2APIC_ICR_RESERVED 0xFFF33000ull

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
	fake.invepts = fake.xsetbvs = 0;
	fake.host_fault[0] = '\0';
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

/* A #GP in VMX root operation: the host IDT calls host_exception(),
 * which logs, dumps and halts (vmm/log/dump.c). */
static __attribute__((noreturn, format(printf, 1, 2))) void host_gp(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake.host_fault, sizeof(fake.host_fault), fmt, ap);
	va_end(ap);
	host_exception(VECTOR_GP, 0, 0, 0, 0);
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

#define X2APIC_MSR_LAST 0x8FFu

static bool is_x2apic_msr(uint32_t msr)
{
	return msr >= X2APIC_MSR_BASE && msr <= X2APIC_MSR_LAST;
}

/* The model's RDMSR and WRMSR: NULL when done, else why the CPU raises
 * #GP. An MSR the model lacks is a bug (the VMM passed through one the
 * bitmap should not let exit?). */
static const char *fake_rdmsr(uint32_t msr, uint64_t *v)
{
	/* x2APIC MSRs #GP outside x2APIC mode (SDM Vol. 3A, 11.12.1.2). */
	if (is_x2apic_msr(msr))
		return (fake.apic_base_msr & APIC_BASE_X2APIC) && fake_x2apic_access(msr, false, v)
			       ? NULL : "no such readable x2APIC register in this mode";
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		*v = fake.apic_base_msr;
		return NULL;
	case MSR_IA32_FEATURE_CONTROL:
		*v = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		return NULL;
	case MSR_IA32_EFER:
		*v = efer;
		return NULL;
	case MSR_IA32_PAT:
		*v = pat;
		return NULL;
	case MSR_FS_BASE:
		*v = fs_base;
		return NULL;
	case MSR_GS_BASE:
		*v = gs_base;
		return NULL;
	default:
		fuzz_bug("host #GP: RDMSR %x, which the model does not have (the VMM passed "
			 "through an MSR the bitmap should not let exit?)", msr);
	}
}

static const char *fake_wrmsr(uint32_t msr, uint64_t v)
{
	if (is_x2apic_msr(msr) && msr != MSR_X2APIC_ICR)
		return (fake.apic_base_msr & APIC_BASE_X2APIC) && fake_x2apic_access(msr, true, &v)
			       ? NULL : "no such writable x2APIC register in this mode, or reserved bits";
	switch (msr) {
	case MSR_X2APIC_ICR:
		if (!(fake.apic_base_msr & APIC_BASE_X2APIC))
			return "the APIC is not in x2APIC mode";
		return v & MODEL_X2APIC_ICR_RESERVED ? "reserved bits of the x2APIC ICR" : NULL;
	case MSR_IA32_APIC_BASE:
		return fake_apic_base_write(v) ? NULL : "a value IA32_APIC_BASE refuses";
	case MSR_IA32_DEBUGCTL:
		/* Skylake-X: bits 0, 1, 6-15 (a model's own set). */
		return v & ~0xFFC3ull ? "an IA32_DEBUGCTL bit the model does not have" : NULL;
	case MSR_IA32_EFER:
		efer = v;
		return NULL;
	case MSR_IA32_PAT:
		pat = v;
		return NULL;
	case MSR_FS_BASE:
		fs_base = v;
		return NULL;
	case MSR_GS_BASE:
		gs_base = v;
		return NULL;
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return NULL;
	default:
		fuzz_bug("host #GP: WRMSR %x = %llx, which the model does not have", msr,
			 (unsigned long long)v);
	}
}

/* A #GP of a plain RDMSR/WRMSR goes to host_exception(); one of the
 * _safe forms (arch/x86_64/msr_safe.S) returns -1, as the host IDT's
 * fix-up makes it. */
uint64_t rdmsr(uint32_t msr)
{
	uint64_t v = 0;
	const char *gp = fake_rdmsr(msr, &v);

	if (gp)
		host_gp("RDMSR %xH: %s", msr, gp);
	return v;
}

void wrmsr(uint32_t msr, uint64_t v)
{
	const char *gp = fake_wrmsr(msr, v);

	if (gp)
		host_gp("WRMSR %xH = %llx: %s", msr, (unsigned long long)v, gp);
}

int msr_read_safe(uint32_t msr, uint64_t *v)
{
	*v = 0;
	return fake_rdmsr(msr, v) ? -1 : 0;
}

int msr_write_safe(uint32_t msr, uint64_t v)
{
	return fake_wrmsr(msr, v) ? -1 : 0;
}

/* No instruction faults in the fake: the _safe forms return -1 above. */
_Bool msr_safe_fixup(uint64_t *rip)
{
	(void)rip;
	return false;
}

/* The modes are disabled (EN 0), xAPIC (EN), x2APIC (EN, EXTD); EXTD
 * without EN is invalid, and x2APIC -> xAPIC and disabled -> x2APIC are
 * forbidden (SDM Vol. 3A, 11.12.5, Figure 11-27). The base may change in
 * any mode; the BSP flag is the CPU's. */
bool fake_apic_base_write(uint64_t want)
{
	uint64_t cur = fake.apic_base_msr;
	bool en = want & APIC_BASE_ENABLE, extd = want & APIC_BASE_X2APIC;

	if ((want & APIC_BASE_RESERVED_LOW) || (want >> vmm.maxphyaddr) || (extd && !en))
		return false;
	if (en && !extd && (cur & APIC_BASE_X2APIC))
		return false;
	if (extd && !(cur & APIC_BASE_ENABLE))
		return false;
	fake.apic_base_msr = (want & ~APIC_BASE_BSP) | (cur & APIC_BASE_BSP);
	return true;
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
		host_gp("XSETBV XCR%u = %llx (supported %llx)", index, (unsigned long long)v,
			(unsigned long long)vmm.xcr0_supported);
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
 * for its SIPI after an INIT (vmm/ipi/vipi.c): after a while "the BSP" posts
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

void *host_percpu(void)
{
	return fake.current;
}

__attribute__((noreturn)) void vmx_devirtualize_jump(const struct devirt_ctx *ctx)
{
	(void)ctx;
	stop(FAKE_DEVIRTUALIZED);
}

/* As in vmm/setup/core.c. */
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
