-- Notes of an organization. Every row carries org_id, and every query of
-- the module filters on it: that is what keeps organizations apart.
CREATE TABLE notes (
	id		INTEGER PRIMARY KEY,
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	title		TEXT NOT NULL,
	body		TEXT NOT NULL DEFAULT '',
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
) STRICT;
CREATE INDEX notes_org ON notes (org_id, id);
