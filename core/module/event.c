/*
 * event: events between modules. emit queues an event in the request
 * (this thread); host_dispatch first calls the in-transaction subscribers
 * of the queue (ABI 2.1), which may still refuse the request, and
 * delivers the queue once the request's transaction committed, each
 * subscriber in a transaction of its own, or drops it when the request
 * rolled back.
 */
#include <stddef.h>
#include <string.h>

#include "audit/audit.h"
#include "db/db.h"
#include "host_int.h"

#define EVENTS_MAX	16	/* per request */

struct event {
	char	 ev_name[64];
	cJSON	*ev_payload;
};

static __thread struct event	 queue[EVENTS_MAX];
static __thread size_t		 nqueue;
static __thread bool		 in_tx_subscriber;

/* "order.shipped": a-z _ on both sides of one dot. */
static bool
event_name_valid(const char *s)
{
	const char	*dot = s ? strchr(s, '.') : NULL;
	char		 left[64];

	if (dot == NULL || dot == s || strlen(s) >= sizeof(left) ||
	    strchr(dot + 1, '.') != NULL)
		return false;
	snprintf(left, sizeof(left), "%.*s", (int)(dot - s), s);
	return module_name_valid(left, 32, false) &&
	    module_name_valid(dot + 1, 32, false);
}

int
host_emit(struct erp_req *r, const char *event, cJSON *payload)
{
	if (!event_name_valid(event) || nqueue == EVENTS_MAX) {
		log_msg(LOG_ERROR, http_request_id((struct http_req *)(void *)r),
		    "module: event %.60s refused (bad name, or more than %d "
		    "in one request)", event ? event : "(null)", EVENTS_MAX);
		cJSON_Delete(payload);
		return -1;
	}
	snprintf(queue[nqueue].ev_name, sizeof(queue[nqueue].ev_name), "%s",
	    event);
	queue[nqueue].ev_payload = payload;
	nqueue++;
	return 0;
}

void
host_events_drop(void)
{
	while (nqueue > 0)
		cJSON_Delete(queue[--nqueue].ev_payload);
}

int
host_tx_commit(void)
{
	return db_tx_writing() ? audit_tx_commit() : db_tx_commit();
}

bool
host_in_tx_subscriber(void)
{
	return in_tx_subscriber;
}

/* m's in-transaction subscribers; none for a module built for ABI 2.0. */
static const struct erp_subscription *
tx_subscriptions(const struct erp_module *m)
{
	/* built with the member: larger than where the member starts */
	return m->size > offsetof(struct erp_module, tx_subscriptions) ?
	    m->tx_subscriptions : NULL;
}

int
host_events_check(struct http_req *req)
{
	const struct erp_subscription	*s;
	const struct erp_module		*m;
	size_t				 e, i;
	int				 rc;

	/* a subscriber may emit too: the queue can grow under the loop */
	for (e = 0; e < nqueue; e++)
		for (i = 0; i < module_count(); i++) {
			m = module_get(i, NULL);
			for (s = tx_subscriptions(m); s != NULL && s->event !=
			    NULL; s++) {
				if (strcmp(s->event, queue[e].ev_name) != 0)
					continue;
				in_tx_subscriber = true;
				rc = s->fn((struct erp_req *)(void *)req,
				    queue[e].ev_name, queue[e].ev_payload);
				in_tx_subscriber = false;
				if (rc == 0)
					continue;
				if (http_status(req) < 400) {
					log_msg(LOG_ERROR, http_request_id(req),
					    "module %s: its subscriber to %s "
					    "refused without an answer",
					    m->name, queue[e].ev_name);
					http_reply_discard(req);
					http_reply_defer(req);
					http_reply_error(req, 500, "internal",
					    "internal error");
				}
				return -1;
			}
		}
	return 0;
}

/* Calls one subscriber in its own write transaction. */
static void
deliver_one(struct http_req *req, const struct erp_subscription *s,
    const struct event *ev, const char *module)
{
	int	 rc;

	if (db_tx_begin() == -1)
		return;
	rc = s->fn((struct erp_req *)(void *)req, ev->ev_name,
	    ev->ev_payload);
	if (rc != 0 || host_tx_commit() == -1) {
		db_tx_rollback();
		log_msg(LOG_WARN, http_request_id(req), "module %s: its "
		    "subscriber to %s failed; its work was rolled back",
		    module, ev->ev_name);
	}
}

void
host_events_deliver(struct http_req *req)
{
	const struct erp_subscription	*s;
	const struct erp_module		*m;
	size_t				 e, i;

	for (e = 0; e < nqueue; e++)
		for (i = 0; i < module_count(); i++) {
			m = module_get(i, NULL);
			for (s = m->subscriptions; s != NULL && s->event !=
			    NULL; s++)
				if (strcmp(s->event, queue[e].ev_name) == 0)
					deliver_one(req, s, &queue[e], m->name);
		}
	host_events_drop();
}
