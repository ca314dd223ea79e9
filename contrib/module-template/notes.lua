-- The notes module's policy fragment, run after the base policy in its
-- environment. erpd adds schemas.note from the declared fields; this file
-- grants the base roles what they may do with notes (admin holds "*"
-- already) and tests it. Errors name this file and its line.
table.insert(roles.manager, "note:*")
table.insert(roles.clerk, "note:read")
table.insert(roles.clerk, "note:create")
table.insert(roles.viewer, "note:read")

table.insert(tests, function()
  local viewer = { id = 1, kind = "user", role = "viewer" }
  expect_allow(viewer, "note:read", { type = "note" })
  expect_deny(viewer, "note:create", { type = "note" })
end)
