/*
 * loader: every .so in ERP_MODULES_DIR, in name order. The descriptor is
 * checked before any of the module's code runs (nginx order): a missing
 * symbol, another ABI, a bad version, an unsafe or malformed route, a
 * duplicate name, a missing or incompatible dependency or a route clash
 * refuses the module with one line naming its file.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "host_int.h"
#include "policy/policy.h"

/* The smallest descriptor this host accepts: ABI 2.0's. */
#define MODULE_V2_SIZE	(offsetof(struct erp_module, init) + \
			    sizeof(((struct erp_module *)0)->init))
#define ROUTES_MAX	128	/* per module */
/* Before 2.2 a route ended with reply: 2.2 appended query. */
#define ROUTE_V2_0_SIZE	offsetof(struct erp_route, query)
_Static_assert(offsetof(struct erp_route, query) ==
    offsetof(struct erp_route, reply) + sizeof(const char *) &&
    ROUTE_V2_0_SIZE % _Alignof(struct erp_route) == 0,
    "an older route array is 2.2's without query, at its own stride");

struct loaded {
	char			*lo_path;
	void			*lo_handle;
	const struct erp_module	*lo_mod;
	const struct erp_route	*lo_routes;	/* lo_mod's, in this host's
						   layout, or NULL */
	const struct erp_route	**lo_declared;	/* its resources' routes,
						   kept as long as erpd */
};

static struct loaded	 mods[MODULES_MAX];
static size_t		 nmods;

size_t
module_count(void)
{
	return nmods;
}

const struct erp_module *
module_get(size_t i, const char **path)
{
	if (path != NULL)
		*path = mods[i].lo_path;
	return mods[i].lo_mod;
}

const struct erp_resource *
module_resource(const char *type)
{
	const struct erp_resource	*d;
	size_t				 i;

	for (i = 0; i < nmods; i++)
		for (d = mods[i].lo_mod->resources; d != NULL &&
		    d->type != NULL; d++)
			if (strcmp(d->type, type) == 0)
				return d;
	return NULL;
}

bool
module_name_valid(const char *s, size_t max, bool digit_first)
{
	size_t	 i;

	if (s == NULL || *s == '\0' || strlen(s) > max || (!digit_first &&
	    *s >= '0' && *s <= '9'))
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* An action: "resource:action" without wildcards. */
static bool
permission_valid(const char *p)
{
	return p != NULL && strchr(p, '*') == NULL && strchr(p, ':') != NULL &&
	    policy_perm_valid(p);
}

/*
 * m's routes in this host's layout: a module built for ABI 2.0 or 2.1 has
 * routes without query, copied here at their own stride (ROUTES_MAX + 1 at most,
 * for check_routes to refuse). NULL when it has none.
 */
static const struct erp_route *
routes_as_built(const struct erp_module *m)
{
	const char		*p = (const char *)m->routes;
	const char		*path;
	struct erp_route	*v;
	size_t			 n, i;

	if (p == NULL || m->abi_minor >= 2)
		return m->routes;
	for (n = 0; n <= ROUTES_MAX; n++) {
		memcpy(&path, p + n * ROUTE_V2_0_SIZE +
		    offsetof(struct erp_route, path), sizeof(path));
		if (path == NULL)
			break;
	}
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		memcpy(&v[i], p + i * ROUTE_V2_0_SIZE, ROUTE_V2_0_SIZE);
	return v;
}

static int
check_routes(const char *file, const struct erp_module *m,
    const struct erp_route *routes, struct erp_err *err)
{
	const struct erp_route	*r;
	size_t			 n;

	if (routes == NULL && m->resources == NULL) {
		err_set(err, "%s: module %s declares no routes nor resources",
		    file, m->name);
		return -1;
	}
	for (r = routes, n = 0; r != NULL && r->path != NULL; r++, n++) {
		if (n == ROUTES_MAX) {
			err_set(err, "%s: more than %d routes", file,
			    ROUTES_MAX);
			return -1;
		}
		if (r->handler == NULL || r->path[0] != '/' ||
		    (r->method != ERP_GET && r->method != ERP_POST &&
		    r->method != ERP_PUT && r->method != ERP_PATCH &&
		    r->method != ERP_DELETE)) {
			err_set(err, "%s: route %s is malformed (method, "
			    "path or handler)", file, r->path);
			return -1;
		}
		if ((r->flags & ERP_ROUTE_PUBLIC) == 0 &&
		    r->permission == NULL) {
			err_set(err, "%s: route %s has no permission and is "
			    "not marked public", file, r->path);
			return -1;
		}
		if (r->permission != NULL && !permission_valid(r->permission)) {
			err_set(err, "%s: route %s: \"%s\" is not a permission "
			    "(resource:action)", file, r->path, r->permission);
			return -1;
		}
		if ((r->flags & ERP_ROUTE_PUBLIC) && r->permission != NULL) {
			err_set(err, "%s: route %s is public but names a "
			    "permission", file, r->path);
			return -1;
		}
	}
	return 0;
}

/* Opens one file and checks its descriptor; nothing of it has run yet. */
static int
open_one(const char *path, const char *file, struct erp_err *err)
{
	const struct erp_module	*m;
	const struct erp_route	*routes = NULL;
	void			*h;
	size_t			 i;

	/* RTLD_LOCAL: a module's symbols never satisfy another's */
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err_set(err, "%s: cannot load: %.160s", file, dlerror());
		return -1;
	}
	if ((m = dlsym(h, "erp_module")) == NULL) {
		err_set(err, "%s: not an erpd module (no erp_module symbol)",
		    file);
		goto fail;
	}
	if (m->abi_major != ERP_ABI_MAJOR || m->abi_minor > ERP_ABI_MINOR) {
		err_set(err, "%s: built for module ABI %u.%u, erpd provides "
		    "%d.%d", file, m->abi_major, m->abi_minor, ERP_ABI_MAJOR,
		    ERP_ABI_MINOR);
		goto fail;
	}
	if (m->size < MODULE_V2_SIZE) {
		err_set(err, "%s: descriptor of %u bytes is smaller than ABI "
		    "%d.0's", file, m->size, ERP_ABI_MAJOR);
		goto fail;
	}
	if (!module_name_valid(m->name, 32, true) || strcmp(m->name, "core") == 0) {
		err_set(err, "%s: module name must be 1 to 32 of a-z 0-9 _ "
		    "and not \"core\"", file);
		goto fail;
	}
	for (i = 0; i < nmods; i++)
		if (strcmp(mods[i].lo_mod->name, m->name) == 0) {
			err_set(err, "%s: a module named %s is already loaded "
			    "(%s)", file, m->name, mods[i].lo_path);
			goto fail;
		}
	if (module_version_parse(m->version, NULL) == -1) {
		err_set(err, "%s: module %s has no version of the form "
		    "MAJOR.MINOR[.PATCH]", file, m->name);
		goto fail;
	}
	routes = routes_as_built(m);
	if (check_routes(file, m, routes, err) == -1 ||
	    resource_check(file, m, err) == -1)
		goto fail;
	if (nmods == MODULES_MAX) {
		err_set(err, "%s: more than %d modules", file, MODULES_MAX);
		goto fail;
	}
	mods[nmods].lo_path = xstrdup(file);
	mods[nmods].lo_handle = h;
	mods[nmods].lo_mod = m;
	mods[nmods].lo_routes = routes;
	nmods++;
	return 0;
fail:
	if (routes != NULL && routes != m->routes)
		free((void *)(uintptr_t)routes);
	dlclose(h);
	return -1;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The module's migrations as this engine runs them: for each version the
 * text for db_engine() if there is one, else the portable one. Returns
 * the list (caller frees), or NULL with err set.
 */
static struct db_migration *
engine_migrations(const struct loaded *lo, struct erp_err *err)
{
	const struct erp_migration	*e = lo->lo_mod->migrations;
	struct db_migration		*list;
	size_t				 n = 0, i, k = 0;

	while (e[n].version != 0 || e[n].name != NULL || e[n].sql != NULL)
		n++;
	list = xcalloc(n + 1, sizeof(*list));
	for (i = 0; i < n; i++) {
		if (e[i].engine != NULL && strcmp(e[i].engine,
		    db_engine()) != 0)
			continue;	/* another engine's text */
		if (k > 0 && list[k - 1].m_version == e[i].version) {
			/* the engine's own text wins over the portable one */
			if (e[i].engine != NULL)
				list[k - 1].m_sql = e[i].sql;
			continue;
		}
		list[k].m_version = e[i].version;
		list[k].m_name = e[i].name;
		list[k].m_sql = e[i].sql;
		k++;
	}
	for (i = 0; i < n; i++) {
		size_t	 j;

		for (j = 0; j < k && list[j].m_version != e[i].version; j++)
			;
		if (j == k) {
			err_set(err, "%s: migration %d has no text for %s",
			    lo->lo_path, e[i].version, db_engine());
			free(list);
			return NULL;
		}
	}
	return list;
}

/*
 * The modules' indexes with every module after those it depends on
 * (module_depends_check found them all; a cycle keeps name order).
 */
static const size_t *
dep_order(void)
{
	static size_t		 order[MODULES_MAX];
	const struct erp_depend	*d;
	bool			 done[MODULES_MAX] = { false }, ready;
	size_t			 n = 0, i, j, pass;

	for (pass = 0; pass <= nmods && n < nmods; pass++)
		for (i = 0; i < nmods; i++) {
			if (done[i])
				continue;
			ready = true;
			for (d = mods[i].lo_mod->depends; ready && d != NULL &&
			    d->name != NULL; d++)
				for (j = 0; j < nmods; j++)
					if (!done[j] && j != i && strcmp(
					    mods[j].lo_mod->name, d->name) == 0)
						ready = pass == nmods;
			if (ready) {
				done[i] = true;
				order[n++] = i;
			}
		}
	return order;
}

/* Applies a module's pending migrations. Returns 0, or -1 with err set. */
static int
migrate_one(const struct loaded *lo, struct erp_err *err)
{
	struct db_migration	*list;
	char			 why[sizeof(err->e_msg)];
	int			 applied, rc;

	if (lo->lo_mod->migrations == NULL)
		return 0;
	if ((list = engine_migrations(lo, err)) == NULL)
		return -1;
	rc = db_migrate(lo->lo_mod->name, list, &applied, err);
	free(list);
	if (rc == -1) {
		snprintf(why, sizeof(why), "%s", err->e_msg);
		err_set(err, "%s: %s", lo->lo_path, why);
	}
	return rc;
}

int
module_load_all(const struct config *cf, bool migrate, struct erp_err *err)
{
	const struct erp_module	*m;
	const size_t		*order;
	const struct erp_route	*r;
	struct dirent		*de;
	DIR			*d;
	char			*names[MODULES_MAX * 2], path[4096];
	size_t			 n = 0, i, len;
	int			 rc = -1;

	host_init(cf);
	if ((d = opendir(cf->cf_modules_dir)) == NULL) {
		log_warn("ERP_MODULES_DIR %s cannot be read: no modules",
		    cf->cf_modules_dir);
		return 0;
	}
	while ((de = readdir(d)) != NULL && n < nitems(names)) {
		len = strlen(de->d_name);
		if (len > 3 && de->d_name[0] != '.' &&
		    strcmp(de->d_name + len - 3, ".so") == 0)
			names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", cf->cf_modules_dir,
		    names[i]);
		if (open_one(path, path, err) == -1)
			goto out;
	}
	if (module_depends_check(err) == -1 ||
	    module_imports_resolve(err) == -1)
		goto out;
	/* a module's tables after those of the modules it depends on */
	order = dep_order();
	for (i = 0; migrate && i < nmods; i++)
		if (migrate_one(&mods[order[i]], err) == -1 ||
		    resource_table_check(mods[order[i]].lo_path,
		    mods[order[i]].lo_mod, err) == -1)
			goto out;
	for (i = 0; i < nmods; i++) {
		m = mods[i].lo_mod;
		if (resource_fragment(m, err) == -1)
			goto out;
		if (m->policy != NULL && policy_engine_add_fragment(
		    m->policy_file != NULL ? m->policy_file : m->name,
		    m->policy, err) == -1)
			goto out;
		/* role patterns may name these (policy check too) */
		for (r = mods[i].lo_routes; r != NULL && r->path != NULL; r++)
			policy_engine_add_action(r->permission);
		if (!migrate)
			continue;	/* only the policy fragments wanted */
		if (host_module_dir(m->name, err) == -1)
			goto out;
		log_info("module %s loaded from %s", m->name, mods[i].lo_path);
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

/* Does path end with the module-relative route path tail? */
static bool
ends_with(const char *path, const char *tail)
{
	size_t	 n = strlen(path), k = strlen(tail);

	return k <= n && strcmp(path + n - k, tail) == 0;
}

/* Who registered a route with path before module `upto`, for messages. */
static const char *
owner(const char *path, size_t upto)
{
	const struct erp_route		*r;
	const struct erp_resource	*d;
	static char			 text[512];
	size_t				 i;

	for (i = 0; i < upto; i++) {
		for (r = mods[i].lo_routes; r != NULL && r->path != NULL;
		    r++)
			if (ends_with(path, r->path))
				goto found;
		for (d = mods[i].lo_mod->resources; d != NULL &&
		    d->type != NULL; d++)
			if (strstr(path, d->path) != NULL)
				goto found;
	}
	return "registered by erpd itself";
found:
	snprintf(text, sizeof(text), "registered by %s", mods[i].lo_path);
	return text;
}

/* The host's loader for a module route: calls the module's. */
static int
host_load(struct http_req *req, cJSON **attrs)
{
	const struct erp_route	*rt = http_route_arg(req);

	return rt->load((struct erp_req *)(void *)req, attrs);
}

/* The host's compute for a module route: calls the module's. */
static int
host_compute(struct http_req *req, cJSON *record, const cJSON *before)
{
	const struct erp_route	*rt = http_route_arg(req);

	return rt->compute((struct erp_req *)(void *)req, record, before) ==
	    0 ? 0 : -1;
}

/* id, org_id, created_at, updated_at and the route's computed names. */
static const char *const *
reserved_names(const struct erp_route *r)
{
	static const char *const always[] = { "id", "org_id", "created_at",
	    "updated_at" };
	const char	**v;
	size_t		 n = 0, i;

	while (r->computed != NULL && r->computed[n] != NULL)
		n++;
	v = xcalloc(nitems(always) + n + 1, sizeof(*v));
	for (i = 0; i < nitems(always); i++)
		v[i] = always[i];
	for (i = 0; i < n; i++)
		v[nitems(always) + i] = r->computed[i];
	return v;
}

/*
 * What the API document says of a module route: what the route declares
 * (summary, status, reply), and otherwise what its path implies when it
 * has the usual one, named after its permission's type ("/products",
 * "/products/{id}" for product:*): a list, a record, a created record,
 * nothing after a delete. Any other route answers some 2xx of a shape it
 * does not declare. Returns 0, or -1 with err naming a malformed reply.
 */
static int
route_doc(const struct erp_route *r, struct http_route *hr,
    struct erp_err *err)
{
	static const char *const verbs[] = { [ERP_GET] = "Read",
	    [ERP_POST] = "Create", [ERP_PUT] = "Replace",
	    [ERP_PATCH] = "Update", [ERP_DELETE] = "Delete" };
	char		 type[64], text[160];
	size_t		 n, tlen;
	bool		 collection, item;
	cJSON		*shape;

	n = r->permission != NULL ? strcspn(r->permission, ":") : 0;
	snprintf(type, sizeof(type), "%.*s", (int)n,
	    n > 0 ? r->permission : "");
	tlen = strlen(type);
	/* "/<type>s" or "/<type>s/{id}" */
	collection = tlen > 0 && r->path[0] == '/' &&
	    strncmp(r->path + 1, type, tlen) == 0 &&
	    r->path[tlen + 1] == 's' && r->path[tlen + 2] == '\0';
	item = tlen > 0 && r->path[0] == '/' &&
	    strncmp(r->path + 1, type, tlen) == 0 &&
	    strncmp(r->path + tlen + 1, "s/{", 3) == 0 &&
	    strchr(r->path + tlen + 4, '/') == NULL;
	if (!collection && !item)
		hr->rt_status = r->reply != NULL ? 0 : HTTP_DOC_ANY_2XX;
	else {
		snprintf(text, sizeof(text), "%s %s%s", r->method == ERP_GET &&
		    collection ? "List" : verbs[r->method], type,
		    r->method == ERP_GET && collection ? "s" : "");
		hr->rt_summary = xstrdup(text);
		if (r->method == ERP_DELETE)
			hr->rt_status = 204;
		else {
			snprintf(text, sizeof(text), r->method == ERP_GET &&
			    collection ? "page($%s)" : "$%s", type);
			hr->rt_reply = xstrdup(text);
		}
		if (r->method == ERP_GET && collection &&
		    hr->rt_query_schema == NULL)
			hr->rt_query = "{limit?: integer, offset?: integer, ...}";
		if (r->method == ERP_POST && collection)
			hr->rt_status = 201;
	}
	if (r->summary != NULL)
		hr->rt_summary = r->summary;
	if (r->status != 0)
		hr->rt_status = r->status;
	/* the router checks the shape and refuses what it does not name */
	if (r->query != NULL)
		hr->rt_query = r->query;
	if (r->reply == NULL)
		return 0;
	hr->rt_reply = r->reply;
	/* a media type is taken as it is; a shape must parse */
	if (r->reply[0] == '*' || (strchr(r->reply, '/') != NULL &&
	    r->reply[0] != '{'))
		return 0;
	if ((shape = http_shape_schema(r->reply, err)) == NULL)
		return -1;
	cJSON_Delete(shape);
	return 0;
}

/* Registers module i's route r in the one route table. 0, or -1 (err). */
static int
add_route(size_t i, const struct erp_route *r, struct erp_err *err)
{
	struct http_route	 hr;
	struct buf		 path = { 0 };
	char			 why[sizeof(err->e_msg)];

	memset(&hr, 0, sizeof(hr));
	if ((r->flags & ERP_ROUTE_SYSTEM) == 0)
		buf_puts(&path, "/api/v1/orgs/{org}");
	buf_puts(&path, r->path);
	hr.rt_methods = r->method;
	/* the table keeps it: routes live as long as erpd */
	hr.rt_path = path.b_data;
	hr.rt_flags = (r->flags & ERP_ROUTE_PUBLIC ? HTTP_ROUTE_PUBLIC : 0) |
	    (r->flags & ERP_ROUTE_RAW_BODY ? HTTP_ROUTE_RAW_BODY : 0) |
	    /* an upload is read before any lock is taken */
	    (r->method != ERP_GET && (r->flags & ERP_ROUTE_RAW_BODY) == 0 ?
	    HTTP_ROUTE_WRITE_TX : 0);
	hr.rt_handler = host_dispatch;
	hr.rt_arg = (void *)(uintptr_t)r;
	hr.rt_permission = r->permission;
	hr.rt_schema = r->schema;
	hr.rt_load = r->load != NULL ? host_load : NULL;
	hr.rt_compute = r->compute != NULL ? host_compute : NULL;
	hr.rt_computed = reserved_names(r);
	hr.rt_query_schema = resource_list_query(r);
	if (route_doc(r, &hr, err) == -1 || http_route_add(&hr, err) == -1) {
		snprintf(why, sizeof(why), "%s", err->e_msg);
		err_set(err, "%s: %s (%s)", mods[i].lo_path, why,
		    owner(hr.rt_path, i));
		return -1;
	}
	return 0;
}

int
module_start_all(struct erp_err *err)
{
	const struct erp_route	*r, **declared;
	size_t			 i, k;

	if (module_list_register(err) == -1)
		return -1;
	for (i = 0; i < nmods; i++) {
		for (r = mods[i].lo_routes; r != NULL && r->path != NULL;
		    r++)
			if (add_route(i, r, err) == -1)
				return -1;
		declared = resource_routes(mods[i].lo_mod);
		mods[i].lo_declared = declared;
		for (k = 0; declared[k] != NULL; k++)
			if (add_route(i, declared[k], err) == -1)
				return -1;
		if (mods[i].lo_mod->host != NULL)
			*mods[i].lo_mod->host = &module_host;
		if (mods[i].lo_mod->init != NULL &&
		    mods[i].lo_mod->init(&module_host) == -1) {
			err_set(err, "%s: its init refused to start",
			    mods[i].lo_path);
			return -1;
		}
	}
	return 0;
}
