/* Hypercall ABI: the guest executes VMCALL with
 *   RAX = call number, RBX, RCX, RDX = arguments;
 * the VMM returns RAX = status (HC_OK or a negative HC_E*), and results
 * in RBX, RCX, RDX. Other registers are preserved. Calls from CPL > 0 are
 * refused with HC_EPERM, except the read-only calls marked "user" below
 * when the loader's config says user_hypercalls = read.
 * Buffers are guest-linear addresses in the caller's address space,
 * translated through its page tables with its access rights (a CPL 3
 * caller needs user pages; writable pages always); a buffer that does not
 * translate, or lands on the VMM region or the APIC page, gives HC_EFAULT
 * and nothing is written. docs/hypercalls.md is the user's reference.
 * Shared by the VMM and the guest programs: keep it free of VMM types. */
#ifndef PILLBOX_VMM_HYPERCALL_H
#define PILLBOX_VMM_HYPERCALL_H

#include "arch/x86_64/core_call.h"  /* CORE_CALL_HC_DEVIRTUALIZE, asserted below */
#include <stdint.h>

/* CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX = the
 * 12-byte signature below. Leaf 0x40000001: EAX = version, EBX = ABI. */
#define HV_CPUID_BASE        0x40000000u
#define HV_CPUID_VERSION     0x40000001u
#define HV_CPUID_MAX         HV_CPUID_VERSION
#define HV_SIGNATURE         "PillboxVMM\0\0"
#define HV_SIG_EBX           0x6c6c6950u /* "Pill" */
#define HV_SIG_ECX           0x56786f62u /* "boxV" */
#define HV_SIG_EDX           0x00004d4du /* "MM\0\0" */
#define HV_VERSION_MAJOR     0u
#define HV_VERSION_MINOR     1u
#define HV_VERSION           ((HV_VERSION_MAJOR << 16) | HV_VERSION_MINOR)
#define HV_ABI_VERSION       1u

/* Call numbers (RAX in). */
#define HC_PING        0x0u  /* out: RBX = HC_PING_REPLY, RCX = HV_VERSION */
#define HC_VMM_REGION  0x1u  /* out: RBX = base, RCX = size in bytes */
#define HC_INTEGRITY   0x2u  /* out: RBX = 64-bit hash of the VMM image
                              *      (code and read-only data) and its
                              *      host page tables, EPT tables, GDT,
                              *      IDT and MSR bitmap */
#define HC_DEVIRTUALIZE 0x3u /* loader only, before HC_SEAL: leave VMX on this
                              * CPU. in: RBX = landing code in the caller's
                              * code (arch/x86_64/core_call.S); the caller
                              * continues natively after VMCALL, RAX = 0 */
#define HC_SEAL        0x4u  /* loader: every CPU started; HC_DEVIRTUALIZE is
                              * refused from now on, on every CPU */
#define HC_EXIT_STATS  0x5u  /* user. in: RBX = CPU index (0 = boot CPU),
                              * RCX = buffer, RDX = its size in bytes.
                              * Writes struct hc_exit_stats; out: RBX =
                              * number of CPUs, RCX = bytes written.
                              * HC_EINVAL for an index >= CPUs or a size
                              * < sizeof(struct hc_exit_stats) (then RCX =
                              * the size needed) */
#define HC_LOG_READ    0x6u  /* user. in: RBX = buffer, RCX = size (at most
                              * HC_LOG_READ_MAX), RDX = cursor: the byte
                              * offset in the VMM's log stream to start at
                              * (0 = the oldest kept). Copies log text;
                              * out: RBX = bytes copied, RCX = next cursor,
                              * RDX = the oldest cursor still in the ring
                              * (above the one asked for: lines were lost) */
#define HC_FOOTPRINT   0x7u  /* user. out: RBX = bytes reserved for the VMM,
                              * RCX = bytes of EPT tables, RDX = bytes per
                              * CPU */
#define HC_COUNT       0x8u

#define HC_LOG_READ_MAX 0x10000u

/* HC_EXIT_STATS record: exits of one CPU by basic exit reason (SDM Vol.
 * 3C, Appendix C), and the TSC cycles the VMM spent handling them (from
 * its first instruction after the exit to its last before VM entry; the
 * hardware's own exit and entry time is not in it). */
#define HC_STATS_REASONS 80u
#define HC_STATS_VERSION 1u

struct hc_exit_stats {
	unsigned int version;   /* HC_STATS_VERSION */
	unsigned int size;      /* sizeof(struct hc_exit_stats) */
	unsigned int cpu_index;
	unsigned int apic_id;
	unsigned int reasons;   /* HC_STATS_REASONS */
	unsigned int reserved;
	unsigned long long total;
	unsigned long long total_cycles;
	unsigned long long count[HC_STATS_REASONS];
	unsigned long long cycles[HC_STATS_REASONS];
};

_Static_assert(sizeof(struct hc_exit_stats) == 40 + 16 * HC_STATS_REASONS,
	       "hc_exit_stats layout is ABI");

#define HC_PING_REPLY  0x504f4e47u /* "PONG" */

/* Status (RAX out). */
#define HC_OK          0
#define HC_ENOSYS      (-1) /* unknown call number */
#define HC_EPERM       (-2) /* not allowed from this CPL */
#define HC_EINVAL      (-3) /* bad argument */
#define HC_EFAULT      (-4) /* a buffer the caller cannot write */

/* arch/x86_64/core_call.S issues HC_DEVIRTUALIZE by number. */
_Static_assert(HC_DEVIRTUALIZE == CORE_CALL_HC_DEVIRTUALIZE, "core_call.S: devirtualize_self");
/* RAX (status) and RBX, RCX, RDX after a call. */
struct hc {
	uint64_t rax, rbx, rcx, rdx;
};

/* VMCALL with RAX = nr and the arguments in RBX, RCX, RDX: for the
 * loader and the guest programs. Without a hypervisor VMCALL raises #UD
 * (guest/vmminfo/vmm_query.h: pillbox_present()). */
static inline struct hc hc_call(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct hc r = { nr, a1, a2, a3 };

	__asm__ volatile("vmcall"
			 : "+a"(r.rax), "+b"(r.rbx), "+c"(r.rcx), "+d"(r.rdx)
			 :
			 : "memory");
	return r;
}

#endif
