-- Hostile: state kept between decisions in chunk locals, directly and
-- through a closure's own upvalue, and a table upvalue written to. Every
-- decision must give the same answer as the first.
local n = 0
local function make_counter()
	local c = 0
	return function()
		c = c + 1
		return c
	end
end
local counter = make_counter()
local seen = {}

function allow(subject, action, resource, context)
	if action == "order:read" then
		seen[#seen + 1] = true	-- a read-only view: always an error
		return true
	end
	if action == "customer:read" then
		return counter() == 1
	end
	n = n + 1
	return n == 1
end
