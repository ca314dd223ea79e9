/*
 * bench_hello: the baseline for bench/http.sh, a bare civetweb server whose
 * /healthz handler writes the whole response with one mg_write.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

static const char	 hello_response[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 15\r\n"
	"Connection: keep-alive\r\n"
	"\r\n"
	"{\"status\":\"ok\"}";

static int
healthz(struct mg_connection *conn, void *arg)
{
	(void)arg;
	mg_write(conn, hello_response, sizeof(hello_response) - 1);
	return 200;
}

static int
quiet_log(const struct mg_connection *conn, const char *msg)
{
	(void)conn;
	(void)msg;
	return 1;	/* swallow civetweb's own error log */
}

int
main(int argc, char **argv)
{
	struct mg_callbacks	 cb;
	struct mg_context	*ctx;
	sigset_t		 set;
	int			 sig;
	const char		*options[] = {
		"listening_ports", NULL,
		"num_threads", NULL,
		"enable_keep_alive", "yes",
		"tcp_nodelay", "1",
		"keep_alive_timeout_ms", "5000",
		"request_timeout_ms", "10000",
		NULL
	};

	if (argc != 3) {
		fprintf(stderr, "usage: bench_hello LISTENING_PORTS NUM_THREADS\n");
		return 2;
	}
	options[1] = argv[1];
	options[3] = argv[2];

	/* Block the signals before civetweb's threads start, so they inherit
	 * the mask and only sigwait() below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	mg_init_library(0);
	memset(&cb, 0, sizeof(cb));
	cb.log_message = quiet_log;
	if ((ctx = mg_start(&cb, NULL, options)) == NULL) {
		fprintf(stderr, "bench_hello: cannot start on %s\n", argv[1]);
		mg_exit_library();
		return 1;
	}
	mg_set_request_handler(ctx, "/healthz", healthz, NULL);

	sigwait(&set, &sig);
	mg_stop(ctx);
	mg_exit_library();
	return 0;
}
