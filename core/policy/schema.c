/*
 * schema: checks create and update bodies against a policy's schemas
 * (docs/policies.md), one {field, code, message} per broken field in a
 * fixed order; a broken schema or a failing check makes the policy fail.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>

#include "policy.h"

#define DEPTH_MAX	32	/* levels of nested rules (items, fields) */
#define VALUE_DEPTH	100	/* nesting of a value handed to a check */
#define FIELD_MAX	128	/* bytes of a reported path, as http/json.c */
#define MSG_MAX		POLICY_REASON_MAX	/* bytes of a message */
#define SAFE_INT	9007199254740991.0	/* 2^53 - 1 */
#define BODY_SLOT	3	/* run()'s stack slot of the body for checks */

/* The rule types, one bit each so attributes can name where they apply. */
enum rtype {
	T_STRING	= 1 << 0,
	T_INTEGER	= 1 << 1,
	T_NUMBER	= 1 << 2,
	T_BOOLEAN	= 1 << 3,
	T_ARRAY		= 1 << 4,
	T_OBJECT	= 1 << 5
};
#define T_NUMERIC	(T_INTEGER | T_NUMBER)
#define T_SCALAR	(T_STRING | T_NUMERIC | T_BOOLEAN)
#define T_ANY		(T_SCALAR | T_ARRAY | T_OBJECT)

static const struct {
	const char	*tn_name;
	enum rtype	 tn_type;
	const char	*tn_msg;	/* the type error */
} tnames[] = {
	{ "string", T_STRING, "must be a string" },
	{ "integer", T_INTEGER, "must be an integer" },
	{ "number", T_NUMBER, "must be a number" },
	{ "boolean", T_BOOLEAN, "must be true or false" },
	{ "array", T_ARRAY, "must be an array" },
	{ "object", T_OBJECT, "must be an object" },
};

/* The attributes of a rule besides type, required and nullable. */
enum attr {
	A_MIN, A_MAX, A_MIN_LEN, A_MAX_LEN, A_MIN_ITEMS, A_MAX_ITEMS,
	A_PATTERN, A_ENUM, A_ITEMS, A_FIELDS, A_CHECK, A_LABEL, A_REF, A_N
};
#define A_NBOUNDS	(A_MAX_ITEMS + 1)	/* the numeric ones, first */

static const struct {
	const char	*at_name;
	int		 at_ltype;	/* the Lua type it must have */
	unsigned int	 at_types;	/* the rule types it applies to */
	bool		 at_count;	/* a non-negative whole number */
} attrs[A_N] = {
	[A_MIN] = { "min", LUA_TNUMBER, T_NUMERIC, false },
	[A_MAX] = { "max", LUA_TNUMBER, T_NUMERIC, false },
	[A_MIN_LEN] = { "min_len", LUA_TNUMBER, T_STRING, true },
	[A_MAX_LEN] = { "max_len", LUA_TNUMBER, T_STRING, true },
	[A_MIN_ITEMS] = { "min_items", LUA_TNUMBER, T_ARRAY, true },
	[A_MAX_ITEMS] = { "max_items", LUA_TNUMBER, T_ARRAY, true },
	[A_PATTERN] = { "pattern", LUA_TSTRING, T_STRING, false },
	[A_ENUM] = { "enum", LUA_TTABLE, T_SCALAR, false },
	[A_ITEMS] = { "items", LUA_TTABLE, T_ARRAY, false },
	[A_FIELDS] = { "fields", LUA_TTABLE, T_OBJECT, false },
	[A_CHECK] = { "check", LUA_TFUNCTION, T_ANY, false },
	/* for people (the web UI's forms); no effect on validation */
	[A_LABEL] = { "label", LUA_TSTRING, T_ANY, false },
	/*
	 * the resource type whose record id the field holds, for clients
	 * (the web UI's pickers); the route that stores the id checks it
	 */
	[A_REF] = { "ref", LUA_TSTRING, T_INTEGER, false },
};

/* One rule table, read. */
struct rule {
	enum rtype	 ru_type;
	const char	*ru_tmsg;		/* its type error */
	bool		 ru_required;
	bool		 ru_nullable;
	int		 ru_at[A_N];		/* stack slots, 0: absent */
	double		 ru_bound[A_NBOUNDS];	/* values of the numeric ones */
};

/* One validation. */
struct vctx {
	const cJSON	*vc_body;
	bool		 vc_patch;
	const char *const *vc_reserved;	/* NULL-terminated, or NULL */
	cJSON		*vc_fields;	/* where entries go */
	size_t		 vc_nerr;	/* entries appended */
	bool		 vc_nomem;	/* cJSON could not allocate */
	bool		 vc_lbody;	/* BODY_SLOT holds the body */
	bool		 vc_whole;	/* describe patterns and checks too */
	char		 vc_path[FIELD_MAX];	/* of the field at hand */
	size_t		 vc_plen;
};

/* A message being built, cut at a UTF-8 boundary when it does not fit. */
struct msg {
	char		 m_s[MSG_MAX];
	size_t		 m_len;
	bool		 m_full;
};

static void	field(lua_State *, struct vctx *, int, const cJSON *, int,
		    bool);
static void	object(lua_State *, struct vctx *, int, const cJSON *, int,
		    bool);

/* Raises a policy error naming the field at hand. */
static void __attribute__((noreturn, format(printf, 3, 4)))
fail(lua_State *L, struct vctx *vc, const char *fmt, ...)
{
	va_list	 ap;
	char	 why[256];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (vc->vc_plen > 0)
		lua_pushfstring(L, "schema: field %s: %s", vc->vc_path, why);
	else
		lua_pushfstring(L, "schema: %s", why);
	lua_error(L);
	abort();	/* not reached */
}

static void
msg_put(struct msg *m, const char *s, size_t n)
{
	size_t	 room;

	if (m->m_full)
		return;
	room = sizeof(m->m_s) - 1 - m->m_len;
	if (n > room) {
		n = room >= 3 ? room - 3 : 0;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		memcpy(m->m_s + m->m_len, s, n);
		memcpy(m->m_s + m->m_len + n, "...", 3);
		m->m_len += n + 3;
		m->m_full = true;
	} else {
		memcpy(m->m_s + m->m_len, s, n);
		m->m_len += n;
	}
	m->m_s[m->m_len] = '\0';
}

static void
msg_puts(struct msg *m, const char *s)
{
	msg_put(m, s, strlen(s));
}

/* Formats d for a message: whole numbers without a fraction. */
static void
fmtnum(char *dst, size_t size, double d)
{
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(dst, size, "%.0f", d + 0.0);
	else
		snprintf(dst, size, "%.14g", d);
}

/* Appends s to the path at hand; what does not fit is cut, as json.c. */
static void
path_put(struct vctx *vc, const char *s, size_t n)
{
	size_t	 room;

	if (vc->vc_plen + 1 >= sizeof(vc->vc_path))
		return;
	room = sizeof(vc->vc_path) - 1 - vc->vc_plen;
	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		memcpy(vc->vc_path + vc->vc_plen, s, n);
		vc->vc_path[vc->vc_plen + n] = '\0';
		vc->vc_plen = sizeof(vc->vc_path) - 1;	/* full */
		return;
	}
	memcpy(vc->vc_path + vc->vc_plen, s, n);
	vc->vc_plen += n;
	vc->vc_path[vc->vc_plen] = '\0';
}

static void
path_key(struct vctx *vc, const char *key)
{
	if (vc->vc_plen > 0)
		path_put(vc, ".", 1);
	path_put(vc, key, strlen(key));
}

static void
path_index(struct vctx *vc, size_t i)
{
	char	 idx[32];
	int	 n;

	n = snprintf(idx, sizeof(idx), "[%zu]", i);
	path_put(vc, idx, (size_t)n);
}

/* Cuts the path back to len bytes. */
static void
path_cut(struct vctx *vc, size_t len)
{
	vc->vc_plen = len;
	vc->vc_path[len] = '\0';
}

/*
 * Appends {field, code, message} for the field at hand. Raises nothing
 * and holds nothing across a raise: the entry is in vc_fields at once.
 * Returns false, so a failed rule can "return report(...)".
 */
static bool
report(struct vctx *vc, const char *code, const char *message)
{
	cJSON	*e;

	if (!utf8_valid(message, strlen(message)) || *message == '\0')
		message = "is not valid";
	if ((e = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(e, "field", vc->vc_path) == NULL ||
	    cJSON_AddStringToObject(e, "code", code) == NULL ||
	    cJSON_AddStringToObject(e, "message", message) == NULL ||
	    !cJSON_AddItemToArray(vc->vc_fields, e)) {
		cJSON_Delete(e);
		vc->vc_nomem = true;
		return false;
	}
	vc->vc_nerr++;
	return false;
}

static bool
is_reserved(const struct vctx *vc, const char *name)
{
	const char *const	*r;

	if (vc->vc_reserved == NULL)
		return false;
	for (r = vc->vc_reserved; *r != NULL; r++)
		if (strcmp(*r, name) == 0)
			return true;
	return false;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the key at -1 (a string without NUL) to the list at list. */
static void
key_add(lua_State *L, struct vctx *vc, int list, size_t *n)
{
	const char	*k;
	size_t		 len;

	if (lua_type(L, -1) != LUA_TSTRING)
		fail(L, vc, "field names must be strings");
	k = lua_tolstring(L, -1, &len);
	if (strlen(k) != len)
		fail(L, vc, "a field name holds a NUL byte");
	lua_pushvalue(L, -1);
	lua_rawseti(L, list, (lua_Integer)++*n);
	policy_budget_charge(L, 1);
}

/*
 * The keys of the schema table at t (a plain table or the sandbox's
 * read-only view of one), sorted. Pushes what keeps them alive and the
 * array itself (a userdata: nothing leaks when a raise unwinds); the
 * caller pops them. Each key costs a step of the budget.
 */
static const char **
sorted_keys(lua_State *L, struct vctx *vc, int t, size_t *np)
{
	const char	**a;
	size_t		  n = 0, i;
	int		  tgt, list;

	luaL_checkstack(L, 8, NULL);
	policy_sandbox_target(L, t);
	tgt = lua_gettop(L);
	lua_newtable(L);
	list = lua_gettop(L);
	if (!lua_rawequal(L, tgt, t) ||
	    luaL_getmetafield(L, t, "__pairs") == LUA_TNIL) {
		/* a view's table or a plain one, walked raw (a call per key
		   through the view's __pairs cost more than the rest) */
		lua_pushnil(L);
		while (lua_next(L, tgt)) {
			lua_pop(L, 1);
			key_add(L, vc, list, &n);
		}
	} else {
		/* a table with its own walk: only a C one */
		if (!lua_iscfunction(L, -1))
			fail(L, vc, "fields table cannot be walked");
		lua_pushvalue(L, t);
		lua_call(L, 1, 3);
		if (!lua_iscfunction(L, list + 1))
			fail(L, vc, "fields table cannot be walked");
		for (;;) {		/* list f s k */
			lua_pushvalue(L, list + 1);
			lua_pushvalue(L, list + 2);
			lua_pushvalue(L, -3);
			lua_call(L, 2, 2);	/* list f s k k' v' */
			lua_pop(L, 1);
			lua_remove(L, -2);	/* list f s k' */
			if (lua_isnil(L, -1))
				break;
			key_add(L, vc, list, &n);
		}
	}
	lua_settop(L, list);
	a = lua_newuserdatauv(L, n > 0 ? n * sizeof(*a) : 1, 0);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, list, (lua_Integer)i + 1);
		a[i] = lua_tostring(L, -1);	/* kept alive by list */
		lua_pop(L, 1);
	}
	qsort(a, n, sizeof(*a), cmp_str);
	*np = n;
	return a;
}

/* Which attribute key names, or -1 for none of them. */
static int
attr_of(const char *key)
{
	int	 i;

	for (i = 0; i < A_N; i++)
		if (strcmp(key, attrs[i].at_name) == 0)
			return i;
	return -1;
}

/*
 * Reads the rule table at r into ru, pushing every attribute it has (so
 * strings, tables and functions stay alive while it is used). Raises on a
 * rule the schema language does not allow. One walk of what the rule sets
 * (a view's table, raw): a lookup of each of the 16 names through the
 * view cost as much as the rest of a create (measured).
 */
static void
parse(lua_State *L, struct vctx *vc, int r, struct rule *ru)
{
	const char	*t, *k;
	size_t		 i;
	double		 d;
	int		 tbl, type = 0, a;
	bool		 keep;

	memset(ru, 0, sizeof(*ru));
	luaL_checkstack(L, 2 * A_N + 8, NULL);
	policy_sandbox_target(L, r);
	tbl = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, tbl)) {		/* ... key value */
		k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
		keep = true;
		if (strcmp(k, "type") == 0)
			type = lua_gettop(L);
		else if ((a = attr_of(k)) != -1)
			ru->ru_at[a] = lua_gettop(L);
		else {
			if (strcmp(k, "required") == 0)
				ru->ru_required = lua_toboolean(L, -1);
			else if (strcmp(k, "nullable") == 0)
				ru->ru_nullable = lua_toboolean(L, -1);
			keep = false;
		}
		if (keep)
			lua_pushvalue(L, -2);	/* the key walks on */
		else
			lua_pop(L, 1);
	}
	if (type == 0 || lua_type(L, type) != LUA_TSTRING)
		fail(L, vc, "rule has no type");
	t = lua_tostring(L, type);
	for (i = 0; i < nitems(tnames); i++)
		if (strcmp(t, tnames[i].tn_name) == 0)
			break;
	if (i == nitems(tnames))
		fail(L, vc, "unknown type");
	ru->ru_type = tnames[i].tn_type;
	ru->ru_tmsg = tnames[i].tn_msg;
	/* checked in the order of attrs[], so the first error is the same */
	for (i = 0; i < A_N; i++) {
		if (ru->ru_at[i] == 0)
			continue;
		if (lua_type(L, ru->ru_at[i]) != attrs[i].at_ltype)
			fail(L, vc, "%s has the wrong type", attrs[i].at_name);
		if ((attrs[i].at_types & ru->ru_type) == 0)
			fail(L, vc, "%s does not apply to this type",
			    attrs[i].at_name);
		if (i < A_NBOUNDS) {
			d = lua_tonumber(L, ru->ru_at[i]);
			if (isnan(d) || (attrs[i].at_count && (d < 0 ||
			    d != floor(d))))
				fail(L, vc, "%s is not a valid bound",
				    attrs[i].at_name);
			ru->ru_bound[i] = d;
		}
	}
}

/* parse, for the rule at r nested depth levels deep. */
static void
parse_nested(lua_State *L, struct vctx *vc, int r, int depth, struct rule *ru)
{
	if (depth > DEPTH_MAX)
		fail(L, vc, "rules nested deeper than %d levels", DEPTH_MAX);
	if (lua_type(L, r) != LUA_TTABLE)
		fail(L, vc, "rule is not a table");
	parse(L, vc, r, ru);
}

/* Is v of the rule's type? Fills why when not. */
static bool
type_ok(const struct rule *ru, const cJSON *v, const char **why)
{
	double	 d;

	*why = ru->ru_tmsg;
	switch (ru->ru_type) {
	case T_STRING:
		if (!cJSON_IsString(v) || v->valuestring == NULL)
			return false;
		if (!utf8_valid(v->valuestring, strlen(v->valuestring))) {
			*why = "must be valid UTF-8";
			return false;
		}
		return true;
	case T_INTEGER:
		if (!cJSON_IsNumber(v))
			return false;
		d = v->valuedouble;
		if (!isfinite(d) || d != floor(d))
			return false;
		if (fabs(d) > SAFE_INT) {
			*why = "must be an integer between -9007199254740991 "
			    "and 9007199254740991";
			return false;
		}
		return true;
	case T_NUMBER:
		return cJSON_IsNumber(v) && isfinite(v->valuedouble);
	case T_BOOLEAN:
		return cJSON_IsBool(v);
	case T_ARRAY:
		return cJSON_IsArray(v);
	case T_OBJECT:
		return cJSON_IsObject(v);
	}
	return false;
}

/*
 * Is v (of the rule's type already) in the enum list at e? Compares JSON
 * type and value: "1" is not 1, 1 is 1.0. Every entry must be a string,
 * a number or a boolean; each costs a step. Builds the message in m.
 */
static bool
in_enum(lua_State *L, struct vctx *vc, int e, const cJSON *v, struct msg *m)
{
	lua_Integer	 i, n;
	const char	*s;
	char		 num[64];
	size_t		 len;
	bool		 found = false;

	luaL_checkstack(L, 4, NULL);
	n = luaL_len(L, e);
	msg_puts(m, n > 0 ? "must be one of " : "is not an allowed value");
	for (i = 1; i <= n; i++) {
		policy_budget_charge(L, 1);
		if (i > 1)
			msg_puts(m, ", ");
		switch (lua_geti(L, e, i)) {
		case LUA_TSTRING:
			s = lua_tolstring(L, -1, &len);
			found = found || (cJSON_IsString(v) &&
			    strlen(v->valuestring) == len &&
			    memcmp(v->valuestring, s, len) == 0);
			msg_put(m, s, len);
			break;
		case LUA_TNUMBER:
			found = found || (cJSON_IsNumber(v) &&
			    v->valuedouble == lua_tonumber(L, -1));
			if (lua_isinteger(L, -1))
				snprintf(num, sizeof(num), LUA_INTEGER_FMT,
				    lua_tointeger(L, -1));
			else
				fmtnum(num, sizeof(num), lua_tonumber(L, -1));
			msg_puts(m, num);
			break;
		case LUA_TBOOLEAN:
			found = found || (cJSON_IsBool(v) &&
			    cJSON_IsTrue(v) == lua_toboolean(L, -1));
			msg_puts(m, lua_toboolean(L, -1) ? "true" : "false");
			break;
		default:
			fail(L, vc, "enum values must be strings, numbers or "
			    "booleans");
		}
		lua_pop(L, 1);
	}
	return found;
}

/* Pushes v as a Lua value: objects and arrays as tables, null as nil. */
static void
push_json(lua_State *L, struct vctx *vc, const cJSON *v, int depth)
{
	const cJSON	*c;
	lua_Integer	 i;
	double		 d;

	if (depth > VALUE_DEPTH)
		fail(L, vc, "value nested too deeply for a check");
	luaL_checkstack(L, 4, NULL);
	if (cJSON_IsBool(v))
		lua_pushboolean(L, cJSON_IsTrue(v));
	else if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (d == floor(d) && fabs(d) <= SAFE_INT)
			lua_pushinteger(L, (lua_Integer)d);
		else
			lua_pushnumber(L, d);
	} else if (cJSON_IsString(v) && v->valuestring != NULL)
		lua_pushstring(L, v->valuestring);
	else if (cJSON_IsArray(v)) {
		lua_createtable(L, cJSON_GetArraySize(v), 0);
		for (i = 1, c = v->child; c != NULL; c = c->next, i++) {
			push_json(L, vc, c, depth + 1);
			lua_rawseti(L, -2, i);
		}
	} else if (cJSON_IsObject(v)) {
		lua_createtable(L, 0, cJSON_GetArraySize(v));
		for (c = v->child; c != NULL; c = c->next) {
			if (c->string == NULL)
				continue;
			lua_pushstring(L, c->string);
			push_json(L, vc, c, depth + 1);
			lua_rawset(L, -3);
		}
	} else
		lua_pushnil(L);
}

/*
 * policy_sandbox_call disarms the count hook when it returns: arm it
 * again for the next check with the steps left and the same memory limit,
 * so the whole validation shares the one budget.
 */
static void
rearm(lua_State *L)
{
	struct policy_budget	*b = policy_budget(L);
	size_t			 limit = b->pb_limit;

	policy_budget_start(L, b->pb_steps);
	b->pb_limit = limit;
}

/* Runs the rule's check on v (NULL or JSON null: nil). */
static void
check(lua_State *L, struct vctx *vc, const struct rule *ru, const cJSON *v)
{
	struct msg	 m = { .m_len = 0 };
	const char	*s;
	size_t		 len;

	luaL_checkstack(L, 4, NULL);
	if (!vc->vc_lbody) {
		/* read-only, so one check cannot change what the next sees */
		push_json(L, vc, vc->vc_body, 0);
		policy_sandbox_freeze(L, -1);
		lua_replace(L, BODY_SLOT);
		lua_pop(L, 1);
		vc->vc_lbody = true;
	}
	lua_pushvalue(L, ru->ru_at[A_CHECK]);
	if (v == NULL || cJSON_IsNull(v))
		lua_pushnil(L);
	else
		push_json(L, vc, v, 0);
	lua_pushvalue(L, BODY_SLOT);
	rearm(L);
	if (policy_sandbox_call(L, 2, 1) != LUA_OK) {
		s = lua_tostring(L, -1);
		fail(L, vc, "check failed: %s", s != NULL ? s : "?");
	}
	switch (lua_type(L, -1)) {
	case LUA_TNIL:
		break;
	case LUA_TBOOLEAN:
		if (lua_toboolean(L, -1))
			fail(L, vc, "check returned true, not nil or a "
			    "message");
		break;
	case LUA_TSTRING:
		s = lua_tolstring(L, -1, &len);
		msg_put(&m, s, strnlen(s, len));
		report(vc, "check", m.m_s);
		break;
	default:
		fail(L, vc, "check returned %s, not nil or a message",
		    luaL_typename(L, -1));
	}
	lua_pop(L, 1);
}

/* Reports a bound: "must be at least 3 characters". */
static bool
report_bound(struct vctx *vc, const char *code, const char *what,
    double bound, const char *unit)
{
	char	 num[64], msg[MSG_MAX];

	fmtnum(num, sizeof(num), bound);
	snprintf(msg, sizeof(msg), "must %s %s%s%s%s", what, num,
	    *unit != '\0' ? " " : "", unit,
	    *unit != '\0' && bound != 1 ? "s" : "");
	return report(vc, code, msg);
}

/*
 * Applies the rule's value checks to v (not null, of any type) in the
 * order type, enum, bounds, lengths, pattern, item counts, items and
 * fields; true when v passed them all.
 */
static bool
apply(lua_State *L, struct vctx *vc, const struct rule *ru, const cJSON *v,
    int depth)
{
	struct msg	 m = { .m_len = 0 };
	const cJSON	*c;
	const char	*why, *p;
	size_t		 mark = vc->vc_plen, nerr = vc->vc_nerr, plen, i;
	double		 d;
	int		 rc;

	if (!type_ok(ru, v, &why))
		return report(vc, "type", why);
	if (ru->ru_at[A_ENUM] && !in_enum(L, vc, ru->ru_at[A_ENUM], v, &m))
		return report(vc, "enum", m.m_s);
	if (ru->ru_type & T_NUMERIC) {
		if (ru->ru_at[A_MIN] && v->valuedouble < ru->ru_bound[A_MIN])
			return report_bound(vc, "min", "be at least",
			    ru->ru_bound[A_MIN], "");
		if (ru->ru_at[A_MAX] && v->valuedouble > ru->ru_bound[A_MAX])
			return report_bound(vc, "max", "be at most",
			    ru->ru_bound[A_MAX], "");
	}
	if (ru->ru_type == T_STRING) {
		d = (double)utf8_count(v->valuestring,
		    strlen(v->valuestring));
		if (ru->ru_at[A_MIN_LEN] && d < ru->ru_bound[A_MIN_LEN])
			return report_bound(vc, "min_len", "be at least",
			    ru->ru_bound[A_MIN_LEN], "character");
		if (ru->ru_at[A_MAX_LEN] && d > ru->ru_bound[A_MAX_LEN])
			return report_bound(vc, "max_len", "be at most",
			    ru->ru_bound[A_MAX_LEN], "character");
		if (ru->ru_at[A_PATTERN]) {
			p = lua_tolstring(L, ru->ru_at[A_PATTERN], &plen);
			rc = policy_match_full(L, v->valuestring,
			    strlen(v->valuestring), p, plen);
			if (rc == -1)
				fail(L, vc, "pattern is malformed or ran over "
				    "the budget");
			if (rc == 0)
				return report(vc, "pattern",
				    "is not in the expected format");
		}
	}
	if (ru->ru_type == T_ARRAY) {
		d = (double)cJSON_GetArraySize(v);
		if (ru->ru_at[A_MIN_ITEMS] && d < ru->ru_bound[A_MIN_ITEMS])
			return report_bound(vc, "min", "have at least",
			    ru->ru_bound[A_MIN_ITEMS], "item");
		if (ru->ru_at[A_MAX_ITEMS] && d > ru->ru_bound[A_MAX_ITEMS])
			return report_bound(vc, "max", "have at most",
			    ru->ru_bound[A_MAX_ITEMS], "item");
	}
	if (ru->ru_at[A_ITEMS] && ru->ru_type == T_ARRAY) {
		for (i = 0, c = v->child; c != NULL; c = c->next, i++) {
			path_index(vc, i);
			field(L, vc, ru->ru_at[A_ITEMS], c, depth + 1, false);
			path_cut(vc, mark);
		}
	}
	if (ru->ru_at[A_FIELDS] && ru->ru_type == T_OBJECT)
		object(L, vc, ru->ru_at[A_FIELDS], v, depth + 1, false);
	return vc->vc_nerr == nerr;
}

/*
 * Validates v (NULL when absent) against the rule table at r, reporting
 * at most one entry for the field itself. depth counts nested rules.
 */
static void
field(lua_State *L, struct vctx *vc, int r, const cJSON *v, int depth,
    bool top)
{
	struct rule	 ru;
	int		 base = lua_gettop(L);

	parse_nested(L, vc, r, depth, &ru);
	if (v == NULL) {
		/* a PATCH leaves out what it keeps; nested values are whole */
		if (ru.ru_required && !(vc->vc_patch && top))
			report(vc, "required", "is required");
	} else if (cJSON_IsNull(v)) {
		if (!ru.ru_nullable)
			report(vc, "type", "must not be null");
		else if (ru.ru_at[A_CHECK])
			check(L, vc, &ru, v);
	} else if (apply(L, vc, &ru, v, depth) && ru.ru_at[A_CHECK])
		check(L, vc, &ru, v);
	lua_settop(L, base);
}

/*
 * Validates the object obj against the schema table at s: its fields in
 * name order, then the fields the schema does not know (and, at the top,
 * the reserved ones) in body order.
 */
static void
object(lua_State *L, struct vctx *vc, int s, const cJSON *obj, int depth,
    bool top)
{
	const char	**keys;
	const cJSON	 *c;
	const char	 *name;
	size_t		  n, i, mark = vc->vc_plen;
	int		  base = lua_gettop(L);
	bool		  res, known;

	/* the view's table: a lookup through the view costs a step more */
	luaL_checkstack(L, 4, NULL);
	policy_sandbox_target(L, s);
	s = lua_gettop(L);
	keys = sorted_keys(L, vc, s, &n);
	for (i = 0; i < n; i++) {
		if (top && is_reserved(vc, keys[i]))
			continue;
		path_key(vc, keys[i]);
		lua_getfield(L, s, keys[i]);
		field(L, vc, lua_gettop(L), cJSON_GetObjectItemCaseSensitive(
		    obj, keys[i]), depth, top);
		lua_pop(L, 1);
		path_cut(vc, mark);
	}
	for (c = obj->child; c != NULL; c = c->next) {
		name = c->string != NULL ? c->string : "";
		res = top && is_reserved(vc, name);
		known = false;
		if (!res) {
			known = lua_getfield(L, s, name) != LUA_TNIL;
			lua_pop(L, 1);
		}
		if (res || !known) {
			path_key(vc, name);
			report(vc, "unknown", res ? "is set by the server" :
			    "is not a known field");
			path_cut(vc, mark);
		}
	}
	lua_settop(L, base);
}

/* The protected part: 1 the vctx, 2 the schema, 3 the body for checks. */
static int
run(lua_State *L)
{
	struct vctx	*vc = lua_touserdata(L, 1);

	lua_settop(L, BODY_SLOT);
	if (lua_type(L, 2) != LUA_TTABLE)
		fail(L, vc, "schema is not a table");
	if (!cJSON_IsObject(vc->vc_body)) {
		report(vc, "type", "must be an object");
		return 0;
	}
	object(L, vc, 2, vc->vc_body, 1, true);
	return 0;
}

int
policy_schema_validate(lua_State *L, int idx, const cJSON *body, bool patch,
    const char *const *reserved, cJSON *fields, struct erp_err *err)
{
	struct vctx	 vc;
	const char	*why;
	int		 n0, rc;

	if (!cJSON_IsArray(fields))
		return -1;
	memset(&vc, 0, sizeof(vc));
	vc.vc_body = body;
	vc.vc_patch = patch;
	vc.vc_reserved = reserved;
	vc.vc_fields = fields;
	n0 = cJSON_GetArraySize(fields);
	idx = lua_absindex(L, idx);
	if (!lua_checkstack(L, 4))
		return -1;
	policy_budget_start(L, POLICY_INSTRUCTIONS);
	lua_pushcfunction(L, run);
	lua_pushlightuserdata(L, &vc);
	lua_pushvalue(L, idx);
	rc = lua_pcall(L, 2, 0, 0);
	lua_sethook(L, NULL, 0, 0);
	if (rc == LUA_OK && !vc.vc_nomem && !policy_budget_exceeded(L))
		return 0;
	if (rc != LUA_OK) {
		why = lua_tostring(L, -1);
		err_set(err, "%s", why != NULL ? why : "schema failed");
		lua_pop(L, 1);
	} else
		err_set(err, "schema: %s", vc.vc_nomem ? "out of memory" :
		    "budget exceeded");
	/* nothing half-done: the caller denies */
	while (cJSON_GetArraySize(fields) > n0)
		cJSON_DeleteItemFromArray(fields, cJSON_GetArraySize(fields) -
		    1);
	return -1;
}

/* Describing ------------------------------------------------------------ */

static void	describe_fields(lua_State *, struct vctx *, int, cJSON *, int);

/* Adds bound i of ru to o when the rule has it. */
static void
describe_bound(const struct rule *ru, enum attr i, cJSON *o)
{
	if (ru->ru_at[i])
		cJSON_AddNumberToObject(o, attrs[i].at_name, ru->ru_bound[i]);
}

/*
 * Fills o (already in the caller's tree, so a raise leaks nothing) with
 * what a client may know of the rule at r: type, required, nullable,
 * bounds, enum, label, ref, items and fields. check functions and patterns
 * stay inside the policy.
 */
static void
describe_rule(lua_State *L, struct vctx *vc, int r, cJSON *o, int depth)
{
	struct rule	 ru;
	cJSON		*e, *sub;
	lua_Integer	 i, n;
	int		 base = lua_gettop(L);

	parse_nested(L, vc, r, depth, &ru);
	for (i = 0; i < (lua_Integer)nitems(tnames); i++)
		if (tnames[i].tn_type == ru.ru_type)
			cJSON_AddStringToObject(o, "type", tnames[i].tn_name);
	if (ru.ru_required)
		cJSON_AddTrueToObject(o, "required");
	if (ru.ru_nullable)
		cJSON_AddTrueToObject(o, "nullable");
	describe_bound(&ru, A_MIN, o);
	describe_bound(&ru, A_MAX, o);
	describe_bound(&ru, A_MIN_LEN, o);
	describe_bound(&ru, A_MAX_LEN, o);
	describe_bound(&ru, A_MIN_ITEMS, o);
	describe_bound(&ru, A_MAX_ITEMS, o);
	if (ru.ru_at[A_ENUM]) {
		e = cJSON_AddArrayToObject(o, "enum");
		n = luaL_len(L, ru.ru_at[A_ENUM]);
		for (i = 1; i <= n; i++) {
			policy_budget_charge(L, 1);
			switch (lua_geti(L, ru.ru_at[A_ENUM], i)) {
			case LUA_TSTRING:
				cJSON_AddItemToArray(e, cJSON_CreateString(
				    lua_tostring(L, -1)));
				break;
			case LUA_TNUMBER:
				cJSON_AddItemToArray(e, cJSON_CreateNumber(
				    lua_tonumber(L, -1)));
				break;
			case LUA_TBOOLEAN:
				cJSON_AddItemToArray(e, cJSON_CreateBool(
				    lua_toboolean(L, -1)));
				break;
			default:
				fail(L, vc, "enum values must be strings, "
				    "numbers or booleans");
			}
			lua_pop(L, 1);
		}
	}
	if (ru.ru_at[A_LABEL])
		cJSON_AddStringToObject(o, "label",
		    lua_tostring(L, ru.ru_at[A_LABEL]));
	if (ru.ru_at[A_REF])
		cJSON_AddStringToObject(o, "ref",
		    lua_tostring(L, ru.ru_at[A_REF]));
	if (vc->vc_whole && ru.ru_at[A_PATTERN])
		cJSON_AddStringToObject(o, "pattern",
		    lua_tostring(L, ru.ru_at[A_PATTERN]));
	if (vc->vc_whole && ru.ru_at[A_CHECK])
		cJSON_AddTrueToObject(o, "check");
	if (ru.ru_at[A_ITEMS] && ru.ru_type == T_ARRAY) {
		sub = cJSON_AddObjectToObject(o, "items");
		describe_rule(L, vc, ru.ru_at[A_ITEMS], sub, depth + 1);
	}
	if (ru.ru_at[A_FIELDS] && ru.ru_type == T_OBJECT) {
		sub = cJSON_AddObjectToObject(o, "fields");
		describe_fields(L, vc, ru.ru_at[A_FIELDS], sub, depth + 1);
	}
	lua_settop(L, base);
}

/* Is the rule at r required? Raises nothing: a broken one is not. */
static bool
rule_required(lua_State *L, int r)
{
	bool	 req;

	if (lua_type(L, r) != LUA_TTABLE)
		return false;
	lua_getfield(L, r, "required");
	req = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return req;
}

/*
 * Describes the fields table at s into o: required fields first, each
 * group in name order (a form's natural order when nothing else says).
 */
static void
describe_fields(lua_State *L, struct vctx *vc, int s, cJSON *o, int depth)
{
	const char	**keys;
	size_t		  n, i;
	int		  base = lua_gettop(L), pass;
	cJSON		 *f;

	keys = sorted_keys(L, vc, s, &n);
	for (pass = 1; pass >= 0; pass--)
		for (i = 0; i < n; i++) {
			lua_getfield(L, s, keys[i]);
			if (rule_required(L, lua_gettop(L)) == (pass == 1)) {
				f = cJSON_AddObjectToObject(o, keys[i]);
				describe_rule(L, vc, lua_gettop(L), f,
				    depth + 1);
			}
			lua_pop(L, 1);
		}
	lua_settop(L, base);
}

/* The protected part: 1 the vctx, 2 the schemas, 3 the output. */
static int
describe_run(lua_State *L)
{
	struct vctx	 *vc = lua_touserdata(L, 1);
	cJSON		 *out = lua_touserdata(L, 3);
	const char	**types;
	size_t		  n, i;

	if (lua_type(L, 2) != LUA_TTABLE)
		fail(L, vc, "schemas is not a table");
	types = sorted_keys(L, vc, 2, &n);
	for (i = 0; i < n; i++) {
		if (lua_getfield(L, 2, types[i]) != LUA_TTABLE)
			fail(L, vc, "schema %s is not a table", types[i]);
		describe_fields(L, vc, lua_gettop(L),
		    cJSON_AddObjectToObject(out, types[i]), 1);
		lua_pop(L, 1);
	}
	return 0;
}

int
policy_schema_describe(lua_State *L, int idx, bool whole, cJSON *out)
{
	struct vctx	 vc;
	const char	*why;
	int		 rc;

	memset(&vc, 0, sizeof(vc));
	vc.vc_whole = whole;
	idx = lua_absindex(L, idx);
	if (!lua_checkstack(L, 4))
		return -1;
	policy_budget_start(L, POLICY_INSTRUCTIONS);
	lua_pushcfunction(L, describe_run);
	lua_pushlightuserdata(L, &vc);
	lua_pushvalue(L, idx);
	lua_pushlightuserdata(L, out);
	rc = lua_pcall(L, 3, 0, 0);
	lua_sethook(L, NULL, 0, 0);
	if (rc == LUA_OK && !policy_budget_exceeded(L))
		return 0;
	why = rc != LUA_OK ? lua_tostring(L, -1) : "budget exceeded";
	log_warn("policy: describing the schemas: %s", why ? why : "?");
	if (rc != LUA_OK)
		lua_pop(L, 1);
	return -1;
}

/* Checking rules at upload ---------------------------------------------- */

/* One rule check: where it is, for the message. */
struct rcheck {
	lua_State	*rc_L;
	struct erp_err	*rc_err;
	char		 rc_path[256];	/* "schemas.product.sku" */
};

static int	check_rule(struct rcheck *, int r, int depth);

static size_t
rpath_add(struct rcheck *c, const char *sep, const char *s)
{
	return policy_path_add(c->rc_path, sizeof(c->rc_path), sep, s);
}

/* The fields table at f (field name -> rule): each rule checked. */
static int
check_fields(struct rcheck *c, int f, int depth)
{
	lua_State	*L = c->rc_L;
	int		 top = lua_gettop(L), rc = 0;
	size_t		 cut;

	policy_sandbox_target(L, f);
	lua_pushnil(L);
	while (rc == 0 && lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			err_set(c->rc_err, "policy: %s: field names must be "
			    "strings", c->rc_path);
			rc = -1;
			break;
		}
		cut = rpath_add(c, ".", lua_tostring(L, -2));
		rc = check_rule(c, lua_gettop(L), depth + 1);
		c->rc_path[cut] = '\0';
		lua_pop(L, 1);
	}
	lua_settop(L, top);
	return rc;
}

/* The value at -1 for attribute i of a rule of type t. */
static int
check_attr(struct rcheck *c, size_t i, enum rtype t, int depth)
{
	lua_State	*L = c->rc_L;
	const char	*name = attrs[i].at_name, *pat;
	size_t		 len, cut;
	double		 d;
	int		 rc;

	if (lua_type(L, -1) != attrs[i].at_ltype) {
		err_set(c->rc_err, "policy: %s: %s must be %s", c->rc_path,
		    name, attrs[i].at_ltype == LUA_TNUMBER ? "a number" :
		    attrs[i].at_ltype == LUA_TSTRING ? "a string" :
		    attrs[i].at_ltype == LUA_TFUNCTION ? "a function" :
		    "a table");
		return -1;
	}
	if ((attrs[i].at_types & t) == 0) {
		err_set(c->rc_err, "policy: %s: %s does not apply to this "
		    "type", c->rc_path, name);
		return -1;
	}
	if (i < A_NBOUNDS) {
		d = lua_tonumber(L, -1);
		if (isnan(d) || (attrs[i].at_count && (d < 0 ||
		    d != floor(d)))) {
			err_set(c->rc_err, "policy: %s: %s is not a valid "
			    "bound", c->rc_path, name);
			return -1;
		}
		return 0;
	}
	switch (i) {
	case A_PATTERN:
		pat = lua_tolstring(L, -1, &len);
		if (!policy_match_valid(pat, len)) {
			err_set(c->rc_err, "policy: %s: pattern \"%.60s\" is "
			    "not a valid Lua pattern", c->rc_path, pat);
			return -1;
		}
		return 0;
	case A_REF:
		/* a type name, as the schemas' keys and permissions have */
		pat = lua_tolstring(L, -1, &len);
		if (len == 0 || len > 63 || strspn(pat,
		    "abcdefghijklmnopqrstuvwxyz0123456789_") != len ||
		    (pat[0] >= '0' && pat[0] <= '9')) {
			err_set(c->rc_err, "policy: %s: ref must be a "
			    "resource type such as \"product\"", c->rc_path);
			return -1;
		}
		return 0;
	case A_ENUM:
		policy_sandbox_target(L, -1);
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			rc = lua_type(L, -1);
			lua_pop(L, 1);
			if (rc != LUA_TSTRING && rc != LUA_TNUMBER &&
			    rc != LUA_TBOOLEAN) {
				lua_pop(L, 2);
				err_set(c->rc_err, "policy: %s: enum values "
				    "must be strings, numbers or booleans",
				    c->rc_path);
				return -1;
			}
		}
		lua_pop(L, 1);
		return 0;
	case A_ITEMS:
		cut = rpath_add(c, "", "[]");
		rc = check_rule(c, lua_gettop(L), depth + 1);
		c->rc_path[cut] = '\0';
		return rc;
	case A_FIELDS:
		return check_fields(c, lua_gettop(L), depth);
	default:
		return 0;
	}
}

/*
 * The rule at r: a table of known keys only (a typo such as requried or
 * max_length would otherwise be ignored), a known type, each attribute
 * of its Lua type and for a rule of that type, patterns that compile.
 * The type, checked first, is a string.
 */
static int
check_rule(struct rcheck *c, int r, int depth)
{
	static const char *const flags[] = { "required", "nullable" };
	lua_State	*L = c->rc_L;
	const char	*k, *t;
	enum rtype	 type;
	size_t		 i;
	int		 top = lua_gettop(L);

	r = lua_absindex(L, r);
	luaL_checkstack(L, 16, "schema check");
	if (depth > DEPTH_MAX) {
		err_set(c->rc_err, "policy: %s: rules nested deeper than %d "
		    "levels", c->rc_path, DEPTH_MAX);
		return -1;
	}
	if (lua_type(L, r) != LUA_TTABLE) {
		err_set(c->rc_err, "policy: %s: a rule must be a table",
		    c->rc_path);
		return -1;
	}
	policy_sandbox_target(L, r);
	r = lua_gettop(L);
	lua_getfield(L, r, "type");
	t = lua_tostring(L, -1);
	if (lua_type(L, -1) != LUA_TSTRING) {
		err_set(c->rc_err, "policy: %s: the rule has no type",
		    c->rc_path);
		goto fail;
	}
	for (i = 0; i < nitems(tnames); i++)
		if (strcmp(t, tnames[i].tn_name) == 0)
			break;
	if (i == nitems(tnames)) {
		err_set(c->rc_err, "policy: %s: unknown type \"%.40s\" (string, "
		    "integer, number, boolean, array or object)", c->rc_path, t);
		goto fail;
	}
	type = tnames[i].tn_type;
	lua_pop(L, 1);
	lua_pushnil(L);
	while (lua_next(L, r)) {
		k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		if (k == NULL) {
			err_set(c->rc_err, "policy: %s: rule keys must be "
			    "names", c->rc_path);
			goto fail;
		}
		if (strcmp(k, "type") == 0) {
			lua_pop(L, 1);
			continue;
		}
		for (i = 0; i < nitems(flags); i++)
			if (strcmp(k, flags[i]) == 0)
				break;
		if (i < nitems(flags)) {
			if (lua_type(L, -1) != LUA_TBOOLEAN) {
				err_set(c->rc_err, "policy: %s: %s must be "
				    "true or false", c->rc_path, k);
				goto fail;
			}
			lua_pop(L, 1);
			continue;
		}
		for (i = 0; i < A_N; i++)
			if (strcmp(k, attrs[i].at_name) == 0)
				break;
		if (i == A_N) {
			err_set(c->rc_err, "policy: %s: unknown rule key "
			    "\"%.40s\"", c->rc_path, k);
			goto fail;
		}
		if (check_attr(c, i, type, depth) == -1)
			goto fail;
		lua_pop(L, 1);
	}
	lua_settop(L, top);
	return 0;
fail:
	lua_settop(L, top);
	return -1;
}

int
policy_schema_check(lua_State *L, int schemas, struct erp_err *err)
{
	struct rcheck	 c = { L, err, "" };
	int		 top = lua_gettop(L), rc = 0;

	schemas = lua_absindex(L, schemas);
	if (lua_type(L, schemas) != LUA_TTABLE)
		return 0;
	policy_sandbox_target(L, schemas);
	lua_pushnil(L);
	while (rc == 0 && lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING ||
		    lua_type(L, -1) != LUA_TTABLE) {
			err_set(err, "policy: schemas must map resource types "
			    "to tables of field rules");
			rc = -1;
			break;
		}
		snprintf(c.rc_path, sizeof(c.rc_path), "schemas.%s",
		    lua_tostring(L, -2));
		rc = check_fields(&c, lua_gettop(L), 0);
		lua_pop(L, 1);
	}
	lua_settop(L, top);
	return rc;
}
