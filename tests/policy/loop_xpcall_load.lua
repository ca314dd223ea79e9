-- Hostile: a message handler that runs away. When the budget's error is
-- raised, Lua calls the handler; the handler must stay under the budget
-- too (it runs while the count hook is still on the stack).
xpcall(function() while true do end end, function() while true do end end)
