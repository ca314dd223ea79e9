-- bad_lua's fragment: a syntax error on line 3, which start-up names.
table.insert(roles.viewer, "lua:read")
roles.viewer = = {}
