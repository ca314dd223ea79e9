-- Organizations, their members, API keys and policies (API.md sections
-- 3 to 5).
CREATE TABLE orgs (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	slug		TEXT NOT NULL UNIQUE,
	created_at	TEXT NOT NULL
) STRICT;

CREATE TABLE members (
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	user_id		INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role		TEXT NOT NULL,
	created_at	TEXT NOT NULL,
	PRIMARY KEY (org_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX members_user ON members (user_id);

-- A key is shown once; only its keyed hash is kept, found by its prefix.
CREATE TABLE api_keys (
	id		INTEGER PRIMARY KEY,
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	name		TEXT NOT NULL,
	prefix		TEXT NOT NULL UNIQUE,
	key_hash	BLOB NOT NULL,
	role		TEXT NOT NULL,
	created_by	INTEGER NOT NULL REFERENCES users (id),
	created_at	TEXT NOT NULL,
	expires_at	INTEGER,		-- unix seconds; NULL: never
	revoked_at	TEXT,
	last_used_at	TEXT
) STRICT;
CREATE INDEX api_keys_org ON api_keys (org_id);

-- Every version of an organization's own policy; the newest is in force.
CREATE TABLE org_policies (
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	version		INTEGER NOT NULL,
	source		TEXT NOT NULL,
	updated_at	TEXT NOT NULL,
	updated_by	INTEGER NOT NULL REFERENCES users (id),
	PRIMARY KEY (org_id, version)
) STRICT, WITHOUT ROWID;
