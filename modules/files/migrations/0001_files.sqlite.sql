-- Uploaded files of an organization. The bytes live in the module's data
-- directory under storage_name (random); filename is the client's label.
-- AUTOINCREMENT: an id is never reused, so a signed link to a deleted
-- file can never download a later upload that took its id.
CREATE TABLE files (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	filename	TEXT NOT NULL
			CHECK (length(filename) BETWEEN 1 AND 255),
	content_type	TEXT NOT NULL,
	size		INTEGER NOT NULL CHECK (size >= 0),
	sha256		TEXT NOT NULL CHECK (length(sha256) = 64),
	storage_name	TEXT NOT NULL UNIQUE CHECK (length(storage_name) = 32),
	created_by	INTEGER,
	created_at	TEXT NOT NULL
) STRICT;
CREATE INDEX files_org ON files (org_id, id);
