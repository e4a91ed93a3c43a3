/* Buffers the VMM writes for the guest (HC_EXIT_STATS, HC_LOG_READ:
 * vmm/exit/hypercall.h), given out of range: in the VMM region, straddling
 * its ends, on the local APIC page, NULL (unmapped here, as an OS maps
 * it), non-canonical, wrapping past the top of the address space, above
 * the cage's map, crossing from a good page into an absent or a read-only
 * one; sizes 0, one short, above the maximum, ~0; CPU indexes past the
 * last. Every buffer fault is HC_EFAULT with nothing written, every bad
 * size or index HC_EINVAL (docs/hypercalls.md); the integrity hash around
 * the suite shows the VMM unchanged. At CPL 0 in the cage, whose page
 * tables the VMM walks for these addresses. */
#include "guest/attack/attack.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "vmm/exit/hypercall.h"
#include "lib/lib.h"

#define PAGE        4096u
#define GUARD_BYTE  0xA5u
#define LOG_SIZE    512u
#define STRADDLE    16u

/* Pages: 0 writable, 1 absent, 2 writable, 3 read-only. */
static uint8_t buf[4 * PAGE] __attribute__((aligned(PAGE)));

struct bad_ptr {
	const char *what;
	uint64_t addr;
};

static bool guards_intact(void)
{
	for (unsigned i = 0; i < PAGE; i++)
		if (buf[i] != GUARD_BYTE || buf[2 * PAGE + i] != GUARD_BYTE)
			return false;
	return true;
}

/* Each bad pointer with both calls: HC_EFAULT. */
static void bad_buffers(const struct bad_ptr *bad, unsigned n)
{
	char why_stats[WHY_MAX] = "", why_log[WHY_MAX] = "";

	for (unsigned i = 0; i < n; i++) {
		struct hc r = hc_call(HC_EXIT_STATS, 0, bad[i].addr, sizeof(struct hc_exit_stats));

		if ((int64_t)r.rax != HC_EFAULT)
			why_add(why_stats, "%s (%llx): status %lld", bad[i].what,
				(unsigned long long)bad[i].addr, (long long)r.rax);
		r = hc_call(HC_LOG_READ, bad[i].addr, LOG_SIZE, 0);
		if ((int64_t)r.rax != HC_EFAULT)
			why_add(why_log, "%s (%llx): status %lld, %llu bytes", bad[i].what,
				(unsigned long long)bad[i].addr, (long long)r.rax,
				(unsigned long long)r.rbx);
	}
	result("hc-exit-stats-bad-buffer-efault", why_stats[0] == 0, why_stats);
	result("hc-log-read-bad-buffer-efault", why_log[0] == 0, why_log);
}

static void bad_sizes_and_indexes(void)
{
	uint64_t good = (uint64_t)(uintptr_t)buf;
	char why[WHY_MAX] = "";
	struct hc r;

	r = hc_call(HC_EXIT_STATS, 0, good, 0);
	if ((int64_t)r.rax != HC_EINVAL || r.rcx != sizeof(struct hc_exit_stats))
		why_add(why, "size 0: status %lld, RCX %llu", (long long)r.rax,
			(unsigned long long)r.rcx);
	r = hc_call(HC_EXIT_STATS, 0, good, sizeof(struct hc_exit_stats) - 1);
	if ((int64_t)r.rax != HC_EINVAL)
		why_add(why, "size one short: status %lld", (long long)r.rax);
	r = hc_call(HC_EXIT_STATS, ~0ull, good, sizeof(struct hc_exit_stats));
	if ((int64_t)r.rax != HC_EINVAL)
		why_add(why, "CPU index ~0: status %lld", (long long)r.rax);
	r = hc_call(HC_EXIT_STATS, 0x100000000ull, good, sizeof(struct hc_exit_stats));
	if ((int64_t)r.rax != HC_EINVAL)
		why_add(why, "CPU index 2^32: status %lld", (long long)r.rax);
	result("hc-exit-stats-bad-size-index-einval", why[0] == 0, why);

	why[0] = 0;
	r = hc_call(HC_LOG_READ, good, HC_LOG_READ_MAX + 1, 0);
	if ((int64_t)r.rax != HC_EINVAL)
		why_add(why, "size max+1: status %lld", (long long)r.rax);
	r = hc_call(HC_LOG_READ, good, ~0ull, 0);
	if ((int64_t)r.rax != HC_EINVAL)
		why_add(why, "size ~0: status %lld", (long long)r.rax);
	r = hc_call(HC_LOG_READ, good, 1ull << 63, ~0ull);
	if ((int64_t)r.rax != HC_EINVAL)
		why_add(why, "size 2^63: status %lld", (long long)r.rax);
	result("hc-log-read-bad-size-einval", why[0] == 0, why);

	/* Zero bytes touch no byte of the buffer, wherever it points. */
	r = hc_call(HC_LOG_READ, 0, 0, 0);
	resultf("hc-log-read-size-zero", r.rax == HC_OK && r.rbx == 0,
		"size 0 at NULL: status %lld, %llu bytes", (long long)r.rax,
		(unsigned long long)r.rbx);
}

/* A size far above the record: only the record is written. */
static void huge_size(void)
{
	uint64_t good = (uint64_t)(uintptr_t)buf;
	struct hc r = hc_call(HC_EXIT_STATS, 0, good, ~0ull);
	const struct hc_exit_stats *rec = (const void *)buf;
	unsigned tail_bad = 0;

	for (unsigned i = sizeof(*rec); i < PAGE; i++)
		tail_bad += buf[i] != GUARD_BYTE;
	resultf("hc-exit-stats-huge-size-record-only",
		r.rax == HC_OK && r.rcx == sizeof(*rec) && rec->size == sizeof(*rec) && !tail_bad,
		"size ~0: status %lld, %llu bytes written, record size %u, %u bytes after it changed",
		(long long)r.rax, (unsigned long long)r.rcx, rec->size, tail_bad);
}

void attack_hypercall_buffers(uint64_t region_base, uint64_t region_size)
{
	uint64_t b = (uint64_t)(uintptr_t)buf;
	uint64_t apic = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK;
	const struct bad_ptr bad[] = {
		{ "VMM region", region_base },
		{ "VMM region, last bytes", region_base + region_size - 8 },
		{ "straddling into the VMM region", region_base - STRADDLE },
		{ "straddling out of the VMM region", region_base + region_size - STRADDLE },
		{ "APIC page", apic },
		{ "NULL", 0 },
		{ "non-canonical", 0x0000800000000000ull },
		{ "non-canonical high", 0xFFFF7FFFFFFFF000ull },
		{ "wrapping past 2^64", 0xFFFFFFFFFFFFFFF8ull },
		{ "above the mapped 4 GiB", CAGE_MAP_LIMIT },
		{ "crossing into an absent page", b + 2 * PAGE - STRADDLE },
		{ "read-only page", b + 3 * PAGE },
		{ "crossing into a read-only page", b + 3 * PAGE - STRADDLE },
	};

	memset(buf, GUARD_BYTE, sizeof(buf));
	if (!cage_set_page(0, CAGE_PAGE_ABSENT) || !cage_set_page(b + PAGE, CAGE_PAGE_ABSENT) ||
	    !cage_set_page(b + 3 * PAGE, CAGE_PAGE_READONLY)) {
		result("hc-buffers-setup", false, "the cage cannot change its page tables");
		return;
	}
	bad_buffers(bad, sizeof(bad) / sizeof(bad[0]));
	bad_sizes_and_indexes();
	result("hc-buffers-untouched", guards_intact(),
	       "a refused call wrote into the guard pages next to the bad buffers");
	huge_size();
	cage_set_page(0, CAGE_PAGE_WRITABLE);
	cage_set_page(b + PAGE, CAGE_PAGE_WRITABLE);
	cage_set_page(b + 3 * PAGE, CAGE_PAGE_WRITABLE);
}
