/*
 * fuzz_multipart: the files module's upload parser, driven through its
 * own entry point (file_upload) with a host that feeds the body in
 * chunks of varying size, so delimiters straddle reads. The input's
 * first line is the Content-Type header, the rest the body. The module
 * is compiled into this harness (its parser is static); the host has no
 * database, so an upload that passes every check ends in a refusal at
 * the insert, after the parser, the name and the type checks ran.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../modules/files/files.c"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_UPLOAD_MAX	(256 * 1024)

struct erp_req {
	char		*ct;
	const uint8_t	*body;
	size_t		 len;
	size_t		 pos;
	unsigned	 seed;	/* picks the next read's size */
	int		 status;
};

static char	 dir[64];

static const char *
f_header(struct erp_req *r, const char *name)
{
	return strcasecmp(name, "Content-Type") == 0 ? r->ct : NULL;
}

static int64_t
f_body_length(struct erp_req *r)
{
	return (int64_t)r->len;
}

static int
f_read(struct erp_req *r, void *buf, size_t len)
{
	size_t	 n;

	r->seed = r->seed * 1103515245u + 12345u;
	n = 1 + (r->seed >> 16) % 4096;
	if (n > len)
		n = len;
	if (n > r->len - r->pos)
		n = r->len - r->pos;
	memcpy(buf, r->body + r->pos, n);
	r->pos += n;
	return (int)n;
}

static int64_t
f_upload_max(void)
{
	return FUZZ_UPLOAD_MAX;
}

static const char *
f_data_dir(const char *module)
{
	return strcmp(module, "files") == 0 ? dir : NULL;
}

static int
f_fail(struct erp_req *r, enum erp_error e, const char *field,
    const char *message)
{
	/* the module's messages are its own constants, never the input's */
	if (message == NULL || strlen(message) >= 160)
		abort();
	r->status = (int)e;
	return 400;
}

static void
f_log(struct erp_req *r, enum erp_log_level level, const char *message)
{
}

static int64_t
f_now(void)
{
	return 1800000000;
}

static int64_t
f_org(struct erp_req *r)
{
	return 1;
}

static struct erp_sql *
f_sql(struct erp_req *r, const char *sql)
{
	return NULL;
}

static void
f_time_text(int64_t t, char out[21])
{
	snprintf(out, 21, "2027-01-15T08:00:00Z");
}

static const struct erp_host	 host = {
	.size = sizeof(struct erp_host),
	.header = f_header,
	.body_length = f_body_length,
	.read = f_read,
	.upload_max = f_upload_max,
	.data_dir = f_data_dir,
	.fail = f_fail,
	.log = f_log,
	.now = f_now,
	.org = f_org,
	.subject_id = f_org,
	.sql = f_sql,
	.time_text = f_time_text,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erp_req	 r;
	const uint8_t	*nl;

	if (erp_host == NULL) {
		if (sodium_init() < 0)
			abort();
		/* tmpfs when there is one: every accepted file is fsynced */
		snprintf(dir, sizeof(dir), "%s/erpd-fuzz-XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		erp_host = &host;
	}
	if ((nl = memchr(data, '\n', size)) == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	r.ct = strndup((const char *)data, (size_t)(nl - data));
	r.body = nl + 1;
	r.len = size - (size_t)(nl - data) - 1;
	r.seed = (unsigned)size;
	file_upload(&r);
	/* without a database nothing is ever accepted */
	if (r.status == 0)
		abort();
	free(r.ct);
	return 0;
}
