-- Users and revoked access tokens (API.md section 3).
CREATE TABLE users (
	id		INTEGER PRIMARY KEY,
	email		TEXT NOT NULL COLLATE NOCASE UNIQUE,	-- normalised
	name		TEXT NOT NULL DEFAULT '',
	password_hash	TEXT NOT NULL,
	is_admin	INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
	is_active	INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
	token_version	INTEGER NOT NULL DEFAULT 0,	-- bumped: old tokens die
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
) STRICT;

-- A logged-out token's jti, kept until the token would have expired.
CREATE TABLE revoked_tokens (
	jti		TEXT PRIMARY KEY,
	expires_at	INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);
