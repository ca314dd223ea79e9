/*
 * org: organizations and their members. Membership is what the host
 * checks for everything under /api/v1/orgs/{org}.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "db/db.h"

static void
copy_col(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char	*t = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

int
auth_member_role(int64_t org, int64_t user, char *role, size_t rolelen)
{
	static const char	 sql[] = "SELECT role FROM members "
				    "WHERE org_id = ? AND user_id = ?";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = db_stmt(sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, org);
	sqlite3_bind_int64(st, 2, user);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		copy_col(role, rolelen, st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

enum auth_result
auth_org_get(int64_t id, struct auth_org *o)
{
	static const char	 sql[] = "SELECT id, name, slug, created_at "
				    "FROM orgs WHERE id = ?";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o->og_id = sqlite3_column_int64(st, 0);
		copy_col(o->og_name, sizeof(o->og_name), st, 1);
		copy_col(o->og_slug, sizeof(o->og_slug), st, 2);
		copy_col(o->og_created_at, sizeof(o->og_created_at), st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return AUTH_OK;
	return rc == SQLITE_DONE ? AUTH_ERR_NOT_FOUND : AUTH_ERR_INTERNAL;
}

enum auth_result
auth_org_create(const char *name, const char *slug, int64_t creator,
    int64_t *id)
{
	static const char	 org_sql[] = "INSERT INTO orgs (name, slug, "
				    "created_at) VALUES (?, ?, ?)";
	sqlite3_stmt		*st;
	char			 now[21];
	int			 rc;

	if ((st = db_stmt(org_sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, slug, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_CONSTRAINT)
		return AUTH_ERR_CONFLICT;
	if (rc != SQLITE_DONE)
		return AUTH_ERR_INTERNAL;
	*id = sqlite3_last_insert_rowid(db_get());
	/* the creator becomes the first member, as admin */
	return auth_member_set(*id, creator, "admin", NULL);
}

enum auth_result
auth_member_set(int64_t org, int64_t user, const char *role, bool *created)
{
	static const char	 sql[] = "INSERT INTO members (org_id, user_id, "
				    "role, created_at) VALUES (?, ?, ?, ?) "
				    "ON CONFLICT (org_id, user_id) DO UPDATE "
				    "SET role = excluded.role";
	char			 old[64], now[21];
	sqlite3_stmt		*st;
	int			 rc, had;

	if ((had = auth_member_role(org, user, old, sizeof(old))) == -1 ||
	    (st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	sqlite3_bind_int64(st, 1, org);
	sqlite3_bind_int64(st, 2, user);
	sqlite3_bind_text(st, 3, role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_CONSTRAINT)
		return AUTH_ERR_NOT_FOUND;	/* no such org or user */
	if (rc != SQLITE_DONE)
		return AUTH_ERR_INTERNAL;
	if (created != NULL)
		*created = had == 0;
	return AUTH_OK;
}

enum auth_result
auth_member_remove(int64_t org, int64_t user)
{
	static const char	 sql[] = "DELETE FROM members "
				    "WHERE org_id = ? AND user_id = ?";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, org);
	sqlite3_bind_int64(st, 2, user);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return AUTH_ERR_INTERNAL;
	return sqlite3_changes(db_get()) > 0 ? AUTH_OK : AUTH_ERR_NOT_FOUND;
}

int64_t
auth_org_policy_version(int64_t org)
{
	static const char	 sql[] = "SELECT max(version) FROM org_policies "
				    "WHERE org_id = ?";
	sqlite3_stmt		*st;
	int64_t			 v = -1;

	if ((st = db_stmt(sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, org);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);	/* NULL: 0 */
	sqlite3_reset(st);
	return v;
}

char *
auth_org_policy_source(int64_t org, int64_t version)
{
	static const char	 sql[] = "SELECT source FROM org_policies "
				    "WHERE org_id = ? AND version = ?";
	sqlite3_stmt		*st;
	char			*src = NULL;

	if ((st = db_stmt(sql)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, org);
	sqlite3_bind_int64(st, 2, version);
	if (sqlite3_step(st) == SQLITE_ROW)
		src = xstrndup((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	return src;
}

int
auth_member_context(int64_t org, int64_t user, char *role, size_t rolelen,
    int64_t *version)
{
	/* membership and the policy version in force, one statement */
	static const char	 sql[] = "SELECT (SELECT role FROM members "
				    "WHERE org_id = ?1 AND user_id = ?2), "
				    "(SELECT coalesce(max(version), 0) FROM "
				    "org_policies WHERE org_id = ?1)";
	sqlite3_stmt		*st;
	int			 rc, found = 0;

	if ((st = db_stmt(sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, org);
	sqlite3_bind_int64(st, 2, user);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			copy_col(role, rolelen, st, 0);
			found = 1;
		}
		*version = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? found : -1;
}
