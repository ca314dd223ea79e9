-- Hostile: a runaway loop while the policy loads. Must be refused
-- ("instruction budget exceeded"), quickly.
while true do end
