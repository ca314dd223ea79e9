/*
 * Tests for core/policy/match.c: Lua 5.4's own string functions are the
 * oracle for every case; then runaway patterns against the budget.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <lauxlib.h>
#include <lualib.h>

#include "base/base.h"
#include "policy/policy.h"
#include "suites.h"

#define STATE_LIMIT	(64u * 1024 * 1024)
#define BIG_BUDGET	100000000

/*
 * Helpers defined in both states: S serializes values (strings quoted, so
 * "1" and 1 differ), G collects a gmatch loop, RUN evaluates one case
 * under pcall. ALL holds every byte value, for the classes.
 */
static const char prelude[] =
    "function S(...)\n"
    "  local t = {}\n"
    "  for i = 1, select('#', ...) do\n"
    "    local v = select(i, ...)\n"
    "    if type(v) == 'string' then t[i] = string.format('%q', v)\n"
    "    else t[i] = math.type(v) or tostring(v) end\n"
    "    if math.type(v) then t[i] = t[i] .. ':' .. tostring(v) end\n"
    "  end\n"
    "  return select('#', ...) .. '[' .. table.concat(t, ',') .. ']'\n"
    "end\n"
    "function G(s, p, init)\n"
    "  local it, out = string.gmatch(s, p, init), {}\n"
    "  for i = 1, 300 do\n"
    "    local t = table.pack(it())\n"
    "    if t[1] == nil then break end\n"
    "    out[#out + 1] = S(table.unpack(t, 1, t.n))\n"
    "  end\n"
    "  return table.concat(out, ';')\n"
    "end\n"
    "function RUN(code)\n"
    "  local f = assert(load('return ' .. code, '=case'))\n"
    "  return S(pcall(f))\n"
    "end\n"
    "ALL = {}\n"
    "for i = 0, 255 do ALL[#ALL + 1] = string.char(i) end\n"
    "ALL = table.concat(ALL)\n";

/* Lua expressions, evaluated in both states; the results must agree. */
static const char *const cases[] = {
	/* find: plain and pattern, init rules */
	"string.find('hello world', 'o w')",
	"string.find('hello world', 'o', 6)",
	"string.find('hello', 'l+')",
	"string.find('hello', '.')",
	"string.find('', '.')",
	"string.find('', '')",
	"string.find('abc', '')",
	"string.find('abc', '', 3)",
	"string.find('abc', '', 4)",
	"string.find('abc', '', 5)",
	"string.find('abc', 'c', -1)",
	"string.find('abc', 'a', -1)",
	"string.find('abc', 'a', -3)",
	"string.find('abc', 'a', -10)",
	"string.find('abc', 'b', 0)",
	"string.find('abc', '.', 0)",
	"string.find('abc', 'b', math.maxinteger)",
	"string.find('abc', 'b', math.mininteger)",
	"string.find('abc', 'b', 2.0)",
	"string.find('abc', 'b', 2.5)",
	"string.find('abc', 'b', '2')",
	"string.find('abc', 'b', nil, true)",
	"string.find(12345, 34)",
	"string.find('abc', 'a.c', 1, true)",
	"string.find('a.c', 'a.c', 1, true)",
	"string.find('a+b', '+', 1, true)",
	"string.find('a+b', 'a+b')",
	"string.find('abc', '', 2, true)",
	"string.find('abc', '', 10, true)",
	"string.find('abcabc', 'bc', -2, true)",
	"string.find('a)b', 'a)')",
	"string.find('a]b', ']')",
	"string.find()",
	"string.find('abc')",
	"string.find('abc', {})",
	"string.find({}, 'a')",
	"('hello'):find('l')",
	"('hello'):find('(l)(l)')",
	"('hello'):find('()ll()')",
	/* match */
	"string.match('hello', '(h)(e)')",
	"string.match('hello', 'x')",
	"string.match('hello', '')",
	"string.match('hello', '()ll()')",
	"string.match('hello', 'l', -2)",
	"string.match('hello', '.', 10)",
	"string.match('abc', '()', 4)",
	"string.match('abc', '()', 5)",
	"string.match('  trim me  ', '^%s*(.-)%s*$')",
	"string.match('key = value', '(%w+)%s*=%s*(%w+)')",
	"string.match('2024-01-31', '(%d+)-(%d+)-(%d+)')",
	"('x'):match('x', 1)",
	"string.match('hello')",
	/* classes against every byte */
	"string.gsub(ALL, '%a', '')",
	"string.gsub(ALL, '%A', '')",
	"string.gsub(ALL, '%c', '')",
	"string.gsub(ALL, '%C', '')",
	"string.gsub(ALL, '%d', '')",
	"string.gsub(ALL, '%D', '')",
	"string.gsub(ALL, '%g', '')",
	"string.gsub(ALL, '%G', '')",
	"string.gsub(ALL, '%l', '')",
	"string.gsub(ALL, '%L', '')",
	"string.gsub(ALL, '%p', '')",
	"string.gsub(ALL, '%P', '')",
	"string.gsub(ALL, '%s', '')",
	"string.gsub(ALL, '%S', '')",
	"string.gsub(ALL, '%u', '')",
	"string.gsub(ALL, '%U', '')",
	"string.gsub(ALL, '%w', '')",
	"string.gsub(ALL, '%W', '')",
	"string.gsub(ALL, '%x', '')",
	"string.gsub(ALL, '%X', '')",
	"string.gsub(ALL, '.', '')",
	"string.gsub(ALL, '[%a%d]', '')",
	"string.gsub(ALL, '[^%s%p]', '')",
	"string.gsub(ALL, '[%W_]', '')",
	"string.gsub(ALL, '[\\0-\\31\\127-\\255]', '')",
	"string.find('xyz', '%z')",
	"string.find('a.b', '%.')",
	"string.find('50%', '%%')",
	"string.find('[x]', '%[(.)%]')",
	"string.find('a-b', '%-')",
	"string.find('f(x)', '%((.)%)')",
	"string.find('a-b', '-')",
	"string.find('a*b', '*')",
	"string.find('a*b', 'a**')",
	"string.find('a?b', '?')",
	/* sets */
	"string.find('xxabcxx', '[abc]+')",
	"string.find('xxabcxx', '[a-c]+')",
	"string.find('abcxyz', '[^a-c]+')",
	"string.find('a]b', '[]]')",
	"string.find(']]ab', '[^]]+')",
	"string.find('x-a', '[a-]+')",
	"string.find('x-a', '[-a]+')",
	"string.gsub('a-z_b', '[%a-z]', '.')",
	"string.find('a]b', '[%]]')",
	"string.find('a-b', '[a%-z]+')",
	"string.find('m', '[z-a]')",
	"string.find('a.b', '[.]')",
	"string.find('foo_bar9 x', '[%w_]+')",
	"string.find('%a', '[a-%%]+')",
	"string.find('x^y', '[x^]+')",
	"string.find('^', '[^^]')",
	"string.find('abc', '[')",
	"string.find('abc', '[a')",
	"string.find('abc', '[^')",
	"string.find('abc', '[]')",
	"string.find('abc', '[%')",
	"string.find('abc', '[a%]')",
	"string.find('b', 'a[')",
	"string.find('a', 'a[')",
	/* quantifiers */
	"string.find('aaab', 'a*')",
	"string.find('baaa', 'a*')",
	"string.find('aaab', 'a+b')",
	"string.find('aaab', 'a-b')",
	"string.find('aaab', 'a-')",
	"string.find('ab', 'a?b')",
	"string.find('b', 'a?b')",
	"string.find('aab', 'a?a?aab')",
	"string.match('<a><b>', '<(.-)>')",
	"string.match('<a><b>', '<(.*)>')",
	"string.match('aXbXc', '(.*)X')",
	"string.match('aXbXc', '(.-)X')",
	"string.find('xyz', 'x*$')",
	"string.find('abc', '[ab]-c')",
	"string.match('aaa', '^(a-)(a+)$')",
	"string.match('ab', '(a)*')",
	"string.match('a*', '(a)*')",
	/* anchors */
	"string.find('xabc', '^abc')",
	"string.find('xabc', '^abc', 2)",
	"string.find('abc', '^')",
	"string.find('abc', '$')",
	"string.find('', '^$')",
	"string.find('abc', '^', 4)",
	"string.find('abc', 'c$')",
	"string.find('a$b', '$b')",
	"string.find('a$', 'a$')",
	"string.find('a$b', 'a$b')",
	"string.find('a^b', 'a^b')",
	"string.find('^^', '^^')",
	"string.match('abc', '^(a)')",
	"string.match('abc', '^(b)')",
	"G('^a^a', '^a')",
	"G('aaa', '^a')",
	"string.gsub('aaa', '^a', 'b')",
	"string.gsub('aaa', '^', '>')",
	"string.gsub('', '^', 'x')",
	"string.gsub('abc', '$', '!')",
	"string.gsub('abc', '^$', 'x')",
	"string.gsub('', '^$', 'x')",
	"string.gsub('aaa', '^a', 'b', 0)",
	"string.gsub('aaa', '^a*', 'b')",
	/* captures */
	"string.match('abc', '(a)(b)(c)')",
	"string.match('abc', '((a)(b))')",
	"string.match('abc', '()')",
	"string.match('abc', '(a)()')",
	"string.match('', '()')",
	"string.match('abc', '(()a())')",
	"string.find('a', '(a')",
	"string.find('b', '(a')",
	"string.match('a', 'a)')",
	"string.match('a', '(()')",
	"string.find('a', ')')",
	"string.match(string.rep('a', 32), string.rep('(a)', 32))",
	"string.match(string.rep('a', 33), string.rep('(a)', 33))",
	"string.find(string.rep('a', 32), string.rep('()', 32))",
	"string.gsub(string.rep('a', 32), string.rep('(a)', 32), '%9%1')",
	"string.gsub('abc', '(a)', '%2')",
	"string.gsub('abc', 'a', '%1')",
	"string.gsub('abc', 'a', '%2')",
	"string.gsub('abc', '()b', '%1')",
	/* back-references */
	"string.find('abcabc', '(abc)%1')",
	"string.match('say \"hi\" and \\'yo\\'', '([\"\\'])(.-)%1')",
	"string.find('aa', '%1')",
	"string.find('aa', '(a%1)')",
	"string.find('aa', '%0')",
	"string.find('aa', '()%1')",
	"string.match('aaaa', '^(a*)%1$')",
	"string.match('aaaaa', '^(a*)%1$')",
	"string.gsub('xxyyz', '(.)%1', '<%1>')",
	"string.match('abab', '(a)(b)%2')",
	"string.match('abab', '(a)(b)%1%2')",
	"string.match('ab', '(a)%2')",
	/* %b */
	"string.find('f(a(b)c)d', '%b()')",
	"string.match('((a)', '%b()')",
	"string.match('a\"b\"c\"d\"', '%b\"\"')",
	"G('a\"b\"c\"d\"e', '%b\"\"')",
	"string.gsub('<<a>>x<b>', '%b<>', 'X')",
	"string.find('x', '%b')",
	"string.find('x', '%b(')",
	"string.find('(', '%b()')",
	"string.find('', '%b()')",
	"string.find('a()', '%b()$')",
	"G('(a)(b)((c)', '%b()')",
	"string.match('[[x]]', '%b[]')",
	/* %f */
	"string.find('THE (quick) fox', '%f[%a]%a+')",
	"G('THE (quick) fox', '%f[%a]%a+')",
	"string.find('abc', '%f[%a]')",
	"string.find('abc', '%f[%A]')",
	"string.find('abc', '%f[\\0]')",
	"string.find('abc', '%f[^\\0]')",
	"string.find('', '%f[%A]')",
	"G('hello world', '%f[%w]()')",
	"G('hello world', '%f[%W]()')",
	"string.gsub('hello world', '%f[%w]%w+', string.upper)",
	"string.find('abc', '%f')",
	"string.find('abc', '%fa')",
	"string.find('abc', '%f[a')",
	/* gmatch */
	"G('abc', '')",
	"G('abc', 'x*')",
	"G('abc', '.-')",
	"G('a,b,,c', '[^,]*')",
	"G('abc', '%w*')",
	"G('key=val, k2=v2', '(%w+)=(%w+)')",
	"G('abc', '()')",
	"G('abc', '()(.)')",
	"G('hello', 'l', 4)",
	"G('hello', '.', -2)",
	"G('hello', '.', 10)",
	"G('hello', '', 6)",
	"G('hello', '', 7)",
	"G('hello', '', -100)",
	"G(12345, '%d%d')",
	"G('abc', '%')",
	"G('abc', '[a')",
	"G('aaa', 'a', 2.5)",
	"(function() local it = string.gmatch('ab', '.') "
	    "return it(), it(), it(), it() end)()",
	"(function() local n = 0 for a, b in string.gmatch('a1b2', "
	    "'(%a)(%d)') do n = n + 1 end return n end)()",
	"string.gmatch()",
	/* gsub: string, table and function replacements */
	"string.gsub('abc', '', '-')",
	"string.gsub('abc', 'x*', '-')",
	"string.gsub('hello world', 'o*', 'X')",
	"string.gsub('abc', '%w*', 'X')",
	"string.gsub('', '', 'x')",
	"string.gsub('hello', 'l', '%0%0')",
	"string.gsub('hello', '(l)', '[%1]')",
	"string.gsub('hello', 'l', '%%')",
	"string.gsub('hello', 'l', '%')",
	"string.gsub('hello', 'l', 'a%')",
	"string.gsub('hello', 'l', '%x')",
	"string.gsub('hello', 'x', '%x')",
	"string.gsub('abc', 'b', 5)",
	"string.gsub('abc', 'b', 2.5)",
	"string.gsub('$a $b $c', '%$(%w)', {a = '1', b = 2})",
	"string.gsub('$a $b', '%$(%w)', {a = false})",
	"string.gsub('$a', '%$(%w)', {a = {}})",
	"string.gsub('$a', '%$(%w)', {a = true})",
	"string.gsub('abc', '%w', setmetatable({}, {__index = "
	    "function(t, k) return k:upper() end}))",
	"string.gsub('abc', '()b', {[2] = 'X'})",
	"string.gsub('k=v x=y', '(%w)=(%w)', "
	    "function(a, b) return b .. '=' .. a end)",
	"string.gsub('abc', '%w', function(c) return nil end)",
	"string.gsub('abc', '%w', function(c) return false end)",
	"string.gsub('abc', '%w', function(c) return 1 end)",
	"string.gsub('abc', '%w', function(c) return {} end)",
	"string.gsub('abc', '()', function(p) return p end)",
	"string.gsub('abc', '%w', function(c) error('boom:' .. c) end)",
	"string.gsub('abc', '%w', function(c) error('boom', 0) end)",
	"(function() local t = {} local ok, e = pcall(string.gsub, 'a', "
	    "'a', function() error(t) end) return ok, e == t end)()",
	"string.gsub('abc', 'b', true)",
	"string.gsub('abc', 'b')",
	"string.gsub('aaa', 'a', 'b', 2)",
	"string.gsub('aaa', 'a', 'b', 0)",
	"string.gsub('aaa', 'a', 'b', -1)",
	"string.gsub('aaa', 'a', 'b', 2.5)",
	"string.gsub('aaa', '', '-', 2)",
	"string.gsub('hello world', '(%w+)', '<%1>')",
	"string.gsub('hello world', '%w+', '%0 %0', 1)",
	"string.gsub('abc', '.', {a = 1, b = true})",
	"string.gsub('abc', '(', 'x')",
	"string.gsub('abc', 'x(', 'x')",
	"('abc'):gsub('b', 'B')",
	/* embedded NUL bytes in subject and pattern */
	"string.find('a\\0b', '\\0')",
	"string.find('a\\0b', '[\\0]')",
	"string.find('a\\0b', 'a%z')",
	"string.find('a\\0b', '%\\0')",
	"string.find('a\\0b', '%c')",
	"string.find('x\\0y', 'x.y')",
	"string.find('\\0\\0x', '\\0+')",
	"string.find('a\\0\\1b', '[\\0-\\1]+')",
	"string.find('a\\0xb', 'a\\0.b')",
	"string.find('a\\0.b', 'a\\0.b', 1, true)",
	"string.find('a\\0b', 'b\\0')",
	"string.match('k\\0v', '(%w)%z?\\0(%w)')",
	"G('a\\0b\\0', '[^\\0]+')",
	"G('a\\0b\\0', '\\0*')",
	"string.gsub('a\\0b', '\\0', '0')",
	"string.gsub('ab', 'b', 'x\\0%0')",
	"string.gsub('ab', 'b', '%\\0')",
	"string.find('h\\195\\169llo', '[\\128-\\255]+')",
	/* malformed patterns and complexity */
	"string.find('abc', 'a%')",
	"string.find('abc', '%')",
	"string.find('bbc', 'a%')",
	"string.match('abc', '%g%')",
	"string.find(string.rep('a', 300), string.rep('a?', 300))",
	"string.find(string.rep('a', 200), string.rep('a?', 198))",
	"string.find(string.rep('a', 200), string.rep('a?', 199))",
	"string.find(string.rep('a', 200), string.rep('a?', 200))",
	"string.find(string.rep('a', 200), string.rep('a?', 201))",
	"string.find(string.rep('a', 300), string.rep('a-', 250) .. 'b')",
	"string.match(string.rep('x', 100), string.rep('(x?)', 30))",
	"string.find(string.rep('ab', 50), string.rep('%w?', 199) .. '$')",
	"string.gsub(string.rep('a', 300), string.rep('a?', 250), '')",
	"G(string.rep('a', 300), string.rep('a?', 250))",
};

static lua_State *
stock_new(void)
{
	lua_State	*L = luaL_newstate();

	ck_assert_ptr_nonnull(L);
	luaL_openlibs(L);
	ck_assert_int_eq(luaL_dostring(L, prelude), LUA_OK);
	return L;
}

/* A sandbox state with the standard libraries and our four installed. */
static lua_State *
ours_new(void)
{
	lua_State	*L = policy_sandbox_new(STATE_LIMIT);

	ck_assert_ptr_nonnull(L);
	luaL_openlibs(L);
	lua_getglobal(L, "string");
	policy_match_install(L, -1);
	lua_pop(L, 1);
	policy_budget_start(L, BIG_BUDGET);
	ck_assert_int_eq(luaL_dostring(L, prelude), LUA_OK);
	return L;
}

/* RUN(code) in L; returns a copy to free. */
static char *
run(lua_State *L, const char *code)
{
	char	*r;

	lua_getglobal(L, "RUN");
	lua_pushstring(L, code);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		r = xstrdup("harness error");
		lua_pop(L, 1);
		return r;
	}
	r = xstrdup(lua_tostring(L, -1));
	lua_pop(L, 1);
	return r;
}

START_TEST(test_differential)
{
	lua_State	*stock = stock_new(), *ours = ours_new();
	char		*want, *got;
	size_t		 i;

	ck_assert_uint_ge(nitems(cases), 150);
	for (i = 0; i < nitems(cases); i++) {
		want = run(stock, cases[i]);
		policy_budget_start(ours, BIG_BUDGET);
		got = run(ours, cases[i]);
		ck_assert_msg(strcmp(want, got) == 0,
		    "%s\n  lua:  %s\n  ours: %s", cases[i], want, got);
		free(want);
		free(got);
	}
	lua_close(stock);
	policy_sandbox_close(ours);
}
END_TEST

/* Our functions really are the ones a method call on a string reaches. */
START_TEST(test_installed)
{
	lua_State	*L = ours_new();
	int		 i;
	static const char *const names[] = { "find", "match", "gmatch",
	    "gsub" };

	for (i = 0; i < 4; i++) {
		lua_pushliteral(L, "");
		lua_getfield(L, -1, names[i]);
		lua_getglobal(L, "string");
		lua_getfield(L, -1, names[i]);
		ck_assert(lua_iscfunction(L, -1));
		ck_assert(lua_rawequal(L, -1, -3));
		lua_pop(L, 4);
	}
	policy_sandbox_close(L);
}
END_TEST

/*
 * Asserts that L's evaluation was stopped by its instruction budget, soon
 * after it ran out: the steps charged past it are fewer than the budget
 * itself, so no matcher works long between two charges.
 */
static void
stopped_by_budget(lua_State *L, const char *what)
{
	ck_assert_msg(policy_budget_exceeded(L), "%s: within budget", what);
	ck_assert(policy_budget(L)->pb_over_steps);
	ck_assert_msg(policy_budget(L)->pb_steps > -POLICY_INSTRUCTIONS,
	    "%s: %lld steps past the budget", what,
	    (long long)-policy_budget(L)->pb_steps);
}

/*
 * Runs code (which must raise) with a budget of POLICY_INSTRUCTIONS steps;
 * it must stop with "budget exceeded".
 */
static void
runaway(const char *code)
{
	lua_State	*L = ours_new();
	int		 rc;

	policy_budget_start(L, POLICY_INSTRUCTIONS);
	rc = luaL_dostring(L, code);
	ck_assert_msg(rc != LUA_OK, "%s: finished", code);
	ck_assert_msg(strstr(lua_tostring(L, -1), "budget exceeded") != NULL,
	    "%s: %s", code, lua_tostring(L, -1));
	stopped_by_budget(L, code);
	policy_sandbox_close(L);
}

START_TEST(test_budget_runaway)
{
	runaway("return ('a'):rep(400):find('.-.-.-b')");
	runaway("return string.rep('a', 60):find('.-.-.-.-.-.-b')");
	runaway("return string.match(string.rep('a', 30) .. 'X', "
	    "string.rep('(a*)', 12) .. '$')");
	runaway("return string.match(string.rep('a', 30) .. 'X', "
	    "'^' .. string.rep('a-', 12) .. '$')");
	runaway("return string.gsub(string.rep('a', 60), '.-.-.-.-b', '')");
	runaway("for x in string.gmatch(string.rep('a', 60), "
	    "'.-.-.-.-b') do end");
	runaway("return string.find(string.rep('(', 5000), "
	    "string.rep('%b()', 200))");
	runaway("local s = string.rep('a', 20000) "
	    "return s:find('(' .. s .. ')%1%1')");
}
END_TEST

/* A policy's own pcall catches the error but not the overrun. */
START_TEST(test_budget_pcall)
{
	static const char src[] =
	    "local ok, e = pcall(string.find, ('a'):rep(400), '.-.-.-b')\n"
	    "caught = e\n"
	    "return ok\n";
	lua_State	*L = ours_new();
	int		 env, rc;

	policy_budget_start(L, POLICY_INSTRUCTIONS);
	(void)luaL_dostring(L, src);
	stopped_by_budget(L, "pcall");
	policy_sandbox_close(L);

	/* the same in the real sandbox environment */
	L = policy_sandbox_new(STATE_LIMIT);
	ck_assert_ptr_nonnull(L);
	policy_sandbox_env(L);
	env = lua_gettop(L);
	rc = policy_sandbox_run(L, src, strlen(src), "=policy", env);
	ck_assert_int_ne(rc, LUA_OK);
	ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "budget exceeded"));
	stopped_by_budget(L, "pcall in the sandbox");
	policy_sandbox_close(L);
}
END_TEST

/* An error in a gsub replacement function reaches the caller intact. */
START_TEST(test_gsub_error)
{
	lua_State	*L = ours_new();

	ck_assert_int_ne(luaL_dostring(L, "return string.gsub('abc', '%w', "
	    "function(c) if c == 'b' then error('no b', 0) end end)"),
	    LUA_OK);
	ck_assert_str_eq(lua_tostring(L, -1), "no b");
	lua_pop(L, 1);
	ck_assert_int_eq(luaL_dostring(L, "local t = {} "
	    "local ok, e = pcall(string.gsub, 'a', 'a', "
	    "function() error(t) end) "
	    "return ok == false and e == t"), LUA_OK);
	ck_assert(lua_toboolean(L, -1));
	policy_sandbox_close(L);
}
END_TEST

START_TEST(test_too_complex)
{
	lua_State	*L = ours_new();

	ck_assert_int_ne(luaL_dostring(L, "return string.find("
	    "string.rep('a', 5000), string.rep('a?', 5000))"), LUA_OK);
	ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1),
	    "pattern too complex"));
	lua_pop(L, 1);
	ck_assert_int_ne(luaL_dostring(L, "return string.gsub("
	    "string.rep('x', 1000), string.rep('(x?)', 5) .. "
	    "string.rep('x?', 400), '')"), LUA_OK);
	ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1),
	    "pattern too complex"));
	ck_assert(!policy_budget_exceeded(L));
	policy_sandbox_close(L);
}
END_TEST

START_TEST(test_full)
{
	/* neither string is NUL-terminated where its length ends */
	static const char subject[] = "ABC-12xyz";
	static const char pat[] = "^[A-Z0-9%-]+$(";
	static const char *const bad[] = {
		"^[A-Z", "[a", "[]", "(a", "a(", "a%", "%", "%b(", "%f", "%fa",
		"%f[a", "%1", "(a%1)", "%0", "(a))", "((a)", "x$(", "[%",
		"((((((((((((((((((((((((((((((((((a))))))))))))))))))))"
		"))))))))))))))",
	};
	lua_State	*L = policy_sandbox_new(STATE_LIMIT);
	size_t		 i;
	int		 top;

	ck_assert_ptr_nonnull(L);
	top = lua_gettop(L);
	policy_budget_start(L, POLICY_INSTRUCTIONS);
	ck_assert_int_eq(policy_match_full(L, subject, 6, pat, 13), 1);
	ck_assert_int_eq(policy_match_full(L, subject, 9, pat, 13), 0);
	ck_assert_int_eq(policy_match_full(L, subject, 0, pat, 13), 0);
	ck_assert_int_eq(policy_match_full(L, "abc", 3, "b", 1), 1);
	ck_assert_int_eq(policy_match_full(L, "abc", 3, "^b", 2), 0);
	ck_assert_int_eq(policy_match_full(L, "abc", 3, "", 0), 1);
	ck_assert_int_eq(policy_match_full(L, "a\0b", 3, "a%zb", 4), 1);
	ck_assert_int_eq(policy_match_full(L, "a\0b", 3, "a%Zb", 4), 0);
	ck_assert_int_eq(policy_match_full(L, "a\0b", 3, "^a%c.$", 6), 1);
	ck_assert_int_eq(policy_match_full(L, "a\0b", 3, "\0b$", 3), 1);
	ck_assert_int_eq(policy_match_full(L, "a)", 2, "a)", 2), 1);
	ck_assert_int_eq(policy_match_full(L, "abab", 4, "^(ab)%1$", 8), 1);
	ck_assert_int_eq(policy_match_full(L, "(x)", 3, "^%b()$", 6), 1);
	ck_assert_int_eq(policy_match_full(L, "x y", 3, "%f[%w]y", 7), 1);
	/* malformed: -1 whatever the subject, matched or not */
	for (i = 0; i < nitems(bad); i++) {
		ck_assert_msg(policy_match_full(L, "", 0, bad[i],
		    strlen(bad[i])) == -1, "%s", bad[i]);
		ck_assert_msg(policy_match_full(L, "zzz", 3, bad[i],
		    strlen(bad[i])) == -1, "%s", bad[i]);
	}
	ck_assert_int_eq(lua_gettop(L), top);
	ck_assert(!policy_budget_exceeded(L));

	/* a runaway pattern is an error, not a raise */
	ck_assert_int_eq(policy_match_full(L, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 60, ".-.-.-.-.-.-b", 13), -1);
	ck_assert(policy_budget_exceeded(L));
	ck_assert_int_eq(lua_gettop(L), top);
	policy_sandbox_close(L);
}
END_TEST

/* suites.h declares it for the runner; -Wmissing-prototypes wants it here. */
Suite	*policy_match_suite(void);

Suite *
policy_match_suite(void)
{
	Suite	*s = suite_create("policy_match");
	TCase	*tc = tcase_create("match");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_differential);
	tcase_add_test(tc, test_installed);
	tcase_add_test(tc, test_budget_runaway);
	tcase_add_test(tc, test_budget_pcall);
	tcase_add_test(tc, test_gsub_error);
	tcase_add_test(tc, test_too_complex);
	tcase_add_test(tc, test_full);
	suite_add_tcase(s, tc);
	return s;
}
