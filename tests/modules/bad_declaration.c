/*
 * bad_declaration: a resource whose transition moves to a state its
 * state field does not list; the loader refuses it before any code runs.
 */
#include "fixture.h"

static const char *const states[] = { "draft", "done", NULL };
static const char *const from_draft[] = { "draft", NULL };

static const struct erp_field fields[] = {
	{ .name = "title", .type = ERP_FIELD_STRING },
	{ .name = "state", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_COMPUTED, .enums = states, .def = "\"draft\"" },
	{ .name = NULL }
};

static const struct erp_transition moves[] = {
	{ "archive", from_draft, "archived", "memo:archive" },
	{ NULL }
};

static const struct erp_resource resources[] = {
	{ .type = "memo", .path = "/memos", .table = "memos",
	  .fields = fields, .state = "state", .transitions = moves },
	ERP_RESOURCE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "bad_declaration",
	.version = "1.0.0",
	.resources = resources,
	.init = fixture_init,
};
