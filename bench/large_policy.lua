-- An organization policy that keeps about 6 MB after loading: a table of
-- 45,000 strings its allow goes on using (bench/hostile.sh and
-- tests/http/test_bounded_work.py). Within the 8 MiB a policy may keep.
local keep = {}
for i = 1, 45000 do keep[i] = string.rep("x", 80) .. i end
local base_allow = base.allow
function allow(subject, action, resource, context)
  if keep[45000] == nil then return false, "lost" end
  return base_allow(subject, action, resource, context)
end
