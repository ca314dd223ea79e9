/*
 * abi_v1: a module built for module ABI 1.0, whose descriptor has no
 * version nor depends and whose statements were SQLite's own: refused
 * from the descriptor's first fields, with one line naming it.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/abi-v1",
	  .permission = "old:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	.abi_major = 1,
	.abi_minor = 0,
	.size = sizeof(struct erp_module),
	.name = "abi_v1",
	.routes = routes,
	.init = fixture_init,
};
