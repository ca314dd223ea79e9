/*
 * customers: the organization's customers, declared. The host serves
 * CRUD under /api/v1/orgs/{org}/customers from the fields below (each
 * action its own permission, customer:read ...). Orders refer to
 * customers, so one that has orders cannot be deleted (409).
 */
#include <erp/module.h>

static const struct erp_field fields[] = {
	{ .name = "name", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_REQUIRED | ERP_FIELD_SEARCH | ERP_FIELD_SORT |
	  ERP_FIELD_MIN | ERP_FIELD_MAX, .min = 1, .max = 200 },
	{ .name = "email", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_NULLABLE | ERP_FIELD_SEARCH | ERP_FIELD_SORT |
	  ERP_FIELD_MAX, .max = 254, .pattern = "^[^%s@]+@[^%s@]+%.[^%s@]+$" },
	{ .name = "vat_id", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_NULLABLE | ERP_FIELD_FILTER | ERP_FIELD_MAX, .max = 32,
	  .label = "VAT ID" },
	{ .name = "address", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_NULLABLE | ERP_FIELD_MAX, .max = 500 },
	{ .name = NULL }
};

static const struct erp_resource resources[] = {
	{ .type = "customer", .path = "/customers", .table = "customers",
	  .fields = fields },
	ERP_RESOURCE_END
};

extern const struct erp_migration customers_migrations[];

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "customers",
	.version = "1.1.0",
	.resources = resources,
	.migrations = customers_migrations,
};
