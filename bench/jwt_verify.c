/*
 * bench_jwt: what auth_jwt_verify costs on one thread, next to the one
 * HMAC-SHA256 of the same bytes that no verifier can skip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth/auth.h"

#define DEFAULT_N	200000
#define WARMUP		2000

static unsigned char	 key[] = "bench-key-0123456789abcdefghijklmnopqrstuv";
static char		 issuer[] = "erpd";

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Times per call (ns) and in total (ns) of a run. */
struct run {
	int64_t	*r_each;
	int64_t	 r_total;
	double	 r_mean_us;
	double	 r_median_us;
	double	 r_per_sec;
};

static void
summarize(struct run *r, long n)
{
	int64_t	 sum = 0;
	long	 i;

	for (i = 0; i < n; i++)
		sum += r->r_each[i];
	qsort(r->r_each, (size_t)n, sizeof(*r->r_each), cmp_i64);
	r->r_mean_us = (double)sum / n / 1000.0;
	r->r_median_us = (n % 2 ? (double)r->r_each[n / 2] :
	    (r->r_each[n / 2 - 1] + r->r_each[n / 2]) / 2.0) / 1000.0;
	r->r_per_sec = n / ((double)r->r_total / 1e9);
}

static void
print(const char *name, const struct run *r)
{
	printf("%-22s %12.0f /s   mean %8.3f us   median %8.3f us\n", name,
	    r->r_per_sec, r->r_mean_us, r->r_median_us);
}

static void
hmac(const char *msg, size_t len, unsigned char *mac)
{
	crypto_auth_hmacsha256_state	 st;

	crypto_auth_hmacsha256_init(&st, key, sizeof(key) - 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, len);
	crypto_auth_hmacsha256_final(&st, mac);
}

int
main(int argc, char **argv)
{
	struct config		 cf;
	struct auth_claims	 cl;
	struct run		 v = { 0 }, c = { 0 }, h = { 0 };
	unsigned char		 mac[crypto_auth_hmacsha256_BYTES];
	char			 why[128];
	char			*tok;
	size_t			 signed_len;
	int64_t			 now, t0, t1, start;
	long			 n = DEFAULT_N, i;

	if (argc > 2 || (argc == 2 && (n = strtol(argv[1], NULL, 10)) <= 0)) {
		fprintf(stderr, "usage: bench_jwt [iterations]\n");
		return 2;
	}
	if (rand_init() == -1)
		return 1;
	memset(&cf, 0, sizeof(cf));
	cf.cf_jwt_secret.s_data = key;
	cf.cf_jwt_secret.s_len = sizeof(key) - 1;
	cf.cf_jwt_issuer = issuer;
	cf.cf_jwt_ttl = 30 * 60;
	now = time_now();
	if ((tok = auth_jwt_issue(&cf, 42, 1, now, NULL)) == NULL)
		return 1;
	signed_len = (size_t)(strrchr(tok, '.') - tok);
	v.r_each = xcalloc((size_t)n, sizeof(int64_t));
	h.r_each = xcalloc((size_t)n, sizeof(int64_t));

	for (i = 0; i < WARMUP; i++) {
		if (auth_jwt_verify(&cf, tok, now, &cl, why,
		    sizeof(why)) != 0) {
			fprintf(stderr, "bench_jwt: token refused: %s\n", why);
			return 1;
		}
	}
	/* full verifications: the per-thread cache emptied before each */
	start = now_ns();
	for (i = 0; i < n; i++) {
		auth_jwt_thread_free();
		t0 = now_ns();
		if (auth_jwt_verify(&cf, tok, now, &cl, why, sizeof(why)) != 0)
			abort();
		t1 = now_ns();
		v.r_each[i] = t1 - t0;
	}
	v.r_total = now_ns() - start;
	/* the same token again on the same thread: the cache answers */
	c.r_each = xcalloc((size_t)n, sizeof(int64_t));
	start = now_ns();
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (auth_jwt_verify(&cf, tok, now, &cl, why, sizeof(why)) != 0)
			abort();
		t1 = now_ns();
		c.r_each[i] = t1 - t0;
	}
	c.r_total = now_ns() - start;

	for (i = 0; i < WARMUP; i++)
		hmac(tok, signed_len, mac);
	start = now_ns();
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		hmac(tok, signed_len, mac);
		t1 = now_ns();
		h.r_each[i] = t1 - t0;
	}
	h.r_total = now_ns() - start;

	summarize(&v, n);
	summarize(&h, n);
	printf("token: %zu bytes, %zu signed; %ld iterations, one thread\n",
	    strlen(tok), signed_len, n);
	summarize(&c, n);
	print("auth_jwt_verify", &v);
	print("  (cached repeat)", &c);
	print("raw HMAC-SHA256", &h);
	printf("verify / raw HMAC:      %.1fx (mean)   %.1fx (median)\n",
	    v.r_mean_us / h.r_mean_us, v.r_median_us / h.r_median_us);
	free(v.r_each);
	free(c.r_each);
	free(h.r_each);
	free(tok);
	return 0;
}
