/*
 * Tests for core/policy/engine.c: the base policy's decisions, how an
 * organization's policy merges over it (docs/policies.md), what stays the
 * base's alone, extend(), self-tests, matched patterns and the roles in
 * force.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/base.h"
#include "policy/policy.h"
#include "suites.h"

#define BASE_LUA	ERP_DEFAULT_POLICIES_DIR "/base.lua"

static void
setup(void)
{
	struct erp_err	 err;

	ck_assert_msg(policy_engine_init(BASE_LUA, &err) == 0, "%s",
	    err.e_msg);
}

static struct policy *
compile(const char *src)
{
	struct erp_err	 err;
	struct policy	*p;

	p = policy_compile(src, src ? strlen(src) : 0, POLICY_UPLOAD, &err);
	ck_assert_msg(p != NULL, "refused: %s", err.e_msg);
	return p;
}

/* Compiling src must fail; returns the message. */
static const char *
refuse(const char *src, bool tests)
{
	static struct erp_err	 err;

	ck_assert_msg(policy_compile(src, strlen(src), tests ? POLICY_UPLOAD : POLICY_STORED, &err) == NULL,
	    "compiled: %s", src);
	return err.e_msg;
}

/* Decides for a user with role; attrs (JSON text) may be NULL. */
static void
decide_attrs(struct policy *p, const char *role, const char *action,
    const char *attrs, struct policy_decision *d)
{
	struct policy_subject	 sub = { 7, "user", role, false };
	struct policy_resource	 res = { .pr_org_id = 1 };
	cJSON			*a = attrs ? cJSON_Parse(attrs) : NULL;
	char			 type[64];

	snprintf(type, sizeof(type), "%.*s", (int)strcspn(action, ":"),
	    action);
	res.pr_type = type;
	res.pr_attrs = a;
	policy_decide(p, &sub, action, &res, 1700000000, "127.0.0.1", d);
	cJSON_Delete(a);
}

static bool
allowed(struct policy *p, const char *role, const char *action)
{
	struct policy_decision	 d;

	decide_attrs(p, role, action, NULL, &d);
	ck_assert_msg(!d.pd_error, "%s %s: %s", role ? role : "(none)",
	    action, d.pd_reason);
	ck_assert_msg(d.pd_allow || d.pd_reason[0] != '\0', "a denial "
	    "without a reason");
	return d.pd_allow;
}

/* Base ------------------------------------------------------------------ */

static const struct {
	const char	*role;
	const char	*action;
	bool		 allow;
} base_cases[] = {
	{ "admin", "product:read", true },
	{ "admin", "order:ship", true },
	{ "admin", "member:manage", true },
	{ "admin", "policy:manage", true },
	{ "admin", "anything:at_all", true },
	{ "manager", "product:delete", true },
	{ "manager", "customer:create", true },
	{ "manager", "order:ship", true },
	{ "manager", "order:cancel", true },
	{ "manager", "file:delete", true },
	{ "manager", "member:read", true },
	{ "manager", "member:manage", false },
	{ "manager", "apikey:create", true },
	{ "manager", "audit:read", true },
	{ "manager", "policy:read", true },
	{ "manager", "policy:manage", false },
	{ "clerk", "product:read", true },
	{ "clerk", "product:create", false },
	{ "clerk", "customer:delete", true },
	{ "clerk", "order:read", true },
	{ "clerk", "order:create", true },
	{ "clerk", "order:update", true },
	{ "clerk", "order:confirm", true },
	{ "clerk", "order:ship", false },
	{ "clerk", "order:cancel", false },
	{ "clerk", "order:delete", false },
	{ "clerk", "file:create", true },
	{ "clerk", "file:delete", false },
	{ "clerk", "member:read", false },
	{ "clerk", "policy:read", false },
	{ "clerk", "audit:read", false },
	{ "viewer", "product:read", true },
	{ "viewer", "customer:read", true },
	{ "viewer", "order:read", true },
	{ "viewer", "file:read", true },
	{ "viewer", "product:create", false },
	{ "viewer", "customer:update", false },
	{ "viewer", "order:confirm", false },
	{ "viewer", "file:create", false },
	{ "viewer", "member:read", false },
	{ "viewer", "policy:read", false },
	{ "viewer", "apikey:read", false },
	{ "nobody", "product:read", false },
	{ "", "product:read", false },
	{ NULL, "product:read", false },
	{ NULL, "policy:read", false },
};

START_TEST(test_base_decisions)
{
	struct policy	*p = compile(NULL);
	size_t		 i;

	for (i = 0; i < nitems(base_cases); i++)
		ck_assert_msg(allowed(p, base_cases[i].role,
		    base_cases[i].action) == base_cases[i].allow,
		    "%s %s: expected %s", base_cases[i].role ?
		    base_cases[i].role : "(none)", base_cases[i].action,
		    base_cases[i].allow ? "allow" : "deny");
	policy_free(p);
}
END_TEST

START_TEST(test_base_reason_and_matched)
{
	struct policy		*p = compile(NULL);
	struct policy_decision	 d;

	decide_attrs(p, "viewer", "product:create", NULL, &d);
	ck_assert(!d.pd_allow && !d.pd_error);
	ck_assert_str_eq(d.pd_reason, "role viewer may not product:create");
	ck_assert_str_eq(d.pd_matched, "");	/* the default deny */
	decide_attrs(p, "viewer", "product:read", NULL, &d);
	ck_assert(d.pd_allow);
	ck_assert_str_eq(d.pd_reason, "");
	ck_assert_str_eq(d.pd_matched, "product:read");
	decide_attrs(p, "manager", "product:delete", NULL, &d);
	ck_assert_str_eq(d.pd_matched, "product:*");
	decide_attrs(p, "admin", "order:ship", NULL, &d);
	ck_assert_str_eq(d.pd_matched, "*");
	/* policy:* is the base's: its pattern is reported all the same */
	decide_attrs(p, "manager", "policy:read", NULL, &d);
	ck_assert_str_eq(d.pd_matched, "policy:read");
	/* a stale match from an earlier call never leaks into a denial */
	decide_attrs(p, "clerk", "order:ship", NULL, &d);
	ck_assert(!d.pd_allow);
	ck_assert_str_eq(d.pd_matched, "");
	policy_free(p);
}
END_TEST

START_TEST(test_no_policy_denies)
{
	struct policy_decision	 d;

	decide_attrs(NULL, "admin", "product:read", NULL, &d);
	ck_assert(!d.pd_allow && d.pd_error);
}
END_TEST

/* Merging --------------------------------------------------------------- */

START_TEST(test_added_role_honoured_by_base_allow)
{
	struct policy	*p = compile(
	    "roles = { auditor = { \"audit:read\", \"order:read\" } }\n");

	ck_assert(allowed(p, "auditor", "audit:read"));
	ck_assert(allowed(p, "auditor", "order:read"));
	ck_assert(!allowed(p, "auditor", "order:create"));
	/* the base's roles stay */
	ck_assert(allowed(p, "viewer", "product:read"));
	ck_assert(allowed(p, "manager", "product:delete"));
	ck_assert(allowed(p, "admin", "order:ship"));
	policy_free(p);
}
END_TEST

START_TEST(test_replaced_role)
{
	struct policy	*p = compile(
	    "roles = { viewer = { \"product:read\" } }\n");

	ck_assert(allowed(p, "viewer", "product:read"));
	ck_assert(!allowed(p, "viewer", "order:read"));
	ck_assert(!allowed(p, "viewer", "customer:read"));
	ck_assert(allowed(p, "clerk", "order:read"));
	policy_free(p);
}
END_TEST

START_TEST(test_org_allow_replaces_base)
{
	struct policy		*p = compile(
	    "function allow(subject, action, resource, context)\n"
	    "  if action == \"product:read\" then\n"
	    "    return false, \"no reading products here\"\n"
	    "  end\n"
	    "  return base.allow(subject, action, resource, context)\n"
	    "end\n");
	struct policy_decision	 d;

	decide_attrs(p, "viewer", "product:read", NULL, &d);
	ck_assert(!d.pd_allow && !d.pd_error);
	ck_assert_str_eq(d.pd_reason, "no reading products here");
	ck_assert(!allowed(p, "admin", "product:read"));
	ck_assert(allowed(p, "viewer", "order:read"));
	ck_assert(!allowed(p, "viewer", "order:create"));
	policy_free(p);
}
END_TEST

START_TEST(test_base_alone_decides_policy_and_members)
{
	struct policy	*yes = compile(
	    "roles = { viewer = { \"*\" }, admin = { \"product:read\" } }\n"
	    "function allow() return true end\n");
	struct policy	*no = compile(
	    "function allow() return false, \"closed\" end\n");

	/* an org allow that says yes grants nothing there */
	ck_assert(allowed(yes, "viewer", "product:delete"));
	ck_assert(!allowed(yes, "viewer", "policy:manage"));
	ck_assert(!allowed(yes, "viewer", "policy:read"));
	ck_assert(!allowed(yes, "viewer", "member:manage"));
	ck_assert(!allowed(yes, "nobody", "member:read"));
	ck_assert(!allowed(yes, "clerk", "policy:read"));
	/* nor do its roles: its admin, cut down, keeps the base's */
	ck_assert(allowed(yes, "admin", "policy:manage"));
	ck_assert(allowed(yes, "admin", "member:manage"));
	/* an org allow that says no locks nobody out of them */
	ck_assert(!allowed(no, "admin", "product:read"));
	ck_assert(allowed(no, "admin", "policy:manage"));
	ck_assert(allowed(no, "admin", "member:manage"));
	ck_assert(allowed(no, "manager", "policy:read"));
	ck_assert(allowed(no, "manager", "member:read"));
	ck_assert(!allowed(no, "manager", "member:manage"));
	policy_free(yes);
	policy_free(no);
}
END_TEST

START_TEST(test_password_ok_is_the_base)
{
	static const char	 src[] =
	    "function password_ok(password, user) return true end\n";
	struct erp_err	 err;
	struct policy	*p;
	char		 why[128] = "";

	/* refused at upload; one stored before that is ignored */
	ck_assert_msg(strstr(refuse(src, true), "password_ok may not be "
	    "defined") != NULL, "password_ok");
	p = policy_compile(src, strlen(src), POLICY_STORED, &err);
	ck_assert_msg(p != NULL, "%s", err.e_msg);

	ck_assert(!policy_password_ok(p, "short", "a@b.c", why, sizeof(why)));
	ck_assert_str_eq(why, "must be at least 12 characters");
	ck_assert(!policy_password_ok(p, "alice@example.com", "ALICE@example"
	    ".com", why, sizeof(why)));
	ck_assert(policy_password_ok(p, "a long passphrase 1", "a@b.c", why,
	    sizeof(why)));
	policy_free(p);
}
END_TEST

START_TEST(test_schemas_merge_key_by_key)
{
	struct erp_err	 err;
	struct policy	*p;
	cJSON		*body, *fields;

	/* a module's fragment gives the base two schemas */
	ck_assert(policy_engine_add_fragment("test_fragment.lua",
	    "schemas.thing = {\n"
	    "  name = { type = \"string\", required = true },\n"
	    "}\n"
	    "schemas.gadget = { size = { type = \"integer\" } }\n",
	    &err) == 0);
	p = compile(
	    "schemas = {\n"
	    "  thing = extend(base.schemas.thing,\n"
	    "      { code = { type = \"string\", required = true,\n"
	    "                 pattern = \"^[A-Z]+$\" } }),\n"
	    "  widget = { size = { type = \"integer\", min = 1 } },\n"
	    "}\n"
	    "tests = { function()\n"
	    "  assert(base.schemas.thing.code == nil)\n"
	    "  assert(base.schemas.widget == nil)\n"
	    "  expect_invalid(\"thing\", { name = \"x\", code = \"abc\" },\n"
	    "      \"code\")\n"
	    "  expect_valid(\"thing\", { name = \"x\", code = \"ABC\" })\n"
	    "end }\n");
	ck_assert(policy_has_schema(p, "thing"));
	ck_assert(policy_has_schema(p, "gadget"));	/* the base's stays */
	ck_assert(policy_has_schema(p, "widget"));	/* the org's added */
	ck_assert(!policy_has_schema(p, "product"));
	/* thing: the base's name plus the org's code */
	body = cJSON_Parse("{\"code\": \"abc\"}");
	fields = cJSON_CreateArray();
	ck_assert_int_eq(policy_validate(p, "thing", body, false, NULL,
	    fields, NULL), 0);
	ck_assert_int_eq(cJSON_GetArraySize(fields), 2);	/* name, code */
	cJSON_Delete(body);
	cJSON_Delete(fields);
	body = cJSON_Parse("{\"name\": \"x\", \"code\": \"ABC\"}");
	fields = cJSON_CreateArray();
	ck_assert_int_eq(policy_validate(p, "thing", body, false, NULL,
	    fields, NULL), 0);
	ck_assert_int_eq(cJSON_GetArraySize(fields), 0);
	cJSON_Delete(body);
	cJSON_Delete(fields);
	policy_free(p);
}
END_TEST

START_TEST(test_extend)
{
	struct policy	*p = compile(
	    "roles = {\n"
	    "  senior_clerk = extend(base.roles.clerk,\n"
	    "      { [#base.roles.clerk + 1] = \"product:create\" }),\n"
	    "}\n"
	    "tests = {\n"
	    "  function()\n"
	    "    local t = extend({ a = 1, b = 2 }, { b = 3, c = 4 })\n"
	    "    assert(t.a == 1 and t.b == 3 and t.c == 4)\n"
	    "    t.d = 5\n"
	    "    assert(#roles.senior_clerk == #base.roles.clerk + 1)\n"
	    "    assert(base.roles.clerk[#base.roles.clerk + 1] == nil)\n"
	    "    expect_allow({ id = 1, kind = \"user\",\n"
	    "        role = \"senior_clerk\" }, \"product:create\", {})\n"
	    "  end,\n"
	    "  function()\n"
	    "    assert(not pcall(extend, nil, {}))\n"
	    "    assert(not pcall(extend, {}, \"x\"))\n"
	    "    expect_deny({ id = 1, kind = \"user\", role = \"clerk\" },\n"
	    "        \"product:create\", {})\n"
	    "  end,\n"
	    "}\n");

	ck_assert(allowed(p, "senior_clerk", "product:create"));
	ck_assert(allowed(p, "senior_clerk", "order:confirm"));
	ck_assert(!allowed(p, "senior_clerk", "order:ship"));
	/* the copy changed, not the base's clerk */
	ck_assert(!allowed(p, "clerk", "product:create"));
	policy_free(p);
}
END_TEST

/* The order-approval example of docs/policies.md. */
static const char order_approval[] =
    "function allow(subject, action, resource, context)\n"
    "  if action == \"order:confirm\" and (resource.total_cents or 0)\n"
    "      > 1000000 and subject.role ~= \"manager\" then\n"
    "    return false, \"orders over 10 000.00 need a manager\"\n"
    "  end\n"
    "  return base.allow(subject, action, resource, context)\n"
    "end\n"
    "tests = {\n"
    "  function()\n"
    "    local clerk = { id = 2, kind = \"user\", role = \"clerk\" }\n"
    "    local boss = { id = 3, kind = \"user\", role = \"manager\" }\n"
    "    local big = { type = \"order\", total_cents = 1000001 }\n"
    "    local small = { type = \"order\", total_cents = 1000000 }\n"
    "    expect_allow(clerk, \"order:confirm\", small)\n"
    "    local ok, why = decide(clerk, \"order:confirm\", big)\n"
    "    assert(not ok and why:find(\"manager\"))\n"
    "    expect_deny(clerk, \"order:confirm\", big)\n"
    "    expect_allow(boss, \"order:confirm\", big)\n"
    "  end,\n"
    "}\n";

START_TEST(test_order_approval)
{
	struct policy		*p = compile(order_approval);
	struct policy_decision	 d;

	decide_attrs(p, "clerk", "order:confirm", "{\"total_cents\": 1000000}",
	    &d);
	ck_assert(d.pd_allow && !d.pd_error);
	ck_assert_str_eq(d.pd_matched, "order:confirm");
	decide_attrs(p, "clerk", "order:confirm", "{\"total_cents\": 1000001}",
	    &d);
	ck_assert(!d.pd_allow && !d.pd_error);
	ck_assert_str_eq(d.pd_reason, "orders over 10 000.00 need a manager");
	decide_attrs(p, "manager", "order:confirm",
	    "{\"total_cents\": 250000000}", &d);
	ck_assert(d.pd_allow && !d.pd_error);
	ck_assert_str_eq(d.pd_matched, "order:*");
	decide_attrs(p, "admin", "order:confirm", "{\"total_cents\": 1000001}",
	    &d);
	ck_assert(!d.pd_allow);
	/* other attributes arrive too, and a list decision has none */
	decide_attrs(p, "clerk", "order:confirm", NULL, &d);
	ck_assert(d.pd_allow);
	decide_attrs(p, "viewer", "order:confirm", "{\"total_cents\": 5}", &d);
	ck_assert(!d.pd_allow && !d.pd_error);
	policy_free(p);
}
END_TEST

START_TEST(test_resource_and_context_arrive)
{
	struct policy		*p = compile(
	    "function allow(s, a, r, c)\n"
	    "  return s.id == 7 and s.kind == \"user\"\n"
	    "    and s.is_admin == false\n"
	    "    and r.type == \"order\" and r.org_id == 1\n"
	    "    and r.status == \"draft\" and r.lines[2].quantity == 3\n"
	    "    and c.time == 1700000000 and c.ip == \"127.0.0.1\"\n"
	    "    or base.allow(s, a, r, c)\n"
	    "end\n");
	struct policy_decision	 d;

	decide_attrs(p, "nobody", "order:ship", "{\"status\": \"draft\", "
	    "\"lines\": [{\"quantity\": 1}, {\"quantity\": 3}]}", &d);
	ck_assert_msg(d.pd_allow && !d.pd_error, "%s", d.pd_reason);
	decide_attrs(p, "nobody", "order:ship", "{\"status\": \"shipped\"}",
	    &d);
	ck_assert(!d.pd_allow);
	policy_free(p);
}
END_TEST

/* Self-tests ------------------------------------------------------------ */

START_TEST(test_failing_tests_refuse)
{
	static const char	 failing[] =
	    "tests = { function() error(\"no\") end }\n";
	struct erp_err	 err;
	struct policy	*p;
	const char	*m;

	m = refuse("tests = {\n"
	    "  function() expect_deny({ role = \"viewer\" }, \"x:y\", {}) end,\n"
	    "  function() assert(false, \"second one\") end,\n"
	    "}\n", true);
	ck_assert_msg(strstr(m, "test 2 failed") != NULL, "%s", m);
	ck_assert_msg(strstr(m, "second one") != NULL, "%s", m);
	m = refuse("tests = { function() error(\"no\") end }\n", true);
	ck_assert_msg(strstr(m, "test 1 failed: policy:1: no") != NULL, "%s",
	    m);
	/* a test that asserts a decision the policy does not make */
	m = refuse("roles = { viewer = {} }\n"
	    "tests = { function()\n"
	    "  assert(decide({ id = 1, kind = \"user\", role = \"viewer\" },\n"
	    "      \"product:read\", { type = \"product\" }))\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "test 1 failed: policy:3:") != NULL, "%s", m);
	m = refuse("tests = { 1 }\n", true);
	ck_assert_msg(strstr(m, "tests[1] is not a function") != NULL, "%s",
	    m);
	m = refuse("tests = \"all good\"\n", true);
	ck_assert_msg(strstr(m, "tests must be a list") != NULL, "%s", m);
	/* a test that runs away fails too */
	m = refuse("tests = { function() while true do end end }\n", true);
	ck_assert_msg(strstr(m, "test 1 failed") != NULL &&
	    strstr(m, "budget") != NULL, "%s", m);
	/* without run_tests the same policy compiles */
	p = policy_compile(failing, strlen(failing), POLICY_STORED, &err);
	ck_assert_msg(p != NULL, "%s", err.e_msg);
	policy_free(p);
}
END_TEST

/* n self-tests made by a loop: a short source can ask for many */
static void
many_tests(char *src, size_t size, int n)
{
	snprintf(src, size, "tests = {}\n"
	    "for i = 1, %d do tests[i] = function()\n"
	    "  expect_deny({ id = 1, kind = 'user', role = 'viewer' },"
	    " 'policy:manage', { type = 'policy' })\n"
	    "end end\n", n);
}

START_TEST(test_tests_bounded)
{
	struct erp_err	 err;
	struct policy	*p;
	char		 src[512], want[64];
	const char	*m;

	many_tests(src, sizeof(src), POLICY_TESTS_MAX);
	p = compile(src);
	ck_assert_uint_eq(policy_tests_passed(p), POLICY_TESTS_MAX);
	policy_free(p);

	/* one more is refused before any runs, naming the limit */
	many_tests(src, sizeof(src), POLICY_TESTS_MAX + 1);
	snprintf(want, sizeof(want), "at most %d tests are allowed (tests "
	    "holds %d)", POLICY_TESTS_MAX, POLICY_TESTS_MAX + 1);
	m = refuse(src, true);
	ck_assert_msg(strstr(m, want) != NULL, "%s", m);
	/* a dry-run's source runs no tests and is refused the same */
	ck_assert(policy_compile(src, strlen(src), POLICY_TRIAL, &err) ==
	    NULL);
	ck_assert_msg(strstr(err.e_msg, want) != NULL, "%s", err.e_msg);
	/* a stored policy is in force already: it still compiles */
	p = policy_compile(src, strlen(src), POLICY_STORED, &err);
	ck_assert_msg(p != NULL, "%s", err.e_msg);
	policy_free(p);
}
END_TEST

/*
 * n self-tests that each run steps VM instructions (a numeric for costs
 * one a turn) and then state an expectation; the last runs forever when
 * runaway is set.
 */
static void
looping_tests(char *src, size_t size, int n, int steps, bool runaway)
{
	snprintf(src, size, "tests = {}\n"
	    "for i = 1, %d do tests[i] = function()\n"
	    "  for k = 1, %d do end\n"
	    "  expect_deny({ id = 1, kind = 'user', role = 'viewer' },"
	    " 'policy:manage', { type = 'policy' })\n"
	    "end end\n"
	    "%s", n, steps, runaway ?
	    "tests[#tests + 1] = function() while true do end end\n" : "");
}

START_TEST(test_tests_share_a_budget)
{
	struct policy	*p;
	char		 src[512], want[80];
	const char	*m, *at;
	int		 each = POLICY_INSTRUCTIONS / 2, n = 0;

	/*
	 * Each test far under its own budget, all of them together 500
	 * evaluations' worth: refused once the shared budget is spent,
	 * after no more tests than it holds.
	 */
	looping_tests(src, sizeof(src), POLICY_TESTS_MAX, each, false);
	m = refuse(src, true);
	ck_assert_msg((at = strstr(m, "policy: the tests' shared instruction "
	    "budget exceeded at test ")) != NULL, "%s", m);
	snprintf(want, sizeof(want), "(all tests together may run %d "
	    "instructions)", POLICY_TESTS_INSTRUCTIONS);
	ck_assert_msg(strstr(m, want) != NULL, "%s", m);
	ck_assert_int_eq(sscanf(at + strlen("policy: the tests' shared "
	    "instruction budget exceeded at test "), "%d", &n), 1);
	ck_assert_int_le((int64_t)(n - 1) * each, POLICY_TESTS_INSTRUCTIONS);
	ck_assert_int_ge((int64_t)n * each, POLICY_TESTS_INSTRUCTIONS - each);

	/* what fits still passes: ten tests of nearly an evaluation each */
	looping_tests(src, sizeof(src), POLICY_TESTS_INSTRUCTIONS /
	    POLICY_INSTRUCTIONS, POLICY_INSTRUCTIONS / 100 * 99, false);
	p = compile(src);
	ck_assert_uint_eq(policy_tests_passed(p), POLICY_TESTS_INSTRUCTIONS /
	    POLICY_INSTRUCTIONS);
	policy_free(p);

	/* a test over its own budget fails as itself, shared budget left */
	looping_tests(src, sizeof(src), 5, each, true);
	m = refuse(src, true);
	ck_assert_msg(strstr(m, "test 6 failed: instruction budget exceeded")
	    != NULL, "%s", m);
}
END_TEST

START_TEST(test_decide_in_tests_uses_base_for_policy)
{
	/* decide() in tests answers as the server: policy:* is the base's */
	struct policy	*p = compile(
	    "function allow() return true end\n"
	    "tests = { function()\n"
	    "  local v = { id = 1, kind = \"user\", role = \"viewer\" }\n"
	    "  expect_allow(v, \"product:delete\", { type = \"product\" })\n"
	    "  expect_deny(v, \"policy:manage\", {})\n"
	    "  expect_deny(v, \"member:manage\", {})\n"
	    "end }\n");

	policy_free(p);
}
END_TEST

START_TEST(test_malformed_policies)
{
	const char	*m;

	m = refuse("roles = {\n  viewer = { \"product:read\",\n"
	    "  \"Product:Read\" } }\n", false);
	ck_assert_msg(strstr(m, "not a permission pattern") != NULL, "%s", m);
	m = refuse("allow = 3\n", false);
	ck_assert_msg(strstr(m, "allow must be a function") != NULL, "%s", m);
	m = refuse("local x = \n", false);
	ck_assert_msg(strncmp(m, "policy:1:", 9) == 0 ||
	    strncmp(m, "policy:2:", 9) == 0, "%s", m);
	m = refuse("\n\nfunction allow(\n", false);
	ck_assert_msg(strncmp(m, "policy:3:", 9) == 0 ||
	    strncmp(m, "policy:4:", 9) == 0, "%s", m);
	m = refuse("x = 1\ny = 2\nerror(\"on purpose\")\n", false);
	ck_assert_str_eq(m, "policy:3: on purpose");
}
END_TEST

START_TEST(test_source_limit)
{
	struct erp_err	 err;
	size_t		 n = POLICY_SOURCE_MAX + 1;
	char		*src = xmalloc(n + 1);
	struct policy	*p;

	memset(src, ' ', n);
	src[n] = '\0';
	ck_assert(policy_compile(src, n, POLICY_STORED, &err) == NULL);
	ck_assert_msg(strstr(err.e_msg, "larger than") != NULL, "%s",
	    err.e_msg);
	/* exactly at the limit is fine */
	p = policy_compile(src, n - 1, POLICY_STORED, &err);
	ck_assert_msg(p != NULL, "%s", err.e_msg);
	policy_free(p);
	free(src);
}
END_TEST

/* Roles in force -------------------------------------------------------- */

/* The JSON roles array as "name=p1,p2;name=..." for easy comparison. */
static char *
roles_text(struct policy *p)
{
	cJSON		*items = policy_roles_json(p), *r, *perm;
	struct buf	 b = { 0 };

	cJSON_ArrayForEach(r, items) {
		buf_printf(&b, "%s=", cJSON_GetObjectItem(r, "name")->
		    valuestring);
		cJSON_ArrayForEach(perm, cJSON_GetObjectItem(r,
		    "permissions"))
			buf_printf(&b, "%s%s", perm->valuestring,
			    perm->next ? "," : "");
		buf_puts(&b, ";");
	}
	cJSON_Delete(items);
	return b.b_data;
}

START_TEST(test_roles_json)
{
	struct policy	*base = compile(NULL);
	struct policy	*org = compile(
	    "roles = { auditor = { \"audit:read\" }, viewer = {} }\n");
	char		*t;

	t = roles_text(base);
	ck_assert_str_eq(t,
	    "admin=*;"
	    "clerk=product:read,customer:*,order:read,order:create,"
	    "order:update,order:confirm,file:read,file:create;"
	    "manager=product:*,customer:*,order:*,file:*,member:read,"
	    "apikey:*,audit:read,policy:read;"
	    "viewer=product:read,customer:read,order:read,file:read;");
	free(t);
	t = roles_text(org);
	ck_assert_str_eq(t,
	    "admin=*;auditor=audit:read;"
	    "clerk=product:read,customer:*,order:read,order:create,"
	    "order:update,order:confirm,file:read,file:create;"
	    "manager=product:*,customer:*,order:*,file:*,member:read,"
	    "apikey:*,audit:read,policy:read;"
	    "viewer=;");
	free(t);
	/* the base's own roles stay available to the escalation check */
	ck_assert(policy_role_patterns(org, "auditor", true) == NULL);
	ck_assert_str_eq(policy_role_patterns(org, "auditor", false)[0],
	    "audit:read");
	ck_assert(policy_role_patterns(org, "viewer", false)[0] == NULL);
	ck_assert_str_eq(policy_role_patterns(org, "viewer", true)[0],
	    "product:read");
	policy_free(base);
	policy_free(org);
}
END_TEST

/* Expectations ---------------------------------------------------------- */

START_TEST(test_expectations)
{
	struct policy	*p;
	const char	*m;

	/* one of each, all met: the policy compiles and counts its tests */
	p = compile("schemas = { thing = {\n"
	    "  code = { type = \"string\", required = true,\n"
	    "           pattern = \"^[A-Z]+$\" } } }\n"
	    "tests = {\n"
	    "  function()\n"
	    "    local v = { id = 1, kind = \"user\", role = \"viewer\" }\n"
	    "    expect_allow(v, \"product:read\", { type = \"product\" })\n"
	    "    expect_deny(v, \"product:delete\", { type = \"product\" })\n"
	    "  end,\n"
	    "  function()\n"
	    "    expect_valid(\"thing\", { code = \"AB\" })\n"
	    "    expect_invalid(\"thing\", { code = \"ab\" }, \"code\")\n"
	    "    expect_invalid(\"thing\", {}, \"code\")\n"
	    "    expect_invalid(\"thing\", { code = \"AB\", x = 1 }, \"x\")\n"
	    "  end,\n"
	    "}\n");
	ck_assert_uint_eq(policy_tests_passed(p), 2);
	policy_free(p);

	/* decide() alone states nothing: the test could not fail */
	m = refuse("tests = { function()\n"
	    "  return decide({ role = \"viewer\" }, \"product:read\", {})\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "test 1 failed: it states no expectation")
	    != NULL, "%s", m);
	m = refuse("tests = { function() end }\n", true);
	ck_assert_msg(strstr(m, "states no expectation") != NULL, "%s", m);

	/* each expectation that is not met names what happened, and where */
	m = refuse("tests = { function()\n"
	    "  expect_allow({ role = \"viewer\" }, \"product:delete\", {})\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "test 1 failed: policy:2: expected allow: "
	    "role viewer, product:delete was denied (role viewer may not "
	    "product:delete)") != NULL, "%s", m);
	m = refuse("tests = { function()\n"
	    "  expect_deny({ role = \"admin\" }, \"product:delete\", {})\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "expected deny: role admin, product:delete "
	    "was allowed") != NULL, "%s", m);
	m = refuse("schemas = { thing = { n = { type = \"integer\", min = 1 } } }\n"
	    "tests = { function()\n"
	    "  expect_valid(\"thing\", { n = 0 })\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "expected valid thing: n: must be at least 1")
	    != NULL, "%s", m);
	m = refuse("schemas = { thing = { n = { type = \"integer\", min = 1 } } }\n"
	    "tests = { function()\n"
	    "  expect_invalid(\"thing\", { n = 2 }, \"n\")\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "expected thing invalid on n: the body is "
	    "valid") != NULL, "%s", m);
	m = refuse("schemas = { thing = { n = { type = \"integer\", min = 1 },\n"
	    "  s = { type = \"string\" } } }\n"
	    "tests = { function()\n"
	    "  expect_invalid(\"thing\", { n = 0 }, \"s\")\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "expected thing invalid on s: only n: must be "
	    "at least 1") != NULL, "%s", m);
	m = refuse("tests = { function()\n"
	    "  expect_valid(\"nothing\", {})\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "expect_valid: no schema for nothing") != NULL,
	    "%s", m);
	m = refuse("tests = { function()\n"
	    "  expect_valid(\"nothing\", { f = type })\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "the body must be a table of JSON values") !=
	    NULL, "%s", m);
	/* an allow answering something else than a boolean fails the test */
	m = refuse("function allow() return \"yes\" end\n"
	    "tests = { function()\n"
	    "  expect_allow({ role = \"viewer\" }, \"product:read\", {})\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "allow returned string for product:read, not "
	    "a boolean") != NULL, "%s", m);
}
END_TEST

START_TEST(test_expect_valid_shares_the_budget)
{
	const char	*m;

	/* a validation inside a loop cannot outrun the test's budget */
	m = refuse("schemas = { thing = { n = { type = \"integer\",\n"
	    "  check = function(v) for i = 1, 1000 do end end } } }\n"
	    "tests = { function()\n"
	    "  while true do expect_valid(\"thing\", { n = 1 }) end\n"
	    "end }\n", true);
	ck_assert_msg(strstr(m, "budget") != NULL, "%s", m);
}
END_TEST

/* The would-be record and the context ----------------------------------- */

START_TEST(test_context_before_and_changed)
{
	/* "the warehouse role may change only active" */
	struct policy		*p = compile(
	    "roles = { warehouse = { \"product:read\", \"product:update\" } }\n"
	    "function allow(subject, action, resource, context)\n"
	    "  if subject.role == \"warehouse\" and action == \"product:update\" then\n"
	    "    for _, f in ipairs(context.changed or {}) do\n"
	    "      if f ~= \"active\" then\n"
	    "        return false, \"warehouse may change only active\"\n"
	    "      end\n"
	    "    end\n"
	    "    if context.before.price_cents ~= resource.price_cents then\n"
	    "      return false, \"the price moved\"\n"
	    "    end\n"
	    "  end\n"
	    "  return base.allow(subject, action, resource, context)\n"
	    "end\n"
	    "tests = { function()\n"
	    "  local w = { id = 1, kind = \"user\", role = \"warehouse\" }\n"
	    "  local before = { price_cents = 5, active = true }\n"
	    "  expect_allow(w, \"product:update\", { price_cents = 5,\n"
	    "      active = false }, { before = before, changed = { \"active\" } })\n"
	    "  expect_deny(w, \"product:update\", { price_cents = 6 },\n"
	    "      { before = before, changed = { \"price_cents\" } })\n"
	    "end }\n");
	struct policy_subject	 sub = { 7, "user", "warehouse", false };
	struct policy_resource	 res = { .pr_type = "product",
				    .pr_org_id = 1, .pr_id = 3 };
	struct policy_decision	 d;
	cJSON			*rec, *before, *changed, *more;

	rec = cJSON_Parse("{\"price_cents\": 5, \"active\": false}");
	before = cJSON_Parse("{\"price_cents\": 5, \"active\": true}");
	changed = cJSON_Parse("[\"active\"]");
	res.pr_attrs = rec;
	res.pr_before = before;
	res.pr_changed = changed;
	policy_decide(p, &sub, "product:update", &res, 1, "::1", &d);
	ck_assert_msg(d.pd_allow, "%s", d.pd_reason);
	cJSON_Delete(changed);
	changed = cJSON_Parse("[\"active\", \"price_cents\"]");
	res.pr_changed = changed;
	policy_decide(p, &sub, "product:update", &res, 1, "::1", &d);
	ck_assert(!d.pd_allow);
	ck_assert_str_eq(d.pd_reason, "warehouse may change only active");
	/* more context (a dry-run's) goes over what the request gave */
	more = cJSON_Parse("{\"changed\": [\"active\"], "
	    "\"before\": {\"price_cents\": 4}}");
	res.pr_context = more;
	policy_decide(p, &sub, "product:update", &res, 1, "::1", &d);
	ck_assert(!d.pd_allow);
	ck_assert_str_eq(d.pd_reason, "the price moved");
	cJSON_Delete(rec);
	cJSON_Delete(before);
	cJSON_Delete(changed);
	cJSON_Delete(more);
	policy_free(p);
}
END_TEST

/* Explaining a decision ------------------------------------------------- */

static void
explain(struct policy *p, const char *role, const char *action,
    const char *attrs, struct policy_decision *d)
{
	struct policy_subject	 sub = { 7, "user", role, false };
	struct policy_resource	 res = { .pr_type = "order", .pr_org_id = 1 };
	cJSON			*a = attrs ? cJSON_Parse(attrs) : NULL;

	res.pr_attrs = a;
	policy_explain(p, &sub, action, &res, 1, "::1", d);
	cJSON_Delete(a);
	ck_assert_msg(!d->pd_error, "%s", d->pd_reason);
}

START_TEST(test_explain_names_the_deciding_return)
{
	struct policy		*p = compile(order_approval), *b;
	struct policy_decision	 d;

	/* the organization's own rule: "allow" and its line */
	explain(p, "clerk", "order:confirm", "{\"total_cents\": 2000000}", &d);
	ck_assert(!d.pd_allow);
	ck_assert_str_eq(d.pd_matched, "allow");
	ck_assert_str_eq(d.pd_chunk, "policy");
	ck_assert_int_eq(d.pd_line, 4);
	/* the base's allow, reached by a tail call: its pattern */
	explain(p, "clerk", "order:confirm", "{\"total_cents\": 5}", &d);
	ck_assert(d.pd_allow);
	ck_assert_str_eq(d.pd_matched, "order:confirm");
	ck_assert_str_eq(d.pd_chunk, "base.lua");
	ck_assert_int_gt(d.pd_line, 0);
	/* nothing matched: the default deny, not "allow" */
	explain(p, "viewer", "order:ship", NULL, &d);
	ck_assert(!d.pd_allow);
	ck_assert_str_eq(d.pd_matched, "");
	ck_assert_str_eq(d.pd_chunk, "base.lua");
	/* the same answers as policy_decide, which traces nothing */
	decide_attrs(p, "viewer", "order:ship", NULL, &d);
	ck_assert(!d.pd_allow);
	ck_assert_int_eq(d.pd_line, 0);
	policy_free(p);
	b = compile(NULL);
	explain(b, "manager", "order:ship", NULL, &d);
	ck_assert(d.pd_allow);
	ck_assert_str_eq(d.pd_matched, "order:*");
	policy_free(b);
}
END_TEST

/* Redaction ------------------------------------------------------------- */

START_TEST(test_redact)
{
	struct policy		*p = compile(
	    "roles = { warehouse = { \"product:read\" } }\n"
	    "redact = {\n"
	    "  product = function(subject, record)\n"
	    "    if subject.role == \"warehouse\" then\n"
	    "      return { \"price_cents\", \"currency\" }\n"
	    "    end\n"
	    "    if record.secret then return { \"secret\" } end\n"
	    "    return {}\n"
	    "  end,\n"
	    "}\n"), *b;
	struct policy_subject	 w = { 7, "user", "warehouse", false };
	struct policy_subject	 v = { 8, "user", "viewer", false };
	cJSON			*out = cJSON_CreateArray(), *rec;

	ck_assert(policy_has_redact(p, "product"));
	ck_assert(!policy_has_redact(p, "order"));
	ck_assert_int_eq(policy_redacted(p, &w, "product", NULL, out), 0);
	ck_assert_int_eq(cJSON_GetArraySize(out), 2);
	ck_assert_str_eq(cJSON_GetArrayItem(out, 0)->valuestring,
	    "price_cents");
	cJSON_Delete(out);
	out = cJSON_CreateArray();
	rec = cJSON_Parse("{\"secret\": 1}");
	ck_assert_int_eq(policy_redacted(p, &v, "product", rec, out), 0);
	ck_assert_int_eq(cJSON_GetArraySize(out), 1);
	cJSON_Delete(rec);
	cJSON_Delete(out);
	/* a type without a rule: nothing, at no cost */
	out = cJSON_CreateArray();
	ck_assert_int_eq(policy_redacted(p, &w, "order", NULL, out), 0);
	ck_assert_int_eq(cJSON_GetArraySize(out), 0);
	policy_free(p);

	/* a rule that fails or answers nonsense fails closed */
	p = compile("redact = { product = function(s, r) return 3 end,\n"
	    "  order = function(s, r) return { 1 } end,\n"
	    "  file = function(s, r) error(\"boom\") end }\n");
	ck_assert_int_eq(policy_redacted(p, &w, "product", NULL, out), -1);
	ck_assert_int_eq(policy_redacted(p, &w, "order", NULL, out), -1);
	ck_assert_int_eq(policy_redacted(p, &w, "file", NULL, out), -1);
	ck_assert_int_eq(cJSON_GetArraySize(out), 0);
	policy_free(p);
	cJSON_Delete(out);

	/* the base redacts nothing; entries must be functions */
	b = compile(NULL);
	ck_assert(!policy_has_redact(b, "product"));
	policy_free(b);
	ck_assert_msg(strstr(refuse("redact = { product = { \"price_cents\" } }\n",
	    false), "redact.product must be a function") != NULL, "redact");
	ck_assert_msg(strstr(refuse("redact = 3\n", false),
	    "redact must be a table") != NULL, "redact");
}
END_TEST

START_TEST(test_redact_merges_key_by_key)
{
	struct erp_err		 err;
	struct policy		*p;
	struct policy_subject	 w = { 7, "user", "viewer", false };
	cJSON			*out = cJSON_CreateArray();

	ck_assert(policy_engine_add_fragment("test_redact.lua",
	    "redact = { thing = function() return { \"a\" } end }\n",
	    &err) == 0);
	p = compile("redact = { gadget = function() return { \"b\" } end }\n");
	ck_assert(policy_has_redact(p, "thing"));
	ck_assert(policy_has_redact(p, "gadget"));
	ck_assert_int_eq(policy_redacted(p, &w, "thing", NULL, out), 0);
	ck_assert_int_eq(policy_redacted(p, &w, "gadget", NULL, out), 0);
	ck_assert_int_eq(cJSON_GetArraySize(out), 2);
	cJSON_Delete(out);
	policy_free(p);
}
END_TEST

Suite *
policy_engine_suite(void)
{
	Suite	*s = suite_create("policy_engine");
	TCase	*tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_base_decisions);
	tcase_add_test(tc, test_base_reason_and_matched);
	tcase_add_test(tc, test_no_policy_denies);
	tcase_add_test(tc, test_added_role_honoured_by_base_allow);
	tcase_add_test(tc, test_replaced_role);
	tcase_add_test(tc, test_org_allow_replaces_base);
	tcase_add_test(tc, test_base_alone_decides_policy_and_members);
	tcase_add_test(tc, test_password_ok_is_the_base);
	tcase_add_test(tc, test_schemas_merge_key_by_key);
	tcase_add_test(tc, test_extend);
	tcase_add_test(tc, test_order_approval);
	tcase_add_test(tc, test_resource_and_context_arrive);
	tcase_add_test(tc, test_failing_tests_refuse);
	tcase_add_test(tc, test_tests_bounded);
	tcase_add_test(tc, test_tests_share_a_budget);
	tcase_add_test(tc, test_decide_in_tests_uses_base_for_policy);
	tcase_add_test(tc, test_malformed_policies);
	tcase_add_test(tc, test_source_limit);
	tcase_add_test(tc, test_roles_json);
	tcase_add_test(tc, test_expectations);
	tcase_add_test(tc, test_expect_valid_shares_the_budget);
	tcase_add_test(tc, test_context_before_and_changed);
	tcase_add_test(tc, test_explain_names_the_deciding_return);
	tcase_add_test(tc, test_redact);
	tcase_add_test(tc, test_redact_merges_key_by_key);
	suite_add_tcase(s, tc);
	return s;
}
