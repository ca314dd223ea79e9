/*
 * products: the catalogue, declared. The host serves CRUD under
 * /api/v1/orgs/{org}/products from the fields below (each action its
 * own permission, product:read ...); the fields are the base schema an
 * organization's policy may tighten. A product an order line uses cannot
 * be deleted (409: the reference refuses it).
 */
#include <erp/module.h>

static const struct erp_field fields[] = {
	{ .name = "sku", .type = ERP_FIELD_STRING, .flags = ERP_FIELD_REQUIRED |
	  ERP_FIELD_UNIQUE | ERP_FIELD_SEARCH | ERP_FIELD_SORT |
	  ERP_FIELD_MIN | ERP_FIELD_MAX, .min = 3, .max = 32,
	  .pattern = "^[A-Z0-9%-]+$", .label = "SKU" },
	{ .name = "name", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_REQUIRED | ERP_FIELD_SEARCH | ERP_FIELD_SORT |
	  ERP_FIELD_MIN | ERP_FIELD_MAX, .min = 1, .max = 200 },
	{ .name = "description", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_NULLABLE | ERP_FIELD_MAX, .max = 2000 },
	{ .name = "price_cents", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_REQUIRED | ERP_FIELD_SORT | ERP_FIELD_MIN, .min = 0,
	  .label = "Price" },
	{ .name = "currency", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_FILTER, .pattern = "^[A-Z][A-Z][A-Z]$", .def = "\"EUR\"" },
	{ .name = "active", .type = ERP_FIELD_BOOLEAN, .flags =
	  ERP_FIELD_FILTER, .def = "true" },
	{ .name = NULL }
};

static const struct erp_resource resources[] = {
	{ .type = "product", .path = "/products", .table = "products",
	  .fields = fields },
	ERP_RESOURCE_END
};

extern const struct erp_migration products_migrations[];

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "products",
	.version = "1.1.0",
	.resources = resources,
	.migrations = products_migrations,
};
