/*
 * fuzz_route: path decoding and routing. The input's first byte picks
 * the method, the rest is the raw request path as civetweb hands it
 * over. It goes through the router (with a table shaped like erpd's own)
 * and the static files' decoder, as the pipeline does for every request.
 * A match must leave decoded parameters without NUL or '/' escapes
 * turned into new segments, and never "." or "..".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
handler(struct http_req *req)
{
	return 0;
}

static const char *const patterns[] = {
	"/healthz", "/readyz", "/metrics",
	"/api/v1/auth/token", "/api/v1/auth/logout",
	"/api/v1/users", "/api/v1/users/me", "/api/v1/users/me/password",
	"/api/v1/users/{id}", "/api/v1/orgs", "/api/v1/orgs/{org}/members",
	"/api/v1/orgs/{org}/members/{user_id}", "/api/v1/orgs/{org}/roles",
	"/api/v1/orgs/{org}/products", "/api/v1/orgs/{org}/products/{id}",
	"/api/v1/orgs/{org}/orders/{id}/confirm",
	"/api/v1/orgs/{org}/files/{id}/link", "/api/v1/files/{token}",
	"/api/v1/orgs/{org}/{a}/{b}/{c}/{d}/{e}/{f}",
};

static const int methods[] = {
	HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE,
	HTTP_OPTIONS
};

static void
setup(void)
{
	struct http_route	 rt;
	struct erp_err		 err;
	size_t			 i;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		memset(&rt, 0, sizeof(rt));
		rt.rt_path = patterns[i];
		rt.rt_methods = i % 2 ? HTTP_GET | HTTP_POST :
		    HTTP_GET | HTTP_PATCH | HTTP_DELETE;
		rt.rt_handler = handler;
		if (http_route_add(&rt, &err) == -1) {
			fprintf(stderr, "fuzz_route: %s\n", err.e_msg);
			abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 ready;
	struct http_req		 req;
	const struct http_route	*route = NULL;
	char			*path;
	size_t			 i;
	int			 allowed, method;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	method = methods[data[0] % (sizeof(methods) / sizeof(methods[0]))];
	path = strndup((const char *)data + 1, size - 1);
	memset(&req, 0, sizeof(req));
	if (router_match(&req, path, method, &route, &allowed) ==
	    ROUTER_FOUND) {
		if (route == NULL || req.rq_nparams > HTTP_MAX_PARAMS)
			abort();
		for (i = 0; i < req.rq_nparams; i++) {
			const char	*v = req.rq_params[i].pa_value;

			if (v[0] == '\0' || strcmp(v, ".") == 0 ||
			    strcmp(v, "..") == 0)
				abort();
			free(req.rq_params[i].pa_value);
		}
	}
	/* nothing is loaded: every path must come back unserved */
	if (static_serve(&req, path) != -1)
		abort();
	free(path);
	return 0;
}
