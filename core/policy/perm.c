/*
 * perm: permission patterns. A pattern is "*" or "resource:action" where
 * either side may be "*"; names are lower-case letters, digits and '_'.
 */
#include <string.h>

#include "policy.h"

#define PART_MAX	64

static bool
part_valid(const char *p, size_t len)
{
	size_t	 i;

	if (len == 0 || len > PART_MAX)
		return false;
	if (len == 1 && p[0] == '*')
		return true;
	for (i = 0; i < len; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' &&
		    p[i] <= '9') || p[i] == '_'))
			return false;
	return true;
}

bool
policy_perm_valid(const char *pattern)
{
	const char	*colon;

	if (strcmp(pattern, "*") == 0)
		return true;
	if ((colon = strchr(pattern, ':')) == NULL)
		return false;
	return part_valid(pattern, (size_t)(colon - pattern)) &&
	    part_valid(colon + 1, strlen(colon + 1));
}

/* Splits "a:b"; "*" alone is "*:*". */
static void
split(const char *s, const char **res, size_t *rlen, const char **act,
    size_t *alen)
{
	const char	*colon = strchr(s, ':');

	if (colon == NULL) {
		*res = *act = s;
		*rlen = *alen = strlen(s);
		return;
	}
	*res = s;
	*rlen = (size_t)(colon - s);
	*act = colon + 1;
	*alen = strlen(colon + 1);
}

/* Does part a (maybe "*") cover part b (maybe "*")? */
static bool
part_covers(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen == 1 && a[0] == '*')
		return true;
	return alen == blen && memcmp(a, b, alen) == 0;
}

bool
policy_perm_covers(const char *a, const char *b)
{
	const char	*ar, *aa, *br, *ba;
	size_t		 arl, aal, brl, bal;

	if (!policy_perm_valid(a) || !policy_perm_valid(b))
		return false;
	split(a, &ar, &arl, &aa, &aal);
	split(b, &br, &brl, &ba, &bal);
	return part_covers(ar, arl, br, brl) && part_covers(aa, aal, ba, bal);
}

bool
policy_perm_match(const char *pattern, const char *action)
{
	/* an action is a pattern without wildcards */
	return strchr(action, '*') == NULL &&
	    policy_perm_covers(pattern, action);
}
