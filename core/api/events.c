/*
 * events: what the built-in endpoints record in the audit log, and the
 * alert signals (a WARN line with the request id, and a metric) for
 * suspicious bursts. Floods are recorded once per key and window so they
 * cannot become write floods.
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
	char				 key[128], act[80], *c;

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
	/* repeated denials of one action are recorded once per window */
	snprintf(key + strlen(key), sizeof(key) - strlen(key), "|%s|%lld",
	    action, (long long)org_id);
	if (api_once("denied", key)) {
		cJSON	*details = cJSON_CreateObject();

		cJSON_AddStringToObject(details, "reason", reason);
		api_event_init(&ev, req, action, "denied");
		ev.ae_org_id = org_id;
		ev.ae_details = details;
		api_record(&ev);
		cJSON_Delete(details);
	}
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
