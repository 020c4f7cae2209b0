package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Parse reads one OSV record or a JSON array of records. Every record that
// is well-formed is returned; every one that is not is described by a
// RecordError, so one bad record never hides the others. A syntax error
// ends the document there: records before it are still returned.
func Parse(data []byte) ([]Record, []*RecordError) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	start := skipSpace(data, 0)
	if start == len(data) {
		return nil, []*RecordError{{Index: -1, Path: "$", Offset: 0, Err: fmt.Errorf("%w: empty document", ErrSyntax)}}
	}
	switch data[start] {
	case '{':
		rec, rerr := parseOne(data[start:], -1, int64(start))
		if rerr != nil {
			return nil, []*RecordError{rerr}
		}
		return []Record{rec}, nil
	case '[':
		return parseArray(data)
	}
	return nil, []*RecordError{{Index: -1, Path: "$", Offset: int64(start),
		Err: fmt.Errorf("%w: document is neither a JSON object nor an array", ErrInvalid)}}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r' || data[i] == ',') {
		i++
	}
	return i
}

func parseArray(data []byte) ([]Record, []*RecordError) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '['
		return nil, []*RecordError{syntaxError(-1, "$", 0, err)}
	}
	var recs []Record
	var errs []*RecordError
	for i := 0; dec.More(); i++ {
		off := int64(skipSpace(data, int(dec.InputOffset())))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			errs = append(errs, syntaxError(i, fmt.Sprintf("$[%d]", i), off, err))
			return recs, errs
		}
		if len(raw) == 0 || raw[0] != '{' {
			errs = append(errs, &RecordError{Index: i, Path: fmt.Sprintf("$[%d]", i), Offset: off,
				Err: fmt.Errorf("%w: array element is not an object", ErrInvalid)})
			continue
		}
		rec, rerr := parseOne(raw, i, off)
		if rerr != nil {
			errs = append(errs, rerr)
			continue
		}
		recs = append(recs, rec)
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) { // ']'
		errs = append(errs, syntaxError(-1, "$", dec.InputOffset(), err))
	} else if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		errs = append(errs, &RecordError{Index: -1, Path: "$", Offset: dec.InputOffset(),
			Err: fmt.Errorf("%w: data after the top-level array", ErrSyntax)})
	}
	return recs, errs
}

func syntaxError(index int, path string, base int64, err error) *RecordError {
	off := base
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = errors.New("unexpected end of JSON input")
	}
	return &RecordError{Index: index, Path: path, Offset: off, Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
}

// parseOne decodes and validates one record object, raw, which starts at
// byte base of the document.
func parseOne(raw []byte, index int, base int64) (Record, *RecordError) {
	prefix := "$"
	if index >= 0 {
		prefix = fmt.Sprintf("$[%d]", index)
	}
	var w wireRecord
	if err := json.Unmarshal(raw, &w); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			path := prefix
			if te.Field != "" {
				path += "." + te.Field
			}
			return Record{}, &RecordError{Index: index, Path: path, Offset: base + te.Offset,
				Err: fmt.Errorf("%w: the value is a JSON %s, want %s", ErrInvalid, te.Value, te.Type)}
		case errors.As(err, &se):
			return Record{}, &RecordError{Index: index, Path: prefix, Offset: base + se.Offset, Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
		}
		return Record{}, &RecordError{Index: index, Path: prefix, Offset: base, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	rec, path, err := w.record()
	rec.Position = index
	if err != nil {
		return Record{}, &RecordError{Index: index, ID: w.ID, Path: prefix + path, Offset: -1,
			Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	return rec, nil
}

type wireRecord struct {
	SchemaVersion    string          `json:"schema_version"`
	ID               string          `json:"id"`
	Modified         string          `json:"modified"`
	Published        string          `json:"published"`
	Withdrawn        string          `json:"withdrawn"`
	Aliases          []string        `json:"aliases"`
	Upstream         []string        `json:"upstream"`
	Related          []string        `json:"related"`
	Summary          string          `json:"summary"`
	Details          string          `json:"details"`
	Severity         []wireSeverity  `json:"severity"`
	Affected         []wireAffected  `json:"affected"`
	References       []wireReference `json:"references"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

type wireSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type wireAffected struct {
	Package           *wirePackage    `json:"package"`
	Severity          []wireSeverity  `json:"severity"`
	Ranges            []wireRange     `json:"ranges"`
	Versions          []string        `json:"versions"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific"`
	DatabaseSpecific  json.RawMessage `json:"database_specific"`
}

type wirePackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl"`
}

type wireRange struct {
	Type   string      `json:"type"`
	Repo   string      `json:"repo"`
	Events []wireEvent `json:"events"`
}

type wireEvent struct {
	Introduced   *string `json:"introduced"`
	Fixed        *string `json:"fixed"`
	LastAffected *string `json:"last_affected"`
	Limit        *string `json:"limit"`
}

type wireReference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// record validates w and converts it; on error it returns the JSON path
// (relative to the record) of the offending value.
func (w *wireRecord) record() (Record, string, error) {
	r := Record{
		SchemaVersion:    w.SchemaVersion,
		ID:               strings.TrimSpace(w.ID),
		Aliases:          w.Aliases,
		Upstream:         w.Upstream,
		Related:          w.Related,
		Summary:          w.Summary,
		Details:          w.Details,
		Severity:         severities(w.Severity),
		DatabaseSpecific: nullToNil(w.DatabaseSpecific),
	}
	if r.ID == "" {
		return r, ".id", errors.New("id is missing or empty")
	}
	var err error
	if r.Modified, err = parseTime(w.Modified); err != nil {
		return r, ".modified", err
	}
	if r.Published, err = parseTime(w.Published); err != nil {
		return r, ".published", err
	}
	if r.Withdrawn, err = parseTime(w.Withdrawn); err != nil {
		return r, ".withdrawn", err
	}
	for _, ref := range w.References {
		r.References = append(r.References, Reference(ref))
	}
	r.Affected = make([]Affected, 0, len(w.Affected))
	for i, wa := range w.Affected {
		a := Affected{
			Severity:          severities(wa.Severity),
			Versions:          wa.Versions,
			EcosystemSpecific: nullToNil(wa.EcosystemSpecific),
			DatabaseSpecific:  nullToNil(wa.DatabaseSpecific),
		}
		path := fmt.Sprintf(".affected[%d]", i)
		if wa.Package != nil {
			a.Package = Package{
				Ecosystem: strings.TrimSpace(wa.Package.Ecosystem),
				Name:      strings.TrimSpace(wa.Package.Name),
				PURL:      wa.Package.PURL,
			}
			// The schema requires both; a package without them cannot be
			// matched and would be silently useless.
			if a.Package.Ecosystem == "" {
				return r, path + ".package.ecosystem", errors.New("package ecosystem is missing or empty")
			}
			if a.Package.Name == "" {
				return r, path + ".package.name", errors.New("package name is missing or empty")
			}
		}
		for j, wr := range wa.Ranges {
			rg, sub, err := wr.rangeOf()
			if err != nil {
				return r, fmt.Sprintf("%s.ranges[%d]%s", path, j, sub), err
			}
			a.Ranges = append(a.Ranges, rg)
		}
		r.Affected = append(r.Affected, a)
	}
	return r, "", nil
}

func (w *wireRange) rangeOf() (Range, string, error) {
	rg := Range{Type: RangeType(strings.ToUpper(strings.TrimSpace(w.Type))), Repo: w.Repo}
	switch rg.Type {
	case RangeEcosystem, RangeSemVer, RangeGit:
	case "":
		return rg, ".type", errors.New("range type is missing")
	default:
		return rg, ".type", fmt.Errorf("unknown range type %q (want ECOSYSTEM, SEMVER or GIT)", clip(w.Type))
	}
	if len(w.Events) == 0 {
		return rg, ".events", errors.New("range has no events")
	}
	introduced := false
	for k, we := range w.Events {
		var ev Event
		n := 0
		for _, c := range []struct {
			kind EventKind
			v    *string
		}{{Introduced, we.Introduced}, {Fixed, we.Fixed}, {LastAffected, we.LastAffected}, {Limit, we.Limit}} {
			if c.v != nil {
				n++
				ev = Event{Kind: c.kind, Version: strings.TrimSpace(*c.v)}
			}
		}
		path := fmt.Sprintf(".events[%d]", k)
		switch {
		case n == 0:
			return rg, path, errors.New("event has none of introduced, fixed, last_affected, limit")
		case n > 1:
			return rg, path, errors.New("event has more than one of introduced, fixed, last_affected, limit")
		case ev.Version == "":
			return rg, path + "." + ev.Kind.String(), errors.New("event version is empty")
		}
		introduced = introduced || ev.Kind == Introduced
		rg.Events = append(rg.Events, ev)
	}
	if !introduced {
		return rg, ".events", errors.New("range has no introduced event")
	}
	return rg, "", nil
}

func severities(ws []wireSeverity) []Severity {
	var out []Severity
	for _, s := range ws {
		out = append(out, Severity{Type: strings.TrimSpace(s.Type), Score: strings.TrimSpace(s.Score)})
	}
	return out
}

func nullToNil(m json.RawMessage) json.RawMessage {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	return m
}

// parseTime reads the RFC 3339 timestamps the schema requires, and the
// zone-less and date-only forms some feeds write.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp", clip(s))
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
