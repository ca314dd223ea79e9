/*
 * bad_permission: a route whose permission is "product", not the
 * resource:action a policy can decide on.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/bad-permission",
	  .permission = "product", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "bad_permission",
	.version = "1.0.0",
	.routes = routes,
	.init = fixture_init,
};
