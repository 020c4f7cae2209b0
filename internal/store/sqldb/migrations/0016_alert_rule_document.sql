-- The rule document that raised an alert: a Sigma file holds several
-- documents (a base rule and its correlations, each with its own id,
-- title, level and tags), and rule_id names the file. rule_document_id is
-- the document's id (its Sigma name when it has no id) and rule_name its
-- title. Nullable: alerts raised before keep NULL and read as ''.
ALTER TABLE alerts ADD COLUMN rule_document_id TEXT;
ALTER TABLE alerts ADD COLUMN rule_name TEXT;
