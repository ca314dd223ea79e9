/*
 * static: the web UI. Every regular file under ERP_WWW_DIR is read into
 * memory at start-up and served from that table, so a request can only
 * ever reach a file that was listed: no traversal, no directory listing,
 * no CGI, no symlinks, no dotfiles.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "http_int.h"

#define STATIC_MAX_FILES	4096
#define STATIC_MAX_BYTES	(128 * 1024 * 1024)
#define STATIC_MAX_DEPTH	16

struct sfile {
	char		*sf_path;	/* "/app.js", the lookup key */
	char		*sf_data;
	size_t		 sf_len;
	const char	*sf_type;	/* Content-Type */
	char		 sf_etag[20];	/* "\"" + 16 hex + "\"" */
};

static struct sfile	*files;
static size_t		 nfiles;
static size_t		 total_bytes;

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "webmanifest", "application/manifest+json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
};

static const char *
type_of(const char *name)
{
	const char	*dot = strrchr(name, '.');
	size_t		 i;

	if (dot != NULL)
		for (i = 0; i < nitems(types); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

static int
add_file(const char *fs_path, const char *url, struct erp_err *err)
{
	struct sfile	*sf;
	unsigned char	 h[8];
	size_t		 len;
	char		*data;

	if (nfiles == STATIC_MAX_FILES) {
		err_set(err, "ERP_WWW_DIR: more than %d files", STATIC_MAX_FILES);
		return -1;
	}
	if ((data = fs_read_file(fs_path, STATIC_MAX_BYTES - total_bytes,
	    &len)) == NULL) {
		err_set(err, "ERP_WWW_DIR: %s: %s", fs_path, errno == EFBIG ?
		    "web UI larger than 128 MiB" : strerror(errno));
		return -1;
	}
	if (nfiles % 64 == 0)
		files = xrealloc(files, (nfiles + 64) * sizeof(*files));
	sf = &files[nfiles++];
	sf->sf_path = xstrdup(url);
	sf->sf_data = data;
	sf->sf_len = len;
	sf->sf_type = type_of(url);
	crypto_generichash(h, sizeof(h), (unsigned char *)data, len, NULL, 0);
	sf->sf_etag[0] = '"';
	sodium_bin2hex(sf->sf_etag + 1, 17, h, sizeof(h));
	sf->sf_etag[17] = '"';
	sf->sf_etag[18] = '\0';
	total_bytes += len;
	return 0;
}

static int
walk(const char *dir, const char *url, int depth, struct erp_err *err)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 fs_path[4096], sub[4096];
	int		 rc = 0;

	if (depth > STATIC_MAX_DEPTH)
		return 0;
	if ((d = opendir(dir)) == NULL) {
		err_set(err, "ERP_WWW_DIR: %s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;	/* dotfiles, ".", ".." */
		if ((size_t)snprintf(fs_path, sizeof(fs_path), "%s/%s", dir,
		    de->d_name) >= sizeof(fs_path) ||
		    (size_t)snprintf(sub, sizeof(sub), "%s/%s", url,
		    de->d_name) >= sizeof(sub))
			continue;
		if (lstat(fs_path, &st) == -1)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk(fs_path, sub, depth + 1, err);
		else if (S_ISREG(st.st_mode))
			rc = add_file(fs_path, sub, err);
		/* symlinks and devices are never served */
	}
	closedir(d);
	return rc;
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct sfile *)a)->sf_path,
	    ((const struct sfile *)b)->sf_path);
}

int
static_load(const char *dir, struct erp_err *err)
{
	struct stat	 st;

	static_free();
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		/* a server without a UI is fine; say so once */
		log_warn("ERP_WWW_DIR %s is not a directory: no web UI", dir);
		return 0;
	}
	if (walk(dir, "", 0, err) == -1)
		return -1;
	if (nfiles > 0)
		qsort(files, nfiles, sizeof(*files), cmp_file);
	log_info("web UI: %zu files, %zu bytes from %s", nfiles, total_bytes,
	    dir);
	return 0;
}

void
static_free(void)
{
	size_t	 i;

	for (i = 0; i < nfiles; i++) {
		free(files[i].sf_path);
		free(files[i].sf_data);
	}
	free(files);
	files = NULL;
	nfiles = total_bytes = 0;
}

static const struct sfile *
lookup(const char *path)
{
	struct sfile	 key = { .sf_path = (char *)(uintptr_t)path };

	if (nfiles == 0)
		return NULL;
	return bsearch(&key, files, nfiles, sizeof(*files), cmp_file);
}

int
static_serve(struct http_req *req, const char *path)
{
	const struct sfile	*sf;
	const char		*inm;
	char			 dec[1024], seg[256];
	size_t			 o = 0;
	const char		*p = path;

	/* decode segment by segment; "." and ".." never name a file */
	while (*p == '/') {
		size_t	 len = strcspn(p + 1, "/");
		int	 n;

		n = router_decode_segment(p + 1, len, seg, sizeof(seg));
		if (n < 0 || strchr(seg, '/') != NULL ||
		    strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0 ||
		    o + (size_t)n + 2 >= sizeof(dec))
			return -1;
		dec[o++] = '/';
		memcpy(dec + o, seg, (size_t)n);
		o += (size_t)n;
		p += len + 1;
	}
	if (*p != '\0' || o == 0)
		return -1;
	dec[o] = '\0';
	if (dec[o - 1] == '/') {
		if (o + 10 >= sizeof(dec))
			return -1;
		memcpy(dec + o, "index.html", 11);	/* "/" and "/sub/" */
	}
	if ((sf = lookup(dec)) == NULL)
		return -1;
	req->rq_html = true;
	req->rq_static = true;
	req->rq_cache = "no-cache";
	http_add_header(req, "ETag", sf->sf_etag);
	inm = mg_get_header(req->rq_conn, "If-None-Match");
	if (inm != NULL && strstr(inm, sf->sf_etag) != NULL)
		return reply_send(req, 304, NULL, NULL, 0);
	return reply_send(req, 200, sf->sf_type, sf->sf_data, sf->sf_len);
}
