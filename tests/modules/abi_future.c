/*
 * abi_future: a module built for module ABI 3.0. The loader refuses it
 * from the descriptor's first fields, before anything else is read.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/abi-future",
	  .permission = "future:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	.abi_major = 3,
	.abi_minor = 0,
	.size = sizeof(struct erp_module),
	.name = "abi_future",
	.version = "1.0.0",
	.routes = routes,
	.init = fixture_init,
};
