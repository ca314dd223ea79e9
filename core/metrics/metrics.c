/*
 * metrics: counters and per-route histograms in fixed arrays of relaxed
 * atomics, so the request path never takes a lock to count itself.
 */
#include <stdatomic.h>
#include <string.h>

#include "metrics.h"

static const struct {
	const char	*name;
	const char	*help;
} counter_info[METRIC_NCOUNTERS] = {
	[METRIC_AUTH_FAILURES] = { "erp_auth_failures_total",
	    "Refused credentials and failed logins." },
	[METRIC_RATE_LIMITED] = { "erp_rate_limited_total",
	    "Requests refused with 429." },
	[METRIC_DENIALS] = { "erp_denials_total",
	    "Requests refused with 403." },
	[METRIC_ERRORS] = { "erp_errors_total",
	    "Requests answered with a 5xx status." },
	[METRIC_POLICY_EVALS] = { "erp_policy_evaluations_total",
	    "Policy decisions evaluated." },
	[METRIC_POLICY_ERRORS] = { "erp_policy_errors_total",
	    "Policy evaluations that failed (and denied)." },
	[METRIC_POLICY_BUDGET] = { "erp_policy_budget_overruns_total",
	    "Policy evaluations stopped by their budget." },
	[METRIC_AUDIT_WRITES] = { "erp_audit_writes_total",
	    "Audit entries written." },
	[METRIC_AUDIT_FAILURES] = { "erp_audit_failures_total",
	    "Audit writes or verifications that failed." },
	[METRIC_ALERT_LOGIN_BURST] = { "erp_alert_login_bursts_total",
	    "Bursts of failed logins per account or address." },
	[METRIC_ALERT_DENIAL_BURST] = { "erp_alert_denial_bursts_total",
	    "Bursts of denials by one subject." },
	[METRIC_ALERT_POLICY_BUDGET] = { "erp_alert_policy_budget_total",
	    "Policy budget overruns alerted." },
	[METRIC_DB_STATEMENTS] = { "erp_db_statements_total",
	    "SQLite statements run." },
	[METRIC_DB_NANOSECONDS] = { "erp_db_nanoseconds_total",
	    "Time spent in SQLite statements, in nanoseconds." },
	[METRIC_CONN_REFUSED] = { "erp_connections_refused_total",
	    "Connections shut at once: their address held ERP_CONN_PER_IP." },
	[METRIC_BODY_TIMEOUTS] = { "erp_body_timeouts_total",
	    "Request bodies cut for arriving too slowly." },
	[METRIC_COMPILES_REFUSED] = { "erp_policy_compiles_refused_total",
	    "Policy compiles refused after waiting for their turn." },
};

/* Statuses counted per route; anything else falls in the last slot. */
static const int	 statuses[] = { 200, 201, 204, 304, 400, 401, 403,
			    404, 405, 408, 409, 413, 415, 422, 429, 500, 503, 0 };
#define NSTATUS		 ((int)nitems(statuses))

/* Latency bucket upper bounds in microseconds (Prometheus "le"). */
static const int64_t	 bounds[] = { 100, 250, 500, 1000, 2500, 5000,
			    10000, 25000, 50000, 100000, 250000, 1000000 };
#define NBUCKET		 ((int)nitems(bounds))

struct route_stats {
	atomic_uint_fast64_t	 rs_status[NSTATUS];
	atomic_uint_fast64_t	 rs_bucket[NBUCKET + 1];	/* +Inf last */
	atomic_uint_fast64_t	 rs_sum_us;
	atomic_uint_fast64_t	 rs_count;
};

static atomic_uint_fast64_t	counters[METRIC_NCOUNTERS];
static struct route_stats	routes[METRICS_MAX_ROUTES];

void
metrics_inc(enum metric_counter c)
{
	atomic_fetch_add_explicit(&counters[c], 1, memory_order_relaxed);
}

void
metrics_add(enum metric_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&counters[c], n, memory_order_relaxed);
}

void
metrics_request(int route, int status, int64_t us)
{
	struct route_stats	*rs;
	int			 i;

	if (route < 0 || route >= METRICS_MAX_ROUTES)
		return;
	rs = &routes[route];
	for (i = 0; i < NSTATUS - 1 && statuses[i] != status; i++)
		;
	atomic_fetch_add_explicit(&rs->rs_status[i], 1, memory_order_relaxed);
	for (i = 0; i < NBUCKET && us > bounds[i]; i++)
		;
	atomic_fetch_add_explicit(&rs->rs_bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&rs->rs_sum_us, (uint64_t)(us > 0 ? us : 0),
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&rs->rs_count, 1, memory_order_relaxed);
	if (status == 403)
		metrics_inc(METRIC_DENIALS);
	else if (status == 429)
		metrics_inc(METRIC_RATE_LIMITED);
	else if (status >= 500)
		metrics_inc(METRIC_ERRORS);
}

static uint64_t
load(atomic_uint_fast64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* Route paths are ours, but escape them as label values anyway. */
static void
label(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_append(b, "\\", 1);
		if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_append(b, s, 1);
	}
}

void
metrics_render(struct buf *b, metrics_route_name_fn name, int argon2_queue)
{
	int	 r, i;

	for (i = 0; i < METRIC_NCOUNTERS; i++)
		buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
		    counter_info[i].name, counter_info[i].help,
		    counter_info[i].name, counter_info[i].name,
		    (unsigned long long)load(&counters[i]));
	buf_printf(b, "# HELP erp_argon2_queue_depth Password hashes running "
	    "or waiting.\n# TYPE erp_argon2_queue_depth gauge\n"
	    "erp_argon2_queue_depth %d\n", argon2_queue);

	buf_puts(b, "# HELP erp_http_requests_total Requests answered, by "
	    "route and status.\n# TYPE erp_http_requests_total counter\n");
	for (r = 0; r < METRICS_MAX_ROUTES; r++) {
		if (load(&routes[r].rs_count) == 0)
			continue;
		for (i = 0; i < NSTATUS; i++) {
			uint64_t n = load(&routes[r].rs_status[i]);

			if (n == 0)
				continue;
			buf_puts(b, "erp_http_requests_total{route=\"");
			label(b, name(r));
			if (statuses[i] != 0)
				buf_printf(b, "\",status=\"%d\"} %llu\n",
				    statuses[i], (unsigned long long)n);
			else
				buf_printf(b, "\",status=\"other\"} %llu\n",
				    (unsigned long long)n);
		}
	}
	buf_puts(b, "# HELP erp_http_request_duration_seconds Request "
	    "latency, by route.\n"
	    "# TYPE erp_http_request_duration_seconds histogram\n");
	for (r = 0; r < METRICS_MAX_ROUTES; r++) {
		uint64_t	 cum = 0;

		if (load(&routes[r].rs_count) == 0)
			continue;
		for (i = 0; i <= NBUCKET; i++) {
			cum += load(&routes[r].rs_bucket[i]);
			buf_puts(b, "erp_http_request_duration_seconds_bucket"
			    "{route=\"");
			label(b, name(r));
			if (i < NBUCKET)
				buf_printf(b, "\",le=\"%g\"} %llu\n",
				    (double)bounds[i] / 1e6,
				    (unsigned long long)cum);
			else
				buf_printf(b, "\",le=\"+Inf\"} %llu\n",
				    (unsigned long long)cum);
		}
		buf_puts(b, "erp_http_request_duration_seconds_sum{route=\"");
		label(b, name(r));
		buf_printf(b, "\"} %.6f\n",
		    (double)load(&routes[r].rs_sum_us) / 1e6);
		buf_puts(b, "erp_http_request_duration_seconds_count{route=\"");
		label(b, name(r));
		buf_printf(b, "\"} %llu\n",
		    (unsigned long long)load(&routes[r].rs_count));
	}
}
