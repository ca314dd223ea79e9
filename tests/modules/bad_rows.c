/*
 * bad_rows: owned rows (ABI 2.3) of a resource the module does not
 * declare; the loader refuses it before any code runs.
 */
#include "fixture.h"

static const struct erp_field fields[] = {
	{ .name = "title", .type = ERP_FIELD_STRING },
	{ .name = NULL }
};

static const struct erp_field item_fields[] = {
	{ .name = "text", .type = ERP_FIELD_STRING },
	{ .name = NULL }
};

static const struct erp_rows rows[] = {
	{ .resource = "memo_list", .name = "items", .table = "memo_items",
	  .owner = "memo_id", .fields = item_fields, .min = 0, .max = 10 },
	{ .resource = NULL }
};

static const struct erp_resource resources[] = {
	{ .type = "memo", .path = "/memos", .table = "memos",
	  .fields = fields },
	ERP_RESOURCE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "bad_rows",
	.version = "1.0.0",
	.resources = resources,
	.rows = rows,
	.init = fixture_init,
};
