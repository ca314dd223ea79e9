/*
 * client: the client's address. The socket peer, unless the peer is a
 * trusted proxy; then the right-most X-Forwarded-For entry that is not a
 * trusted proxy (entries left of it could be forged by the client).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

/*
 * Picks the address from xff for a trusted peer into out. Returns peer
 * when every entry is trusted or an entry is malformed (fail closed to
 * the socket: a bad header must not let a client choose its address).
 */
static const char *
from_xff(const struct config *cf, const char *peer, const char *xff,
    char *out, size_t outlen)
{
	const char	*end = xff + strlen(xff), *start;

	while (end > xff) {
		size_t	 len;

		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		const char *s = start, *e = end;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		len = (size_t)(e - s);
		if (len == 0 || len >= outlen)
			return peer;
		memcpy(out, s, len);
		out[len] = '\0';
		if (!config_cidr_match(cf->cf_proxies, cf->cf_nproxies, out)) {
			/* must at least parse as an address */
			struct cidr	 c;

			return config_cidr_parse(out, &c) == 0 ? out : peer;
		}
		end = start > xff ? start - 1 : xff;
	}
	return peer;
}

const char *
http_client_ip(const struct http_req *req)
{
	static __thread char	 buf[64];
	const struct config	*cf = req->rq_cf;
	const char		*peer = req->rq_info->remote_addr, *xff;
	int			 i;

	if (cf->cf_nproxies == 0 ||
	    !config_cidr_match(cf->cf_proxies, cf->cf_nproxies, peer))
		return peer;
	/* several header lines are one list, in order (RFC 9110 5.3) */
	xff = NULL;
	for (i = req->rq_info->num_headers - 1; i >= 0; i--)
		if (strcasecmp(req->rq_info->http_headers[i].name,
		    "X-Forwarded-For") == 0) {
			xff = req->rq_info->http_headers[i].value;
			break;
		}
	if (xff == NULL)
		return peer;
	return from_xff(cf, peer, xff, buf, sizeof(buf));
}
