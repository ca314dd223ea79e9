/*
 * test_buf: struct buf grows, stays NUL-terminated, formats past its
 * capacity, and buf_json_str escapes what JSON requires.
 */
#include <string.h>

#include <check.h>

#include "base/base.h"

/* Appends buf_json_str(s) to an empty buffer and compares. */
#define JSON_STR(s, want)	json_str_at(__LINE__, s, sizeof(s) - 1, want)

static void
json_str_at(int line, const char *s, size_t len, const char *want)
{
	struct buf	 b = { 0 };

	buf_json_str(&b, s, len);
	ck_assert_msg(b.b_len == strlen(want) && strcmp(b.b_data, want) == 0,
	    "line %d: got %s, want %s", line, b.b_data, want);
	buf_free(&b);
}

START_TEST(growth)
{
	struct buf	 b = { 0 };
	size_t		 i;

	ck_assert_ptr_null(b.b_data);
	for (i = 0; i < 5000; i++) {
		buf_append(&b, i % 2 ? "b" : "a", 1);
		ck_assert_uint_eq(b.b_len, i + 1);
		ck_assert_uint_gt(b.b_cap, b.b_len);
		ck_assert_int_eq(b.b_data[b.b_len], '\0');
	}
	for (i = 0; i < 5000; i++)
		ck_assert_int_eq(b.b_data[i], i % 2 ? 'b' : 'a');
	buf_reserve(&b, 100000);
	ck_assert_uint_ge(b.b_cap, 5000 + 100000 + 1);
	ck_assert_uint_eq(b.b_len, 5000);
	buf_free(&b);
	ck_assert_ptr_null(b.b_data);
	ck_assert_uint_eq(b.b_len, 0);
	ck_assert_uint_eq(b.b_cap, 0);
}
END_TEST

START_TEST(append_binary_and_empty)
{
	struct buf	 b = { 0 };

	buf_append(&b, "", 0);
	ck_assert_ptr_nonnull(b.b_data);
	ck_assert_str_eq(b.b_data, "");
	buf_append(&b, "x\0y", 3);
	ck_assert_uint_eq(b.b_len, 3);
	ck_assert_mem_eq(b.b_data, "x\0y\0", 4);
	buf_puts(&b, "z");
	ck_assert_mem_eq(b.b_data, "x\0yz\0", 5);
	buf_free(&b);
}
END_TEST

START_TEST(printf_past_capacity)
{
	struct buf	 b = { 0 };
	char		 big[3000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "<%s>", big);
	ck_assert_uint_eq(b.b_len, sizeof(big) + 1);
	ck_assert_int_eq(b.b_data[0], '<');
	ck_assert_int_eq(b.b_data[b.b_len - 1], '>');
	ck_assert_mem_eq(b.b_data + 1, big, sizeof(big) - 1);
	ck_assert_int_eq(b.b_data[b.b_len], '\0');

	/* once more on top of existing data, and a short one */
	buf_printf(&b, "%d-%s", 42, big);
	ck_assert_uint_eq(b.b_len, 2 * sizeof(big) + 1 + 2);
	ck_assert_mem_eq(b.b_data + sizeof(big) + 1, "42-qqq", 6);
	ck_assert_uint_eq(strlen(b.b_data), b.b_len);
	buf_reset(&b);
	ck_assert_uint_eq(b.b_len, 0);
	ck_assert_str_eq(b.b_data, "");
	ck_assert_uint_gt(b.b_cap, 0);
	buf_printf(&b, "%s=%d", "n", 7);
	ck_assert_str_eq(b.b_data, "n=7");
	buf_free(&b);
}
END_TEST

START_TEST(json_str)
{
	JSON_STR("", "\"\"");
	JSON_STR("plain", "\"plain\"");
	JSON_STR("say \"hi\"", "\"say \\\"hi\\\"\"");
	JSON_STR("a\\b", "\"a\\\\b\"");
	JSON_STR("\n\r\t", "\"\\n\\r\\t\"");
	JSON_STR("\x01\x1f", "\"\\u0001\\u001f\"");
	JSON_STR("\b\f", "\"\\u0008\\u000c\"");
	JSON_STR("del\x7f", "\"del\\u007f\"");
	JSON_STR("nul\0end", "\"nul\\u0000end\"");
	JSON_STR(" ~/", "\" ~/\"");
	JSON_STR("\xc3\xa9\xe2\x82\xac", "\"\xc3\xa9\xe2\x82\xac\"");
}
END_TEST

START_TEST(json_str_appends)
{
	struct buf	 b = { 0 };
	char		 ctl[32];
	size_t		 i;

	buf_puts(&b, "{\"k\":");
	buf_json_str(&b, "v\"", 2);
	buf_puts(&b, "}");
	ck_assert_str_eq(b.b_data, "{\"k\":\"v\\\"\"}");
	buf_reset(&b);

	/* every control byte escaped, six bytes each but \n \r \t */
	for (i = 0; i < sizeof(ctl); i++)
		ctl[i] = (char)i;
	buf_json_str(&b, ctl, sizeof(ctl));
	ck_assert_uint_eq(b.b_len, 2 + 29 * 6 + 3 * 2);
	for (i = 0; i < b.b_len; i++)
		ck_assert_uint_ge((unsigned char)b.b_data[i], 0x20);
	buf_free(&b);
}
END_TEST

/* suites.h declares it for the runner; -Wmissing-prototypes wants it here. */
Suite	*base_buf_suite(void);

Suite *
base_buf_suite(void)
{
	Suite	*s = suite_create("base_buf");
	TCase	*tc = tcase_create("buf");

	tcase_add_test(tc, growth);
	tcase_add_test(tc, append_binary_and_empty);
	tcase_add_test(tc, printf_past_capacity);
	tcase_add_test(tc, json_str);
	tcase_add_test(tc, json_str_appends);
	suite_add_tcase(s, tc);
	return s;
}
