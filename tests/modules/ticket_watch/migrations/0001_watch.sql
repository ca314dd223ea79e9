-- What ticket_watch heard: one row per event delivered to it.
CREATE TABLE watch_log (
	org_id		INTEGER NOT NULL,
	title		TEXT NOT NULL
);
