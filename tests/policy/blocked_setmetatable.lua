-- Hostile: setmetatable must not be reachable from a policy.
setmetatable(base, nil)
