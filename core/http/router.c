/*
 * router: the one route table (built-in endpoints and modules alike),
 * matched segment by segment with {param} placeholders.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

struct segment {
	const char	*sg_text;	/* literal text, or the param name */
	size_t		 sg_len;
	bool		 sg_param;
};

struct entry {
	struct http_route	 en_route;	/* first: see router_index */
	int			 en_metric;	/* first entry of this path */
	struct segment		 en_segs[HTTP_MAX_SEGMENTS];
	size_t			 en_nsegs;
	char			**en_query;	/* see http_route_query */
};

static struct entry	routes[HTTP_MAX_ROUTES];
static size_t		nroutes;

static const struct {
	int		 bit;
	const char	*name;
} method_names[] = {
	{ HTTP_GET, "GET" }, { HTTP_HEAD, "HEAD" }, { HTTP_POST, "POST" },
	{ HTTP_PUT, "PUT" }, { HTTP_PATCH, "PATCH" },
	{ HTTP_DELETE, "DELETE" }, { HTTP_OPTIONS, "OPTIONS" },
};

/* Splits "/a/{b}/c" into segments; -1 if malformed. */
static int
split_pattern(const char *path, struct entry *en)
{
	const char	*p = path, *end;

	if (*p != '/')
		return -1;
	en->en_nsegs = 0;
	while (*p == '/') {
		p++;
		end = strchr(p, '/');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p || en->en_nsegs == HTTP_MAX_SEGMENTS)
			return -1;
		struct segment	*sg = &en->en_segs[en->en_nsegs++];
		if (*p == '{') {
			if (end[-1] != '}' || end - p < 3)
				return -1;
			/* a NUL-terminated copy: it names the param */
			sg->sg_len = (size_t)(end - p - 2);
			sg->sg_text = xstrndup(p + 1, sg->sg_len);
			sg->sg_param = true;
		} else {
			for (const char *q = p; q < end; q++)
				if (strchr("{}%?#", *q) != NULL)
					return -1;
			sg->sg_text = p;
			sg->sg_len = (size_t)(end - p);
			sg->sg_param = false;
		}
		p = end;
	}
	return *p == '\0' ? 0 : -1;
}

/*
 * true if two patterns have the same shape: params in the same places and
 * the same literals elsewhere. Overlapping shapes ("/users/me" and
 * "/users/{id}") are fine: the more literal one wins at match time.
 */
static bool
same_shape(const struct entry *a, const struct entry *b)
{
	size_t	 i;

	if (a->en_nsegs != b->en_nsegs)
		return false;
	for (i = 0; i < a->en_nsegs; i++) {
		const struct segment	*x = &a->en_segs[i], *y = &b->en_segs[i];

		if (x->sg_param != y->sg_param)
			return false;
		if (!x->sg_param && (x->sg_len != y->sg_len ||
		    memcmp(x->sg_text, y->sg_text, x->sg_len) != 0))
			return false;
	}
	return true;
}

static void
entry_free(struct entry *en)
{
	size_t	 i;

	for (i = 0; i < en->en_nsegs; i++)
		if (en->en_segs[i].sg_param)
			free((char *)(uintptr_t)en->en_segs[i].sg_text);
	en->en_nsegs = 0;
	for (i = 0; en->en_query != NULL && en->en_query[i] != NULL; i++)
		free(en->en_query[i]);
	free(en->en_query);
	en->en_query = NULL;
}

/*
 * The names of the query parameters an /api route documents (its rt_query
 * shape or rt_query_schema) into en_query, for the pipeline to refuse any
 * other: a typo in a filter must not read as "no filter". A route that
 * documents none takes none. en_query stays NULL (any parameter) for a
 * shape that admits others ("...") and outside /api, where probes and
 * scrapers may add their own. Returns 0, or -1 with err set for a query
 * that does not parse.
 */
static int
query_names(struct entry *en, struct erp_err *err)
{
	const struct http_route	*rt = &en->en_route;
	const cJSON		*props, *p;
	cJSON			*o = NULL;
	size_t			 n = 0;

	if (strncmp(rt->rt_path, "/api/", 5) != 0)
		return 0;
	if (rt->rt_query_schema != NULL &&
	    (o = cJSON_Parse(rt->rt_query_schema)) == NULL) {
		err_set(err, "route %s: the query's schema is not JSON",
		    rt->rt_path);
		return -1;
	}
	if (rt->rt_query_schema == NULL && rt->rt_query != NULL &&
	    (o = http_shape_schema(rt->rt_query, err)) == NULL)
		return -1;
	if (o != NULL && !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o,
	    "additionalProperties"))) {
		cJSON_Delete(o);
		return 0;
	}
	props = cJSON_GetObjectItemCaseSensitive(o, "properties");
	en->en_query = xcalloc((size_t)cJSON_GetArraySize(props) + 1,
	    sizeof(*en->en_query));
	cJSON_ArrayForEach(p, props)
		en->en_query[n++] = xstrdup(p->string);
	cJSON_Delete(o);
	return 0;
}

int
http_route_add(const struct http_route *rt, struct erp_err *err)
{
	struct entry	*en;
	size_t		 i;
	int		 params = 0;

	if (nroutes == HTTP_MAX_ROUTES) {
		err_set(err, "route table full (%d routes)", HTTP_MAX_ROUTES);
		return -1;
	}
	en = &routes[nroutes];
	memset(en, 0, sizeof(*en));
	en->en_route = *rt;
	if (rt->rt_path == NULL || rt->rt_handler == NULL ||
	    (rt->rt_methods & ~(HTTP_GET | HTTP_POST | HTTP_PUT |
	    HTTP_PATCH | HTTP_DELETE)) != 0 || rt->rt_methods == 0 ||
	    split_pattern(rt->rt_path, en) == -1) {
		err_set(err, "route %s: malformed", rt->rt_path ?
		    rt->rt_path : "(null)");
		entry_free(en);
		return -1;
	}
	for (i = 0; i < en->en_nsegs; i++)
		params += en->en_segs[i].sg_param;
	if (params > HTTP_MAX_PARAMS) {
		err_set(err, "route %s: too many parameters", rt->rt_path);
		entry_free(en);
		return -1;
	}
	if (rt->rt_methods & HTTP_GET)
		en->en_route.rt_methods |= HTTP_HEAD;
	/* one metrics series per path, whatever its methods */
	en->en_metric = (int)nroutes;
	for (i = 0; i < nroutes; i++)
		if (strcmp(routes[i].en_route.rt_path, rt->rt_path) == 0) {
			en->en_metric = routes[i].en_metric;
			break;
		}
	for (i = 0; i < nroutes; i++) {
		if (same_shape(&routes[i], en) &&
		    (routes[i].en_route.rt_methods & en->en_route.rt_methods)) {
			err_set(err, "route %s clashes with %s", rt->rt_path,
			    routes[i].en_route.rt_path);
			entry_free(en);
			return -1;
		}
	}
	if (query_names(en, err) == -1) {
		entry_free(en);
		return -1;
	}
	nroutes++;
	/* role patterns must name an action some route checks */
	policy_engine_add_action(rt->rt_permission);
	return 0;
}

void
router_reset(void)
{
	while (nroutes > 0)
		entry_free(&routes[--nroutes]);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
router_decode_segment(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	 i, o = 0;

	for (i = 0; i < len; i++) {
		int	 c = (unsigned char)s[i];

		if (c == '%') {
			int	 hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (int)o;
}

enum router_result
router_match(struct http_req *req, const char *path, int method,
    const struct http_route **route, int *allowed)
{
	struct segment	 segs[HTTP_MAX_SEGMENTS];
	char		 dec[HTTP_MAX_SEGMENTS][256];
	size_t		 nsegs = 0, i, r;
	const char	*p = path, *end;
	const struct entry *best = NULL;
	uint32_t	 best_score = 0;

	*allowed = 0;
	if (*p != '/')
		return ROUTER_NO_PATH;
	while (*p == '/') {
		p++;
		end = p + strcspn(p, "/");
		if (end == p && *end == '\0' && nsegs > 0)
			break;		/* one trailing slash is tolerated */
		if (nsegs == HTTP_MAX_SEGMENTS)
			return ROUTER_NO_PATH;
		int n = router_decode_segment(p, (size_t)(end - p), dec[nsegs],
		    sizeof(dec[nsegs]));
		if (n < 0 || strcmp(dec[nsegs], ".") == 0 ||
		    strcmp(dec[nsegs], "..") == 0)
			return ROUTER_NO_PATH;
		segs[nsegs].sg_text = dec[nsegs];
		segs[nsegs].sg_len = (size_t)n;
		nsegs++;
		p = end;
	}
	for (r = 0; r < nroutes; r++) {
		const struct entry	*en = &routes[r];
		uint32_t		 score = 0;
		bool			 match = true;

		if (en->en_nsegs != nsegs)
			continue;
		/*
		 * From the last segment: routes part there ("products",
		 * "customers"), after a prefix (/api/v1/orgs/{org}) that a
		 * walk from the front compared again for every route.
		 */
		for (i = nsegs; match && i-- > 0; ) {
			const struct segment	*s = &en->en_segs[i];

			if (s->sg_param)
				match = segs[i].sg_len > 0;
			else if (s->sg_len != segs[i].sg_len ||
			    memcmp(s->sg_text, segs[i].sg_text, s->sg_len) != 0)
				match = false;
			else	/* a literal here: more specific, the more so
				   the nearer the front */
				score |= 1u << (nsegs - 1 - i);
		}
		if (!match)
			continue;
		*allowed |= en->en_route.rt_methods;
		if ((en->en_route.rt_methods & method) == 0)
			continue;
		if (best == NULL || score > best_score) {
			best = en;
			best_score = score;
		}
	}
	if (best != NULL) {
		*route = &best->en_route;
		req->rq_nparams = 0;
		for (i = 0; i < nsegs; i++) {
			const struct segment	*s = &best->en_segs[i];
			struct http_param	*pa;

			if (!s->sg_param)
				continue;
			pa = &req->rq_params[req->rq_nparams++];
			pa->pa_name = s->sg_text;
			pa->pa_value = xstrndup(segs[i].sg_text,
			    segs[i].sg_len);
		}
		return ROUTER_FOUND;
	}
	if (*allowed != 0)
		*allowed |= HTTP_OPTIONS;
	return *allowed ? ROUTER_NO_METHOD : ROUTER_NO_PATH;
}

const struct http_route *
router_record_route(const char *type)
{
	const struct http_route	*rt;
	const struct segment	*last;
	size_t			 r, tlen = strlen(type);

	for (r = 0; r < nroutes; r++) {
		rt = &routes[r].en_route;
		if (routes[r].en_nsegs == 0)
			continue;
		last = &routes[r].en_segs[routes[r].en_nsegs - 1];
		if ((rt->rt_methods & HTTP_GET) && rt->rt_load != NULL &&
		    rt->rt_permission != NULL &&
		    strncmp(rt->rt_permission, type, tlen) == 0 &&
		    strcmp(rt->rt_permission + tlen, ":read") == 0 &&
		    last->sg_param && last->sg_len == 2 &&
		    memcmp(last->sg_text, "id", 2) == 0)
			return rt;
	}
	return NULL;
}

void
router_allow_text(int methods, char *out, size_t outlen)
{
	size_t	 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < nitems(method_names); i++) {
		if ((methods & method_names[i].bit) == 0)
			continue;
		o += (size_t)snprintf(out + o, outlen - o, "%s%s",
		    o ? ", " : "", method_names[i].name);
		if (o >= outlen)
			break;
	}
}

const char *const *
http_route_query(const struct http_route *rt)
{
	const struct entry	*en = (const struct entry *)(const void *)rt;

	/* en_route is the first member: the route is its entry */
	return (const char *const *)en->en_query;
}

int
router_index(const struct http_route *rt)
{
	const struct entry	*en = (const struct entry *)(const void *)rt;

	/* en_route is the first member: the route is its entry */
	return en->en_metric;
}

void
http_route_each(void (*fn)(const struct http_route *, void *), void *arg)
{
	size_t	 i;

	for (i = 0; i < nroutes; i++)
		fn(&routes[i].en_route, arg);
}

const char *
http_route_name(int idx)
{
	if (idx >= 0 && (size_t)idx < nroutes)
		return routes[idx].en_route.rt_path;
	return idx == ROUTER_STATIC ? "static" : "none";
}
