/*
 * openapi: the API document (OpenAPI 3.1) of every route in the one route
 * table, built from what the routes declare (method, path, permission,
 * body fields or schema type, answer shape, query) and from the schemas in
 * force. The base document is built once at start-up; an organization's is
 * built on first request per policy version and kept in a bounded cache,
 * so serving either is a write of stored text.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define CACHE_DOCS	64			/* organization documents kept */
#define CACHE_BYTES	(16u * 1024 * 1024)	/* and their text in all */

/* One document's text, shared by the cache and the replies sending it. */
struct doc {
	atomic_int	 dc_refs;
	int64_t		 dc_org;
	int64_t		 dc_version;
	uint64_t	 dc_used;	/* for LRU */
	size_t		 dc_len;
	char		*dc_text;
};

static struct doc	*base_doc;	/* built before serving, then read */
static pthread_mutex_t	 cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct doc	*cache[CACHE_DOCS];
static size_t		 cache_bytes;
static uint64_t		 cache_tick;

static const struct {
	int		 bit;
	const char	*name;
} methods[] = {
	{ HTTP_GET, "get" }, { HTTP_POST, "post" }, { HTTP_PUT, "put" },
	{ HTTP_PATCH, "patch" }, { HTTP_DELETE, "delete" },
};

static const char security_schemes[] =
    "{\"bearer\": {\"type\": \"http\", \"scheme\": \"bearer\","
    " \"bearerFormat\": \"JWT\", \"description\": \"an access token from"
    " POST /api/v1/auth/token\"},"
    " \"apiKey\": {\"type\": \"apiKey\", \"in\": \"header\","
    " \"name\": \"X-API-Key\", \"description\": \"an organization's API"
    " key; valid only under its /api/v1/orgs/{org}\"}}";

/* The record of a type a module names but no schema declares. */
static const char open_record[] =
    "{\"type\": \"object\", \"description\": \"a record whose fields the"
    " module does not declare\", \"properties\": {\"id\": {\"type\":"
    " \"integer\"}}, \"required\": [\"id\"]}";

static const char error_shape[] =
    "{error: {code: string, message: string, request_id: string,"
    " fields?: [{field: string, code: string, message: string}]}}";

/* Path parameters whose values are positive integers. */
static bool
is_id_param(const char *name, size_t len)
{
	static const char *const ids[] = { "org", "id", "user_id", "n" };
	size_t	 i;

	for (i = 0; i < nitems(ids); i++)
		if (strlen(ids[i]) == len && strncmp(ids[i], name, len) == 0)
			return true;
	return false;
}

static cJSON *
ref(const char *where, const char *name)
{
	char	 text[320];
	cJSON	*o = cJSON_CreateObject();

	snprintf(text, sizeof(text), "#/components/%s/%s", where, name);
	cJSON_AddStringToObject(o, "$ref", text);
	return o;
}

static cJSON *
json_content(const char *ctype, cJSON *schema)
{
	cJSON	*c = cJSON_CreateObject(), *m;

	m = cJSON_AddObjectToObject(c, ctype);
	cJSON_AddItemToObject(m, "schema", schema);
	return c;
}

/* The path's {params}, each an integer id or a string. */
static void
path_params(const char *path, cJSON *params)
{
	const char	*p = path, *end;
	cJSON		*pa, *schema;
	char		 name[64];

	while ((p = strchr(p, '{')) != NULL &&
	    (end = strchr(p, '}')) != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
		pa = cJSON_CreateObject();
		cJSON_AddStringToObject(pa, "name", name);
		cJSON_AddStringToObject(pa, "in", "path");
		cJSON_AddTrueToObject(pa, "required");
		schema = cJSON_AddObjectToObject(pa, "schema");
		if (is_id_param(p + 1, (size_t)(end - p - 1))) {
			cJSON_AddStringToObject(schema, "type", "integer");
			cJSON_AddNumberToObject(schema, "minimum", 1);
		} else
			cJSON_AddStringToObject(schema, "type", "string");
		cJSON_AddItemToArray(params, pa);
		p = end + 1;
	}
}

/*
 * The route's query parameters (rt_query's shape, or rt_query_schema),
 * one parameter each; x-erp-query-open on op when the shape allows others
 * ("..."): the handler may read more than it declares. 0 or -1 (err set).
 */
static int
query_params(const struct http_route *rt, cJSON *op, cJSON *params,
    struct erp_err *err)
{
	cJSON	*o, *props, *req, *pa, *c;

	if (rt->rt_query_schema != NULL) {
		if ((o = cJSON_Parse(rt->rt_query_schema)) == NULL) {
			err_set(err, "%s: the query's schema is not JSON",
			    rt->rt_path);
			return -1;
		}
	} else if ((o = http_shape_schema(rt->rt_query, err)) == NULL)
		return -1;
	props = cJSON_GetObjectItem(o, "properties");
	req = cJSON_GetObjectItem(o, "required");
	for (c = props != NULL ? props->child : NULL; c != NULL; c = c->next) {
		bool	 required = false;
		cJSON	*r;

		cJSON_ArrayForEach(r, req)
			required = required || strcmp(r->valuestring,
			    c->string) == 0;
		pa = cJSON_CreateObject();
		cJSON_AddStringToObject(pa, "name", c->string);
		cJSON_AddStringToObject(pa, "in", "query");
		cJSON_AddBoolToObject(pa, "required", required);
		cJSON_AddItemToObject(pa, "schema", cJSON_Duplicate(c, true));
		cJSON_AddItemToArray(params, pa);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItem(o, "additionalProperties")))
		cJSON_AddTrueToObject(op, "x-erp-query-open");
	cJSON_Delete(o);
	return 0;
}

/* A built-in body's fields as an object schema. */
static cJSON *
fields_schema(const struct http_route *rt, bool patch)
{
	static const char *const types[] = {
		[HTTP_T_STRING] = "string", [HTTP_T_BOOL] = "boolean",
		[HTTP_T_INT] = "integer",
	};
	cJSON	*o = cJSON_CreateObject(), *props, *req, *f;
	size_t	 i;

	cJSON_AddStringToObject(o, "type", "object");
	props = cJSON_AddObjectToObject(o, "properties");
	req = cJSON_AddArrayToObject(o, "required");
	for (i = 0; i < rt->rt_nbody; i++) {
		const struct http_field	*hf = &rt->rt_body[i];

		f = cJSON_AddObjectToObject(props, hf->hf_name);
		cJSON_AddStringToObject(f, "type", types[hf->hf_type]);
		if (hf->hf_max_len > 0)
			cJSON_AddNumberToObject(f, "maxLength",
			    (double)hf->hf_max_len);
		if (hf->hf_required && !patch)
			cJSON_AddItemToArray(req,
			    cJSON_CreateString(hf->hf_name));
	}
	if (cJSON_GetArraySize(req) == 0)
		cJSON_DeleteItemFromObject(o, "required");
	cJSON_AddFalseToObject(o, "additionalProperties");
	return o;
}

static void
error_response(cJSON *responses, const char *status)
{
	if (cJSON_GetObjectItem(responses, status) == NULL)
		cJSON_AddItemToObject(responses, status,
		    ref("responses", "Error"));
}

/* "get_api_v1_orgs_org_products_id": unique per method and path. */
static void
operation_id(const char *method, const char *path, char *out, size_t len)
{
	size_t	 o = (size_t)snprintf(out, len, "%s", method);
	bool	 sep = true;

	for (; *path != '\0' && o + 2 < len; path++) {
		if (strchr("/{}-.", *path) != NULL) {
			sep = true;
			continue;
		}
		if (sep)
			out[o++] = '_';
		out[o++] = *path;
		sep = false;
	}
	out[o] = '\0';
}

/* The tag: the first segment after /api/v1 (and /orgs/{org}). */
static void
tag_of(const char *path, char *out, size_t len)
{
	const char	*p = path, *end;

	if (strncmp(p, "/api/v1/orgs/{org}/", 19) == 0)
		p += 19;
	else if (strncmp(p, "/api/v1/", 8) == 0)
		p += 8;
	else
		p++;
	end = p + strcspn(p, "/");
	snprintf(out, len, "%.*s", (int)(end - p), p);
}

static bool
under_org(const char *path)
{
	return strncmp(path, "/api/v1/orgs/{org}", 18) == 0;
}

/* The answer: a shape in the notation, or a media type ("text/plain"). */
static cJSON *
success(const struct http_route *rt, struct erp_err *err)
{
	cJSON	*r = cJSON_CreateObject(), *schema;
	int	 status = rt->rt_status ? rt->rt_status : 200;

	if (status == HTTP_DOC_ANY_2XX) {
		cJSON_AddStringToObject(r, "description", "a success whose "
		    "status and body the module does not declare");
		cJSON_AddItemToObject(r, "content", json_content("*/*",
		    cJSON_CreateObject()));
		return r;
	}
	cJSON_AddStringToObject(r, "description", status == 201 ? "created" :
	    status == 204 ? "done, no body" : "OK");
	if (rt->rt_reply == NULL)
		return r;
	if (strchr(rt->rt_reply, '/') != NULL && rt->rt_reply[0] != '{') {
		schema = cJSON_CreateObject();
		cJSON_AddStringToObject(schema, "type", "string");
		cJSON_AddItemToObject(r, "content",
		    json_content(rt->rt_reply, schema));
		return r;
	}
	if ((schema = http_shape_schema(rt->rt_reply, err)) == NULL) {
		cJSON_Delete(r);
		return NULL;
	}
	cJSON_AddItemToObject(r, "content",
	    json_content("application/json", schema));
	return r;
}

/* One operation of rt for method; NULL with err set on a bad shape. */
static cJSON *
operation(const struct http_route *rt, int method, const char *mname,
    struct erp_err *err)
{
	cJSON	*op = cJSON_CreateObject(), *params, *responses, *r, *sec;
	char	 text[256], status[8];
	bool	 public = rt->rt_flags & HTTP_ROUTE_PUBLIC;
	/* a DELETE may take fields (a comment), never needs them */
	bool	 body = (method & (HTTP_POST | HTTP_PUT | HTTP_PATCH)) != 0 ||
		    (method == HTTP_DELETE && rt->rt_nbody > 0);

	operation_id(mname, rt->rt_path, text, sizeof(text));
	cJSON_AddStringToObject(op, "operationId", text);
	if (rt->rt_summary != NULL)
		cJSON_AddStringToObject(op, "summary", rt->rt_summary);
	else {
		snprintf(text, sizeof(text), "%s %s", mname, rt->rt_path);
		cJSON_AddStringToObject(op, "summary", text);
	}
	tag_of(rt->rt_path, text, sizeof(text));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(op, "tags"),
	    cJSON_CreateString(text));
	params = cJSON_AddArrayToObject(op, "parameters");
	path_params(rt->rt_path, params);
	if ((rt->rt_query != NULL || rt->rt_query_schema != NULL) &&
	    query_params(rt, op, params, err) == -1)
		goto fail;
	if (cJSON_GetArraySize(params) == 0)
		cJSON_DeleteItemFromObject(op, "parameters");

	if (body && (rt->rt_flags & HTTP_ROUTE_RAW_BODY)) {
		r = cJSON_AddObjectToObject(op, "requestBody");
		cJSON_AddTrueToObject(r, "required");
		cJSON_AddItemToObject(r, "content", json_content(
		    "application/octet-stream", cJSON_CreateObject()));
	} else if (body && (rt->rt_nbody > 0 || rt->rt_schema != NULL ||
	    rt->rt_request != NULL)) {
		r = cJSON_AddObjectToObject(op, "requestBody");
		cJSON_AddBoolToObject(r, "required", method != HTTP_DELETE);
		if (rt->rt_schema != NULL) {
			snprintf(text, sizeof(text), "%s_%s", rt->rt_schema,
			    method == HTTP_PATCH ? "update" : "create");
			cJSON_AddItemToObject(r, "content", json_content(
			    "application/json", ref("schemas", text)));
		} else if (rt->rt_request != NULL) {
			cJSON	*schema = http_shape_schema(rt->rt_request, err);

			if (schema == NULL)
				goto fail;
			cJSON_AddItemToObject(r, "content", json_content(
			    "application/json", schema));
		} else
			cJSON_AddItemToObject(r, "content", json_content(
			    "application/json",
			    fields_schema(rt, method == HTTP_PATCH)));
	}

	responses = cJSON_AddObjectToObject(op, "responses");
	if ((r = success(rt, err)) == NULL)
		goto fail;
	if (rt->rt_status == HTTP_DOC_ANY_2XX)
		snprintf(status, sizeof(status), "2XX");
	else
		snprintf(status, sizeof(status), "%d",
		    rt->rt_status ? rt->rt_status : 200);
	cJSON_AddItemToObject(responses, status, r);
	if (body && (cJSON_GetObjectItem(op, "requestBody") != NULL)) {
		error_response(responses, "400");
		error_response(responses, "413");
		error_response(responses, "415");
		error_response(responses, "422");
	}
	/* a parameter it does not take, or one its schema refuses */
	if (rt->rt_query != NULL || rt->rt_query_schema != NULL ||
	    http_route_query(rt) != NULL)
		error_response(responses, "422");
	if (!public) {
		error_response(responses, "401");
		error_response(responses, "403");
	}
	if (strchr(rt->rt_path, '{') != NULL)
		error_response(responses, "404");
	error_response(responses, "500");
	cJSON_AddItemToObject(responses, "default", ref("responses", "Error"));

	sec = cJSON_AddArrayToObject(op, "security");
	if (public && (rt->rt_flags & HTTP_ROUTE_AUTH_OPTIONAL) == 0)
		;	/* an empty list: no credentials */
	else {
		r = cJSON_CreateObject();
		cJSON_AddArrayToObject(r, "bearer");
		cJSON_AddItemToArray(sec, r);
		if (under_org(rt->rt_path)) {
			r = cJSON_CreateObject();
			cJSON_AddArrayToObject(r, "apiKey");
			cJSON_AddItemToArray(sec, r);
		}
		if (rt->rt_flags & HTTP_ROUTE_AUTH_OPTIONAL)
			cJSON_AddItemToArray(sec, cJSON_CreateObject());
	}
	if (rt->rt_permission != NULL)
		cJSON_AddStringToObject(op, "x-erp-permission",
		    rt->rt_permission);
	cJSON_AddStringToObject(op, "x-erp-access", public ? "public" :
	    rt->rt_flags & HTTP_ROUTE_AUTH_OPTIONAL ? "optional" :
	    rt->rt_permission != NULL ? "permission" :
	    under_org(rt->rt_path) ? "member" : "authenticated");
	return op;
fail:
	cJSON_Delete(op);
	return NULL;
}

/* Every $ref to a schema nobody declared gets an open record. */
static void
undeclared_refs(cJSON *node, cJSON *schemas)
{
	static const char prefix[] = "#/components/schemas/";
	cJSON	*c;

	if (cJSON_IsString(node) && node->string != NULL &&
	    strcmp(node->string, "$ref") == 0 &&
	    strncmp(node->valuestring, prefix, sizeof(prefix) - 1) == 0 &&
	    cJSON_GetObjectItemCaseSensitive(schemas, node->valuestring +
	    sizeof(prefix) - 1) == NULL)
		cJSON_AddItemToObject(schemas, node->valuestring +
		    sizeof(prefix) - 1, cJSON_Parse(open_record));
	for (c = node->child; c != NULL; c = c->next)
		undeclared_refs(c, schemas);
}

/* Collects into refs the names of the schemas node refers to. */
static void
collect_refs(const cJSON *node, cJSON *refs)
{
	static const char prefix[] = "#/components/schemas/";
	const cJSON	*c;

	if (cJSON_IsString(node) && node->string != NULL &&
	    strcmp(node->string, "$ref") == 0 &&
	    strncmp(node->valuestring, prefix, sizeof(prefix) - 1) == 0 &&
	    cJSON_GetObjectItemCaseSensitive(refs, node->valuestring +
	    sizeof(prefix) - 1) == NULL)
		cJSON_AddTrueToObject(refs, node->valuestring +
		    sizeof(prefix) - 1);
	for (c = node->child; c != NULL; c = c->next)
		collect_refs(c, refs);
}

/*
 * Drops the schemas nothing refers to (a type whose routes declare other
 * shapes), so that every component the document holds is one it uses.
 */
static void
drop_unused(cJSON *doc, cJSON *schemas)
{
	cJSON	*refs = cJSON_CreateObject(), *s, *next;

	collect_refs(doc, refs);
	for (s = schemas->child; s != NULL; s = next) {
		next = s->next;
		if (cJSON_GetObjectItemCaseSensitive(refs, s->string) == NULL)
			cJSON_DeleteItemFromObjectCaseSensitive(schemas,
			    s->string);
	}
	cJSON_Delete(refs);
}

static void
components(cJSON *doc, cJSON *types, struct erp_err *err)
{
	cJSON	*comp = cJSON_AddObjectToObject(doc, "components");
	cJSON	*schemas, *resp;

	schemas = cJSON_AddObjectToObject(comp, "schemas");
	cJSON_AddItemToObject(schemas, "Error",
	    http_shape_schema(error_shape, err));
	api_openapi_types(schemas, types);
	undeclared_refs(cJSON_GetObjectItem(doc, "paths"), schemas);

	resp = cJSON_AddObjectToObject(cJSON_AddObjectToObject(comp,
	    "responses"), "Error");
	cJSON_AddStringToObject(resp, "description", "an error in the "
	    "contract's one shape (docs/api.md)");
	cJSON_AddItemToObject(resp, "content", json_content(
	    "application/json", ref("schemas", "Error")));

	cJSON_AddItemToObject(comp, "securitySchemes",
	    cJSON_Parse(security_schemes));
	drop_unused(doc, schemas);
}

/* Adding each route's operations to the paths, until one fails. */
struct paths {
	cJSON		*pa_paths;
	struct erp_err	*pa_err;
	bool		 pa_failed;
};

static void
add_route(const struct http_route *rt, void *arg)
{
	struct paths	*pa = arg;
	cJSON		*item, *op;
	size_t		 m;

	if (pa->pa_failed)
		return;
	if ((item = cJSON_GetObjectItemCaseSensitive(pa->pa_paths,
	    rt->rt_path)) == NULL)
		item = cJSON_AddObjectToObject(pa->pa_paths, rt->rt_path);
	for (m = 0; m < nitems(methods); m++) {
		if ((rt->rt_methods & methods[m].bit) == 0)
			continue;
		if ((op = operation(rt, methods[m].bit, methods[m].name,
		    pa->pa_err)) == NULL) {
			pa->pa_failed = true;
			return;
		}
		cJSON_AddItemToObject(item, methods[m].name, op);
	}
}

/* The document for the schemas in p, or NULL with err set. */
static cJSON *
build(struct policy *p, int64_t org, int64_t version, struct erp_err *err)
{
	struct paths	 pa = { NULL, err, false };
	cJSON		*doc, *info, *server, *types;

	if ((types = policy_schemas_json(p, true)) == NULL) {
		err_set(err, "the policy's schemas cannot be read");
		return NULL;
	}
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "openapi", "3.1.0");
	info = cJSON_AddObjectToObject(doc, "info");
	cJSON_AddStringToObject(info, "title", "erpd");
	cJSON_AddStringToObject(info, "version", ERP_VERSION);
	cJSON_AddStringToObject(info, "description", org == 0 ?
	    "Every route of this server and its loaded modules, with the "
	    "base policy's schemas." :
	    "Every route of this server and its loaded modules, with this "
	    "organization's schemas.");
	if (org != 0) {
		cJSON_AddNumberToObject(info, "x-erp-organization",
		    (double)org);
		cJSON_AddNumberToObject(info, "x-erp-policy-version",
		    (double)version);
	}
	server = cJSON_CreateObject();
	cJSON_AddStringToObject(server, "url", "/");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "servers"), server);
	pa.pa_paths = cJSON_AddObjectToObject(doc, "paths");
	http_route_each(add_route, &pa);
	if (pa.pa_failed) {
		cJSON_Delete(types);
		cJSON_Delete(doc);
		return NULL;
	}
	components(doc, types, err);
	cJSON_Delete(types);
	return doc;
}

static struct doc *
doc_new(struct policy *p, int64_t org, int64_t version, struct erp_err *err)
{
	cJSON		*js = build(p, org, version, err);
	struct doc	*d;

	if (js == NULL)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	atomic_init(&d->dc_refs, 1);
	d->dc_org = org;
	d->dc_version = version;
	d->dc_text = cJSON_PrintUnformatted(js);
	d->dc_len = strlen(d->dc_text);
	cJSON_Delete(js);
	return d;
}

static void
doc_release(struct doc *d)
{
	if (d != NULL && atomic_fetch_sub(&d->dc_refs, 1) == 1) {
		free(d->dc_text);
		free(d);
	}
}

char *
api_openapi_text(struct policy *p, struct erp_err *err)
{
	struct doc	*d = doc_new(p, 0, 0, err);
	char		*text;

	if (d == NULL)
		return NULL;
	text = d->dc_text;
	free(d);
	return text;
}

int
api_openapi_init(struct erp_err *err)
{
	struct policy	*p = policy_get(0, 0, NULL, NULL);

	if (p == NULL) {
		err_set(err, "API document: the base policy does not compile");
		return -1;
	}
	doc_release(base_doc);
	if ((base_doc = doc_new(p, 0, 0, err)) == NULL)
		return -1;
	return 0;
}

static int
serve(struct http_req *req, struct doc *d)
{
	int	 rc;

	http_add_header(req, "Cache-Control", "no-cache");
	rc = http_reply_raw_json(req, 200, d->dc_text, d->dc_len);
	doc_release(d);
	return rc;
}

static int
server_doc(struct http_req *req)
{
	if (base_doc == NULL)
		return api_internal(req);
	atomic_fetch_add(&base_doc->dc_refs, 1);
	return serve(req, base_doc);
}

/* The cached document of (org, version) with a reference taken, or NULL. */
static struct doc *
cache_find(int64_t org, int64_t version)
{
	struct doc	*d = NULL;
	size_t		 i;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; i < CACHE_DOCS; i++)
		if (cache[i] != NULL && cache[i]->dc_org == org &&
		    cache[i]->dc_version == version) {
			d = cache[i];
			d->dc_used = ++cache_tick;
			atomic_fetch_add(&d->dc_refs, 1);
			break;
		}
	pthread_mutex_unlock(&cache_lock);
	return d;
}

/* Keeps d (the caller keeps its own reference), evicting the oldest. */
static void
cache_put(struct doc *d)
{
	size_t	 i, victim;

	pthread_mutex_lock(&cache_lock);
	for (;;) {
		victim = CACHE_DOCS;
		for (i = 0; i < CACHE_DOCS; i++) {
			if (cache[i] == NULL) {
				if (cache_bytes + d->dc_len <= CACHE_BYTES)
					break;
				continue;
			}
			if (cache[i]->dc_org == d->dc_org &&
			    cache[i]->dc_version == d->dc_version)
				goto out;	/* another thread was first */
			if (victim == CACHE_DOCS ||
			    cache[i]->dc_used < cache[victim]->dc_used)
				victim = i;
		}
		if (i < CACHE_DOCS)
			break;
		if (victim == CACHE_DOCS)
			goto out;	/* larger than the whole cache */
		cache_bytes -= cache[victim]->dc_len;
		doc_release(cache[victim]);
		cache[victim] = NULL;
	}
	d->dc_used = ++cache_tick;
	atomic_fetch_add(&d->dc_refs, 1);
	cache[i] = d;
	cache_bytes += d->dc_len;
out:
	pthread_mutex_unlock(&cache_lock);
}

static int
org_doc(struct http_req *req)
{
	int64_t		 org = http_org(req), version = http_policy_version(req);
	struct erp_err	 err;
	struct doc	*d;

	/* without its own policy an organization has the base's schemas */
	if (version == 0)
		return server_doc(req);
	if ((d = cache_find(org, version)) == NULL) {
		if ((d = doc_new(http_policy(req), org, version, &err)) == NULL) {
			log_msg(LOG_ERROR, http_request_id(req),
			    "API document of organization %lld: %s",
			    (long long)org, err.e_msg);
			return api_internal(req);
		}
		cache_put(d);
	}
	return serve(req, d);
}

static const struct http_route routes[] = {
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/openapi.json",
	  .rt_flags = HTTP_ROUTE_PUBLIC, .rt_handler = server_doc,
	  .rt_summary = "This document: every route, with the base schemas",
	  .rt_reply = "{...}" },
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/openapi.json",
	  .rt_handler = org_doc,
	  .rt_summary = "This document with the organization's schemas",
	  .rt_reply = "{...}" },
};

int
api_openapi_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
