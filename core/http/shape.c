/*
 * shape: the short notation a route declares its answer (and query) in,
 * turned into JSON Schema for the API document, so that a route's shape
 * is one line next to its handler:
 *
 *   shape   := base ["|null"]
 *   base    := "{" [member {"," member}] ["," "..."] "}" | "{...}"
 *            | "[" shape "]" | "page(" shape ")" | "$" name | "'" text "'"
 *            | string | integer | number | boolean | time | any
 *   member  := name ["?"] ":" shape
 *
 * Members without "?" are required; an object without "..." allows no
 * other member; page(x) is a list's {items: [x], total, limit, offset};
 * $name refers to components/schemas/name; 'text' is that constant string;
 * time is an RFC 3339 string. Blanks between tokens are ignored.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

#define SHAPE_DEPTH	16	/* nesting a declaration may use */

struct scan {
	const char	*sc_p;
	const char	*sc_start;
	struct erp_err	*sc_err;
	bool		 sc_failed;
};

static cJSON	*shape(struct scan *, int depth);

static void
blanks(struct scan *sc)
{
	while (isspace((unsigned char)*sc->sc_p))
		sc->sc_p++;
}

static cJSON *
bad(struct scan *sc, const char *what)
{
	if (!sc->sc_failed)
		err_set(sc->sc_err, "shape \"%s\": %s at offset %d",
		    sc->sc_start, what, (int)(sc->sc_p - sc->sc_start));
	sc->sc_failed = true;
	return NULL;
}

static bool
eat(struct scan *sc, const char *tok)
{
	size_t	 n = strlen(tok);

	blanks(sc);
	if (strncmp(sc->sc_p, tok, n) != 0)
		return false;
	sc->sc_p += n;
	return true;
}

/* A name of [A-Za-z0-9_]; its length (0: none) and start in *name. */
static size_t
word(struct scan *sc, const char **name)
{
	size_t	 n = 0;

	blanks(sc);
	*name = sc->sc_p;
	while (isalnum((unsigned char)sc->sc_p[n]) || sc->sc_p[n] == '_')
		n++;
	sc->sc_p += n;
	return n;
}

static cJSON *
object(struct scan *sc, int depth)
{
	cJSON		*o = cJSON_CreateObject(), *props, *req, *v;
	const char	*name;
	char		 key[64];
	size_t		 n;
	bool		 open = false, optional;

	cJSON_AddStringToObject(o, "type", "object");
	if (eat(sc, "...") && eat(sc, "}"))
		return o;
	props = cJSON_AddObjectToObject(o, "properties");
	req = cJSON_AddArrayToObject(o, "required");
	if (!eat(sc, "}")) {
		do {
			if (eat(sc, "...")) {
				open = true;
				break;
			}
			if ((n = word(sc, &name)) == 0 || n >= sizeof(key))
				goto fail;
			snprintf(key, sizeof(key), "%.*s", (int)n, name);
			optional = eat(sc, "?");
			if (!eat(sc, ":") ||
			    cJSON_GetObjectItemCaseSensitive(props, key) != NULL)
				goto fail;
			if ((v = shape(sc, depth + 1)) == NULL)
				goto fail;
			cJSON_AddItemToObject(props, key, v);
			if (!optional)
				cJSON_AddItemToArray(req,
				    cJSON_CreateString(key));
		} while (eat(sc, ","));
		if (!eat(sc, "}"))
			goto fail;
	}
	if (cJSON_GetArraySize(req) == 0)
		cJSON_DeleteItemFromObject(o, "required");
	cJSON_AddBoolToObject(o, "additionalProperties", open);
	return o;
fail:
	cJSON_Delete(o);
	return bad(sc, "bad object");
}

/* {items: [x], total, limit, offset}: docs/api.md's list. */
static cJSON *
page(cJSON *item)
{
	cJSON	*o = cJSON_CreateObject(), *props, *items, *req;
	size_t	 i;
	static const char *const ints[] = { "total", "limit", "offset" };

	cJSON_AddStringToObject(o, "type", "object");
	props = cJSON_AddObjectToObject(o, "properties");
	items = cJSON_AddObjectToObject(props, "items");
	cJSON_AddStringToObject(items, "type", "array");
	cJSON_AddItemToObject(items, "items", item);
	req = cJSON_AddArrayToObject(o, "required");
	cJSON_AddItemToArray(req, cJSON_CreateString("items"));
	for (i = 0; i < nitems(ints); i++) {
		cJSON_AddItemToArray(req, cJSON_CreateString(ints[i]));
		cJSON_AddObjectToObject(props, ints[i]);
		cJSON_AddStringToObject(cJSON_GetObjectItem(props, ints[i]),
		    "type", "integer");
	}
	cJSON_AddFalseToObject(o, "additionalProperties");
	return o;
}

static cJSON *
scalar(struct scan *sc)
{
	static const char *const types[] = { "string", "integer", "number",
	    "boolean" };
	const char	*name;
	cJSON		*o;
	size_t		 n = word(sc, &name), i;

	if (n == 4 && strncmp(name, "time", 4) == 0) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "string");
		cJSON_AddStringToObject(o, "format", "date-time");
		return o;
	}
	if (n == 3 && strncmp(name, "any", 3) == 0)
		return cJSON_CreateObject();
	for (i = 0; i < nitems(types); i++)
		if (n == strlen(types[i]) && strncmp(name, types[i], n) == 0) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "type", types[i]);
			return o;
		}
	return bad(sc, "unknown type");
}

/* The shape inside brackets, up to and including close. */
static cJSON *
inside(struct scan *sc, int depth, const char *close)
{
	cJSON	*inner = shape(sc, depth + 1);

	if (inner == NULL || eat(sc, close))
		return inner;
	cJSON_Delete(inner);
	return bad(sc, "unclosed bracket");
}

static cJSON *
base(struct scan *sc, int depth)
{
	const char	*name, *end;
	char		 ref[96];
	cJSON		*o, *inner;
	size_t		 n;

	if (depth > SHAPE_DEPTH)
		return bad(sc, "nested too deep");
	if (eat(sc, "{"))
		return object(sc, depth);
	if (eat(sc, "[")) {
		if ((inner = inside(sc, depth, "]")) == NULL)
			return NULL;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "array");
		cJSON_AddItemToObject(o, "items", inner);
		return o;
	}
	if (eat(sc, "page("))
		return (inner = inside(sc, depth, ")")) ? page(inner) : NULL;
	if (eat(sc, "$")) {
		if ((n = word(sc, &name)) == 0)
			return bad(sc, "no name after $");
		snprintf(ref, sizeof(ref), "#/components/schemas/%.*s", (int)n,
		    name);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "$ref", ref);
		return o;
	}
	if (eat(sc, "'")) {
		if ((end = strchr(sc->sc_p, '\'')) == NULL)
			return bad(sc, "no closing '");
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "string");
		snprintf(ref, sizeof(ref), "%.*s", (int)(end - sc->sc_p),
		    sc->sc_p);
		cJSON_AddStringToObject(o, "const", ref);
		sc->sc_p = end + 1;
		return o;
	}
	return scalar(sc);
}

/* base, or base|null: a null type added, or anyOf for a reference. */
static cJSON *
shape(struct scan *sc, int depth)
{
	cJSON	*o = base(sc, depth), *t, *any;

	if (o == NULL || !eat(sc, "|null"))
		return o;
	if ((t = cJSON_GetObjectItemCaseSensitive(o, "type")) != NULL &&
	    cJSON_IsString(t)) {
		cJSON	*both = cJSON_CreateArray();

		cJSON_AddItemToArray(both, cJSON_CreateString(t->valuestring));
		cJSON_AddItemToArray(both, cJSON_CreateString("null"));
		cJSON_ReplaceItemInObjectCaseSensitive(o, "type", both);
		return o;
	}
	any = cJSON_CreateObject();
	t = cJSON_AddArrayToObject(any, "anyOf");
	cJSON_AddItemToArray(t, o);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "null");
	cJSON_AddItemToArray(t, o);
	return any;
}

cJSON *
http_shape_schema(const char *text, struct erp_err *err)
{
	struct scan	 sc = { text, text, err, false };
	cJSON		*o = shape(&sc, 0);

	blanks(&sc);
	if (o != NULL && *sc.sc_p != '\0') {
		cJSON_Delete(o);
		return bad(&sc, "text after the shape");
	}
	return o;
}
