/*
 * bench_policy: what one policy_decide costs on one thread, for the
 * shipped base alone and for an organization policy of 200 roles with an
 * allow of its own that falls back to base.allow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "policy/policy.h"

#define DEFAULT_N	200000
#define WARMUP		2000
#define ROLES		200
#define TARGET_BASE_US	2.0	/* median, base policy */
#define TARGET_ORG_US	5.0	/* median, 200 roles and an allow */

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* One question: who, what, and the record's attributes (may be NULL). */
struct question {
	char		 q_role[32];
	const char	*q_action;
	const char	*q_type;
	cJSON		*q_attrs;
};

/* Times per decision (ns) and in total (ns) of a run. */
struct run {
	int64_t	*r_each;
	int64_t	 r_total;
	long	 r_allowed;
	long	 r_errors;
};

static const char *const actions[] = {
	"product:read", "product:delete", "order:confirm", "order:read",
	"customer:update", "file:create", "audit:read", "order:ship",
};

/*
 * nq questions cycling through actions, roles (base roles, or role_NNN
 * of the generated policy) and, for every other one, attributes.
 */
static struct question *
questions(size_t nq, bool generated)
{
	static const char *const base_roles[] = { "admin", "manager",
	    "clerk", "viewer" };
	struct question	*q = xcalloc(nq, sizeof(*q));
	size_t		 i;

	for (i = 0; i < nq; i++) {
		q[i].q_action = actions[i % nitems(actions)];
		q[i].q_type = strncmp(q[i].q_action, "order", 5) == 0 ?
		    "order" : "product";
		if (generated && i % 4 != 0)
			snprintf(q[i].q_role, sizeof(q[i].q_role),
			    "role_%03zu", (i * 37) % ROLES);
		else
			snprintf(q[i].q_role, sizeof(q[i].q_role), "%s",
			    base_roles[(i / nitems(actions)) %
			    nitems(base_roles)]);
		if (i % 2 == 1) {
			q[i].q_attrs = cJSON_CreateObject();
			cJSON_AddNumberToObject(q[i].q_attrs, "total_cents",
			    (double)((i * 7919) % 2000000));
			cJSON_AddStringToObject(q[i].q_attrs, "status",
			    "draft");
		}
	}
	return q;
}

static void
questions_free(struct question *q, size_t nq)
{
	size_t	 i;

	for (i = 0; i < nq; i++)
		cJSON_Delete(q[i].q_attrs);
	free(q);
}

static void
run(struct policy *p, const struct question *q, size_t nq, long n,
    struct run *r)
{
	struct policy_subject	 sub = { 42, "user", NULL, false };
	struct policy_resource	 res = { .pr_org_id = 7 };
	struct policy_decision	 d;
	int64_t			 t0, t1, start;
	long			 i;

	for (i = 0; i < WARMUP; i++) {
		sub.ps_role = q[i % nq].q_role;
		res.pr_type = q[i % nq].q_type;
		res.pr_attrs = q[i % nq].q_attrs;
		policy_decide(p, &sub, q[i % nq].q_action, &res, 1700000000,
		    "127.0.0.1", &d);
	}
	memset(r, 0, sizeof(*r));
	r->r_each = xcalloc((size_t)n, sizeof(*r->r_each));
	start = now_ns();
	for (i = 0; i < n; i++) {
		const struct question	*qq = &q[i % nq];

		sub.ps_role = qq->q_role;
		res.pr_type = qq->q_type;
		res.pr_id = i % 2 ? i : 0;
		res.pr_attrs = qq->q_attrs;
		t0 = now_ns();
		policy_decide(p, &sub, qq->q_action, &res, 1700000000,
		    "127.0.0.1", &d);
		t1 = now_ns();
		r->r_each[i] = t1 - t0;
		r->r_allowed += d.pd_allow;
		r->r_errors += d.pd_error;
	}
	r->r_total = now_ns() - start;
}

/* Prints one line; returns whether the median met target_us. */
static bool
report(const char *name, struct run *r, long n, double target_us)
{
	double	 median, p99;

	qsort(r->r_each, (size_t)n, sizeof(*r->r_each), cmp_i64);
	median = (n % 2 ? (double)r->r_each[n / 2] :
	    (r->r_each[n / 2 - 1] + r->r_each[n / 2]) / 2.0) / 1000.0;
	p99 = (double)r->r_each[(size_t)((double)n * 0.99)] / 1000.0;
	printf("%-26s %10.0f /s   median %7.3f us   p99 %7.3f us   "
	    "(%ld allowed, %ld errors)  target median < %.0f us: %s\n", name,
	    n / ((double)r->r_total / 1e9), median, p99, r->r_allowed,
	    r->r_errors, target_us, median < target_us ? "met" : "MISSED");
	free(r->r_each);
	return median < target_us && r->r_errors == 0;
}

/* An organization policy: ROLES roles of 8 patterns, allow over base. */
static char *
generated_policy(void)
{
	struct buf	 b = { 0 };
	size_t		 i;

	buf_puts(&b, "roles = {\n");
	for (i = 0; i < ROLES; i++)
		buf_printf(&b, "  role_%03zu = { \"report_%zu:read\", "
		    "\"widget_%zu:*\", \"product:read\", \"customer:read\", "
		    "\"order:read\", \"%s\", \"%s\", \"file:read\" },\n", i, i,
		    i, i % 3 ? "order:confirm" : "order:create",
		    i % 5 ? "customer:update" : "audit:read");
	buf_puts(&b, "}\n"
	    "\n"
	    "function allow(subject, action, resource, context)\n"
	    "  if action == \"order:confirm\" and\n"
	    "      (resource.total_cents or 0) > 1000000 and\n"
	    "      subject.role ~= \"manager\" then\n"
	    "    return false, \"orders over 10 000.00 need a manager\"\n"
	    "  end\n"
	    "  return base.allow(subject, action, resource, context)\n"
	    "end\n");
	return b.b_data;
}

int
main(int argc, char **argv)
{
	struct erp_err	 err;
	struct policy	*base, *org;
	struct question	*q;
	struct run	 r;
	long		 n = argc > 1 ? atol(argv[1]) : DEFAULT_N;
	const char	*dir = getenv("ERP_POLICIES_DIR");
	char		 path[4096], *src;
	size_t		 nq = 1024;
	bool		 ok;

	if (n < 1) {
		fprintf(stderr, "usage: bench_policy [decisions]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/base.lua", dir ? dir :
	    ERP_DEFAULT_POLICIES_DIR);
	if (policy_engine_init(path, &err) == -1) {
		fprintf(stderr, "bench_policy: %s\n", err.e_msg);
		return 1;
	}
	src = generated_policy();
	if ((base = policy_compile(NULL, 0, POLICY_STORED, &err)) == NULL ||
	    (org = policy_compile(src, strlen(src), POLICY_UPLOAD, &err)) == NULL) {
		fprintf(stderr, "bench_policy: %s\n", err.e_msg);
		return 1;
	}
	printf("policy_decide on one thread, %ld decisions each after %d "
	    "warm-up, %zu-byte generated policy\n", n, WARMUP, strlen(src));
	q = questions(nq, false);
	run(base, q, nq, n, &r);
	ok = report("base policy", &r, n, TARGET_BASE_US);
	questions_free(q, nq);
	q = questions(nq, true);
	run(org, q, nq, n, &r);
	ok = report("200 roles + custom allow", &r, n, TARGET_ORG_US) && ok;
	questions_free(q, nq);
	policy_free(base);
	policy_free(org);
	free(src);
	return ok ? 0 : 1;
}
