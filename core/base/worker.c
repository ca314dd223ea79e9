/*
 * worker: the state a request needs to do database and policy work (a
 * SQLite connection and its statements, compiled policies, verified
 * tokens), held by a fixed pool of ERP_WORKERS workers instead of by each
 * of civetweb's connection threads, so that memory and contention follow
 * the pool, not the connections. A request thread borrows a worker when it
 * first needs one and gives it back before it waits for its client; the
 * longest waiting thread gets the next free worker (FIFO, so latency stays
 * even under load). Threads outside the pipeline (start-up, the CLI,
 * background threads, unit tests) keep a worker of their own.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

struct worker {
	struct worker	*wk_next;		/* in the free list */
	void		*wk_slot[WORKER_NSLOTS];
};

/*
 * A thread waiting for a worker; on its own stack. It sleeps on its
 * thread's semaphore, posted after the pool's lock is released, so the
 * thread woken does not wake only to wait for that lock.
 */
struct waiter {
	struct waiter	*wa_next;
	sem_t		*wa_wake;
	struct worker	*wa_got;
};

static _Atomic(worker_free_fn) slot_free[WORKER_NSLOTS];
static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker	*pool;		/* all of them, for fini */
static int		 npool;
static struct worker	*idle;		/* free list */
static struct waiter	*queue_head, *queue_tail;
static pthread_key_t	 own_key;
static pthread_once_t	 own_once = PTHREAD_ONCE_INIT;

static __thread struct worker	*own;		/* outside the pipeline */
static __thread struct worker	*held;		/* borrowed */
static __thread bool		 borrows;	/* a pipeline thread */
static __thread uint64_t	 nborrowed;	/* borrows so far */
static __thread sem_t		 wake;		/* the thread's, for its life
						   (Linux's sem_t holds nothing
						   to destroy) */
static __thread bool		 wake_made;

static void
worker_clear(struct worker *w)
{
	int	 i;

	worker_free_fn	 fn;

	for (i = 0; i < WORKER_NSLOTS; i++)
		if (w->wk_slot[i] != NULL &&
		    (fn = atomic_load(&slot_free[i])) != NULL) {
			fn(w->wk_slot[i]);
			w->wk_slot[i] = NULL;
		}
}

static void
own_destroy(void *p)
{
	worker_clear(p);
	free(p);
}

static void
own_key_make(void)
{
	if (pthread_key_create(&own_key, own_destroy) != 0)
		abort();	/* at start-up: nothing works without it */
}


int
worker_pool_init(int n, struct erp_err *err)
{
	int	 i;

	if (n < 1) {
		err_set(err, "the worker pool needs at least one worker");
		return -1;
	}
	pool = xcalloc((size_t)n, sizeof(*pool));
	npool = n;
	for (i = 0; i < n; i++) {
		pool[i].wk_next = idle;
		idle = &pool[i];
	}
	return 0;
}

void
worker_pool_fini(void)
{
	int	 i;

	for (i = 0; i < npool; i++)
		worker_clear(&pool[i]);
	free(pool);
	pool = idle = NULL;
	npool = 0;
}

void
worker_request_begin(void)
{
	borrows = pool != NULL;
}

void
worker_request_end(void)
{
	worker_return();
	borrows = false;
}

void
worker_borrow(void)
{
	struct waiter	 me;

	if (held != NULL || !borrows)
		return;
	pthread_mutex_lock(&lock);
	if (idle != NULL) {
		held = idle;
		idle = idle->wk_next;
		pthread_mutex_unlock(&lock);
		nborrowed++;
		return;
	}
	if (!wake_made) {
		sem_init(&wake, 0, 0);
		wake_made = true;
	}
	me.wa_next = NULL;
	me.wa_wake = &wake;
	me.wa_got = NULL;
	if (queue_tail != NULL)
		queue_tail->wa_next = &me;
	else
		queue_head = &me;
	queue_tail = &me;
	pthread_mutex_unlock(&lock);
	/* worker_return unlinks me and sets wa_got before it posts */
	while (sem_wait(&wake) == -1)
		;	/* EINTR */
	held = me.wa_got;
	/* worker_return unlinked me before it posted: nothing refers to it */
	nborrowed++;	/* NOLINT(clang-analyzer-core.StackAddressEscape) */
}

void
worker_return(void)
{
	struct waiter	*w;
	sem_t		*wake_it = NULL;

	if (held == NULL)
		return;
	pthread_mutex_lock(&lock);
	if ((w = queue_head) != NULL) {
		/* straight to the longest waiting thread */
		if ((queue_head = w->wa_next) == NULL)
			queue_tail = NULL;
		w->wa_got = held;
		wake_it = w->wa_wake;
	} else {
		held->wk_next = idle;
		idle = held;
	}
	pthread_mutex_unlock(&lock);
	held = NULL;
	if (wake_it != NULL)
		sem_post(wake_it);
}

bool
worker_held(void)
{
	return held != NULL;
}

uint64_t
worker_borrow_count(void)
{
	return nborrowed;
}

static struct worker *
current(void)
{
	if (held == NULL && borrows)
		worker_borrow();
	if (held != NULL)
		return held;
	if (own == NULL) {
		pthread_once(&own_once, own_key_make);
		own = xcalloc(1, sizeof(*own));
		pthread_setspecific(own_key, own);
	}
	return own;
}

void *
worker_local(enum worker_slot slot, size_t size, worker_free_fn fn)
{
	struct worker	*w = current();

	if (w->wk_slot[slot] == NULL) {
		atomic_store(&slot_free[slot], fn);
		w->wk_slot[slot] = xcalloc(1, size);
	}
	return w->wk_slot[slot];
}

void *
worker_local_take(enum worker_slot slot)
{
	struct worker	*w = current();
	void		*p = w->wk_slot[slot];

	w->wk_slot[slot] = NULL;
	return p;
}

void
worker_thread_free(void)
{
	struct worker	*w = own;

	if (w == NULL)
		return;
	pthread_setspecific(own_key, NULL);
	worker_clear(w);
	own = NULL;
	free(w);
}
