-- Hostile: io.open must not be reachable from a policy.
io.open("/etc/passwd"):read("a")
