/*
 * bench_password: what a login's password check costs: Argon2id with the
 * server's parameters (AUTH_PWHASH_*), its latency and the memory one hash
 * takes, on one thread.
 */
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "auth/auth.h"

static int64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	char		 hash[AUTH_PWHASH_HASH_MAX];
	struct rusage	 before, after;
	int64_t		 t[64], t0;
	int		 i, n = argc > 1 ? atoi(argv[1]) : 20;

	if (n < 1 || n > 64 || rand_init() == -1 ||
	    auth_password_hash("a long bench passphrase", hash) != AUTH_PW_OK)
		return 1;
	getrusage(RUSAGE_SELF, &before);
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (auth_password_verify(hash, "a long bench passphrase",
		    NULL) != AUTH_PW_OK)
			return 1;
		t[i] = now_us() - t0;
	}
	getrusage(RUSAGE_SELF, &after);
	qsort(t, (size_t)n, sizeof(t[0]), cmp);
	printf("Argon2id opslimit %d, memlimit %u MiB; %d verifications, "
	    "one thread\n", AUTH_PWHASH_OPSLIMIT,
	    AUTH_PWHASH_MEMLIMIT >> 20, n);
	printf("median %.1f ms, max %.1f ms; peak RSS %ld MiB (one hash at "
	    "a time)\n", (double)t[n / 2] / 1000.0,
	    (double)t[n - 1] / 1000.0, after.ru_maxrss / 1024);
	printf("at most %d hashes run at once (%u MiB) and %d wait; more "
	    "get 503\n", AUTH_PWHASH_ACTIVE,
	    (AUTH_PWHASH_MEMLIMIT >> 20) * AUTH_PWHASH_ACTIVE,
	    AUTH_PWHASH_QUEUE);
	return 0;
}
