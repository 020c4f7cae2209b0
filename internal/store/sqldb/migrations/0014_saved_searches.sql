-- Saved searches of the Events explorer live beside the saved KQL
-- queries: the language tells them apart, settings hold the explorer's
-- time range, severities and columns (a JSON object).
ALTER TABLE saved_queries ADD COLUMN language TEXT NOT NULL DEFAULT 'kql';
ALTER TABLE saved_queries ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
