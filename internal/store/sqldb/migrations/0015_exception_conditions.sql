-- Rule exceptions with several conditions, all of which must hold: a JSON
-- array of {field, operator, value, values}. Rows written before keep ''
-- and are read as the one condition of their field, operator and value
-- columns, which new rows still fill when they hold a single condition of
-- an operator older releases know (else operator 'conditions', which
-- older releases never match, so that they suppress nothing they should not).
ALTER TABLE rule_exceptions ADD COLUMN conditions TEXT NOT NULL DEFAULT '';
