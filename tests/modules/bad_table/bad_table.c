/*
 * bad_table: a declared resource whose migration lacks a column the
 * declaration names; start-up stops after the migration, before any of
 * the module's code runs.
 */
#include "../fixture.h"

static const struct erp_field fields[] = {
	{ .name = "title", .type = ERP_FIELD_STRING },
	{ .name = "body", .type = ERP_FIELD_STRING },
	{ .name = NULL }
};

static const struct erp_resource resources[] = {
	{ .type = "memo", .path = "/memos", .table = "memos",
	  .fields = fields },
	ERP_RESOURCE_END
};

extern const struct erp_migration fixture_bad_table_migrations[];

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "bad_table",
	.version = "1.0.0",
	.resources = resources,
	.migrations = fixture_bad_table_migrations,
	.init = fixture_init,
};
