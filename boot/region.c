/* The VMM region: one block of EfiReservedMemoryType pages
 * that holds the core image, boot_info, and the pool (host page tables,
 * EPT tables, MSR bitmap, per-CPU blocks). The type is one no OS reuses:
 * the UEFI memory map the OS gets lists it as reserved, and firmware never
 * hands it out again (docs/architecture.md, "Memory"). */
#include "boot/loader.h"
#include "arch/x86_64/host_paging.h"
#include "ept/mtrr_cpu.h"
#include "vmm/setup/pool.h"

#define SZ_2M  0x200000ull
#define SZ_1G  0x40000000ull
#define SZ_4G  0x100000000ull
#define SZ_512G 0x8000000000ull
#define PAGES(bytes) ((bytes) / PAGE_SIZE)
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((a) - 1))

/* Pool budget beyond per-CPU blocks and page tables (docs/architecture.md):
 * EPT directories for GiB ranges of mixed memory type, page tables for the
 * fixed MTRRs, 2 MiB ranges of mixed type and the region's own edges. */
#define POOL_EPT_MIXED_PAGES 48ull
/* EPT tables made after launch: the three shared tables of the sink
 * fallback, tables for addresses above the map limit (mapped on first
 * access), splits after guest MTRR writes (vmm/memory/ept_live.c). */
#define POOL_EPT_RUNTIME_PAGES 16ull
#define POOL_MISC_PAGES 4ull  /* MSR bitmap, sink page, spare */

extern const char core_blob_start[], core_blob_end[];

/* Guest-physical space to map: the end of the highest range the firmware
 * reports (RAM or MMIO), at least 4 GiB (the PCI hole and local APIC sit
 * below it), rounded up to what one page-table page covers. */
static uint64_t compute_map_limit(const struct cpu_facts *facts)
{
	UINTN count = 0, key, desc_size;
	UINT32 version;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&count, &key, &desc_size, &version);
	uint64_t top = SZ_4G, limit;

	for (UINTN i = 0; map && i < count; i++) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((char *)map + i * desc_size);
		uint64_t end = d->PhysicalStart + d->NumberOfPages * PAGE_SIZE;

		if (end > top)
			top = end;
	}
	if (map)
		FreePool(map);
	limit = ALIGN_UP(top, (facts->ept_1g_pages && facts->host_1g_pages) ? SZ_512G : SZ_1G);
	if (facts->maxphyaddr && facts->maxphyaddr < 64 && limit > (1ull << facts->maxphyaddr))
		limit = 1ull << facts->maxphyaddr;
	return limit;
}

static uint64_t table_pages(uint64_t limit, int use_1g)
{
	uint64_t pml4e = (limit + SZ_512G - 1) / SZ_512G;

	return 1 + pml4e + (use_1g ? 0 : limit / SZ_1G);
}

/* A page provider that hands out the same scratch page every time and
 * counts: host_paging_build() writes its tables but never reads them
 * back, so a dry run with it counts the pages the real build takes
 * (more than table_pages() where the MTRRs split large pages). */
static uint8_t scratch_table[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void *count_page(void *ctx, uint64_t *phys)
{
	(*(uint64_t *)ctx)++;
	*phys = (uint64_t)(uintptr_t)scratch_table;
	return scratch_table;
}

static void *scratch_virt(void *ctx, uint64_t phys)
{
	(void)ctx;
	(void)phys;
	return scratch_table;
}

static uint64_t host_table_pages(uint64_t limit, int use_1g, const struct mtrr_state *mtrr)
{
	uint64_t pages = 0, cr3;
	struct page_alloc count = { count_page, scratch_virt, &pages };

	if (host_paging_build(limit, use_1g, mtrr, &count, &cr3, NULL))
		return table_pages(limit, use_1g);   /* not with this provider; the real build reports it */
	return pages;
}

/* Page granular: the region costs only what it holds. EPT maps the 2 MiB
 * (or 1 GiB) pages around it with 4 KiB pages, budgeted in hole_pts. */
static EFI_STATUS reserve(uint64_t size, uint64_t *base)
{
	EFI_PHYSICAL_ADDRESS raw = 0;
	EFI_STATUS st;

	st = BS->AllocatePages(AllocateAnyPages, EfiReservedMemoryType, PAGES(size), &raw);
	if (EFI_ERROR(st))
		return st;
	*base = raw;
	return EFI_SUCCESS;
}

/* Copies the core, zeroes its bss and applies its relocations. */
static const struct core_header *load_core(uint64_t base)
{
	const struct core_header *h = (const void *)core_blob_start;
	uint64_t blob = (uint64_t)(core_blob_end - core_blob_start);
	char *dst = (char *)(uintptr_t)base;

	if (blob < sizeof(*h) || h->magic != CORE_IMAGE_MAGIC || h->file_size > blob ||
	    h->mem_size < h->file_size || h->rela_end > h->file_size ||
	    h->rela_start > h->rela_end) {
		log_err(LOADER_STAGE, "embedded core image is malformed");
		return NULL;
	}
	memcpy(dst, core_blob_start, h->file_size);
	memset(dst + h->file_size, 0, h->mem_size - h->file_size);
	for (uint64_t off = h->rela_start; off + sizeof(struct elf64_rela) <= h->rela_end;
	     off += sizeof(struct elf64_rela)) {
		const struct elf64_rela *r = (const void *)(dst + off);

		if (ELF64_R_TYPE(r->r_info) != R_X86_64_RELATIVE ||
		    r->r_offset + sizeof(uint64_t) > h->mem_size) {
			log_err(LOADER_STAGE, "core relocation at %llx is not R_X86_64_RELATIVE",
				(unsigned long long)off);
			return NULL;
		}
		*(uint64_t *)(dst + r->r_offset) = base + (uint64_t)r->r_addend;
	}
	return (const struct core_header *)dst;
}

EFI_STATUS region_setup(const struct cpu_facts *facts, const struct boot_config *cfg,
			unsigned cpus, struct vmm_region *r)
{
	const struct core_header *h = (const void *)core_blob_start;
	uint64_t limit = compute_map_limit(facts);
	uint64_t core_bytes = ALIGN_UP(h->mem_size, PAGE_SIZE);
	struct mtrr_state mtrr;
	uint64_t host_pages, ept_pages, pool, size, hole_pts;
	struct page_alloc pa;
	struct host_paging_stats hs;
	EFI_STATUS st;

	*r = (struct vmm_region){ 0 }; /* size 0: nothing for the caller to free */
	if (cpus > BOOT_INFO_MAX_CPUS) {
		log_err(LOADER_STAGE, "refused: %u CPUs, more than the %u supported", cpus,
			BOOT_INFO_MAX_CPUS);
		return EFI_UNSUPPORTED;
	}
	/* The VMM's own memory types: its page tables are split by them. */
	mtrr_read_cpu(&mtrr, NULL, NULL);
	host_pages = host_table_pages(limit, facts->host_1g_pages, &mtrr);
	ept_pages = table_pages(limit, facts->ept_1g_pages) + POOL_EPT_MIXED_PAGES;
	ept_pages += POOL_EPT_RUNTIME_PAGES;
	pool = (host_pages + ept_pages + POOL_MISC_PAGES) * PAGE_SIZE + cpus * BOOT_INFO_CPU_BYTES;
	size = core_bytes + PAGE_SIZE + pool;
	/* One EPT page table per 2 MiB the region touches (it need not be
	 * aligned: one more at each edge). */
	hole_pts = size / SZ_2M + 2;
	size += hole_pts * PAGE_SIZE;
	st = reserve(size, &r->base);
	if (EFI_ERROR(st)) {
		log_err(LOADER_STAGE, "refused: cannot reserve %llu KiB for the VMM (EFI status %llx)",
			(unsigned long long)(size >> 10), (unsigned long long)st);
		return st;
	}
	r->size = size;
	r->core = load_core(r->base);
	if (!r->core)
		return EFI_LOAD_ERROR;
	r->bi = (struct boot_info *)(uintptr_t)(r->base + core_bytes);
	/* The pool after boot_info: the host page tables at its start, the
	 * core allocates from what follows (vmm/setup/pool.c, which the loader links
	 * too; the firmware's page tables map the region identity, as UEFI
	 * requires). */
	pool_init(r->base + core_bytes + PAGE_SIZE, size - core_bytes - PAGE_SIZE);
	pool_page_alloc(&pa);

	memset(r->bi, 0, sizeof(*r->bi));
	r->bi->host_tables_start = pool_cursor();
	if (host_paging_build(limit, facts->host_1g_pages, &mtrr, &pa, &r->bi->host_cr3, &hs)) {
		log_err(LOADER_STAGE, "VMM page tables do not fit the region");
		return EFI_OUT_OF_RESOURCES;
	}
	r->bi->host_tables_end = pool_cursor();
	r->bi->magic = BOOT_INFO_MAGIC;
	r->bi->version = BOOT_INFO_VERSION;
	r->bi->size = sizeof(*r->bi);
	r->bi->region_base = r->base;
	r->bi->region_size = size;
	r->bi->pool_base = pool_cursor();
	r->bi->pool_size = pool_free_bytes();
	r->bi->map_limit = limit;
	r->bi->log_level = cfg->log_level;
	r->bi->flags = cfg->user_hypercalls == CONFIG_USER_HC_READ ? BOOT_INFO_F_USER_HC_READ : 0;
	r->bi->cpu_count = cpus;
	r->bi->test_fail_apic = cfg->test_fail_cpu == CONFIG_TEST_FAIL_NONE
					? BOOT_INFO_NO_FAIL : (uint32_t)cfg->test_fail_cpu;
	log_info(LOADER_STAGE, "VMM region %llx-%llx (%llu KiB, reserved memory type): core %llu KiB, "
		 "host page tables %u pages, map limit %llu GiB",
		 (unsigned long long)r->base, (unsigned long long)(r->base + size),
		 (unsigned long long)(size >> 10), (unsigned long long)(core_bytes >> 10),
		 hs.tables, (unsigned long long)(limit >> 30));
	return EFI_SUCCESS;
}
