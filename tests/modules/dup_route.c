/*
 * dup_route: a well-formed module whose GET /products is also the shipped
 * products module's. The route table refuses the second registration.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/products",
	  .permission = "product:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "dup_route",
	.version = "1.0.0",
	.routes = routes,
};
