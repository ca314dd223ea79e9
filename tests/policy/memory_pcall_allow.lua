-- Hostile: allow() hides a memory bomb inside its own pcall and then
-- claims success. It must still deny.
local function bomb()
	local t = {}
	for i = 1, math.maxinteger do
		t[i] = ("z"):rep(64) .. i
	end
end

function allow(subject, action, resource, context)
	if action == "product:delete" then
		pcall(bomb)
		return true
	end
	return base.allow(subject, action, resource, context)
end
