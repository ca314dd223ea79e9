/*
 * config: parse and check every ERP_* variable once, at start-up, into a
 * struct that is read-only afterwards.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"

#define DEFAULT_THREADS	1024	/* 500 slow clients must not starve us */
#define MAX_THREADS	8192
#define MAX_WORKERS	256

static const char *
get_or(config_getenv_fn get, void *arg, const char *name, const char *dflt)
{
	const char	*v = get(name, arg);

	return v != NULL ? v : dflt;
}

/* Parses a decimal integer in [min, max]; the whole string must be used. */
static int
parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char		*end;
	long long	 v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Four workers a core. Measured on 2 cores (bench/connections.sh,
 * bench/hostile.sh): at two a core threads waited for a worker and each
 * hand-off (a wake and a context switch) cost more than the work it
 * waited for (product reads at 32 connections: 38k/s with 4 workers, 63k
 * with 8, 61k with 16); at eight a core every worker's copy of a large
 * policy took the memory past its goal (a 6 MB policy under 500
 * connections: 162 MiB with 8 workers, 380 MiB with 16).
 */
static int64_t
default_workers(void)
{
	long	 n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 4 : n > MAX_WORKERS / 4 ? MAX_WORKERS : 4 * n;
}

static int
int_var(config_getenv_fn get, void *arg, const char *name, int64_t dflt,
    int64_t min, int64_t max, int64_t *out, struct erp_err *err)
{
	const char	*v = get(name, arg);

	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (parse_int(v, min, max, out) == -1) {
		err_set(err, "%s: expected an integer from %lld to %lld", name,
		    (long long)min, (long long)max);
		return -1;
	}
	return 0;
}

int
config_cidr_parse(const char *s, struct cidr *out)
{
	char		 addr[64];
	const char	*slash;
	size_t		 alen;
	int64_t		 bits;
	int		 maxbits, i;

	memset(out, 0, sizeof(*out));
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, out->ci_addr) == 1) {
		out->ci_family = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, addr, out->ci_addr) == 1) {
		out->ci_family = AF_INET6;
		maxbits = 128;
	} else
		return -1;
	bits = maxbits;
	if (slash != NULL && parse_int(slash + 1, 0, maxbits, &bits) == -1)
		return -1;
	out->ci_bits = (int)bits;
	for (i = 0; i < maxbits / 8; i++) {
		int	 keep = out->ci_bits - i * 8;

		if (keep <= 0)
			out->ci_addr[i] = 0;
		else if (keep < 8)
			out->ci_addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
	return 0;
}

bool
config_cidr_match(const struct cidr *list, size_t n, const char *ip)
{
	uint8_t	 a[16];
	int	 family;
	size_t	 i;

	if (inet_pton(AF_INET, ip, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, ip, a) == 1)
		family = AF_INET6;
	else
		return false;
	for (i = 0; i < n; i++) {
		const struct cidr	*c = &list[i];
		int			 full, rest;

		if (c->ci_family != family)
			continue;
		full = c->ci_bits / 8;
		rest = c->ci_bits % 8;
		if (memcmp(a, c->ci_addr, (size_t)full) != 0)
			continue;
		if (rest != 0 && ((a[full] ^ c->ci_addr[full]) &
		    (uint8_t)(0xff << (8 - rest))) != 0)
			continue;
		return true;
	}
	return false;
}

/*
 * civetweb's listening_ports, restricted to plain HTTP: "8080",
 * "127.0.0.1:8080", "[::1]:8080", comma-separated. Its 's' and 'r'
 * suffixes (TLS, redirect) are refused: TLS belongs to a proxy in front.
 */
static bool
listen_valid(const char *v)
{
	char		*copy, *tok, *save = NULL;
	bool		 ok = *v != '\0';

	copy = xstrdup(v);
	for (tok = strtok_r(copy, ",", &save); ok && tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		char		*port = strrchr(tok, ':'), addr[64];
		unsigned char	 bin[16];
		int64_t		 n;

		if (port == NULL)
			port = tok;
		else {
			size_t	 alen = (size_t)(port - tok);

			port++;
			if (alen >= sizeof(addr))
				ok = false;
			else if (tok[0] == '[') {
				ok = alen >= 3 && tok[alen - 1] == ']';
				if (ok) {
					memcpy(addr, tok + 1, alen - 2);
					addr[alen - 2] = '\0';
					ok = inet_pton(AF_INET6, addr, bin) == 1;
				}
			} else {
				memcpy(addr, tok, alen);
				addr[alen] = '\0';
				ok = inet_pton(AF_INET, addr, bin) == 1;
			}
		}
		if (ok)
			ok = parse_int(port, 1, 65535, &n) == 0;
	}
	free(copy);
	return ok;
}

/* An origin is scheme://host[:port] with nothing after it. */
static bool
origin_valid(const char *o)
{
	const char	*host;
	size_t		 i;

	if (strncmp(o, "https://", 8) == 0)
		host = o + 8;
	else if (strncmp(o, "http://", 7) == 0)
		host = o + 7;
	else
		return false;
	if (*host == '\0' || strlen(o) > 255)
		return false;
	for (i = 0; host[i] != '\0'; i++)
		if (!isalnum((unsigned char)host[i]) &&
		    strchr(".-:[]", host[i]) == NULL)
			return false;
	return true;
}

static int
parse_origins(struct config *cf, const char *list, struct erp_err *err)
{
	char	*copy, *tok, *save = NULL;
	int	 rc = -1;

	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		for (char *e = tok + strlen(tok); e > tok &&
		    isspace((unsigned char)e[-1]); )
			*--e = '\0';
		if (*tok == '\0')
			continue;
		if (!origin_valid(tok)) {
			err_set(err, "ERP_CORS_ORIGINS: \"%.80s\" is not an "
			    "origin (scheme://host[:port], no '*')", tok);
			goto out;
		}
		if (cf->cf_norigins == CONFIG_MAX_ORIGINS) {
			err_set(err, "ERP_CORS_ORIGINS: more than %d origins",
			    CONFIG_MAX_ORIGINS);
			goto out;
		}
		cf->cf_origins[cf->cf_norigins++] = xstrdup(tok);
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static int
parse_proxies(struct config *cf, const char *list, struct erp_err *err)
{
	char	*copy, *tok, *save = NULL;
	int	 rc = -1;

	copy = xstrdup(list);
	for (tok = strtok_r(copy, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (cf->cf_nproxies == CONFIG_MAX_PROXIES) {
			err_set(err, "ERP_TRUSTED_PROXIES: more than %d ranges",
			    CONFIG_MAX_PROXIES);
			goto out;
		}
		if (config_cidr_parse(tok,
		    &cf->cf_proxies[cf->cf_nproxies]) == -1) {
			err_set(err, "ERP_TRUSTED_PROXIES: \"%.80s\" is not an "
			    "address or CIDR", tok);
			goto out;
		}
		cf->cf_nproxies++;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* "N/second", "N/minute" or "N/hour". */
static int
parse_rate(struct config *cf, const char *s, struct erp_err *err)
{
	const char	*slash = strchr(s, '/');
	char		 num[16];
	int64_t		 n;
	size_t		 len;

	len = slash ? (size_t)(slash - s) : 0;
	if (slash == NULL || len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, s, len);
	num[len] = '\0';
	if (parse_int(num, 1, 1000000, &n) == -1)
		goto bad;
	cf->cf_login_rate = (int)n;
	if (strcmp(slash + 1, "second") == 0)
		cf->cf_login_window = 1;
	else if (strcmp(slash + 1, "minute") == 0)
		cf->cf_login_window = 60;
	else if (strcmp(slash + 1, "hour") == 0)
		cf->cf_login_window = 3600;
	else
		goto bad;
	return 0;
bad:
	err_set(err, "ERP_LOGIN_RATE: expected N/second, N/minute or N/hour");
	return -1;
}

static int
path_var(config_getenv_fn get, void *arg, const char *name, const char *dflt,
    char **out, struct erp_err *err)
{
	const char	*v = get_or(get, arg, name, dflt);

	if (*v == '\0') {
		err_set(err, "%s: must not be empty", name);
		return -1;
	}
	*out = xstrdup(v);
	return 0;
}

int
config_parse(struct config *cf, config_getenv_fn get, void *arg,
    struct erp_err *err)
{
	const char	*v;
	int64_t		 n;

	memset(cf, 0, sizeof(*cf));
	v = get_or(get, arg, "ERP_ENV", "development");
	if (strcmp(v, "production") == 0)
		cf->cf_production = true;
	else if (strcmp(v, "development") != 0) {
		err_set(err, "ERP_ENV: expected development or production");
		return -1;
	}
	v = get_or(get, arg, "ERP_CORE_DUMPS", "0");
	if (strcmp(v, "1") == 0)
		cf->cf_core_dumps = true;
	else if (strcmp(v, "0") != 0) {
		err_set(err, "ERP_CORE_DUMPS: expected 0 or 1");
		return -1;
	}
	v = get_or(get, arg, "ERP_LISTEN", "127.0.0.1:8080");
	if (!listen_valid(v)) {
		err_set(err, "ERP_LISTEN: expected port, IPv4:port or "
		    "[IPv6]:port, comma-separated (no TLS suffix: put a "
		    "reverse proxy in front)");
		return -1;
	}
	cf->cf_listen = xstrdup(v);
	if (path_var(get, arg, "ERP_DATA_DIR", "./data", &cf->cf_data_dir,
	    err) == -1)
		return -1;
	if ((v = get("ERP_DB_PATH", arg)) != NULL) {
		if (*v == '\0') {
			err_set(err, "ERP_DB_PATH: must not be empty");
			return -1;
		}
		cf->cf_db_path = xstrdup(v);
	} else {
		struct buf	 b = { 0 };

		buf_printf(&b, "%s/erp.db", cf->cf_data_dir);
		cf->cf_db_path = b.b_data;
	}
	v = get_or(get, arg, "ERP_DB_SYNC", "full");
	if (strcmp(v, "full") == 0)
		cf->cf_db_sync = 2;
	else if (strcmp(v, "normal") == 0)
		cf->cf_db_sync = 1;
	else {
		err_set(err, "ERP_DB_SYNC: expected full or normal");
		return -1;
	}
	if (int_var(get, arg, "ERP_LINK_TTL_SECONDS", 300, 1, 86400 * 7, &n,
	    err) == -1)
		return -1;
	cf->cf_link_ttl = (int)n;
	if (int_var(get, arg, "ERP_JWT_TTL_MINUTES", 30, 1, 60 * 24, &n,
	    err) == -1)
		return -1;
	cf->cf_jwt_ttl = (int)n * 60;
	v = get_or(get, arg, "ERP_JWT_ISSUER", "erpd");
	if (*v == '\0' || strlen(v) > 255) {
		err_set(err, "ERP_JWT_ISSUER: expected 1 to 255 characters");
		return -1;
	}
	cf->cf_jwt_issuer = xstrdup(v);
	if (parse_origins(cf, get_or(get, arg, "ERP_CORS_ORIGINS", ""),
	    err) == -1)
		return -1;
	if (parse_proxies(cf, get_or(get, arg, "ERP_TRUSTED_PROXIES", ""),
	    err) == -1)
		return -1;
	if (parse_rate(cf, get_or(get, arg, "ERP_LOGIN_RATE", "5/minute"),
	    err) == -1)
		return -1;
	if (int_var(get, arg, "ERP_MAX_BODY_BYTES", 1048576, 64,
	    INT64_C(1) << 30, &cf->cf_max_body, err) == -1)
		return -1;
	if (int_var(get, arg, "ERP_UPLOAD_MAX_BYTES", 10485760, 1,
	    INT64_C(1) << 34, &cf->cf_upload_max, err) == -1)
		return -1;
	if (path_var(get, arg, "ERP_MODULES_DIR", ERP_DEFAULT_MODULES_DIR,
	    &cf->cf_modules_dir, err) == -1 ||
	    path_var(get, arg, "ERP_POLICIES_DIR", ERP_DEFAULT_POLICIES_DIR,
	    &cf->cf_policies_dir, err) == -1 ||
	    path_var(get, arg, "ERP_WWW_DIR", ERP_DEFAULT_WWW_DIR,
	    &cf->cf_www_dir, err) == -1)
		return -1;
	if (int_var(get, arg, "ERP_THREADS", DEFAULT_THREADS, 1, MAX_THREADS,
	    &n, err) == -1)
		return -1;
	cf->cf_threads = (int)n;
	if (int_var(get, arg, "ERP_WORKERS", default_workers(), 1, MAX_WORKERS,
	    &n, err) == -1)
		return -1;
	cf->cf_workers = (int)n;
	if (int_var(get, arg, "ERP_CONN_PER_IP", 256, 0, MAX_THREADS, &n,
	    err) == -1)
		return -1;
	cf->cf_conn_per_ip = (int)n;
	if ((v = get("ERP_BOOTSTRAP_ADMIN_EMAIL", arg)) != NULL && *v != '\0')
		cf->cf_admin_email = xstrdup(v);
	if ((v = get("ERP_BOOTSTRAP_ADMIN_PASSWORD", arg)) != NULL &&
	    *v != '\0')
		cf->cf_admin_password = xstrdup(v);
	if ((cf->cf_admin_email == NULL) != (cf->cf_admin_password == NULL)) {
		err_set(err, "%s: set both ERP_BOOTSTRAP_ADMIN_EMAIL and "
		    "ERP_BOOTSTRAP_ADMIN_PASSWORD, or neither",
		    cf->cf_admin_email ? "ERP_BOOTSTRAP_ADMIN_PASSWORD" :
		    "ERP_BOOTSTRAP_ADMIN_EMAIL");
		return -1;
	}
	return 0;
}

static void
secret_free(struct secret *s)
{
	/* sodium_free wipes, unlocks and unmaps */
	sodium_free(s->s_data);
	s->s_data = NULL;
	s->s_len = 0;
}

void
config_free(struct config *cf)
{
	size_t	 i;

	free(cf->cf_listen);
	free(cf->cf_data_dir);
	free(cf->cf_db_path);
	free(cf->cf_jwt_issuer);
	for (i = 0; i < cf->cf_norigins; i++)
		free(cf->cf_origins[i]);
	free(cf->cf_modules_dir);
	free(cf->cf_policies_dir);
	free(cf->cf_www_dir);
	free(cf->cf_admin_email);
	if (cf->cf_admin_password != NULL) {
		sodium_memzero(cf->cf_admin_password,
		    strlen(cf->cf_admin_password));
		free(cf->cf_admin_password);
	}
	secret_free(&cf->cf_jwt_secret);
	secret_free(&cf->cf_secret_key);
	memset(cf, 0, sizeof(*cf));
}
