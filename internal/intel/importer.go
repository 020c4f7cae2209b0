package intel

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// Format is an indicator document format.
type Format string

// Import formats.
const (
	FormatSTIX  Format = "stix"  // a STIX 2.1 bundle
	FormatMISP  Format = "misp"  // a MISP event (or a list of them, or a REST search response)
	FormatCSV   Format = "csv"   // header-driven CSV: type,value,...
	FormatPlain Format = "plain" // one value per line, type detected, # comments
	// FormatMISPFeed is a MISP feed: manifest.json beside <uuid>.json
	// events. Feeds only (it spans several documents).
	FormatMISPFeed Format = "misp-feed"
)

// Formats lists the formats a feed may have.
var Formats = []Format{FormatSTIX, FormatMISP, FormatMISPFeed, FormatCSV, FormatPlain}

// Candidate is an indicator read from a document, normalized, before the
// import's defaults are applied and it is stored. Zero values are unset.
type Candidate struct {
	Type        Type
	Value       string
	Confidence  int // -1 when the document does not say
	Severity    string
	Tags        []string
	Description string
	ExactOnly   bool
	FirstSeen   time.Time
	LastSeen    time.Time
	ExpiresAt   *time.Time
	// Record is the 1-based record the candidate came from.
	Record int
}

// RecordError is one record that could not be imported: which document,
// which record (1-based: a bundle object, a MISP attribute, a CSV row, a
// line), its line when known, the field and why.
type RecordError struct {
	File   string `json:"file"`
	Record int    `json:"record"`
	Line   int    `json:"line,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
	// Unsupported: the record is valid but cannot be represented (a STIX
	// pattern with AND), as opposed to malformed.
	Unsupported bool `json:"unsupported,omitempty"`
}

func (e RecordError) Error() string {
	where := e.File
	if e.Line > 0 {
		where += fmt.Sprintf(":%d", e.Line)
	}
	return fmt.Sprintf("%s: record %d: %s: %s", where, e.Record, e.Field, e.Reason)
}

// Parsed is what an importer read from one document.
type Parsed struct {
	Indicators []Candidate
	Errors     []RecordError
	// Skipped counts records that are not indicators for detection (STIX
	// objects of other types, MISP attributes with to_ids false or of a
	// type without an indicator type), by reason.
	Skipped map[string]int
	// Warnings are remarks on the whole document (unknown CSV columns).
	Warnings []string
}

func (p *Parsed) skip(reason string) {
	if p.Skipped == nil {
		p.Skipped = map[string]int{}
	}
	p.Skipped[reason]++
}

func (p *Parsed) fail(e RecordError) { p.Errors = append(p.Errors, e) }

// Parse reads a document of the given format. The error is for a document
// that cannot be read at all (not JSON, no CSV header); problems with
// single records are in Parsed.Errors and the other records import.
func Parse(f Format, name string, data []byte) (Parsed, error) {
	switch f {
	case FormatSTIX:
		return parseSTIX(name, data)
	case FormatMISP:
		return parseMISP(name, data)
	case FormatCSV:
		return parseCSV(name, data)
	case FormatPlain:
		return parsePlain(name, data, "")
	}
	return Parsed{}, fmt.Errorf("%w: format: %q is not one of stix, misp, csv, plain", ErrInvalid, f)
}

// DetectFormat guesses a document's format from its name and first bytes.
func DetectFormat(name string, data []byte) Format {
	head := bytes.TrimSpace(data[:min(len(data), 4096)])
	if len(head) > 0 && (head[0] == '{' || head[0] == '[') {
		if bytes.Contains(head, []byte(`"bundle"`)) || bytes.Contains(head, []byte(`"spec_version"`)) ||
			bytes.Contains(head, []byte(`"type": "indicator"`)) || bytes.Contains(head, []byte(`"type":"indicator"`)) {
			return FormatSTIX
		}
		return FormatMISP
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".csv":
		return FormatCSV
	case ".json":
		return FormatMISP
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	if l := strings.ToLower(string(first)); strings.Contains(l, "type") && strings.Contains(l, "value") && strings.Contains(l, ",") {
		return FormatCSV
	}
	return FormatPlain
}

// refang undoes the usual defanging of shared indicators: hxxp://,
// evil[.]example, 192.0.2[.]1, [@], [:].
func refang(v string) string {
	if !strings.ContainsAny(v, "[(x") {
		return v
	}
	r := strings.NewReplacer("[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "[:]", ":", "[@]", "@", "[at]", "@", "[/]", "/")
	v = r.Replace(v)
	lower := strings.ToLower(v)
	switch {
	case strings.HasPrefix(lower, "hxxps://"):
		v = "https://" + v[8:]
	case strings.HasPrefix(lower, "hxxp://"):
		v = "http://" + v[7:]
	case strings.HasPrefix(lower, "fxp://"):
		v = "ftp://" + v[6:]
	}
	return v
}

// splitTags splits a tag list written with ; , or | and drops blanks.
func splitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '|' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// SkippedList returns the skip reasons in a stable order, for reports.
func (p *Parsed) SkippedList() []string {
	out := make([]string, 0, len(p.Skipped))
	for k, n := range p.Skipped {
		out = append(out, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(out)
	return out
}
