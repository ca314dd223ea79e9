/*
 * health: liveness (/healthz: the process answers) and readiness
 * (/readyz: the database answers), both without credentials.
 */
#include "api.h"
#include "db/db.h"
#include "http/http.h"

#define LIT(s)	s, sizeof(s) - 1

static int
healthz(struct http_req *req)
{
	return http_reply_raw_json(req, 200, LIT("{\"status\":\"ok\"}"));
}

static int
readyz(struct http_req *req)
{
	if (db_ping() == -1) {
		http_add_header(req, "Retry-After", "5");
		return http_reply_error(req, 503, "unavailable",
		    "database not reachable");
	}
	return http_reply_raw_json(req, 200, LIT("{\"status\":\"ready\"}"));
}

static const struct http_route routes[] = {
	{ .rt_methods = HTTP_GET, .rt_path = "/healthz",
	  .rt_flags = HTTP_ROUTE_PUBLIC, .rt_handler = healthz,
	  .rt_summary = "Alive", .rt_reply = "{status: 'ok'}" },
	{ .rt_methods = HTTP_GET, .rt_path = "/readyz",
	  .rt_flags = HTTP_ROUTE_PUBLIC, .rt_handler = readyz,
	  .rt_summary = "Ready: the database answers",
	  .rt_reply = "{status: 'ready'}" },
};


int
api_health_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
