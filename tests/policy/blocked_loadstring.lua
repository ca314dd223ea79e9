-- Hostile: loadstring must not be reachable from a policy.
loadstring("return 1")()
