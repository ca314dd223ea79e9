/*
 * ratelimit: events per key in fixed windows (docs/api.md), in a
 * hash table with bounded memory that no flood turns against the keys
 * within their limits:
 *
 * - a new key takes a never-used or expired slot of its probe run; when
 *   the run has none, the table doubles (its live keys rehashed), up to
 *   RL_GROWTH times its first size;
 * - at that bound, a new key evicts the key of its run with the lowest
 *   count that is below the limit: a limited key (count at the limit) is
 *   never evicted, so it stays limited until its window ends;
 * - only when every slot of the run holds a limited key at the bound is
 *   the new key refused until the window ends (logged once a window):
 *   filling a run of the largest table with limited keys takes about
 *   limit x RL_GROWTH x first-size events in one window.
 *
 * A key is kept as a 128-bit BLAKE2b digest under a random key, so a slot
 * is 32 bytes and nobody can aim keys at one probe run.
 */
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"

#define RL_DIGEST	16	/* bytes of a key's keyed digest */
#define RL_PROBE	32	/* slots looked at per key, at most */
#define RL_GROWTH	8	/* the table grows to this times its first size */

/* One tracked key; a slot whose window has passed may be reused. */
struct slot {
	unsigned char	 sl_key[RL_DIGEST];	/* the key's digest */
	int64_t		 sl_start;	/* start of the window counted */
	int32_t		 sl_count;	/* events in that window */
	uint8_t		 sl_used;	/* ever taken (0 ends a probe) */
};

struct auth_rl {
	pthread_mutex_t	 rl_lock;	/* guards rl_slots, rl_nslots, rl_warned */
	struct slot	*rl_slots;	/* rl_nslots */
	size_t		 rl_nslots;
	size_t		 rl_maxslots;	/* RL_GROWTH x the first size */
	int		 rl_limit;	/* events allowed per window */
	int		 rl_window;	/* seconds */
	int64_t		 rl_warned;	/* window "full" was last logged in */
	unsigned char	 rl_hkey[crypto_generichash_KEYBYTES]; /* random */
};

struct auth_rl *
auth_rl_new(int limit, int window, size_t slots)
{
	struct auth_rl	*rl;

	if (limit < 1 || window < 1 || slots < 1 ||
	    slots > SIZE_MAX / RL_GROWTH / sizeof(struct slot) ||
	    sodium_init() < 0)
		return NULL;
	rl = xcalloc(1, sizeof(*rl));
	if (pthread_mutex_init(&rl->rl_lock, NULL) != 0) {
		free(rl);
		return NULL;
	}
	rl->rl_slots = xcalloc(slots, sizeof(*rl->rl_slots));
	rl->rl_nslots = slots;
	rl->rl_maxslots = slots * RL_GROWTH;
	rl->rl_limit = limit;
	rl->rl_window = window;
	rl->rl_warned = INT64_MIN;
	crypto_generichash_keygen(rl->rl_hkey);
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

size_t
auth_rl_size(struct auth_rl *rl)
{
	size_t	 n;

	pthread_mutex_lock(&rl->rl_lock);
	n = rl->rl_nslots;
	pthread_mutex_unlock(&rl->rl_lock);
	return n;
}

/* The key's digest, computed before taking the lock. */
static void
digest(const struct auth_rl *rl, const char *key, unsigned char d[RL_DIGEST])
{
	crypto_generichash(d, RL_DIGEST, (const unsigned char *)key,
	    strlen(key), rl->rl_hkey, sizeof(rl->rl_hkey));
}

/* Where d's probe run starts in a table of n slots. */
static size_t
home(const unsigned char d[RL_DIGEST], size_t n)
{
	uint64_t	 h;

	memcpy(&h, d, sizeof(h));
	return (size_t)(h % n);
}

static size_t
probe_len(size_t n)
{
	return n < RL_PROBE ? n : RL_PROBE;
}

/* A slot counting the window ws or a later one (the clock stepped back). */
static bool
live(const struct slot *sl, int64_t ws)
{
	return sl->sl_used && sl->sl_start >= ws;
}

/*
 * The slot holding d, or NULL with *spare set to the first never-used or
 * expired slot of the probe run (NULL when every slot is live). A
 * never-used slot ends the run: d was never placed past one.
 */
static struct slot *
find(struct auth_rl *rl, const unsigned char d[RL_DIGEST], int64_t ws,
    struct slot **spare)
{
	struct slot	*sl;
	size_t		 i, at = home(d, rl->rl_nslots);

	*spare = NULL;
	for (i = 0; i < probe_len(rl->rl_nslots); i++) {
		sl = &rl->rl_slots[(at + i) % rl->rl_nslots];
		if (!sl->sl_used) {
			if (*spare == NULL)
				*spare = sl;
			break;
		}
		if (memcmp(sl->sl_key, d, RL_DIGEST) == 0)
			return sl;
		if (!live(sl, ws) && *spare == NULL)
			*spare = sl;
	}
	return NULL;
}

/*
 * The slot of d's run whose key to give up for d at the size bound: the
 * lowest count below the limit, first in the run; NULL when all are
 * limited.
 */
static struct slot *
victim(struct auth_rl *rl, const unsigned char d[RL_DIGEST])
{
	struct slot	*sl, *best = NULL;
	size_t		 i, at = home(d, rl->rl_nslots);

	for (i = 0; i < probe_len(rl->rl_nslots); i++) {
		sl = &rl->rl_slots[(at + i) % rl->rl_nslots];
		if (sl->sl_count < rl->rl_limit &&
		    (best == NULL || sl->sl_count < best->sl_count))
			best = sl;
	}
	return best;
}

/* Places the live slots of rl into a new table of n; false if one finds
 * no room in its run there. */
static bool
rehash(struct auth_rl *rl, int64_t ws, size_t n)
{
	struct slot	*t = xcalloc(n, sizeof(*t)), *from, *to;
	size_t		 i, k, at;

	for (i = 0; i < rl->rl_nslots; i++) {
		from = &rl->rl_slots[i];
		if (!live(from, ws))
			continue;
		at = home(from->sl_key, n);
		for (k = 0, to = NULL; k < probe_len(n); k++)
			if (!t[(at + k) % n].sl_used) {
				to = &t[(at + k) % n];
				break;
			}
		if (to == NULL) {
			free(t);
			return false;
		}
		*to = *from;
	}
	free(rl->rl_slots);
	rl->rl_slots = t;
	rl->rl_nslots = n;
	return true;
}

/* Doubles the table (or more, if a run overflows) within the bound. */
static bool
grow(struct auth_rl *rl, int64_t ws)
{
	size_t	 n;

	for (n = rl->rl_nslots * 2; n <= rl->rl_maxslots; n *= 2)
		if (rehash(rl, ws, n))
			return true;
	return false;
}

/* Seconds from now to end, at least 1 as end > now; capped to an int. */
static int
left(int64_t end, int64_t now)
{
	return end - now > INT_MAX ? INT_MAX : (int)(end - now);
}

/* A slot for d: found, free, made by growing, or evicted. NULL: full. */
static struct slot *
take(struct auth_rl *rl, const unsigned char d[RL_DIGEST], int64_t ws,
    bool hit)
{
	struct slot	*sl, *spare;

	while ((sl = find(rl, d, ws, &spare)) == NULL && spare == NULL &&
	    hit && grow(rl, ws))
		;
	if (sl != NULL || !hit)
		return sl;
	if (spare == NULL && (spare = victim(rl, d)) == NULL)
		return NULL;
	memcpy(spare->sl_key, d, RL_DIGEST);
	spare->sl_used = 1;
	spare->sl_count = 0;
	spare->sl_start = ws;
	return spare;
}

/* Checks (hit false) or counts one event (hit true) for key at now. */
static int
run(struct auth_rl *rl, const char *key, int64_t now, bool hit)
{
	unsigned char	 d[RL_DIGEST];
	struct slot	*sl;
	int64_t		 ws;
	int		 rv = 0;
	bool		 over, warn = false;

	/* a clock outside any sane range must not overflow what follows */
	if (now < 0)
		now = 0;
	else if (now > INT64_MAX / 2)
		now = INT64_MAX / 2;
	ws = now - now % rl->rl_window;
	digest(rl, key, d);

	pthread_mutex_lock(&rl->rl_lock);
	if ((sl = take(rl, d, ws, hit)) != NULL) {
		/*
		 * An older window counts zero. A newer one (the clock stepped
		 * back, or a racing caller read it a second earlier) keeps
		 * its count and its end: nothing but time resets a count.
		 */
		if (sl->sl_start < ws) {
			sl->sl_start = ws;
			sl->sl_count = 0;
		}
		if (hit && sl->sl_count < INT32_MAX)
			sl->sl_count++;
		over = hit ? sl->sl_count > rl->rl_limit :
		    sl->sl_count >= rl->rl_limit;
		if (over)
			rv = left(sl->sl_start + rl->rl_window, now);
	} else if (hit) {
		/* every slot of the run at the bound holds a limited key */
		rv = left(ws + rl->rl_window, now);
		if (rl->rl_warned != ws) {
			rl->rl_warned = ws;
			warn = true;
		}
	}
	pthread_mutex_unlock(&rl->rl_lock);

	if (warn)
		log_warn("auth: rate limit table full of limited keys (%zu "
		    "slots), refusing new keys until the window ends",
		    rl->rl_maxslots);
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
	unsigned char	 d[RL_DIGEST];
	struct slot	*sl, *spare;
	int64_t		 ws;

	if (now < 0 || now > INT64_MAX / 2)
		return;
	ws = now - now % rl->rl_window;
	digest(rl, key, d);
	pthread_mutex_lock(&rl->rl_lock);
	sl = find(rl, d, ws, &spare);
	/* only this window's count: an older one is already void */
	if (sl != NULL && sl->sl_start == ws && sl->sl_count > 0)
		sl->sl_count--;
	pthread_mutex_unlock(&rl->rl_lock);
}
