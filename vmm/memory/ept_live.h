/* The EPT after launch: the guest's MTRR writes retype it, a first access
 * above the map limit extends it, and each CPU drops what it cached from
 * an older state before it runs guest code again (docs/architecture.md,
 * "Memory"). */
#ifndef PILLBOX_VMM_EPT_LIVE_H
#define PILLBOX_VMM_EPT_LIVE_H

#include <stdint.h>
#include "ept/ept.h"

struct vcpu;

/* vmm.ept_lock, around the guest's MTRRs and changes to EPT's tables. */
void ept_live_lock(void);
void ept_live_unlock(void);

/* With the lock held, after the guest's MTRRs changed: every guest leaf
 * takes its new type (ept_retype()), then ept_gen moves on, so that
 * every CPU INVEPTs at its next exit (ept_live_sync()). Counts go to st. */
void ept_live_retype(struct ept_stats *st);

/* Identity-maps gpa, a guest-physical address at or above the map limit
 * and below 2^MAXPHYADDR, on its first access (ept_map_on_demand() with
 * the guest's MTRRs and the sink fallback). EPT_OK with *m (was_present
 * when another CPU got there first), or the error of ept_map_on_demand().
 * Takes the lock. */
int ept_live_map(uint64_t gpa, struct ept_mapping *m);

/* At the end of every VM exit: INVEPT on this CPU if EPT's memory types
 * changed since its last one. A CPU in guest code that does not exit
 * keeps its cached types until its next exit. */
void ept_live_sync(struct vcpu *v);

#endif
