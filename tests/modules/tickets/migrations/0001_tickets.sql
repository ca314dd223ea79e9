-- Tickets: a declared resource with a state, a computed score and a
-- reference; tickets_log records what the check hook saw, so a rolled
-- back write shows.
CREATE TABLE tickets (
	id		INTEGER PRIMARY KEY,
	org_id		INTEGER NOT NULL,
	title		TEXT NOT NULL,
	product_id	INTEGER,
	priority	INTEGER NOT NULL,
	status		TEXT NOT NULL,
	score		INTEGER NOT NULL,
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
);
CREATE TABLE tickets_log (
	org_id		INTEGER NOT NULL,
	what		TEXT NOT NULL
);
