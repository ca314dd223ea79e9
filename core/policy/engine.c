/*
 * engine: compiling a policy (the base, module fragments, an
 * organization's own merged over them) into one sandboxed state, and
 * deciding with it. Each role's permission patterns are precomputed when
 * a version loads, so allow() asks the host (permits) instead of looping
 * over patterns in Lua.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "policy.h"

#define ROLES_MAX	1024
#define PATTERNS_MAX	256	/* per role */
#define FRAGMENTS_MAX	32
#define SWEEP_MAX	4096	/* trial decisions before going live */
#define SWEEP_STEPS	(4 * POLICY_INSTRUCTIONS)	/* and their steps */

struct role {
	char		*ro_name;
	char		**ro_pats;	/* NULL-terminated */
};

struct roleset {
	struct role	*rs_v;		/* sorted by name */
	size_t		 rs_n;
};

struct policy {
	lua_State	*po_L;
	struct roleset	 po_base;	/* the base's own roles */
	struct roleset	 po_roles;	/* the merged roles in force */
	int		 po_allow0;	/* registry refs: base allow */
	int		 po_allow;	/* allow in force */
	int		 po_pwok;	/* base password_ok */
	int		 po_schemas;	/* schemas in force */
	int		 po_redact;	/* redact in force (a table) */
	char		**po_redact_types;	/* its keys, sorted */
	size_t		 po_nredact;
	bool		 po_own_allow;	/* the organization replaced allow */
	char		 po_match[80];	/* what permits() matched last */
	size_t		 po_expects;	/* expectations the running test
					   stated */
	size_t		 po_tests;	/* tests run and passed */
};

/* What permits() is bound to. */
struct binding {
	struct policy	*bi_policy;
	bool		 bi_base;	/* base roles, not the merged ones */
};

static char		*base_source;
static size_t		 base_len;
static struct {
	char	*name;
	char	*source;
} fragments[FRAGMENTS_MAX];
static size_t		 nfragments;

/* Roles ----------------------------------------------------------------- */

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
role_cmp(const void *a, const void *b)
{
	return strcmp(((const struct role *)a)->ro_name,
	    ((const struct role *)b)->ro_name);
}

static void
roleset_free(struct roleset *rs)
{
	size_t	 i, k;

	for (i = 0; i < rs->rs_n; i++) {
		for (k = 0; rs->rs_v[i].ro_pats[k] != NULL; k++)
			free(rs->rs_v[i].ro_pats[k]);
		free(rs->rs_v[i].ro_pats);
		free(rs->rs_v[i].ro_name);
	}
	free(rs->rs_v);
	memset(rs, 0, sizeof(*rs));
}

/*
 * Reads a roles table (at idx, raw: called before freezing) into rs.
 * Returns 0, or -1 with err set for a malformed role or pattern.
 */
static int
roleset_load(lua_State *L, int idx, struct roleset *rs, struct erp_err *err)
{
	size_t	 cap = 0;

	idx = lua_absindex(L, idx);
	memset(rs, 0, sizeof(*rs));
	if (lua_type(L, idx) != LUA_TTABLE) {
		err_set(err, "policy: roles must be a table");
		return -1;
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		struct role	*ro;
		lua_Integer	 i, n;

		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) !=
		    LUA_TTABLE || rs->rs_n == ROLES_MAX) {
			lua_pop(L, 2);
			err_set(err, "policy: roles must map names to lists "
			    "of permission patterns (at most %d roles)",
			    ROLES_MAX);
			goto fail;
		}
		n = (lua_Integer)luaL_len(L, -1);	/* may be a view */
		if (n > PATTERNS_MAX) {
			err_set(err, "policy: role %.60s has more than %d "
			    "patterns", lua_tostring(L, -2), PATTERNS_MAX);
			lua_pop(L, 2);
			goto fail;
		}
		if (rs->rs_n == cap) {
			cap = cap ? cap * 2 : 16;
			rs->rs_v = xrealloc(rs->rs_v, cap * sizeof(*rs->rs_v));
		}
		ro = &rs->rs_v[rs->rs_n++];
		ro->ro_name = xstrdup(lua_tostring(L, -2));
		ro->ro_pats = xcalloc((size_t)n + 1, sizeof(char *));
		for (i = 1; i <= n; i++) {
			const char	*pat;

			lua_geti(L, -1, i);
			pat = lua_tostring(L, -1);
			if (lua_type(L, -1) != LUA_TSTRING ||
			    !policy_perm_valid(pat)) {
				err_set(err, "policy: role %.60s: \"%.60s\" is "
				    "not a permission pattern (resource:action "
				    "or *)", ro->ro_name, pat ? pat : "?");
				lua_pop(L, 3);
				goto fail;
			}
			ro->ro_pats[i - 1] = xstrdup(pat);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	if (rs->rs_n > 0)
		qsort(rs->rs_v, rs->rs_n, sizeof(*rs->rs_v), role_cmp);
	return 0;
fail:
	roleset_free(rs);
	return -1;
}

static const struct role *
roleset_find(const struct roleset *rs, const char *name)
{
	struct role	 key = { .ro_name = (char *)(uintptr_t)name };

	if (name == NULL || rs->rs_n == 0)
		return NULL;
	return bsearch(&key, rs->rs_v, rs->rs_n, sizeof(*rs->rs_v), role_cmp);
}

/* permits(role, action): the host's answer from the precomputed roles. */
static int
permits(lua_State *L)
{
	struct binding		*bi = lua_touserdata(L, lua_upvalueindex(1));
	const char		*role = lua_tostring(L, 1);
	const char		*action = luaL_checkstring(L, 2);
	const struct role	*ro;
	size_t			 i;

	ro = roleset_find(bi->bi_base ? &bi->bi_policy->po_base :
	    &bi->bi_policy->po_roles, lua_type(L, 1) == LUA_TSTRING ?
	    role : NULL);
	if (ro != NULL)
		for (i = 0; ro->ro_pats[i] != NULL; i++)
			if (policy_perm_match(ro->ro_pats[i], action)) {
				snprintf(bi->bi_policy->po_match,
				    sizeof(bi->bi_policy->po_match), "%s",
				    ro->ro_pats[i]);
				lua_pushboolean(L, 1);
				return 1;
			}
	lua_pushboolean(L, 0);
	return 1;
}

/* Pushes permits bound to p (base or merged roles). */
static void
push_permits(lua_State *L, struct policy *p, bool base)
{
	struct binding	*bi = lua_newuserdatauv(L, sizeof(*bi), 0);

	bi->bi_policy = p;
	bi->bi_base = base;
	lua_pushcclosure(L, permits, 1);
}

/* Lua values ------------------------------------------------------------ */

/* Pushes a JSON value as Lua (null: nil). Raises on memory errors only. */
static void
push_json(lua_State *L, const cJSON *v, int depth)
{
	const cJSON	*c;
	lua_Integer	 i = 1;

	luaL_checkstack(L, 4, "resource too deep");
	if (depth > 64 || cJSON_IsNull(v) || v == NULL)
		lua_pushnil(L);
	else if (cJSON_IsBool(v))
		lua_pushboolean(L, cJSON_IsTrue(v));
	else if (cJSON_IsNumber(v)) {
		double	 d = v->valuedouble;

		/* in range before the cast: 1e300 is no integer */
		if (d >= -9007199254740991.0 && d <= 9007199254740991.0 &&
		    d == (double)(lua_Integer)d)
			lua_pushinteger(L, (lua_Integer)d);
		else
			lua_pushnumber(L, d);
	} else if (cJSON_IsString(v))
		lua_pushstring(L, v->valuestring);
	else if (cJSON_IsRaw(v) && v->valuestring != NULL) {
		/* an exact integer (erp_json_int, api_json_int) */
		char		*end;
		long long	 n = strtoll(v->valuestring, &end, 10);

		if (*end == '\0' && end != v->valuestring)
			lua_pushinteger(L, (lua_Integer)n);
		else
			lua_pushnil(L);
	} else if (cJSON_IsArray(v)) {
		lua_createtable(L, cJSON_GetArraySize(v), 0);
		cJSON_ArrayForEach(c, v) {
			push_json(L, c, depth + 1);
			lua_rawseti(L, -2, i++);
		}
	} else if (cJSON_IsObject(v)) {
		/* sized once: growing by rehash cost a thousand instructions
		 * per field (measured) */
		lua_createtable(L, 0, cJSON_GetArraySize(v) + 3);
		cJSON_ArrayForEach(c, v) {
			push_json(L, c, depth + 1);
			lua_setfield(L, -2, c->string);
		}
	} else
		lua_pushnil(L);
}

/*
 * Pushes context: {time, ip}, before and changed when the request has
 * them, then the entries of more context (a dry-run's) over all that.
 */
static void
push_context(lua_State *L, int64_t now, const char *ip,
    const struct policy_resource *r)
{
	const cJSON	*c;

	/* sized once for what it holds: growing costs a rehash per call */
	lua_createtable(L, 0, r != NULL && (r->pr_before != NULL ||
	    r->pr_changed != NULL || r->pr_context != NULL) ? 6 : 2);
	lua_pushinteger(L, now);
	lua_setfield(L, -2, "time");
	lua_pushstring(L, ip ? ip : "");
	lua_setfield(L, -2, "ip");
	if (r == NULL)
		return;
	if (cJSON_IsObject(r->pr_before)) {
		push_json(L, r->pr_before, 0);
		lua_setfield(L, -2, "before");
	}
	if (cJSON_IsArray(r->pr_changed)) {
		push_json(L, r->pr_changed, 0);
		lua_setfield(L, -2, "changed");
	}
	if (cJSON_IsObject(r->pr_context))
		cJSON_ArrayForEach(c, r->pr_context) {
			push_json(L, c, 1);
			lua_setfield(L, -2, c->string);
		}
}

/*
 * A Lua value as JSON, for bodies written in tests: a table with keys 1..n
 * only is an array, any other table an object (the empty one too).
 * Returns NULL for what JSON cannot hold (functions, cycles, depth).
 * Raises nothing while a cJSON tree is held (the test built the table
 * under its budget already).
 */
static cJSON *
lua_json(lua_State *L, int idx, int depth)
{
	cJSON		*o, *c;
	lua_Integer	 n, i;
	size_t		 count = 0;

	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return cJSON_CreateNull();
	case LUA_TBOOLEAN:
		return cJSON_CreateBool(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		return cJSON_CreateNumber(lua_tonumber(L, idx));
	case LUA_TSTRING:
		return cJSON_CreateString(lua_tostring(L, idx));
	case LUA_TTABLE:
		break;
	default:
		return NULL;
	}
	if (depth > 32)
		return NULL;
	if (!lua_checkstack(L, 4))
		return NULL;
	policy_sandbox_target(L, idx);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		count++;
	}
	n = (lua_Integer)lua_rawlen(L, -1);
	if (n > 0 && (size_t)n == count) {
		o = cJSON_CreateArray();
		for (i = 1; i <= n; i++) {
			lua_rawgeti(L, -1, i);
			c = lua_json(L, -1, depth + 1);
			lua_pop(L, 1);
			if (c == NULL)
				goto fail;
			cJSON_AddItemToArray(o, c);
		}
	} else {
		o = cJSON_CreateObject();
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			if (lua_type(L, -2) != LUA_TSTRING ||
			    (c = lua_json(L, -1, depth + 1)) == NULL) {
				lua_pop(L, 2);
				goto fail;
			}
			cJSON_AddItemToObject(o, lua_tostring(L, -2), c);
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	return o;
fail:
	lua_pop(L, 1);
	cJSON_Delete(o);
	return NULL;
}

/* Compiling ------------------------------------------------------------- */

int
policy_engine_init(const char *base_path, struct erp_err *err)
{
	struct policy	*p;

	free(base_source);
	if ((base_source = fs_read_file(base_path, POLICY_SOURCE_MAX,
	    &base_len)) == NULL) {
		err_set(err, "ERP_POLICIES_DIR: cannot read %s", base_path);
		return -1;
	}
	/* the base must compile and pass its own tests */
	if ((p = policy_compile(NULL, 0, POLICY_UPLOAD, err)) == NULL)
		return -1;
	policy_free(p);
	return 0;
}

int
policy_engine_add_fragment(const char *name, const char *source,
    struct erp_err *err)
{
	if (nfragments == FRAGMENTS_MAX) {
		err_set(err, "%s: too many policy fragments", name);
		return -1;
	}
	fragments[nfragments].name = xstrdup(name);
	fragments[nfragments].source = xstrdup(source);
	nfragments++;
	return 0;
}

static int
set_err_from_lua(lua_State *L, struct erp_err *err, const char *what)
{
	const char	*m = lua_tostring(L, -1);

	err_set(err, "%s%s", what, m ? m : "error");
	lua_pop(L, 1);
	return -1;
}

/*
 * Runs the base and the fragments into the environment at env. Returns 0,
 * or -1 with err set.
 */
static int
load_base(lua_State *L, int env, struct erp_err *err)
{
	char	 chunk[80];
	size_t	 i;

	if (policy_sandbox_run(L, base_source, base_len, "=base.lua",
	    env) != LUA_OK)
		return set_err_from_lua(L, err, "");
	for (i = 0; i < nfragments; i++) {
		snprintf(chunk, sizeof(chunk), "=%s", fragments[i].name);
		if (policy_sandbox_run(L, fragments[i].source,
		    strlen(fragments[i].source), chunk, env) != LUA_OK)
			return set_err_from_lua(L, err, "");
	}
	return 0;
}

/* Pushes a shallow copy of the table at idx. */
static void
copy_table(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -4);
	}
}

/* extend(t, changes): a copy of t with changes applied (shallow). */
static int
extend(lua_State *L)
{
	int	 arg;

	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_settop(L, 2);
	lua_newtable(L);
	for (arg = 1; arg <= 2; arg++) {
		policy_sandbox_target(L, arg);	/* a view's table */
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, 3);
		}
		lua_pop(L, 1);
	}
	return 1;
}

/* env[name] must be a table or absent; -1 with err otherwise. */
static int
check_table(lua_State *L, int env, const char *name, struct erp_err *err)
{
	int	 t = lua_getfield(L, env, name);

	lua_pop(L, 1);
	if (t == LUA_TNIL || t == LUA_TTABLE)
		return 0;
	err_set(err, "policy: %s must be a table", name);
	return -1;
}

/* env[name] merged key by key: base's entries, then the org's. */
static void
merge_table(lua_State *L, int envb, int envo, const char *name)
{
	lua_newtable(L);
	for (int src = 0; src < 2; src++) {
		if (lua_getfield(L, src == 0 ? envb : envo, name) !=
		    LUA_TTABLE) {
			lua_pop(L, 1);
			continue;
		}
		/* envb's may be a read-only view by now: walk what it shows */
		policy_sandbox_target(L, -1);
		lua_remove(L, -2);
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, -5);
		}
		lua_pop(L, 1);
	}
}

/*
 * The decision on arguments 1-4 (subject, action, resource[, context]) as
 * the server would make it; replaces them with (allowed, reason).
 */
static void
test_decision(lua_State *L, struct policy *p)
{
	const char	*action = luaL_checkstring(L, 2);
	bool		 base = strncmp(action, "policy:", 7) == 0 ||
			    strncmp(action, "member:", 7) == 0;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 4);
	if (lua_isnil(L, 3))
		lua_newtable(L), lua_replace(L, 3);
	if (lua_isnil(L, 4)) {
		push_context(L, 0, "127.0.0.1", NULL);
		lua_replace(L, 4);
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, base ? p->po_allow0 : p->po_allow);
	lua_insert(L, 1);
	lua_call(L, 4, 2);
	if (lua_type(L, -2) != LUA_TBOOLEAN)
		luaL_error(L, "allow returned %s for %s, not a boolean",
		    luaL_typename(L, -2), action);
}

/* decide(subject, action, resource[, context]) inside tests. */
static int
test_decide(lua_State *L)
{
	test_decision(L, lua_touserdata(L, lua_upvalueindex(1)));
	return 2;
}

/* expect_allow / expect_deny (want): a decision the test states. */
static int
expect_decision(lua_State *L, bool want)
{
	struct policy	*p = lua_touserdata(L, lua_upvalueindex(1));
	char		 role[64], action[80];
	bool		 got;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "role");
	snprintf(role, sizeof(role), "%s", lua_type(L, -1) == LUA_TSTRING ?
	    lua_tostring(L, -1) : "(none)");
	lua_pop(L, 1);
	snprintf(action, sizeof(action), "%s", luaL_checkstring(L, 2));
	p->po_expects++;
	test_decision(L, p);
	got = lua_toboolean(L, -2);
	if (got == want)
		return 0;
	if (want)
		return luaL_error(L, "expected allow: role %s, %s was denied "
		    "(%s)", role, action, lua_isstring(L, -1) ?
		    lua_tostring(L, -1) : "no reason");
	return luaL_error(L, "expected deny: role %s, %s was allowed",
	    role, action);
}

static int
expect_allow(lua_State *L)
{
	return expect_decision(L, true);
}

static int
expect_deny(lua_State *L)
{
	return expect_decision(L, false);
}

/*
 * Validates the body at 2 as a create of the type at 1 with the schemas
 * in force. Returns the broken fields (the caller deletes them); raises
 * when the schema itself fails. The validation's steps are charged to
 * the test's budget.
 */
static cJSON *
test_validate(lua_State *L, struct policy *p, const char *fn)
{
	static const char *const reserved[] = { "id", "org_id",
	    "created_at", "updated_at", NULL };
	struct policy_budget	*b = policy_budget(L);
	const char		*type = luaL_checkstring(L, 1);
	struct erp_err		 err;
	cJSON			*body, *fields;
	int64_t			 steps = b->pb_steps, left;
	size_t			 limit = b->pb_limit;
	int			 rc;

	luaL_checktype(L, 2, LUA_TTABLE);
	p->po_expects++;
	if ((body = lua_json(L, 2, 0)) == NULL || !cJSON_IsObject(body)) {
		cJSON_Delete(body);
		luaL_error(L, "%s: the body must be a table of JSON values",
		    fn);
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, p->po_schemas);
	if (lua_getfield(L, -1, type) != LUA_TTABLE) {
		cJSON_Delete(body);
		luaL_error(L, "%s: no schema for %s", fn, type);
	}
	fields = cJSON_CreateArray();
	err.e_msg[0] = '\0';
	rc = policy_schema_validate(L, -1, body, false, reserved, fields,
	    &err);
	cJSON_Delete(body);
	lua_pop(L, 2);
	/* the validation had its own budget: charge what it used */
	left = steps - (POLICY_INSTRUCTIONS - b->pb_steps);
	policy_budget_start(L, left > 0 ? left : 1);
	b->pb_limit = limit;
	if (rc == 0 && left > 0)
		return fields;
	cJSON_Delete(fields);		/* before raising */
	if (left <= 0)
		policy_budget_charge(L, 1);
	luaL_error(L, "%s: the schema of %s failed: %s", fn, type, err.e_msg);
	return NULL;	/* not reached */
}

/* "sku: is not in the expected format; ..." into buf. */
static void
fields_text(const cJSON *fields, char *buf, size_t size)
{
	const cJSON	*e;
	size_t		 n = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(e, fields) {
		if (n >= size)
			break;
		n += (size_t)snprintf(buf + n, size - n, "%s%s: %s",
		    n > 0 ? "; " : "", cJSON_GetStringValue(
		    cJSON_GetObjectItem(e, "field")), cJSON_GetStringValue(
		    cJSON_GetObjectItem(e, "message")));
	}
}

/* expect_valid(type, body): the body passes the schema of type. */
static int
expect_valid(lua_State *L)
{
	struct policy	*p = lua_touserdata(L, lua_upvalueindex(1));
	cJSON		*fields = test_validate(L, p, "expect_valid");
	char		 why[POLICY_REASON_MAX];

	if (cJSON_GetArraySize(fields) == 0) {
		cJSON_Delete(fields);
		return 0;
	}
	fields_text(fields, why, sizeof(why));
	cJSON_Delete(fields);
	return luaL_error(L, "expected valid %s: %s", lua_tostring(L, 1), why);
}

/* expect_invalid(type, body, field): the schema refuses field. */
static int
expect_invalid(lua_State *L)
{
	struct policy	*p = lua_touserdata(L, lua_upvalueindex(1));
	const char	*name = luaL_checkstring(L, 3);
	const cJSON	*e;
	cJSON		*fields = test_validate(L, p, "expect_invalid");
	char		 why[POLICY_REASON_MAX];

	cJSON_ArrayForEach(e, fields)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e,
		    "field")), name) == 0) {
			cJSON_Delete(fields);
			return 0;
		}
	fields_text(fields, why, sizeof(why));
	cJSON_Delete(fields);
	if (why[0] == '\0')
		return luaL_error(L, "expected %s invalid on %s: the body "
		    "is valid", lua_tostring(L, 1), name);
	return luaL_error(L, "expected %s invalid on %s: only %s",
	    lua_tostring(L, 1), name, why);
}

/*
 * Pushes env's tests (a table, or nil) and counts them into *n, as stored
 * (no metamethod of the policy's runs). Returns: 0, or -1 with nothing pushed and err set
 * when tests is not a table or holds more than POLICY_TESTS_MAX.
 */
static int
tests_push(lua_State *L, int env, lua_Integer *n, struct erp_err *err)
{
	*n = 0;
	if (lua_getfield(L, env, "tests") == LUA_TNIL)
		return 0;
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		err_set(err, "policy: tests must be a list of functions");
		return -1;
	}
	policy_sandbox_target(L, -1);	/* a frozen one is a view */
	*n = (lua_Integer)lua_rawlen(L, -1);
	lua_pop(L, 1);
	if (*n > POLICY_TESTS_MAX) {
		lua_pop(L, 1);
		err_set(err, "policy: at most %d tests are allowed (tests "
		    "holds %lld)", POLICY_TESTS_MAX, (long long)*n);
		return -1;
	}
	return 0;
}

/*
 * Runs the tests of env in order. Each has the budget of one evaluation,
 * but never more than what the tests together have left of
 * POLICY_TESTS_INSTRUCTIONS. Returns: 0 when all passed, or -1 with err
 * naming the first that failed, or the shared budget when it ran out.
 */
static int
run_tests(struct policy *p, int env, struct erp_err *err)
{
	lua_State		*L = p->po_L;
	struct policy_budget	*b = policy_budget(L);
	lua_Integer		 i, n;
	int64_t			 left = POLICY_TESTS_INSTRUCTIONS, steps;
	int			 rc;
	bool			 over;

	if (tests_push(L, env, &n, err) == -1)
		return -1;
	if (n == 0) {
		lua_pop(L, 1);
		return 0;
	}
	for (i = 1; i <= n; i++) {
		lua_geti(L, -1, i);
		if (!lua_isfunction(L, -1)) {
			lua_pop(L, 2);
			err_set(err, "policy: tests[%lld] is not a function",
			    (long long)i);
			return -1;
		}
		p->po_expects = 0;
		steps = left < POLICY_INSTRUCTIONS ? left : POLICY_INSTRUCTIONS;
		policy_budget_start(L, steps);
		rc = policy_sandbox_call(L, 0, 0);
		over = rc != LUA_OK && b->pb_over_steps &&
		    steps < POLICY_INSTRUCTIONS;
		if (rc != LUA_OK && !over) {
			const char *m = lua_tostring(L, -1);

			err_set(err, "test %lld failed: %s", (long long)i,
			    m ? m : "error");
			lua_pop(L, 2);
			return -1;
		}
		/*
		 * Passed, so 0 < pb_steps <= steps. The hook counts whole
		 * POLICY_HOOK_EVERYs: round up, never down.
		 */
		if (!over)
			left -= steps - b->pb_steps + POLICY_HOOK_EVERY;
		if (over || left <= 0) {
			err_set(err, "policy: the tests' shared instruction "
			    "budget exceeded at test %lld (all tests together "
			    "may run %d instructions)", (long long)i,
			    POLICY_TESTS_INSTRUCTIONS);
			lua_pop(L, over ? 2 : 1);
			return -1;
		}
		if (p->po_expects == 0) {
			/* it passes whatever the policy decides */
			err_set(err, "test %lld failed: it states no "
			    "expectation (expect_allow, expect_deny, "
			    "expect_valid or expect_invalid)", (long long)i);
			lua_pop(L, 1);
			return -1;
		}
		p->po_tests++;
	}
	lua_pop(L, 1);
	return 0;
}

static int
require_function(lua_State *L, int env, const char *name, int *ref,
    struct erp_err *err)
{
	if (lua_getfield(L, env, name) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		err_set(err, "policy: %s must be a function", name);
		return -1;
	}
	*ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

/* Names an organization's policy may not replace (they stay the base's). */
static bool
base_only_name(const char *k)
{
	static const char *const names[] = { "base", "extend", "decide",
	    "permits", "password_ok", "roles", "schemas", "redact",
	    "expect_allow", "expect_deny", "expect_valid", "expect_invalid",
	    NULL };
	size_t	 i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(k, names[i]) == 0)
			return true;
	return false;
}

/*
 * Keeps the redact table in force (env.redact, a frozen view or nil) and
 * the sorted names of its types, so a type without a rule costs a binary
 * search and no Lua. Every entry must be a function.
 */
static int
redact_load(lua_State *L, int env, struct policy *p, struct erp_err *err)
{
	size_t	 cap = 0;

	if (lua_getfield(L, env, "redact") == LUA_TNIL) {
		lua_pop(L, 1);
		p->po_redact = LUA_NOREF;
		return 0;
	}
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		err_set(err, "policy: redact must be a table");
		return -1;
	}
	policy_sandbox_target(L, -1);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING ||
		    lua_type(L, -1) != LUA_TFUNCTION) {
			err_set(err, "policy: redact.%.60s must be a function "
			    "(subject, record) returning field names",
			    lua_type(L, -2) == LUA_TSTRING ?
			    lua_tostring(L, -2) : "?");
			lua_pop(L, 4);
			return -1;
		}
		if (p->po_nredact == cap) {
			cap = cap ? cap * 2 : 8;
			p->po_redact_types = xrealloc(p->po_redact_types,
			    cap * sizeof(char *));
		}
		p->po_redact_types[p->po_nredact++] =
		    xstrdup(lua_tostring(L, -2));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	if (p->po_nredact > 0)
		qsort(p->po_redact_types, p->po_nredact, sizeof(char *),
		    str_cmp);
	p->po_redact = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

/* The protected part of policy_compile, run by lua_pcall. */
struct compile_args {
	struct policy	*ca_p;
	const char	*ca_src;
	size_t		 ca_len;
	enum policy_mode ca_mode;
	struct erp_err	*ca_err;
	int		 ca_rc;
};

static int
compile_protected(lua_State *L)
{
	static const luaL_Reg	 test_fns[] = {
		{ "decide", test_decide },
		{ "expect_allow", expect_allow },
		{ "expect_deny", expect_deny },
		{ "expect_valid", expect_valid },
		{ "expect_invalid", expect_invalid },
	};
	struct compile_args	*a = lua_touserdata(L, 1);
	struct policy		*p = a->ca_p;
	int			 env0, envb, envo = 0;
	lua_Integer		 ntests;
	size_t			 i;

	a->ca_rc = -1;
	/* env0: the base alone (policy:*, member:*, password_ok) */
	policy_sandbox_env(L);
	env0 = lua_gettop(L);
	push_permits(L, p, true);
	lua_setfield(L, env0, "permits");
	lua_pushcfunction(L, extend);
	lua_setfield(L, env0, "extend");
	if (load_base(L, env0, a->ca_err) == -1)
		return 0;
	lua_getfield(L, env0, "roles");
	if (roleset_load(L, -1, &p->po_base, a->ca_err) == -1)
		return 0;
	lua_pop(L, 1);

	/* envb: the base again, whose functions will see the merged names */
	policy_sandbox_env(L);
	envb = lua_gettop(L);
	push_permits(L, p, false);
	lua_setfield(L, envb, "permits");
	lua_pushcfunction(L, extend);
	lua_setfield(L, envb, "extend");
	if (load_base(L, envb, a->ca_err) == -1)
		return 0;

	if (a->ca_src != NULL) {
		policy_sandbox_env(L);
		envo = lua_gettop(L);
		/*
		 * base: the base's definitions as loaded, read-only. Its
		 * functions run in envb, so they see the merged result.
		 */
		copy_table(L, envb);
		policy_sandbox_freeze(L, -1);
		lua_remove(L, -2);
		lua_setfield(L, envo, "base");
		lua_pushcfunction(L, extend);
		lua_setfield(L, envo, "extend");
		push_permits(L, p, false);
		lua_setfield(L, envo, "permits");
		copy_table(L, envo);	/* what the policy found, to compare */
		if (policy_sandbox_run(L, a->ca_src, a->ca_len, "=policy",
		    envo) != LUA_OK) {
			set_err_from_lua(L, a->ca_err, "");
			return 0;
		}
		if (a->ca_mode != POLICY_STORED &&
		    policy_check_names(L, envo, -1, a->ca_err) == -1)
			return 0;
		lua_pop(L, 1);
		/* roles and schemas key by key; other names replace */
		if (check_table(L, envo, "roles", a->ca_err) == -1 ||
		    check_table(L, envo, "schemas", a->ca_err) == -1 ||
		    check_table(L, envo, "redact", a->ca_err) == -1)
			return 0;
		lua_getfield(L, envo, "allow");
		p->po_own_allow = !lua_isnil(L, -1);
		lua_pop(L, 1);
		if (a->ca_mode != POLICY_STORED) {
			lua_getfield(L, envb, "schemas");
			lua_getfield(L, envo, "schemas");
			if (policy_schema_check(L, -1, a->ca_err) == -1 ||
			    policy_check_schemas(L, -2, -1, a->ca_err) == -1)
				return 0;
			lua_pop(L, 2);
			lua_getfield(L, envo, "roles");
			if (policy_check_roles(L, -1, a->ca_err) == -1)
				return 0;
			/* a dry-run runs no tests but refuses what PUT would */
			if (tests_push(L, envo, &ntests, a->ca_err) == -1)
				return 0;
			lua_pop(L, 2);
		}
		merge_table(L, envb, envo, "roles");
		lua_pushvalue(L, -1);
		lua_setfield(L, envo, "roles");
		lua_setfield(L, envb, "roles");
		merge_table(L, envb, envo, "schemas");
		lua_pushvalue(L, -1);
		lua_setfield(L, envo, "schemas");
		lua_setfield(L, envb, "schemas");
		merge_table(L, envb, envo, "redact");
		lua_pushvalue(L, -1);
		lua_setfield(L, envo, "redact");
		lua_setfield(L, envb, "redact");
		lua_pushnil(L);
		while (lua_next(L, envo)) {
			if (lua_type(L, -2) == LUA_TSTRING &&
			    !base_only_name(lua_tostring(L, -2))) {
				lua_pushvalue(L, -2);
				lua_insert(L, -2);
				lua_rawset(L, envb);
			} else
				lua_pop(L, 1);
		}
	}
	lua_getfield(L, envb, "roles");
	if (roleset_load(L, -1, &p->po_roles, a->ca_err) == -1)
		return 0;
	lua_pop(L, 1);

	/* tests may call these; then nothing may change any more */
	for (i = 0; i < nitems(test_fns); i++) {
		lua_pushlightuserdata(L, p);
		lua_pushcclosure(L, test_fns[i].func, 1);
		lua_setfield(L, envo ? envo : env0, test_fns[i].name);
	}
	if (require_function(L, env0, "allow", &p->po_allow0,
	    a->ca_err) == -1 ||
	    require_function(L, env0, "password_ok", &p->po_pwok,
	    a->ca_err) == -1 ||
	    require_function(L, envb, "allow", &p->po_allow, a->ca_err) == -1)
		return 0;
	if (lua_getfield(L, envb, "schemas") != LUA_TTABLE) {
		err_set(a->ca_err, "policy: schemas must be a table");
		return 0;
	}
	lua_pop(L, 1);
	policy_sandbox_freeze(L, env0);
	policy_sandbox_freeze(L, envb);
	if (envo)
		policy_sandbox_freeze(L, envo);
	lua_getfield(L, envb, "schemas");	/* the frozen view now */
	p->po_schemas = luaL_ref(L, LUA_REGISTRYINDEX);
	if (redact_load(L, envb, p, a->ca_err) == -1)
		return 0;
	lua_settop(L, envo ? envo : envb);
	if (a->ca_mode == POLICY_UPLOAD && run_tests(p, envo ? envo : env0, a->ca_err) == -1)
		return 0;
	a->ca_rc = 0;
	return 0;
}

/*
 * Trial decisions before a policy goes live: every role in force on every
 * recorded action, on a record without attributes (as lists are decided).
 * An answer that is not a boolean, or a run over the budget, refuses the
 * policy; other errors may come from rules on attributes a trial record
 * lacks and are left to the real requests. Bounded in decisions and in
 * instructions altogether, so a slow policy cannot make this slow.
 */
static int
sweep(struct policy *p, struct erp_err *err)
{
	struct policy_budget	*b = policy_budget(p->po_L);
	struct policy_subject	 sub = { 1, "user", NULL, false };
	struct policy_resource	 res = { .pr_org_id = 1 };
	struct policy_decision	 d;
	const char *const	*acts;
	char			 type[80];
	size_t			 nacts, r, i, n = 0;
	int64_t			 spent = 0;

	acts = policy_actions(&nacts);
	for (r = 0; r < p->po_roles.rs_n; r++)
		for (i = 0; i < nacts; i++) {
			if (++n > SWEEP_MAX || spent > SWEEP_STEPS)
				return 0;
			sub.ps_role = p->po_roles.rs_v[r].ro_name;
			snprintf(type, sizeof(type), "%.*s",
			    (int)strcspn(acts[i], ":"), acts[i]);
			res.pr_type = type;
			policy_decide(p, &sub, acts[i], &res, 0, "127.0.0.1",
			    &d);
			spent += POLICY_INSTRUCTIONS - b->pb_steps;
			if (d.pd_error && (strstr(d.pd_reason,
			    "not a boolean") != NULL || strstr(d.pd_reason,
			    "budget") != NULL)) {
				err_set(err, "policy: a trial decision (role "
				    "%.60s, %s) failed: %s; allow must answer "
				    "true or false", sub.ps_role, acts[i],
				    d.pd_reason);
				return -1;
			}
		}
	return 0;
}

struct policy *
policy_compile(const char *src, size_t len, enum policy_mode mode,
    struct erp_err *err)
{
	struct compile_args	 a = { 0 };
	struct policy_subject	 sub = { 1, "user", "viewer", false };
	struct policy_resource	 res = { .pr_type = "product",
				    .pr_org_id = 1, .pr_id = 1 };
	struct policy_decision	 d;
	struct policy		*p;
	lua_State		*L;

	if (base_source == NULL) {
		err_set(err, "policy: the base policy is not loaded");
		return NULL;
	}
	if (src != NULL && len > POLICY_SOURCE_MAX) {
		err_set(err, "policy: source larger than %d bytes",
		    POLICY_SOURCE_MAX);
		return NULL;
	}
	if ((L = policy_sandbox_new(POLICY_MEMORY * 4)) == NULL) {
		err_set(err, "policy: out of memory");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->po_L = L;
	a.ca_p = p;
	a.ca_src = src;
	a.ca_len = len;
	a.ca_mode = mode;
	a.ca_err = err;
	policy_budget_start(L, POLICY_INSTRUCTIONS * 4);
	lua_pushcfunction(L, compile_protected);
	lua_pushlightuserdata(L, &a);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		set_err_from_lua(L, err, "policy: ");
		a.ca_rc = -1;
	}
	lua_sethook(L, NULL, 0, 0);
	lua_settop(L, 0);
	if (a.ca_rc == 0) {
		/* a smoke evaluation, within budget */
		policy_decide(p, &sub, "product:read", &res, 0, "127.0.0.1",
		    &d);
		if (d.pd_error) {
			err_set(err, "policy: a trial decision failed: %s",
			    d.pd_reason);
			a.ca_rc = -1;
		} else if (mode != POLICY_STORED && sweep(p, err) == -1)
			a.ca_rc = -1;
	}
	if (a.ca_rc == -1) {
		policy_free(p);
		return NULL;
	}
	lua_gc(L, LUA_GCCOLLECT);
	/*
	 * Generational: a decision's few tables die young, and the large,
	 * frozen policy is old; the incremental collector kept traversing
	 * all of it (about half of a decision's cost, measured).
	 */
	lua_gc(L, LUA_GCGEN, 0, 0);
	return p;
}

size_t
policy_memory(struct policy *p)
{
	return policy_budget(p->po_L)->pb_used;
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	policy_sandbox_close(p->po_L);
	for (size_t i = 0; i < p->po_nredact; i++)
		free(p->po_redact_types[i]);
	free(p->po_redact_types);
	roleset_free(&p->po_base);
	roleset_free(&p->po_roles);
	free(p);
}

/* Deciding -------------------------------------------------------------- */

struct decide_args {
	struct policy			*da_p;
	const struct policy_subject	*da_sub;
	const char			*da_action;
	const struct policy_resource	*da_res;
	int64_t				 da_now;
	const char			*da_ip;
	bool				 da_base;
};

/* Pushes subject as allow() and redact functions see it. */
static void
push_subject(lua_State *L, const struct policy_subject *s)
{
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, s->ps_id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, s->ps_kind);
	lua_setfield(L, -2, "kind");
	if (s->ps_role != NULL) {
		lua_pushstring(L, s->ps_role);
		lua_setfield(L, -2, "role");
	}
	lua_pushboolean(L, s->ps_is_admin);
	lua_setfield(L, -2, "is_admin");
}

/* Builds the arguments and calls allow; run by policy_sandbox_call. */
static int
decide_protected(lua_State *L)
{
	struct decide_args		*a = lua_touserdata(L, 1);
	const struct policy_subject	*s = a->da_sub;
	const struct policy_resource	*r = a->da_res;

	lua_rawgeti(L, LUA_REGISTRYINDEX, a->da_base ? a->da_p->po_allow0 :
	    a->da_p->po_allow);
	push_subject(L, s);
	lua_pushstring(L, a->da_action);
	if (r != NULL && r->pr_attrs != NULL && cJSON_IsObject(r->pr_attrs))
		push_json(L, r->pr_attrs, 0);
	else
		lua_createtable(L, 0, 3);
	if (r != NULL) {
		lua_pushstring(L, r->pr_type);
		lua_setfield(L, -2, "type");
		if (r->pr_org_id != 0) {
			lua_pushinteger(L, r->pr_org_id);
			lua_setfield(L, -2, "org_id");
		}
		if (r->pr_id != 0) {
			lua_pushinteger(L, r->pr_id);
			lua_setfield(L, -2, "id");
		}
	}
	push_context(L, a->da_now, a->da_ip, r);
	lua_call(L, 4, 2);
	return 2;
}

/* The decision, traced when t is not NULL (policy_explain). */
static void
decide(struct policy *p, const struct policy_subject *sub,
    const char *action, const struct policy_resource *res, int64_t now,
    const char *ip, struct policy_trace *t, struct policy_decision *out)
{
	struct decide_args	 a = { p, sub, action, res, now, ip, false };
	lua_State		*L;
	int			 top;

	memset(out, 0, sizeof(*out));
	if (p == NULL) {
		out->pd_error = true;
		snprintf(out->pd_reason, sizeof(out->pd_reason),
		    "no policy in force");
		return;
	}
	L = p->po_L;
	top = lua_gettop(L);
	a.da_base = strncmp(action, "policy:", 7) == 0 ||
	    strncmp(action, "member:", 7) == 0;
	p->po_match[0] = '\0';
	if (t != NULL)
		policy_sandbox_trace(L, t);
	policy_budget_start(L, POLICY_INSTRUCTIONS);
	lua_pushcfunction(L, decide_protected);
	lua_pushlightuserdata(L, &a);
	if (policy_sandbox_call(L, 1, 2) != LUA_OK) {
		out->pd_error = true;
		snprintf(out->pd_reason, sizeof(out->pd_reason),
		    "policy error: %s", lua_tostring(L, -1) ?
		    lua_tostring(L, -1) : "?");
	} else if (lua_type(L, -2) != LUA_TBOOLEAN) {
		out->pd_error = true;
		snprintf(out->pd_reason, sizeof(out->pd_reason),
		    "policy error: allow returned %s, not a boolean",
		    luaL_typename(L, -2));
	} else {
		out->pd_allow = lua_toboolean(L, -2);
		if (!out->pd_allow)
			snprintf(out->pd_reason, sizeof(out->pd_reason), "%s",
			    lua_type(L, -1) == LUA_TSTRING ?
			    lua_tostring(L, -1) : "denied by policy");
	}
	if (t != NULL)
		policy_sandbox_trace(L, NULL);
	lua_settop(L, top);
	if (out->pd_error)
		return;
	/*
	 * matched: the pattern that allowed; "allow" when an allow of the
	 * organization's (or, traced, any allow) decided on something else;
	 * empty when nothing matched and the default deny applied.
	 */
	if (t != NULL && t->pt_line > 0) {
		out->pd_line = t->pt_line;
		snprintf(out->pd_chunk, sizeof(out->pd_chunk), "%s",
		    t->pt_chunk);
	}
	if (t != NULL && strcmp(t->pt_chunk, "policy") == 0 && !a.da_base)
		snprintf(out->pd_matched, sizeof(out->pd_matched), "allow");
	else if (out->pd_allow && p->po_match[0] != '\0')
		snprintf(out->pd_matched, sizeof(out->pd_matched), "%s",
		    p->po_match);
	else if (t == NULL && p->po_own_allow && !a.da_base)
		snprintf(out->pd_matched, sizeof(out->pd_matched), "allow");
	else if (out->pd_allow || p->po_match[0] != '\0')
		snprintf(out->pd_matched, sizeof(out->pd_matched), "allow");
}

void
policy_decide(struct policy *p, const struct policy_subject *sub,
    const char *action, const struct policy_resource *res, int64_t now,
    const char *ip, struct policy_decision *out)
{
	decide(p, sub, action, res, now, ip, NULL, out);
}

void
policy_explain(struct policy *p, const struct policy_subject *sub,
    const char *action, const struct policy_resource *res, int64_t now,
    const char *ip, struct policy_decision *out)
{
	struct policy_trace	 t;

	decide(p, sub, action, res, now, ip, &t, out);
}

size_t
policy_tests_passed(const struct policy *p)
{
	return p->po_tests;
}

/* Redaction ------------------------------------------------------------- */

bool
policy_has_redact(const struct policy *p, const char *type)
{
	return p != NULL && p->po_nredact > 0 && bsearch(&type,
	    p->po_redact_types, p->po_nredact, sizeof(char *), str_cmp) !=
	    NULL;
}

struct redact_args {
	struct policy			*ra_p;
	const struct policy_subject	*ra_sub;
	const char			*ra_type;
	const cJSON			*ra_record;
	cJSON				*ra_out;
	int				 ra_rc;
};

/* Calls redact[type](subject, record) and reads the names it returns. */
static int
redact_protected(lua_State *L)
{
	struct redact_args	*a = lua_touserdata(L, 1);
	lua_Integer		 i, n;

	lua_rawgeti(L, LUA_REGISTRYINDEX, a->ra_p->po_redact);
	lua_getfield(L, -1, a->ra_type);
	push_subject(L, a->ra_sub);
	if (cJSON_IsObject(a->ra_record))
		push_json(L, a->ra_record, 0);
	else
		lua_createtable(L, 0, 1);
	lua_pushstring(L, a->ra_type);
	lua_setfield(L, -2, "type");
	lua_call(L, 2, 1);
	if (lua_isnil(L, -1)) {
		a->ra_rc = 0;
		return 0;
	}
	if (!lua_istable(L, -1))
		return luaL_error(L, "redact.%s returned %s, not a list of "
		    "field names", a->ra_type, luaL_typename(L, -1));
	n = (lua_Integer)luaL_len(L, -1);
	for (i = 1; i <= n; i++) {
		if (lua_geti(L, -1, i) != LUA_TSTRING)
			return luaL_error(L, "redact.%s returned a list "
			    "holding %s, not a field name", a->ra_type,
			    luaL_typename(L, -1));
		cJSON_AddItemToArray(a->ra_out, cJSON_CreateString(
		    lua_tostring(L, -1)));
		lua_pop(L, 1);
	}
	a->ra_rc = 0;
	return 0;
}

int
policy_redacted(struct policy *p, const struct policy_subject *sub,
    const char *type, const cJSON *record, cJSON *out)
{
	struct redact_args	 a = { p, sub, type, record, out, -1 };
	lua_State		*L;
	int			 top, n0 = cJSON_GetArraySize(out);

	if (!policy_has_redact(p, type))
		return 0;
	L = p->po_L;
	top = lua_gettop(L);
	policy_budget_start(L, POLICY_INSTRUCTIONS);
	lua_pushcfunction(L, redact_protected);
	lua_pushlightuserdata(L, &a);
	if (policy_sandbox_call(L, 1, 0) != LUA_OK) {
		log_warn("policy: redact.%s failed: %s", type,
		    lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
		a.ra_rc = -1;
		while (cJSON_GetArraySize(out) > n0)
			cJSON_DeleteItemFromArray(out,
			    cJSON_GetArraySize(out) - 1);
	}
	lua_settop(L, top);
	return a.ra_rc;
}

/* Queries --------------------------------------------------------------- */

struct pw_args {
	struct policy	*pw_p;
	const char	*pw_password;
	const char	*pw_email;
};

static int
password_protected(lua_State *L)
{
	struct pw_args	*a = lua_touserdata(L, 1);

	lua_rawgeti(L, LUA_REGISTRYINDEX, a->pw_p->po_pwok);
	lua_pushstring(L, a->pw_password);
	lua_createtable(L, 0, 1);
	if (a->pw_email != NULL) {
		lua_pushstring(L, a->pw_email);
		lua_setfield(L, -2, "email");
	}
	lua_call(L, 2, 2);
	return 2;
}

bool
policy_password_ok(struct policy *p, const char *password, const char *email,
    char *why, size_t whylen)
{
	struct pw_args	 a = { p, password, email };
	lua_State	*L = p->po_L;
	int		 top = lua_gettop(L);
	bool		 ok = false;

	policy_budget_start(L, POLICY_INSTRUCTIONS);
	lua_pushcfunction(L, password_protected);
	lua_pushlightuserdata(L, &a);
	if (policy_sandbox_call(L, 1, 2) != LUA_OK) {
		log_error("policy: password_ok failed: %s",
		    lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
		snprintf(why, whylen, "cannot be checked right now");
	} else if (lua_toboolean(L, -2))
		ok = true;
	else
		snprintf(why, whylen, "%s", lua_type(L, -1) == LUA_TSTRING ?
		    lua_tostring(L, -1) : "is not allowed");
	lua_settop(L, top);
	return ok;
}

cJSON *
policy_roles_json(struct policy *p)
{
	cJSON	*items = cJSON_CreateArray(), *o, *perms;
	size_t	 i, k;

	for (i = 0; i < p->po_roles.rs_n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", p->po_roles.rs_v[i].ro_name);
		perms = cJSON_AddArrayToObject(o, "permissions");
		for (k = 0; p->po_roles.rs_v[i].ro_pats[k] != NULL; k++)
			cJSON_AddItemToArray(perms, cJSON_CreateString(
			    p->po_roles.rs_v[i].ro_pats[k]));
		cJSON_AddItemToArray(items, o);
	}
	return items;
}

const char *const *
policy_role_patterns(struct policy *p, const char *role, bool base_only)
{
	const struct role	*ro;

	ro = roleset_find(base_only ? &p->po_base : &p->po_roles, role);
	return ro ? (const char *const *)ro->ro_pats : NULL;
}

struct validate_args {
	struct policy		*va_p;
	const char		*va_type;
	const cJSON		*va_body;
	bool			 va_patch;
	const char *const	*va_reserved;
	cJSON			*va_fields;
	struct erp_err		*va_err;
	int			 va_rc;
};

static int
validate_protected(lua_State *L)
{
	struct validate_args	*a = lua_touserdata(L, 1);

	lua_rawgeti(L, LUA_REGISTRYINDEX, a->va_p->po_schemas);
	if (lua_getfield(L, -1, a->va_type) != LUA_TTABLE) {
		err_set(a->va_err, "schemas.%s: no such schema", a->va_type);
		a->va_rc = -1;
		return 0;
	}
	a->va_rc = policy_schema_validate(L, lua_gettop(L), a->va_body,
	    a->va_patch, a->va_reserved, a->va_fields, a->va_err);
	return 0;
}

bool
policy_role_covers(struct policy *p, const char *have, const char *want,
    const char **missing)
{
	const char *const	*h = NULL, *const *w;
	size_t			 i, k;

	*missing = NULL;
	if ((w = policy_role_patterns(p, want, false)) == NULL)
		return false;
	if (have != NULL)
		h = policy_role_patterns(p, have, false);
	for (i = 0; w[i] != NULL; i++) {
		for (k = 0; h != NULL && h[k] != NULL; k++)
			if (policy_perm_covers(h[k], w[i]))
				break;
		if (h == NULL || h[k] == NULL) {
			*missing = w[i];
			return false;
		}
	}
	return true;
}

int
policy_validate(struct policy *p, const char *type, const cJSON *body,
    bool patch, const char *const *reserved, cJSON *fields,
    struct erp_err *err)
{
	struct validate_args	 a = { p, type, body, patch, reserved, fields,
				    err, -1 };
	lua_State		*L = p->po_L;
	int			 top = lua_gettop(L);

	policy_budget_start(L, POLICY_INSTRUCTIONS);
	lua_pushcfunction(L, validate_protected);
	lua_pushlightuserdata(L, &a);
	if (policy_sandbox_call(L, 1, 0) != LUA_OK) {
		err_set(err, "schemas.%s: %s", type, lua_tostring(L, -1) ?
		    lua_tostring(L, -1) : "?");
		a.va_rc = -1;
	}
	lua_settop(L, top);
	return a.va_rc;
}

bool
policy_has_schema(struct policy *p, const char *type)
{
	lua_State	*L = p->po_L;
	bool		 has;

	lua_rawgeti(L, LUA_REGISTRYINDEX, p->po_schemas);
	/* a view: its target holds the names */
	has = lua_getfield(L, -1, type) == LUA_TTABLE;
	lua_pop(L, 2);
	return has;
}

cJSON *
policy_schemas_json(struct policy *p, bool whole)
{
	lua_State	*L = p->po_L;
	int		 top = lua_gettop(L);
	cJSON		*out = cJSON_CreateObject();

	lua_rawgeti(L, LUA_REGISTRYINDEX, p->po_schemas);
	if (policy_schema_describe(L, -1, whole, out) == -1) {
		cJSON_Delete(out);
		out = NULL;
	}
	lua_settop(L, top);
	return out;
}
