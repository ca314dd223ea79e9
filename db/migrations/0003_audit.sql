-- The audit log (API.md section 6): append-only, each entry's hash covering
-- its content and the previous entry's hash. The triggers refuse changes
-- through SQL; erpd audit verify notices changes made around them.
CREATE TABLE audit_log (
	id		INTEGER PRIMARY KEY,	-- 1, 2, 3 ... without gaps
	ts		TEXT NOT NULL,		-- RFC 3339 UTC, seconds
	actor_type	TEXT NOT NULL,
	actor_id	INTEGER,
	org_id		INTEGER,
	action		TEXT NOT NULL,
	resource_type	TEXT,
	resource_id	TEXT,
	outcome		TEXT NOT NULL,
	ip		TEXT,
	request_id	TEXT,
	details		TEXT,			-- JSON
	prev_hash	TEXT NOT NULL,
	hash		TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
