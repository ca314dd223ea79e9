/*
 * test_utf8: utf8_valid accepts exactly RFC 3629 UTF-8 (no overlongs,
 * surrogates or code points past U+10FFFF) and utf8_count counts them.
 */
#include <string.h>

#include <check.h>

#include "base/base.h"

/* String literals, so sizeof keeps embedded NUL bytes. */
#define VALID(s)	ck_assert_msg(utf8_valid(s, sizeof(s) - 1), \
			    "line %d: refused", __LINE__)
#define INVALID(s)	ck_assert_msg(!utf8_valid(s, sizeof(s) - 1), \
			    "line %d: accepted", __LINE__)

START_TEST(ascii_and_empty)
{
	ck_assert(utf8_valid("", 0));
	ck_assert(utf8_valid(NULL, 0));
	VALID("plain ASCII ~\x7f");
	VALID("a\0b");			/* NUL is a code point */
}
END_TEST

START_TEST(boundaries)
{
	VALID("\xc2\x80");		/* U+0080, smallest 2-byte */
	VALID("\xdf\xbf");		/* U+07FF */
	VALID("\xe0\xa0\x80");		/* U+0800, smallest 3-byte */
	VALID("\xed\x9f\xbf");		/* U+D7FF, just below surrogates */
	VALID("\xee\x80\x80");		/* U+E000, just above */
	VALID("\xef\xbf\xbf");		/* U+FFFF */
	VALID("\xf0\x90\x80\x80");	/* U+10000, smallest 4-byte */
	VALID("\xf4\x8f\xbf\xbf");	/* U+10FFFF, the largest */
}
END_TEST

START_TEST(overlong)
{
	INVALID("\xc0\x80");		/* NUL in two bytes */
	INVALID("\xc0\xaf");		/* '/' in two bytes */
	INVALID("\xc1\xbf");
	INVALID("\xe0\x80\xaf");
	INVALID("\xe0\x9f\xbf");	/* U+07FF in three bytes */
	INVALID("\xf0\x80\x80\xaf");
	INVALID("\xf0\x8f\xbf\xbf");	/* U+FFFF in four bytes */
}
END_TEST

START_TEST(surrogates_and_range)
{
	INVALID("\xed\xa0\x80");	/* U+D800 */
	INVALID("\xed\xaf\xbf");	/* U+DBFF */
	INVALID("\xed\xb0\x80");	/* U+DC00 */
	INVALID("\xed\xbf\xbf");	/* U+DFFF */
	INVALID("\xed\xa0\xbd\xed\xb8\x80");	/* CESU-8 pair */
	INVALID("\xf4\x90\x80\x80");	/* U+110000 */
	INVALID("\xf7\xbf\xbf\xbf");
	INVALID("\xf8\x88\x80\x80\x80");	/* 5-byte form */
	INVALID("\xfc\x84\x80\x80\x80\x80");	/* 6-byte form */
	INVALID("\xfe");
	INVALID("\xff");
}
END_TEST

START_TEST(broken_sequences)
{
	INVALID("\x80");		/* lone continuation */
	INVALID("a\xbf" "b");
	INVALID("\xe2\x82");		/* truncated at the end */
	INVALID("\xf0\x9f\x98");
	INVALID("\xc3");
	INVALID("\xe2\x82" "A");	/* truncated mid-text */
	INVALID("\xc3\xc3\xa9");
	INVALID("\xf0\x9f\x98\x80\x80");	/* one continuation too many */
	/* the length bounds the check: the rest is never read */
	ck_assert(!utf8_valid("\xe2\x82\xac", 2));
	ck_assert(utf8_valid("a\xe2\x82\xac", 1));
	VALID("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}
END_TEST

START_TEST(count)
{
	/* 1 + 2 + 3 + 4 bytes: a, e acute, euro sign, an emoji */
	const char	*s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";

	ck_assert_uint_eq(strlen(s), 10);
	ck_assert_uint_eq(utf8_count(s, 10), 4);
	ck_assert_uint_eq(utf8_count(s, 3), 2);
	ck_assert_uint_eq(utf8_count("", 0), 0);
	ck_assert_uint_eq(utf8_count("hello", 5), 5);
	ck_assert_uint_eq(utf8_count("x\0y", 3), 3);
	ck_assert_uint_eq(utf8_count("\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf", 8),
	    2);
}
END_TEST

/* suites.h declares it for the runner; -Wmissing-prototypes wants it here. */
Suite	*base_utf8_suite(void);

Suite *
base_utf8_suite(void)
{
	Suite	*s = suite_create("base_utf8");
	TCase	*tc = tcase_create("utf8");

	tcase_add_test(tc, ascii_and_empty);
	tcase_add_test(tc, boundaries);
	tcase_add_test(tc, overlong);
	tcase_add_test(tc, surrogates_and_range);
	tcase_add_test(tc, broken_sequences);
	tcase_add_test(tc, count);
	suite_add_tcase(s, tc);
	return s;
}
