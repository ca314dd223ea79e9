-- Hostile: require must not be reachable from a policy.
require("os")
