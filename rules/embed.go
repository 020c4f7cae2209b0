// Package rules holds EventSec's own Sigma rule pack, embedded in the
// binary. The files and their test cases are described in
// eventsec/README.md.
package rules

import "embed"

// FS holds the pack under "eventsec/": rule files in eventsec/linux,
// eventsec/windows, eventsec/web and eventsec/application (one rule, or a
// correlation and the rules it correlates, per file), their test cases in
// eventsec/tests (same base name), and eventsec/README.md.
//
//go:embed eventsec
var FS embed.FS
