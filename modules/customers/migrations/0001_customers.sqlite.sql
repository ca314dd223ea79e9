-- Customers of an organization; ids are never reused, so audit entries
-- keep naming one customer. UNIQUE (org_id, id) lets orders refer to
-- a customer of their own organization only.
CREATE TABLE customers (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	name		TEXT NOT NULL,
	email		TEXT,
	vat_id		TEXT,
	address		TEXT,
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL,
	UNIQUE (org_id, id)
) STRICT;
CREATE INDEX customers_org_name ON customers (org_id, name);
