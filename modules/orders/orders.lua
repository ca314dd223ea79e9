-- The orders module's policy fragment: the base schema of an order's
-- body (the server computes status, currency, prices and the total).
schemas.order = {
  customer_id = { type = "integer", required = true, min = 1,
    label = "Customer" },
  lines = { type = "array", required = true, min_items = 1,
    max_items = 500, items = { type = "object", fields = {
      product_id = { type = "integer", required = true, min = 1,
        label = "Product" },
      quantity = { type = "integer", required = true, min = 1,
        max = 100000 },
    } } },
}
