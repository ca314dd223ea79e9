-- Hostile: allow() raises an ordinary error under xpcall whose message
-- handler runs away (product:delete), or runs away under xpcall with such
-- a handler (product:update). Each must deny, quickly.
local function spin() while true do end end

function allow(subject, action, resource, context)
	if action == "product:delete" then
		xpcall(error, spin)
		return true
	end
	if action == "product:update" then
		xpcall(spin, spin)
		return true
	end
	return base.allow(subject, action, resource, context)
end
