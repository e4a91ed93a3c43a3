#include "vmm/setup/pool.h"
#include "arch/x86_64/paging.h"
#include "lib/lib.h"
#include "vmm/spinlock.h"


static uint64_t pool_next, pool_end;
static int pool_lock_word;

void pool_init(uint64_t base, uint64_t size)
{
	pool_next = (base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	pool_end = base + size;
}

void *pool_alloc_pages(uint64_t n)
{
	void *p = NULL;

	spin_lock(&pool_lock_word); /* not without it: two CPUs would get the same pages */
	if (n && n <= (pool_end - pool_next) / PAGE_SIZE) {
		p = (void *)(uintptr_t)pool_next;
		pool_next += n * PAGE_SIZE;
	}
	spin_unlock(&pool_lock_word, 1);
	if (p)
		memset(p, 0, n * PAGE_SIZE);
	return p;
}

uint64_t pool_cursor(void)
{
	return __atomic_load_n(&pool_next, __ATOMIC_ACQUIRE);
}

uint64_t pool_free_bytes(void)
{
	return pool_end - pool_cursor();
}

/* Host-physical == host-virtual in the VMM (identity host paging). */
static void *pool_alloc_one(void *ctx, uint64_t *phys)
{
	void *p = pool_alloc_pages(1);

	(void)ctx;
	if (p)
		*phys = (uint64_t)(uintptr_t)p;
	return p;
}

static void *pool_to_virt(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

void pool_page_alloc(struct page_alloc *pa)
{
	pa->alloc_page = pool_alloc_one;
	pa->to_virt = pool_to_virt;
	pa->ctx = NULL;
}
