// Package osv reads vulnerability records in the Open Source
// Vulnerability format (https://ossf.github.io/osv-schema/): one record
// or an array of records per JSON document, each checked against the
// parts of the schema that matching depends on, with errors that name the
// record and the JSON path of the offending value.
package osv

import (
	"encoding/json"
	"time"
)

// Record is one OSV vulnerability record.
type Record struct {
	SchemaVersion string
	ID            string
	Modified      time.Time
	Published     time.Time
	Withdrawn     time.Time // zero unless withdrawn
	Aliases       []string
	Upstream      []string
	Related       []string
	Summary       string
	Details       string
	Severity      []Severity
	Affected      []Affected
	References    []Reference
	// DatabaseSpecific is the record's database_specific object, verbatim.
	DatabaseSpecific json.RawMessage
	// Position is the record's index in the document's top-level array,
	// -1 for a document that is one record; it is not part of OSV.
	Position int
}

// Severity is one entry of a severity array: a CVSS vector for the
// CVSS_V2, CVSS_V3 and CVSS_V4 types, a priority word for "Ubuntu".
type Severity struct {
	Type  string
	Score string
}

// Affected is one affected package with its ranges and versions.
type Affected struct {
	Package  Package
	Severity []Severity
	Ranges   []Range
	Versions []string
	// EcosystemSpecific and DatabaseSpecific are kept verbatim.
	EcosystemSpecific json.RawMessage
	DatabaseSpecific  json.RawMessage
}

// Package names a package within an ecosystem.
type Package struct {
	Ecosystem string // e.g. "Debian:12", "PyPI"
	Name      string
	PURL      string
}

// RangeType is the interpretation of a range's versions.
type RangeType string

// The range types of the schema.
const (
	RangeEcosystem RangeType = "ECOSYSTEM"
	RangeSemVer    RangeType = "SEMVER"
	RangeGit       RangeType = "GIT"
)

// Range is a timeline of events over one version ordering.
type Range struct {
	Type   RangeType
	Repo   string
	Events []Event
}

// EventKind says what an event marks.
type EventKind uint8

// The event kinds of the schema.
const (
	Introduced EventKind = iota + 1
	Fixed
	LastAffected
	Limit
)

// String returns the schema's name of the event kind.
func (k EventKind) String() string {
	switch k {
	case Introduced:
		return "introduced"
	case Fixed:
		return "fixed"
	case LastAffected:
		return "last_affected"
	case Limit:
		return "limit"
	}
	return "unknown"
}

// Event is one point of a range's timeline.
type Event struct {
	Kind    EventKind
	Version string
}

// Reference is a link about the vulnerability.
type Reference struct {
	Type string
	URL  string
}
