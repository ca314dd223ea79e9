/*
 * public_permission: a route marked ERP_ROUTE_PUBLIC that also names a
 * permission; a public route is never authorized, so this is a mistake.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/public-permission",
	  .flags = ERP_ROUTE_PUBLIC, .permission = "product:read",
	  .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "public_permission",
	.version = "1.0.0",
	.routes = routes,
	.init = fixture_init,
};
