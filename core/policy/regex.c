/*
 * regex: a schema's Lua pattern written as an ECMA-262 regular expression,
 * for JSON Schema's "pattern" in the API document. Only what has an exact
 * equivalent is translated; anything else (%b, %f, back references) is
 * refused, and the document then carries the Lua pattern alone.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "policy/policy.h"

/* One output being written; full once anything did not fit. */
struct out {
	char	*o_s;
	size_t	 o_len;
	size_t	 o_size;
	bool	 o_full;
};

static void
put(struct out *o, const char *s)
{
	size_t	 n = strlen(s);

	if (o->o_full || o->o_len + n + 1 > o->o_size) {
		o->o_full = true;
		return;
	}
	memcpy(o->o_s + o->o_len, s, n + 1);
	o->o_len += n;
}

/* A literal character, escaped when ECMA gives it a meaning. */
static void
literal(struct out *o, char c, bool in_set)
{
	char	 s[3] = { c, '\0', '\0' };

	if (strchr(in_set ? "\\]^-[" : "\\^$.|?*+()[]{}/", c) != NULL) {
		s[0] = '\\';
		s[1] = c;
	}
	put(o, s);
}

/*
 * A %x class: its ECMA spelling inside a set (in_set) or alone. Returns
 * false for a letter Lua does not define (%g is refused: ECMA has no
 * single class for it).
 */
static bool
class(struct out *o, char c, bool in_set)
{
	static const struct {
		char		 cl_lua;
		const char	*cl_set;	/* inside [...] */
	} classes[] = {
		{ 'a', "A-Za-z" }, { 'd', "0-9" }, { 'l', "a-z" },
		{ 'u', "A-Z" }, { 's', "\\t\\n\\v\\f\\r " },
		{ 'w', "A-Za-z0-9" }, { 'x', "0-9A-Fa-f" },
		{ 'p', "!-/:-@\\[-`{-~" }, { 'c', "\\x00-\\x1f\\x7f" },
	};
	size_t	 i;
	char	 lower = (char)(c | 0x20);
	bool	 negated = c != lower;

	for (i = 0; i < nitems(classes); i++)
		if (classes[i].cl_lua == lower)
			break;
	if (i == nitems(classes))
		return false;
	if (in_set && negated)
		return false;		/* [^...] inside a set: no ECMA form */
	put(o, negated ? "[^" : in_set ? "" : "[");
	put(o, classes[i].cl_set);
	if (!in_set)
		put(o, "]");
	return true;
}

/* A [set] starting at p; returns the byte after its ']' or NULL. */
static const char *
set(struct out *o, const char *p, const char *pe)
{
	bool	 first = true;

	put(o, "[");
	p++;
	if (p < pe && *p == '^') {
		put(o, "^");
		p++;
	}
	for (; p < pe; p++, first = false) {
		if (*p == ']' && !first) {
			put(o, "]");
			return p + 1;
		}
		if (*p == '%') {
			if (++p == pe)
				return NULL;
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
				if (!class(o, *p, true))
					return NULL;
			} else
				literal(o, *p, true);
		} else if (p + 2 < pe && p[1] == '-' && p[2] != ']') {
			literal(o, p[0], true);
			put(o, "-");
			literal(o, p[2], true);
			p += 2;
		} else
			literal(o, *p, true);
	}
	return NULL;
}

int
policy_pattern_regex(const char *p, size_t plen, char *out, size_t outlen)
{
	struct out	 o = { out, 0, outlen, false };
	const char	*pe = p + plen, *start = p;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	while (p < pe) {
		if (*p == '^' && p == start) {
			put(&o, "^");
			p++;
			continue;
		}
		if (*p == '$' && p + 1 == pe) {
			put(&o, "$");
			p++;
			continue;
		}
		switch (*p) {
		case '[':
			if ((p = set(&o, p, pe)) == NULL)
				return -1;
			break;
		case '%':
			if (++p == pe)
				return -1;
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
				if (!class(&o, *p, false))
					return -1;
			} else if (*p >= '0' && *p <= '9')
				return -1;	/* a back reference */
			else
				literal(&o, *p, false);
			p++;
			break;
		case '.':
			put(&o, "[\\s\\S]");
			p++;
			break;
		case '(':
		case ')':
			/* a position capture "()" has no ECMA form */
			if (*p == '(' && p + 1 < pe && p[1] == ')')
				return -1;
			put(&o, *p == '(' ? "(" : ")");
			p++;
			break;
		default:
			literal(&o, *p, false);
			p++;
			break;
		}
		/* a quantifier applies to the single item just written */
		if (p < pe && strchr("*+?-", *p) != NULL) {
			if (p[-1] == ')')
				return -1;	/* Lua reads it literally */
			put(&o, *p == '-' ? "*?" : (char[]){ *p, '\0' });
			p++;
		}
	}
	return o.o_full ? -1 : 0;
}
