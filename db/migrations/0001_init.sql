-- 0001_init: the first core migration, a key-value table for facts about
-- this database such as when its schema was created.
CREATE TABLE server_meta (
	key	TEXT PRIMARY KEY,
	value	TEXT NOT NULL
) STRICT;

INSERT INTO server_meta (key, value)
VALUES ('schema_created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
