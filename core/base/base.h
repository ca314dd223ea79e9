/*
 * base: allocation, growable buffers, JSON-lines logging, time, randomness
 * and UTF-8. Nothing here knows about the rest of erpd.
 */
#ifndef ERP_CORE_BASE_H
#define ERP_CORE_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A reason a user or operator will read, in a caller-owned buffer, so no
 * error string is ever freed (STYLE A5).
 */
struct erp_err {
	char	 e_msg[256];
};

void	err_set(struct erp_err *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * coredump.c: unless allowed, no core dumps (RLIMIT_CORE 0) and not
 * dumpable. Returns 0, or -1 (errno set).
 */
int	core_dumps_set(bool allowed);

/* alloc.c: these abort on out-of-memory (Kore, Redis); never return NULL. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);

/* buf.c: a growable byte buffer, always NUL-terminated after its data. */
struct buf {
	char	*b_data;	/* owned; NULL until the first append */
	size_t	 b_len;		/* bytes used, without the NUL */
	size_t	 b_cap;		/* bytes allocated */
};

void	buf_reserve(struct buf *, size_t);
void	buf_append(struct buf *, const void *, size_t);
void	buf_puts(struct buf *, const char *);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Appends v in decimal (printf's cost showed on every request). */
void	buf_int(struct buf *, int64_t v);
/* Appends s as a quoted JSON string (escaping controls, quotes, \). */
void	buf_json_str(struct buf *, const char *s, size_t len);
void	buf_reset(struct buf *);
/* Returns: a copy of the text so far (caller frees); b is reset. */
char	*buf_take(struct buf *);
/* Frees the data; the struct may be reused afterwards. */
void	buf_free(struct buf *);

/* log.c: one JSON object per line on stderr, written with one write(2). */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void	log_set_level(enum log_level);
/*
 * Writes {"ts","level","msg"[,"request_id"]}; request_id may be NULL.
 * Never pass a secret: logs leave the process.
 */
void	log_msg(enum log_level, const char *request_id, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
#define log_info(...)	log_msg(LOG_INFO, NULL, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, NULL, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_ERROR, NULL, __VA_ARGS__)
/* Writes a line the caller built (it must end in '\n') to stdout. */
void	log_line_out(const char *line, size_t len);
/* For start-up only: logs the message at error level and exits 1. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* time.c */
/* Wall-clock seconds since the epoch. */
int64_t	time_now(void);
/* Monotonic microseconds, for durations. */
int64_t	time_mono_us(void);
/* Formats t as RFC 3339 UTC ("2026-11-28T03:22:12Z") into out[21]. */
void	time_rfc3339(int64_t t, char out[21]);
/* Same with milliseconds ("...12.345Z") for the current time, out[25]. */
void	time_now_rfc3339_ms(char out[25]);

/* rand.c: libsodium's CSPRNG; rand_init() must run before threads start. */
int	rand_init(void);
/* Writes 2*n lowercase hex digits of n random bytes and a NUL. */
void	rand_hex(char *out, size_t n);
/* n (at most 64) unique, unguessable bytes as hex: ids, not secrets. */
void	rand_id_hex(char *out, size_t n);

/* fs.c */
/* mkdir -p with mode for the directories it creates; 0 or -1 (errno). */
int	fs_mkdirs(const char *path, unsigned int mode);
/*
 * Reads a whole regular file of at most max bytes into a NUL-terminated
 * xmalloc'd buffer (*len without the NUL). NULL with errno on failure;
 * EFBIG when larger than max.
 */
char	*fs_read_file(const char *path, size_t max, size_t *len);

/* utf8.c */
/* Strict UTF-8: no overlongs, surrogates or code points above U+10FFFF. */
bool	utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8 s. */
size_t	utf8_count(const char *s, size_t len);

/* worker.c: the pool of request workers (see the file's comment) */
enum worker_slot {
	WORKER_DB,		/* core/db: the connection and its statements */
	WORKER_POLICY,		/* core/policy: compiled policies */
	WORKER_JWT,		/* core/auth: verified tokens */
	WORKER_NSLOTS
};
typedef void (*worker_free_fn)(void *);

/* n workers; 0, or -1 with err set. */
int	worker_pool_init(int n, struct erp_err *err);
void	worker_pool_fini(void);
/*
 * Brackets one request on a pipeline thread: in between, the first use of
 * a slot borrows a worker (waiting for one if none is free), and
 * worker_return gives it back; the end returns it too.
 */
void	worker_request_begin(void);
void	worker_request_end(void);
void	worker_borrow(void);
void	worker_return(void);
bool	worker_held(void);
/* How many borrows this thread made: a change means another worker. */
uint64_t worker_borrow_count(void);
/*
 * The current worker's (the borrowed one, or the thread's own) object in
 * slot, size zeroed bytes made on first use; fn frees it with the worker.
 */
void	*worker_local(enum worker_slot, size_t size, worker_free_fn fn);
/* Takes the current worker's object out of slot (NULL if none). */
void	*worker_local_take(enum worker_slot);
/* Frees the thread's own worker (a thread that ends). */
void	 worker_thread_free(void);

#endif /* ERP_CORE_BASE_H */
