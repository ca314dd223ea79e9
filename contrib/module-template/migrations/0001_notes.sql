-- Notes of an organization: id, org_id and the two timestamps, then one
-- column per declared field (erpd checks at start-up that they exist).
-- Every row carries org_id, and the host filters every query on it: that
-- is what keeps organizations apart. Portable SQL: any engine runs it.
CREATE TABLE notes (
	id		INTEGER PRIMARY KEY,
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	title		TEXT NOT NULL,
	body		TEXT NOT NULL,
	pinned		INTEGER NOT NULL,
	words		INTEGER NOT NULL,
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
);
CREATE INDEX notes_org ON notes (org_id, id);
