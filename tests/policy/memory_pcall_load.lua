-- Hostile: a memory bomb inside the policy's own pcall while loading; the
-- policy then carries on as if nothing happened.
local ok = pcall(function()
	local s = ("x"):rep(1024)
	while true do
		s = s .. s
	end
end)

function allow(subject, action, resource, context)
	return true
end
