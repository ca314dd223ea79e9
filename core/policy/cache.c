/*
 * cache: compiled policies per (worker, organization, version). A
 * lua_State is never shared between threads and the hot path takes no
 * lock: each worker (base/worker.c) keeps a few states of its own, least
 * recently used first out. What they keep is bounded for the process:
 * each state's retained bytes (at most POLICY_MEMORY: a policy loads
 * under that budget, and one that needs more is refused when uploaded)
 * count against POLICY_CACHE_BYTES; a state that would pass it
 * serves its request only and is freed at the worker's next compile. A
 * worker that meets an organization at a new version frees the old one.
 * So compiled policies hold at most POLICY_CACHE_BYTES plus, per worker,
 * one uncached state and one evaluation's POLICY_MEMORY.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define PER_WORKER	8	/* states a worker keeps */

struct slot {
	int64_t		 sl_org;
	int64_t		 sl_version;
	struct policy	*sl_policy;
	size_t		 sl_bytes;	/* counted in cached */
	uint64_t	 sl_used;	/* for LRU */
};

struct cache {
	struct slot	 ca_slot[PER_WORKER];
	uint64_t	 ca_tick;
	struct policy	*ca_spare;	/* uncached, freed on next compile */
};

static atomic_size_t	 cached;	/* bytes kept by all slots */

static void
slot_clear(struct slot *sl)
{
	if (sl->sl_policy != NULL) {
		policy_free(sl->sl_policy);
		atomic_fetch_sub(&cached, sl->sl_bytes);
	}
	memset(sl, 0, sizeof(*sl));
}

static void
cache_free(void *p)
{
	struct cache	*c = p;
	size_t		 i;

	for (i = 0; i < PER_WORKER; i++)
		slot_clear(&c->ca_slot[i]);
	policy_free(c->ca_spare);
	free(c);
}

static struct cache *
cache_get(void)
{
	return worker_local(WORKER_POLICY, sizeof(struct cache), cache_free);
}

/* Room for bytes more within the bound, freeing c's own LRU states. */
static bool
make_room(struct cache *c, size_t bytes)
{
	struct slot	*lru;
	size_t		 i;

	while (atomic_load(&cached) + bytes > POLICY_CACHE_BYTES) {
		lru = NULL;
		for (i = 0; i < PER_WORKER; i++)
			if (c->ca_slot[i].sl_policy != NULL && (lru == NULL ||
			    c->ca_slot[i].sl_used < lru->sl_used))
				lru = &c->ca_slot[i];
		if (lru == NULL)
			return false;	/* the others' states fill it */
		slot_clear(lru);
	}
	return true;
}

struct policy *
policy_get(int64_t org, int64_t version, policy_source_fn fetch, void *arg)
{
	struct cache	*c = cache_get();
	struct slot	*sl, *victim = NULL;
	struct policy	*p;
	struct erp_err	 err;
	char		*src = NULL;
	size_t		 i, bytes;

	c->ca_tick++;
	for (i = 0; i < PER_WORKER; i++) {
		sl = &c->ca_slot[i];
		if (sl->sl_policy != NULL && sl->sl_org == org) {
			if (sl->sl_version == version) {
				sl->sl_used = c->ca_tick;
				return sl->sl_policy;
			}
			slot_clear(sl);	/* another version is in force */
		}
		if (sl->sl_policy == NULL) {
			if (victim == NULL || victim->sl_policy != NULL)
				victim = sl;	/* an empty slot first */
			continue;
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
	policy_free(c->ca_spare);
	c->ca_spare = NULL;
	p = policy_compile(src, src ? strlen(src) : 0, POLICY_STORED, &err);
	free(src);
	if (p == NULL) {
		/* it compiled when stored: the base or a budget changed */
		log_error("policy: organization %lld version %lld: %s",
		    (long long)org, (long long)version, err.e_msg);
		return NULL;
	}
	slot_clear(victim);
	bytes = policy_memory(p);
	if (!make_room(c, bytes)) {
		/* over the bound: use it once, keep nothing */
		c->ca_spare = p;
		return p;
	}
	atomic_fetch_add(&cached, bytes);
	victim->sl_org = org;
	victim->sl_version = version;
	victim->sl_policy = p;
	victim->sl_bytes = bytes;
	victim->sl_used = c->ca_tick;
	return p;
}

void
policy_cache_thread_free(void)
{
	struct cache	*c;

	if ((c = worker_local_take(WORKER_POLICY)) != NULL)
		cache_free(c);
}
