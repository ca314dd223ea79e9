-- Hostile: allow() hides a runaway loop inside its own pcall or xpcall,
-- and then claims success, or keeps catching. The budget overrun must
-- still deny, quickly.
local function spin() while true do end end

function allow(subject, action, resource, context)
	if action == "product:delete" then
		pcall(spin)
		return true
	end
	if action == "product:update" then
		xpcall(spin, function(m) return m end)
		return true
	end
	if action == "product:create" then
		while true do
			pcall(spin)
		end
	end
	return base.allow(subject, action, resource, context)
end
