-- Hostile: loops inside one call of a library function written in C,
-- where the count hook never fires and no memory is needed: table.move
-- over a huge empty range (product:delete) and string.rep of an empty
-- string a huge number of times (product:update). The first must deny
-- within the budget, the second return "" at once.
function allow(subject, action, resource, context)
	if action == "product:delete" then
		table.move({}, 1, math.maxinteger - 1, 1, {})
		return true
	end
	if action == "product:update" then
		local s = string.rep("", math.maxinteger)
		return true
	end
	return base.allow(subject, action, resource, context)
end
