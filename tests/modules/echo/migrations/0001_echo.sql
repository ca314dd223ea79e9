-- What POST /echo writes: one row per echo, so a rolled-back one shows.
CREATE TABLE echo_log (
	id		INTEGER PRIMARY KEY,
	org_id		INTEGER NOT NULL,
	message		TEXT NOT NULL
) STRICT;
