-- Hostile: allow() grows a table (product:delete) or a string
-- (product:update) without end. Each must deny, and the state must keep
-- answering afterwards however often it happens.
function allow(subject, action, resource, context)
	if action == "product:delete" then
		local t = {}
		for i = 1, math.maxinteger do
			t[i] = { i, i, i, i }
		end
	end
	if action == "product:update" then
		local s = ("y"):rep(4096)
		while true do
			s = s .. s
		end
	end
	return base.allow(subject, action, resource, context)
end
