-- fuzz_schema's schemas: the shipped modules' product, order and customer
-- shapes, plus one of every rule kind (nullable objects, enums of every
-- type, nested arrays, check functions) so each code path has a target.
schemas.product = {
  sku = { type = 'string', required = true, min_len = 3,
    max_len = 32, pattern = '^[A-Z0-9%-]+$' },
  name = { type = 'string', required = true, min_len = 1, max_len = 200 },
  description = { type = 'string', max_len = 2000, nullable = true },
  price_cents = { type = 'integer', required = true, min = 0 },
  currency = { type = 'string', pattern = '^[A-Z][A-Z][A-Z]$' },
  active = { type = 'boolean' },
}
schemas.order = {
  customer_id = { type = 'integer', required = true, min = 1 },
  lines = { type = 'array', required = true, min_items = 1,
    max_items = 500, items = { type = 'object', fields = {
      product_id = { type = 'integer', required = true, min = 1 },
      quantity = { type = 'integer', required = true, min = 1,
        max = 100000 },
    } } },
}
schemas.kinds = {
  weight = { type = 'number', min = 0.5, max = 1000 },
  code = { type = 'string', min_len = 2, max_len = 3, enum = { 'ab', 'xyz' } },
  address = { type = 'object', nullable = true, fields = {
    city = { type = 'string', required = true },
    zip = { type = 'string', pattern = '^%d+$' },
  } },
  tags = { type = 'array', items = { type = 'string', max_len = 2 } },
  matrix = { type = 'array', max_items = 4, items = { type = 'array',
    items = { type = 'integer', enum = { 1, 2, 3 } } } },
  ratio = { type = 'number', enum = { 0.5, 2 } },
  flag = { type = 'boolean', enum = { true } },
  meta = { type = 'object' },
  any = { type = 'array' },
  note = { type = 'string', nullable = true, check = function(v, body)
    if v == 'bad' then return 'must not be bad' end
    if v == 'raise' then error('boom') end
    if v == 'mutate' then body.n = 99 end
    if v == 'count' then return 'n=' .. tostring(body.n) end
  end },
  n = { type = 'integer', check = function(v, body)
    if math.type(v) ~= 'integer' then return 'not an integer' end
    if v == 7 and body.note ~= 'vip' then return 'needs vip' end
  end },
}
