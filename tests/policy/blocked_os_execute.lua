-- Hostile: os.execute must not be reachable from a policy.
os.execute("touch /tmp/erpd-policy-pwned")
