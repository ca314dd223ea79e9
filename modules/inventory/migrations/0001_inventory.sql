-- Stock per product of an organization, the moves that changed it, and
-- reservations that hold stock for a reference (an order) until it ships
-- or is released. Portable SQL (docs/modules.md). A product with stock
-- rows or moves cannot be deleted (the references below), while deleting
-- a whole organization cascades to all of them in one statement.
CREATE TABLE inventory_stock (
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	product_id	INTEGER NOT NULL REFERENCES products (id),
	on_hand		INTEGER NOT NULL CHECK (on_hand >= 0),
	reserved	INTEGER NOT NULL CHECK (reserved >= 0 AND
			    reserved <= on_hand),
	updated_at	TEXT NOT NULL,
	PRIMARY KEY (org_id, product_id)
);

-- Never updated or deleted: the history of on_hand.
CREATE TABLE inventory_moves (
	id		INTEGER PRIMARY KEY,
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	product_id	INTEGER NOT NULL REFERENCES products (id),
	quantity	INTEGER NOT NULL CHECK (quantity <> 0),
	reason		TEXT NOT NULL CHECK (reason IN ('receipt', 'return',
			    'scrap', 'adjustment', 'shipment')),
	reference	TEXT,
	note		TEXT,
	on_hand_after	INTEGER NOT NULL CHECK (on_hand_after >= 0),
	created_by	INTEGER NOT NULL,
	created_at	TEXT NOT NULL
);
CREATE INDEX inventory_moves_product ON inventory_moves (org_id, product_id);
CREATE INDEX inventory_moves_reference ON inventory_moves (org_id, reference);

CREATE TABLE inventory_reservations (
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	reference	TEXT NOT NULL,
	line_no		INTEGER NOT NULL CHECK (line_no >= 1),
	product_id	INTEGER NOT NULL REFERENCES products (id),
	quantity	INTEGER NOT NULL CHECK (quantity > 0),
	created_at	TEXT NOT NULL,
	PRIMARY KEY (org_id, reference, line_no)
);
