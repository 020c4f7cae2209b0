-- The source hash an import last gave a rule: while it equals the rule's
-- source_hash, nobody has edited the rule since, and a newer version of
-- the same file may replace it without being a conflict.
ALTER TABLE rules ADD COLUMN imported_hash TEXT NOT NULL DEFAULT '';
