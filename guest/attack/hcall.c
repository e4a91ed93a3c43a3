/* VMCALL from a hostile guest (docs/hypercalls.md): unknown numbers with
 * garbage arguments give HC_ENOSYS at CPL 0 and change no register but
 * RAX-RDX; HC_DEVIRTUALIZE after HC_SEAL is refused; at CPL 3 every call,
 * known or not, gives HC_EPERM (the default configuration has no user
 * hypercalls) and returns nothing in RBX-RDX. */
#include "guest/attack/attack.h"
#include "vmm/exit/hypercall.h"

#define GARBAGE_RBX 0xDEADBEEFCAFEF00Dull
#define GARBAGE_RCX 0xFFFFFFFFFFFFFFF0ull
#define GARBAGE_RDX 0x8000000000000001ull

static const uint64_t unknown_calls[] = {
	HC_COUNT, HC_COUNT + 1, 0x10, 0x100, 0x1000, 0x7FFFFFFF, 0xFFFFFFFF, 0x100000000ull,
	0x8000000000000000ull, ~0ull - 1, ~0ull,
};

static void unknown_ring0(void)
{
	char why[WHY_MAX] = "";

	for (unsigned i = 0; i < sizeof(unknown_calls) / sizeof(unknown_calls[0]); i++) {
		struct hc r = hc_call(unknown_calls[i], GARBAGE_RBX, GARBAGE_RCX, GARBAGE_RDX);

		if ((int64_t)r.rax != HC_ENOSYS)
			why_add(why, "call %llx gave %lld", (unsigned long long)unknown_calls[i],
				(long long)r.rax);
	}
	result("vmcall-unknown-enosys", why[0] == 0, why);
}

/* The registers the ABI does not use come back as they went in. */
static void preserves_registers(void)
{
	register uint64_t r8 __asm__("r8") = 0x0808080808080808ull;
	register uint64_t r9 __asm__("r9") = 0x0909090909090909ull;
	register uint64_t r10 __asm__("r10") = 0x1010101010101010ull;
	register uint64_t r11 __asm__("r11") = 0x1111111111111111ull;
	register uint64_t r12 __asm__("r12") = 0x1212121212121212ull;
	register uint64_t r13 __asm__("r13") = 0x1313131313131313ull;
	register uint64_t r14 __asm__("r14") = 0x1414141414141414ull;
	register uint64_t r15 __asm__("r15") = 0x1515151515151515ull;
	uint64_t rax = 0xFFFFFFFFull, rbx = GARBAGE_RBX, rcx = GARBAGE_RCX, rdx = GARBAGE_RDX;
	uint64_t rsi = 0x5151515151515151ull, rdi = 0xD1D1D1D1D1D1D1D1ull;

	__asm__ volatile("vmcall"
			 : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi),
			   "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13),
			   "+r"(r14), "+r"(r15)
			 :
			 : "memory");
	resultf("vmcall-preserves-registers",
		(int64_t)rax == HC_ENOSYS && rsi == 0x5151515151515151ull &&
			rdi == 0xD1D1D1D1D1D1D1D1ull && r8 == 0x0808080808080808ull &&
			r9 == 0x0909090909090909ull && r10 == 0x1010101010101010ull &&
			r11 == 0x1111111111111111ull && r12 == 0x1212121212121212ull &&
			r13 == 0x1313131313131313ull && r14 == 0x1414141414141414ull &&
			r15 == 0x1515151515151515ull,
		"status %lld; RSI %llx RDI %llx R8 %llx R11 %llx R15 %llx", (long long)rax,
		(unsigned long long)rsi, (unsigned long long)rdi, (unsigned long long)r8,
		(unsigned long long)r11, (unsigned long long)r15);
}

static void devirtualize_refused(void)
{
	struct hc r = hc_call(HC_DEVIRTUALIZE, 0, GARBAGE_RCX, GARBAGE_RDX);

	resultf("vmcall-devirtualize-refused", (int64_t)r.rax == HC_EPERM,
		"HC_DEVIRTUALIZE after the seal gave %lld, not HC_EPERM", (long long)r.rax);
	r = hc_call(HC_SEAL, GARBAGE_RBX, GARBAGE_RCX, GARBAGE_RDX);
	if (r.rax == HC_OK)
		r = hc_call(HC_DEVIRTUALIZE, GARBAGE_RBX, 0, 0);
	resultf("vmcall-seal-again-still-sealed", (int64_t)r.rax == HC_EPERM,
		"HC_SEAL again, then HC_DEVIRTUALIZE gave %lld", (long long)r.rax);
}

static void ring3_eperm(void)
{
	char why[WHY_MAX] = "";
	unsigned tried = 0;

	for (uint64_t nr = 0; nr <= HC_COUNT + 1; nr++, tried++) {
		struct hc r = vmcall_at(RING3, nr, GARBAGE_RBX, GARBAGE_RCX, GARBAGE_RDX);

		if ((int64_t)r.rax != HC_EPERM || r.rbx != GARBAGE_RBX || r.rcx != GARBAGE_RCX ||
		    r.rdx != GARBAGE_RDX)
			why_add(why, "call %llx: status %llx rbx %llx", (unsigned long long)nr,
				(unsigned long long)r.rax, (unsigned long long)r.rbx);
	}
	for (unsigned i = 0; i < sizeof(unknown_calls) / sizeof(unknown_calls[0]); i++, tried++) {
		struct hc r = vmcall_at(RING3, unknown_calls[i], GARBAGE_RBX, 0, 0);

		if ((int64_t)r.rax != HC_EPERM || r.rbx != GARBAGE_RBX)
			why_add(why, "call %llx: status %llx", (unsigned long long)unknown_calls[i],
				(unsigned long long)r.rax);
	}
	resultf("vmcall-ring3-eperm", why[0] == 0, "of %u calls: %s", tried, why);
}

void attack_hypercalls(void)
{
	unknown_ring0();
	preserves_registers();
	devirtualize_refused();
	ring3_eperm();
}
