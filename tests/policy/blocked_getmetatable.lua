-- Hostile: getmetatable must not be reachable from a policy.
getmetatable("").__index.dump(allow)
