/* vmm/memory/guest_mem.c for the fuzz build: the real file's refusals (it is
 * compiled in below), but guest memory is fake_mem[], repeated every
 * FAKE_MEM_SIZE bytes over guest-physical space, so that every address
 * the guest's page tables name reads fuzz data. Every accepted write is
 * recorded for the harness, which checks that guest memory changed
 * nowhere else. */
#include <string.h>
#include "vmm/memory/guest_mem.h"
#include "vmm/vmm.h"
#include "tests/fuzz/fake_state.h"

uint8_t fake_mem[FAKE_MEM_SIZE];

/* The real vmm/memory/guest_mem.c, for its guest_mem_allowed(); its accessors,
 * which use a guest-physical address as a pointer, are renamed away. */
#define guest_mem_write   identity_mem_write
#define guest_mem_read_fn identity_mem_read_fn
bool identity_mem_write(uint64_t gpa, const void *buf, size_t len);
bool identity_mem_read_fn(void *ctx, uint64_t gpa, void *buf, unsigned len);
#include "vmm/memory/guest_mem.c"
#undef guest_mem_write
#undef guest_mem_read_fn

bool guest_mem_write(uint64_t gpa, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	if (!guest_mem_allowed(gpa, len))
		return false;
	if (fake.mem_write_count == FAKE_MEM_WRITES_MAX)
		fuzz_bug("more than %u guest memory writes in one exit", FAKE_MEM_WRITES_MAX);
	fake.mem_writes[fake.mem_write_count++] = (struct fake_mem_write){ gpa, len };
	for (size_t i = 0; i < len; i++)
		fake_mem[(gpa + i) % FAKE_MEM_SIZE] = b[i];
	return true;
}

bool guest_mem_read_fn(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	uint8_t *b = buf;

	(void)ctx;
	if (!guest_mem_allowed(gpa, len))
		return false;
	for (size_t i = 0; i < len; i++)
		b[i] = fake_mem[(gpa + i) % FAKE_MEM_SIZE];
	return true;
}
