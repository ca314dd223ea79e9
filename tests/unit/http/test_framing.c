/*
 * Tests for core/http/framing.c: requests a proxy could frame differently
 * are refused (docs/api.md). Header lines are laid out as civetweb
 * 1.15's parser leaves them: spaces before the colon and the colon
 * itself overwritten with NULs, leading blanks of the value skipped.
 */
#include <string.h>

#include <check.h>

#include "http/http_int.h"
#include "suites.h"

static char			 lines[8][64];
static struct mg_request_info	 ri;

/* Adds "Name: value" (as sent) the way civetweb parses it. */
static void
add(const char *line)
{
	struct mg_header	*h = &ri.http_headers[ri.num_headers];
	char			*s = lines[ri.num_headers], *p;

	ck_assert(strlen(line) < sizeof(lines[0]));
	strcpy(s, line);
	p = s + strcspn(s, " :");
	while (*p == ' ')
		*p++ = '\0';
	ck_assert_int_eq(*p, ':');
	*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	h->name = s;
	h->value = p;
	ri.num_headers++;
}

static void
setup(void)
{
	memset(&ri, 0, sizeof(ri));
	add("Host: example.com");
}

START_TEST(test_sound)
{
	ck_assert_ptr_null(http_framing_error(&ri));
	add("Content-Length: 2");
	ck_assert_ptr_null(http_framing_error(&ri));
	add("content-type:  application/json");
	ck_assert_ptr_null(http_framing_error(&ri));
	setup();
	add("Transfer-Encoding: chunked");
	ck_assert_ptr_null(http_framing_error(&ri));
	setup();
	add("Content-Length: 0");
	ck_assert_ptr_null(http_framing_error(&ri));
	setup();
	add("Content-Length: 123456789012345678");
	ck_assert_ptr_null(http_framing_error(&ri));
}
END_TEST

START_TEST(test_two_lengths)
{
	add("Content-Length: 2");
	add("Content-Length: 40");
	ck_assert_str_eq(http_framing_error(&ri), "more than one Content-Length");
	setup();
	add("Content-Length: 2");
	add("content-length: 2");
	ck_assert_ptr_nonnull(http_framing_error(&ri));
}
END_TEST

START_TEST(test_length_not_only_digits)
{
	static const char *const bad[] = { "Content-Length: 2abc",
	    "Content-Length: +2", "Content-Length: -2", "Content-Length: 2 ",
	    "Content-Length: 0x2", "Content-Length: 2,2",
	    "Content-Length: 1234567890123456789" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup();
		add(bad[i]);
		ck_assert_msg(http_framing_error(&ri) != NULL, "%s", bad[i]);
	}
}
END_TEST

START_TEST(test_space_before_colon)
{
	add("Content-Length : 2");
	ck_assert_str_eq(http_framing_error(&ri),
	    "a space between a header name and its colon");
	setup();
	add("Transfer-Encoding  :chunked");
	ck_assert_ptr_nonnull(http_framing_error(&ri));
	setup();
	add("X-Other : 1");
	ck_assert_ptr_nonnull(http_framing_error(&ri));
}
END_TEST

START_TEST(test_length_and_chunked)
{
	add("Content-Length: 2");
	add("Transfer-Encoding: chunked");
	ck_assert_str_eq(http_framing_error(&ri),
	    "both Content-Length and Transfer-Encoding");
	setup();
	add("Transfer-Encoding: identity");
	add("Content-Length: 2");
	ck_assert_ptr_nonnull(http_framing_error(&ri));
	setup();
	add("Transfer-Encoding: chunked");
	add("Transfer-Encoding: chunked");
	ck_assert_str_eq(http_framing_error(&ri),
	    "more than one Transfer-Encoding");
}
END_TEST

Suite *
http_framing_suite(void)
{
	Suite	*s = suite_create("http_framing");
	TCase	*tc = tcase_create("framing");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_sound);
	tcase_add_test(tc, test_two_lengths);
	tcase_add_test(tc, test_length_not_only_digits);
	tcase_add_test(tc, test_space_before_colon);
	tcase_add_test(tc, test_length_and_chunked);
	suite_add_tcase(s, tc);
	return s;
}
