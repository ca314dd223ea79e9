/*
 * bad_lua: a module whose policy fragment, bad_lua.lua, does not compile;
 * start-up stops with the file and the line in the message.
 */
#include "../fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/bad-lua",
	  .permission = "lua:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

extern const char fixture_bad_lua_policy[], fixture_bad_lua_policy_file[];

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "bad_lua",
	.version = "1.0.0",
	.routes = routes,
	.policy = fixture_bad_lua_policy,
	.policy_file = fixture_bad_lua_policy_file,
	.init = fixture_init,
};
