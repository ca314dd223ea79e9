/*
 * server: civetweb set-up. Its own features that would bypass the
 * pipeline are off (CORS answers, directory listing, CGI, file serving);
 * keep-alive and TCP_NODELAY are on; timeouts and many connection threads
 * keep slow clients from starving the rest, while a small pool of workers
 * (base/worker.c) does the database and policy work. Stopping drains:
 * requests in flight finish before civetweb is stopped (civetweb's own
 * stop would cut their reads and writes short).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "http_int.h"

#define REQUEST_TIMEOUT_MS	"10000"	/* a slow client loses its thread */
#define KEEPALIVE_TIMEOUT_MS	"5000"
/* how long a stop waits for requests in flight (under systemd's 60 s) */
#define DRAIN_MAX_US		(30 * INT64_C(1000000))

static struct mg_context	*ctx;
static atomic_int		 inflight;	/* requests being answered */
static atomic_bool		 draining;	/* http_server_stop began */

bool
server_draining(void)
{
	return atomic_load(&draining);
}

/* Every request, counted while it runs so a stop can wait for it. */
static int
handle(struct mg_connection *conn, void *cbdata)
{
	int	 status;

	atomic_fetch_add(&inflight, 1);
	status = pipeline_run(conn, cbdata);
	atomic_fetch_sub(&inflight, 1);
	return status;
}

static int
on_log(const struct mg_connection *conn, const char *message)
{
	/* civetweb's messages may hold paths; they stay operator-only */
	log_msg(LOG_WARN, NULL, "civetweb: %.200s", message);
	return 1;
}

/*
 * Credentials are the pipeline's step. Without an authorization handler,
 * civetweb looks for a .htpasswd on disk before every request (a stat a
 * request, and Basic auth for the whole server if one ever appears).
 */
static int
auth_in_pipeline(struct mg_connection *conn, void *cbdata)
{
	return 1;
}

/* A thread leaves: what it kept outside the pool goes with it. */
static void
on_exit_thread(const struct mg_context *c, int type, void *user)
{
	worker_thread_free();
}

int
http_server_start(const struct config *cf, struct erp_err *err)
{
	struct mg_callbacks	 cb;
	struct mg_init_data	 init;
	struct mg_error_data	 edata;
	unsigned		 ecode = 0;
	char			 etext[256] = "", threads[16];
	const char		*opts[] = {
		"listening_ports", cf->cf_listen,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"tcp_nodelay", "1",
		"request_timeout_ms", REQUEST_TIMEOUT_MS,
		"keep_alive_timeout_ms", KEEPALIVE_TIMEOUT_MS,
		"linger_timeout_ms", "1000",
		"listen_backlog", "1024",
		"connection_queue", "1024",
		"max_request_size", "16384",
		"decode_url", "no",
		/* empty: every OPTIONS reaches the pipeline */
		"access_control_allow_origin", "",
		"enable_directory_listing", "no",
		"cgi_pattern", "",
		"ssi_pattern", "",
		"enable_auth_domain_check", "no",
		NULL
	};

	if (static_load(cf->cf_www_dir, err) == -1)
		return -1;
	if (deadline_init(err) == -1) {
		static_free();
		return -1;
	}
	if (worker_pool_init(cf->cf_workers, err) == -1) {
		deadline_fini();
		static_free();
		return -1;
	}
	snprintf(threads, sizeof(threads), "%d", cf->cf_threads);
	memset(&cb, 0, sizeof(cb));
	cb.log_message = on_log;
	cb.exit_thread = on_exit_thread;
	cb.http_error = pipeline_civetweb_error;
	cb.init_connection = peer_open;
	cb.connection_close = peer_close;
	init.callbacks = &cb;
	init.user_data = (void *)(uintptr_t)cf;
	init.configuration_options = opts;
	edata.code = &ecode;
	edata.text = etext;
	edata.text_buffer_size = sizeof(etext);
	mg_init_library(0);
	if ((ctx = mg_start2(&init, &edata)) == NULL) {
		err_set(err, "ERP_LISTEN: cannot serve on %s: %s",
		    cf->cf_listen, etext[0] ? etext : "civetweb failed");
		mg_exit_library();
		worker_pool_fini();
		deadline_fini();
		static_free();
		return -1;
	}
	atomic_store(&draining, false);
	mg_set_auth_handler(ctx, "**", auth_in_pipeline, NULL);
	mg_set_request_handler(ctx, "**", handle, (void *)(uintptr_t)cf);
	return 0;
}

void
http_server_stop(void)
{
	struct timespec	 tick = { 0, 10 * 1000 * 1000 };
	int64_t		 deadline = time_mono_us() + DRAIN_MAX_US;
	int		 n;

	if (ctx == NULL)
		return;
	/* from now on new requests get 503; those in flight finish */
	atomic_store(&draining, true);
	if ((n = atomic_load(&inflight)) > 0)
		log_info("waiting for %d request(s) in flight", n);
	while (atomic_load(&inflight) > 0 && time_mono_us() < deadline)
		nanosleep(&tick, NULL);
	if ((n = atomic_load(&inflight)) > 0)
		log_warn("%d request(s) still in flight after %d s: cut short",
		    n, (int)(DRAIN_MAX_US / 1000000));
	mg_stop(ctx);
	ctx = NULL;
	mg_exit_library();
	worker_pool_fini();
	deadline_fini();
	static_free();
}
