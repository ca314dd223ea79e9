/*
 * openapi_types: the schemas in force (policy_schemas_json, whole) as the
 * API document's components. For each type T: T_create and T_update, the
 * body rules as JSON Schema (unknown fields refused, PATCH requires
 * nothing), and T, a stored record: the fields' types only (a record may
 * predate a rule an organization tightened later), what the host sets and
 * the names its routes declare computed.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"

static const struct {
	const char	*bd_rule;	/* the policy's name */
	const char	*bd_json;	/* JSON Schema's */
} bounds[] = {
	{ "min", "minimum" }, { "max", "maximum" },
	{ "min_len", "minLength" }, { "max_len", "maxLength" },
	{ "min_items", "minItems" }, { "max_items", "maxItems" },
};

static void	object_fields(cJSON *, const cJSON *, bool, bool);

/* One described rule as JSON Schema; record: its types only. */
static cJSON *
rule_schema(const cJSON *rule, bool record)
{
	cJSON		*o = cJSON_CreateObject(), *t, *c, *e;
	const char	*type = cJSON_GetStringValue(cJSON_GetObjectItem(rule,
			    "type"));
	bool		 nullable = cJSON_IsTrue(cJSON_GetObjectItem(rule,
			    "nullable"));
	char		 re[512];
	size_t		 i;

	if (type != NULL && nullable) {
		t = cJSON_AddArrayToObject(o, "type");
		cJSON_AddItemToArray(t, cJSON_CreateString(type));
		cJSON_AddItemToArray(t, cJSON_CreateString("null"));
	} else if (type != NULL)
		cJSON_AddStringToObject(o, "type", type);
	if ((c = cJSON_GetObjectItem(rule, "label")) != NULL &&
	    cJSON_IsString(c))
		cJSON_AddStringToObject(o, "title", c->valuestring);
	for (i = 0; !record && i < nitems(bounds); i++)
		if ((c = cJSON_GetObjectItem(rule, bounds[i].bd_rule)) != NULL &&
		    cJSON_IsNumber(c))
			cJSON_AddNumberToObject(o, bounds[i].bd_json,
			    c->valuedouble);
	if (!record && (e = cJSON_GetObjectItem(rule, "enum")) != NULL) {
		e = cJSON_Duplicate(e, true);
		if (nullable)
			cJSON_AddItemToArray(e, cJSON_CreateNull());
		cJSON_AddItemToObject(o, "enum", e);
	}
	if (!record && (c = cJSON_GetObjectItem(rule, "pattern")) != NULL &&
	    cJSON_IsString(c)) {
		if (policy_pattern_regex(c->valuestring, strlen(c->valuestring),
		    re, sizeof(re)) == 0)
			cJSON_AddStringToObject(o, "pattern", re);
		cJSON_AddStringToObject(o, "x-erp-lua-pattern", c->valuestring);
	}
	if (!record && cJSON_IsTrue(cJSON_GetObjectItem(rule, "check")))
		cJSON_AddTrueToObject(o, "x-erp-check");
	if ((c = cJSON_GetObjectItem(rule, "items")) != NULL)
		cJSON_AddItemToObject(o, "items", rule_schema(c, record));
	if ((c = cJSON_GetObjectItem(rule, "fields")) != NULL)
		object_fields(o, c, record, false);
	return o;
}

/*
 * Adds the described fields to the object schema o: properties, the
 * required ones (not for a record), and no other member (except inside a
 * record, where the server adds what it computes, such as a line's price).
 */
static void
object_fields(cJSON *o, const cJSON *fields, bool record, bool top)
{
	cJSON		*props = cJSON_AddObjectToObject(o, "properties");
	cJSON		*req = cJSON_CreateArray();
	const cJSON	*f;

	cJSON_ArrayForEach(f, fields) {
		cJSON_AddItemToObject(props, f->string, rule_schema(f, record));
		if (!record && cJSON_IsTrue(cJSON_GetObjectItem(f, "required")))
			cJSON_AddItemToArray(req, cJSON_CreateString(f->string));
	}
	if (cJSON_GetArraySize(req) > 0)
		cJSON_AddItemToObject(o, "required", req);
	else
		cJSON_Delete(req);
	if (!record || top)
		cJSON_AddFalseToObject(o, "additionalProperties");
}

static void
add_property(cJSON *props, const char *name, const char *type,
    const char *format)
{
	cJSON	*p;

	if (cJSON_GetObjectItemCaseSensitive(props, name) != NULL)
		return;
	p = cJSON_AddObjectToObject(props, name);
	if (type != NULL)
		cJSON_AddStringToObject(p, "type", type);
	if (format != NULL)
		cJSON_AddStringToObject(p, "format", format);
}

struct computed {
	const char	*cp_type;
	cJSON		*cp_props;
};

/* The names a route of the type declares computed: any value. */
static void
add_computed(const struct http_route *rt, void *arg)
{
	struct computed		*cp = arg;
	const char *const	*n;

	if (rt->rt_schema == NULL || rt->rt_computed == NULL ||
	    strcmp(rt->rt_schema, cp->cp_type) != 0)
		return;
	for (n = rt->rt_computed; *n != NULL; n++)
		add_property(cp->cp_props, *n, NULL, NULL);
}

void
api_openapi_types(cJSON *schemas, const cJSON *types)
{
	const cJSON	*t;
	cJSON		*create, *update, *rec;
	struct computed	 cp;
	char		 name[96];

	cJSON_ArrayForEach(t, types) {
		create = cJSON_CreateObject();
		cJSON_AddStringToObject(create, "type", "object");
		object_fields(create, t, false, true);
		update = cJSON_Duplicate(create, true);
		cJSON_DeleteItemFromObjectCaseSensitive(update, "required");
		snprintf(name, sizeof(name), "%s_create", t->string);
		cJSON_AddItemToObject(schemas, name, create);
		snprintf(name, sizeof(name), "%s_update", t->string);
		cJSON_AddItemToObject(schemas, name, update);

		rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "type", "object");
		object_fields(rec, t, true, true);
		cp.cp_type = t->string;
		cp.cp_props = cJSON_GetObjectItem(rec, "properties");
		add_property(cp.cp_props, "id", "integer", NULL);
		add_property(cp.cp_props, "org_id", "integer", NULL);
		add_property(cp.cp_props, "created_at", "string", "date-time");
		add_property(cp.cp_props, "updated_at", "string", "date-time");
		http_route_each(add_computed, &cp);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(rec, "required"),
		    cJSON_CreateString("id"));
		cJSON_AddItemToObject(schemas, t->string, rec);
	}
}
