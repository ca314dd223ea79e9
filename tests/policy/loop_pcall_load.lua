-- Hostile: a runaway loop inside the policy's own pcall while loading,
-- then more loops catching whatever the first one raised. The budget
-- must not be swallowed.
local ok = pcall(function() while true do end end)
while true do
	pcall(function() while true do end end)
end
