/*
 * metrics endpoint: GET /metrics in the Prometheus text format, for
 * clients on loopback (after ERP_TRUSTED_PROXIES) and system admins.
 */
#include <arpa/inet.h>
#include <string.h>

#include "api.h"
#include "metrics/metrics.h"

static bool
is_loopback(const char *ip)
{
	unsigned char	 a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char one[16] = { [15] = 1 };
		static const unsigned char v4mapped[12] = { [10] = 0xff,
		    [11] = 0xff };

		return memcmp(a, one, 16) == 0 ||
		    (memcmp(a, v4mapped, 12) == 0 && a[12] == 127);
	}
	return false;
}

static int
metrics(struct http_req *req)
{
	const struct auth_subject	*sub = http_subject(req);
	struct buf			 b = { 0 };
	int				 rc;

	if (!is_loopback(http_client_ip(req))) {
		if (sub == NULL) {
			http_add_header(req, "WWW-Authenticate", "Bearer");
			return http_reply_error(req, 401, "unauthenticated",
			    "credentials required");
		}
		if (!sub->su_is_admin)
			return api_forbidden(req, "metrics.read", 0,
			    "system admins only");
	}
	metrics_render(&b, http_route_name, auth_password_queue_depth());
	rc = http_reply_raw(req, 200, "text/plain; version=0.0.4; "
	    "charset=utf-8", b.b_data, b.b_len);
	buf_free(&b);
	return rc;
}

static const struct http_route routes[] = {
	{ .rt_methods = HTTP_GET, .rt_path = "/metrics",
	  .rt_flags = HTTP_ROUTE_AUTH_OPTIONAL, .rt_handler = metrics,
	  .rt_summary = "Prometheus metrics (system admins, or loopback)",
	  .rt_reply = "text/plain" },
};


int
api_metrics_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
