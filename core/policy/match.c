/*
 * Bounded Lua 5.4 patterns for the policy sandbox: string.find, match,
 * gmatch and gsub with Lua's semantics, charging every matching step to
 * the evaluation's budget (the count hook never fires inside one C call).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "policy/policy.h"

#define MAXCAPS		32	/* LUA_MAXCAPTURES */
#define MAXDEPTH	200	/* nested matcher calls (Lua's MAXCCALLS) */
#define BATCH		64	/* steps counted before charging them */
#define BULK		16	/* bytes searched or copied per step */
#define CAP_OPEN	(-1)	/* capture length: not closed yet */
#define CAP_POS		(-2)	/* capture length: a position */
#define SPECIALS	"^$*+?.([%-"

/* One match in progress over a subject and a pattern. */
struct mstate {
	lua_State	*ms_L;		/* where errors and charges go */
	const char	*ms_s;		/* subject */
	const char	*ms_se;		/* end of the subject */
	const char	*ms_pe;		/* end of the pattern */
	int		 ms_depth;	/* nested calls left */
	int		 ms_level;	/* captures opened */
	int64_t		 ms_steps;	/* steps not charged yet */
	struct {
		const char	*c_init;	/* start in the subject */
		ptrdiff_t	 c_len;		/* length, or CAP_* */
	} ms_cap[MAXCAPS];
};

/* The state of one string.gmatch iterator (a userdata upvalue). */
struct gmstate {
	size_t		 gm_src;	/* offset of the next search */
	const char	*gm_p;		/* pattern */
	const char	*gm_last;	/* end of the last match, or NULL */
	struct mstate	 gm_ms;
};

/* The arguments and result of policy_match_full's protected call. */
struct full {
	const char	*fu_s;
	size_t		 fu_slen;
	const char	*fu_p;
	size_t		 fu_plen;
	int		 fu_found;
};

static inline int
uc(char c)
{
	return (unsigned char)c;
}

static void
charge(struct mstate *ms)
{
	int64_t	 n = ms->ms_steps;

	ms->ms_steps = 0;
	if (n > 0)
		policy_budget_charge(ms->ms_L, n);
}

static void
prep(struct mstate *ms, lua_State *L, const char *s, size_t slen,
    const char *p, size_t plen)
{
	ms->ms_L = L;
	ms->ms_s = s;
	ms->ms_se = s + slen;
	ms->ms_pe = p + plen;
	ms->ms_steps = 0;
}

static void
reset(struct mstate *ms)
{
	ms->ms_level = 0;
	ms->ms_depth = MAXDEPTH;
}

/* Does byte c belong to class cl (%a ...)? The C locale's ctype, fixed. */
static bool
inclass(int c, int cl)
{
	bool	 alpha, digit, r;
	int	 lc;

	alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	digit = c >= '0' && c <= '9';
	lc = (cl >= 'A' && cl <= 'Z') ? cl - 'A' + 'a' : cl;
	switch (lc) {
	case 'a':
		r = alpha;
		break;
	case 'c':
		r = c < 32 || c == 127;
		break;
	case 'd':
		r = digit;
		break;
	case 'g':
		r = c > 32 && c < 127;
		break;
	case 'l':
		r = c >= 'a' && c <= 'z';
		break;
	case 'p':
		r = c > 32 && c < 127 && !alpha && !digit;
		break;
	case 's':
		r = c == ' ' || (c >= '\t' && c <= '\r');
		break;
	case 'u':
		r = c >= 'A' && c <= 'Z';
		break;
	case 'w':
		r = alpha || digit;
		break;
	case 'x':
		r = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		break;
	case 'z':	/* undocumented since 5.2, but Lua 5.4 still has it */
		r = c == 0;
		break;
	default:
		return cl == c;
	}
	return lc != cl ? !r : r;
}

/* Is c in the set that opens at p ('[') and closes at ec (']')? */
static bool
inset(int c, const char *p, const char *ec)
{
	bool	 want = true;

	p++;
	if (*p == '^') {
		want = false;
		p++;
	}
	for (; p < ec; p++) {
		if (*p == '%') {
			p++;
			if (inclass(c, uc(*p)))
				return want;
		} else if (p[1] == '-' && p + 2 < ec) {
			if (uc(p[0]) <= c && c <= uc(p[2]))
				return want;
			p += 2;
		} else if (uc(*p) == c)
			return want;
	}
	return !want;
}

/*
 * luaL_error, declared not to return: lauxlib.h does not say so, and the
 * compiler and analyzers would follow paths past a raised error.
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
pattern_fail(lua_State *L, const char *fmt, ...)
{
	va_list	 ap;

	luaL_where(L, 1);
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	lua_concat(L, 2);
	lua_error(L);
	abort();	/* not reached */
}

/*
 * The end of the single-character item at p (before any quantifier), or
 * NULL if it is malformed: a '%' ending the pattern or a '[' with no ']'.
 */
static const char *
itemend(const char *p, const char *pe)
{
	switch (*p++) {
	case '%':
		return p == pe ? NULL : p + 1;
	case '[':
		if (p < pe && *p == '^')
			p++;
		do {	/* the first character is a member, even ']' */
			if (p == pe)
				return NULL;
			if (*p++ == '%' && p < pe)
				p++;
		} while (p == pe || *p != ']');
		return p + 1;
	default:
		return p;
	}
}

static const char *
item(struct mstate *ms, const char *p)
{
	const char	*ep;

	if ((ep = itemend(p, ms->ms_pe)) == NULL) {
		if (*p == '%')
			pattern_fail(ms->ms_L,
			    "malformed pattern (ends with '%%')");
		pattern_fail(ms->ms_L, "malformed pattern (missing ']')");
	}
	return ep;
}

/* Does the item p..ep match the byte at s? */
static bool
single(struct mstate *ms, const char *s, const char *p, const char *ep)
{
	int	 c;

	ms->ms_steps++;
	if (s >= ms->ms_se)
		return false;
	c = uc(*s);
	switch (*p) {
	case '.':
		return true;
	case '%':
		return inclass(c, uc(p[1]));
	case '[':
		return inset(c, p, ep - 1);
	default:
		return uc(*p) == c;
	}
}

static const char *domatch(struct mstate *, const char *, const char *);

/* %bxy at p (pointing at x): a balanced run starting at s. */
static const char *
balance(struct mstate *ms, const char *s, const char *p)
{
	const char	*t;
	int		 depth = 1;

	if (p + 1 >= ms->ms_pe)
		pattern_fail(ms->ms_L,
		    "malformed pattern (missing arguments to '%%b')");
	if (s >= ms->ms_se || *s != p[0])
		return NULL;
	for (t = s + 1; t < ms->ms_se; t++) {
		if (*t == p[1]) {
			if (--depth == 0)
				break;
		} else if (*t == p[0])
			depth++;
	}
	ms->ms_steps += t - s;
	return t < ms->ms_se ? t + 1 : NULL;
}

/* %1-%9 (c is the digit): the text of a closed capture again at s. */
static const char *
backref(struct mstate *ms, const char *s, int c)
{
	ptrdiff_t	 len;
	int		 l = c - '1';

	if (l < 0 || l >= ms->ms_level || ms->ms_cap[l].c_len == CAP_OPEN)
		pattern_fail(ms->ms_L, "invalid capture index %%%d", l + 1);
	len = ms->ms_cap[l].c_len;
	if (len == CAP_POS || ms->ms_se - s < len)
		return NULL;
	ms->ms_steps += len;
	return memcmp(ms->ms_cap[l].c_init, s, len) == 0 ? s + len : NULL;
}

static const char *
opencap(struct mstate *ms, const char *s, const char *p, ptrdiff_t what)
{
	const char	*r;
	int		 l = ms->ms_level;

	if (l >= MAXCAPS)
		pattern_fail(ms->ms_L, "too many captures");
	ms->ms_cap[l].c_init = s;
	ms->ms_cap[l].c_len = what;
	ms->ms_level = l + 1;
	if ((r = domatch(ms, s, p)) == NULL)
		ms->ms_level--;
	return r;
}

static const char *
closecap(struct mstate *ms, const char *s, const char *p)
{
	const char	*r;
	int		 l;

	for (l = ms->ms_level - 1; l >= 0; l--)
		if (ms->ms_cap[l].c_len == CAP_OPEN)
			break;
	if (l < 0)
		pattern_fail(ms->ms_L, "invalid pattern capture");
	ms->ms_cap[l].c_len = s - ms->ms_cap[l].c_init;
	if ((r = domatch(ms, s, p)) == NULL)
		ms->ms_cap[l].c_len = CAP_OPEN;
	return r;
}

/* x* from s: as many as possible, then give back one at a time. */
static const char *
greedy(struct mstate *ms, const char *s, const char *p, const char *ep)
{
	const char	*r;
	size_t		 n = 0;

	while (single(ms, s + n, p, ep))
		n++;
	for (;;) {
		if ((r = domatch(ms, s + n, ep + 1)) != NULL)
			return r;
		if (n-- == 0)
			return NULL;
	}
}

/* x- from s: as few as possible, then take one more at a time. */
static const char *
lazy(struct mstate *ms, const char *s, const char *p, const char *ep)
{
	const char	*r;

	for (;;) {
		if ((r = domatch(ms, s, ep + 1)) != NULL)
			return r;
		if (!single(ms, s, p, ep))
			return NULL;
		s++;
	}
}

/*
 * Matches the pattern from p against the subject from s; returns the end
 * of the match or NULL. Raises on a malformed pattern only when the match
 * reaches the bad item, as Lua does. Each call is one level of the
 * MAXDEPTH bound; tail positions loop instead of recursing, so the depth
 * (and "pattern too complex") is the same as Lua's.
 */
static const char *
domatch(struct mstate *ms, const char *s, const char *p)
{
	const char	*ep, *r;
	const char	*pe = ms->ms_pe;
	int		 prev, cur, q;

	if (ms->ms_depth-- == 0)
		pattern_fail(ms->ms_L, "pattern too complex");
	if (++ms->ms_steps >= BATCH)
		charge(ms);
again:
	if (p == pe)
		goto out;
	switch (*p) {
	case '(':
		if (p + 1 < pe && p[1] == ')')
			s = opencap(ms, s, p + 2, CAP_POS);
		else
			s = opencap(ms, s, p + 1, CAP_OPEN);
		goto out;
	case ')':
		s = closecap(ms, s, p + 1);
		goto out;
	case '$':
		if (p + 1 != pe)
			break;	/* a literal '$' */
		if (s != ms->ms_se)
			s = NULL;
		goto out;
	case '%':
		if (p + 1 == pe)
			break;	/* item() raises */
		switch (p[1]) {
		case 'b':
			if ((s = balance(ms, s, p + 2)) == NULL)
				goto out;
			p += 4;
			goto again;
		case 'f':
			p += 2;
			if (p == pe || *p != '[')
				pattern_fail(ms->ms_L,
				    "missing '[' after '%%f' in pattern");
			ep = item(ms, p);
			prev = s == ms->ms_s ? 0 : uc(s[-1]);
			cur = s < ms->ms_se ? uc(*s) : 0;
			ms->ms_steps++;
			if (inset(prev, p, ep - 1) || !inset(cur, p, ep - 1)) {
				s = NULL;
				goto out;
			}
			p = ep;
			goto again;
		case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if ((s = backref(ms, s, uc(p[1]))) == NULL)
				goto out;
			p += 2;
			goto again;
		}
		break;	/* a class such as %a, or an escaped character */
	}

	/* A single-character item and its quantifier, if any. */
	ep = item(ms, p);
	q = ep < pe ? *ep : '\0';
	if (!single(ms, s, p, ep)) {
		if (q == '*' || q == '?' || q == '-') {
			p = ep + 1;
			goto again;
		}
		s = NULL;
		goto out;
	}
	switch (q) {
	case '?':
		if ((r = domatch(ms, s + 1, ep + 1)) != NULL) {
			s = r;
			goto out;
		}
		p = ep + 1;
		goto again;
	case '+':
		s = greedy(ms, s + 1, p, ep);
		goto out;
	case '*':
		s = greedy(ms, s, p, ep);
		goto out;
	case '-':
		s = lazy(ms, s, p, ep);
		goto out;
	default:
		s++;
		p = ep;
		goto again;
	}
out:
	ms->ms_depth++;
	return s;
}

/* Pushes capture i, or the whole match s..e when there are no captures. */
static void
pushcap(struct mstate *ms, int i, const char *s, const char *e)
{
	lua_State	*L = ms->ms_L;
	ptrdiff_t	 len;

	if (i >= ms->ms_level) {
		if (i != 0)
			pattern_fail(L, "invalid capture index %%%d", i + 1);
		lua_pushlstring(L, s, e - s);
		return;
	}
	len = ms->ms_cap[i].c_len;
	if (len == CAP_OPEN)
		pattern_fail(L, "unfinished capture");
	if (len == CAP_POS)
		lua_pushinteger(L, ms->ms_cap[i].c_init - ms->ms_s + 1);
	else
		lua_pushlstring(L, ms->ms_cap[i].c_init, len);
}

/* Pushes every capture (or the whole match if s is not NULL). */
static int
pushcaps(struct mstate *ms, const char *s, const char *e)
{
	int	 i, n;

	n = (ms->ms_level == 0 && s != NULL) ? 1 : ms->ms_level;
	luaL_checkstack(ms->ms_L, n, "too many captures");
	for (i = 0; i < n; i++)
		pushcap(ms, i, s, e);
	return n;
}

/* A 1-based, possibly negative, init turned into an offset (maybe > len). */
static size_t
offset(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos - 1;
	if (pos == 0 || pos < -(lua_Integer)len)
		return 0;
	return len + (size_t)pos;
}

static bool
plain(const char *p, size_t plen)
{
	size_t	 i;

	for (i = 0; i < plen; i++)
		if (p[i] != '\0' && strchr(SPECIALS, p[i]) != NULL)
			return false;
	return true;
}

/* A plain search of p in s from init, charged by the bytes it may scan. */
static const char *
search(lua_State *L, const char *s, size_t slen, size_t init,
    const char *p, size_t plen)
{
	policy_budget_charge(L, (int64_t)((slen - init) / BULK) + 1);
	return memmem(s + init, slen - init, p, plen);
}

/*
 * Tries the pattern at every position from s + init (only there if it is
 * anchored by a leading '^'). Returns the end of the first match and sets
 * *start, or NULL.
 */
static const char *
scan(struct mstate *ms, size_t init, const char *p, const char **start)
{
	const char	*s1, *e;
	bool		 anchor = p < ms->ms_pe && *p == '^';

	if (anchor)
		p++;
	for (s1 = ms->ms_s + init; ; s1++) {
		reset(ms);
		if ((e = domatch(ms, s1, p)) != NULL) {
			*start = s1;
			return e;
		}
		if (s1 == ms->ms_se || anchor)
			return NULL;
	}
}

/* string.find (find true) and string.match (find false). */
static int
findaux(lua_State *L, bool find)
{
	struct mstate	 ms;
	const char	*s, *p, *s1, *e, *hit;
	size_t		 slen, plen, init;
	int		 n;

	s = luaL_checklstring(L, 1, &slen);
	p = luaL_checklstring(L, 2, &plen);
	init = offset(luaL_optinteger(L, 3, 1), slen);
	if (init > slen) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || plain(p, plen))) {
		if ((hit = search(L, s, slen, init, p, plen)) == NULL) {
			luaL_pushfail(L);
			return 1;
		}
		lua_pushinteger(L, hit - s + 1);
		lua_pushinteger(L, hit - s + (lua_Integer)plen);
		return 2;
	}
	prep(&ms, L, s, slen, p, plen);
	e = scan(&ms, init, p, &s1);
	charge(&ms);
	if (e == NULL) {
		luaL_pushfail(L);
		return 1;
	}
	if (!find)
		return pushcaps(&ms, s1, e);
	lua_pushinteger(L, s1 - s + 1);
	lua_pushinteger(L, e - s);
	n = pushcaps(&ms, NULL, NULL);
	return n + 2;
}

static int
mfind(lua_State *L)
{
	return findaux(L, true);
}

static int
mmatch(lua_State *L)
{
	return findaux(L, false);
}

/*
 * The gmatch iterator. As in Lua 5.4 a leading '^' is an ordinary
 * character here, and a match may not end where the previous one ended
 * (so an empty match right after a match is skipped).
 */
static int
gmiter(lua_State *L)
{
	struct gmstate	*gm = lua_touserdata(L, lua_upvalueindex(3));
	struct mstate	*ms = &gm->gm_ms;
	const char	*src, *e;

	ms->ms_L = L;
	for (src = ms->ms_s + gm->gm_src; src <= ms->ms_se; src++) {
		reset(ms);
		e = domatch(ms, src, gm->gm_p);
		if (e != NULL && e != gm->gm_last) {
			gm->gm_src = e - ms->ms_s;
			gm->gm_last = e;
			charge(ms);
			return pushcaps(ms, src, e);
		}
	}
	gm->gm_src = ms->ms_se - ms->ms_s + 1;	/* nothing more to find */
	charge(ms);
	return 0;
}

static int
mgmatch(lua_State *L)
{
	struct gmstate	*gm;
	const char	*s, *p;
	size_t		 slen, plen, init;

	s = luaL_checklstring(L, 1, &slen);
	p = luaL_checklstring(L, 2, &plen);
	init = offset(luaL_optinteger(L, 3, 1), slen);
	lua_settop(L, 2);	/* the closure keeps both strings alive */
	gm = lua_newuserdatauv(L, sizeof(*gm), 0);
	gm->gm_src = init > slen ? slen + 1 : init;
	gm->gm_p = p;
	gm->gm_last = NULL;
	prep(&gm->gm_ms, L, s, slen, p, plen);
	lua_pushcclosure(L, gmiter, 3);
	return 1;
}

/* Appends the replacement string (argument 3) for the match s..e. */
static void
addrepl(struct mstate *ms, luaL_Buffer *b, const char *s, const char *e)
{
	lua_State	*L = ms->ms_L;
	const char	*r, *q, *end;
	size_t		 len;
	int		 c;

	r = lua_tolstring(L, 3, &len);
	end = r + len;
	while ((q = memchr(r, '%', end - r)) != NULL) {
		luaL_addlstring(b, r, q - r);
		q++;
		c = q < end ? *q : '\0';
		if (c == '%')
			luaL_addchar(b, '%');
		else if (c == '0')
			luaL_addlstring(b, s, e - s);
		else if (c >= '1' && c <= '9') {
			pushcap(ms, c - '1', s, e);
			luaL_addvalue(b);
		} else
			pattern_fail(L, "invalid use of '%c' in replacement "
			    "string", '%');
		r = q + 1;
	}
	luaL_addlstring(b, r, end - r);
}

/*
 * Appends the replacement of the match s..e by repl (argument 3) of type
 * tr. Returns whether the text changed (a false or nil from a table or
 * function keeps the match).
 */
static bool
addvalue(struct mstate *ms, luaL_Buffer *b, const char *s, const char *e,
    int tr)
{
	lua_State	*L = ms->ms_L;

	if (tr == LUA_TFUNCTION) {
		charge(ms);
		lua_pushvalue(L, 3);
		lua_call(L, pushcaps(ms, s, e), 1);
	} else if (tr == LUA_TTABLE) {
		pushcap(ms, 0, s, e);
		lua_gettable(L, 3);
	} else {
		addrepl(ms, b, s, e);
		return true;
	}
	if (!lua_toboolean(L, -1)) {
		lua_pop(L, 1);
		luaL_addlstring(b, s, e - s);
		return false;
	}
	if (!lua_isstring(L, -1))
		pattern_fail(L, "invalid replacement value (a %s)",
		    luaL_typename(L, -1));
	luaL_addvalue(b);
	return true;
}

static int
mgsub(lua_State *L)
{
	struct mstate	 ms;
	luaL_Buffer	 b;
	const char	*src, *p, *e, *last = NULL;
	size_t		 slen, plen, before;
	lua_Integer	 max, n = 0;
	bool		 anchor, changed = false;
	int		 tr;

	src = luaL_checklstring(L, 1, &slen);
	p = luaL_checklstring(L, 2, &plen);
	tr = lua_type(L, 3);
	max = luaL_optinteger(L, 4, (lua_Integer)slen + 1);
	luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING ||
	    tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
	    "string/function/table");
	luaL_buffinit(L, &b);
	if ((anchor = plen > 0 && *p == '^')) {
		p++;
		plen--;
	}
	prep(&ms, L, src, slen, p, plen);
	while (n < max) {
		reset(&ms);
		if ((e = domatch(&ms, src, p)) != NULL && e != last) {
			n++;
			before = luaL_bufflen(&b);
			changed = addvalue(&ms, &b, src, e, tr) || changed;
			ms.ms_steps += (luaL_bufflen(&b) - before) / BULK + 1;
			src = last = e;
		} else if (src < ms.ms_se)
			luaL_addchar(&b, *src++);
		else
			break;
		if (anchor)
			break;
	}
	charge(&ms);
	if (!changed)
		lua_pushvalue(L, 1);
	else {
		luaL_addlstring(&b, src, ms.ms_se - src);
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}

void
policy_match_install(lua_State *L, int idx)
{
	static const luaL_Reg	 fns[] = {
		{ "find", mfind },
		{ "match", mmatch },
		{ "gmatch", mgmatch },
		{ "gsub", mgsub },
		{ NULL, NULL }
	};

	lua_pushvalue(L, idx);
	luaL_setfuncs(L, fns, 0);
	lua_pop(L, 1);
}

/*
 * Whether p is free of every error the matcher raises when it reaches a
 * bad item (each item checked in order, captures opened and closed along
 * the way), with no capture left open (a match would call it unfinished).
 */
static bool
wellformed(const char *p, size_t plen)
{
	const char	*pe = p + plen, *ep;
	bool		 open[MAXCAPS] = { false };
	int		 level = 0, l;

	if (p < pe && *p == '^')
		p++;
	while (p < pe) {
		switch (*p) {
		case '(':
			if (level == MAXCAPS)
				return false;
			open[level++] = !(p + 1 < pe && p[1] == ')');
			p += open[level - 1] ? 1 : 2;
			continue;
		case ')':
			for (l = level - 1; l >= 0 && !open[l]; l--)
				continue;
			if (l < 0)
				return false;
			open[l] = false;
			p++;
			continue;
		case '$':
			if (p + 1 == pe) {
				p++;
				continue;
			}
			break;
		case '%':
			if (p + 1 == pe)
				return false;
			if (p[1] == 'b') {
				if (p + 3 >= pe)
					return false;
				p += 4;
				continue;
			}
			if (p[1] == 'f') {
				p += 2;
				if (p == pe || *p != '[' ||
				    (p = itemend(p, pe)) == NULL)
					return false;
				continue;
			}
			if (p[1] >= '0' && p[1] <= '9') {
				l = p[1] - '1';
				if (l < 0 || l >= level || open[l])
					return false;
				p += 2;
				continue;
			}
			break;
		}
		if ((ep = itemend(p, pe)) == NULL)
			return false;
		p = ep;
		if (p < pe && (*p == '*' || *p == '+' || *p == '-' ||
		    *p == '?'))
			p++;
	}
	for (l = 0; l < level; l++)
		if (open[l])
			return false;
	return true;
}

bool
policy_match_valid(const char *p, size_t plen)
{
	return plain(p, plen) || wellformed(p, plen);
}

static int
fullrun(lua_State *L)
{
	struct full	*fu = lua_touserdata(L, 1);
	struct mstate	 ms;
	const char	*start;

	if (plain(fu->fu_p, fu->fu_plen)) {
		fu->fu_found = search(L, fu->fu_s, fu->fu_slen, 0, fu->fu_p,
		    fu->fu_plen) != NULL;
		return 0;
	}
	prep(&ms, L, fu->fu_s, fu->fu_slen, fu->fu_p, fu->fu_plen);
	fu->fu_found = scan(&ms, 0, fu->fu_p, &start) != NULL;
	charge(&ms);
	return 0;
}

int
policy_match_full(lua_State *L, const char *s, size_t slen, const char *p,
    size_t plen)
{
	struct full	 fu = { s, slen, p, plen, 0 };

	if (!policy_match_valid(p, plen))
		return -1;
	if (!lua_checkstack(L, 2))
		return -1;
	lua_pushcfunction(L, fullrun);
	lua_pushlightuserdata(L, &fu);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		lua_pop(L, 1);
		return -1;
	}
	return fu.fu_found;
}
