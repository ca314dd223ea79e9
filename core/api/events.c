/*
 * events: what the built-in endpoints record in the audit log, and the
 * alert signals (a WARN line with the request id, and a metric) for
 * suspicious bursts. Floods of rate-limit refusals are recorded once per
 * key and window so they cannot become write floods; each denial is its
 * own entry (only authenticated callers are denied).
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "metrics/metrics.h"

#define WINDOW		60	/* seconds, for dedupe and bursts */
#define DENIAL_BURST	10	/* denials by one subject per window */

static struct auth_rl	*once;		/* one record per key and window */
static struct auth_rl	*denials;	/* denials per subject */

int
api_events_init(void)
{
	once = auth_rl_new(1, WINDOW, AUTH_RL_SLOTS);
	denials = auth_rl_new(DENIAL_BURST - 1, WINDOW, AUTH_RL_SLOTS);
	http_on_denial(api_denied);
	return once != NULL && denials != NULL ? 0 : -1;
}

void
api_event_init(struct audit_event *ev, struct http_req *req,
    const char *action, const char *outcome)
{
	const struct auth_subject	*sub = http_subject(req);

	memset(ev, 0, sizeof(*ev));
	if (sub != NULL) {
		ev->ae_actor_type = sub->su_kind == AUTH_KIND_API_KEY ?
		    "api_key" : "user";
		ev->ae_actor_id = sub->su_user_id;
	} else
		ev->ae_actor_type = "anonymous";
	ev->ae_action = action;
	ev->ae_outcome = outcome;
	ev->ae_ip = http_client_ip(req);
	ev->ae_request_id = http_request_id(req);
}

int
api_audit_failed(struct http_req *req)
{
	metrics_inc(METRIC_AUDIT_FAILURES);
	db_tx_rollback();
	return api_internal(req);
}

int
api_record(const struct audit_event *ev)
{
	if (audit_record(ev) == -1) {
		metrics_inc(METRIC_AUDIT_FAILURES);
		return -1;
	}
	metrics_inc(METRIC_AUDIT_WRITES);
	return 0;
}

int
api_append(const struct audit_event *ev)
{
	if (audit_append(ev) == -1) {
		metrics_inc(METRIC_AUDIT_FAILURES);
		return -1;
	}
	metrics_inc(METRIC_AUDIT_WRITES);
	return 0;
}

bool
api_once(const char *kind, const char *key)
{
	char	 k[512];

	snprintf(k, sizeof(k), "%s|%s", kind, key);
	return auth_rl_hit(once, k, time_now()) == 0;
}

void
api_denied(struct http_req *req, const char *action, int64_t org_id,
    const char *reason)
{
	const struct auth_subject	*sub = http_subject(req);
	struct audit_event		 ev;
	cJSON				*details;
	const char			*id;
	char				 key[128], act[80], type[80], *c;
	int64_t				 version;

	/* audit actions read "order.confirm" where permissions read ':' */
	snprintf(act, sizeof(act), "%s", action);
	if ((c = strchr(act, ':')) != NULL)
		*c = '.';
	action = act;
	snprintf(key, sizeof(key), "%s:%lld", sub ? (sub->su_kind ==
	    AUTH_KIND_API_KEY ? "key" : "user") : "anon",
	    sub ? (long long)sub->su_user_id : 0LL);
	if (auth_rl_hit(denials, key, time_now()) > 0 &&
	    api_once("denial-burst", key)) {
		metrics_inc(METRIC_ALERT_DENIAL_BURST);
		log_msg(LOG_WARN, http_request_id(req), "alert: burst of "
		    "denials by %s (%d or more in %d s)", key, DENIAL_BURST,
		    WINDOW);
	}
	/*
	 * Every denial is its own entry, naming the record the request did
	 * and the policy version that decided ("who tried to delete order
	 * 7" has an answer). Only authenticated callers reach a denial.
	 */
	details = cJSON_CreateObject();
	cJSON_AddStringToObject(details, "reason", reason);
	if ((version = http_policy_version(req)) >= 0)
		api_json_int(details, "version", version);
	else
		cJSON_AddNullToObject(details, "version");
	api_event_init(&ev, req, action, "denied");
	ev.ae_org_id = org_id;
	if ((id = http_param(req, "id")) != NULL ||
	    (id = http_param(req, "user_id")) != NULL) {
		snprintf(type, sizeof(type), "%.*s", (int)strcspn(act, "."),
		    act);
		ev.ae_resource_type = type;
		ev.ae_resource_id = id;
	}
	ev.ae_details = details;
	api_record(&ev);
	cJSON_Delete(details);
}

int
api_forbidden(struct http_req *req, const char *action, int64_t org_id,
    const char *message)
{
	api_denied(req, action, org_id, message);
	return http_reply_error(req, 403, "forbidden", message);
}

void
api_login_burst(struct http_req *req, const char *key)
{
	if (!api_once("login-burst", key))
		return;
	metrics_inc(METRIC_ALERT_LOGIN_BURST);
	/* the key may be an email: name only its kind in the log */
	log_msg(LOG_WARN, http_request_id(req), "alert: burst of failed "
	    "logins for one %s from %s", strncmp(key, "ip:", 3) == 0 ?
	    "address" : "account", http_client_ip(req));
}
