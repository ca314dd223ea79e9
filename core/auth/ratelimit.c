/*
 * ratelimit: events per key in fixed windows, kept in a fixed table that
 * refuses new keys when full (fails closed) rather than evict a live one.
 */
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"

#define RL_KEY_MAX	128	/* longer keys are stored as a digest */
#define RL_DIGEST	crypto_generichash_BYTES	/* 32 */
#define RL_PROBE	32	/* slots looked at per key, at most */

/* One tracked key; a slot whose window has passed may be reused. */
struct slot {
	uint64_t	 sl_hash;	/* SipHash of the whole key */
	int64_t		 sl_start;	/* start of the window counted */
	int		 sl_count;	/* events in that window */
	uint8_t		 sl_used;	/* ever taken (0 ends a probe) */
	uint8_t		 sl_long;	/* sl_key holds a digest */
	uint8_t		 sl_len;	/* bytes used in sl_key */
	unsigned char	 sl_key[RL_KEY_MAX];	/* the key, or its digest */
};

struct auth_rl {
	pthread_mutex_t	 rl_lock;	/* guards rl_slots and rl_warned */
	struct slot	*rl_slots;	/* rl_nslots, allocated once */
	size_t		 rl_nslots;
	size_t		 rl_probe;	/* min(RL_PROBE, rl_nslots) */
	int		 rl_limit;	/* events allowed per window */
	int		 rl_window;	/* seconds */
	int64_t		 rl_warned;	/* window "full" was last logged in */
	unsigned char	 rl_hkey[crypto_shorthash_KEYBYTES]; /* random */
};

/* A key as the table compares it, prepared before taking the lock. */
struct rkey {
	uint64_t		 rk_hash;
	const unsigned char	*rk_data;	/* the key, or rk_digest */
	size_t			 rk_len;
	bool			 rk_long;
	unsigned char		 rk_digest[RL_DIGEST];
};

struct auth_rl *
auth_rl_new(int limit, int window, size_t slots)
{
	struct auth_rl	*rl;

	if (limit < 1 || window < 1 || slots < 1 || sodium_init() < 0)
		return NULL;
	rl = xcalloc(1, sizeof(*rl));
	if (pthread_mutex_init(&rl->rl_lock, NULL) != 0) {
		free(rl);
		return NULL;
	}
	rl->rl_slots = xcalloc(slots, sizeof(*rl->rl_slots));
	rl->rl_nslots = slots;
	rl->rl_probe = slots < RL_PROBE ? slots : RL_PROBE;
	rl->rl_limit = limit;
	rl->rl_window = window;
	rl->rl_warned = INT64_MIN;
	/* a secret hash key, so nobody can aim keys at one probe run */
	crypto_shorthash_keygen(rl->rl_hkey);
	return rl;
}

void
auth_rl_free(struct auth_rl *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->rl_lock);
	sodium_memzero(rl->rl_hkey, sizeof(rl->rl_hkey));
	free(rl->rl_slots);
	free(rl);
}

static void
prep(const struct auth_rl *rl, const char *key, struct rkey *k)
{
	const unsigned char	*p = (const unsigned char *)key;
	unsigned char		 h[crypto_shorthash_BYTES];
	size_t			 len = strlen(key);

	crypto_shorthash(h, p, len, rl->rl_hkey);
	memcpy(&k->rk_hash, h, sizeof(k->rk_hash));
	if (len <= RL_KEY_MAX) {
		k->rk_data = p;
		k->rk_len = len;
		k->rk_long = false;
	} else {
		crypto_generichash(k->rk_digest, sizeof(k->rk_digest), p, len,
		    NULL, 0);
		k->rk_data = k->rk_digest;
		k->rk_len = sizeof(k->rk_digest);
		k->rk_long = true;
	}
}

static bool
same(const struct slot *sl, const struct rkey *k)
{
	return sl->sl_hash == k->rk_hash && sl->sl_long == k->rk_long &&
	    sl->sl_len == k->rk_len && memcmp(sl->sl_key, k->rk_data,
	    k->rk_len) == 0;
}

/*
 * The slot holding k, or NULL with *spare set to the first never-used or
 * expired slot of the probe run (NULL if all are live: the table is full
 * here). A never-used slot ends the run: k was never placed past one.
 */
static struct slot *
find(struct auth_rl *rl, const struct rkey *k, int64_t ws,
    struct slot **spare)
{
	struct slot	*sl;
	size_t		 i, at = k->rk_hash % rl->rl_nslots;

	*spare = NULL;
	for (i = 0; i < rl->rl_probe; i++) {
		sl = &rl->rl_slots[(at + i) % rl->rl_nslots];
		if (!sl->sl_used) {
			if (*spare == NULL)
				*spare = sl;
			break;
		}
		if (same(sl, k))
			return sl;
		if (sl->sl_start < ws && *spare == NULL)
			*spare = sl;
	}
	return NULL;
}

/* Seconds from now to end, at least 1 as end > now; capped to an int. */
static int
left(int64_t end, int64_t now)
{
	return end - now > INT_MAX ? INT_MAX : (int)(end - now);
}

/* Checks (hit false) or counts one event (hit true) for key at now. */
static int
run(struct auth_rl *rl, const char *key, int64_t now, bool hit)
{
	struct rkey	 k;
	struct slot	*sl, *spare;
	int64_t		 ws;
	int		 rv = 0;
	bool		 over, warn = false;

	/* a clock outside any sane range must not overflow what follows */
	if (now < 0)
		now = 0;
	else if (now > INT64_MAX / 2)
		now = INT64_MAX / 2;
	ws = now - now % rl->rl_window;
	prep(rl, key, &k);

	pthread_mutex_lock(&rl->rl_lock);
	sl = find(rl, &k, ws, &spare);
	if (sl == NULL && spare != NULL && hit) {
		sl = spare;
		sl->sl_hash = k.rk_hash;
		sl->sl_used = 1;
		sl->sl_long = k.rk_long;
		sl->sl_len = (uint8_t)k.rk_len;
		memcpy(sl->sl_key, k.rk_data, k.rk_len);
		sl->sl_start = ws - 1;	/* reset just below */
	}
	if (sl != NULL) {
		/*
		 * An older window counts zero. A newer one (the clock stepped
		 * back, or a racing caller read it a second earlier) keeps
		 * its count and its end: nothing but time resets a count.
		 */
		if (sl->sl_start < ws) {
			sl->sl_start = ws;
			sl->sl_count = 0;
		}
		if (hit && sl->sl_count < INT_MAX)
			sl->sl_count++;
		over = hit ? sl->sl_count > rl->rl_limit :
		    sl->sl_count >= rl->rl_limit;
		if (over)
			rv = left(sl->sl_start + rl->rl_window, now);
	} else if (spare == NULL) {
		/* a new key and no room: fail closed, evict nobody */
		rv = left(ws + rl->rl_window, now);
		if (rl->rl_warned != ws) {
			rl->rl_warned = ws;
			warn = true;
		}
	}
	pthread_mutex_unlock(&rl->rl_lock);

	if (warn)
		log_warn("auth: rate limit table full (%zu slots), refusing "
		    "new keys until the window ends", rl->rl_nslots);
	return rv;
}

int
auth_rl_check(struct auth_rl *rl, const char *key, int64_t now)
{
	return run(rl, key, now, false);
}

int
auth_rl_hit(struct auth_rl *rl, const char *key, int64_t now)
{
	return run(rl, key, now, true);
}

void
auth_rl_undo(struct auth_rl *rl, const char *key, int64_t now)
{
	struct rkey	 k;
	struct slot	*sl, *spare;
	int64_t		 ws;

	if (now < 0 || now > INT64_MAX / 2)
		return;
	ws = now - now % rl->rl_window;
	prep(rl, key, &k);
	pthread_mutex_lock(&rl->rl_lock);
	sl = find(rl, &k, ws, &spare);
	/* only this window's count: an older one is already void */
	if (sl != NULL && sl->sl_start == ws && sl->sl_count > 0)
		sl->sl_count--;
	pthread_mutex_unlock(&rl->rl_lock);
}
