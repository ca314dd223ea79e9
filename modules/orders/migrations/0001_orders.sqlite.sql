-- Sales orders and their lines. A customer that has orders, and a product
-- that an order line uses, cannot be deleted: the references below are
-- checked at the end of each statement (NO ACTION), so deleting a used
-- customer or product fails (409) while deleting a whole organization,
-- which cascades to all of them in one statement, still works. Order ids
-- are never reused, so audit entries keep naming one order.
CREATE TABLE orders (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id		INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	customer_id	INTEGER NOT NULL,
	status		TEXT NOT NULL DEFAULT 'draft' CHECK (status IN
			    ('draft', 'confirmed', 'shipped', 'cancelled')),
	currency	TEXT NOT NULL,
	total_cents	INTEGER NOT NULL CHECK (total_cents >= 0),
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL,
	-- the customer is one of the order's own organization
	FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id)
) STRICT;
CREATE INDEX orders_org_status ON orders (org_id, status);
CREATE INDEX orders_customer ON orders (org_id, customer_id);

CREATE TABLE order_lines (
	order_id	INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	line_no		INTEGER NOT NULL CHECK (line_no >= 1),
	product_id	INTEGER NOT NULL REFERENCES products (id),
	quantity	INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
	unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
	line_total_cents INTEGER NOT NULL CHECK (line_total_cents >= 0),
	PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;
CREATE INDEX order_lines_product ON order_lines (product_id);
