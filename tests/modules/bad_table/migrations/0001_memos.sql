-- memos without the body column the declaration names
CREATE TABLE memos (
	id		INTEGER PRIMARY KEY,
	org_id		INTEGER NOT NULL,
	title		TEXT NOT NULL,
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
);
