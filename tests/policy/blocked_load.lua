-- Hostile: load must not be reachable from a policy.
load("return 1")()
