/*
 * bad_version: a module whose own version is not MAJOR.MINOR[.PATCH], so
 * no dependency on it could be judged.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/bad-version",
	  .permission = "version:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "bad_version",
	.version = "v1-beta",
	.routes = routes,
	.init = fixture_init,
};
