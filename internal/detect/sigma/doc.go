// Package sigma parses Sigma rules (specification v2: detection rules,
// filters, v1 rule collections) and matches them against normalized
// events, fast.
//
// Parse and ParseDocuments read rules from YAML; every problem is an
// *Error with the file, line and column. A Ruleset compiles rules into
// one matcher: NewRuleset, Add/AddAll/Remove, and Match, which is safe
// for concurrent use and does not allocate in steady state.
//
// # How matching works
//
// Each event is first routed by its Sigma logsources (EventLogsources;
// see MAPPING.md): only the rules whose product, category and service
// fit are looked at. For each class of events the rules are indexed by
// literals that any event they match must contain ("anchors", derived
// from the condition: the most selective item of an AND, all branches of
// an OR). An event's routed fields are scanned once for all anchors (a
// hash of equal values, prefix and suffix tries, and a 4-byte-gram
// filter for contained text), and only the rules whose anchors were
// found, plus the few that have none, are evaluated. Items shared by
// several rules are evaluated once per event; field values are read and
// case-folded once per event, in a per-goroutine scratch.
//
// # Semantics chosen where the specification leaves room
//
// Strings compare case-insensitively (Unicode simple folding), except
// with cased and re. Wildcards: * any run, ? one character, backslash
// escapes *, ? and itself only. A rule number matches the field's number
// or its decimal text. null and ” match a field that is absent or
// empty (the normalizer does not store empty values). neq negates the
// whole item, as pySigma does. Regular expressions use RE2 syntax and
// are searched anywhere in the value; contains/startswith/endswith after
// re change nothing. Keywords (values without a field) are searched, as
// substrings, in the event's raw text, in its plain, JSON-escaped and
// XML-escaped forms; an event without raw text is searched field by
// field. Placeholders come from Config.Placeholders; an undefined one
// makes Add fail (ErrPlaceholder) unless Config.WildcardPlaceholders.
// Filters are added as "(rule condition) and (filter condition)", as
// pySigma does. Time modifiers read RFC 3339, "2006-01-02 15:04:05" and
// Unix times, and may be followed by lt, lte, gt or gte.
package sigma
