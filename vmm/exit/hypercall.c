/* VMCALL: the hypercall ABI of vmm/exit/hypercall.h (docs/hypercalls.md). */
#include "vmm/setup/devirtualize.h"
#include "vmm/exit/exit_table.h"
#include "vmm/memory/guest_linear.h"
#include "vmm/guest_state.h"
#include "vmm/exit/hypercall.h"
#include "vmm/setup/integrity.h"
#include "lib/lib.h"
#include "vmm/log/log.h"
#include "vmm/log/log_buffer.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"

/* HC_LOG_READ copies through a bounce buffer of this size on the host
 * stack. */
#define LOG_CHUNK 512u

/* The read-only calls a CPL 3 caller may make with user_hypercalls = read:
 * they change nothing and write only into the caller's own buffer, with
 * its access rights. */
static bool user_call_allowed(uint64_t nr)
{
	if (!(vmm.bi.flags & BOOT_INFO_F_USER_HC_READ))
		return false;
	return nr == HC_PING || nr == HC_EXIT_STATS || nr == HC_LOG_READ || nr == HC_FOOTPRINT;
}

/* Outside 64-bit mode the arguments are 32-bit registers and a buffer is
 * an offset in DS, its linear address wrapping at 4 GiB (docs/hypercalls.md;
 * SDM Vol. 3A, 3.4 "Logical and Linear Addresses"). */
static uint64_t arg(const struct vcpu *v, unsigned reg)
{
	return guest_in_64bit_mode() ? v->gpr[reg] : v->gpr[reg] & 0xFFFFFFFFull;
}

static uint64_t buffer_la(const struct vcpu *v, unsigned reg)
{
	if (guest_in_64bit_mode())
		return v->gpr[reg];
	return (vmcs_readl(VMCS_GUEST_DS_BASE) + (v->gpr[reg] & 0xFFFFFFFFull)) & 0xFFFFFFFFull;
}

static int64_t exit_stats(struct vcpu *v, bool user)
{
	uint64_t index = arg(v, GPR_RBX), buf = buffer_la(v, GPR_RCX), size = arg(v, GPR_RDX);
	struct hc_exit_stats rec;
	const struct vcpu *t;

	if (index >= vmm.bi.cpu_count)
		return HC_EINVAL;
	if (size < sizeof(rec)) {
		v->gpr[GPR_RCX] = sizeof(rec);
		return HC_EINVAL;
	}
	t = &vmm.vcpus[index];
	memset(&rec, 0, sizeof(rec));
	rec.version = HC_STATS_VERSION;
	rec.size = sizeof(rec);
	rec.cpu_index = (unsigned int)index;
	rec.apic_id = t->apic_id;
	rec.reasons = HC_STATS_REASONS;
	rec.total = __atomic_load_n(&t->exits, __ATOMIC_RELAXED);
	rec.total_cycles = __atomic_load_n(&t->stats.cycles_total, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < HC_STATS_REASONS; i++) {
		rec.count[i] = __atomic_load_n(&t->stats.count[i], __ATOMIC_RELAXED);
		rec.cycles[i] = __atomic_load_n(&t->stats.cycles[i], __ATOMIC_RELAXED);
	}
	if (guest_write_linear(buf, &rec, sizeof(rec), user) != GP_OK)
		return HC_EFAULT;
	v->gpr[GPR_RBX] = vmm.bi.cpu_count;
	v->gpr[GPR_RCX] = sizeof(rec);
	return HC_OK;
}

/* The whole buffer is checked first; a later chunk can still fail if
 * another CPU changes the caller's page tables meanwhile: then HC_EFAULT
 * with RBX = the bytes copied before it. */
static int64_t log_read(struct vcpu *v, bool user)
{
	uint64_t buf = buffer_la(v, GPR_RBX), size = arg(v, GPR_RCX);
	uint64_t cursor = v->gpr[GPR_RDX], next = cursor, oldest = 0;
	char chunk[LOG_CHUNK];
	uint64_t done = 0;
	int64_t status = HC_OK;

	if (size > HC_LOG_READ_MAX)
		return HC_EINVAL;
	if (guest_linear_writable(buf, size, user) != GP_OK)
		return HC_EFAULT;
	do {
		uint64_t want = size - done < LOG_CHUNK ? size - done : LOG_CHUNK;
		size_t n = log_buffer_read(cursor, chunk, want, &next, &oldest);

		if (!n)
			break;
		if (guest_write_linear(buf + done, chunk, n, user) != GP_OK) {
			status = HC_EFAULT;
			next = cursor;
			break;
		}
		done += n;
		cursor = next;
	} while (done < size);
	v->gpr[GPR_RBX] = done;
	v->gpr[GPR_RCX] = next;
	v->gpr[GPR_RDX] = oldest;
	return status;
}

enum exit_result handle_vmcall(struct vcpu *v)
{
	uint64_t nr = v->gpr[GPR_RAX];
	unsigned cpl = guest_cpl();
	int64_t status = HC_OK;

	if (cpl != 0 && !user_call_allowed(nr)) {
		log_debug("hcall", "hypercall %llx from CPL %u refused", (unsigned long long)nr, cpl);
		v->gpr[GPR_RAX] = (uint64_t)(int64_t)HC_EPERM;
		return EXIT_NEXT_INSN;
	}
	switch (nr) {
	case HC_PING:
		v->gpr[GPR_RBX] = HC_PING_REPLY;
		v->gpr[GPR_RCX] = HV_VERSION;
		break;
	case HC_VMM_REGION:
		v->gpr[GPR_RBX] = vmm.bi.region_base;
		v->gpr[GPR_RCX] = vmm.bi.region_size;
		break;
	case HC_INTEGRITY:
		v->gpr[GPR_RBX] = integrity_hash();
		break;
	case HC_DEVIRTUALIZE:
		status = devirtualize(v); /* returns only when refused */
		break;
	case HC_SEAL:
		devirtualize_seal();
		log_info("hcall", "launch sealed: CPUs can no longer leave the VMM");
		break;
	case HC_EXIT_STATS:
		status = exit_stats(v, cpl == 3);
		break;
	case HC_LOG_READ:
		status = log_read(v, cpl == 3);
		break;
	case HC_FOOTPRINT:
		v->gpr[GPR_RBX] = vmm.bi.region_size;
		v->gpr[GPR_RCX] = vmm.ept_tables_end - vmm.ept_tables_start;
		v->gpr[GPR_RDX] = sizeof(struct vcpu);
		break;
	default:
		status = HC_ENOSYS;
		break;
	}
	if (status != HC_OK && nr != HC_DEVIRTUALIZE)
		log_debug("hcall", "hypercall %llx from CPL %u: status %lld%s",
			  (unsigned long long)nr, cpl, (long long)status,
			  status == HC_ENOSYS ? " (unknown call)" : "");
	v->gpr[GPR_RAX] = (uint64_t)status;
	return EXIT_NEXT_INSN;
}
