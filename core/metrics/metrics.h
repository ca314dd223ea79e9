/*
 * metrics: process-wide counters and latency histograms, lock-free
 * (relaxed atomics), rendered in the Prometheus text format.
 */
#ifndef ERP_CORE_METRICS_H
#define ERP_CORE_METRICS_H

#include <stdint.h>

#include "base/base.h"

/* Counters; the names they render under are in metrics.c. */
enum metric_counter {
	METRIC_AUTH_FAILURES,		/* refused credentials or logins */
	METRIC_RATE_LIMITED,		/* 429 answers */
	METRIC_DENIALS,			/* 403 answers */
	METRIC_ERRORS,			/* 5xx answers */
	METRIC_POLICY_EVALS,
	METRIC_POLICY_ERRORS,
	METRIC_POLICY_BUDGET,		/* budget overruns */
	METRIC_AUDIT_WRITES,
	METRIC_AUDIT_FAILURES,		/* append or verification failed */
	METRIC_ALERT_LOGIN_BURST,
	METRIC_ALERT_DENIAL_BURST,
	METRIC_ALERT_POLICY_BUDGET,
	METRIC_DB_STATEMENTS,
	METRIC_DB_NANOSECONDS,
	METRIC_CONN_REFUSED,		/* over ERP_CONN_PER_IP */
	METRIC_BODY_TIMEOUTS,		/* bodies cut by their deadline */
	METRIC_COMPILES_REFUSED,	/* compiles that waited too long */
	METRIC_NCOUNTERS
};

#define METRICS_MAX_ROUTES	258	/* route table + static + none */

void	metrics_inc(enum metric_counter);
void	metrics_add(enum metric_counter, uint64_t);

/*
 * One answered request: route is an index from 0 to METRICS_MAX_ROUTES
 * - 1 (the caller's numbering), status the HTTP status, us its duration.
 */
void	metrics_request(int route, int status, int64_t us);

/* Names a route index for rendering ("/api/v1/users/{id}"). */
typedef const char *(*metrics_route_name_fn)(int route);

/* Appends every metric to b; gauge is called for the live gauges. */
void	metrics_render(struct buf *b, metrics_route_name_fn name,
	    int argon2_queue);

#endif /* ERP_CORE_METRICS_H */
