/*
 * json: strict request-body parsing. A scan of the raw text catches what
 * cJSON lets through (depth, U+0000, big integers, lax grammar), then cJSON
 * builds the tree and a walk over it refuses duplicate keys and names paths.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/base.h"
#include "http/json.h"

/* 2^53 - 1, the largest integer a double (and JavaScript) holds exactly. */
#define MAX_SAFE	"9007199254740991"
#define MAX_SAFE_LEN	(sizeof(MAX_SAFE) - 1)

#define STR(x)		#x
#define XSTR(x)		STR(x)

/* The first 422 problem the scan found, in document order. */
enum flag {
	FLAG_NONE,
	FLAG_NUL,		/* a string value holding U+0000 */
	FLAG_MAX,		/* an integer literal above 2^53 - 1 */
	FLAG_MIN		/* an integer literal below -(2^53 - 1) */
};

struct scan {
	const char	*s_p;		/* next byte to read */
	const char	*s_end;		/* one past the last byte */
	size_t		 s_depth;	/* containers open at s_p */
	size_t		 s_nstr;	/* string tokens seen, keys included */
	size_t		 s_nnum;	/* number tokens seen */
	enum flag	 s_flag;	/* the first problem for a 422 */
	size_t		 s_ord;		/* its ordinal among strings/numbers */
	const char	*s_why;		/* on -1: the 400 message */
};

/* One step of the path from the root: an object key or an array index. */
struct step {
	const char	*st_key;	/* NULL for an array element */
	size_t		 st_idx;	/* the index when st_key is NULL */
};

struct walk {
	const char	**w_keys;	/* scratch for one object's keys */
	size_t		 w_cap;		/* slots in w_keys */
	size_t		 w_nstr;	/* strings seen, keys included */
	size_t		 w_nnum;	/* numbers seen */
	enum flag	 w_flag;	/* what the scan flagged */
	size_t		 w_ord;		/* and its ordinal */
	struct http_json_err *w_err;
	struct step	 w_path[HTTP_JSON_DEPTH + 1];
};

static void
fail(struct http_json_err *err, int status, const char *code, const char *msg)
{
	err->je_status = status;
	snprintf(err->je_code, sizeof(err->je_code), "%s", code);
	snprintf(err->je_msg, sizeof(err->je_msg), "%s", msg);
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

static bool
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * Scans the string token whose opening quote is at s_p. Escapes are
 * checked here because cJSON decodes a \u with bad hex digits as U+0000.
 * Sets *nul if the decoded value holds U+0000, which only \u0000 can
 * yield since raw control bytes are refused.
 */
static int
scan_str(struct scan *s, bool *nul)
{
	const char	*p = s->s_p + 1, *end = s->s_end;
	int		 i;

	*nul = false;
	while (p < end) {
		if (*p == '"') {
			s->s_p = p + 1;
			return 0;
		}
		if ((unsigned char)*p < 0x20) {
			s->s_why = "control character in a string";
			return -1;
		}
		if (*p != '\\') {
			p++;
			continue;
		}
		if (++p == end)
			break;
		if (*p != 'u') {
			if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
				goto bad;
			p++;
			continue;
		}
		if (end - p < 5)
			goto bad;
		for (i = 1; i <= 4; i++)
			if (!is_hex(p[i]))
				goto bad;
		if (memcmp(p + 1, "0000", 4) == 0)
			*nul = true;
		p += 5;
	}
	s->s_why = "unterminated string";
	return -1;
bad:
	s->s_why = "bad escape in a string";
	return -1;
}

static bool
is_numch(char c)
{
	return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' ||
	    c == 'E';
}

/*
 * Scans the number token at s_p against RFC 8259's grammar (cJSON takes
 * "01" and "1."), and flags an integer literal outside +-(2^53 - 1) by
 * its digits, since doubles round 2^53 + 1 down to 2^53.
 */
static int
scan_num(struct scan *s)
{
	const char	*p = s->s_p, *end = s->s_end, *digits;
	size_t		 nd;
	bool		 neg = false, integer = true;

	if (*p == '-') {
		neg = true;
		p++;
	}
	digits = p;
	if (p < end && *p == '0')
		p++;
	else if (p < end && is_digit(*p))
		while (p < end && is_digit(*p))
			p++;
	else
		goto bad;
	nd = (size_t)(p - digits);
	if (p < end && *p == '.') {
		integer = false;
		if (++p == end || !is_digit(*p))
			goto bad;
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		integer = false;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !is_digit(*p))
			goto bad;
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && is_numch(*p))
		goto bad;
	s->s_p = p;
	s->s_nnum++;
	if (integer && s->s_flag == FLAG_NONE && (nd > MAX_SAFE_LEN ||
	    (nd == MAX_SAFE_LEN && memcmp(digits, MAX_SAFE, nd) > 0))) {
		s->s_flag = neg ? FLAG_MIN : FLAG_MAX;
		s->s_ord = s->s_nnum;
	}
	return 0;
bad:
	s->s_why = "malformed number";
	return -1;
}

/*
 * One pass over the raw text. Depth: a container opened while
 * HTTP_JSON_DEPTH are already open is refused, so 64 nested arrays pass
 * and 65 do not; a scalar adds no depth. Outside strings only JSON
 * whitespace and ASCII are allowed (no BOM, no other control bytes, which
 * cJSON would skip). Anything else wrong is left to cJSON.
 */
static int
scan(struct scan *s)
{
	const char	*p;
	unsigned char	 c;
	bool		 nul;

	while (s->s_p < s->s_end) {
		switch (c = (unsigned char)*s->s_p) {
		case '"':
			if (scan_str(s, &nul) == -1)
				return -1;
			s->s_nstr++;
			if (!nul)
				break;
			p = skip_ws(s->s_p, s->s_end);
			if (p < s->s_end && *p == ':') {
				s->s_why = "object key holds U+0000";
				return -1;
			}
			if (s->s_flag == FLAG_NONE) {
				s->s_flag = FLAG_NUL;
				s->s_ord = s->s_nstr;
			}
			break;
		case '[':
		case '{':
			if (++s->s_depth > HTTP_JSON_DEPTH) {
				s->s_why = "nesting deeper than "
				    XSTR(HTTP_JSON_DEPTH) " levels";
				return -1;
			}
			s->s_p++;
			break;
		case ']':
		case '}':
			if (s->s_depth > 0)
				s->s_depth--;
			s->s_p++;
			break;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if (scan_num(s) == -1)
				return -1;
			break;
		default:
			if (c >= 0x80 || (c < 0x20 && !is_ws((char)c))) {
				s->s_why = "unexpected byte outside a string";
				return -1;
			}
			s->s_p++;
		}
	}
	return 0;
}

static int
cmp_key(const void *a, const void *b)
{
	const char *const	*x = a, *const *y = b;

	return strcmp(*x, *y);
}

/* Sorts the keys of obj to find a duplicate in O(n log n). */
static bool
has_dup(struct walk *w, const cJSON *obj)
{
	const cJSON	*c;
	size_t		 n = 0, i;

	for (c = obj->child; c != NULL; c = c->next)
		n++;
	if (n < 2)
		return false;
	if (n > w->w_cap) {
		w->w_keys = xrealloc(w->w_keys, n * sizeof(*w->w_keys));
		w->w_cap = n;
	}
	for (i = 0, c = obj->child; c != NULL; c = c->next)
		w->w_keys[i++] = c->string;
	qsort(w->w_keys, n, sizeof(*w->w_keys), cmp_key);
	for (i = 1; i < n; i++)
		if (strcmp(w->w_keys[i - 1], w->w_keys[i]) == 0)
			return true;
	return false;
}

/*
 * Appends n bytes of s to the path at *off. What does not fit is cut at a
 * UTF-8 boundary and nothing more is appended, so the path stays valid
 * UTF-8 and never claims a shorter key than the real one ends with.
 */
static void
put(char *dst, size_t size, size_t *off, const char *s, size_t n)
{
	size_t	 room;

	if (*off + 1 >= size)
		return;
	room = size - 1 - *off;
	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		memcpy(dst + *off, s, n);
		dst[*off + n] = '\0';
		*off = size - 1;	/* full: nothing goes after a cut */
		return;
	}
	memcpy(dst + *off, s, n);
	*off += n;
	dst[*off] = '\0';
}

/* Writes the path of the first depth steps, like a.b[0][2]. */
static void
path_set(struct walk *w, size_t depth)
{
	char	*dst = w->w_err->je_field, idx[32];
	size_t	 size = sizeof(w->w_err->je_field), off = 0, i;
	int	 n;

	dst[0] = '\0';
	for (i = 0; i < depth; i++) {
		if (w->w_path[i].st_key == NULL) {
			n = snprintf(idx, sizeof(idx), "[%zu]",
			    w->w_path[i].st_idx);
			put(dst, size, &off, idx, (size_t)n);
			continue;
		}
		if (i > 0)
			put(dst, size, &off, ".", 1);
		put(dst, size, &off, w->w_path[i].st_key,
		    strlen(w->w_path[i].st_key));
	}
}

/*
 * Visits item and what it holds in document order (a key before its
 * value), counting strings and numbers as the scan did to find the
 * flagged one's path. Returns -1 on a duplicate key.
 */
static int
walk(struct walk *w, const cJSON *item, size_t depth)
{
	const cJSON	*c;
	size_t		 i;

	if (cJSON_IsObject(item)) {
		if (has_dup(w, item))
			return -1;
		for (c = item->child; c != NULL; c = c->next) {
			w->w_nstr++;
			w->w_path[depth].st_key = c->string;
			if (walk(w, c, depth + 1) == -1)
				return -1;
		}
	} else if (cJSON_IsArray(item)) {
		for (i = 0, c = item->child; c != NULL; c = c->next, i++) {
			w->w_path[depth].st_key = NULL;
			w->w_path[depth].st_idx = i;
			if (walk(w, c, depth + 1) == -1)
				return -1;
		}
	} else if (cJSON_IsString(item)) {
		if (++w->w_nstr == w->w_ord && w->w_flag == FLAG_NUL)
			path_set(w, depth);
	} else if (cJSON_IsNumber(item)) {
		if (++w->w_nnum == w->w_ord && (w->w_flag == FLAG_MAX ||
		    w->w_flag == FLAG_MIN))
			path_set(w, depth);
	}
	return 0;
}

cJSON *
http_json_parse(const char *buf, size_t len, struct http_json_err *err)
{
	struct http_json_err	 dummy;
	struct scan		 s = { 0 };
	struct walk		 w = { 0 };
	cJSON			*root = NULL;
	const char		*end = NULL;

	if (err == NULL)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (len == 0 || buf == NULL) {
		fail(err, 400, "", "body is empty");
		return NULL;
	}
	if (!utf8_valid(buf, len)) {
		fail(err, 400, "", "body is not valid UTF-8");
		return NULL;
	}
	s.s_p = buf;
	s.s_end = buf + len;
	if (scan(&s) == -1) {
		fail(err, 400, "", s.s_why);
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		fail(err, 400, "", "body is not valid JSON");
		return NULL;
	}
	if (skip_ws(end, buf + len) != buf + len) {
		fail(err, 400, "", "data after the JSON value");
		goto out;
	}
	w.w_flag = s.s_flag;
	w.w_ord = s.s_ord;
	w.w_err = err;
	if (walk(&w, root, 0) == -1) {
		fail(err, 400, "", "duplicate key");
		goto out;
	}
	if (w.w_flag == FLAG_NUL)
		fail(err, 422, "type", "must not contain U+0000");
	else if (w.w_flag != FLAG_NONE)
		fail(err, 422, w.w_flag == FLAG_MAX ? "max" : "min",
		    "integer outside \u00b1(2^53\u22121)");
	if (w.w_flag != FLAG_NONE)
		goto out;
	free(w.w_keys);
	return root;
out:
	if (err->je_status == 400)
		err->je_field[0] = '\0';
	free(w.w_keys);
	cJSON_Delete(root);
	return NULL;
}
