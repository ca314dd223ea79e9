-- Hostile: dofile must not be reachable from a policy.
dofile("/etc/passwd")
