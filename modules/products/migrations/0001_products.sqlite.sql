-- Products of an organization; the SKU is unique within it.
CREATE TABLE products (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,	-- never reused
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	sku		TEXT NOT NULL,
	name		TEXT NOT NULL,
	description	TEXT,
	price_cents	INTEGER NOT NULL CHECK (price_cents >= 0),
	currency	TEXT NOT NULL DEFAULT 'EUR',
	active		INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL,
	UNIQUE (org_id, sku)
) STRICT;
CREATE INDEX products_org_name ON products (org_id, name);
