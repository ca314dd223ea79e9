-- The other organization: allow() looks for what org_a.lua defined.
function allow(subject, action, resource, context)
	if action == "customer:read" then
		return shared_secret == nil
	end
	return base.allow(subject, action, resource, context)
end
