/*
 * test_json: http_json_parse refuses what cJSON alone accepts, names the
 * field for a 422, and never reads past the length it is given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "base/base.h"
#include "http/json.h"

/* Bodies are string literals; sizeof keeps embedded NUL bytes. */
#define ACCEPT(body)	accept_at(__LINE__, body, sizeof(body) - 1)
#define REFUSE(body, st, field, code) \
	refuse_at(__LINE__, body, sizeof(body) - 1, st, field, code)

/*
 * Parses an exact-size heap copy of s: no NUL follows it, so reading past
 * len is a heap overflow that ASan reports.
 */
static cJSON *
parse_n(const char *s, size_t len, struct http_json_err *err)
{
	cJSON	*root;
	char	*copy;

	copy = xmalloc(len);
	memcpy(copy, s, len);
	root = http_json_parse(len ? copy : NULL, len, err);
	free(copy);
	return root;
}

static void
accept_at(int line, const char *s, size_t len)
{
	struct http_json_err	 err;
	cJSON			*root;

	root = parse_n(s, len, &err);
	ck_assert_msg(root != NULL, "line %d: refused %d (%s)", line,
	    err.je_status, err.je_msg);
	cJSON_Delete(root);
}

static void
refuse_at(int line, const char *s, size_t len, int status, const char *field,
    const char *code)
{
	struct http_json_err	 err;
	cJSON			*root;

	root = parse_n(s, len, &err);
	ck_assert_msg(root == NULL, "line %d: accepted", line);
	ck_assert_msg(err.je_status == status, "line %d: status %d, not %d",
	    line, err.je_status, status);
	ck_assert_msg(strcmp(err.je_field, field) == 0,
	    "line %d: field \"%s\", not \"%s\"", line, err.je_field, field);
	ck_assert_msg(strcmp(err.je_code, code) == 0,
	    "line %d: code \"%s\", not \"%s\"", line, err.je_code, code);
	ck_assert_msg(err.je_msg[0] != '\0', "line %d: no message", line);
}

static void
refuse_msg(const char *s, int status, const char *msg)
{
	struct http_json_err	 err;

	ck_assert_ptr_null(parse_n(s, strlen(s), &err));
	ck_assert_int_eq(err.je_status, status);
	ck_assert_str_eq(err.je_msg, msg);
}

/* n nested arrays around a 1, like [[1]] for n = 2. */
static char *
nest(size_t n)
{
	char	*s = xmalloc(2 * n + 2);

	memset(s, '[', n);
	s[n] = '1';
	memset(s + n + 1, ']', n);
	s[2 * n + 1] = '\0';
	return s;
}

START_TEST(valid_nested)
{
	struct http_json_err	 err;
	const char		*s = "{\"sku\":\"A-1\",\"lines\":[{\"q\":1},"
	    "{\"q\":2.5,\"tags\":[\"x\",\"\\u00e9\\ud83d\\ude00\"]}],"
	    "\"ok\":true,\"none\":null,\"n\":-9007199254740991}";
	cJSON			*root, *lines, *tag;

	root = parse_n(s, strlen(s), &err);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "sku")->valuestring, "A-1");
	lines = cJSON_GetObjectItem(root, "lines");
	ck_assert_int_eq(cJSON_GetArraySize(lines), 2);
	ck_assert_double_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(lines, 1),
	    "q")->valuedouble, 2.5);
	tag = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(lines,
	    1), "tags"), 1);
	ck_assert_str_eq(tag->valuestring, "\xc3\xa9\xf0\x9f\x98\x80");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(root, "ok")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(root, "none")));
	ck_assert_double_eq(cJSON_GetObjectItem(root, "n")->valuedouble,
	    -9007199254740991.0);
	cJSON_Delete(root);
}
END_TEST

START_TEST(any_top_level)
{
	ACCEPT("\"s\"");
	ACCEPT("0");
	ACCEPT("-0");
	ACCEPT("true");
	ACCEPT("null");
	ACCEPT("[]");
	ACCEPT("{}");
	ACCEPT(" \n\t\r{ \"a\" : [ 1 , 2 ] }");
}
END_TEST

/*
 * Depth counts open containers: [1] is depth 1, a scalar adds none.
 * HTTP_JSON_DEPTH (64) nested containers pass, one more is refused.
 */
START_TEST(depth)
{
	struct http_json_err	 err;
	char			*s, *t;
	cJSON			*root;

	ck_assert_int_eq(HTTP_JSON_DEPTH, 64);
	s = nest(64);
	root = parse_n(s, strlen(s), &err);
	ck_assert_ptr_nonnull(root);
	cJSON_Delete(root);
	free(s);

	s = nest(65);
	ck_assert_ptr_null(parse_n(s, strlen(s), &err));
	ck_assert_int_eq(err.je_status, 400);
	free(s);

	/* objects count like arrays: 65 levels of {"a": ...} */
	s = xmalloc(65 * 5 + 2 + 65 + 1);
	for (t = s; t < s + 65 * 5; t += 5)
		memcpy(t, "{\"a\":", 5);
	memcpy(t, "1", 1);
	memset(t + 1, '}', 65);
	t[66] = '\0';
	ck_assert_ptr_null(parse_n(s, strlen(s), &err));
	ck_assert_int_eq(err.je_status, 400);
	root = parse_n(s + 5, strlen(s) - 6, &err);	/* 64 levels */
	ck_assert_ptr_nonnull(root);
	cJSON_Delete(root);
	free(s);
}
END_TEST

START_TEST(depth_closes_and_strings)
{
	struct buf	 b = { 0 };
	char		*s = nest(63);

	/* two 63-deep siblings in one array: depth 64, not 127 */
	buf_printf(&b, "[%s,%s]", s, s);
	accept_at(__LINE__, b.b_data, b.b_len);
	buf_reset(&b);
	/* brackets inside strings, also after an escaped quote, don't count */
	buf_printf(&b, "[%s,\"\\\"[[[[[[{{{{{{\"]", s);
	accept_at(__LINE__, b.b_data, b.b_len);
	buf_free(&b);
	free(s);
}
END_TEST

START_TEST(escaped_backslash_not_nul)
{
	struct http_json_err	 err;
	cJSON			*root;
	const char		*s = "{\"a\":\"\\\\u0000\"}";

	/* "\\u0000" is a backslash and five characters, not U+0000 */
	root = parse_n(s, strlen(s), &err);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "a")->valuestring,
	    "\\u0000");
	ck_assert_uint_eq(strlen(cJSON_GetObjectItem(root, "a")->valuestring),
	    6);
	cJSON_Delete(root);
	ACCEPT("[\"\\\\\\\\u0000\"]");
	ACCEPT("[\"\\u0001\",\"\\u1000\",\"\\/0000\"]");
}
END_TEST

START_TEST(nul_in_value)
{
	REFUSE("{\"lines\":[{\"q\":1},{\"name\":\"x\\u0000y\"}]}", 422,
	    "lines[1].name", "type");
	REFUSE("{\"a\":{\"b\":[[0],[1,\"\",\"\\u0000\"]]}}", 422, "a.b[1][2]",
	    "type");
	REFUSE("[[1,\"\\u0000\"]]", 422, "[0][1]", "type");
	REFUSE("\"\\u0000\"", 422, "", "type");
	/* an escaped backslash, then a real \u0000 */
	REFUSE("{\"s\":\"\\\\\\u0000\"}", 422, "s", "type");
	REFUSE("{\"s\":\"\\u00000\"}", 422, "s", "type");
	refuse_msg("{\"s\":\"\\u0000\"}", 422, "must not contain U+0000");
}
END_TEST

START_TEST(nul_in_key)
{
	REFUSE("{\"a\\u0000b\":1}", 400, "", "");
	REFUSE("{\"x\":[{\"ok\":1},{\"\\u0000\" : 1}]}", 400, "", "");
	/* a 400 outranks an earlier 422 */
	REFUSE("{\"v\":\"\\u0000\",\"\\u0000\":1}", 400, "", "");
}
END_TEST

START_TEST(integer_range)
{
	ACCEPT("9007199254740991");
	ACCEPT("[9007199254740991,-9007199254740991,0,-0,1000000000000000]");
	ACCEPT("[1e300,9007199254740993.5,9007199254740993e0,-1E+400,0.0]");
	ACCEPT("[9007199254740992.0,12345678901234567890.5,1e-300]");
	REFUSE("{\"n\":9007199254740992}", 422, "n", "max");
	REFUSE("{\"lines\":[{\"q\":1},{\"q\":-9007199254740992}]}", 422,
	    "lines[1].q", "min");
	REFUSE("[1,[2,9007199254740993]]", 422, "[1][1]", "max");
	REFUSE("{\"n\":123456789012345678901234567890}", 422, "n", "max");
	REFUSE("{\"n\":-99999999999999999}", 422, "n", "min");
	REFUSE("9007199254740992", 422, "", "max");
	refuse_msg("{\"n\":9007199254740992}", 422,
	    "integer outside \u00b1(2^53\u22121)");
}
END_TEST

START_TEST(first_in_document_order)
{
	REFUSE("{\"a\":\"\\u0000\",\"b\":9007199254740992}", 422, "a", "type");
	REFUSE("{\"a\":9007199254740992,\"b\":\"\\u0000\"}", 422, "a", "max");
	REFUSE("{\"a\":[1,\"x\",-9007199254740992],\"b\":\"\\u0000\"}", 422,
	    "a[2]", "min");
	/* keys count as strings when locating the flagged one */
	REFUSE("{\"k1\":\"v\",\"k2\":{\"k3\":[\"w\",\"\\u0000\"]}}", 422,
	    "k2.k3[1]", "type");
	REFUSE("{\"k1\":1,\"k2\":{\"k3\":[2,-9007199254740992,"
	    "9007199254740992]}}", 422, "k2.k3[1]", "min");
}
END_TEST

START_TEST(bad_utf8)
{
	refuse_msg("[\"\xc0\xaf\"]", 400, "body is not valid UTF-8");
	REFUSE("[\"\xc0\xaf\"]", 400, "", "");		/* overlong '/' */
	REFUSE("[\"\xed\xa0\x80\"]", 400, "", "");	/* surrogate */
	REFUSE("[\"\xf4\x90\x80\x80\"]", 400, "", "");	/* > U+10FFFF */
	REFUSE("[\"\xe2\x82\"]", 400, "", "");		/* truncated */
	REFUSE("[\"a\"]\xe2\x82", 400, "", "");		/* truncated at end */
	REFUSE("[\"\xff\"]", 400, "", "");
	ACCEPT("[\"\xf4\x8f\xbf\xbf\",\"\xc3\xa9\xe2\x82\xac\"]");
}
END_TEST

START_TEST(trailing)
{
	REFUSE("{} x", 400, "", "");
	REFUSE("{}{}", 400, "", "");
	REFUSE("[1]]", 400, "", "");
	REFUSE("1 2", 400, "", "");
	REFUSE("{}\0", 400, "", "");
	REFUSE("{},", 400, "", "");
	ACCEPT("{} \n\t\r ");
	ACCEPT("[1] ");
}
END_TEST

START_TEST(empty)
{
	refuse_msg("", 400, "body is empty");
	REFUSE("", 400, "", "");
	REFUSE(" \n", 400, "", "");
}
END_TEST

START_TEST(strict_grammar)
{
	/* cJSON takes each of these; RFC 8259 does not */
	REFUSE("01", 400, "", "");
	REFUSE("[-01]", 400, "", "");
	REFUSE("[1.]", 400, "", "");
	REFUSE("[1.e5]", 400, "", "");
	REFUSE("[\"a\tb\"]", 400, "", "");		/* raw control */
	REFUSE("[\"a\0b\"]", 400, "", "");		/* raw NUL */
	REFUSE("\x01[1]", 400, "", "");
	REFUSE("\xef\xbb\xbf[1]", 400, "", "");		/* BOM */
	/* cJSON decodes a \u with bad hex as U+0000, cutting the string */
	REFUSE("[\"x\\u000:y\"]", 400, "", "");
	REFUSE("{\"a\\uZZZZ\":1,\"a\":2}", 400, "", "");
	REFUSE("[\"\\ud8\\00\"]", 400, "", "");
	REFUSE("[\"\\u12\"]", 400, "", "");
	/* and cJSON refuses these too */
	REFUSE("[.5]", 400, "", "");
	REFUSE("[+1]", 400, "", "");
	REFUSE("[-]", 400, "", "");
	REFUSE("[1e]", 400, "", "");
	REFUSE("[1e+]", 400, "", "");
	REFUSE("[0x10]", 400, "", "");
	REFUSE("[1,]", 400, "", "");
	REFUSE("{\"a\":1,}", 400, "", "");
	REFUSE("{\"a\"}", 400, "", "");
	REFUSE("[\"\\ud800\"]", 400, "", "");
	REFUSE("[\"\\x\"]", 400, "", "");
	REFUSE("[\"abc", 400, "", "");
	REFUSE("[\"abc\\", 400, "", "");
	REFUSE("[tru]", 400, "", "");
	ACCEPT("[0,-0,0.5,-1.25e-3,1E9,2e+2]");
}
END_TEST

START_TEST(duplicate_keys)
{
	refuse_msg("{\"a\":1,\"a\":2}", 400, "duplicate key");
	REFUSE("{\"a\":1,\"b\":2,\"a\":3}", 400, "", "");
	REFUSE("[{\"a\":1},{\"b\":1,\"c\":2,\"b\":3}]", 400, "", "");
	REFUSE("{\"x\":{\"y\":{\"c\":1,\"c\":1}}}", 400, "", "");
	/* compared decoded: \u0061 is "a" */
	REFUSE("{\"a\":1,\"\\u0061\":2}", 400, "", "");
	/* a duplicate outranks a 422 found before it */
	REFUSE("{\"a\":\"\\u0000\",\"a\":1}", 400, "", "");
	ACCEPT("{\"a\":1,\"A\":1,\"ab\":1,\"\":1,\"a \":1}");
	ACCEPT("{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]}");
}
END_TEST

/*
 * qsort as the library calls it (unit_tests links with --wrap=qsort):
 * counts the elements sorted and the comparisons made, so a test can
 * check the cost of the duplicate-key check without a clock.
 */
typedef int	(*cmp_fn)(const void *, const void *);
void	__real_qsort(void *, size_t, size_t, cmp_fn);
void	__wrap_qsort(void *, size_t, size_t, cmp_fn);

static cmp_fn	 sort_cmp;
static size_t	 sorted, compared;

static int
counting_cmp(const void *a, const void *b)
{
	compared++;
	return sort_cmp(a, b);
}

void
__wrap_qsort(void *base, size_t n, size_t size, cmp_fn cmp)
{
	sorted += n;
	sort_cmp = cmp;
	__real_qsort(base, n, size, counting_cmp);
}

/* ceil(log2(n)) */
static size_t
log2_up(size_t n)
{
	size_t	 k = 0;

	while (((size_t)1 << k) < n)
		k++;
	return k;
}

/*
 * About 1.2 MiB: the keys are sorted once and compared O(n log n) times
 * (about 1.7 million comparisons), where comparing every pair would take
 * five thousand million.
 */
START_TEST(many_keys)
{
	struct http_json_err	 err;
	struct buf		 b = { 0 };
	cJSON			*root;
	size_t			 n = 100000;
	int			 i;

	buf_puts(&b, "{");
	for (i = 0; i < (int)n; i++)
		buf_printf(&b, "%s\"key%d\":%d", i ? "," : "", i, i);
	buf_puts(&b, "}");
	sorted = compared = 0;
	root = parse_n(b.b_data, b.b_len, &err);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(cJSON_GetArraySize(root), (int)n);
	cJSON_Delete(root);
	ck_assert_uint_eq(sorted, n);
	ck_assert_msg(compared <= 2 * n * log2_up(n), "%zu comparisons",
	    compared);

	b.b_len--;
	buf_puts(&b, ",\"key50000\":1}");
	sorted = compared = 0;
	root = parse_n(b.b_data, b.b_len, &err);
	buf_free(&b);
	ck_assert_ptr_null(root);
	ck_assert_int_eq(err.je_status, 400);
	ck_assert_str_eq(err.je_msg, "duplicate key");
	ck_assert_uint_eq(sorted, n + 1);
	ck_assert_msg(compared <= 2 * (n + 1) * log2_up(n + 1),
	    "%zu comparisons", compared);
}
END_TEST

START_TEST(not_nul_terminated)
{
	struct http_json_err	 err;
	cJSON			*root;

	/* only the first len bytes count */
	root = parse_n("12345", 2, &err);
	ck_assert_ptr_nonnull(root);
	ck_assert_double_eq(root->valuedouble, 12);
	cJSON_Delete(root);
	root = parse_n("{\"a\":1}garbage", 7, &err);
	ck_assert_ptr_nonnull(root);
	cJSON_Delete(root);
	ck_assert_ptr_null(parse_n("true", 3, &err));
	ck_assert_ptr_null(parse_n("\"abc\"", 4, &err));
	ck_assert_ptr_null(parse_n("[\"a\\u00\"]", 8, &err));
	ck_assert_ptr_null(parse_n("[\"\\u0000\"]", 8, &err));
	ck_assert_ptr_null(parse_n("[\"\xe2\x82\xac\"]", 4, &err));
	ck_assert_ptr_null(parse_n("[1e5]", 3, &err));
	ck_assert_ptr_null(parse_n("nul", 3, &err));
}
END_TEST

START_TEST(long_path_truncated)
{
	struct http_json_err	 err;
	struct buf		 b = { 0 };
	int			 i;

	/* 200 two-byte characters: the cut must not split one */
	buf_puts(&b, "{\"");
	for (i = 0; i < 200; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "a\":{\"k\":\"\\u0000\"}}");
	ck_assert_ptr_null(parse_n(b.b_data, b.b_len, &err));
	ck_assert_int_eq(err.je_status, 422);
	ck_assert_uint_le(strlen(err.je_field), sizeof(err.je_field) - 1);
	ck_assert_uint_ge(strlen(err.je_field), sizeof(err.je_field) - 2);
	ck_assert(utf8_valid(err.je_field, strlen(err.je_field)));
	ck_assert_mem_eq(err.je_field, "\xc3\xa9", 2);
	ck_assert_ptr_null(strchr(err.je_field, 'a'));	/* nothing after */
	buf_reset(&b);

	/* a short key keeps its index and the rest */
	buf_puts(&b, "{\"");
	for (i = 0; i < 120; i++)
		buf_puts(&b, "x");
	buf_puts(&b, "\":[0,{\"quantity\":9007199254740992}]}");
	ck_assert_ptr_null(parse_n(b.b_data, b.b_len, &err));
	ck_assert_str_eq(err.je_code, "max");
	ck_assert_uint_eq(strlen(err.je_field), sizeof(err.je_field) - 1);
	ck_assert_str_eq(err.je_field + 120, "[1].qua");
	buf_free(&b);
}
END_TEST

START_TEST(no_echo)
{
	static const char	*bodies[] = {
		"{\"zzsecret\":1,\"zzsecret\":2}",
		"{\"zzsecret\\u0000\":1}",
		"{\"zzsecret\":\"zzsecret\\u0000\"}",
		"{\"zzsecret\":99999999999999999999}",
		"[\"zzsecret\"] zzsecret",
		"[zzsecret]",
		"[\"zzsecret\xc0\xaf\"]",
	};
	struct http_json_err	 err;
	size_t			 i;

	for (i = 0; i < nitems(bodies); i++) {
		ck_assert_ptr_null(parse_n(bodies[i], strlen(bodies[i]),
		    &err));
		ck_assert_ptr_null(strstr(err.je_msg, "zzsecret"));
		ck_assert_ptr_null(strstr(err.je_code, "zzsecret"));
	}
}
END_TEST

START_TEST(null_err_ok)
{
	cJSON	*root;

	ck_assert_ptr_null(http_json_parse("{", 1, NULL));
	root = http_json_parse("[1]", 3, NULL);
	ck_assert_ptr_nonnull(root);
	cJSON_Delete(root);
}
END_TEST

/* suites.h declares it for the runner; -Wmissing-prototypes wants it here. */
Suite	*http_json_suite(void);

Suite *
http_json_suite(void)
{
	Suite	*s = suite_create("http_json");
	TCase	*tc = tcase_create("parse");

	tcase_set_timeout(tc, 60);	/* many_keys times itself */
	tcase_add_test(tc, valid_nested);
	tcase_add_test(tc, any_top_level);
	tcase_add_test(tc, depth);
	tcase_add_test(tc, depth_closes_and_strings);
	tcase_add_test(tc, escaped_backslash_not_nul);
	tcase_add_test(tc, nul_in_value);
	tcase_add_test(tc, nul_in_key);
	tcase_add_test(tc, integer_range);
	tcase_add_test(tc, first_in_document_order);
	tcase_add_test(tc, bad_utf8);
	tcase_add_test(tc, trailing);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, strict_grammar);
	tcase_add_test(tc, duplicate_keys);
	tcase_add_test(tc, many_keys);
	tcase_add_test(tc, not_nul_terminated);
	tcase_add_test(tc, long_path_truncated);
	tcase_add_test(tc, no_echo);
	tcase_add_test(tc, null_err_ok);
	suite_add_tcase(s, tc);
	return s;
}
