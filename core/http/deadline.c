/*
 * deadline: how long a client may take to send a body (docs/api.md).
 * civetweb's mg_read returns only once its buffer is full, whatever a
 * trickling client's pace, so the rule cannot be checked between reads:
 * one watchdog thread looks at every body being read four times a second
 * and shuts the read side of a socket that broke its rule. The blocked
 * read then ends at once and the request answers 408.
 */
#include <sys/socket.h>

#include <pthread.h>
#include <stdatomic.h>

#include "http_int.h"
#include "metrics/metrics.h"

#define TICK_MS		250

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 wake = PTHREAD_COND_INITIALIZER;
static struct deadline	*head;		/* bodies being read */
static pthread_t	 watchdog;
static bool		 running, stopping;

/* Has dl broken its rule at now? */
static bool
expired(const struct deadline *dl, int64_t now)
{
	int64_t	 age = now - dl->dl_start_us;
	int64_t	 bytes = atomic_load_explicit(&dl->dl_bytes,
		    memory_order_relaxed);
	int64_t	 last = atomic_load_explicit(&dl->dl_last_us,
		    memory_order_relaxed);

	switch (dl->dl_kind) {
	case DEADLINE_WHOLE:
		return age > DEADLINE_BODY_US;
	case DEADLINE_RATE:
		if (now - last > DEADLINE_IDLE_US)
			return true;
		/* bytes / seconds under the floor, past the grace period */
		return age > DEADLINE_BODY_US &&
		    bytes * 1000000 < DEADLINE_RATE_MIN * age;
	}
	return true;
}

static void *
watch(void *arg)
{
	struct deadline	*dl;
	struct timespec	 ts;
	int64_t		 now;

	pthread_mutex_lock(&lock);
	while (!stopping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wake, &lock, &ts);
		now = time_mono_us();
		for (dl = head; dl != NULL; dl = dl->dl_next)
			if (!dl->dl_fired && expired(dl, now)) {
				/* under the lock: the socket is still open */
				dl->dl_fired = true;
				shutdown(dl->dl_fd, SHUT_RD);
				metrics_inc(METRIC_BODY_TIMEOUTS);
			}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int
deadline_init(struct erp_err *err)
{
	pthread_mutex_lock(&lock);
	stopping = false;
	if (!running && pthread_create(&watchdog, NULL, watch, NULL) != 0) {
		pthread_mutex_unlock(&lock);
		err_set(err, "cannot start the body deadline thread");
		return -1;
	}
	running = true;
	pthread_mutex_unlock(&lock);
	return 0;
}

void
deadline_fini(void)
{
	pthread_mutex_lock(&lock);
	if (!running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(watchdog, NULL);
	running = false;
}

void
deadline_start(struct deadline *dl, int fd, enum deadline_kind kind,
    int64_t start_us)
{
	dl->dl_fd = fd;
	dl->dl_kind = kind;
	dl->dl_start_us = start_us;
	dl->dl_fired = false;
	atomic_store(&dl->dl_bytes, 0);
	atomic_store(&dl->dl_last_us, time_mono_us());
	dl->dl_armed = fd != -1;
	if (!dl->dl_armed)
		return;		/* no socket found: civetweb's own timeout */
	pthread_mutex_lock(&lock);
	dl->dl_prev = NULL;
	dl->dl_next = head;
	if (head != NULL)
		head->dl_prev = dl;
	head = dl;
	pthread_mutex_unlock(&lock);
}

void
deadline_progress(struct deadline *dl, size_t n)
{
	if (n == 0)
		return;
	atomic_fetch_add_explicit(&dl->dl_bytes, (int64_t)n,
	    memory_order_relaxed);
	atomic_store_explicit(&dl->dl_last_us, time_mono_us(),
	    memory_order_relaxed);
}

bool
deadline_stop(struct deadline *dl)
{
	bool	 fired;

	if (!dl->dl_armed)
		return false;
	pthread_mutex_lock(&lock);
	if (dl->dl_prev != NULL)
		dl->dl_prev->dl_next = dl->dl_next;
	else
		head = dl->dl_next;
	if (dl->dl_next != NULL)
		dl->dl_next->dl_prev = dl->dl_prev;
	fired = dl->dl_fired;
	pthread_mutex_unlock(&lock);
	dl->dl_armed = false;
	return fired;
}

bool
deadline_fired(struct deadline *dl)
{
	bool	 fired;

	if (!dl->dl_armed)
		return false;
	pthread_mutex_lock(&lock);
	fired = dl->dl_fired;
	pthread_mutex_unlock(&lock);
	return fired;
}
