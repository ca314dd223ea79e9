-- Hostile: an organization policy that tries to change the base policy
-- for everyone (or for its own policy:* decisions). base is read-only.
base.roles.admin = {}
