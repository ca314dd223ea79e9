/*
 * Tests for core/policy/check.c: an organization's schemas may tighten
 * the base's rules but never change a base field's type nor loosen its
 * bounds, enum or nullability (docs/api.md and docs/policies.md); each refusal
 * names the field.
 */
#include <string.h>

#include <check.h>

#include "base/base.h"
#include "policy/policy.h"
#include "suites.h"

#define BASE_LUA	ERP_DEFAULT_POLICIES_DIR "/base.lua"

/* Base schemas shaped like the shipped modules'. */
static const char fragment[] =
    "schemas.product = {\n"
    "  sku = { type = 'string', required = true, min_len = 3,\n"
    "    max_len = 32, pattern = '^[A-Z0-9%-]+$' },\n"
    "  price_cents = { type = 'integer', required = true, min = 0 },\n"
    "  currency = { type = 'string', enum = { 'EUR', 'USD' } },\n"
    "  description = { type = 'string', max_len = 2000, nullable = true },\n"
    "}\n"
    "schemas.order = {\n"
    "  lines = { type = 'array', required = true, min_items = 1,\n"
    "    max_items = 500, items = { type = 'object', fields = {\n"
    "      quantity = { type = 'integer', required = true, min = 1,\n"
    "        max = 100000 },\n"
    "    } } },\n"
    "}\n";

static void
setup(void)
{
	struct erp_err	 err;

	ck_assert_msg(policy_engine_add_fragment("test", fragment, &err) == 0,
	    "%s", err.e_msg);
	ck_assert_msg(policy_engine_init(BASE_LUA, &err) == 0, "%s",
	    err.e_msg);
}

/* src uploaded as an organization's policy compiles. */
static void
accepted(const char *src)
{
	struct erp_err	 err;
	struct policy	*p;

	p = policy_compile(src, strlen(src), POLICY_UPLOAD, &err);
	ck_assert_msg(p != NULL, "refused: %s\n%s", err.e_msg, src);
	policy_free(p);
}

/* src, a version stored before, still compiles. */
static void
stored(const char *src)
{
	struct erp_err	 err;
	struct policy	*p;

	p = policy_compile(src, strlen(src), POLICY_STORED, &err);
	ck_assert_msg(p != NULL, "%s", err.e_msg);
	policy_free(p);
}

/* src uploaded is refused with a message holding both needles. */
static void
refused(const char *src, const char *field, const char *what)
{
	struct erp_err	 err;

	ck_assert_msg(policy_compile(src, strlen(src), POLICY_UPLOAD, &err) == NULL,
	    "accepted: %s", src);
	ck_assert_msg(strstr(err.e_msg, field) != NULL &&
	    strstr(err.e_msg, what) != NULL, "'%s' does not say %s / %s",
	    err.e_msg, field, what);
}

START_TEST(test_tightening_accepted)
{
	accepted("schemas = { product = extend(base.schemas.product, {\n"
	    "  price_cents = { type = 'integer', required = true, min = 100,\n"
	    "    max = 100000 },\n"
	    "  sku = extend(base.schemas.product.sku, { max_len = 12 }),\n"
	    "  currency = { type = 'string', enum = { 'EUR' } },\n"
	    "  description = { type = 'string', max_len = 50 },\n"
	    "  colour = { type = 'number' } }) }\n");
	accepted("schemas = { order = { lines = { type = 'array',\n"
	    "  min_items = 2, max_items = 10, items = { type = 'object',\n"
	    "  fields = { quantity = { type = 'integer', min = 5, max = 9 },\n"
	    "  note = { type = 'string' } } } } } }\n");
	/* a type of its own, and a base type with fewer fields */
	accepted("schemas = { widget = { size = { type = 'number' } },\n"
	    "  product = { sku = base.schemas.product.sku } }\n");
	/* unchanged */
	accepted("schemas = { product = base.schemas.product }\n");
}
END_TEST

START_TEST(test_type_change_refused)
{
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  price_cents = { type = 'number', required = true, min = 0 }"
	    " }) }\n", "schemas.product.price_cents", "type");
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  price_cents = { required = true, min = 0 } }) }\n",
	    "schemas.product.price_cents", "type");
}
END_TEST

START_TEST(test_loosened_bounds_refused)
{
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  price_cents = { type = 'integer', min = -1 } }) }\n",
	    "schemas.product.price_cents", "min = -1");
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  price_cents = { type = 'integer' } }) }\n",
	    "schemas.product.price_cents", "min");
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  sku = extend(base.schemas.product.sku, { max_len = 33 }) })"
	    " }\n", "schemas.product.sku", "max_len = 33");
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  sku = extend(base.schemas.product.sku, { min_len = 2 }) })"
	    " }\n", "schemas.product.sku", "min_len = 2");
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  description = { type = 'string', max_len = 2001 } }) }\n",
	    "schemas.product.description", "max_len");
}
END_TEST

START_TEST(test_enum_and_nullable_refused)
{
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  currency = { type = 'string', enum = { 'EUR', 'GBP' } } }) }\n",
	    "schemas.product.currency", "GBP");
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  currency = { type = 'string' } }) }\n",
	    "schemas.product.currency", "enum");
	refused("schemas = { product = extend(base.schemas.product, {\n"
	    "  price_cents = { type = 'integer', min = 0, nullable = true }"
	    " }) }\n", "schemas.product.price_cents", "nullable");
}
END_TEST

START_TEST(test_nested_rules_refused)
{
	refused("schemas = { order = { lines = { type = 'array',\n"
	    "  min_items = 1, max_items = 500, items = { type = 'object',\n"
	    "  fields = { quantity = { type = 'integer', min = 1,\n"
	    "  max = 1000000 } } } } } }\n",
	    "schemas.order.lines[].quantity", "max = 1000000");
	refused("schemas = { order = { lines = { type = 'array',\n"
	    "  min_items = 0, max_items = 500, items = { type = 'object',\n"
	    "  fields = {} } } } }\n", "schemas.order.lines", "min_items");
	refused("schemas = { order = { lines = { type = 'array',\n"
	    "  min_items = 1, max_items = 500, items = { type = 'object' }"
	    " } } }\n", "schemas.order.lines[]", "fields");
	refused("schemas = { order = { lines = { type = 'array',\n"
	    "  min_items = 1, max_items = 500 } } }\n",
	    "schemas.order.lines[]", "rule");
}
END_TEST

/*
 * Only an upload is checked: a policy stored before the check keeps
 * compiling (the modules convert values checked whatever it says).
 */
START_TEST(test_only_uploads_checked)
{
	stored("schemas = { product = extend(base.schemas.product, {\n"
	    "  price_cents = { type = 'number' } }) }\n");
}
END_TEST

START_TEST(test_rules_checked)
{
	/* keys, types and patterns: a typo never passes unnoticed */
	refused("schemas = { thing = { n = { type = 'int' } } }\n",
	    "schemas.thing.n", "unknown type \"int\"");
	refused("schemas = { thing = { n = { kind = 'integer' } } }\n",
	    "schemas.thing.n", "the rule has no type");
	refused("schemas = { thing = { n = { type = 'integer',\n"
	    "  requried = true } } }\n", "schemas.thing.n",
	    "unknown rule key \"requried\"");
	refused("schemas = { thing = { s = { type = 'string',\n"
	    "  max_length = 3 } } }\n", "schemas.thing.s",
	    "unknown rule key \"max_length\"");
	refused("schemas = { thing = { s = { type = 'string',\n"
	    "  pattern = '^[A-Z' } } }\n", "schemas.thing.s",
	    "pattern \"^[A-Z\" is not a valid Lua pattern");
	refused("schemas = { thing = { s = { type = 'string',\n"
	    "  pattern = '(%d' } } }\n", "schemas.thing.s", "not a valid");
	refused("schemas = { thing = { s = { type = 'string',\n"
	    "  pattern = '%' } } }\n", "schemas.thing.s", "not a valid");
	refused("schemas = { thing = { s = { type = 'string',\n"
	    "  min = 1 } } }\n", "schemas.thing.s",
	    "min does not apply to this type");
	refused("schemas = { thing = { s = { type = 'string',\n"
	    "  max_len = -1 } } }\n", "schemas.thing.s",
	    "max_len is not a valid bound");
	refused("schemas = { thing = { s = { type = 'string',\n"
	    "  enum = { {} } } } }\n", "schemas.thing.s",
	    "enum values must be");
	refused("schemas = { thing = { s = { type = 'string',\n"
	    "  nullable = 1 } } }\n", "schemas.thing.s",
	    "nullable must be true or false");
	refused("schemas = { thing = { s = 'string' } }\n", "schemas.thing.s",
	    "a rule must be a table");
	refused("schemas = { thing = { a = { type = 'array', items = {\n"
	    "  type = 'object', fields = { x = { type = 'strin' } } } } } }\n",
	    "schemas.thing.a[].x", "unknown type");
	refused("schemas = { thing = 3 }\n", "schemas must map",
	    "tables of field rules");
	refused("schemas = { thing = { s = { type = 'string',\n"
	    "  ref = 'product' } } }\n", "schemas.thing.s",
	    "ref does not apply to this type");
	refused("schemas = { thing = { i = { type = 'integer',\n"
	    "  ref = 'Product' } } }\n", "schemas.thing.i",
	    "ref must be a resource type");
	refused("schemas = { thing = { i = { type = 'integer',\n"
	    "  ref = '' } } }\n", "schemas.thing.i",
	    "ref must be a resource type");
	/* every check the language has passes */
	accepted("schemas = { thing = {\n"
	    "  s = { type = 'string', required = true, nullable = true,\n"
	    "    min_len = 1, max_len = 9, pattern = '^[%w%-]+$',\n"
	    "    enum = { 'a', 'b' }, label = 'S', check = function() end },\n"
	    "  n = { type = 'number', min = -1.5, max = 2 },\n"
	    "  i = { type = 'integer', min = 1, ref = 'stock_move' },\n"
	    "  b = { type = 'boolean', enum = { true } },\n"
	    "  a = { type = 'array', min_items = 0, max_items = 3,\n"
	    "    items = { type = 'integer' } },\n"
	    "  o = { type = 'object', fields = { x = { type = 'string' } } },\n"
	    "} }\n");
}
END_TEST

START_TEST(test_names_checked)
{
	refused("function password_ok() return true end\n", "password_ok",
	    "may not be defined");
	refused("base = {}\n", "base", "may not be defined");
	refused("function helper() end\n", "helper",
	    "is not a name a policy defines");
	refused("string = {}\n", "string", "is not a name");
	refused("shema = {}\n", "shema", "is not a name");
	accepted("local function helper() return true end\n"
	    "roles = {}\nschemas = {}\nredact = {}\ntests = {}\n"
	    "function allow(s, a, r, c) return helper() end\n");
}
END_TEST

START_TEST(test_roles_name_actions)
{
	size_t	 n;

	/* before any action is known, nothing to check against */
	(void)policy_actions(&n);
	ck_assert_uint_eq(n, 0);
	accepted("roles = { r = { 'prodcut:read' } }\n");
	policy_engine_add_action("product:read");
	policy_engine_add_action("product:update");
	policy_engine_add_action("order:confirm");
	policy_engine_add_action("product:read");	/* once only */
	policy_engine_add_action("Bad Action");		/* ignored */
	ck_assert_str_eq(policy_actions(&n)[0], "order:confirm");
	ck_assert_uint_eq(n, 3);
	accepted("roles = { r = { 'product:read', 'product:*', '*:confirm',\n"
	    "  '*', '*:*' } }\n");
	refused("roles = { clerk = { 'product:read', 'prodcut:read' } }\n",
	    "role clerk: \"prodcut:read\"", "names no action");
	refused("roles = { r = { 'widget:*' } }\n", "\"widget:*\"",
	    "names no action");
	refused("roles = { r = { '*:ship' } }\n", "\"*:ship\"",
	    "names no action");
	/* stored versions compile as they are */
	stored("roles = { r = { 'x:y' } }\n");
}
END_TEST

START_TEST(test_trial_decisions)
{
	policy_engine_add_action("product:read");
	policy_engine_add_action("product:update");
	/* an answer that is not a boolean, on any recorded action */
	refused("function allow(s, a, r, c)\n"
	    "  if a == 'product:update' then return 'yes' end\n"
	    "  return base.allow(s, a, r, c)\n"
	    "end\n", "product:update", "not a boolean");
	refused("function allow(s, a, r, c)\n"
	    "  if s.role == 'clerk' and a == 'product:update' then\n"
	    "    while true do end\n"
	    "  end\n"
	    "  return base.allow(s, a, r, c)\n"
	    "end\n", "role clerk, product:update", "budget");
	/* an error on attributes a trial record lacks is left alone */
	accepted("function allow(s, a, r, c)\n"
	    "  if a == 'product:update' then return r.price_cents < 5 end\n"
	    "  return base.allow(s, a, r, c)\n"
	    "end\n");
}
END_TEST

Suite *
policy_check_suite(void)
{
	Suite	*s = suite_create("policy_check");
	TCase	*tc = tcase_create("schemas");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_tightening_accepted);
	tcase_add_test(tc, test_type_change_refused);
	tcase_add_test(tc, test_loosened_bounds_refused);
	tcase_add_test(tc, test_enum_and_nullable_refused);
	tcase_add_test(tc, test_nested_rules_refused);
	tcase_add_test(tc, test_only_uploads_checked);
	tcase_add_test(tc, test_rules_checked);
	tcase_add_test(tc, test_names_checked);
	tcase_add_test(tc, test_roles_name_actions);
	tcase_add_test(tc, test_trial_decisions);
	suite_add_tcase(s, tc);
	return s;
}
