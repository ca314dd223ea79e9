/*
 * meta endpoint: GET /api/v1/orgs/{org}/meta (docs/api.md), what a
 * client needs to build its pages for this caller: the organization's
 * effective schemas, its resources as the route table serves them, and
 * the caller's role, patterns and rights. Nothing in it is more than the
 * caller could learn by trying: check functions and patterns stay in the
 * policy, and only the caller's own rights are listed.
 */
#include <stdio.h>
#include <string.h>

#include <erp/module.h>

#include "api.h"
#include "module/module.h"

#define ORG_PREFIX	"/api/v1/orgs/{org}/"
#define TYPES_MAX	64
#define PERMS_MAX	16	/* distinct permissions per type */
#define OPS_MAX		16	/* POST /x/{id}/verb routes per type */
#define TYPE_MAX	63

/* The types core/api serves itself: their pages are the admin pages. */
static const char *const admin_types[] = { "member", "apikey", "policy",
    "audit" };

/* What a system admin holds in every organization (docs/api.md). */
static const char *const recovery[] = { "member:*", "policy:*" };

/* Names every route refuses in a body (http/pipeline.c); not fields. */
static const char *const always[] = { "id", "org_id", "created_at",
    "updated_at" };

/* One resource type, as the route table serves it. */
struct rtype {
	char		 rt_type[TYPE_MAX + 1];
	const char	*rt_path;	/* the list's path, "/products" */
	const char	*rt_perms[PERMS_MAX];	/* "product:read" ... */
	size_t		 rt_nperms;
	const char	*rt_ops[OPS_MAX];	/* "confirm": POST /x/{id}/op */
	const char	*rt_op_perm[OPS_MAX];
	const char	*rt_op_coll[OPS_MAX];	/* its "/x/...", to match */
	size_t		 rt_nops;
	const char *const *rt_computed;	/* of the create or update route */
	bool		 rt_upload;	/* created from a raw (multipart) body */
};

struct walk {
	struct rtype	 wk_t[TYPES_MAX];
	size_t		 wk_n;
};

static bool
is_admin_type(const char *type)
{
	size_t	 i;

	for (i = 0; i < nitems(admin_types); i++)
		if (strcmp(type, admin_types[i]) == 0)
			return true;
	return false;
}

static struct rtype *
type_get(struct walk *w, const char *type, size_t len)
{
	size_t	 i;

	if (len == 0 || len > TYPE_MAX)
		return NULL;
	for (i = 0; i < w->wk_n; i++)
		if (strlen(w->wk_t[i].rt_type) == len &&
		    memcmp(w->wk_t[i].rt_type, type, len) == 0)
			return &w->wk_t[i];
	if (w->wk_n == TYPES_MAX)
		return NULL;
	memcpy(w->wk_t[w->wk_n].rt_type, type, len);
	w->wk_t[w->wk_n].rt_type[len] = '\0';
	return &w->wk_t[w->wk_n++];
}

static void
perm_add(struct rtype *t, const char *perm)
{
	size_t	 i;

	for (i = 0; i < t->rt_nperms; i++)
		if (strcmp(t->rt_perms[i], perm) == 0)
			return;
	if (t->rt_nperms < PERMS_MAX)
		t->rt_perms[t->rt_nperms++] = perm;
}

/*
 * Sorts one route of the organization into its type by its shape:
 * "/x" (list, create), "/x/{id}" (read, update, delete) or
 * "/x/{id}/verb" (an operation on a record, such as a workflow step).
 */
static void
collect(const struct http_route *rt, void *arg)
{
	struct walk	*w = arg;
	struct rtype	*t;
	const char	*perm = rt->rt_permission, *rest, *colon, *s1, *s2;

	if (perm == NULL || strncmp(rt->rt_path, ORG_PREFIX,
	    strlen(ORG_PREFIX)) != 0 || (colon = strchr(perm, ':')) == NULL ||
	    (t = type_get(w, perm, (size_t)(colon - perm))) == NULL)
		return;
	perm_add(t, perm);
	rest = rt->rt_path + strlen(ORG_PREFIX) - 1;	/* "/products..." */
	s1 = strchr(rest + 1, '/');
	if (s1 == NULL) {
		/* the first list of a type is its own */
		if ((rt->rt_methods & HTTP_GET) && t->rt_path == NULL)
			t->rt_path = rest;
		if (rt->rt_methods & HTTP_POST) {
			t->rt_upload = (rt->rt_flags & HTTP_ROUTE_RAW_BODY) &&
			    rt->rt_schema == NULL;
			t->rt_computed = rt->rt_computed;
		}
		return;
	}
	if (s1[1] != '{')
		return;
	s2 = strchr(s1 + 1, '/');
	if (s2 == NULL) {
		if ((rt->rt_methods & (HTTP_PATCH | HTTP_PUT)) &&
		    t->rt_computed == NULL)
			t->rt_computed = rt->rt_computed;
		return;
	}
	if ((rt->rt_methods & HTTP_POST) && strchr(s2 + 1, '/') == NULL &&
	    s2[1] != '{' && t->rt_nops < OPS_MAX) {
		t->rt_op_perm[t->rt_nops] = perm;
		t->rt_op_coll[t->rt_nops] = rest;
		t->rt_ops[t->rt_nops++] = s2 + 1;
	}
}

/*
 * Is op i of t under t's own list path ("/orders/{id}/confirm" for
 * "/orders")? Another collection guarded by the same permissions
 * ("/reservations/{ref}/ship" of type stock) is not a step of t's
 * records.
 */
static bool
op_of_path(const struct rtype *t, size_t i)
{
	size_t	 n;

	if (t->rt_path == NULL)
		return false;
	n = strlen(t->rt_path);
	return strncmp(t->rt_op_coll[i], t->rt_path, n) == 0 &&
	    t->rt_op_coll[i][n] == '/';
}

/* The verbs of t's permissions the caller may use here, in route order. */
static cJSON *
actions_json(struct http_req *req, const struct rtype *t)
{
	cJSON	*a = cJSON_CreateArray();
	size_t	 i;

	for (i = 0; i < t->rt_nperms; i++)
		if (http_may(req, t->rt_perms[i], NULL))
			cJSON_AddItemToArray(a, cJSON_CreateString(
			    strchr(t->rt_perms[i], ':') + 1));
	return a;
}

/* "/sales-orders" -> "Sales orders". */
static cJSON *
label_json(const char *path)
{
	char	 l[TYPE_MAX + 1];
	size_t	 i;

	snprintf(l, sizeof(l), "%s", path + 1);
	for (i = 0; l[i] != '\0'; i++)
		if (l[i] == '-' || l[i] == '_')
			l[i] = ' ';
	if (l[0] >= 'a' && l[0] <= 'z')
		l[0] = (char)(l[0] - 'a' + 'A');
	return cJSON_CreateString(l);
}

/*
 * Fields left out of records of type for this caller: the policy's
 * redact rule asked about any record (the base redacts nothing). A rule
 * that fails lists nothing here; the records themselves are withheld
 * then (http_redact), so nothing shows that should not.
 */
static cJSON *
redacted_json(struct http_req *req, const char *type)
{
	cJSON	*a = cJSON_CreateArray();

	(void)http_redacted(req, type, NULL, a);
	return a;
}

static bool
is_always(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(always); i++)
		if (strcmp(name, always[i]) == 0)
			return true;
	return false;
}

/*
 * Adds the names the server computes (a route's computed list) to fields
 * as {"computed": true}, unless the schema describes them already.
 */
static void
computed_add(cJSON *fields, const char *const *computed)
{
	cJSON	*f;

	for (; computed != NULL && *computed != NULL; computed++) {
		if (is_always(*computed) ||
		    cJSON_GetObjectItemCaseSensitive(fields, *computed) != NULL)
			continue;
		f = cJSON_AddObjectToObject(fields, *computed);
		cJSON_AddTrueToObject(f, "computed");
	}
}

/* Adds the names of d's fields that have flag as an array named key. */
static void
flagged(cJSON *o, const char *key, const struct erp_resource *d, int flag)
{
	cJSON				*a = cJSON_AddArrayToObject(o, key);
	const struct erp_field		*f;

	for (f = d != NULL ? d->fields : NULL; f != NULL && f->name != NULL;
	    f++)
		if (f->flags & flag)
			cJSON_AddItemToArray(a, cJSON_CreateString(f->name));
}

/*
 * What a declaration says beyond the schema: each field's default and
 * reference, computed fields, and the state field the transitions move.
 */
static void
declared_fields(cJSON *fields, const struct erp_resource *d)
{
	const struct erp_field	*f;
	cJSON			*o, *v;

	for (f = d->fields; f->name != NULL; f++) {
		if ((o = cJSON_GetObjectItemCaseSensitive(fields, f->name)) ==
		    NULL)
			o = cJSON_AddObjectToObject(fields, f->name);
		if ((f->flags & ERP_FIELD_COMPUTED) &&
		    cJSON_GetObjectItemCaseSensitive(o, "computed") == NULL)
			cJSON_AddTrueToObject(o, "computed");
		if (f->def != NULL && (v = cJSON_Parse(f->def)) != NULL)
			cJSON_AddItemToObject(o, "default", v);
		if (f->ref != NULL)
			cJSON_AddStringToObject(o, "ref", f->ref);
	}
}

/* The operations: a declaration's transitions, else POST /x/{id}/op. */
static cJSON *
operations_json(const struct rtype *t, const struct erp_resource *d)
{
	const struct erp_transition	*tr;
	const char *const		*from;
	cJSON				*ops, *op, *a;
	size_t				 i;

	ops = cJSON_CreateArray();
	for (tr = d != NULL ? d->transitions : NULL; tr != NULL &&
	    tr->name != NULL; tr++) {
		op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "name", tr->name);
		cJSON_AddStringToObject(op, "action",
		    strchr(tr->permission, ':') + 1);
		a = cJSON_AddArrayToObject(op, "from");
		for (from = tr->from; from != NULL && *from != NULL; from++)
			cJSON_AddItemToArray(a, cJSON_CreateString(*from));
		cJSON_AddStringToObject(op, "to", tr->to);
		cJSON_AddItemToArray(ops, op);
	}
	if (d != NULL && d->transitions != NULL)
		return ops;
	for (i = 0; i < t->rt_nops; i++) {
		if (!op_of_path(t, i))
			continue;
		op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "name", t->rt_ops[i]);
		cJSON_AddStringToObject(op, "action",
		    strchr(t->rt_op_perm[i], ':') + 1);
		cJSON_AddItemToArray(ops, op);
	}
	return ops;
}

/*
 * One resource: what the schema and the routes say, and the caller's
 * rights. A declared resource (module ABI 2) also says what its list
 * searches, filters and sorts and its workflow; for a resource served by
 * routes alone those are not known, and are stated as absent rather than
 * guessed.
 */
static cJSON *
resource_json(struct http_req *req, const struct rtype *t, cJSON *schema)
{
	const struct erp_resource	*d = module_resource(t->rt_type);
	const struct erp_field		*f;
	cJSON				*o = cJSON_CreateObject();
	/* a declared list is the resource's, whatever else its module adds */
	const char			*path = d != NULL ? d->path : t->rt_path;
	bool				 search = false;

	if (path != NULL) {
		cJSON_AddItemToObject(o, "label", label_json(path));
		cJSON_AddStringToObject(o, "path", path);
	} else
		cJSON_AddStringToObject(o, "label", t->rt_type);
	if (schema == NULL)
		schema = cJSON_CreateObject();
	computed_add(schema, t->rt_computed);
	if (d != NULL)
		declared_fields(schema, d);
	cJSON_AddItemToObject(o, "fields", schema);
	cJSON_AddItemToObject(o, "actions", actions_json(req, t));
	cJSON_AddItemToObject(o, "redacted", redacted_json(req, t->rt_type));
	for (f = d != NULL ? d->fields : NULL; f != NULL && f->name != NULL;
	    f++)
		search = search || (f->flags & ERP_FIELD_SEARCH);
	cJSON_AddBoolToObject(o, "search", search);
	flagged(o, "filters", d, ERP_FIELD_FILTER);
	flagged(o, "sort", d, ERP_FIELD_SORT);
	if (d != NULL && d->state != NULL)
		cJSON_AddStringToObject(o, "state", d->state);
	cJSON_AddItemToObject(o, "operations", operations_json(t, d));
	if (t->rt_upload)
		cJSON_AddTrueToObject(o, "upload");
	return o;
}

/* Is pattern covered by one of pats (NULL-terminated, or NULL)? */
static bool
covered(const char *const *pats, const char *pattern)
{
	for (; pats != NULL && *pats != NULL; pats++)
		if (policy_perm_covers(*pats, pattern))
			return true;
	return false;
}

/*
 * The caller's permission patterns here: its role's, and for a system
 * admin also member:* and policy:*, which it keeps in every organization.
 */
static cJSON *
permissions_json(struct http_req *req)
{
	const struct auth_subject	*sub = http_subject(req);
	const char *const		*pats = NULL;
	cJSON				*a = cJSON_CreateArray();
	size_t				 i;

	if (http_role(req) != NULL)
		pats = policy_role_patterns(http_policy(req), http_role(req),
		    false);
	for (i = 0; pats != NULL && pats[i] != NULL; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(pats[i]));
	if (sub->su_kind == AUTH_KIND_USER && sub->su_is_admin)
		for (i = 0; i < nitems(recovery); i++)
			if (!covered(pats, recovery[i]))
				cJSON_AddItemToArray(a,
				    cJSON_CreateString(recovery[i]));
	return a;
}

static int
meta(struct http_req *req)
{
	struct walk	 w;
	cJSON		*o, *schemas, *resources, *admin, *s;
	size_t		 i;

	if (api_org_check(req) == -1)
		return -1;
	if ((schemas = policy_schemas_json(http_policy(req), false)) == NULL)
		return api_internal(req);
	memset(&w, 0, sizeof(w));
	http_route_each(collect, &w);
	o = cJSON_CreateObject();
	if (http_role(req) != NULL)
		cJSON_AddStringToObject(o, "role", http_role(req));
	else
		cJSON_AddNullToObject(o, "role");
	cJSON_AddItemToObject(o, "permissions", permissions_json(req));
	resources = cJSON_AddObjectToObject(o, "resources");
	admin = cJSON_AddObjectToObject(o, "admin");
	for (i = 0; i < w.wk_n; i++) {
		if (is_admin_type(w.wk_t[i].rt_type)) {
			cJSON_AddItemToObject(admin, w.wk_t[i].rt_type,
			    actions_json(req, &w.wk_t[i]));
			continue;
		}
		s = cJSON_DetachItemFromObjectCaseSensitive(schemas,
		    w.wk_t[i].rt_type);
		cJSON_AddItemToObject(resources, w.wk_t[i].rt_type,
		    resource_json(req, &w.wk_t[i], s));
	}
	/* a schema no route serves is still part of the policy in force */
	while ((s = schemas->child) != NULL) {
		struct rtype	 t;

		memset(&t, 0, sizeof(t));
		snprintf(t.rt_type, sizeof(t.rt_type), "%s", s->string);
		cJSON_DetachItemViaPointer(schemas, s);
		cJSON_AddItemToObject(resources, t.rt_type,
		    resource_json(req, &t, s));
	}
	cJSON_Delete(schemas);
	return http_reply_json(req, 200, o);
}

static const struct http_route routes[] = {
	/* any member: the pipeline checks membership, nothing else */
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/meta",
	  .rt_handler = meta,
	  .rt_summary = "The organization's schemas and the caller's rights, "
	    "for building forms",
	  .rt_reply = "{role: string|null, permissions: [string], "
	    "resources: {...}, admin: {...}}" },
};

int
api_meta_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
