/* A spinlock that gives up: a CPU that cannot take it within `spins`
 * tries (another CPU stopped while holding it) goes on without it rather
 * than hang (the log, the log ring); or one that waits for as long as it
 * takes, where going on without it would be wrong (the page pool, the
 * EPT after launch). */
#ifndef PILLBOX_VMM_SPINLOCK_H
#define PILLBOX_VMM_SPINLOCK_H

#include <limits.h>
#include "arch/x86_64/cpu.h"

/* 1: taken; 0: not, after `spins` tries. Pass the result to spin_unlock(). */
static inline int spin_lock_bounded(int *word, unsigned spins)
{
	for (unsigned i = 0; i < spins; i++) {
		if (!__atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE))
			return 1;
		cpu_relax();
	}
	return 0;
}

static inline void spin_lock(int *word)
{
	while (!spin_lock_bounded(word, UINT_MAX))
		;
}

static inline void spin_unlock(int *word, int held)
{
	if (held)
		__atomic_store_n(word, 0, __ATOMIC_RELEASE);
}

#endif
