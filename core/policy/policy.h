/*
 * policy: who may do what, per organization, decided by sandboxed Lua
 * (docs/policies.md). The base policy plus an organization's own, merged;
 * compiled once per (thread, organization, version) and reused; every
 * evaluation under an instruction and a memory budget; every failure a
 * deny.
 */
#ifndef ERP_CORE_POLICY_H
#define ERP_CORE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <lua.h>

#include "base/base.h"
#include "config/config.h"

/* Budgets of one evaluation (a decision, a validation, a test). */
#define POLICY_INSTRUCTIONS	1000000	/* Lua VM instructions */
#define POLICY_MEMORY		(8u * 1024 * 1024)	/* bytes per state */
#define POLICY_SOURCE_MAX	(256 * 1024)	/* bytes of source */
/* The count hook runs every this many instructions: budgets count in them. */
#define POLICY_HOOK_EVERY	1000
/* Each test has the budget of one evaluation, and at most this many run. */
#define POLICY_TESTS_MAX	1000
/*
 * What all the tests of one run (PUT, erpd policy check) spend together:
 * ten evaluations' worth, where a whole one each let a PUT burn 1,000
 * (seconds of CPU) in a compile turn. An ordinary test (an expect_* or
 * two) runs under POLICY_HOOK_EVERY instructions and is charged that, so
 * 1,000 of them take a tenth of it, while ten tests may still each use
 * nearly a whole evaluation. Tests then cost a PUT about what its other
 * steps do (each chunk loaded under one evaluation's budget, the trial
 * decisions under four).
 */
#define POLICY_TESTS_INSTRUCTIONS	(10 * POLICY_INSTRUCTIONS)
/* What the cached compiled policies of the whole process may keep. */
#define POLICY_CACHE_BYTES	(64u * 1024 * 1024)
#define POLICY_REASON_MAX	200

/* sandbox.c ------------------------------------------------------------- */

/* The sandbox of one lua_State; lives in its extra space. */
struct policy_budget {
	size_t		 pb_used;	/* bytes allocated now */
	size_t		 pb_limit;	/* bytes allowed */
	int64_t		 pb_steps;	/* instructions and match steps left */
	bool		 pb_over_steps;	/* the instruction budget ran out */
	bool		 pb_over_memory;/* the memory budget ran out */
};

/*
 * A new Lua state with the counting allocator (limit bytes) and nothing
 * loaded. NULL if it cannot be made. Close with policy_sandbox_close.
 */
lua_State *policy_sandbox_new(size_t limit);
void	policy_sandbox_close(lua_State *L);

/* The budget of L (never NULL for a state from policy_sandbox_new). */
struct policy_budget *policy_budget(lua_State *L);

/*
 * Resets the budget for one evaluation: steps instructions (and pattern
 * match steps), and the memory limit to what is in use now plus
 * POLICY_MEMORY. Arms the count hook.
 */
void	policy_budget_start(lua_State *L, int64_t steps);

/*
 * Charges n steps (pattern matching, C loops) to L's budget; when it runs
 * out, marks the overrun, re-arms the hook so it fires again at once
 * (a policy's pcall cannot swallow it) and raises "budget exceeded".
 */
void	policy_budget_charge(lua_State *L, int64_t n);

/* Which return of a call decided (policy_sandbox_trace). */
struct policy_trace {
	int		 pt_depth;	/* calls open now */
	int		 pt_lua_depth;	/* the first Lua function's, 0: none */
	int		 pt_line;	/* its last return's line, 0: none */
	char		 pt_chunk[32];	/* and chunk ("policy", "base.lua") */
};

/*
 * Traces calls and returns into t (cleared here) from now on, for the
 * next evaluations, until called again with NULL. Costs a hook call per
 * Lua call and return: for explaining a decision, never for serving.
 */
void	policy_sandbox_trace(lua_State *L, struct policy_trace *t);

/* true if the last evaluation ran over either budget. */
bool	policy_budget_exceeded(lua_State *L);

/*
 * Pushes a fresh environment table holding exactly the allow-list of
 * docs/policies.md: the safe base functions, string (bounded pattern
 * functions, no dump), table, math (no random), utf8. Read-only views of
 * shared tables; writes to the environment itself are allowed until it is
 * frozen with policy_sandbox_freeze.
 */
void	policy_sandbox_env(lua_State *L);

/*
 * Replaces the table at index idx, and every table reachable from it,
 * by read-only views (in place in the parent). Pushes the view of idx.
 */
void	policy_sandbox_freeze(lua_State *L, int idx);

/* Pushes the table a read-only view shows (or the value at idx itself). */
void	policy_sandbox_target(lua_State *L, int idx);

/*
 * Loads source as text only (no binary chunks) with env as its _ENV and
 * runs it under the budget. chunkname names it in messages ("=policy").
 * Returns LUA_OK, or an error status with the message (with its line)
 * pushed on the stack.
 */
int	policy_sandbox_run(lua_State *L, const char *source, size_t len,
	    const char *chunkname, int env);

/*
 * lua_pcall under the budget with a message handler; a budget overrun is
 * an error even if the policy's own pcall caught it. The budget stays
 * armed afterwards, so several calls can share one policy_budget_start.
 * Returns LUA_OK or an error status with the message pushed.
 */
int	policy_sandbox_call(lua_State *L, int nargs, int nresults);

/* match.c --------------------------------------------------------------- */

/*
 * Installs bounded find, match, gmatch and gsub into the string table at
 * index idx. Each counts its steps against the state's budget and raises
 * "budget exceeded" when it runs out, so a pattern cannot run away inside
 * one C call where the count hook never fires.
 */
void	policy_match_install(lua_State *L, int idx);

/*
 * Whether pattern p matches somewhere in s, as string.find would (the
 * pattern anchors itself with ^ and $). For schema "pattern" rules.
 * Returns 1 (match), 0 (no match), -1 (malformed pattern or budget
 * exceeded: the caller treats it as an error).
 */
int	policy_match_full(lua_State *L, const char *s, size_t slen,
	    const char *p, size_t plen);

/* Whether p is a pattern string.find accepts (checked without matching). */
bool	policy_match_valid(const char *p, size_t plen);

/* perm.c ---------------------------------------------------------------- */

/* One permission pattern, "resource:action" with '*' wildcards. */
bool	policy_perm_valid(const char *pattern);
/* Does pattern cover action ("product:*" covers "product:read")? */
bool	policy_perm_match(const char *pattern, const char *action);
/*
 * Does pattern a cover everything pattern b covers? ("*" covers all,
 * "product:*" covers "product:read" and "product:*"). For escalation
 * checks: a grant is allowed only if every granted pattern is covered
 * by one of the granter's.
 */
bool	policy_perm_covers(const char *a, const char *b);

/* engine.c ------------------------------------------------------------- */

struct policy;		/* a compiled policy: base, optionally an org's */

/* Who asks, for allow(): docs/policies.md's subject. */
struct policy_subject {
	int64_t		 ps_id;		/* user id (or API key id) */
	const char	*ps_kind;	/* "user" or "api_key" */
	const char	*ps_role;	/* role in the organization; NULL: none */
	bool		 ps_is_admin;	/* system admin */
};

/*
 * What is acted on, for allow(): {type, org_id, id, ...attributes}, and
 * what the request adds to context besides time and ip.
 */
struct policy_resource {
	const char	*pr_type;	/* "product", "order", "policy" ... */
	int64_t		 pr_org_id;
	int64_t		 pr_id;		/* 0: none (a list, a create) */
	const cJSON	*pr_attrs;	/* the record's attributes (on create
					   and update the record as it would
					   be after the request), or NULL */
	const cJSON	*pr_before;	/* context.before: the stored record
					   on update, or NULL */
	const cJSON	*pr_changed;	/* context.changed: the names the
					   body sets (an array), or NULL */
	const cJSON	*pr_context;	/* more context merged over all of
					   that (a dry-run's), or NULL */
};

/* A decision, and why. */
struct policy_decision {
	bool		 pd_allow;
	char		 pd_reason[POLICY_REASON_MAX];	/* for the 403 */
	char		 pd_matched[80];	/* pattern or rule; "" = none */
	int		 pd_line;	/* policy_explain: the line of the
					   deciding return; 0 = unknown */
	char		 pd_chunk[32];	/* policy_explain: where that return
					   is ("policy", "base.lua" ...) */
	bool		 pd_error;	/* the policy failed: denied, logged */
};

/*
 * Sets the base policy (policies/base.lua, plus module fragments appended
 * later) for every compile afterwards; call once before serving. Returns
 * 0, or -1 with err set to "file:line: message".
 */
int	policy_engine_init(const char *base_path, struct erp_err *err);

/* Adds a module's policy fragment (Lua run after the base). 0 or -1. */
int	policy_engine_add_fragment(const char *name, const char *source,
	    struct erp_err *err);

/* What policy_compile checks besides compiling, by where a source is from. */
enum policy_mode {
	POLICY_STORED = 0,	/* in force already: compile it */
	POLICY_UPLOAD = 1,	/* to go live: upload checks and its tests */
	POLICY_TRIAL = 2	/* a dry-run's source: upload checks only */
};

/*
 * Compiles the base with org_source (NULL: none) merged over it, runs
 * the upload checks (check.c) and its tests as mode says, and a smoke
 * evaluation within budget. Returns
 * a policy, or NULL with err set ("policy:12: message") and nothing else.
 */
struct policy *policy_compile(const char *org_source, size_t len,
	    enum policy_mode mode, struct erp_err *err);
void	policy_free(struct policy *);

/*
 * The policy in force for org at version (0: the base alone), from the
 * current worker's cache or compiled from source (fetched with fetch when
 * needed). The pointer is the worker's: valid until it is given back.
 * Returns NULL (logged) when it cannot be compiled: callers deny.
 */
typedef char *(*policy_source_fn)(int64_t org, int64_t version, void *arg);
struct policy *policy_get(int64_t org, int64_t version, policy_source_fn fetch,
	    void *arg);

/* queue.c: turns for compiles of uploaded sources */
#define POLICY_COMPILES_MAX	2	/* at once in the process */
#define POLICY_COMPILE_WAIT_S	5	/* then the compile is refused */

/*
 * Waits for org's turn to compile (one per organization at a time, at
 * most POLICY_COMPILES_MAX in all): 0, or -1 after POLICY_COMPILE_WAIT_S.
 * org is positive. After 0, policy_compile_done(org) when finished.
 */
int	policy_compile_turn(int64_t org);
void	policy_compile_done(int64_t org);

/* Frees the current worker's cached policies. */
void	policy_cache_thread_free(void);

/* Bytes a compiled policy keeps (its Lua state's allocations). */
size_t	policy_memory(struct policy *);

/*
 * Decides action on res for sub at time now from ip. Never fails open:
 * any error denies with pd_error set (and is logged by the caller).
 * policy:* and member:* actions are decided by the base alone.
 */
void	policy_decide(struct policy *, const struct policy_subject *sub,
	    const char *action, const struct policy_resource *res, int64_t now,
	    const char *ip, struct policy_decision *out);

/*
 * policy_decide, and traces the call so that the answer also says which
 * return decided (pd_line, pd_chunk) and, precisely, what matched: the
 * permission pattern when the base's allow decided on one, "allow" when
 * a policy's own allow decided, "" for the default deny. Slower than
 * policy_decide (a hook on every call and return): for dry-runs only.
 */
void	policy_explain(struct policy *, const struct policy_subject *sub,
	    const char *action, const struct policy_resource *res, int64_t now,
	    const char *ip, struct policy_decision *out);

/* How many tests the last policy_compile with run_tests ran (all passed). */
size_t	policy_tests_passed(const struct policy *);

/*
 * The fields of record (a JSON object, NULL for "any record", as in meta)
 * of resource type that the policy's redact rule leaves out for sub,
 * appended to out (an array of strings). Returns 0 (nothing appended when
 * type has no redact rule, at no cost), or -1 when the rule failed (the
 * caller fails closed: it must not show the record).
 */
int	policy_redacted(struct policy *, const struct policy_subject *sub,
	    const char *type, const cJSON *record, cJSON *out);

/* true if the policy has a redact rule for type (a lookup, no Lua). */
bool	policy_has_redact(const struct policy *, const char *type);

/* Checks a password with the base's password_ok. */
bool	policy_password_ok(struct policy *, const char *password,
	    const char *email, char *why, size_t whylen);

/* The roles in force: a JSON array of {"name","permissions":[...]}. */
cJSON	*policy_roles_json(struct policy *);

/*
 * The permission patterns of role in force (NULL if there is no such
 * role); borrowed, NULL-terminated.
 */
const char *const *policy_role_patterns(struct policy *, const char *role,
	    bool base_only);

/*
 * Does role have (NULL: none) hold every permission of role want in
 * force: is each of want's patterns covered by one of have's? When not,
 * *missing is the first pattern left uncovered (NULL when want is no
 * role here). For grants and for the keys a member made.
 */
bool	policy_role_covers(struct policy *, const char *have, const char *want,
	    const char **missing);

/*
 * Validates body for resource type (create, or PATCH when patch) against
 * the schemas in force, refusing the reserved names too. Appends one
 * {field, code, message} per broken field to fields. Returns 0 (look at
 * fields), or -1 when the policy failed (deny) with err saying which
 * rule failed and how, for the caller's log line.
 */
int	policy_validate(struct policy *, const char *type, const cJSON *body,
	    bool patch, const char *const *reserved, cJSON *fields,
	    struct erp_err *err);

/* true if the schemas in force define type. */
bool	policy_has_schema(struct policy *, const char *type);

/*
 * The schemas in force as a client may see them (policy_schema_describe;
 * whole: with patterns and checks, for the API document), or NULL when
 * the policy fails (logged). The caller frees it.
 */
cJSON	*policy_schemas_json(struct policy *, bool whole);

/* check.c --------------------------------------------------------------- */

/*
 * Upload checks of an organization's schemas (the table at index org)
 * against the base's (at index base): a base field's type kept, its
 * bounds and enum only tightened. Either may be a read-only view or nil.
 * Returns 0, or -1 with err naming the field ("schemas.product.
 * price_cents: ...").
 */
int	policy_check_schemas(lua_State *L, int base, int org,
	    struct erp_err *err);

/*
 * Appends sep and s to the item path (a NUL-terminated string in a
 * buffer of size bytes, cut when full) that upload checks name in their
 * messages. Returns the length before, to cut back to.
 */
size_t	policy_path_add(char *path, size_t size, const char *sep,
	    const char *s);

/*
 * Upload check of the names an organization's policy set in env (before:
 * a copy of env as it was before the policy ran): only roles, schemas,
 * allow, redact and tests. Returns 0, or -1 with err naming the name.
 */
int	policy_check_names(lua_State *L, int env, int before,
	    struct erp_err *err);

/*
 * Records an action ("product:read") that the core or a loaded module
 * checks; role patterns must name one. Call before serving (not thread
 * safe); duplicates are ignored.
 */
void	policy_engine_add_action(const char *action);

/* The actions recorded, sorted; *n of them. */
const char *const *policy_actions(size_t *n);

/*
 * Upload check of an organization's roles (the table at idx): every
 * pattern covers at least one recorded action. Nothing is checked before
 * any action is recorded. Returns 0, or -1 with err naming the role and
 * the pattern.
 */
int	policy_check_roles(lua_State *L, int idx, struct erp_err *err);

/* schema.c -------------------------------------------------------------- */

/*
 * Upload check of the schemas table at idx (type -> field -> rule): every
 * rule a table of known keys (type, required, nullable, label and the
 * checks of docs/policies.md), a known type, each check of its Lua type
 * and for a rule of that type, every pattern a valid Lua pattern. Returns
 * 0, or -1 with err naming the item ("schemas.product.sku: unknown rule
 * key \"requried\"").
 */
int	policy_schema_check(lua_State *L, int idx, struct erp_err *err);

/*
 * Validates body against the schema table at index idx of L (field name
 * -> rule table) as docs/policies.md says; check functions run through
 * policy_sandbox_call under L's budget. Appends {field, code, message}
 * objects to fields. Returns 0, or -1 if a check function failed or ran
 * over budget (the caller denies) with err (if not NULL) saying how.
 */
int	policy_schema_validate(lua_State *L, int idx, const cJSON *body,
	    bool patch, const char *const *reserved, cJSON *fields,
	    struct erp_err *err);

/*
 * Describes the schemas table at index idx of L into out (an object):
 * type -> field -> {type, required, nullable, min, max, min_len, max_len,
 * min_items, max_items, enum, label, items, fields}, absent rules left
 * out; check functions and patterns only when whole ("pattern": the Lua
 * pattern, "check": true). Returns 0, or -1 when a schema is malformed or
 * the budget ran out (logged; out may hold part of the answer).
 */
int	policy_schema_describe(lua_State *L, int idx, bool whole, cJSON *out);

/* regex.c --------------------------------------------------------------- */

/*
 * Writes the Lua pattern p as an ECMA-262 regular expression matching the
 * same strings (ASCII subjects), NUL-terminated, into out. Returns 0, or
 * -1 when it has no exact translation (%b, %f, back references, %g) or
 * does not fit.
 */
int	policy_pattern_regex(const char *p, size_t plen, char *out,
	    size_t outlen);

#endif /* ERP_CORE_POLICY_H */
