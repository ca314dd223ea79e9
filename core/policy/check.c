/*
 * Upload checks: what an organization's policy may not do to the base
 * (docs/policies.md), checked when a policy is uploaded (PUT, dry-run
 * with a source, erpd policy check) before it can go live. Each refusal
 * names the item, for the 422 policy_invalid message.
 *
 * Schemas: an organization may add rules or tighten the base's, never
 * change a base field's type nor loosen min, max, min_len, max_len,
 * min_items, max_items, enum or nullable, so a value a module stores
 * always has its base type and bounds.
 *
 * Names: an organization defines roles, schemas, allow, redact and tests
 * and nothing else (password_ok stays the base's; anything else would be
 * silently ignored). Roles: each pattern names an action that the core
 * or a loaded module defines, so a typo cannot grant nothing quietly.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "policy/policy.h"

#define CHECK_DEPTH	16	/* nested items/fields followed */

/* One walk: the state, where it is (for the message) and the verdict. */
struct check {
	lua_State	*ck_L;
	struct erp_err	*ck_err;
	char		 ck_path[256];	/* "schemas.order.lines[].quantity" */
};

/* Pushes t[key] as stored (through a read-only view). Returns its type. */
static int
raw_field(lua_State *L, int t, const char *key)
{
	policy_sandbox_target(L, t);
	lua_pushstring(L, key);
	lua_rawget(L, -2);
	lua_remove(L, -2);
	return lua_type(L, -1);
}

size_t
policy_path_add(char *path, size_t size, const char *sep, const char *s)
{
	size_t	 len = strlen(path);

	snprintf(path + len, size - len, "%s%s", sep, s);
	return len;
}

static size_t
path_add(struct check *c, const char *sep, const char *s)
{
	return policy_path_add(c->ck_path, sizeof(c->ck_path), sep, s);
}

/*
 * The bound key of org's rule must be a number at least as tight as the
 * base's (upper: at most; else at least) when the base has one.
 */
static int
bound(struct check *c, int base, int org, const char *key, bool upper)
{
	lua_State	*L = c->ck_L;
	lua_Number	 b, o;
	int		 ot;

	if (raw_field(L, base, key) != LUA_TNUMBER) {
		lua_pop(L, 1);
		return 0;
	}
	b = lua_tonumber(L, -1);
	ot = raw_field(L, org, key);
	o = lua_tonumber(L, -1);
	lua_pop(L, 2);
	if (ot != LUA_TNUMBER) {
		err_set(c->ck_err, "policy: %s: the base's %s = %.17g may "
		    "not be dropped", c->ck_path, key, (double)b);
		return -1;
	}
	if (upper ? o > b : o < b) {
		err_set(c->ck_err, "policy: %s: %s = %.17g loosens the base's "
		    "%.17g", c->ck_path, key, (double)o, (double)b);
		return -1;
	}
	return 0;
}

/* Whether the value at -1 is one of the list at index list. */
static bool
in_list(lua_State *L, int list)
{
	bool	 found = false;

	policy_sandbox_target(L, list);
	lua_pushnil(L);
	while (!found && lua_next(L, -2)) {
		found = lua_rawequal(L, -1, -4);
		lua_pop(L, 1);
	}
	if (found)
		lua_pop(L, 1);		/* the key next stopped at */
	lua_pop(L, 1);
	return found;
}

/* org's enum must be a list of values of the base's enum, if it has one. */
static int
enum_subset(struct check *c, int base, int org)
{
	lua_State	*L = c->ck_L;
	int		 be, oe, rc = 0;

	if (raw_field(L, base, "enum") != LUA_TTABLE) {
		lua_pop(L, 1);
		return 0;
	}
	be = lua_gettop(L);
	if (raw_field(L, org, "enum") != LUA_TTABLE) {
		err_set(c->ck_err, "policy: %s: the base's enum may not be "
		    "dropped", c->ck_path);
		lua_settop(L, be - 1);
		return -1;
	}
	oe = lua_gettop(L);
	policy_sandbox_target(L, oe);
	lua_pushnil(L);
	while (rc == 0 && lua_next(L, -2)) {
		if (!in_list(L, be)) {
			err_set(c->ck_err, "policy: %s: enum value %s is not "
			    "in the base's enum", c->ck_path,
			    luaL_tolstring(L, -1, NULL));
			rc = -1;
		}
		lua_pop(L, 1);
	}
	lua_settop(L, be - 1);
	return rc;
}

static int	rule(struct check *, int base, int org, int depth);

/*
 * Every field of the base's field table bf that the org's table of keeps
 * follows the base's rule (a field it leaves out cannot be sent at all).
 */
static int
field_table(struct check *c, int bf, int of, int depth)
{
	lua_State	*L = c->ck_L;
	int		 top = lua_gettop(L), rc = 0;
	size_t		 cut;

	policy_sandbox_target(L, bf);
	lua_pushnil(L);
	while (rc == 0 && lua_next(L, -2)) {
		/* -1 the base's rule, -2 the field's name */
		if (lua_type(L, -2) == LUA_TSTRING) {
			if (raw_field(L, of, lua_tostring(L, -2)) !=
			    LUA_TNIL) {
				cut = path_add(c, ".", lua_tostring(L, -3));
				rc = rule(c, lua_gettop(L) - 1,
				    lua_gettop(L), depth + 1);
				c->ck_path[cut] = '\0';
			}
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	lua_settop(L, top);
	return rc;
}

/* An object rule's fields: the org's rule must keep a table of them. */
static int
fields(struct check *c, int base, int org, int depth)
{
	lua_State	*L = c->ck_L;
	int		 top = lua_gettop(L), rc;

	if (raw_field(L, base, "fields") != LUA_TTABLE) {
		lua_settop(L, top);
		return 0;
	}
	if (raw_field(L, org, "fields") != LUA_TTABLE) {
		err_set(c->ck_err, "policy: %s: the base's fields may not be "
		    "dropped", c->ck_path);
		lua_settop(L, top);
		return -1;
	}
	rc = field_table(c, top + 1, top + 2, depth);
	lua_settop(L, top);
	return rc;
}

/* org's rule for a base field keeps its type and tightens its bounds. */
static int
rule(struct check *c, int base, int org, int depth)
{
	static const char *const lower[] = { "min", "min_len", "min_items" };
	static const char *const upper[] = { "max", "max_len", "max_items" };
	lua_State		*L = c->ck_L;
	const char		*bt, *ot;
	size_t			 i, cut;
	int			 top = lua_gettop(L), rc;

	if (lua_type(L, base) != LUA_TTABLE)
		return 0;		/* the base's own check says so */
	if (lua_type(L, org) != LUA_TTABLE) {
		err_set(c->ck_err, "policy: %s: a rule must be a table",
		    c->ck_path);
		return -1;
	}
	if (depth > CHECK_DEPTH) {
		err_set(c->ck_err, "policy: %s: rules nested too deep",
		    c->ck_path);
		return -1;
	}
	luaL_checkstack(L, 16, "schema check");
	raw_field(L, base, "type");
	raw_field(L, org, "type");
	bt = lua_tostring(L, -2);
	ot = lua_tostring(L, -1);
	if (lua_type(L, -2) == LUA_TSTRING && (lua_type(L, -1) !=
	    LUA_TSTRING || strcmp(bt, ot) != 0)) {
		err_set(c->ck_err, "policy: %s: the type may not change "
		    "from the base's %s", c->ck_path, bt);
		lua_settop(L, top);
		return -1;
	}
	lua_settop(L, top);
	for (i = 0; i < sizeof(lower) / sizeof(lower[0]); i++)
		if (bound(c, base, org, lower[i], false) == -1 ||
		    bound(c, base, org, upper[i], true) == -1)
			return -1;
	if (enum_subset(c, base, org) == -1)
		return -1;
	raw_field(L, base, "nullable");
	raw_field(L, org, "nullable");
	rc = !lua_toboolean(L, -2) && lua_toboolean(L, -1) ? -1 : 0;
	lua_settop(L, top);
	if (rc == -1) {
		err_set(c->ck_err, "policy: %s: nullable loosens the base's "
		    "rule", c->ck_path);
		return -1;
	}
	if (raw_field(L, base, "items") == LUA_TTABLE) {
		cut = path_add(c, "", "[]");
		raw_field(L, org, "items");
		rc = rule(c, top + 1, top + 2, depth + 1);
		c->ck_path[cut] = '\0';
		lua_settop(L, top);
		if (rc == -1)
			return -1;
	}
	lua_settop(L, top);
	return fields(c, base, org, depth);
}

int
policy_check_schemas(lua_State *L, int base, int org, struct erp_err *err)
{
	struct check	 c = { L, err, "" };
	int		 top = lua_gettop(L), ot, rc = 0;

	base = lua_absindex(L, base);
	org = lua_absindex(L, org);
	if (lua_type(L, base) != LUA_TTABLE || lua_type(L, org) != LUA_TTABLE)
		return 0;
	luaL_checkstack(L, 16, "schema check");
	policy_sandbox_target(L, base);
	lua_pushnil(L);
	while (rc == 0 && lua_next(L, -2)) {
		/* -1 the base's fields of a type, -2 the type */
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) !=
		    LUA_TTABLE) {
			lua_pop(L, 1);
			continue;
		}
		ot = raw_field(L, org, lua_tostring(L, -2));
		if (ot == LUA_TTABLE) {
			snprintf(c.ck_path, sizeof(c.ck_path), "schemas.%s",
			    lua_tostring(L, -3));
			rc = field_table(&c, lua_gettop(L) - 1,
			    lua_gettop(L), 0);
		}
		lua_pop(L, 2);
	}
	lua_settop(L, top);
	return rc;
}

/* Names ------------------------------------------------------------------ */

int
policy_check_names(lua_State *L, int env, int before, struct erp_err *err)
{
	static const char *const ours[] = { "roles", "schemas", "allow",
	    "redact", "tests" };
	static const char *const theirs[] = { "password_ok", "base",
	    "extend", "permits", "decide", "expect_allow", "expect_deny",
	    "expect_valid", "expect_invalid" };
	const char	*k;
	size_t		 i;
	int		 top = lua_gettop(L);

	env = lua_absindex(L, env);
	before = lua_absindex(L, before);
	lua_pushnil(L);
	while (lua_next(L, env)) {
		/* a name the policy set: new, or not what the sandbox had */
		lua_pushvalue(L, -2);
		lua_rawget(L, before);
		if (lua_type(L, -3) != LUA_TSTRING || lua_rawequal(L, -1, -2)) {
			lua_pop(L, 2);
			continue;
		}
		k = lua_tostring(L, -3);
		for (i = 0; i < nitems(ours); i++)
			if (strcmp(k, ours[i]) == 0)
				break;
		if (i < nitems(ours)) {
			lua_pop(L, 2);
			continue;
		}
		for (i = 0; i < nitems(theirs); i++)
			if (strcmp(k, theirs[i]) == 0)
				break;
		if (i < nitems(theirs))
			err_set(err, "policy: %s may not be defined by an "
			    "organization's policy (the base's applies)", k);
		else
			err_set(err, "policy: %.60s is not a name a policy "
			    "defines (roles, schemas, allow, redact, tests); "
			    "make helpers local", k);
		lua_settop(L, top);
		return -1;
	}
	return 0;
}

/* Actions ---------------------------------------------------------------- */

static char	**actions;	/* what the core and the modules check */
static size_t	  nactions;

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
policy_engine_add_action(const char *action)
{
	if (action == NULL || !policy_perm_valid(action) ||
	    (nactions > 0 && bsearch(&action, actions, nactions,
	    sizeof(*actions), str_cmp) != NULL))
		return;
	actions = xrealloc(actions, (nactions + 1) * sizeof(*actions));
	actions[nactions++] = xstrdup(action);
	qsort(actions, nactions, sizeof(*actions), str_cmp);
}

const char *const *
policy_actions(size_t *n)
{
	*n = nactions;
	return (const char *const *)actions;
}

/* Does pattern cover at least one action? (Always, before any is known.) */
static bool
names_an_action(const char *pattern)
{
	size_t	 i;

	if (nactions == 0 || strcmp(pattern, "*") == 0)
		return true;
	for (i = 0; i < nactions; i++)
		if (policy_perm_match(pattern, actions[i]))
			return true;
	return false;
}

int
policy_check_roles(lua_State *L, int roles, struct erp_err *err)
{
	const char	*pat;
	lua_Integer	 i, n;
	int		 top = lua_gettop(L);

	roles = lua_absindex(L, roles);
	if (lua_type(L, roles) != LUA_TTABLE)
		return 0;	/* nil, or the merge says what is wrong */
	policy_sandbox_target(L, roles);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
			lua_pop(L, 1);
			continue;	/* the role loader refuses it */
		}
		n = (lua_Integer)luaL_len(L, -1);
		for (i = 1; i <= n; i++) {
			lua_geti(L, -1, i);
			pat = lua_tostring(L, -1);
			if (lua_type(L, -1) == LUA_TSTRING &&
			    policy_perm_valid(pat) && !names_an_action(pat)) {
				err_set(err, "policy: role %.60s: \"%.60s\" "
				    "names no action of the core or of a "
				    "loaded module", lua_tostring(L, -3), pat);
				lua_settop(L, top);
				return -1;
			}
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	lua_settop(L, top);
	return 0;
}
