/*
 * cache: compiled policies per (thread, organization, version). A
 * lua_State is never shared between threads, and the hot path takes no
 * lock: each thread keeps a few states of its own, least recently used
 * first out, and a process-wide count bounds the memory they hold.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define PER_THREAD	4	/* states a thread keeps */
#define STATES_MAX	256	/* states the process keeps in all */

struct slot {
	int64_t		 sl_org;
	int64_t		 sl_version;
	struct policy	*sl_policy;
	uint64_t	 sl_used;	/* for LRU */
};

static __thread struct slot	 slots[PER_THREAD];
static __thread uint64_t	 tick;
static __thread struct policy	*spare;	/* uncached, freed on next use */
static atomic_int		 live;

static void
slot_clear(struct slot *sl)
{
	if (sl->sl_policy != NULL) {
		policy_free(sl->sl_policy);
		atomic_fetch_sub(&live, 1);
	}
	memset(sl, 0, sizeof(*sl));
}

struct policy *
policy_get(int64_t org, int64_t version, policy_source_fn fetch, void *arg)
{
	struct slot	*sl, *victim = NULL;
	struct policy	*p;
	struct erp_err	 err;
	char		*src = NULL;
	size_t		 i;

	tick++;
	for (i = 0; i < PER_THREAD; i++) {
		sl = &slots[i];
		if (sl->sl_policy == NULL) {
			if (victim == NULL || victim->sl_policy != NULL)
				victim = sl;	/* an empty slot first */
			continue;
		}
		if (sl->sl_org == org && sl->sl_version == version) {
			sl->sl_used = tick;
			return sl->sl_policy;
		}
		if (victim == NULL || (victim->sl_policy != NULL &&
		    sl->sl_used < victim->sl_used))
			victim = sl;
	}
	if (version > 0 && (src = fetch(org, version, arg)) == NULL) {
		log_error("policy: organization %lld version %lld is missing",
		    (long long)org, (long long)version);
		return NULL;
	}
	p = policy_compile(src, src ? strlen(src) : 0, POLICY_STORED, &err);
	free(src);
	if (p == NULL) {
		/* it compiled when stored: the base or a budget changed */
		log_error("policy: organization %lld version %lld: %s",
		    (long long)org, (long long)version, err.e_msg);
		return NULL;
	}
	slot_clear(victim);
	if (atomic_fetch_add(&live, 1) >= STATES_MAX) {
		/* over the bound: use it once, keep nothing */
		atomic_fetch_sub(&live, 1);
		policy_free(spare);
		spare = p;
		return p;
	}
	victim->sl_org = org;
	victim->sl_version = version;
	victim->sl_policy = p;
	victim->sl_used = tick;
	return p;
}

void
policy_cache_thread_free(void)
{
	size_t	 i;

	for (i = 0; i < PER_THREAD; i++)
		slot_clear(&slots[i]);
	policy_free(spare);
	spare = NULL;
}
