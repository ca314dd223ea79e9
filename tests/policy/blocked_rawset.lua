-- Hostile: rawset must not be reachable from a policy.
rawset(base.roles, "admin", {})
