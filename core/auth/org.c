/*
 * org: organizations and their members. Membership is what the host
 * checks for everything under /api/v1/orgs/{org}.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "db/db.h"

int
auth_member_role(int64_t org, int64_t user, char *role, size_t rolelen)
{
	static const char	 sql[] = "SELECT role FROM members "
				    "WHERE org_id = ? AND user_id = ?";
	struct db_stmt		*st;
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, org);
	db_bind_int(st, 2, user);
	rc = db_step(st);
	if (rc == DB_ROW)
		db_col_copy(st, 0, role, rolelen);
	db_reset(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : -1;
}

enum auth_result
auth_org_get(int64_t id, struct auth_org *o)
{
	static const char	 sql[] = "SELECT id, name, slug, created_at "
				    "FROM orgs WHERE id = ?";
	struct db_stmt		*st;
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	db_bind_int(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		o->og_id = db_col_int(st, 0);
		db_col_copy(st, 1, o->og_name, sizeof(o->og_name));
		db_col_copy(st, 2, o->og_slug, sizeof(o->og_slug));
		db_col_copy(st, 3, o->og_created_at, sizeof(o->og_created_at));
	}
	db_reset(st);
	if (rc == DB_ROW)
		return AUTH_OK;
	return rc == DB_DONE ? AUTH_ERR_NOT_FOUND : AUTH_ERR_INTERNAL;
}

enum auth_result
auth_org_create(const char *name, const char *slug, int64_t creator,
    int64_t *id)
{
	static const char	 org_sql[] = "INSERT INTO orgs (name, slug, "
				    "created_at) VALUES (?, ?, ?)";
	struct db_stmt		*st;
	char			 now[21];
	int			 rc;

	if ((st = db_prepare(org_sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, slug);
	db_bind_text(st, 3, now);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_CONSTRAINT)
		return AUTH_ERR_CONFLICT;
	if (rc != DB_DONE)
		return AUTH_ERR_INTERNAL;
	*id = db_last_id();
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
	struct db_stmt		*st;
	int			 rc, had;

	if ((had = auth_member_role(org, user, old, sizeof(old))) == -1 ||
	    (st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	db_bind_int(st, 1, org);
	db_bind_int(st, 2, user);
	db_bind_text(st, 3, role);
	db_bind_text(st, 4, now);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_CONSTRAINT)
		return AUTH_ERR_NOT_FOUND;	/* no such org or user */
	if (rc != DB_DONE)
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
	struct db_stmt		*st;
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	db_bind_int(st, 1, org);
	db_bind_int(st, 2, user);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return AUTH_ERR_INTERNAL;
	return db_changes() > 0 ? AUTH_OK : AUTH_ERR_NOT_FOUND;
}

int64_t
auth_org_policy_version(int64_t org)
{
	static const char	 sql[] = "SELECT max(version) FROM org_policies "
				    "WHERE org_id = ?";
	struct db_stmt		*st;
	int64_t			 v = -1;

	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, org);
	if (db_step(st) == DB_ROW)
		v = db_col_int(st, 0);	/* NULL: 0 */
	db_reset(st);
	return v;
}

char *
auth_org_policy_source(int64_t org, int64_t version)
{
	static const char	 sql[] = "SELECT source FROM org_policies "
				    "WHERE org_id = ? AND version = ?";
	struct db_stmt		*st;
	char			*src = NULL;

	if ((st = db_prepare(sql)) == NULL)
		return NULL;
	db_bind_int(st, 1, org);
	db_bind_int(st, 2, version);
	if (db_step(st) == DB_ROW)
		src = xstrndup(db_col_text(st, 0),
		    db_col_len(st, 0));
	db_reset(st);
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
	struct db_stmt		*st;
	int			 rc, found = 0;

	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, org);
	db_bind_int(st, 2, user);
	if ((rc = db_step(st)) == DB_ROW) {
		if (!db_col_is_null(st, 0)) {
			db_col_copy(st, 0, role, rolelen);
			found = 1;
		}
		*version = db_col_int(st, 1);
	}
	db_reset(st);
	return rc == DB_ROW ? found : -1;
}
