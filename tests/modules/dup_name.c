/*
 * dup_name: a second module calling itself "products". Its own routes are
 * harmless; the name is what the loader refuses, naming both files.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/dup-name",
	  .permission = "dupname:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "products",
	.version = "1.0.0",
	.routes = routes,
	.init = fixture_init,
};
