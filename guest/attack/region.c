/* The VMM region from inside the guest: every page read, executed and
 * written (docs/security.md, "Memory"). EPT does not map the region; the
 * VMM answers a guest read or write of one of its pages by mapping that
 * page to the sink, one shared page of 0xFF bytes (reads see all ones,
 * writes land there, never in the VMM), and an instruction fetch with #UD:
 * the region is never executable for the guest, and #UD is also what
 * fetching the sink's bytes would give (FF FF is group 5 with ModRM.reg =
 * 7, which is undefined: Intel SDM Vol. 2D, Table A-6 "Opcode Extensions
 * for One- and Two-byte Opcodes by Group Number"). Runs in the cage, whose
 * page tables map the region executable (the firmware's map it NX, which
 * would stop a fetch before EPT). */
#include "guest/attack/attack.h"

#define PAGE 4096ull
#define QWORDS_PER_PAGE (PAGE / 8)
#define SINK_QWORD 0xFFFFFFFFFFFFFFFFull
#define WRITE_PATTERN 0x5A5A000000000000ull

static uint64_t region_base, region_pages;

static void jump_to(void *target)
{
	((void (*)(void))target)();
}

struct read_probe {
	uint64_t addr, value;
};

static void read_qword(void *arg)
{
	struct read_probe *p = arg;

	p->value = *(volatile uint64_t *)(uintptr_t)p->addr;
}

static void read_all_pages(void)
{
	uint64_t bad_pages = 0, first_bad = 0, first_value = 0;

	for (uint64_t i = 0; i < region_pages; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(region_base + i * PAGE);
		bool bad = false;

		for (unsigned k = 0; k < QWORDS_PER_PAGE; k++) {
			uint64_t v = p[k];

			if (v != SINK_QWORD && !bad) {
				bad = true;
				if (!bad_pages) {
					first_bad = (uint64_t)(uintptr_t)&p[k];
					first_value = v;
				}
			}
		}
		bad_pages += bad;
	}
	resultf("vmm-region-read-all-pages", bad_pages == 0,
		"%llu of %llu pages did not read as all ones (first: %llx = %llx)",
		(unsigned long long)bad_pages, (unsigned long long)region_pages,
		(unsigned long long)first_bad, (unsigned long long)first_value);
}

/* CPL 3 reads of the first and last page: the same sink. */
static void read_ring3(void)
{
	uint64_t addrs[2] = { region_base, region_base + (region_pages - 1) * PAGE + PAGE - 8 };
	char why[WHY_MAX] = "";

	for (unsigned i = 0; i < 2; i++) {
		struct read_probe p = { addrs[i], 0 };
		int vec = cage_call(RING3, read_qword, &p);

		if (vec != NO_FAULT || p.value != SINK_QWORD)
			why_add(why, "%llx: %s, value %llx", (unsigned long long)addrs[i],
				vector_name(vec), (unsigned long long)p.value);
	}
	result("vmm-region-read-ring3", why[0] == 0, why);
}

static void exec_all_pages(void)
{
	uint64_t bad = 0, first_bad = 0;
	int first_vec = NO_FAULT;
	uint64_t first_rip = 0;

	for (uint64_t i = 0; i < region_pages; i++) {
		uint64_t page = region_base + i * PAGE;
		int vec = cage_call(RING0, jump_to, (void *)(uintptr_t)page);

		if (vec != VEC_UD || cage_fault_info.rip != page) {
			if (!bad) {
				first_bad = page;
				first_vec = vec;
				first_rip = cage_fault_info.rip;
			}
			bad++;
		}
	}
	resultf("vmm-region-exec-all-pages-ud", bad == 0,
		"%llu of %llu pages did not raise #UD at the page (first: %llx gave %s at RIP %llx)",
		(unsigned long long)bad, (unsigned long long)region_pages,
		(unsigned long long)first_bad, vector_name(first_vec),
		(unsigned long long)first_rip);
}

static void exec_ring3(void)
{
	int vec = cage_call(RING3, jump_to, (void *)(uintptr_t)region_base);

	resultf("vmm-region-exec-ring3-ud", vec == VEC_UD && cage_fault_info.rip == region_base,
		"CPL 3 jump to %llx gave %s at RIP %llx", (unsigned long long)region_base,
		vector_name(vec), (unsigned long long)cage_fault_info.rip);
}

/* Writes go to the one shared sink page: after a distinct value has gone
 * to the first quadword of every page, every page reads the last value
 * written (one page behind them all, none of the VMM's), and the
 * integrity hash (checked around the whole suite) stays the same. */
static void write_all_pages(void)
{
	uint64_t last = WRITE_PATTERN | (region_pages - 1), bad = 0, first_value = 0;

	for (uint64_t i = 0; i < region_pages; i++)
		*(volatile uint64_t *)(uintptr_t)(region_base + i * PAGE) = WRITE_PATTERN | i;
	for (uint64_t i = 0; i < region_pages; i++) {
		uint64_t v = *(volatile uint64_t *)(uintptr_t)(region_base + i * PAGE);

		if (v != last) {
			if (!bad)
				first_value = v;
			bad++;
		}
	}
	resultf("vmm-region-write-all-pages-sink", bad == 0,
		"%llu of %llu pages do not show the last write %llx (first other value %llx): "
		"not one shared sink", (unsigned long long)bad, (unsigned long long)region_pages,
		(unsigned long long)last, (unsigned long long)first_value);
}

void attack_vmm_region(uint64_t base, uint64_t size)
{
	region_base = base;
	region_pages = size / PAGE;
	read_all_pages();
	read_ring3();
	exec_all_pages();
	exec_ring3();
	write_all_pages();
}
