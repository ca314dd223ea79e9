/*
 * keyfollow: an API key never outlives its creator's rights (docs/api.md).
 * Rights are checked when they change, never on the read
 * path: a member's role changes or the member leaves, the organization's
 * policy redefines the roles, the creator is deactivated or stops being
 * a system admin. A key whose creator no longer holds every permission
 * of the key's role is revoked in the transaction that made the change,
 * so it gets 401 from the next request on; each revocation is audited as
 * apikey.revoke with details.reason. Keys made by a system admin depend
 * only on that admin being active (and a system admin).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth/auth.h"
#include "db/db.h"
#include "policy/policy.h"

/* One key to revoke, and why. */
struct doomed {
	int64_t		 dk_id;
	int64_t		 dk_org;
	int64_t		 dk_creator;
	char		 dk_role[ROLE_MAX + 1];
	char		 dk_reason[POLICY_REASON_MAX];
};

/* A growing list of keys to revoke. */
struct doomlist {
	struct doomed	*dl_items;
	size_t		 dl_n;
	size_t		 dl_cap;
};

static struct doomed *
doom(struct doomlist *dl, struct db_stmt *st)
{
	struct doomed	*d;

	if (dl->dl_n == dl->dl_cap) {
		dl->dl_cap = dl->dl_cap ? dl->dl_cap * 2 : 8;
		dl->dl_items = xrealloc(dl->dl_items, dl->dl_cap *
		    sizeof(*dl->dl_items));
	}
	d = &dl->dl_items[dl->dl_n++];
	memset(d, 0, sizeof(*d));
	d->dk_id = db_col_int(st, 0);
	d->dk_org = db_col_int(st, 1);
	d->dk_creator = db_col_int(st, 2);
	db_col_copy(st, 3, d->dk_role, sizeof(d->dk_role));
	return d;
}

/*
 * Revokes each key of dl with its audit entry (the caller's request is
 * the actor, the key's organization the entry's). Frees dl. Returns how
 * many were revoked, or -1.
 */
static int
revoke_all(struct http_req *req, struct doomlist *dl)
{
	struct audit_event	 ev;
	cJSON			*details;
	char			 rid[24];
	size_t			 i;
	int			 n = 0, rc = 0;

	for (i = 0; i < dl->dl_n && rc == 0; i++) {
		const struct doomed	*d = &dl->dl_items[i];

		if (auth_apikey_revoke(d->dk_org, d->dk_id) != AUTH_OK) {
			rc = -1;
			break;
		}
		snprintf(rid, sizeof(rid), "%lld", (long long)d->dk_id);
		details = cJSON_CreateObject();
		cJSON_AddStringToObject(details, "reason", d->dk_reason);
		cJSON_AddStringToObject(details, "role", d->dk_role);
		api_json_int(details, "created_by", d->dk_creator);
		api_event_init(&ev, req, "apikey.revoke", "success");
		ev.ae_org_id = d->dk_org;
		ev.ae_resource_type = "api_key";
		ev.ae_resource_id = rid;
		ev.ae_details = details;
		rc = api_append(&ev);
		cJSON_Delete(details);
		n++;
	}
	free(dl->dl_items);
	memset(dl, 0, sizeof(*dl));
	return rc == -1 ? -1 : n;
}

/*
 * Ends the scan st that collected dl: revokes them when it ran to its
 * end (rc DB_DONE). Returns as revoke_all, or -1.
 */
static int
scanned(struct http_req *req, struct doomlist *dl, struct db_stmt *st,
    int rc)
{
	db_reset(st);
	if (rc != DB_DONE) {
		free(dl->dl_items);
		return -1;
	}
	return revoke_all(req, dl);
}

/*
 * Why a key of role made by a member with role member_role (NULL: not a
 * member) no longer follows its creator under p, into why; false when it
 * still does.
 */
static bool
outlived(struct policy *p, const char *member_role, const char *role,
    char *why, size_t whylen)
{
	const char	*missing;

	if (member_role == NULL) {
		snprintf(why, whylen, "its creator is no longer a member");
		return true;
	}
	if (policy_role_covers(p, member_role, role, &missing))
		return false;
	if (missing == NULL)
		snprintf(why, whylen, "role %s is no longer defined", role);
	else
		snprintf(why, whylen, "its creator's role %s no longer holds "
		    "%s", member_role, missing);
	return true;
}

int
api_keys_follow(struct http_req *req, int64_t org, int64_t creator,
    struct policy *p)
{
	static const char	 sql[] = "SELECT k.id, k.org_id, k.created_by, "
				    "k.role, m.role FROM api_keys k "
				    "JOIN users u ON u.id = k.created_by "
				    "LEFT JOIN members m ON m.org_id = k.org_id "
				    "AND m.user_id = k.created_by "
				    "WHERE k.org_id = ?1 AND k.revoked_at IS NULL "
				    "AND (?2 = 0 OR k.created_by = ?2) "
				    "AND u.is_admin = 0";
	struct doomlist		 dl = { 0 };
	struct db_stmt		*st;
	char			 why[POLICY_REASON_MAX];
	int			 rc;

	if (p == NULL || (st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, org);
	db_bind_int(st, 2, creator);
	while ((rc = db_step(st)) == DB_ROW)
		if (outlived(p, db_col_text(st, 4), db_col_text(st, 3), why,
		    sizeof(why)))
			snprintf(doom(&dl, st)->dk_reason, POLICY_REASON_MAX,
			    "%s", why);
	return scanned(req, &dl, st, rc);
}

int
api_keys_revoke_creator(struct http_req *req, int64_t creator,
    const char *reason)
{
	static const char	 sql[] = "SELECT id, org_id, created_by, role "
				    "FROM api_keys WHERE created_by = ? "
				    "AND revoked_at IS NULL";
	struct doomlist		 dl = { 0 };
	struct db_stmt		*st;
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, creator);
	while ((rc = db_step(st)) == DB_ROW)
		snprintf(doom(&dl, st)->dk_reason, POLICY_REASON_MAX, "%s",
		    reason);
	return scanned(req, &dl, st, rc);
}

int
api_keys_follow_user(struct http_req *req, int64_t creator)
{
	static const char	 sql[] = "SELECT DISTINCT org_id FROM api_keys "
				    "WHERE created_by = ? AND revoked_at IS NULL";
	struct db_stmt		*st;
	int64_t			*orgs = NULL;
	size_t			 n = 0, cap = 0, i;
	int			 rc, got, total = 0;

	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, creator);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			orgs = xrealloc(orgs, cap * sizeof(*orgs));
		}
		orgs[n++] = db_col_int(st, 0);
	}
	db_reset(st);
	for (i = 0; rc == DB_DONE && i < n; i++) {
		if ((got = api_keys_follow(req, orgs[i], creator,
		    http_policy_of(orgs[i]))) == -1)
			rc = DB_ERROR;
		else
			total += got;
	}
	free(orgs);
	return rc == DB_DONE ? total : -1;
}
