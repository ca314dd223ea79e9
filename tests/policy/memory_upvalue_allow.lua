-- Hostile: allow() fills memory in small steps through a chunk local (an
-- upvalue), so that what it built stays reachable until the host has
-- restored the upvalue, and the last allocation that failed was a small
-- one. The host must not need memory it cannot get to report the error.
local keep

function allow(subject, action, resource, context)
	if action == "product:delete" then
		keep = {}
		local node = keep
		while true do
			node.n = {}
			node = node.n
		end
	end
	return base.allow(subject, action, resource, context)
end
