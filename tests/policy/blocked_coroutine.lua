-- Hostile: coroutine must not be reachable from a policy.
coroutine.wrap(function() end)()
