package detect

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/eventsec/eventsec/internal/detect/correlate"
	"github.com/eventsec/eventsec/internal/detect/jsonrule"
	"github.com/eventsec/eventsec/internal/detect/sigma"
)

// Rule formats.
const (
	FormatSigma = "sigma"
	FormatJSON  = "json"
)

// Rule kinds.
const (
	KindDetection   = "detection"
	KindCorrelation = "correlation"
	KindThreshold   = "threshold"
	KindFilter      = "filter"
)

// Kinds are every rule kind, as the rules list filters them.
var Kinds = []string{KindDetection, KindCorrelation, KindThreshold, KindFilter, KindScheduled}

// Packs are the packs a rule may belong to: the org's own rules, SigmaHQ's
// and EventSec's built-in ones.
var Packs = []string{"custom", "sigmahq", BuiltinPack}

// Levels, from least to most severe.
var Levels = []string{"informational", "low", "medium", "high", "critical"}

// MaxSourceBytes bounds one rule's source text.
const MaxSourceBytes = 1 << 20

// RuleError is a problem in a rule's source, at a line and column (1-based;
// 0 when unknown). File is set for rules read from a pack.
type RuleError struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	// Path names the problem's place in a JSON rule, as a client that
	// sent the rule object reads it (conditions[0].operator).
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
	// Status is set in an import report's failed list: FailedUnreadable
	// or FailedRefused, so that a client tells a file that is no valid
	// rule from a valid rule the org cannot take.
	Status string `json:"status,omitempty"`
}

// Why an imported file failed (RuleError.Status).
const (
	// FailedUnreadable: the file is not a valid rule (it does not parse
	// or compile).
	FailedUnreadable = "unreadable"
	// FailedRefused: the file is a valid rule that was not stored: its id
	// or Sigma name belongs to another rule (of the org or of the same
	// import), or its actions name a notification channel the org lacks.
	FailedRefused = "refused"
)

func (e RuleError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	} else if e.File != "" {
		b.WriteByte(' ')
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unit is one stored rule compiled: a Sigma file may hold several
// documents (a correlation with its base rules, filters); a JSON rule is
// one detection plus, with an aggregation, a threshold correlation.
type Unit struct {
	Format string
	Kind   string
	// The primary document's metadata (the correlation when there is one,
	// else the first document).
	ID, Title, Description, Author, Status, Level string
	Product, Category, Service                    string
	Tags, References, FalsePositives              []string

	Sigma        []*sigma.Rule
	Filters      []*sigma.Filter
	Correlations []*correlate.Rule
	JSON         *jsonrule.Rule
	// JSONCorrelation is the JSON rule's aggregation as an event_count
	// correlation over the rule itself.
	JSONCorrelation *correlate.Rule
	// KQL is a scheduled KQL rule.
	KQL *ScheduledRule
	// Alerting lists the document IDs whose own matches raise alerts: all
	// detections and correlations, except base rules of a correlation in
	// the same unit (Sigma: their matches only feed it), and JSON rules
	// with an aggregation.
	Alerting map[string]bool
	Source   string
	Hash     string
	// Warnings are problems that do not stop the rule from running
	// (Sigma metadata: unknown ATT&CK tags, status, dates; a JSON rule's
	// field names that are probably misspelt).
	Warnings []RuleError
	// refPos locates each correlation's rules entries in the source, by
	// correlation key, for the warnings about missing rules.
	refPos map[string][]RuleError
	// idPos locates each id and Sigma name of the unit's documents (the
	// id: or name: key; a JSON rule's id or name value), for errors about
	// them: a clash with another rule is reported where it is written.
	idPos map[string]RuleError
}

// refError is an error about one of the unit's ids or names, at its
// place in the source (line 1 when unknown).
func (u *Unit) refError(file, value, msg string) RuleError {
	e := RuleError{File: file, Line: 1, Column: 1, Message: msg}
	if p, ok := u.idPos[value]; ok && p.Line > 0 {
		e.Line, e.Column = p.Line, p.Column
	}
	return e
}

// SourceHash is the hex SHA-256 of a rule's source.
func SourceHash(src string) string {
	h := sha256.Sum256([]byte(src))
	return hex.EncodeToString(h[:])
}

// Compile parses and checks a rule's source. file names it in errors
// (may be empty).
func Compile(format, source, file string) (*Unit, []RuleError) {
	if len(source) > MaxSourceBytes {
		return nil, []RuleError{{File: file, Message: fmt.Sprintf("the rule is %d bytes; the limit is %d", len(source), MaxSourceBytes)}}
	}
	if strings.TrimSpace(source) == "" {
		return nil, []RuleError{{File: file, Line: 1, Column: 1, Message: "the rule is empty"}}
	}
	switch format {
	case FormatSigma, "":
		return compileSigma(source, file)
	case FormatJSON:
		return compileJSON(source, file)
	case FormatKQL:
		return compileKQLRule(source, file)
	}
	return nil, []RuleError{{File: file, Message: fmt.Sprintf("unknown format %q (want sigma, json or kql)", format)}}
}

// GuessFormat says whether a source looks like a JSON rule or YAML.
func GuessFormat(source string) string {
	if strings.HasPrefix(strings.TrimSpace(source), "{") {
		return FormatJSON
	}
	return FormatSigma
}

func toRuleError(err error, file string) RuleError {
	var se *sigma.Error
	if errors.As(err, &se) {
		f := se.File
		if f == "" {
			f = file
		}
		return RuleError{File: f, Line: se.Line, Column: se.Column, Message: se.Msg}
	}
	var ce *correlate.Error
	if errors.As(err, &ce) {
		f := ce.File
		if f == "" {
			f = file
		}
		return RuleError{File: f, Line: ce.Line, Column: ce.Column, Message: ce.Msg}
	}
	var je *jsonrule.Error
	if errors.As(err, &je) {
		return RuleError{File: file, Line: je.Line, Column: je.Column, Path: je.Path, Message: je.Msg}
	}
	return RuleError{File: file, Message: err.Error()}
}

func compileSigma(source, file string) (*Unit, []RuleError) {
	docs, errs := sigma.ParseDocuments([]byte(source), file)
	var out []RuleError
	for _, err := range errs {
		out = append(out, toRuleError(err, file))
	}
	if len(docs) == 0 && len(out) == 0 {
		return nil, []RuleError{{File: file, Line: 1, Column: 1, Message: "no Sigma rule in the document"}}
	}
	// The documents that parsed are checked even when others did not, so
	// that one answer reports every problem found.
	u := &Unit{Format: FormatSigma, Source: source, Hash: SourceHash(source), Alerting: map[string]bool{}, refPos: map[string][]RuleError{},
		idPos: map[string]RuleError{}}
	var primary *sigma.Meta
	var primaryRule *sigma.Rule
	referenced := map[string]bool{}
	for i := range docs {
		d := &docs[i]
		u.Warnings = append(u.Warnings, metaWarnings(d, file)...)
		id := d.Meta.ID
		if id == "" {
			id = d.Meta.Name
		}
		if id == "" {
			out = append(out, missingID(file, d.Line, d.Meta.Title))
			continue
		}
		if dup := u.docRefs(d, file); len(dup) > 0 {
			out = append(out, dup...)
			continue
		}
		switch d.Kind {
		case sigma.KindRule:
			u.Sigma = append(u.Sigma, d.Rule)
			if primary == nil {
				primary, primaryRule = &d.Meta, d.Rule
			}
		case sigma.KindFilter:
			u.Filters = append(u.Filters, d.Filter)
			if primary == nil {
				primary = &d.Meta
			}
		case sigma.KindCorrelation:
			c, err := correlate.Parse(d.Node, file)
			if err != nil {
				out = append(out, toRuleError(err, file))
				continue
			}
			u.Correlations = append(u.Correlations, c)
			u.refPos[c.Key()] = refPositions(d.Node, len(c.Correlation.Rules))
			for _, ref := range c.Correlation.Rules {
				referenced[ref] = true
			}
			if u.Kind != KindCorrelation {
				primary = &d.Meta
				u.Kind = KindCorrelation
			}
		}
	}
	if len(errs) > 0 {
		parsed := map[int]bool{}
		for _, d := range docs {
			parsed[d.Line] = true
		}
		for _, e := range idlessDocs(source, file) {
			if !parsed[e.Line] {
				out = append(out, e)
			}
		}
	}
	if len(out) > 0 {
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].Line != out[j].Line {
				return out[i].Line < out[j].Line
			}
			return out[i].Column < out[j].Column
		})
		return nil, out
	}
	switch {
	case u.Kind == KindCorrelation:
	case len(u.Sigma) > 0:
		u.Kind = KindDetection
	default:
		u.Kind = KindFilter
	}
	for _, r := range u.Sigma {
		// A base rule of a correlation in the same file only feeds it,
		// unless the correlation asks to generate its matches too.
		if (referenced[r.ID] || (r.Name != "" && referenced[r.Name])) && !generates(u.Correlations, r) {
			continue
		}
		u.Alerting[r.Key()] = true
	}
	for _, c := range u.Correlations {
		u.Alerting[c.Key()] = true
	}
	u.ID = primary.ID
	if u.ID == "" {
		u.ID = primary.Name
	}
	u.Title, u.Level, u.Tags = primary.Title, strings.ToLower(primary.Level), primary.Tags
	if u.Title == "" {
		u.Title = u.ID
	}
	if u.Level == "" {
		u.Level = "medium"
	}
	if !contains(Levels, u.Level) {
		return nil, []RuleError{{File: file, Line: 1, Column: 1, Message: fmt.Sprintf("unknown level %q (want one of %s)", u.Level, strings.Join(Levels, ", "))}}
	}
	if primaryRule == nil && len(u.Sigma) > 0 {
		primaryRule = u.Sigma[0]
	}
	if primaryRule != nil {
		u.Product, u.Category, u.Service = primaryRule.Logsource.Product, primaryRule.Logsource.Category, primaryRule.Logsource.Service
		if u.Kind == KindDetection || u.Kind == KindCorrelation {
			u.Description, u.Author, u.Status = primaryRule.Description, primaryRule.Author, primaryRule.Status
			u.References, u.FalsePositives = primaryRule.References, primaryRule.FalsePositives
		}
	}
	if u.Kind == KindCorrelation {
		c := u.Correlations[0]
		if c.Description != "" {
			u.Description = c.Description
		}
		if c.Author != "" {
			u.Author = c.Author
		}
		if c.Status != "" {
			u.Status = c.Status
		}
		// The correlation's own references and false positives, not those
		// of the rule it counts (that rule has its own page of them).
		if len(c.References) > 0 {
			u.References = c.References
		}
		if len(c.FalsePositives) > 0 {
			u.FalsePositives = c.FalsePositives
		}
		if len(u.Tags) == 0 && primaryRule != nil {
			u.Tags = primaryRule.Tags
		}
	}
	return u, nil
}

// docRefs records where a document's id and name are written, and
// returns an error for each that an earlier document of the file already
// has: ids and names are one namespace (a correlation's rules: entry
// names either), and each must lead to one document, so a duplicate name
// is refused as a duplicate id is, at its own key.
func (u *Unit) docRefs(d *sigma.Doc, file string) []RuleError {
	type docRef struct {
		key, value string
	}
	refs := []docRef{{"id", d.Meta.ID}}
	if d.Meta.Name != d.Meta.ID {
		refs = append(refs, docRef{"name", d.Meta.Name})
	}
	var out []RuleError
	for _, r := range refs {
		if r.value == "" {
			continue
		}
		at := RuleError{File: file, Line: d.Line, Column: 1}
		if k, _ := mapValue(d.Node, r.key); k != nil {
			at.Line, at.Column = k.Line, k.Column
		}
		first, dup := u.idPos[r.value]
		if !dup {
			u.idPos[r.value] = at
			continue
		}
		if r.key == "name" {
			at.Message = fmt.Sprintf("duplicate name %q (first at line %d): Sigma names must be unique, since correlations reference rules by them; rename one", r.value, first.Line)
		} else {
			at.Message = fmt.Sprintf("duplicate rule id %s (first at line %d)", r.value, first.Line)
		}
		out = append(out, at)
	}
	return out
}

func generates(cs []*correlate.Rule, r *sigma.Rule) bool {
	for _, c := range cs {
		for _, ref := range c.Correlation.Rules {
			if (ref == r.ID || (r.Name != "" && ref == r.Name)) && c.Generate {
				return true
			}
		}
	}
	return false
}

func compileJSON(source, file string) (*Unit, []RuleError) {
	jr, err := jsonrule.Parse([]byte(source))
	var all jsonrule.Errors
	if errors.As(err, &all) {
		out := make([]RuleError, len(all))
		for i, e := range all {
			out[i] = toRuleError(e, file)
		}
		return nil, out
	}
	if err != nil {
		return nil, []RuleError{toRuleError(err, file)}
	}
	u := &Unit{Format: FormatJSON, Kind: KindDetection, Source: source, Hash: SourceHash(source), JSON: jr,
		Title: jr.Name, Description: jr.Description, Level: jr.Level, Tags: jr.Tags, Alerting: map[string]bool{}}
	u.ID = jr.ID
	key := "id"
	if u.ID == "" {
		// The seed's rules have no id: derive a stable one from the name so
		// that re-importing the same rule updates it.
		u.ID = "json-" + SourceHash(strings.ToLower(jr.Name))[:16]
		key = "name"
	}
	l, c := jsonrule.Position([]byte(source), key)
	u.idPos = map[string]RuleError{u.ID: {Line: l, Column: c}}
	for _, w := range jr.Warnings {
		u.Warnings = append(u.Warnings, toRuleError(w, file))
	}
	jr.ID = u.ID
	if jr.Aggregation == nil {
		u.Alerting[u.ID] = true
		return u, nil
	}
	u.Kind = KindThreshold
	threshold := float64(jr.Aggregation.Threshold)
	u.JSONCorrelation = &correlate.Rule{
		ID: u.ID + ":threshold", Title: jr.Name, Level: jr.Level, Tags: jr.Tags,
		Correlation: correlate.Correlation{
			Type: correlate.EventCount, Rules: []string{u.ID}, GroupBy: jr.Aggregation.GroupBy,
			Timespan:  jr.Aggregation.Window,
			Condition: correlate.Condition{GTE: &threshold},
		},
	}
	u.Alerting[u.JSONCorrelation.ID] = true
	return u, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
