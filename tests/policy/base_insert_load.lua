-- Hostile: widening a base role in place through the table library.
table.insert(base.roles.viewer, "*")
