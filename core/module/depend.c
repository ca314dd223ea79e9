/*
 * depend: modules' versions and the modules they depend on. A dependency
 * is met by a loaded module of the same major version that is not older
 * than the version asked for (semantic versioning: a minor adds, a major
 * breaks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_int.h"

int
module_version_parse(const char *s, struct module_version *v)
{
	struct module_version	 tmp = { 0 };
	long			 part[3] = { 0, 0, 0 };
	char			*end;
	int			 i;

	if (s == NULL || strlen(s) > 32)
		return -1;
	for (i = 0; i < 3; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		part[i] = strtol(s, &end, 10);
		if (part[i] > 99999 || (*s == '0' && end - s > 1))
			return -1;
		s = end;
		if (*s == '\0' && i >= 1)
			break;
		if (*s != '.' || i == 2)
			return -1;
		s++;
	}
	tmp.mv_major = part[0];
	tmp.mv_minor = part[1];
	tmp.mv_patch = part[2];
	if (v != NULL)
		*v = tmp;
	return 0;
}

/* Does have satisfy want: same major, not older? */
static bool
satisfies(const struct module_version *have, const struct module_version
    *want)
{
	if (have->mv_major != want->mv_major)
		return false;
	if (have->mv_minor != want->mv_minor)
		return have->mv_minor > want->mv_minor;
	return have->mv_patch >= want->mv_patch;
}

int
module_depends_check(struct erp_err *err)
{
	const struct erp_module	*m, *d;
	const struct erp_depend	*dep;
	struct module_version	 have, want;
	const char		*path;
	size_t			 i, j, n = module_count();

	for (i = 0; i < n; i++) {
		m = module_get(i, &path);
		for (dep = m->depends; dep != NULL && dep->name != NULL;
		    dep++) {
			if (module_version_parse(dep->version, &want) == -1) {
				err_set(err, "%s: module %s depends on %s with "
				    "a version that is not MAJOR.MINOR[.PATCH]",
				    path, m->name, dep->name);
				return -1;
			}
			for (j = 0; j < n; j++)
				if (strcmp(module_get(j, NULL)->name,
				    dep->name) == 0)
					break;
			if (j == n) {
				err_set(err, "%s: module %s needs module %s %s, "
				    "which is not loaded", path, m->name,
				    dep->name, dep->version);
				return -1;
			}
			d = module_get(j, NULL);
			/* checked at load; fail closed all the same */
			if (module_version_parse(d->version, &have) == -1 ||
			    !satisfies(&have, &want)) {
				err_set(err, "%s: module %s needs module %s %s, "
				    "but %s %s is loaded", path, m->name,
				    dep->name, dep->version, d->name,
				    d->version);
				return -1;
			}
		}
	}
	return 0;
}

/* Does module m name dep among its depends? */
static bool
depends_on(const struct erp_module *m, const char *dep)
{
	const struct erp_depend	*d;

	for (d = m->depends; d != NULL && d->name != NULL; d++)
		if (strcmp(d->name, dep) == 0)
			return true;
	return false;
}

int
module_imports_resolve(struct erp_err *err)
{
	const struct erp_module	*m, *from;
	const struct erp_import	*im;
	const struct erp_export	*ex;
	const char		*path;
	size_t			 i, j, n = module_count();

	for (i = 0; i < n; i++) {
		m = module_get(i, &path);
		for (im = m->imports; im != NULL && im->name != NULL; im++) {
			if (im->module == NULL || im->slot == NULL ||
			    !depends_on(m, im->module)) {
				err_set(err, "%s: module %s imports %s from %s, "
				    "which it does not depend on", path, m->name,
				    im->name, im->module ? im->module : "?");
				return -1;
			}
			for (j = 0, from = NULL; j < n && from == NULL; j++)
				if (strcmp(module_get(j, NULL)->name,
				    im->module) == 0)
					from = module_get(j, NULL);
			if (from == NULL) {
				err_set(err, "%s: module %s imports %s from %s, "
				    "which is not loaded", path, m->name, im->name,
				    im->module);
				return -1;
			}
			for (ex = from->exports; ex != NULL && ex->name != NULL;
			    ex++)
				if (strcmp(ex->name, im->name) == 0)
					break;
			if (ex == NULL || ex->name == NULL || ex->fn == NULL) {
				err_set(err, "%s: module %s imports %s, which "
				    "module %s does not export", path, m->name,
				    im->name, im->module);
				return -1;
			}
			*im->slot = ex->fn;
		}
	}
	return 0;
}
