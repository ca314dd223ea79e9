/*
 * test_time: time_rfc3339 and time_now_rfc3339_ms write RFC 3339 UTC, and
 * the millisecond stamp (whose date part a thread formats once a second)
 * agrees with time_rfc3339 of the same second.
 */
#include <string.h>
#include <time.h>

#include <check.h>

#include "base/base.h"

START_TEST(rfc3339)
{
	char	 out[21];

	time_rfc3339(0, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	time_rfc3339(1796601600, out);
	ck_assert_str_eq(out, "2026-12-07T00:00:00Z");
}
END_TEST

static bool
ms_shape(const char *s)
{
	static const char	 digits[] = "0123456789";
	static const int	 at[] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15,
				    17, 18, 20, 21, 22 };
	size_t			 i;

	if (strlen(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z')
		return false;
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		if (strchr(digits, s[at[i]]) == NULL || s[at[i]] == '\0')
			return false;
	return true;
}

START_TEST(now_ms)
{
	char	 a[25], b[21];
	int64_t	 before, after;
	int	 i;

	for (i = 0; i < 1000; i++) {
		before = time_now();
		time_now_rfc3339_ms(a);
		after = time_now();
		ck_assert_msg(ms_shape(a), "%s", a);
		/* the same second as one of the reads around it */
		time_rfc3339(before, b);
		if (strncmp(a, b, 19) != 0) {
			time_rfc3339(after, b);
			ck_assert_msg(strncmp(a, b, 19) == 0, "%s vs %s", a, b);
		}
	}
}
END_TEST

/* suites.h declares it for the runner; -Wmissing-prototypes wants it here. */
Suite	*base_time_suite(void);

Suite *
base_time_suite(void)
{
	Suite	*s = suite_create("base_time");
	TCase	*tc = tcase_create("time");

	tcase_add_test(tc, rfc3339);
	tcase_add_test(tc, now_ms);
	suite_add_tcase(s, tc);
	return s;
}
