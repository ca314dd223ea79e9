/*
 * wildcard_permission: a route that asks for "product:*". Roles hold
 * patterns; a route names one action, so a wildcard there is refused.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/wildcard-permission",
	  .permission = "product:*", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "wildcard_permission",
	.version = "1.0.0",
	.routes = routes,
	.init = fixture_init,
};
