/*
 * old_dep: a module that needs products 2.1 or a later 2.x, while the
 * shipped products is 1.x: incompatible, one line naming both.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/old-dep",
	  .permission = "dep:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

static const struct erp_depend depends[] = {
	{ "products", "2.1" },
	{ NULL, NULL }
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "old_dep",
	.version = "1.0.0",
	.depends = depends,
	.routes = routes,
	.init = fixture_init,
};
