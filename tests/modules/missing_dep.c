/*
 * missing_dep: a module that needs a module named "warehouses", which is
 * not loaded; start-up stops with one line naming both.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/missing-dep",
	  .permission = "dep:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

static const struct erp_depend depends[] = {
	{ "warehouses", "1.2" },
	{ NULL, NULL }
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "missing_dep",
	.version = "1.0.0",
	.depends = depends,
	.routes = routes,
	.init = fixture_init,
};
