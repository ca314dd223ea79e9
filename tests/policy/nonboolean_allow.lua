-- Hostile: allow() answers something other than a boolean, or errors,
-- for some actions. Each must deny with an error.
function allow(subject, action, resource, context)
	if action == "product:delete" then
		return nil
	elseif action == "product:update" then
		return "yes"
	elseif action == "product:create" then
		return 1
	elseif action == "order:delete" then
		return
	elseif action == "order:ship" then
		return {}
	elseif action == "order:cancel" then
		error("boom")
	elseif action == "order:confirm" then
		error({ "not a string" })
	end
	return base.allow(subject, action, resource, context)
end
