-- Where an imported rule came from: the archive or directory given to the
-- import and the rule's file in it ("sigma.zip:rules/windows/x.yml"), so
-- that a reviewer can tell a pack's rule from one written in EventSec
-- (''), and which upload last replaced it.
ALTER TABLE rules ADD COLUMN imported_from TEXT NOT NULL DEFAULT '';
