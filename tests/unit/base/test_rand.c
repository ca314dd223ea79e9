/*
 * test_rand: rand_hex and rand_id_hex write 2*n lowercase hex digits, and
 * request ids do not repeat, within a thread or across threads (each
 * thread keys its own stream).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/base.h"

#define IDS	4096

static bool
lower_hex(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

START_TEST(hex_shape)
{
	char	 out[129];

	rand_hex(out, 16);
	ck_assert(lower_hex(out, 32));
	rand_id_hex(out, 16);
	ck_assert(lower_hex(out, 32));
	rand_id_hex(out, 64);
	ck_assert(lower_hex(out, 128));
	rand_id_hex(out, 100);			/* clamped to 64 bytes */
	ck_assert(lower_hex(out, 128));
}
END_TEST

static void *
fill(void *arg)
{
	char	(*ids)[33] = arg;
	int	 i;

	for (i = 0; i < IDS; i++)
		rand_id_hex(ids[i], 16);
	return NULL;
}

START_TEST(ids_never_repeat)
{
	char		(*ids)[33] = calloc(2 * IDS, 33);
	pthread_t	 t;
	int		 i;

	ck_assert_ptr_nonnull(ids);
	fill(ids);
	ck_assert_int_eq(pthread_create(&t, NULL, fill, ids + IDS), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	qsort(ids, 2 * IDS, 33, cmp);
	for (i = 1; i < 2 * IDS; i++)
		ck_assert_str_ne(ids[i - 1], ids[i]);
	free(ids);
}
END_TEST

/* suites.h declares it for the runner; -Wmissing-prototypes wants it here. */
Suite	*base_rand_suite(void);

Suite *
base_rand_suite(void)
{
	Suite	*s = suite_create("base_rand");
	TCase	*tc = tcase_create("rand");

	tcase_add_test(tc, hex_shape);
	tcase_add_test(tc, ids_never_repeat);
	suite_add_tcase(s, tc);
	return s;
}
