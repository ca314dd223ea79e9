-- Hostile: debug.getinfo must not be reachable from a policy.
debug.getinfo(1)
