-- Hostile: removing the base's allow, so that policy:* decisions break.
base.allow = nil
