-- One organization's policy with state of its own: a global set while
-- loading, and an extra role. Another organization must see neither.
shared_secret = "org A"
roles = { auditor = { "audit:read" } }

function allow(subject, action, resource, context)
	if action == "customer:read" then
		return shared_secret == "org A"
	end
	return base.allow(subject, action, resource, context)
end
