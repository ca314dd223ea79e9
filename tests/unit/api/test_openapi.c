/*
 * Tests for core/api/openapi.c: every route in the table is in the
 * document with what it declares, the schemas in force become components,
 * and a malformed declaration stops the build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "api/api.h"
#include "http/http_int.h"
#include "policy/policy.h"
#include "suites.h"

#define BASE_LUA	ERP_DEFAULT_POLICIES_DIR "/base.lua"

static const char fragment[] =
    "schemas.widget = {\n"
    "  sku = { type = 'string', required = true, max_len = 8,\n"
    "    pattern = '^[A-Z%-]+$' },\n"
    "  size = { type = 'integer', min = 1, nullable = true },\n"
    "  tags = { type = 'array', items = { type = 'object', fields = {\n"
    "    name = { type = 'string', required = true } } } },\n"
    "  odd = { type = 'string', pattern = '%b()' },\n"
    "}\n"
    "schemas.unused = { note = { type = 'string' } }\n";

static const char *const computed[] = { "id", "org_id", "created_at",
    "updated_at", "total", NULL };

static int
h(struct http_req *req)
{
	return 0;
}

/* A module's routes as the loader adds them. */
static const struct http_route widget_routes[] = {
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/widgets",
	  .rt_permission = "widget:read", .rt_handler = h,
	  .rt_reply = "page($widget)", .rt_query = API_PAGE_QUERY },
	{ .rt_methods = HTTP_POST, .rt_path = "/api/v1/orgs/{org}/widgets",
	  .rt_permission = "widget:create", .rt_schema = "widget",
	  .rt_handler = h, .rt_status = 201, .rt_reply = "$widget" },
	{ .rt_methods = HTTP_PATCH,
	  .rt_path = "/api/v1/orgs/{org}/widgets/{id}",
	  .rt_permission = "widget:update", .rt_schema = "widget",
	  .rt_computed = computed, .rt_handler = h, .rt_reply = "$widget" },
	{ .rt_methods = HTTP_POST,
	  .rt_path = "/api/v1/orgs/{org}/widgets/{id}/spin",
	  .rt_permission = "widget:spin", .rt_handler = h,
	  .rt_status = HTTP_DOC_ANY_2XX },
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/gadgets/{id}",
	  .rt_flags = HTTP_ROUTE_PUBLIC, .rt_handler = h,
	  .rt_reply = "$gadget" },
	/* a declared resource's list: its query as JSON Schema */
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/gizmos",
	  .rt_permission = "gizmo:read", .rt_handler = h,
	  .rt_reply = "page({id: integer})",
	  .rt_query_schema = "{\"type\": \"object\", \"properties\": "
	    "{\"sort\": {\"type\": \"string\", \"enum\": [\"name\", "
	    "\"-name\"]}}, \"additionalProperties\": false}" },
	/* a list that may read more than it declares */
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/doodads",
	  .rt_permission = "doodad:read", .rt_handler = h,
	  .rt_reply = "page({id: integer})",
	  .rt_query = "{limit?: integer, ...}" },
};

static cJSON	*doc;

static void
setup(void)
{
	struct config	 cf;
	struct erp_err	 err;
	char		*text;

	router_reset();
	memset(&cf, 0, sizeof(cf));
	ck_assert(policy_engine_add_fragment("widgets", fragment, &err) == 0);
	ck_assert_msg(policy_engine_init(BASE_LUA, &err) == 0, "%s",
	    err.e_msg);
	cf.cf_login_rate = 5;
	cf.cf_login_window = 60;
	ck_assert_msg(api_register(&cf, &err) == 0, "%s", err.e_msg);
	ck_assert_msg(api_routes_add(widget_routes, nitems(widget_routes),
	    &err) == 0, "%s", err.e_msg);
	text = api_openapi_text(policy_get(0, 0, NULL, NULL), &err);
	ck_assert_msg(text != NULL, "%s", err.e_msg);
	doc = cJSON_Parse(text);
	free(text);
	ck_assert_ptr_nonnull(doc);
}

static void
teardown(void)
{
	cJSON_Delete(doc);
	policy_cache_thread_free();
	router_reset();
}

static cJSON *
at(cJSON *o, const char *a, const char *b, const char *c)
{
	o = cJSON_GetObjectItemCaseSensitive(o, a);
	if (b != NULL)
		o = cJSON_GetObjectItemCaseSensitive(o, b);
	if (c != NULL)
		o = cJSON_GetObjectItemCaseSensitive(o, c);
	return o;
}

static const char *
text_at(cJSON *o, const char *a, const char *b, const char *c)
{
	o = at(o, a, b, c);
	return cJSON_IsString(o) ? o->valuestring : NULL;
}

/* Every $ref in node points at a component the document has. */
static void
refs_resolve(cJSON *node)
{
	static const char	 prefix[] = "#/components/";
	cJSON			*c;
	char			 kind[32], name[96];

	if (cJSON_IsString(node) && node->string != NULL &&
	    strcmp(node->string, "$ref") == 0) {
		ck_assert(strncmp(node->valuestring, prefix,
		    sizeof(prefix) - 1) == 0);
		ck_assert(sscanf(node->valuestring + sizeof(prefix) - 1,
		    "%31[^/]/%95s", kind, name) == 2);
		ck_assert_msg(at(doc, "components", kind, name) != NULL,
		    "dangling %s", node->valuestring);
	}
	for (c = node->child; c != NULL; c = c->next)
		refs_resolve(c);
}

static const struct {
	int		 bit;
	const char	*name;
} methods[] = {
	{ HTTP_GET, "get" }, { HTTP_POST, "post" }, { HTTP_PUT, "put" },
	{ HTTP_PATCH, "patch" }, { HTTP_DELETE, "delete" },
};

/* Checks the operations of rt; arg counts them in a JSON object of ids. */
static void
check_route(const struct http_route *rt, void *arg)
{
	cJSON	*ids = arg, *op;
	size_t	 k;
	char	 status[8];

	for (k = 0; k < nitems(methods); k++) {
		if ((rt->rt_methods & methods[k].bit) == 0)
			continue;
		op = at(doc, "paths", rt->rt_path, methods[k].name);
		ck_assert_msg(op != NULL, "%s %s missing", methods[k].name,
		    rt->rt_path);
		/* operation ids are unique */
		ck_assert_ptr_nonnull(text_at(op, "operationId", NULL, NULL));
		ck_assert_ptr_null(cJSON_GetObjectItem(ids, text_at(op,
		    "operationId", NULL, NULL)));
		cJSON_AddTrueToObject(ids, text_at(op, "operationId", NULL,
		    NULL));
		if (rt->rt_permission != NULL)
			ck_assert_str_eq(text_at(op, "x-erp-permission", NULL,
			    NULL), rt->rt_permission);
		else
			ck_assert_ptr_null(at(op, "x-erp-permission", NULL,
			    NULL));
		if (rt->rt_status == HTTP_DOC_ANY_2XX)
			snprintf(status, sizeof(status), "2XX");
		else
			snprintf(status, sizeof(status), "%d",
			    rt->rt_status ? rt->rt_status : 200);
		ck_assert_msg(at(op, "responses", status, NULL) != NULL,
		    "%s %s: no %s", methods[k].name, rt->rt_path, status);
		ck_assert_ptr_nonnull(at(op, "responses", "default", NULL));
		/* only public routes go without credentials */
		ck_assert_int_eq(cJSON_GetArraySize(at(op, "security", NULL,
		    NULL)) == 0, (rt->rt_flags & HTTP_ROUTE_PUBLIC) != 0);
	}
}

START_TEST(test_every_route_is_documented)
{
	cJSON	*ids = cJSON_CreateObject(), *item;
	int	 ops = 0;

	http_route_each(check_route, ids);
	/* and nothing else is */
	cJSON_ArrayForEach(item, at(doc, "paths", NULL, NULL))
		ops += cJSON_GetArraySize(item);
	ck_assert_int_eq(ops, cJSON_GetArraySize(ids));
	ck_assert_int_gt(ops, 30);
	ck_assert_str_eq(text_at(doc, "openapi", NULL, NULL), "3.1.0");
	ck_assert_str_eq(text_at(at(doc, "components", "securitySchemes",
	    "apiKey"), "name", NULL, NULL), "X-API-Key");
	refs_resolve(doc);
	cJSON_Delete(ids);
}
END_TEST

START_TEST(test_declared_parts)
{
	cJSON	*op, *body, *q;

	/* a built-in body's fields: required on create, none on PATCH */
	body = at(at(doc, "paths", "/api/v1/users", "post"), "requestBody",
	    "content", "application/json");
	ck_assert_str_eq(text_at(at(body, "schema", "properties", "email"),
	    "type", NULL, NULL), "string");
	ck_assert_int_eq(cJSON_IsFalse(at(body, "schema",
	    "additionalProperties", NULL)), 1);
	ck_assert_int_gt(cJSON_GetArraySize(at(body, "schema", "required",
	    NULL)), 0);
	body = at(at(doc, "paths", "/api/v1/users/{id}", "patch"),
	    "requestBody", "content", "application/json");
	ck_assert_ptr_null(at(body, "schema", "required", NULL));
	/* query parameters (all the audit filters) and path parameters */
	op = at(doc, "paths", "/api/v1/audit", "get");
	ck_assert_int_eq(cJSON_GetArraySize(at(op, "parameters", NULL,
	    NULL)), 10);
	op = at(doc, "paths", "/api/v1/orgs/{org}/widgets/{id}", "patch");
	ck_assert_str_eq(text_at(cJSON_GetArrayItem(at(op, "parameters",
	    NULL, NULL), 0), "name", NULL, NULL), "org");
	ck_assert_str_eq(text_at(at(op, "requestBody", "content",
	    "application/json"), "schema", "$ref", NULL),
	    "#/components/schemas/widget_update");
	/* a query given as JSON Schema: its properties, refused with 422 */
	op = at(doc, "paths", "/api/v1/orgs/{org}/gizmos", "get");
	q = cJSON_GetArrayItem(at(op, "parameters", NULL, NULL), 1);
	ck_assert_str_eq(text_at(q, "name", NULL, NULL), "sort");
	ck_assert_str_eq(text_at(q, "in", NULL, NULL), "query");
	ck_assert_int_eq(cJSON_GetArraySize(at(q, "schema", "enum", NULL)), 2);
	ck_assert(at(op, "responses", "422", NULL) != NULL);
	ck_assert_ptr_null(at(op, "x-erp-query-open", NULL, NULL));
	/* "..." in a query's shape: the handler may read more */
	op = at(doc, "paths", "/api/v1/orgs/{org}/doodads", "get");
	ck_assert(cJSON_IsTrue(at(op, "x-erp-query-open", NULL, NULL)));
	ck_assert_ptr_null(at(at(doc, "paths", "/api/v1/audit", "get"),
	    "x-erp-query-open", NULL, NULL));
	/* a text answer keeps its media type */
	ck_assert(at(at(at(doc, "paths", "/metrics", "get"), "responses",
	    "200", "content"), "text/plain", NULL, NULL) != NULL);
}
END_TEST

START_TEST(test_schemas_in_force)
{
	cJSON	*s = at(doc, "components", "schemas", NULL), *w, *rec;

	w = cJSON_GetObjectItem(s, "widget_create");
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(cJSON_GetArrayItem(at(w, "required", NULL, NULL),
	    0)->valuestring, "sku");
	ck_assert_str_eq(text_at(w, "properties", "sku", "pattern"),
	    "^[A-Z\\-]+$");
	ck_assert_int_eq(at(w, "properties", "sku", "maxLength")->valueint, 8);
	/* %b has no regex: only the Lua pattern is shown */
	ck_assert_ptr_null(at(w, "properties", "odd", "pattern"));
	ck_assert_str_eq(text_at(w, "properties", "odd",
	    "x-erp-lua-pattern"), "%b()");
	ck_assert_int_eq(cJSON_GetArraySize(at(w, "properties", "size",
	    "type")), 2);
	ck_assert_ptr_null(at(cJSON_GetObjectItem(s, "widget_update"),
	    "required", NULL, NULL));
	/* the record: types only, what the host sets and the computed */
	rec = cJSON_GetObjectItem(s, "widget");
	ck_assert_ptr_null(at(rec, "properties", "sku", "maxLength"));
	ck_assert(at(rec, "properties", "id", NULL) != NULL);
	ck_assert(at(rec, "properties", "created_at", NULL) != NULL);
	ck_assert(at(rec, "properties", "total", NULL) != NULL);
	ck_assert_int_eq(cJSON_IsFalse(at(rec, "additionalProperties", NULL,
	    NULL)), 1);
	/* nested objects of a record may carry what the server adds */
	ck_assert_ptr_null(at(at(rec, "properties", "tags", "items"),
	    "additionalProperties", NULL, NULL));
	/* a type nobody declares is an open record */
	ck_assert(at(s, "gadget", "properties", "id") != NULL);
	/* and a schema no route uses is left out */
	ck_assert_ptr_null(cJSON_GetObjectItem(s, "unused"));
	ck_assert_ptr_null(cJSON_GetObjectItem(s, "unused_create"));
}
END_TEST

START_TEST(test_bad_declaration_stops_the_build)
{
	static const struct http_route bad = { .rt_methods = HTTP_GET,
	    .rt_path = "/api/v1/broken", .rt_handler = h,
	    .rt_reply = "{id: integr}" };
	struct erp_err	 err;

	ck_assert(http_route_add(&bad, &err) == 0);
	ck_assert_ptr_null(api_openapi_text(policy_get(0, 0, NULL, NULL),
	    &err));
	ck_assert_msg(strstr(err.e_msg, "integr") != NULL, "%s", err.e_msg);
}
END_TEST

Suite *
api_openapi_suite(void)
{
	Suite	*s = suite_create("api_openapi");
	TCase	*tc = tcase_create("openapi");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_route_is_documented);
	tcase_add_test(tc, test_declared_parts);
	tcase_add_test(tc, test_schemas_in_force);
	tcase_add_test(tc, test_bad_declaration_stops_the_build);
	suite_add_tcase(s, tc);
	return s;
}
