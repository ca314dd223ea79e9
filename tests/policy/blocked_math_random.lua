-- Hostile: math.random must not be reachable from a policy.
math.random(10)
