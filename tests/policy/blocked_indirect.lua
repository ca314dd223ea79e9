-- Hostile: the roads around the allow-list. Each line is one attempt; the
-- policy's tests assert that every one of them came back empty, so this
-- file compiles only if the sandbox holds.
local attempts = {
	function() return _G end,
	function() return _ENV.os end,
	function() return rawget(_ENV, "io") end,
	function() return ("").dump end,
	function() return string.dump end,
	function() return math.random end,
	function() return math.randomseed end,
	function() return package end,
	function() return utf8.os end,
	function() return table.os end,
	function() return string.gsub("", "", "").os end,
}

tests = {
	function()
		for i, f in ipairs(attempts) do
			local ok, v = pcall(f)
			assert(not ok or v == nil, "attempt " .. i .. " escaped")
		end
		-- and the policy still decides as the base does
		expect_allow({ id = 1, kind = "user", role = "viewer" },
		    "product:read", { type = "product" })
	end,
}
