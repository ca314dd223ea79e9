-- Hostile: allow() runs away for one action (not the one the smoke
-- decision tries, so the policy compiles). Deciding it must deny with
-- an error, quickly, and the next decision must work.
function allow(subject, action, resource, context)
	if action == "product:delete" then
		while true do end
	end
	return base.allow(subject, action, resource, context)
end
