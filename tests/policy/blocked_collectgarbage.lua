-- Hostile: collectgarbage must not be reachable from a policy.
collectgarbage("stop")
