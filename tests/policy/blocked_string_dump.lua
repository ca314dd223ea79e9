-- Hostile: string.dump must not be reachable from a policy.
string.dump(function() end)
