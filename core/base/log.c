/*
 * log: JSON lines on stderr (diagnostics) and stdout (access log), each line
 * written with a single write(2) so concurrent threads never interleave.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"

static enum log_level	 min_level = LOG_INFO;
static const char	*level_names[] = { "debug", "info", "warn", "error" };

void
log_set_level(enum log_level l)
{
	min_level = l;
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return;		/* a log must never stop the server */
		p += w;
		n -= (size_t)w;
	}
}

static void
log_vmsg(enum log_level level, const char *request_id, const char *fmt,
    va_list ap)
{
	struct buf	 msg = { 0 }, line = { 0 };
	char		 ts[25];

	if (level < min_level)
		return;
	buf_vprintf(&msg, fmt, ap);
	time_now_rfc3339_ms(ts);
	buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts,
	    level_names[level]);
	buf_json_str(&line, msg.b_data ? msg.b_data : "", msg.b_len);
	if (request_id != NULL) {
		buf_puts(&line, ",\"request_id\":");
		buf_json_str(&line, request_id, strlen(request_id));
	}
	buf_puts(&line, "}\n");
	write_all(STDERR_FILENO, line.b_data, line.b_len);
	buf_free(&msg);
	buf_free(&line);
}

void
log_msg(enum log_level level, const char *request_id, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(level, request_id, fmt, ap);
	va_end(ap);
}

void
log_line_out(const char *line, size_t len)
{
	write_all(STDOUT_FILENO, line, len);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

void
err_set(struct erp_err *e, const char *fmt, ...)
{
	va_list	 ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(e->e_msg, sizeof(e->e_msg), fmt, ap);
	va_end(ap);
}
