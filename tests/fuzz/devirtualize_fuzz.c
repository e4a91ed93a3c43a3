/* vmm/setup/devirtualize.c as it is, compiled here so that the harness can undo
 * HC_SEAL (a one-way latch in the VMM) between inputs and keep each input
 * independent of the ones before it, and read the latch before each exit
 * of a sequence. */
#include "vmm/setup/devirtualize.c"
#include "tests/fuzz/fake_state.h"

void fuzz_devirtualize_set_sealed(bool on)
{
	__atomic_store_n(&sealed, on, __ATOMIC_RELEASE);
}

bool fuzz_devirtualize_sealed(void)
{
	return __atomic_load_n(&sealed, __ATOMIC_ACQUIRE);
}
