-- Hostile: a string that doubles without end while the policy loads.
local s = ("x"):rep(1024)
while true do
	s = s .. s
end
