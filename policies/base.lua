-- The base policy (docs/policies.md). Every organization starts from it;
-- an organization's own policy may add or replace roles and schemas and
-- replace any other name, but decisions on policy:* and member:* actions,
-- and password_ok, always come from this file alone.

roles = {
	admin = { "*" },
	manager = {
		"product:*", "customer:*", "order:*", "file:*", "member:read",
		"apikey:*", "audit:read", "policy:read",
	},
	clerk = {
		"product:read", "customer:*", "order:read", "order:create",
		"order:update", "order:confirm", "file:read", "file:create",
	},
	viewer = { "product:read", "customer:read", "order:read", "file:read" },
}

-- permits(role, action) is the host's: it checks the roles in force
-- (precomputed when the policy loads), so this stays fast.
function allow(subject, action, resource, context)
	if permits(subject.role, action) then
		return true
	end
	return false, "role " .. tostring(subject.role) .. " may not " .. action
end

local function has_class(s, class)
	return s:find(class) ~= nil
end

function password_ok(password, user)
	if utf8.len(password) == nil then
		return false, "must be valid UTF-8"
	end
	if utf8.len(password) < 12 then
		return false, "must be at least 12 characters"
	end
	if user and user.email and password:lower() == user.email:lower() then
		return false, "must not be the email address"
	end
	if not (has_class(password, "%a") and (has_class(password, "%A"))) then
		return false, "must mix letters with digits, spaces or symbols"
	end
	return true
end

schemas = {}

-- Each test states what it expects (expect_allow, expect_deny,
-- expect_valid, expect_invalid); a test that states nothing fails.
tests = {
	function()
		local s = { id = 1, kind = "user", role = "viewer" }
		expect_allow(s, "product:read", { type = "product" })
		expect_deny(s, "product:delete", { type = "product" })
	end,
	function()
		local s = { id = 1, kind = "user", role = "admin" }
		expect_allow(s, "policy:manage", { type = "policy" })
	end,
	function()
		local s = { id = 1, kind = "user", role = "nobody" }
		expect_deny(s, "product:read", { type = "product" })
	end,
}
