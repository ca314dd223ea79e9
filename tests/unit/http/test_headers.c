/* Tests for core/http/headers.c: security headers, CORS, request ids. */
#include <string.h>

#include <check.h>

#include "http/http_int.h"
#include "suites.h"

static struct config	cf;

static void
setup(void)
{
	memset(&cf, 0, sizeof(cf));
	cf.cf_origins[0] = "https://app.example.com";
	cf.cf_origins[1] = "http://localhost:5173";
	cf.cf_norigins = 2;
}

START_TEST(test_cors_allowed)
{
	ck_assert(http_cors_allowed(&cf, "https://app.example.com"));
	ck_assert(http_cors_allowed(&cf, "http://localhost:5173"));
	ck_assert(!http_cors_allowed(&cf, NULL));
	ck_assert(!http_cors_allowed(&cf, "null"));
	ck_assert(!http_cors_allowed(&cf, "https://app.example.com.evil"));
	ck_assert(!http_cors_allowed(&cf, "https://APP.example.com"));
	ck_assert(!http_cors_allowed(&cf, "http://app.example.com"));
	ck_assert(!http_cors_allowed(&cf, "*"));
	cf.cf_norigins = 0;
	ck_assert(!http_cors_allowed(&cf, "https://app.example.com"));
}
END_TEST

START_TEST(test_request_id)
{
	char	 longest[HTTP_ID_MAX + 2];

	ck_assert(http_request_id_valid("abc-DEF_1.2"));
	ck_assert(!http_request_id_valid(""));
	ck_assert(!http_request_id_valid("a b"));
	ck_assert(!http_request_id_valid("a/b"));
	ck_assert(!http_request_id_valid("a\r\nSet-Cookie: x"));
	memset(longest, 'a', HTTP_ID_MAX);
	longest[HTTP_ID_MAX] = '\0';
	ck_assert(http_request_id_valid(longest));
	longest[HTTP_ID_MAX] = 'a';
	longest[HTTP_ID_MAX + 1] = '\0';
	ck_assert(!http_request_id_valid(longest));
}
END_TEST

static bool
has(const struct buf *b, const char *line)
{
	return b->b_data != NULL && strstr(b->b_data, line) != NULL;
}

START_TEST(test_common_headers)
{
	struct http_req	 req = { 0 };
	struct buf	 b = { 0 };

	req.rq_cf = &cf;
	strcpy(req.rq_id, "rid-1");
	headers_common(&b, &req);
	ck_assert(has(&b, "X-Request-ID: rid-1\r\n"));
	ck_assert(has(&b, "X-Content-Type-Options: nosniff\r\n"));
	ck_assert(has(&b, "X-Frame-Options: DENY\r\n"));
	ck_assert(has(&b, "Referrer-Policy: no-referrer\r\n"));
	ck_assert(has(&b, "Content-Security-Policy: default-src 'none'"));
	ck_assert(has(&b, "Vary: Origin\r\n"));
	ck_assert(!has(&b, "Strict-Transport-Security"));
	ck_assert(!has(&b, "Access-Control-Allow-Origin"));
	buf_reset(&b);

	cf.cf_production = true;
	req.rq_html = true;
	req.rq_origin = "https://app.example.com";
	headers_common(&b, &req);
	ck_assert(has(&b, "Strict-Transport-Security: max-age=63072000"));
	ck_assert(has(&b, "Content-Security-Policy: default-src 'self'"));
	ck_assert(has(&b, "Access-Control-Allow-Origin: "
	    "https://app.example.com\r\n"));
	ck_assert(!has(&b, "Access-Control-Allow-Credentials"));
	ck_assert(!has(&b, "'unsafe-inline'"));
	buf_free(&b);
}
END_TEST

START_TEST(test_preflight)
{
	struct buf	 b = { 0 };

	headers_preflight(&b, HTTP_GET | HTTP_HEAD | HTTP_POST);
	ck_assert(has(&b, "Access-Control-Allow-Methods: GET, HEAD, POST, "
	    "OPTIONS\r\n"));
	ck_assert(has(&b, "Access-Control-Allow-Headers: Authorization, "
	    "Content-Type, X-API-Key, X-Request-ID\r\n"));
	ck_assert(has(&b, "Access-Control-Max-Age: "));
	ck_assert(!has(&b, "*"));
	buf_free(&b);
}
END_TEST

Suite *
http_headers_suite(void)
{
	Suite	*s = suite_create("http_headers");
	TCase	*tc = tcase_create("headers");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_cors_allowed);
	tcase_add_test(tc, test_request_id);
	tcase_add_test(tc, test_common_headers);
	tcase_add_test(tc, test_preflight);
	suite_add_tcase(s, tc);
	return s;
}
