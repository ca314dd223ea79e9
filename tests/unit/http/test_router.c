/* Tests for core/http/router.c: matching, params, 405 sets, clashes. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "http/http_int.h"
#include "suites.h"

#define R(m, p, f, h)	{ .rt_methods = (m), .rt_path = (p), .rt_flags = (f), \
			  .rt_handler = (h) }

static int
h(struct http_req *req)
{
	return 0;
}

static void
setup(void)
{
	static const struct http_route rt[] = {
		R(HTTP_GET | HTTP_POST, "/api/v1/users", 0, h),
		R(HTTP_GET | HTTP_PATCH, "/api/v1/users/{id}", 0, h),
		R(HTTP_GET, "/api/v1/users/me", 0, h),
		R(HTTP_DELETE, "/api/v1/orgs/{org}/members/{user_id}", 0, h),
		R(HTTP_GET, "/healthz", HTTP_ROUTE_PUBLIC, h),
	};
	struct erp_err	 err;
	size_t		 i;

	router_reset();
	for (i = 0; i < nitems(rt); i++)
		ck_assert_msg(http_route_add(&rt[i], &err) == 0, "%s",
		    err.e_msg);
}

static void
teardown(void)
{
	router_reset();
}

static void
req_clear(struct http_req *req)
{
	size_t	 i;

	for (i = 0; i < req->rq_nparams; i++)
		free(req->rq_params[i].pa_value);
	memset(req, 0, sizeof(*req));
}

START_TEST(test_literal_and_params)
{
	struct http_req		 req = { 0 };
	const struct http_route	*rt = NULL;
	int			 allowed;

	ck_assert_int_eq(router_match(&req, "/healthz", HTTP_GET, &rt,
	    &allowed), ROUTER_FOUND);
	ck_assert_str_eq(rt->rt_path, "/healthz");
	ck_assert_int_eq(router_match(&req, "/api/v1/users/42", HTTP_PATCH,
	    &rt, &allowed), ROUTER_FOUND);
	ck_assert_str_eq(rt->rt_path, "/api/v1/users/{id}");
	ck_assert_str_eq(http_param(&req, "id"), "42");
	ck_assert_ptr_null(http_param(&req, "org"));
	req_clear(&req);
	ck_assert_int_eq(router_match(&req,
	    "/api/v1/orgs/7/members/9", HTTP_DELETE, &rt, &allowed),
	    ROUTER_FOUND);
	ck_assert_str_eq(http_param(&req, "org"), "7");
	ck_assert_str_eq(http_param(&req, "user_id"), "9");
	req_clear(&req);
	/* params are percent-decoded */
	ck_assert_int_eq(router_match(&req, "/api/v1/users/a%20b",
	    HTTP_GET, &rt, &allowed), ROUTER_FOUND);
	ck_assert_str_eq(http_param(&req, "id"), "a b");
	req_clear(&req);
}
END_TEST

START_TEST(test_literal_wins)
{
	struct http_req		 req = { 0 };
	const struct http_route	*rt;
	int			 allowed;

	ck_assert_int_eq(router_match(&req, "/api/v1/users/me", HTTP_GET,
	    &rt, &allowed), ROUTER_FOUND);
	ck_assert_str_eq(rt->rt_path, "/api/v1/users/me");
	ck_assert_uint_eq(req.rq_nparams, 0);
	ck_assert_int_eq(router_match(&req, "/api/v1/users/me", HTTP_PATCH,
	    &rt, &allowed), ROUTER_FOUND);
	ck_assert_str_eq(rt->rt_path, "/api/v1/users/{id}");
	ck_assert_str_eq(http_param(&req, "id"), "me");
	req_clear(&req);
}
END_TEST

START_TEST(test_head_follows_get)
{
	struct http_req		 req = { 0 };
	const struct http_route	*rt;
	int			 allowed;

	ck_assert_int_eq(router_match(&req, "/healthz", HTTP_HEAD, &rt,
	    &allowed), ROUTER_FOUND);
}
END_TEST

START_TEST(test_method_not_allowed)
{
	struct http_req		 req = { 0 };
	const struct http_route	*rt;
	int			 allowed;
	char			 text[128];

	ck_assert_int_eq(router_match(&req, "/api/v1/users", HTTP_DELETE,
	    &rt, &allowed), ROUTER_NO_METHOD);
	ck_assert_int_eq(allowed, HTTP_GET | HTTP_HEAD | HTTP_POST |
	    HTTP_OPTIONS);
	router_allow_text(allowed, text, sizeof(text));
	ck_assert_str_eq(text, "GET, HEAD, POST, OPTIONS");
	/* /users/me matches both the literal and the {id} route */
	ck_assert_int_eq(router_match(&req, "/api/v1/users/me", HTTP_POST,
	    &rt, &allowed), ROUTER_NO_METHOD);
	ck_assert(allowed & HTTP_PATCH);
	ck_assert(allowed & HTTP_GET);
}
END_TEST

START_TEST(test_no_path)
{
	static const char *paths[] = {
		"/", "", "healthz", "/healthz/x", "/api/v1", "/api/v1/users/",
		"/api/v1/users//x", "/api/v1/users/%zz", "/api/v1/users/%00",
		"/api/v1/users/%2", "/api/v1/users/..", "/api/v1/users/.",
		"/api/v1/users/%2e%2e", "/HEALTHZ",
	};
	struct http_req		 req = { 0 };
	const struct http_route	*rt;
	int			 allowed;
	size_t			 i;

	for (i = 0; i < nitems(paths); i++) {
		enum router_result r = router_match(&req, paths[i], HTTP_GET,
		    &rt, &allowed);

		/* "/api/v1/users/" is the list with a trailing slash */
		if (strcmp(paths[i], "/api/v1/users/") == 0)
			ck_assert_int_eq(r, ROUTER_FOUND);
		else
			ck_assert_msg(r == ROUTER_NO_PATH, "%s matched",
			    paths[i]);
		req_clear(&req);
	}
}
END_TEST

START_TEST(test_add_refuses)
{
	static const struct http_route bad[] = {
		R(HTTP_GET, "/healthz", 0, h),		/* clash */
		R(HTTP_PATCH, "/api/v1/users/{uid}", 0, h),/* clash */
		R(HTTP_GET, "healthz", 0, h),
		R(HTTP_GET, "/a//b", 0, h),
		R(HTTP_GET, "/a/{b", 0, h),
		R(HTTP_GET, "/a/{}", 0, h),
		R(HTTP_GET, "/a/%41", 0, h),
		R(0, "/a", 0, h),
		R(HTTP_OPTIONS, "/a", 0, h),
		R(HTTP_GET, "/a", 0, NULL),
		R(HTTP_GET, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", 0, h),
	};
	static const struct http_route good =
		R(HTTP_DELETE, "/api/v1/users/{id}", 0, h);
	struct erp_err	 err;
	size_t		 i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(http_route_add(&bad[i], &err) == -1,
		    "%s accepted", bad[i].rt_path);
	/* another method on an existing shape is fine */
	ck_assert_int_eq(http_route_add(&good, &err), 0);
}
END_TEST

START_TEST(test_decode_segment)
{
	char	 out[8];

	ck_assert_int_eq(router_decode_segment("a%2Fb", 5, out, sizeof(out)),
	    3);
	ck_assert_str_eq(out, "a/b");
	ck_assert_int_eq(router_decode_segment("abcdefgh", 8, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(router_decode_segment("%", 1, out, sizeof(out)), -1);
	ck_assert_int_eq(router_decode_segment("%4", 2, out, sizeof(out)),
	    -1);
}
END_TEST

Suite *
http_router_suite(void)
{
	Suite	*s = suite_create("http_router");
	TCase	*tc = tcase_create("router");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_literal_and_params);
	tcase_add_test(tc, test_literal_wins);
	tcase_add_test(tc, test_head_follows_get);
	tcase_add_test(tc, test_method_not_allowed);
	tcase_add_test(tc, test_no_path);
	tcase_add_test(tc, test_add_refuses);
	tcase_add_test(tc, test_decode_segment);
	suite_add_tcase(s, tc);
	return s;
}
