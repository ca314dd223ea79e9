/*
 * Tests for core/auth/ratelimit: fixed windows, Retry-After, a table that
 * grows within its bound, evicts only keys below their limit and refuses
 * a new key only when all it could take are limited; long keys, threads
 * and floods.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "auth/auth.h"
#include "suites.h"

#define WINDOW	60
#define BASE	((int64_t)1000 * WINDOW)	/* a window's first second */
#define NOW	(BASE + 15)			/* 45 s before its end */

START_TEST(test_new_args)
{
	struct auth_rl	*rl;

	ck_assert_ptr_null(auth_rl_new(0, WINDOW, 8));
	ck_assert_ptr_null(auth_rl_new(-1, WINDOW, 8));
	ck_assert_ptr_null(auth_rl_new(3, 0, 8));
	ck_assert_ptr_null(auth_rl_new(3, -5, 8));
	ck_assert_ptr_null(auth_rl_new(3, WINDOW, 0));
	ck_assert_ptr_nonnull(rl = auth_rl_new(1, 1, 1));
	auth_rl_free(rl);
	auth_rl_free(NULL);
}
END_TEST

START_TEST(test_limit)
{
	struct auth_rl	*rl = auth_rl_new(3, WINDOW, 64);

	ck_assert_int_eq(auth_rl_hit(rl, "a@example.com", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "a@example.com", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "a@example.com", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "a@example.com", NOW), 45);
	ck_assert_int_eq(auth_rl_hit(rl, "a@example.com", NOW), 45);
	ck_assert_int_eq(auth_rl_hit(rl, "a@example.com", NOW + 10), 35);
	auth_rl_free(rl);
}
END_TEST

START_TEST(test_check)
{
	struct auth_rl	*rl = auth_rl_new(3, WINDOW, 64);
	int		 i;

	ck_assert_int_eq(auth_rl_check(rl, "k", NOW), 0);
	/* checking counts nothing */
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(auth_rl_check(rl, "k", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "k", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "k", NOW), 0);
	ck_assert_int_eq(auth_rl_check(rl, "k", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "k", NOW), 0);
	/* at the limit: one more would be over */
	ck_assert_int_eq(auth_rl_check(rl, "k", NOW), 45);
	ck_assert_int_eq(auth_rl_check(rl, "k", NOW + 44), 1);
	auth_rl_free(rl);
}
END_TEST

START_TEST(test_new_window)
{
	struct auth_rl	*rl = auth_rl_new(3, WINDOW, 64);
	int		 i;

	for (i = 0; i < 5; i++)
		auth_rl_hit(rl, "k", NOW);
	ck_assert_int_eq(auth_rl_check(rl, "k", BASE + WINDOW - 1), 1);
	/* the next window starts from zero */
	ck_assert_int_eq(auth_rl_check(rl, "k", BASE + WINDOW), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(auth_rl_hit(rl, "k", BASE + WINDOW + 30), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "k", BASE + WINDOW + 30), 30);
	/* and so does one much later */
	ck_assert_int_eq(auth_rl_hit(rl, "k", BASE + 100 * WINDOW + 1), 0);
	auth_rl_free(rl);
}
END_TEST

START_TEST(test_retry_at_least_one)
{
	struct auth_rl	*rl = auth_rl_new(1, WINDOW, 64);
	struct auth_rl	*sec = auth_rl_new(1, 1, 64);
	int64_t		 last = BASE + WINDOW - 1;

	ck_assert_int_eq(auth_rl_hit(rl, "k", last), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "k", last), 1);
	ck_assert_int_eq(auth_rl_check(rl, "k", last), 1);
	/* one-second windows: every second is the last one */
	ck_assert_int_eq(auth_rl_hit(sec, "k", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(sec, "k", NOW), 1);
	ck_assert_int_eq(auth_rl_hit(sec, "k", NOW + 1), 0);
	auth_rl_free(sec);
	auth_rl_free(rl);
}
END_TEST

START_TEST(test_keys_independent)
{
	struct auth_rl	*rl = auth_rl_new(2, WINDOW, 64);

	ck_assert_int_eq(auth_rl_hit(rl, "a", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "a", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "a", NOW), 45);
	ck_assert_int_eq(auth_rl_check(rl, "b", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "b", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "ab", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "b", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "b", NOW), 45);
	ck_assert_int_eq(auth_rl_check(rl, "a", NOW), 45);
	auth_rl_free(rl);
}
END_TEST

START_TEST(test_clock_back)
{
	struct auth_rl	*rl = auth_rl_new(1, WINDOW, 64);

	ck_assert_int_eq(auth_rl_hit(rl, "k", NOW), 0);
	/* a clock stepped back a window does not reset the count */
	ck_assert_int_eq(auth_rl_hit(rl, "k", NOW - WINDOW), 2 * WINDOW - 15);
	ck_assert_int_eq(auth_rl_check(rl, "k", NOW), 45);
	ck_assert_int_eq(auth_rl_check(rl, "k", BASE + WINDOW), 0);
	auth_rl_free(rl);
}
END_TEST

START_TEST(test_full_grows)
{
	struct auth_rl	*rl = auth_rl_new(3, WINDOW, 8);
	char		 key[32];
	int		 i;

	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "live%d", i);
		ck_assert_int_eq(auth_rl_hit(rl, key, NOW), 0);
	}
	/* no room for a new key: the table grows, nobody is refused */
	ck_assert_int_eq(auth_rl_check(rl, "new", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "new", NOW), 0);
	ck_assert_uint_gt(auth_rl_size(rl), 8);
	/* the tracked keys keep their own counts: nobody was reset */
	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "live%d", i);
		ck_assert_int_eq(auth_rl_hit(rl, key, NOW), 0);
		ck_assert_int_eq(auth_rl_hit(rl, key, NOW), 0);
		ck_assert_int_eq(auth_rl_hit(rl, key, NOW), 45);
	}
	ck_assert_int_eq(auth_rl_hit(rl, "new", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "new", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "new", NOW), 45);
	auth_rl_free(rl);
}
END_TEST

START_TEST(test_full_reuses_expired)
{
	struct auth_rl	*rl = auth_rl_new(3, WINDOW, 8);
	int64_t		 next = NOW + WINDOW;
	char		 key[32];
	int		 i;

	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "old%d", i);
		ck_assert_int_eq(auth_rl_hit(rl, key, NOW), 0);
	}
	/* next window: the expired slots are taken again, no growth */
	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "new%d", i);
		ck_assert_int_eq(auth_rl_hit(rl, key, next), 0);
	}
	ck_assert_uint_eq(auth_rl_size(rl), 8);
	auth_rl_free(rl);
}
END_TEST

/*
 * At its bound (8 times the first size) a table of limited keys refuses
 * a new key until the window ends, and frees none of them early.
 */
START_TEST(test_bound_keeps_limited_keys)
{
	struct auth_rl	*rl = auth_rl_new(1, WINDOW, 8);
	char		 key[32];
	int		 i, placed = 0, refused = 0;

	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "limited%d", i);
		if (auth_rl_hit(rl, key, NOW) == 0)
			placed++;
		else
			refused++;
	}
	ck_assert_uint_eq(auth_rl_size(rl), 64);
	ck_assert_int_le(placed, 64);
	ck_assert_int_gt(refused, 0);
	/* every placed key is still limited: nobody was evicted */
	for (i = 0, refused = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "limited%d", i);
		if (auth_rl_check(rl, key, NOW) == 45)
			refused++;
	}
	ck_assert_int_eq(refused, placed);
	/* the next window has room again */
	ck_assert_int_eq(auth_rl_hit(rl, "later", NOW + WINDOW), 0);
	auth_rl_free(rl);
}
END_TEST

/* At the bound, the key with the lowest count below the limit goes. */
START_TEST(test_bound_evicts_below_limit)
{
	struct auth_rl	*rl = auth_rl_new(2, WINDOW, 1);
	char		 key[32];
	int		 i;

	/* 8 slots at most: fill them, one limited, the others at 1 */
	ck_assert_int_eq(auth_rl_hit(rl, "locked", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "locked", NOW), 0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "spray%d", i);
		ck_assert_int_eq(auth_rl_hit(rl, key, NOW), 0);
	}
	ck_assert_uint_eq(auth_rl_size(rl), 8);
	ck_assert_int_eq(auth_rl_hit(rl, "locked", NOW), 45);
	auth_rl_free(rl);
}
END_TEST

START_TEST(test_long_keys)
{
	struct auth_rl	*rl = auth_rl_new(1, WINDOW, 64);
	char		 a[301], b[301], c[129], d[130];

	memset(a, 'x', 300);
	a[300] = '\0';
	memcpy(b, a, sizeof(b));
	b[299] = 'y';			/* differs only at the very end */
	memcpy(c, a, 128);
	c[128] = '\0';			/* exactly the stored length */
	memcpy(d, a, 129);
	d[129] = '\0';			/* one byte over it */

	ck_assert_int_eq(auth_rl_hit(rl, a, NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, a, NOW), 45);
	ck_assert_int_eq(auth_rl_check(rl, b, NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, b, NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, b, NOW), 45);
	ck_assert_int_eq(auth_rl_hit(rl, c, NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, d, NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, c, NOW), 45);
	ck_assert_int_eq(auth_rl_hit(rl, d, NOW), 45);
	/* two 129-byte keys differing only in their last byte */
	d[128] = 'z';
	ck_assert_int_eq(auth_rl_hit(rl, d, NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, d, NOW), 45);
	auth_rl_free(rl);
}
END_TEST

#define NTHREADS	8
#define PER_THREAD	100000
#define TLIMIT		(NTHREADS * PER_THREAD / 2)

static pthread_barrier_t	start;	/* so the threads really overlap */

struct worker {
	pthread_t	 w_thread;
	struct auth_rl	*w_rl;
	int		 w_allowed;	/* hits answered 0 */
};

static void *
hammer(void *arg)
{
	struct worker	*w = arg;
	int		 i;

	pthread_barrier_wait(&start);
	for (i = 0; i < PER_THREAD; i++)
		if (auth_rl_hit(w->w_rl, "shared@example.com", NOW) == 0)
			w->w_allowed++;
	return NULL;
}

START_TEST(test_threads)
{
	struct auth_rl	*rl = auth_rl_new(TLIMIT, WINDOW, 64);
	struct worker	 w[NTHREADS];
	int		 i, allowed = 0;

	ck_assert_int_eq(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (i = 0; i < NTHREADS; i++) {
		w[i].w_rl = rl;
		w[i].w_allowed = 0;
		ck_assert_int_eq(pthread_create(&w[i].w_thread, NULL, hammer,
		    &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(w[i].w_thread, NULL), 0);
		allowed += w[i].w_allowed;
	}
	pthread_barrier_destroy(&start);
	ck_assert_int_eq(allowed, TLIMIT);
	ck_assert_int_eq(auth_rl_check(rl, "shared@example.com", NOW), 45);
	auth_rl_free(rl);
}
END_TEST

/*
 * docs/api.md (v4): a flood of distinct keys refuses no key within
 * its limits and frees no limited key, with the table within its bound.
 * (The table before v4 refused new keys after about 35,000 of them.)
 */
START_TEST(test_flood)
{
	struct auth_rl	*rl = auth_rl_new(3, WINDOW, AUTH_RL_SLOTS);
	char		 key[64];
	int		 i;

	ck_assert_int_eq(auth_rl_hit(rl, "victim@example.com", NOW), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(auth_rl_hit(rl, "locked@example.com", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "locked@example.com", NOW), 45);

	for (i = 0; i < 300000; i++) {
		snprintf(key, sizeof(key), "spray%06d@example.com", i);
		ck_assert_int_eq(auth_rl_hit(rl, key, NOW), 0);
	}
	ck_assert_uint_le(auth_rl_size(rl), 8 * AUTH_RL_SLOTS);

	/* the limited key stays limited; a newcomer is welcome */
	ck_assert_int_eq(auth_rl_check(rl, "locked@example.com", NOW), 45);
	ck_assert_int_eq(auth_rl_hit(rl, "newcomer@example.com", NOW), 0);
	ck_assert_int_eq(auth_rl_hit(rl, "victim@example.com", NOW), 0);
	auth_rl_free(rl);
}
END_TEST

Suite *
auth_ratelimit_suite(void)
{
	Suite	*s = suite_create("auth_ratelimit");
	TCase	*tc = tcase_create("ratelimit");

	tcase_set_timeout(tc, 30);	/* the flood, under sanitizers */
	tcase_add_test(tc, test_new_args);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_new_window);
	tcase_add_test(tc, test_retry_at_least_one);
	tcase_add_test(tc, test_keys_independent);
	tcase_add_test(tc, test_clock_back);
	tcase_add_test(tc, test_full_grows);
	tcase_add_test(tc, test_full_reuses_expired);
	tcase_add_test(tc, test_bound_keeps_limited_keys);
	tcase_add_test(tc, test_bound_evicts_below_limit);
	tcase_add_test(tc, test_long_keys);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_flood);
	suite_add_tcase(s, tc);
	return s;
}
