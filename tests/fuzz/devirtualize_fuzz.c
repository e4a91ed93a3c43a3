/* vmm/devirtualize.c as it is, compiled here so that the harness can undo
 * HC_SEAL (a one-way latch in the VMM) between runs and keep each run
 * independent of the ones before it. */
#include "vmm/devirtualize.c"
#include "tests/fuzz/fake_state.h"

void fuzz_devirtualize_set_sealed(bool on)
{
	__atomic_store_n(&sealed, on, __ATOMIC_RELEASE);
}
