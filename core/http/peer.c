/*
 * peer: what erpd keeps of each open connection. Its client address, so
 * one address holds at most ERP_CONN_PER_IP connections (docs/api.md),
 * and its socket, which civetweb 1.15 does not expose: found once,
 * when a limit or a body deadline needs it, by matching the connection's
 * two ends. civetweb tells a connection's address only once its first
 * request head has arrived (before that, its header timeout bounds it),
 * so that is when a connection over the limit is shut, unanswered.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "metrics/metrics.h"

#define BUCKETS		1024	/* of the per-address count table */

struct peer {
	char	 pe_ip[48];	/* the socket's peer, as civetweb wrote it */
	int	 pe_fd;		/* -1 until looked up, -2 not found */
	bool	 pe_seen;	/* its first request was admitted or not */
	bool	 pe_counted;	/* holds one of its address's count */
	bool	 pe_refused;	/* over the limit */
};

struct count {
	struct count	*co_next;
	int		 co_n;
	char		 co_ip[48];
};

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static struct count	*table[BUCKETS];

static size_t
bucket(const char *ip)
{
	uint64_t	 h = UINT64_C(14695981039346656037);	/* FNV-1a */

	while (*ip != '\0')
		h = (h ^ (unsigned char)*ip++) * UINT64_C(1099511628211);
	return (size_t)(h % BUCKETS);
}

/* Adds d (+1 or -1) to ip's count; returns the new count. */
static int
count_add(const char *ip, int d)
{
	struct count	**pp, *c;
	int		  n;

	pthread_mutex_lock(&lock);
	for (pp = &table[bucket(ip)]; (c = *pp) != NULL; pp = &c->co_next)
		if (strcmp(c->co_ip, ip) == 0)
			break;
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		snprintf(c->co_ip, sizeof(c->co_ip), "%s", ip);
		*pp = c;
	}
	n = c->co_n += d;
	if (n <= 0) {
		*pp = c->co_next;
		free(c);
	}
	pthread_mutex_unlock(&lock);
	return n;
}

/* Does sa hold address ip (text) and port? */
static bool
same_end(const struct sockaddr_storage *sa, const char *ip, int port)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)sa;

		return ntohs(s->sin_port) == port &&
		    inet_pton(AF_INET, ip, &a4) == 1 &&
		    a4.s_addr == s->sin_addr.s_addr;
	}
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)sa;

		return ntohs(s->sin6_port) == port &&
		    inet_pton(AF_INET6, ip, &a6) == 1 &&
		    memcmp(&a6, &s->sin6_addr, sizeof(a6)) == 0;
	}
	return false;
}

static int
port_of(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
	if (sa->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return -1;
}

/* The descriptor whose peer and local port are the connection's, or -1. */
static int
find_fd(const struct mg_request_info *ri)
{
	struct sockaddr_storage	 sa;
	struct dirent		*de;
	socklen_t		 len;
	DIR			*d;
	char			*end;
	long			 fd;
	int			 found = -1;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while (found == -1 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = strtol(de->d_name, &end, 10);
		if (*end != '\0' || fd < 0 || fd > INT_MAX)
			continue;
		memset(&sa, 0, sizeof(sa));
		len = sizeof(sa);
		if (getpeername((int)fd, (struct sockaddr *)&sa, &len) == -1 ||
		    !same_end(&sa, ri->remote_addr, ri->remote_port))
			continue;
		len = sizeof(sa);
		if (getsockname((int)fd, (struct sockaddr *)&sa, &len) == 0 &&
		    port_of(&sa) == ri->server_port)
			found = (int)fd;
	}
	closedir(d);
	return found;
}

int
peer_open(const struct mg_connection *conn, void **data)
{
	struct peer	*p;

	p = xcalloc(1, sizeof(*p));
	p->pe_fd = -1;
	*data = p;
	return 0;
}

bool
peer_admit(struct mg_connection *conn, const struct config *cf)
{
	struct peer			*p = mg_get_user_connection_data(conn);
	const struct mg_request_info	*ri = mg_get_request_info(conn);
	int				 fd;

	if (p == NULL || ri == NULL)
		return true;
	if (p->pe_seen)
		return !p->pe_refused;
	p->pe_seen = true;
	snprintf(p->pe_ip, sizeof(p->pe_ip), "%s", ri->remote_addr);
	if (cf->cf_conn_per_ip == 0 || (cf->cf_nproxies > 0 &&
	    config_cidr_match(cf->cf_proxies, cf->cf_nproxies, p->pe_ip)))
		return true;
	p->pe_counted = true;
	if (count_add(p->pe_ip, 1) <= cf->cf_conn_per_ip)
		return true;
	p->pe_refused = true;
	metrics_inc(METRIC_CONN_REFUSED);
	mg_disable_keep_alive(conn);
	if ((fd = peer_fd(conn)) != -1)
		shutdown(fd, SHUT_RDWR);	/* nothing more is read or sent */
	return false;
}

void
peer_close(const struct mg_connection *conn)
{
	struct peer	*p = mg_get_user_connection_data(conn);

	if (p == NULL)
		return;
	if (p->pe_counted)
		count_add(p->pe_ip, -1);
	free(p);
}

int
peer_fd(struct mg_connection *conn)
{
	struct peer	*p = mg_get_user_connection_data(conn);

	if (p == NULL)
		return -1;
	if (p->pe_fd == -1 &&
	    (p->pe_fd = find_fd(mg_get_request_info(conn))) == -1)
		p->pe_fd = -2;
	return p->pe_fd >= 0 ? p->pe_fd : -1;
}
