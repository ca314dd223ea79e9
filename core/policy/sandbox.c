/*
 * sandbox: Lua states that admins' policies cannot hurt the server from.
 * A counting allocator and a count hook give every evaluation a memory and
 * an instruction budget that a policy's own pcall cannot swallow; the
 * environment is an allow-list; source loads as text only; after loading,
 * every table a policy can reach becomes a read-only view and the
 * functions' upvalues are restored after each call, so no request can
 * change the next one's decision.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "policy.h"

#define STATE_MAX		(64u * 1024 * 1024)	/* bytes, absolute */
#define RO_TAG			"erp.readonly"	/* marks a view's metatable */
#define UPVALS_KEY		"erp.upvals"	/* saved upvalues, registry */

struct sandbox {
	struct policy_budget	 sb_budget;	/* first: policy_budget() */
	lua_State		*sb_L;
	bool			 sb_setupval;	/* some code assigns upvalues */
	struct policy_trace	*sb_trace;	/* calls and returns, or NULL */
};

/* The sandbox of L (its allocator's user data). */
static struct sandbox *
sandbox_of(lua_State *L)
{
	void	*ud;

	lua_getallocf(L, &ud);
	return ud;
}

/* The hook's events: the count, and calls and returns when tracing. */
static int
hook_mask(lua_State *L)
{
	return LUA_MASKCOUNT | (sandbox_of(L)->sb_trace != NULL ?
	    LUA_MASKCALL | LUA_MASKRET : 0);
}

static void	hook(lua_State *, lua_Debug *);

static void *
alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct sandbox	*sb = ud;
	size_t		 old = ptr != NULL ? osize : 0;
	void		*p;

	if (nsize == 0) {
		free(ptr);
		sb->sb_budget.pb_used -= old;
		return NULL;
	}
	if (nsize > old && sb->sb_budget.pb_used + (nsize - old) >
	    sb->sb_budget.pb_limit) {
		/* the error this raises may be caught: make it recur */
		sb->sb_budget.pb_over_memory = true;
		if (sb->sb_L != NULL)
			lua_sethook(sb->sb_L, hook, LUA_MASKCOUNT, 1);
		return NULL;
	}
	if ((p = realloc(ptr, nsize)) == NULL)
		return NULL;
	sb->sb_budget.pb_used = sb->sb_budget.pb_used - old + nsize;
	return p;
}

struct policy_budget *
policy_budget(lua_State *L)
{
	return &sandbox_of(L)->sb_budget;
}

/*
 * A call or a return while tracing: the depth of the first Lua function
 * called is the level whose returns decide; a tail call keeps the level,
 * so the return of the function it called is the deciding one.
 */
static void
trace(lua_State *L, lua_Debug *ar, struct policy_trace *t)
{
	if (ar->event == LUA_HOOKCALL) {
		t->pt_depth++;
		if (t->pt_lua_depth == 0 && lua_getinfo(L, "S", ar) &&
		    strcmp(ar->what, "Lua") == 0)
			t->pt_lua_depth = t->pt_depth;
	} else if (ar->event == LUA_HOOKRET) {
		if (t->pt_depth == t->pt_lua_depth && lua_getinfo(L, "Sl",
		    ar) && ar->currentline > 0) {
			t->pt_line = ar->currentline;
			snprintf(t->pt_chunk, sizeof(t->pt_chunk), "%s",
			    ar->source[0] == '=' ? ar->source + 1 :
			    ar->source);
		}
		t->pt_depth--;
	}
}

static void
hook(lua_State *L, lua_Debug *ar)
{
	struct policy_budget	*b = policy_budget(L);
	struct policy_trace	*t = sandbox_of(L)->sb_trace;

	if (ar->event != LUA_HOOKCOUNT) {
		if (t != NULL && !b->pb_over_steps && !b->pb_over_memory)
			trace(L, ar, t);
		return;
	}
	if (!b->pb_over_steps && !b->pb_over_memory) {
		b->pb_steps -= POLICY_HOOK_EVERY;
		if (b->pb_steps > 0)
			return;
		b->pb_over_steps = true;
	}
	/* fire again at the very next instruction: pcall cannot swallow it */
	lua_sethook(L, hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "budget exceeded");
}

void
policy_budget_charge(lua_State *L, int64_t n)
{
	struct policy_budget	*b = policy_budget(L);

	b->pb_steps -= n;
	if (b->pb_steps > 0 && !b->pb_over_memory)
		return;
	b->pb_over_steps = b->pb_over_steps || b->pb_steps <= 0;
	lua_sethook(L, hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "budget exceeded");
}

void
policy_budget_start(lua_State *L, int64_t steps)
{
	struct policy_budget	*b = policy_budget(L);
	size_t			 limit = b->pb_used + POLICY_MEMORY;

	b->pb_steps = steps;
	b->pb_over_steps = false;
	b->pb_over_memory = false;
	b->pb_limit = limit < STATE_MAX ? limit : STATE_MAX;
	lua_sethook(L, hook, hook_mask(L), POLICY_HOOK_EVERY);
}

void
policy_sandbox_trace(lua_State *L, struct policy_trace *t)
{
	if (t != NULL)
		memset(t, 0, sizeof(*t));
	sandbox_of(L)->sb_trace = t;
	if (lua_gethook(L) != NULL)
		lua_sethook(L, hook, hook_mask(L), lua_gethookcount(L));
}

bool
policy_budget_exceeded(lua_State *L)
{
	struct policy_budget	*b = policy_budget(L);

	return b->pb_over_steps || b->pb_over_memory;
}

lua_State *
policy_sandbox_new(size_t limit)
{
	struct sandbox	*sb;
	lua_State	*L;

	sb = xcalloc(1, sizeof(*sb));
	sb->sb_budget.pb_limit = limit < STATE_MAX ? limit : STATE_MAX;
	if ((L = lua_newstate(alloc, sb)) == NULL) {
		free(sb);
		return NULL;
	}
	sb->sb_L = L;
	return L;
}

void
policy_sandbox_close(lua_State *L)
{
	void	*ud;

	if (L == NULL)
		return;
	lua_getallocf(L, &ud);
	lua_close(L);
	free(ud);
}

/* Read-only views ------------------------------------------------------- */

static int
ro_newindex(lua_State *L)
{
	return luaL_error(L, "attempt to modify a read-only table");
}

/* The table a view shows, or 0 (nothing pushed) if t is not a view. */
static int
ro_target(lua_State *L, int t)
{
	if (lua_type(L, t) != LUA_TTABLE || !lua_getmetatable(L, t))
		return 0;
	if (lua_getfield(L, -1, RO_TAG) != LUA_TBOOLEAN) {
		lua_pop(L, 2);
		return 0;
	}
	lua_pop(L, 1);
	lua_getfield(L, -1, "__index");
	lua_remove(L, -2);
	return 1;
}

void
policy_sandbox_target(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (!ro_target(L, idx))
		lua_pushvalue(L, idx);
}

static int
ro_len(lua_State *L)
{
	ro_target(L, 1);
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
	return 1;
}

/* next() that walks a view's target: the sandbox's next and pairs. */
static int
sb_next(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 2);
	if (ro_target(L, 1))
		lua_replace(L, 1);
	if (lua_next(L, 1))
		return 2;
	lua_pushnil(L);
	return 1;
}

static int
sb_pairs(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_pushcfunction(L, sb_next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

static int
sb_rawget(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checkany(L, 2);
	lua_settop(L, 2);
	if (ro_target(L, 1))
		lua_replace(L, 1);
	lua_rawget(L, 1);
	return 1;
}

static int
sb_rawlen(lua_State *L)
{
	int	 t = lua_type(L, 1);

	luaL_argexpected(L, t == LUA_TTABLE || t == LUA_TSTRING, 1,
	    "table or string");
	if (ro_target(L, 1))
		lua_replace(L, 1);
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
	return 1;
}

/* Pushes a read-only view of the table at idx. */
static void
ro_view(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	lua_newtable(L);			/* the view */
	lua_createtable(L, 0, 6);		/* its metatable */
	lua_pushvalue(L, idx);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ro_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, ro_len);
	lua_setfield(L, -2, "__len");
	lua_pushcfunction(L, sb_pairs);
	lua_setfield(L, -2, "__pairs");
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, RO_TAG);
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
}

static void	freeze_value(lua_State *, int seen, int upvals);

/* Freezes the table at -1 in place; replaces it by its view on the stack. */
static void
freeze_table(lua_State *L, int seen, int upvals)
{
	int	 t = lua_gettop(L);

	if (ro_target(L, t)) {		/* already a view */
		lua_pop(L, 1);
		return;
	}
	lua_pushvalue(L, t);
	if (lua_rawget(L, seen) != LUA_TNIL) {	/* seen: use its view */
		lua_replace(L, t);
		return;
	}
	lua_pop(L, 1);
	ro_view(L, t);				/* t view */
	lua_pushvalue(L, t);
	lua_pushvalue(L, -2);
	lua_rawset(L, seen);			/* seen[t] = view */
	lua_pushnil(L);
	while (lua_next(L, t)) {		/* t view k v */
		if (lua_type(L, -1) == LUA_TTABLE ||
		    lua_type(L, -1) == LUA_TFUNCTION) {
			freeze_value(L, seen, upvals);
			lua_pushvalue(L, -2);
			lua_insert(L, -2);	/* t view k k v' */
			lua_rawset(L, t);	/* replacing a value is safe */
		} else
			lua_pop(L, 1);
	}
	lua_replace(L, t);			/* view */
}

/* Freezes a function's upvalues and records them for restore_upvalues. */
static void
freeze_function(lua_State *L, int seen, int upvals)
{
	int	 f = lua_gettop(L), i;

	if (lua_iscfunction(L, f))
		return;
	lua_pushvalue(L, f);
	if (lua_rawget(L, seen) != LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	lua_pushvalue(L, f);
	lua_pushboolean(L, 1);
	lua_rawset(L, seen);
	for (i = 1; lua_getupvalue(L, f, i) != NULL; i++) {
		if (lua_type(L, -1) == LUA_TTABLE ||
		    lua_type(L, -1) == LUA_TFUNCTION) {
			freeze_value(L, seen, upvals);
			lua_pushvalue(L, -1);
			lua_setupvalue(L, f, i);
		}
		/* upvals[#upvals + 1] = {f, i, value} */
		lua_createtable(L, 3, 0);
		lua_pushvalue(L, f);
		lua_rawseti(L, -2, 1);
		lua_pushinteger(L, i);
		lua_rawseti(L, -2, 2);
		lua_insert(L, -2);
		lua_rawseti(L, -2, 3);
		lua_rawseti(L, upvals, (lua_Integer)lua_rawlen(L, upvals) + 1);
	}
}

/* Freezes the value at -1 (a table is replaced by its view). */
static void
freeze_value(lua_State *L, int seen, int upvals)
{
	luaL_checkstack(L, 8, "policy too deeply nested");
	if (lua_type(L, -1) == LUA_TTABLE)
		freeze_table(L, seen, upvals);
	else if (lua_type(L, -1) == LUA_TFUNCTION)
		freeze_function(L, seen, upvals);
}

void
policy_sandbox_freeze(lua_State *L, int idx)
{
	int	 seen, upvals;

	idx = lua_absindex(L, idx);
	lua_newtable(L);
	seen = lua_gettop(L);
	if (lua_getfield(L, LUA_REGISTRYINDEX, UPVALS_KEY) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, UPVALS_KEY);
	}
	upvals = lua_gettop(L);
	lua_pushvalue(L, idx);
	freeze_value(L, seen, upvals);
	lua_remove(L, upvals);
	lua_remove(L, seen);
}

/*
 * Puts every recorded upvalue back: a policy that assigns to a local of
 * its chunk from inside allow() changes nothing for the next call.
 */
static void
restore_upvalues(lua_State *L)
{
	lua_Integer	 i, n;
	void		*ud;

	/* code that never assigns an upvalue cannot change one */
	lua_getallocf(L, &ud);
	if (!((struct sandbox *)ud)->sb_setupval)
		return;

	if (lua_getfield(L, LUA_REGISTRYINDEX, UPVALS_KEY) != LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	n = (lua_Integer)lua_rawlen(L, -1);
	for (i = 1; i <= n; i++) {
		int	 up;

		lua_rawgeti(L, -1, i);		/* {f, index, value} */
		lua_rawgeti(L, -1, 2);
		up = (int)lua_tointeger(L, -1);
		lua_pop(L, 1);
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 3);
		if (lua_setupvalue(L, -2, up) == NULL)
			lua_pop(L, 1);		/* the value stays when unset */
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
}

/* Bounded library functions -------------------------------------------- */

/*
 * xpcall(f, handler, ...). Lua runs a message handler at the point of the
 * error, which for a budget overrun is inside the count hook, where hooks
 * are off: a looping handler would never be stopped. This one calls the
 * handler after unwinding, under the hook, and never after an overrun.
 */
static int
sb_xpcall(lua_State *L)
{
	int	 n = lua_gettop(L);

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 1);		/* f */
	lua_rotate(L, 3, 1);		/* f, handler, f, args... */
	if (lua_pcall(L, n - 2, LUA_MULTRET, 0) == LUA_OK) {
		lua_pushboolean(L, 1);
		lua_replace(L, 1);	/* true, handler, results... */
		lua_remove(L, 2);
		return lua_gettop(L);
	}
	if (policy_budget_exceeded(L))
		return lua_error(L);	/* not the policy's to handle */
	lua_pushvalue(L, 2);
	lua_insert(L, -2);		/* handler, err */
	lua_call(L, 1, 1);
	lua_pushboolean(L, 0);
	lua_insert(L, -2);
	return 2;
}

/* The real string.rep and table.move, kept as upvalues. */
static int
sb_rep(lua_State *L)
{
	size_t		 l, lsep = 0;
	lua_Integer	 n;

	luaL_checklstring(L, 1, &l);
	n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	/*
	 * An empty string repeated loops in C without using memory: it is
	 * "" at once. Anything else allocates its whole result first, which
	 * the memory budget bounds.
	 */
	if (n <= 0 || l + lsep == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int
sb_move(lua_State *L)
{
	lua_Integer	 f = luaL_checkinteger(L, 2);
	lua_Integer	 e = luaL_checkinteger(L, 3);

	/* one step per element moved: the loop runs inside one C call */
	if (e >= f)
		policy_budget_charge(L, (e - f) < INT64_MAX - 1 ?
		    (int64_t)(e - f) + 1 : INT64_MAX);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* Replaces name in the table at idx by fn with the original as upvalue. */
static void
wrap(lua_State *L, int idx, const char *name, lua_CFunction fn)
{
	lua_getfield(L, idx, name);
	lua_pushcclosure(L, fn, 1);
	lua_setfield(L, idx, name);
}

/* The environment ------------------------------------------------------- */

static const char *const base_names[] = {
	"assert", "error", "ipairs", "pcall", "select",
	"tonumber", "tostring", "type", "rawequal", NULL
};
static const char *const string_names[] = {
	"byte", "char", "find", "format", "gmatch", "gsub", "len", "lower",
	"match", "rep", "reverse", "sub", "upper", "pack", "packsize",
	"unpack", NULL
};
static const char *const table_names[] = {
	"concat", "insert", "move", "pack", "remove", "sort", "unpack", NULL
};
static const char *const math_names[] = {
	"abs", "ceil", "cos", "deg", "exp", "floor", "fmod", "huge", "log",
	"max", "maxinteger", "min", "mininteger", "modf", "pi", "rad", "sin",
	"sqrt", "tan", "tointeger", "type", "ult", NULL
};
static const char *const utf8_names[] = {
	"char", "charpattern", "codepoint", "codes", "len", "offset", NULL
};

/* Copies the allowed names of the library at -1 into a new table. */
static void
copy_names(lua_State *L, const char *const *names)
{
	int	 lib = lua_gettop(L), i;

	lua_newtable(L);
	for (i = 0; names[i] != NULL; i++) {
		lua_getfield(L, lib, names[i]);
		lua_setfield(L, -2, names[i]);
	}
	lua_remove(L, lib);
}

/* Opens the libraries once per state, hardened, kept in the registry. */
static void
open_libs(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, "erp.libs") == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_createtable(L, 0, 5);
	luaL_requiref(L, "_G", luaopen_base, 0);
	copy_names(L, base_names);	/* the globals are emptied below */
	lua_setfield(L, -2, "_G");
	luaL_requiref(L, "string", luaopen_string, 0);
	/* the real string table is reachable through ("").x: harden it */
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	wrap(L, lua_gettop(L), "rep", sb_rep);
	policy_match_install(L, lua_gettop(L));
	lua_setfield(L, -2, "string");
	luaL_requiref(L, "table", luaopen_table, 0);
	wrap(L, lua_gettop(L), "move", sb_move);
	lua_setfield(L, -2, "table");
	luaL_requiref(L, "math", luaopen_math, 0);
	lua_setfield(L, -2, "math");
	luaL_requiref(L, "utf8", luaopen_utf8, 0);
	lua_setfield(L, -2, "utf8");
	/* what the base library put in the globals is not the sandbox's */
	lua_pushglobaltable(L);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		lua_pushvalue(L, -1);
		lua_pushnil(L);
		lua_rawset(L, -4);
	}
	lua_pop(L, 1);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, "erp.libs");
}

void
policy_sandbox_env(lua_State *L)
{
	static const struct {
		const char	*name;
		const char *const *names;
	} libs[] = {
		{ "string", string_names }, { "table", table_names },
		{ "math", math_names }, { "utf8", utf8_names },
	};
	int		 libst, env, i;
	size_t		 k;

	open_libs(L);
	libst = lua_gettop(L);
	lua_newtable(L);
	env = lua_gettop(L);
	lua_getfield(L, libst, "_G");
	for (i = 0; base_names[i] != NULL; i++) {
		lua_getfield(L, -1, base_names[i]);
		lua_setfield(L, env, base_names[i]);
	}
	lua_pop(L, 1);
	lua_pushcfunction(L, sb_next);
	lua_setfield(L, env, "next");
	lua_pushcfunction(L, sb_pairs);
	lua_setfield(L, env, "pairs");
	lua_pushcfunction(L, sb_rawget);
	lua_setfield(L, env, "rawget");
	lua_pushcfunction(L, sb_rawlen);
	lua_setfield(L, env, "rawlen");
	lua_pushcfunction(L, sb_xpcall);
	lua_setfield(L, env, "xpcall");
	for (k = 0; k < sizeof(libs) / sizeof(libs[0]); k++) {
		lua_getfield(L, libst, libs[k].name);
		copy_names(L, libs[k].names);
		ro_view(L, -1);
		lua_remove(L, -2);
		lua_setfield(L, env, libs[k].name);
	}
	lua_remove(L, libst);
}

/* Finding upvalue assignments ------------------------------------------ */

/*
 * A chunk's bytecode, read back from lua_dump (stripped), to find out
 * whether any of its functions assigns an upvalue (OP_SETUPVAL). Only
 * then must upvalues be restored after each call. Anything unexpected
 * in the format counts as "yes": the check may only ever save work.
 */
#define OP_SETUPVAL_54	10	/* lopcodes.h, Lua 5.4 */

struct dump {
	const unsigned char	*d_p;
	size_t			 d_left;
	bool			 d_bad;
};

static int
dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
	buf_append(ud, p, sz);
	return 0;
}

static const unsigned char *
take(struct dump *d, size_t n)
{
	const unsigned char	*p = d->d_p;

	if (d->d_bad || n > d->d_left) {
		d->d_bad = true;
		return NULL;
	}
	d->d_p += n;
	d->d_left -= n;
	return p;
}

static size_t
varint(struct dump *d)
{
	const unsigned char	*b;
	size_t			 x = 0;
	int			 i;

	for (i = 0; i < 10; i++) {
		if ((b = take(d, 1)) == NULL)
			return 0;
		x = (x << 7) | (*b & 0x7f);
		if (*b & 0x80)
			return x;
	}
	d->d_bad = true;
	return 0;
}

static void
skip_string(struct dump *d)
{
	size_t	 n = varint(d);

	if (n > 0)
		take(d, n - 1);
}

/* Scans one function and its nested ones; true if any sets an upvalue. */
static bool
scan_function(struct dump *d, int depth)
{
	const unsigned char	*code;
	size_t			 n, i;
	bool			 found = false;

	if (depth > 200) {
		d->d_bad = true;
		return true;
	}
	skip_string(d);			/* source */
	varint(d);			/* linedefined */
	varint(d);			/* lastlinedefined */
	take(d, 3);			/* numparams, is_vararg, maxstack */
	n = varint(d);
	if ((code = take(d, n * 4)) == NULL)
		return true;
	for (i = 0; i < n; i++)
		if ((code[i * 4] & 0x7f) == OP_SETUPVAL_54)	/* LE */
			found = true;
	n = varint(d);			/* constants */
	for (i = 0; i < n && !d->d_bad; i++) {
		const unsigned char	*t = take(d, 1);

		if (t == NULL)
			return true;
		switch (*t) {
		case 0: case 1: case 17:	/* nil, false, true */
			break;
		case 3: case 19:		/* integer, float */
			take(d, 8);
			break;
		case 4: case 20:		/* short, long string */
			skip_string(d);
			break;
		default:
			d->d_bad = true;
		}
	}
	n = varint(d);			/* upvalues */
	take(d, n * 3);
	n = varint(d);			/* nested functions */
	for (i = 0; i < n && !d->d_bad; i++)
		found |= scan_function(d, depth + 1);
	for (i = 0; i < 4; i++)		/* stripped debug info: 4 counts */
		if (varint(d) != 0)
			d->d_bad = true;
	return found || d->d_bad;
}

/* Whether the function at the top of L (a loaded chunk) sets upvalues. */
static bool
assigns_upvalues(lua_State *L)
{
	struct buf	 b = { 0 };
	struct dump	 d;
	bool		 found = true;

	if (lua_dump(L, dump_writer, &b, 1) == 0 && b.b_len > 32) {
		d.d_p = (const unsigned char *)b.b_data + 32;	/* header */
		d.d_left = b.b_len - 32;
		d.d_bad = false;
		found = scan_function(&d, 0);
	}
	buf_free(&b);
	return found;
}

/* Loading and calling --------------------------------------------------- */

static int
traceback(lua_State *L)
{
	/* messages only: a traceback would show the host's frames */
	if (!lua_isstring(L, 1))
		lua_pushstring(L, policy_budget_exceeded(L) ?
		    "budget exceeded" : "error object is not a string");
	return 1;
}

int
policy_sandbox_call(lua_State *L, int nargs, int nresults)
{
	int	 base = lua_gettop(L) - nargs, rc;

	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	rc = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	/* the hook stays armed: the rest of this evaluation is budgeted too */
	if (rc == LUA_OK && policy_budget_exceeded(L)) {
		/* caught by the policy's own pcall: still an error */
		lua_pop(L, nresults == LUA_MULTRET ? lua_gettop(L) - base + 1 :
		    nresults);
		lua_pushstring(L, "budget exceeded");
		rc = LUA_ERRRUN;
	}
	if (rc != LUA_OK && policy_budget(L)->pb_over_memory) {
		lua_pop(L, 1);
		lua_pushstring(L, "memory budget exceeded");
	} else if (rc != LUA_OK && policy_budget(L)->pb_over_steps) {
		lua_pop(L, 1);
		lua_pushstring(L, "instruction budget exceeded");
	}
	restore_upvalues(L);
	return rc;
}

int
policy_sandbox_run(lua_State *L, const char *source, size_t len,
    const char *chunkname, int env)
{
	int	 rc;

	env = lua_absindex(L, env);
	if (len > POLICY_SOURCE_MAX) {
		lua_pushstring(L, "policy source too large");
		return LUA_ERRSYNTAX;
	}
	/* "t": text only, a binary chunk could break the VM */
	if ((rc = luaL_loadbufferx(L, source, len, chunkname, "t")) != LUA_OK)
		return rc;
	if (assigns_upvalues(L))
		sandbox_of(L)->sb_setupval = true;
	lua_pushvalue(L, env);
	lua_setupvalue(L, -2, 1);		/* its _ENV */
	policy_budget_start(L, POLICY_INSTRUCTIONS);
	return policy_sandbox_call(L, 0, 0);
}
