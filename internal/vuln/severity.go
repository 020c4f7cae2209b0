package vuln

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/eventsec/eventsec/internal/vuln/cvss"
	"github.com/eventsec/eventsec/internal/vuln/osv"
)

// Severity is a qualitative rating, the CVSS v3 scale.
type Severity string

// The ratings, from least to most severe.
const (
	SeverityUnknown  Severity = "unknown"
	SeverityNone     Severity = "none"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Rank orders severities: unknown 0, none 1, low 2 ... critical 5.
func (s Severity) Rank() int {
	switch s {
	case SeverityNone:
		return 1
	case SeverityLow:
		return 2
	case SeverityMedium:
		return 3
	case SeverityHigh:
		return 4
	case SeverityCritical:
		return 5
	}
	return 0
}

// ParseSeverity reads a rating word as databases write it: CVSS's
// none/low/medium/high/critical, GitHub's MODERATE, Red Hat's Important
// and Moderate, Debian's urgencies (unimportant counts as low), Ubuntu's
// priorities (negligible counts as low). Anything else, including "not
// yet assigned", is SeverityUnknown.
func ParseSeverity(s string) Severity {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return SeverityCritical
	case "high", "important":
		return SeverityHigh
	case "medium", "moderate":
		return SeverityMedium
	case "low", "negligible", "unimportant":
		return SeverityLow
	case "none":
		return SeverityNone
	}
	return SeverityUnknown
}

// rating is the severity decided for one affected package.
type rating struct {
	Level  Severity
	Score  float64
	Source string // human: which vector or field the rating comes from
}

// label is a rating word found in a record, with where it was found.
type label struct {
	level Severity
	from  string
}

// rate decides the severity of one affected entry of a record:
//
//  1. a CVSS v3 vector (the entry's own, else the record's): its exact
//     base score and rating;
//  2. a CVSS v4 vector: its approximate score (see cvss.V4), rated by the
//     database's own word when there is one, else by the score;
//  3. the database's own word: an "Ubuntu" severity entry, Debian's
//     urgency, Ubuntu's priority, the severity of GitHub, Red Hat and
//     others in database_specific;
//  4. a CVSS v2 vector, rated on the v2 scale.
//
// Vectors that do not parse are reported through warn and skipped.
func rate(rec *osv.Record, a *osv.Affected, warn func(string)) rating {
	var v3, v4, v2 *cvss.Result
	var v3vec, v4vec, v2vec string
	for _, sevs := range [][]osv.Severity{a.Severity, rec.Severity} {
		for _, s := range sevs {
			var slot **cvss.Result
			var vec *string
			switch strings.ToUpper(s.Type) {
			case "CVSS_V3":
				slot, vec = &v3, &v3vec
			case "CVSS_V4":
				slot, vec = &v4, &v4vec
			case "CVSS_V2":
				slot, vec = &v2, &v2vec
			default:
				continue
			}
			if *slot != nil {
				continue // the entry's own vector wins over the record's
			}
			r, err := cvss.Score(s.Score)
			if err != nil {
				warn(fmt.Sprintf("severity %s ignored: %v", s.Type, err))
				continue
			}
			*slot, *vec = &r, s.Score
		}
	}
	lab := findLabel(rec, a)
	switch {
	case v3 != nil:
		return rating{Level: Severity(cvss.Rating(v3.Score)), Score: v3.Score, Source: fmt.Sprintf("CVSS %s base score %.1f (%s)", v3.Version, v3.Score, v3vec)}
	case v4 != nil && lab.level != SeverityUnknown:
		return rating{Level: lab.level, Score: v4.Score, Source: fmt.Sprintf("%s; CVSS 4.0 score %.1f approximated from %s", lab.from, v4.Score, v4vec)}
	case v4 != nil:
		return rating{Level: Severity(cvss.Rating(v4.Score)), Score: v4.Score, Source: fmt.Sprintf("CVSS 4.0 score %.1f approximated from %s", v4.Score, v4vec)}
	case lab.level != SeverityUnknown:
		r := rating{Level: lab.level, Source: lab.from}
		if v2 != nil {
			r.Score = v2.Score
			r.Source += fmt.Sprintf("; CVSS 2.0 base score %.1f", v2.Score)
		}
		return r
	case v2 != nil:
		return rating{Level: Severity(cvss.RatingV2(v2.Score)), Score: v2.Score, Source: fmt.Sprintf("CVSS 2.0 base score %.1f (%s)", v2.Score, v2vec)}
	}
	return rating{Level: SeverityUnknown, Source: "no severity in the record"}
}

// findLabel looks for a database's own rating word, most specific first.
func findLabel(rec *osv.Record, a *osv.Affected) label {
	for _, sevs := range [][]osv.Severity{a.Severity, rec.Severity} {
		for _, s := range sevs {
			if strings.EqualFold(s.Type, "Ubuntu") {
				if l := ParseSeverity(s.Score); l != SeverityUnknown {
					return label{l, "Ubuntu priority " + s.Score}
				}
			}
		}
	}
	for _, src := range []struct {
		raw  json.RawMessage
		keys []string
	}{
		{a.EcosystemSpecific, []string{"severity", "urgency", "ubuntu_priority", "priority"}},
		{a.DatabaseSpecific, []string{"severity", "urgency", "priority"}},
		{rec.DatabaseSpecific, []string{"severity", "urgency", "priority"}},
	} {
		if len(src.raw) == 0 {
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(src.raw, &m) != nil {
			continue
		}
		for _, k := range src.keys {
			var word string
			if json.Unmarshal(m[k], &word) != nil {
				continue
			}
			if l := ParseSeverity(word); l != SeverityUnknown {
				return label{l, labelSource(rec.ID, k, word)}
			}
		}
	}
	return label{level: SeverityUnknown}
}

func labelSource(id, key, word string) string {
	switch {
	case key == "urgency":
		return "Debian urgency " + word
	case key == "ubuntu_priority" || key == "priority" && strings.HasPrefix(id, "UBUNTU"):
		return "Ubuntu priority " + word
	case strings.HasPrefix(id, "GHSA-"):
		return "GitHub severity " + word
	}
	return "database severity " + word
}
