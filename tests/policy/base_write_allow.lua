-- Hostile: allow() tries to widen the base's roles and the roles in force
-- while deciding (product:delete), and to set globals (product:update).
-- Each must deny, and change nothing for the next decision.
function allow(subject, action, resource, context)
	if action == "product:delete" then
		base.roles.viewer[1] = "*"
	end
	if action == "product:create" then
		roles.viewer = { "*" }
	end
	if action == "product:update" then
		hijacked = true
		allow = function() return true end
	end
	if hijacked then
		return true
	end
	return base.allow(subject, action, resource, context)
end
