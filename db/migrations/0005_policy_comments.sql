-- A policy version's comment: why its author changed it (API.md section 5).
ALTER TABLE org_policies ADD COLUMN comment TEXT;
