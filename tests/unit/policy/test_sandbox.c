/*
 * Tests for core/policy/sandbox.c: the hostile policies of tests/policy
 * (runaway loops, memory bombs, blocked globals, writes to what must stay
 * read-only, state kept between calls, wrong answers) each compiled over
 * the shipped base. Every one must be refused or deny, quickly, and leave
 * the process and the next decision unharmed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <lauxlib.h>
#include <lualib.h>

#include "base/base.h"
#include "policy/policy.h"
#include "suites.h"

/* The shipped policies dir is the source tree's: the fixtures are beside. */
#define BASE_LUA	ERP_DEFAULT_POLICIES_DIR "/base.lua"
#define FIXTURES	ERP_DEFAULT_POLICIES_DIR "/../tests/policy"
#define PWNED		"/tmp/erpd-policy-pwned"

static void
setup(void)
{
	struct erp_err	 err;

	ck_assert_msg(policy_engine_init(BASE_LUA, &err) == 0, "%s",
	    err.e_msg);
}

static char *
fixture(const char *name, size_t *len)
{
	char	 path[1024];
	char	*src;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	src = fs_read_file(path, POLICY_SOURCE_MAX, len);
	ck_assert_msg(src != NULL, "cannot read %s", path);
	return src;
}

/* Compiles a fixture (with its tests); NULL with err set if refused. */
static struct policy *
compile_fixture(const char *name, struct erp_err *err)
{
	struct policy	*p;
	size_t		 len;
	char		*src = fixture(name, &len);

	err->e_msg[0] = '\0';
	p = policy_compile(src, len, POLICY_UPLOAD, err);
	free(src);
	return p;
}

static struct policy *
must_compile(const char *name)
{
	struct erp_err	 err;
	struct policy	*p = compile_fixture(name, &err);

	ck_assert_msg(p != NULL, "%s refused: %s", name, err.e_msg);
	return p;
}

/* Decides action for a user with role. */
static void
decide(struct policy *p, const char *role, const char *action,
    struct policy_decision *d)
{
	struct policy_subject	 sub = { 7, "user", role, false };
	struct policy_resource	 res = { .pr_type = "product",
				    .pr_org_id = 1 };
	char			 type[64];

	snprintf(type, sizeof(type), "%.*s", (int)strcspn(action, ":"),
	    action);
	res.pr_type = type;
	policy_decide(p, &sub, action, &res, 1700000000, "127.0.0.1", d);
}

/*
 * The decision denies because the policy failed, saying why. That a
 * runaway is stopped at all shows in the reason (a budget, not a hang: the
 * test case's timeout catches one); how fast is bench_policy's business.
 */
static void
assert_failed(struct policy *p, const char *action, const char *why)
{
	struct policy_decision	 d;

	decide(p, "admin", action, &d);

	ck_assert_msg(!d.pd_allow, "%s was allowed", action);
	ck_assert_msg(d.pd_error, "%s: no error flagged (reason %s)", action,
	    d.pd_reason);
	ck_assert_msg(strstr(d.pd_reason, why) != NULL, "%s: reason \"%s\" "
	    "lacks \"%s\"", action, d.pd_reason, why);
}

/* The policy still answers an ordinary question, as the base would. */
static void
assert_healthy(struct policy *p)
{
	struct policy_decision	 d;

	decide(p, "viewer", "product:read", &d);
	ck_assert_msg(d.pd_allow && !d.pd_error, "viewer product:read: %s",
	    d.pd_reason);
	decide(p, "viewer", "file:delete", &d);
	ck_assert_msg(!d.pd_allow && !d.pd_error, "viewer file:delete: %s",
	    d.pd_reason);
	decide(p, "admin", "policy:manage", &d);
	ck_assert_msg(d.pd_allow && !d.pd_error, "admin policy:manage: %s",
	    d.pd_reason);
}

/* Policies that must not compile, and what the error must say. */
static const struct {
	const char	*file;
	const char	*why;
} refused[] = {
	{ "loop_load.lua", "instruction budget exceeded" },
	{ "loop_pcall_load.lua", "budget exceeded" },
	{ "memory_table_load.lua", "memory budget exceeded" },
	{ "memory_rep_load.lua", "memory budget exceeded" },
	{ "memory_rep_huge_load.lua", "memory budget exceeded" },
	{ "memory_pcall_load.lua", "memory budget exceeded" },
	{ "base_write_load.lua", "policy:3: attempt to modify a read-only" },
	{ "base_unset_load.lua", "policy:2: attempt to modify a read-only" },
	{ "base_insert_load.lua", "read-only" },
	{ "binary_chunk.lua", "binary chunk" },
	{ "blocked_os_execute.lua", "policy:2: attempt to index a nil value "
	    "(global 'os')" },
	{ "blocked_io_open.lua", "policy:2: attempt to index a nil value "
	    "(global 'io')" },
	{ "blocked_require.lua", "policy:2: attempt to call a nil value "
	    "(global 'require')" },
	{ "blocked_load.lua", "policy:2: attempt to call a nil value "
	    "(global 'load')" },
	{ "blocked_loadstring.lua", "policy:2: attempt to call a nil value "
	    "(global 'loadstring')" },
	{ "blocked_dofile.lua", "policy:2: attempt to call a nil value "
	    "(global 'dofile')" },
	{ "blocked_debug_getinfo.lua", "policy:2: attempt to index a nil "
	    "value (global 'debug')" },
	{ "blocked_collectgarbage.lua", "policy:2: attempt to call a nil "
	    "value (global 'collectgarbage')" },
	{ "blocked_setmetatable.lua", "policy:2: attempt to call a nil value "
	    "(global 'setmetatable')" },
	{ "blocked_getmetatable.lua", "policy:2: attempt to call a nil value "
	    "(global 'getmetatable')" },
	{ "blocked_rawset.lua", "policy:2: attempt to call a nil value "
	    "(global 'rawset')" },
	{ "blocked_coroutine.lua", "policy:2: attempt to index a nil value "
	    "(global 'coroutine')" },
	{ "blocked_string_dump.lua", "policy:2: attempt to call a nil value "
	    "(field 'dump')" },
	{ "blocked_math_random.lua", "policy:2: attempt to call a nil value "
	    "(field 'random')" },
};

START_TEST(test_refused)
{
	struct erp_err	 err;
	struct policy	*p;

	p = compile_fixture(refused[_i].file, &err);
	ck_assert_msg(p == NULL, "%s compiled", refused[_i].file);
	ck_assert_msg(strstr(err.e_msg, refused[_i].why) != NULL,
	    "%s: \"%s\" lacks \"%s\"", refused[_i].file, err.e_msg,
	    refused[_i].why);
	ck_assert(access(PWNED, F_OK) == -1);
}
END_TEST

START_TEST(test_indirect_roads_closed)
{
	/* its own tests assert that every road came back empty */
	policy_free(must_compile("blocked_indirect.lua"));
}
END_TEST

/* Writes a chunk lua_dump produces into a growing buffer. */
static int
dump_writer(lua_State *L, const void *p, size_t n, void *ud)
{
	buf_append(ud, p, n);
	return 0;
}

START_TEST(test_binary_chunk_from_dump)
{
	struct erp_err	 err;
	struct buf	 b = { 0 };
	lua_State	*L = luaL_newstate();

	/* a real string.dump output, made outside the sandbox */
	ck_assert_int_eq(luaL_loadstring(L, "function allow() return true "
	    "end"), LUA_OK);
	ck_assert_int_eq(lua_dump(L, dump_writer, &b, 0), 0);
	lua_close(L);
	ck_assert(b.b_len > 4 && b.b_data[0] == '\033');
	ck_assert(policy_compile(b.b_data, b.b_len, POLICY_UPLOAD, &err) == NULL);
	ck_assert_msg(strstr(err.e_msg, "binary chunk") != NULL, "%s",
	    err.e_msg);
	buf_free(&b);
	/* the signature alone is enough to be refused */
	ck_assert(policy_compile("\033Lua", 4, POLICY_STORED, &err) == NULL);
	ck_assert_msg(strstr(err.e_msg, "binary chunk") != NULL, "%s",
	    err.e_msg);
}
END_TEST

START_TEST(test_loop_in_allow)
{
	struct policy	*p = must_compile("loop_allow.lua");
	int		 i;

	for (i = 0; i < 3; i++) {
		assert_failed(p, "product:delete", "instruction budget "
		    "exceeded");
		assert_healthy(p);
	}
	policy_free(p);
}
END_TEST

START_TEST(test_loop_in_pcall_in_allow)
{
	struct policy	*p = must_compile("loop_pcall_allow.lua");

	assert_failed(p, "product:delete", "budget exceeded");
	assert_healthy(p);
	assert_failed(p, "product:update", "budget exceeded");
	assert_healthy(p);
	assert_failed(p, "product:create", "budget exceeded");
	assert_healthy(p);
	policy_free(p);
}
END_TEST

START_TEST(test_memory_in_allow)
{
	struct policy	*p = must_compile("memory_allow.lua");
	int		 i;

	/* over and over: what one bomb left must not starve the next call */
	for (i = 0; i < 20; i++) {
		assert_failed(p, "product:delete", "budget exceeded");
		assert_failed(p, "product:update", "memory budget exceeded");
		assert_healthy(p);
	}
	policy_free(p);
}
END_TEST

START_TEST(test_memory_in_pcall_in_allow)
{
	struct policy	*p = must_compile("memory_pcall_allow.lua");
	int		 i;

	for (i = 0; i < 5; i++) {
		assert_failed(p, "product:delete", "memory budget exceeded");
		assert_healthy(p);
	}
	policy_free(p);
}
END_TEST

START_TEST(test_memory_held_by_upvalue)
{
	struct policy	*p = must_compile("memory_upvalue_allow.lua");
	int		 i;

	for (i = 0; i < 5; i++) {
		assert_failed(p, "product:delete", "budget exceeded");
		assert_healthy(p);
	}
	policy_free(p);
}
END_TEST

START_TEST(test_pattern_in_allow)
{
	struct policy	*p = must_compile("pattern_allow.lua");

	assert_failed(p, "product:delete", "budget exceeded");
	assert_healthy(p);
	assert_failed(p, "product:update", "budget exceeded");
	assert_healthy(p);
	policy_free(p);
}
END_TEST

START_TEST(test_writes_in_allow)
{
	struct policy		*p = must_compile("base_write_allow.lua");
	struct policy_decision	 d;
	int			 i;

	for (i = 0; i < 2; i++) {
		assert_failed(p, "product:delete", "read-only");
		assert_failed(p, "product:create", "read-only");
		assert_failed(p, "product:update", "read-only");
		assert_healthy(p);
		/* nothing stuck: not "hijacked", no wider viewer */
		decide(p, "viewer", "order:delete", &d);
		ck_assert(!d.pd_allow && !d.pd_error);
		decide(p, "viewer", "customer:create", &d);
		ck_assert(!d.pd_allow && !d.pd_error);
	}
	policy_free(p);
}
END_TEST

START_TEST(test_upvalue_state_is_reset)
{
	struct policy		*p = must_compile("upvalue_state.lua");
	struct policy_decision	 d;
	int			 i;

	for (i = 0; i < 5; i++) {
		decide(p, "viewer", "product:read", &d);
		ck_assert_msg(d.pd_allow && !d.pd_error, "call %d: %s", i,
		    d.pd_reason);
		decide(p, "viewer", "customer:read", &d);
		ck_assert_msg(d.pd_allow && !d.pd_error, "call %d: %s", i,
		    d.pd_reason);
		assert_failed(p, "order:read", "read-only");
	}
	policy_free(p);
}
END_TEST

START_TEST(test_organizations_apart)
{
	struct policy		*a, *b = must_compile("org_b.lua");
	struct policy_decision	 d;
	struct erp_err		 err;
	size_t			 len;
	char			*src = fixture("org_a.lua", &len);
	int			 i;

	/*
	 * Uploading a global is refused now; one stored before that was
	 * still compiles, and its state must stay its own.
	 */
	ck_assert(policy_compile(src, len, POLICY_UPLOAD, &err) == NULL);
	ck_assert_msg(strstr(err.e_msg, "shared_secret is not a name") !=
	    NULL, "%s", err.e_msg);
	a = policy_compile(src, len, POLICY_STORED, &err);
	ck_assert_msg(a != NULL, "%s", err.e_msg);
	free(src);

	for (i = 0; i < 2; i++) {
		decide(a, "viewer", "customer:read", &d);
		ck_assert_msg(d.pd_allow && !d.pd_error, "%s", d.pd_reason);
		decide(b, "viewer", "customer:read", &d);
		ck_assert_msg(d.pd_allow && !d.pd_error, "b sees a's global: "
		    "%s", d.pd_reason);
		decide(a, "auditor", "audit:read", &d);
		ck_assert(d.pd_allow);
		decide(b, "auditor", "audit:read", &d);
		ck_assert_msg(!d.pd_allow && !d.pd_error, "b has a's role");
	}
	policy_free(a);
	/* b does not depend on a in any way */
	assert_healthy(b);
	policy_free(b);
}
END_TEST

START_TEST(test_wrong_answers)
{
	static const char *const nonbool[] = { "product:delete",
	    "product:update", "product:create", "order:delete", "order:ship" };
	struct policy	*p = must_compile("nonboolean_allow.lua");
	size_t		 i;

	for (i = 0; i < nitems(nonbool); i++)
		assert_failed(p, nonbool[i], "not a boolean");
	assert_failed(p, "order:cancel", "boom");
	assert_failed(p, "order:confirm", "error object is not a string");
	assert_healthy(p);
	policy_free(p);
}
END_TEST

/*
 * Where a policy's code runs without the count hook: inside a message
 * handler called for the budget's own error, and inside one C library
 * call that loops without allocating. Each must still be stopped.
 */
START_TEST(test_xpcall_handler_at_load)
{
	struct erp_err	 err;

	ck_assert(compile_fixture("loop_xpcall_load.lua", &err) == NULL);
	ck_assert_msg(strstr(err.e_msg, "budget exceeded") != NULL, "%s",
	    err.e_msg);
}
END_TEST

START_TEST(test_xpcall_handler_in_allow)
{
	struct policy	*p = must_compile("loop_xpcall_allow.lua");

	assert_failed(p, "product:delete", "budget exceeded");
	assert_healthy(p);
	assert_failed(p, "product:update", "budget exceeded");
	assert_healthy(p);
	policy_free(p);
}
END_TEST

START_TEST(test_table_move_in_allow)
{
	struct policy	*p = must_compile("cloop_allow.lua");

	assert_failed(p, "product:delete", "budget exceeded");
	assert_healthy(p);
	policy_free(p);
}
END_TEST

/*
 * string.rep of an empty string a huge number of times is "" at once in
 * the sandbox (the stock one loops in C for ever): the decision comes
 * back, and it is the policy's.
 */
START_TEST(test_string_rep_in_allow)
{
	struct policy		*p = must_compile("cloop_allow.lua");
	struct policy_subject	 sub = { 1, "user", "clerk", false };
	struct policy_resource	 res = { .pr_type = "product",
				    .pr_org_id = 1, .pr_id = 1 };
	struct policy_decision	 d;

	policy_decide(p, &sub, "product:update", &res, 0, "127.0.0.1", &d);
	ck_assert_msg(!d.pd_error, "%s", d.pd_reason);
	ck_assert(d.pd_allow);
	assert_healthy(p);
	policy_free(p);
}
END_TEST

/*
 * Everything above, one after the other in one process and without any
 * policy being freed in between: the process, and the base, still serve.
 */
START_TEST(test_survives_everything)
{
	static const char *const hostile[] = { "loop_allow.lua",
	    "loop_pcall_allow.lua", "memory_allow.lua",
	    "memory_pcall_allow.lua", "memory_upvalue_allow.lua",
	    "pattern_allow.lua", "base_write_allow.lua",
	    "nonboolean_allow.lua" };
	static const char *const actions[] = { "product:delete",
	    "product:update", "product:create", "order:delete", "order:ship",
	    "order:cancel", "order:confirm", "order:read" };
	struct policy		*p[nitems(hostile)], *base;
	struct policy_decision	 d;
	struct erp_err		 err;
	size_t			 i, k;

	for (i = 0; i < nitems(refused); i++)
		ck_assert(compile_fixture(refused[i].file, &err) == NULL);
	for (i = 0; i < nitems(hostile); i++)
		p[i] = must_compile(hostile[i]);
	for (i = 0; i < nitems(hostile); i++)
		for (k = 0; k < nitems(actions); k++)
			decide(p[i], "admin", actions[k], &d);
	for (i = 0; i < nitems(hostile); i++)
		assert_healthy(p[i]);
	base = policy_compile(NULL, 0, POLICY_UPLOAD, &err);
	ck_assert_msg(base != NULL, "%s", err.e_msg);
	assert_healthy(base);
	for (i = 0; i < nitems(hostile); i++)
		policy_free(p[i]);
	policy_free(base);
}
END_TEST

Suite *
policy_sandbox_suite(void)
{
	Suite	*s = suite_create("policy_sandbox");
	TCase	*tc = tcase_create("hostile");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_refused, 0, (int)nitems(refused));
	tcase_add_test(tc, test_indirect_roads_closed);
	tcase_add_test(tc, test_binary_chunk_from_dump);
	tcase_add_test(tc, test_loop_in_allow);
	tcase_add_test(tc, test_loop_in_pcall_in_allow);
	tcase_add_test(tc, test_memory_in_allow);
	tcase_add_test(tc, test_memory_in_pcall_in_allow);
	tcase_add_test(tc, test_memory_held_by_upvalue);
	tcase_add_test(tc, test_pattern_in_allow);
	tcase_add_test(tc, test_writes_in_allow);
	tcase_add_test(tc, test_upvalue_state_is_reset);
	tcase_add_test(tc, test_organizations_apart);
	tcase_add_test(tc, test_wrong_answers);
	tcase_add_test(tc, test_survives_everything);
	suite_add_tcase(s, tc);
	/* a runaway here would hang: the timeout turns that into a failure */
	tc = tcase_create("unhooked");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_xpcall_handler_at_load);
	tcase_add_test(tc, test_xpcall_handler_in_allow);
	tcase_add_test(tc, test_table_move_in_allow);
	tcase_add_test(tc, test_string_rep_in_allow);
	suite_add_tcase(s, tc);
	return s;
}
