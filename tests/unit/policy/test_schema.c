/* Tests for core/policy/schema.c: body validation against Lua schemas. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>

#include "base/base.h"
#include "policy/policy.h"
#include "suites.h"

static const char policy_src[] =
	"schemas = {\n"
	"  product = {\n"
	"    sku = {type = 'string', required = true, min_len = 3,\n"
	"      max_len = 32, pattern = '^[A-Z0-9%-]+$'},\n"
	"    name = {type = 'string', required = true, min_len = 1,\n"
	"      max_len = 200},\n"
	"    description = {type = 'string', max_len = 2000,\n"
	"      nullable = true},\n"
	"    price_cents = {type = 'integer', required = true, min = 0},\n"
	"    currency = {type = 'string', enum = {'EUR', 'USD'}},\n"
	"    active = {type = 'boolean'},\n"
	"    weight = {type = 'number', min = 0.5, max = 1000},\n"
	"    code = {type = 'string', min_len = 2, max_len = 3},\n"
	"    status = {type = 'string', required = true},\n"
	"    id = {type = 'integer'},\n"
	"  },\n"
	"  order = {\n"
	"    customer_id = {type = 'integer', required = true, min = 1},\n"
	"    lines = {type = 'array', required = true, min_items = 1,\n"
	"      max_items = 3, items = {type = 'object', fields = {\n"
	"        product_id = {type = 'integer', required = true},\n"
	"        quantity = {type = 'integer', required = true, min = 1,\n"
	"          max = 100000},\n"
	"      }}},\n"
	"    address = {type = 'object', nullable = true, fields = {\n"
	"      city = {type = 'string', required = true},\n"
	"      zip = {type = 'string', pattern = '^%d+$'},\n"
	"    }},\n"
	"    tags = {type = 'array', items = {type = 'string', max_len = 2}},\n"
	"    priority = {type = 'integer', enum = {1, 2, 3}},\n"
	"    ratio = {type = 'number', enum = {0.5, 2}},\n"
	"    flag = {type = 'boolean', enum = {true}},\n"
	"    meta = {type = 'object'},\n"
	"    any = {type = 'array'},\n"
	"  },\n"
	"  checked = {\n"
	"    note = {type = 'string', nullable = true,\n"
	"      check = function(v, body)\n"
	"        if v == nil then return 'got nil' end\n"
	"        if v == 'bad' then return 'must not be bad' end\n"
	"        if v == 'raise' then error('boom') end\n"
	"        if v == 'true' then return true end\n"
	"        if v == 'number' then return 42 end\n"
	"        if v == 'false' then return false end\n"
	"        if v == 'long' then return ('x'):rep(1000) end\n"
	"        if v == 'loop' then while true do end end\n"
	"        if v == 'caught' then\n"
	"          pcall(function() while true do end end)\n"
	"        end\n"
	"        if v == 'mutate' then body.n = 99 end\n"
	"        if v == 'nested' then return body.obj.list[2] end\n"
	"        if v == 'total' then return 'n=' .. tostring(body.n) end\n"
	"      end},\n"
	"    n = {type = 'integer', check = function(v, body)\n"
	"      if math.type(v) ~= 'integer' then return 'not an integer' end\n"
	"      if v == 7 and body.note ~= 'vip' then return 'needs vip' end\n"
	"      if v == 8 then while true do end end\n"
	"    end},\n"
	"    obj = {type = 'object'},\n"
	"    list = {type = 'array', items = {type = 'integer',\n"
	"      check = function(v) if v > 10 then return 'too big' end end}},\n"
	"  },\n"
	"  runaway = {\n"
	"    s = {type = 'string', pattern = ('a-'):rep(30) .. 'b'},\n"
	"  },\n"
	"}\n"
	"local r = {type = 'object'}\n"
	"r.fields = {child = r, x = {type = 'integer'}}\n"
	"schemas.deep = {root = r}\n"
	"local e = {}\n"
	"for i = 1, 100000 do e[i] = i end\n"
	"schemas.bigenum = {l = {type = 'array', items = {type = 'integer',\n"
	"  enum = e}}}\n"
	"bad = {\n"
	"  notype = {x = {required = true}},\n"
	"  badtype = {x = {type = 'strin'}},\n"
	"  notable = {x = 'string'},\n"
	"  numkey = {{type = 'string'}},\n"
	"  wrongattr = {x = {type = 'integer', min_len = 1}},\n"
	"  wrongltype = {x = {type = 'string', min_len = '3'}},\n"
	"  fraclen = {x = {type = 'string', max_len = 2.5}},\n"
	"  badpattern = {x = {type = 'string', pattern = '[a'}},\n"
	"  badenum = {x = {type = 'string', enum = {{}}}},\n"
	"  badcheck = {x = {type = 'string', check = 'nope'}},\n"
	"  twobad = {x = {type = 'string', max_len = 'x', min_len = -1,\n"
	"    [1] = 'ignored', note = 'not an attribute'}},\n"
	"  numtype = {x = {type = 1}},\n"
	"}\n";

static const char *const reserved[] = {
	"id", "org_id", "created_at", "updated_at", "status", "total_cents",
	NULL
};

static lua_State	*L;
static int		 env;
static struct erp_err	 last_err;	/* vcall's last failure */

static void
setup(void)
{
	L = policy_sandbox_new(POLICY_MEMORY * 2);
	ck_assert_ptr_nonnull(L);
	policy_sandbox_env(L);
	env = lua_gettop(L);
	if (policy_sandbox_run(L, policy_src, strlen(policy_src), "=policy",
	    env) != LUA_OK)
		ck_abort_msg("policy: %s", lua_tostring(L, -1));
}

static void
teardown(void)
{
	policy_sandbox_close(L);
	L = NULL;
}

/*
 * Validates json against table.type of the environment; returns the rc
 * and, in out (room for size), the entries as "field:code;...". Checks
 * that the stack is left as it was.
 */
static int
vcall(const char *table, const char *type, const char *json, bool patch,
    char *out, size_t size, cJSON **keep)
{
	cJSON		*body, *fields, *e;
	size_t		 off = 0;
	int		 top, rc;

	body = cJSON_Parse(json);
	ck_assert_msg(body != NULL, "bad test JSON %s", json);
	fields = cJSON_CreateArray();
	lua_getfield(L, env, table);
	lua_getfield(L, -1, type);
	ck_assert_int_eq(lua_type(L, -1), LUA_TTABLE);
	top = lua_gettop(L);
	rc = policy_schema_validate(L, -1, body, patch, reserved, fields,
	    &last_err);
	ck_assert_int_eq(lua_gettop(L), top);
	lua_pop(L, 2);
	out[0] = '\0';
	cJSON_ArrayForEach(e, fields) {
		ck_assert_int_eq(cJSON_GetArraySize(e), 3);
		ck_assert(cJSON_IsString(cJSON_GetObjectItem(e, "message")));
		off += (size_t)snprintf(out + off, size - off, "%s%s:%s",
		    off > 0 ? ";" : "",
		    cJSON_GetObjectItem(e, "field")->valuestring,
		    cJSON_GetObjectItem(e, "code")->valuestring);
		ck_assert_uint_lt(off, size);
	}
	if (rc == -1)
		ck_assert_int_eq(cJSON_GetArraySize(fields), 0);
	if (keep != NULL)
		*keep = fields;
	else
		cJSON_Delete(fields);
	cJSON_Delete(body);
	return rc;
}

/* Asserts that json validates (rc 0) with exactly the entries want. */
#define EXPECT(type, json, patch, want) do {				\
	char	 got_[2048];						\
	ck_assert_int_eq(vcall("schemas", type, json, patch, got_,	\
	    sizeof(got_), NULL), 0);					\
	ck_assert_msg(strcmp(got_, want) == 0, "%s: got '%s', want '%s'",\
	    json, got_, want);						\
} while (0)

/* Asserts that validating json is a policy failure (-1). */
#define FAILS(table, type, json) do {					\
	char	 got_[2048];						\
	ck_assert_int_eq(vcall(table, type, json, false, got_,		\
	    sizeof(got_), NULL), -1);					\
} while (0)

/*
 * Asserts that validating json fails because the instruction budget ran
 * out: the bound itself stopped it, however fast the machine.
 */
#define OVER_BUDGET(table, type, json) do {				\
	FAILS(table, type, json);					\
	ck_assert(policy_budget_exceeded(L));				\
	ck_assert_msg(strstr(last_err.e_msg, "budget") != NULL,	\
	    "%s: %s", json, last_err.e_msg);				\
} while (0)

/* The message of the only entry for json. */
static char *
message(const char *type, const char *json, bool patch)
{
	cJSON	*fields;
	char	 got[2048], *m;

	ck_assert_int_eq(vcall("schemas", type, json, patch, got, sizeof(got),
	    &fields), 0);
	ck_assert_int_eq(cJSON_GetArraySize(fields), 1);
	m = strdup(cJSON_GetObjectItem(cJSON_GetArrayItem(fields, 0),
	    "message")->valuestring);
	cJSON_Delete(fields);
	return m;
}

#define EXPECT_MSG(type, json, want) do {				\
	char	*m_ = message(type, json, false);			\
	ck_assert_str_eq(m_, want);					\
	free(m_);							\
} while (0)

#define PRODUCT	"\"sku\":\"AB-1\",\"name\":\"x\",\"price_cents\":0"

START_TEST(test_valid)
{
	EXPECT("product", "{" PRODUCT "}", false, "");
	EXPECT("product", "{" PRODUCT ",\"description\":\"d\","
	    "\"currency\":\"USD\",\"active\":false,\"weight\":0.5,"
	    "\"code\":\"ab\"}", false, "");
	EXPECT("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":1},{\"product_id\":2,\"quantity\":100000}],"
	    "\"address\":{\"city\":\"Köln\",\"zip\":\"50667\"},"
	    "\"tags\":[\"a\",\"bc\"],\"priority\":3,\"ratio\":2.0,"
	    "\"flag\":true,\"meta\":{\"free\":[1,{}]},\"any\":[null,1]}",
	    false, "");
}
END_TEST

START_TEST(test_required)
{
	EXPECT("product", "{}", false, "name:required;price_cents:required;"
	    "sku:required");
	/* not on PATCH */
	EXPECT("product", "{}", true, "");
	EXPECT("product", "{\"name\":\"y\"}", true, "");
	/* but a nested value is whole: its required fields count */
	EXPECT("order", "{\"lines\":[{\"product_id\":1}]}", true,
	    "lines[0].quantity:required");
	EXPECT("order", "{\"address\":{}}", true, "address.city:required");
}
END_TEST

START_TEST(test_types)
{
	EXPECT("product", "{\"sku\":1,\"name\":true,\"price_cents\":\"1\","
	    "\"active\":0,\"weight\":\"1\",\"description\":[]}", false,
	    "active:type;description:type;name:type;price_cents:type;"
	    "sku:type;weight:type");
	EXPECT("order", "{\"customer_id\":1,\"lines\":{},\"address\":[],"
	    "\"meta\":\"x\",\"any\":{}}", false,
	    "address:type;any:type;lines:type;meta:type");
	EXPECT_MSG("product", "{" PRODUCT ",\"active\":1}",
	    "must be true or false");
	EXPECT_MSG("product", "{" PRODUCT ",\"code\":5}", "must be a string");
}
END_TEST

START_TEST(test_null)
{
	/* nullable: null is fine, on create and on PATCH */
	EXPECT("product", "{" PRODUCT ",\"description\":null}", false, "");
	EXPECT("product", "{\"description\":null}", true, "");
	/* otherwise a type error, on PATCH too, even when not required */
	EXPECT("product", "{\"sku\":null,\"currency\":null}", true,
	    "currency:type;sku:type");
	EXPECT("product", "{" PRODUCT ",\"active\":null}", false,
	    "active:type");
	EXPECT_MSG("product", "{" PRODUCT ",\"active\":null}",
	    "must not be null");
	/* a null required field is present: type, not required */
	EXPECT("order", "{\"customer_id\":null,\"lines\":[null]}", false,
	    "customer_id:type;lines[0]:type");
	EXPECT("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":1}],\"address\":null}", false, "");
}
END_TEST

START_TEST(test_integer)
{
	EXPECT("order", "{\"customer_id\":9007199254740991,\"lines\":["
	    "{\"product_id\":-9007199254740991,\"quantity\":1}]}", false, "");
	EXPECT("order", "{\"customer_id\":9007199254740992,\"lines\":["
	    "{\"product_id\":-9007199254740992,\"quantity\":1.5},"
	    "{\"product_id\":1e300,\"quantity\":2.0}]}", false,
	    "customer_id:type;lines[0].product_id:type;"
	    "lines[0].quantity:type;lines[1].product_id:type");
	EXPECT_MSG("product", "{\"sku\":\"ABC\",\"name\":\"x\","
	    "\"price_cents\":0.25}", "must be an integer");
	EXPECT_MSG("product", "{\"sku\":\"ABC\",\"name\":\"x\","
	    "\"price_cents\":1e16}", "must be an integer between "
	    "-9007199254740991 and 9007199254740991");
	/* number: any finite value */
	EXPECT("product", "{" PRODUCT ",\"weight\":999.999}", false, "");
	EXPECT("product", "{" PRODUCT ",\"weight\":1e300}", false,
	    "weight:max");
}
END_TEST

START_TEST(test_bounds)
{
	EXPECT("product", "{\"sku\":\"ABC\",\"name\":\"x\",\"price_cents\":-1,"
	    "\"weight\":0.25}", false, "price_cents:min;weight:min");
	EXPECT("product", "{" PRODUCT ",\"weight\":1000}", false, "");
	EXPECT("product", "{" PRODUCT ",\"weight\":1000.5}", false,
	    "weight:max");
	EXPECT_MSG("product", "{\"sku\":\"ABC\",\"name\":\"x\","
	    "\"price_cents\":-1}", "must be at least 0");
	EXPECT_MSG("product", "{" PRODUCT ",\"weight\":0.1}",
	    "must be at least 0.5");
	EXPECT_MSG("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":100001}]}", "must be at most 100000");
}
END_TEST

START_TEST(test_lengths)
{
	/* characters, not bytes: "é" is two bytes and one character */
	EXPECT("product", "{" PRODUCT ",\"code\":\"éé\"}", false, "");
	EXPECT("product", "{" PRODUCT ",\"code\":\"ééé\"}", false, "");
	EXPECT("product", "{" PRODUCT ",\"code\":\"é\"}", false,
	    "code:min_len");
	EXPECT("product", "{" PRODUCT ",\"code\":\"éééé\"}", false,
	    "code:max_len");
	EXPECT("product", "{" PRODUCT ",\"code\":\"😀😀\"}", false, "");
	EXPECT("product", "{\"sku\":\"AB\",\"name\":\"\",\"price_cents\":1}",
	    false, "name:min_len;sku:min_len");
	EXPECT_MSG("product", "{\"sku\":\"AB\",\"name\":\"x\","
	    "\"price_cents\":1}", "must be at least 3 characters");
	EXPECT_MSG("product", "{\"sku\":\"ABC\",\"name\":\"\","
	    "\"price_cents\":1}", "must be at least 1 character");
	EXPECT_MSG("product", "{" PRODUCT ",\"code\":\"abcd\"}",
	    "must be at most 3 characters");
}
END_TEST

START_TEST(test_pattern)
{
	EXPECT("product", "{\"sku\":\"ab-1\",\"name\":\"x\","
	    "\"price_cents\":1}", false, "sku:pattern");
	EXPECT("product", "{\"sku\":\"AB 1\",\"name\":\"x\","
	    "\"price_cents\":1}", false, "sku:pattern");
	/* the pattern decides anchoring: "%d+" alone would match inside */
	EXPECT("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":1}],\"address\":{\"city\":\"B\",\"zip\":\"1a\"}}",
	    false, "address.zip:pattern");
	/* the type comes first, then the length, then the pattern */
	EXPECT("product", "{\"sku\":\"ab\",\"name\":\"x\",\"price_cents\":1}",
	    false, "sku:min_len");
}
END_TEST

START_TEST(test_enum)
{
	EXPECT("product", "{" PRODUCT ",\"currency\":\"GBP\"}", false,
	    "currency:enum");
	EXPECT("product", "{" PRODUCT ",\"currency\":\"eur\"}", false,
	    "currency:enum");
	EXPECT_MSG("product", "{" PRODUCT ",\"currency\":\"GBP\"}",
	    "must be one of EUR, USD");
	EXPECT("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":1}],\"priority\":2.0,\"ratio\":0.5,\"flag\":true}",
	    false, "");
	EXPECT("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":1}],\"priority\":4,\"ratio\":1,\"flag\":false}",
	    false, "flag:enum;priority:enum;ratio:enum");
	/* compared by JSON type: "2" is a string, a type error first */
	EXPECT("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":1}],\"priority\":\"2\"}", false, "priority:type");
	EXPECT_MSG("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":1}],\"priority\":9}", "must be one of 1, 2, 3");
	EXPECT_MSG("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":1}],\"ratio\":9}", "must be one of 0.5, 2");
}
END_TEST

START_TEST(test_items_and_fields)
{
	EXPECT("order", "{\"customer_id\":0,\"lines\":[]}", false,
	    "customer_id:min;lines:min");
	EXPECT("order", "{\"customer_id\":1,\"lines\":[1,2,3,4]}", false,
	    "lines:max");
	EXPECT_MSG("order", "{\"customer_id\":1,\"lines\":[]}",
	    "must have at least 1 item");
	EXPECT_MSG("order", "{\"customer_id\":1,\"lines\":[1,2,3,4]}",
	    "must have at most 3 items");
	EXPECT("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":0},{\"quantity\":2,\"extra\":1,\"product_id\":\"x\"},"
	    "7],\"tags\":[\"ab\",\"abc\",3],\"address\":{\"zip\":\"x\","
	    "\"street\":\"y\",\"city\":\"z\"}}", false,
	    "address.zip:pattern;address.street:unknown;"
	    "lines[0].quantity:min;lines[1].product_id:type;"
	    "lines[1].extra:unknown;lines[2]:type;tags[1]:max_len;"
	    "tags[2]:type");
}
END_TEST

START_TEST(test_unknown_and_reserved)
{
	char	*m;

	/* unknown fields after the known ones, in body order */
	EXPECT("product", "{\"zz\":1,\"name\":\"x\",\"price_cents\":0,"
	    "\"aa\":2,\"org_id\":3,\"status\":\"x\",\"id\":4,"
	    "\"sku\":\"x\"}", false,
	    "sku:min_len;zz:unknown;aa:unknown;org_id:unknown;status:unknown;"
	    "id:unknown");
	/* reserved names are refused though the schema defines them, and
	 * the schema's required "status" is not asked for */
	EXPECT("product", "{\"status\":\"draft\"}", true, "status:unknown");
	EXPECT("product", "{\"total_cents\":1,\"created_at\":\"x\"}", true,
	    "total_cents:unknown;created_at:unknown");
	/* reserved names are top-level only */
	EXPECT("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":1,\"id\":5}],\"meta\":{\"id\":1}}", false,
	    "lines[0].id:unknown");
	m = message("product", "{\"id\":1}", true);
	ck_assert_str_eq(m, "is set by the server");
	free(m);
}
END_TEST

START_TEST(test_all_errors)
{
	char	 got[2048];

	EXPECT("product", "{\"sku\":\"a\",\"price_cents\":-5,\"currency\":"
	    "\"X\",\"weight\":null,\"code\":\"\",\"id\":1,\"bogus\":[]}",
	    false, "code:min_len;currency:enum;name:required;price_cents:min;"
	    "sku:min_len;weight:type;id:unknown;bogus:unknown");
	/* the same list every time */
	EXPECT("product", "{\"sku\":\"a\",\"price_cents\":-5,\"currency\":"
	    "\"X\",\"weight\":null,\"code\":\"\",\"id\":1,\"bogus\":[]}",
	    false, "code:min_len;currency:enum;name:required;price_cents:min;"
	    "sku:min_len;weight:type;id:unknown;bogus:unknown");
	ck_assert_int_eq(vcall("schemas", "product", "{" PRODUCT "}", false,
	    got, sizeof(got), NULL), 0);
	ck_assert_str_eq(got, "");
}
END_TEST

START_TEST(test_append)
{
	cJSON	*fields = cJSON_CreateArray(), *body;

	/* entries go after the caller's; a failure takes back only its own */
	cJSON_AddItemToArray(fields, cJSON_CreateString("mine"));
	lua_getfield(L, env, "schemas");
	lua_getfield(L, -1, "product");
	body = cJSON_Parse("{\"x\":1}");
	ck_assert_int_eq(policy_schema_validate(L, -1, body, true, reserved,
	    fields, NULL), 0);
	ck_assert_int_eq(cJSON_GetArraySize(fields), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(fields, 1),
	    "field")->valuestring, "x");
	cJSON_Delete(body);
	lua_pop(L, 1);
	lua_getfield(L, -1, "checked");
	body = cJSON_Parse("{\"x\":1,\"note\":\"raise\"}");
	ck_assert_int_eq(policy_schema_validate(L, -1, body, true, reserved,
	    fields, NULL), -1);
	ck_assert_int_eq(cJSON_GetArraySize(fields), 2);
	cJSON_Delete(body);
	lua_pop(L, 2);
	cJSON_Delete(fields);
}
END_TEST

START_TEST(test_not_object)
{
	static const char *const bodies[] = {
		"[]", "[{\"sku\":\"ABC\"}]", "1", "\"x\"", "null", "true",
	};
	size_t	 i;

	for (i = 0; i < nitems(bodies); i++)
		EXPECT("product", bodies[i], false, ":type");
	EXPECT_MSG("product", "[]", "must be an object");
}
END_TEST

START_TEST(test_check)
{
	EXPECT("checked", "{\"note\":\"ok\"}", false, "");
	EXPECT("checked", "{\"note\":\"false\"}", false, "");
	EXPECT("checked", "{\"note\":\"bad\"}", false, "note:check");
	EXPECT_MSG("checked", "{\"note\":\"bad\"}", "must not be bad");
	/* null on a nullable field reaches the check as nil */
	EXPECT_MSG("checked", "{\"note\":null}", "got nil");
	/* an absent field is not checked */
	EXPECT("checked", "{}", false, "");
	/* the whole body is the second argument, numbers as integers */
	EXPECT("checked", "{\"n\":7}", false, "n:check");
	EXPECT("checked", "{\"n\":7,\"note\":\"vip\"}", false, "");
	EXPECT("checked", "{\"n\":7.0,\"note\":\"vip\"}", false, "");
	EXPECT_MSG("checked", "{\"n\":7}", "needs vip");
	EXPECT_MSG("checked", "{\"note\":\"nested\",\"obj\":{\"list\":"
	    "[1,\"two\"]}}", "two");
	/* a check runs last: a broken type is reported instead */
	EXPECT("checked", "{\"note\":1}", false, "note:type");
	/* array items are checked one by one */
	EXPECT("checked", "{\"list\":[1,11,2,12]}", false,
	    "list[1]:check;list[3]:check");
	/* a long message is cut */
	{
		char	*m = message("checked", "{\"note\":\"long\"}", false);

		ck_assert_uint_le(strlen(m), POLICY_REASON_MAX);
		ck_assert_uint_ge(strlen(m), 100);
		free(m);
	}
}
END_TEST

START_TEST(test_check_fails)
{
	FAILS("schemas", "checked", "{\"note\":\"raise\"}");
	FAILS("schemas", "checked", "{\"note\":\"true\"}");
	FAILS("schemas", "checked", "{\"note\":\"number\"}");
	/* the body is read-only: one check cannot change what the next sees */
	FAILS("schemas", "checked", "{\"note\":\"mutate\"}");
	/* and the entries of the other fields are not left behind */
	FAILS("schemas", "checked", "{\"note\":\"raise\",\"n\":7,\"x\":1}");
}
END_TEST

START_TEST(test_check_budget)
{
	OVER_BUDGET("schemas", "checked", "{\"note\":\"loop\"}");
	/* a policy's own pcall does not swallow the overrun */
	OVER_BUDGET("schemas", "checked", "{\"note\":\"caught\"}");
	/* later checks of one validation are under the budget too */
	OVER_BUDGET("schemas", "checked", "{\"list\":[1,2],\"n\":8}");
	OVER_BUDGET("schemas", "checked", "{\"n\":1,\"note\":\"loop\"}");
	/* and the state works afterwards */
	EXPECT("checked", "{\"note\":\"bad\"}", false, "note:check");
}
END_TEST

START_TEST(test_runaway_pattern)
{
	char	 json[200];

	snprintf(json, sizeof(json), "{\"s\":\"%s\"}",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	/* the matcher's steps count: the budget stops the backtracking */
	OVER_BUDGET("schemas", "runaway", json);
	EXPECT("runaway", "{\"s\":\"b\"}", false, "");
}
END_TEST

START_TEST(test_bad_schemas)
{
	static const char *const names[] = {
		"notype", "badtype", "notable", "numkey", "wrongattr",
		"wrongltype", "fraclen", "badpattern", "badenum", "badcheck",
	};
	size_t	 i;
	char	 got[256];

	for (i = 0; i < nitems(names); i++)
		ck_assert_msg(vcall("bad", names[i], "{\"x\":\"abc\"}", false,
		    got, sizeof(got), NULL) == -1, "%s accepted", names[i]);
	/* a rule is checked even when the body leaves its field out */
	FAILS("bad", "badtype", "{}");
}
END_TEST

/* Each bad rule fails with its message, read plain or through a view. */
static void
bad_messages(void)
{
	static const struct {
		const char	*name;
		const char	*why;
	} bad[] = {
		{ "notype", "field x: rule has no type" },
		{ "numtype", "field x: rule has no type" },
		{ "badtype", "field x: unknown type" },
		{ "notable", "field x: rule is not a table" },
		{ "numkey", "field names must be strings" },
		{ "wrongattr", "field x: min_len does not apply to this type" },
		{ "wrongltype", "field x: min_len has the wrong type" },
		{ "fraclen", "field x: max_len is not a valid bound" },
		/* of two bad attributes, the first in the language's order */
		{ "twobad", "field x: min_len is not a valid bound" },
	};
	size_t	 i;
	char	 got[256];

	for (i = 0; i < nitems(bad); i++) {
		ck_assert_int_eq(vcall("bad", bad[i].name, "{\"x\":\"abc\"}",
		    false, got, sizeof(got), NULL), -1);
		ck_assert_msg(strstr(last_err.e_msg, bad[i].why) != NULL,
		    "%s: %s", bad[i].name, last_err.e_msg);
	}
}

START_TEST(test_bad_messages)
{
	bad_messages();
	lua_getfield(L, env, "bad");
	policy_sandbox_freeze(L, -1);
	lua_setfield(L, env, "bad");
	lua_pop(L, 1);
	bad_messages();
}
END_TEST

/* {"root":{"child":{"child":...}}} n levels deep */
static char *
nested(int n)
{
	struct buf	 b = { 0 };
	int		 i;

	buf_puts(&b, "{\"root\":");
	for (i = 0; i < n; i++)
		buf_puts(&b, "{\"child\":");
	buf_puts(&b, "{\"x\":1}");
	for (i = 0; i < n; i++)
		buf_puts(&b, "}");
	buf_puts(&b, "}");
	return b.b_data;
}

START_TEST(test_hostile_schemas)
{
	char	*json;

	/* a recursive schema is fine as deep as the body goes, to a bound */
	json = nested(10);
	EXPECT("deep", json, false, "");
	free(json);
	json = nested(40);
	FAILS("schemas", "deep", json);
	free(json);
	/* a huge enum is bounded by the budget */
	EXPECT("bigenum", "{\"l\":[1,99999,100000]}", false, "");
	EXPECT("bigenum", "{\"l\":[0]}", false, "l[0]:enum");
	OVER_BUDGET("schemas", "bigenum", "{\"l\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
	    "0]}");
}
END_TEST

START_TEST(test_frozen)
{
	/* as the engine hands them over: read-only views */
	lua_getfield(L, env, "schemas");
	policy_sandbox_freeze(L, -1);
	lua_setfield(L, env, "schemas");
	lua_pop(L, 1);
	EXPECT("product", "{" PRODUCT "}", false, "");
	EXPECT("product", "{\"id\":1,\"x\":2}", false,
	    "name:required;price_cents:required;sku:required;id:unknown;"
	    "x:unknown");
	EXPECT("order", "{\"customer_id\":1,\"lines\":[{\"product_id\":1,"
	    "\"quantity\":0,\"q\":1}],\"priority\":5}", false,
	    "lines[0].quantity:min;lines[0].q:unknown;priority:enum");
	EXPECT_MSG("product", "{" PRODUCT ",\"currency\":\"GBP\"}",
	    "must be one of EUR, USD");
	EXPECT("checked", "{\"n\":7}", false, "n:check");
	FAILS("schemas", "checked", "{\"note\":\"loop\"}");
}
END_TEST

START_TEST(test_long_paths)
{
	struct buf	 b = { 0 };
	char		*m, got[4096];
	cJSON		*fields;
	size_t		 i;

	/* an unknown field's name is input: its path is cut */
	buf_puts(&b, "{\"");
	for (i = 0; i < 1000; i++)
		buf_puts(&b, "é");
	buf_puts(&b, "\":1}");
	ck_assert_int_eq(vcall("schemas", "product", b.b_data, true, got,
	    sizeof(got), &fields), 0);
	m = cJSON_GetObjectItem(cJSON_GetArrayItem(fields, 0),
	    "field")->valuestring;
	ck_assert_uint_lt(strlen(m), 128);
	ck_assert(utf8_valid(m, strlen(m)));
	cJSON_Delete(fields);
	buf_free(&b);
}
END_TEST

START_TEST(test_args)
{
	cJSON	*body = cJSON_Parse("{}");

	lua_getfield(L, env, "schemas");
	lua_getfield(L, -1, "product");
	/* fields must be an array */
	ck_assert_int_eq(policy_schema_validate(L, -1, body, false, NULL,
	    NULL, NULL), -1);
	lua_pop(L, 1);
	/* the schema must be a table */
	lua_pushinteger(L, 1);
	{
		cJSON	*fields = cJSON_CreateArray();

		ck_assert_int_eq(policy_schema_validate(L, -1, body, false,
		    NULL, fields, NULL), -1);
		cJSON_Delete(fields);
	}
	lua_pop(L, 2);
	cJSON_Delete(body);
}
END_TEST

Suite *
policy_schema_suite(void)
{
	Suite	*s = suite_create("policy_schema");
	TCase	*tc = tcase_create("schema");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_required);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_integer);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_pattern);
	tcase_add_test(tc, test_enum);
	tcase_add_test(tc, test_items_and_fields);
	tcase_add_test(tc, test_unknown_and_reserved);
	tcase_add_test(tc, test_all_errors);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_not_object);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_check_fails);
	tcase_add_test(tc, test_check_budget);
	tcase_add_test(tc, test_runaway_pattern);
	tcase_add_test(tc, test_bad_schemas);
	tcase_add_test(tc, test_hostile_schemas);
	tcase_add_test(tc, test_frozen);
	tcase_add_test(tc, test_bad_messages);
	tcase_add_test(tc, test_long_paths);
	tcase_add_test(tc, test_args);
	suite_add_tcase(s, tc);
	return s;
}
