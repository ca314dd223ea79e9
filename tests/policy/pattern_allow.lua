-- Hostile: a pattern that backtracks for ever inside one C call, where
-- the count hook never fires. It must deny within the budget.
function allow(subject, action, resource, context)
	if action == "product:delete" then
		return ("a"):rep(400):find(".-.-.-b") ~= nil
	end
	if action == "product:update" then
		local s = ("a"):rep(4000)
		return s:gsub("(.-)(.-)(.-)b", "%3%2%1") ~= s
	end
	return base.allow(subject, action, resource, context)
end
