/*
 * password: Argon2id hashing with a bound on how many hashes run and wait
 * at once (each costs AUTH_PWHASH_MEMLIMIT bytes: a login flood must not
 * exhaust memory or starve other endpoints), and the password rule.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "auth.h"
#include "common_passwords.h"
#include "db/db.h"

#define SLOT_WAIT_SECONDS	10	/* then give up: 503 */

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 freed = PTHREAD_COND_INITIALIZER;
static int		 active;		/* hashes running */
static int		 waiting;		/* hashes queued */
static char		 dummy_hash[crypto_pwhash_STRBYTES];

/* Takes a hashing slot, or returns -1 when the queue is full or stuck. */
static int
slot_take(void)
{
	struct timespec	 until;
	int		 rc = 0;

	pthread_mutex_lock(&lock);
	if (active >= AUTH_PWHASH_ACTIVE) {
		if (waiting >= AUTH_PWHASH_QUEUE) {
			pthread_mutex_unlock(&lock);
			return -1;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SLOT_WAIT_SECONDS;
		waiting++;
		while (active >= AUTH_PWHASH_ACTIVE && rc == 0)
			rc = pthread_cond_timedwait(&freed, &lock, &until);
		waiting--;
		if (active >= AUTH_PWHASH_ACTIVE) {
			pthread_mutex_unlock(&lock);
			return -1;
		}
	}
	active++;
	pthread_mutex_unlock(&lock);
	return 0;
}

static void
slot_give(void)
{
	pthread_mutex_lock(&lock);
	active--;
	pthread_cond_signal(&freed);
	pthread_mutex_unlock(&lock);
}

int
auth_password_queue_depth(void)
{
	int	 n;

	pthread_mutex_lock(&lock);
	n = active + waiting;
	pthread_mutex_unlock(&lock);
	return n;
}

int
auth_password_init(void)
{
	char	 pw[33];

	/* a random password nobody knows: verifying against it always fails */
	rand_hex(pw, 16);
	return crypto_pwhash_str(dummy_hash, pw, strlen(pw),
	    AUTH_PWHASH_OPSLIMIT, AUTH_PWHASH_MEMLIMIT) == 0 ? 0 : -1;
}

enum auth_pw_result
auth_password_hash(const char *pw, char *out)
{
	int	 rc;

	db_release();	/* no worker waits on a hash */
	if (slot_take() == -1)
		return AUTH_PW_BUSY;
	rc = crypto_pwhash_str(out, pw, strlen(pw), AUTH_PWHASH_OPSLIMIT,
	    AUTH_PWHASH_MEMLIMIT);
	slot_give();
	if (rc != 0) {
		log_error("password hash failed (out of memory?)");
		return AUTH_PW_ERROR;
	}
	return AUTH_PW_OK;
}

enum auth_pw_result
auth_password_verify(const char *hash, const char *pw, bool *rehash)
{
	bool	 known = hash != NULL;
	int	 rc;

	if (rehash != NULL)
		*rehash = false;
	if (!known)
		hash = dummy_hash;
	db_release();	/* no worker waits on a hash */
	if (slot_take() == -1)
		return AUTH_PW_BUSY;
	rc = crypto_pwhash_str_verify(hash, pw, strlen(pw));
	slot_give();
	if (rc != 0 || !known)
		return AUTH_PW_MISMATCH;
	if (rehash != NULL)
		*rehash = crypto_pwhash_str_needs_rehash(hash,
		    AUTH_PWHASH_OPSLIMIT, AUTH_PWHASH_MEMLIMIT) != 0;
	return AUTH_PW_OK;
}

static bool
is_common(const char *pw)
{
	size_t	 i;

	for (i = 0; common_passwords[i] != NULL; i++)
		if (strcasecmp(pw, common_passwords[i]) == 0)
			return true;
	return false;
}

/* true if every character is the same, or it is a run like "123456..." */
static bool
is_trivial(const char *pw)
{
	size_t	 i, len = strlen(pw);
	bool	 same = true, up = true, down = true;

	for (i = 1; i < len; i++) {
		same &= pw[i] == pw[0];
		up &= pw[i] == pw[i - 1] + 1;
		down &= pw[i] == pw[i - 1] - 1;
	}
	return same || up || down;
}

static auth_password_rule_fn	 rule;

void
auth_password_set_rule(auth_password_rule_fn fn)
{
	rule = fn;
}

bool
auth_password_ok(const char *pw, const char *email, char *why, size_t whylen)
{
	size_t	 len = strlen(pw);
	size_t	 at;

	if (len > AUTH_PASSWORD_MAX) {
		snprintf(why, whylen, "must be at most %d bytes",
		    AUTH_PASSWORD_MAX);
		return false;
	}
	if (!utf8_valid(pw, len)) {
		snprintf(why, whylen, "must be valid UTF-8");
		return false;
	}
	if (utf8_count(pw, len) < AUTH_PASSWORD_MIN) {
		snprintf(why, whylen, "must be at least %d characters",
		    AUTH_PASSWORD_MIN);
		return false;
	}
	if (email != NULL) {
		at = strcspn(email, "@");
		if (strcasecmp(pw, email) == 0 || (at >= 4 &&
		    strncasecmp(pw, email, at) == 0 && pw[at] == '\0')) {
			snprintf(why, whylen, "must not be the email address");
			return false;
		}
	}
	if (is_common(pw) || is_trivial(pw)) {
		snprintf(why, whylen, "is too common");
		return false;
	}
	/* the base policy's password_ok decides the rest */
	return rule == NULL || rule(pw, email, why, whylen);
}
