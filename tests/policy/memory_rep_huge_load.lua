-- Hostile: one string.rep far over the memory budget, in a single C call.
local s = string.rep("x", 1 << 30)
