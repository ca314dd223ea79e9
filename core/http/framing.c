/*
 * framing: where a request's body ends must be read the same way by
 * every server on its path. A request that a proxy in front could frame
 * differently is refused (docs/api.md): more than one
 * Content-Length or Transfer-Encoding, a Content-Length that is not only
 * digits, both at once, or a header name with spaces before its colon.
 * civetweb reads the first Content-Length with strtoll ("2abc" is 2) and
 * lets chunked win over it, so these are checked on its header list
 * before anything reads the body.
 */
#include <string.h>
#include <strings.h>

#include "http_int.h"

#define CLEN_DIGITS_MAX	18	/* fits int64_t whatever the digits */

/*
 * Whether civetweb dropped spaces between hdr's name and its colon: it
 * overwrites them with NULs, so a NUL lies between the name's end and
 * the value, where a well-formed line has only the colon (already a NUL,
 * the name's end) and blanks.
 */
static bool
space_before_colon(const struct mg_header *hdr)
{
	const char	*p = hdr->name + strlen(hdr->name) + 1;

	if (hdr->value < p)
		return false;		/* not from civetweb's parser */
	for (; p < hdr->value; p++)
		if (*p == '\0')
			return true;
	return false;
}

static bool
only_digits(const char *s)
{
	size_t	 n = strspn(s, "0123456789");

	return n > 0 && n <= CLEN_DIGITS_MAX && s[n] == '\0';
}

const char *
http_framing_error(const struct mg_request_info *ri)
{
	const struct mg_header	*h;
	int			 i, clen = 0, te = 0;

	for (i = 0; i < ri->num_headers; i++) {
		h = &ri->http_headers[i];
		if (space_before_colon(h))
			return "a space between a header name and its colon";
		if (strcasecmp(h->name, "Content-Length") == 0) {
			if (++clen > 1)
				return "more than one Content-Length";
			if (!only_digits(h->value))
				return "Content-Length must be only digits";
		} else if (strcasecmp(h->name, "Transfer-Encoding") == 0 &&
		    ++te > 1)
			return "more than one Transfer-Encoding";
	}
	if (clen > 0 && te > 0)
		return "both Content-Length and Transfer-Encoding";
	return NULL;
}
