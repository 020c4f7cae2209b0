package intel

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// ImportRequest is one document to import.
type ImportRequest struct {
	// Format is the document's format ("" detects it).
	Format Format
	Name   string // file name, for the report
	Data   []byte
	// Source names where the indicators come from (default "import");
	// re-importing into the same source updates instead of duplicating.
	Source string
	// Defaults for what the document does not say.
	Confidence *int
	Severity   string
	Tags       []string
	// Type forces the type of every value of a plain list.
	Type Type
}

// MaxReportErrors bounds the record errors an import report lists (the
// count is always exact).
const MaxReportErrors = 1000

// ImportReport says what an import did.
type ImportReport struct {
	Format      Format         `json:"format"`
	Name        string         `json:"name"`
	Source      string         `json:"source"`
	Indicators  int            `json:"indicators"` // read from the document
	Created     int            `json:"created"`
	Updated     int            `json:"updated"`
	ErrorCount  int            `json:"error_count"`
	Errors      []RecordError  `json:"errors"`
	Skipped     map[string]int `json:"skipped"`
	Warnings    []string       `json:"warnings"`
	RetroHunted int            `json:"retro_hunted"`
}

// Import reads a document and stores its indicators: each record's
// problem is reported and the rest imports.
func (s *Service) Import(ctx context.Context, a Actor, req ImportRequest) (ImportReport, error) {
	if err := validateMeta(req.Confidence, req.Severity, req.Tags, ""); err != nil {
		return ImportReport{}, err
	}
	if req.Type != "" && !req.Type.Valid() {
		return ImportReport{}, fieldErr("type", "%q is not an indicator type (one of %s)", req.Type, typeList())
	}
	f := req.Format
	if f == "" {
		f = DetectFormat(req.Name, req.Data)
	}
	src := strings.TrimSpace(req.Source)
	if src == "" {
		src = "import"
	}
	if strings.HasPrefix(src, "feed:") || src == SourceManual {
		return ImportReport{}, fieldErr("source", "%q is reserved; name the import's source", src)
	}
	if len(src) > 200 {
		return ImportReport{}, fieldErr("source", "at most 200 characters")
	}
	var p Parsed
	var err error
	if f == FormatPlain && req.Type != "" {
		p, err = parsePlain(req.Name, req.Data, req.Type)
	} else if f == FormatMISPFeed {
		return ImportReport{}, fieldErr("format", "a MISP feed spans several files: subscribe to it as a feed, or import its events (format misp)")
	} else {
		p, err = Parse(f, req.Name, req.Data)
	}
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Format: f, Name: req.Name, Source: src, Indicators: len(p.Indicators), ErrorCount: len(p.Errors),
		Errors: p.Errors, Skipped: p.Skipped, Warnings: p.Warnings}
	if len(rep.Errors) > MaxReportErrors {
		rep.Errors = rep.Errors[:MaxReportErrors]
	}
	if rep.Errors == nil {
		rep.Errors = []RecordError{}
	}
	if rep.Skipped == nil {
		rep.Skipped = map[string]int{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []string{}
	}
	d := defaults{confidence: DefaultConfidence, severity: DefaultSeverity, tags: req.Tags}
	if req.Confidence != nil {
		d.confidence = *req.Confidence
	}
	if req.Severity != "" {
		d.severity = req.Severity
	}
	created, updated, err := s.upsert(ctx, a, src, "", p.Indicators, d, time.Time{},
		fmt.Sprintf("import %s (%s) into source %q", req.Name, f, src))
	if err != nil {
		return rep, err
	}
	rep.Created, rep.Updated = len(created), len(updated)
	for _, x := range created {
		if x.RetroStatus == "pending" {
			s.queueRetro(x)
			rep.RetroHunted++
		}
	}
	return rep, nil
}

type defaults struct {
	confidence int
	severity   string
	tags       []string
}

// upsert stores candidates under one source: a (type, value) already in
// the source is updated, others are created. Feed runs pass feedID and the
// run's time, which marks every indicator the run listed.
func (s *Service) upsert(ctx context.Context, a Actor, src, feedID string, cands []Candidate, d defaults, runAt time.Time, summary string) (created, updated []store.Indicator, err error) {
	// The last record of a (type, value) wins within one document.
	type key struct {
		t Type
		v string
	}
	idx := map[key]int{}
	var uniq []Candidate
	for _, c := range cands {
		k := key{c.Type, c.Value}
		if i, ok := idx[k]; ok {
			c.Tags = append(append([]string(nil), uniq[i].Tags...), c.Tags...)
			uniq[i] = c
			continue
		}
		idx[k] = len(uniq)
		uniq = append(uniq, c)
	}
	now := s.o.Now().UTC()
	retroLeft := s.o.RetroMaxPerImport
	if s.o.Events == nil {
		retroLeft = 0
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err = s.o.Store.Tx(ctx, func(r store.Repos) error {
		created, updated = created[:0], updated[:0]
		left := retroLeft
		for _, c := range uniq {
			tags := cleanTags(append(append([]string(nil), d.tags...), c.Tags...))
			x, err := r.Intel().FindIndicator(ctx, a.OrgID, src, string(c.Type), c.Value)
			switch {
			case err == nil:
				if c.Confidence >= 0 {
					x.Confidence = c.Confidence
				}
				if c.Severity != "" {
					x.Severity = c.Severity
				}
				if c.Description != "" {
					x.Description = truncate(c.Description, 4000)
				}
				for _, t := range tags {
					if !slices.Contains(x.Tags, t) && len(x.Tags) < 50 {
						x.Tags = append(x.Tags, t)
					}
				}
				x.ExactOnly = c.ExactOnly
				if c.LastSeen.After(x.LastSeen) {
					x.LastSeen = c.LastSeen
				} else if c.LastSeen.IsZero() {
					x.LastSeen = now
				}
				x.ExpiresAt = c.ExpiresAt
				if !runAt.IsZero() {
					x.FeedSeenAt = &runAt
				}
				x.UpdatedAt = now
				if err := r.Intel().UpdateIndicator(ctx, x); err != nil {
					return err
				}
				updated = append(updated, x)
			case isNotFound(err):
				x = store.Indicator{ID: newID(), OrgID: a.OrgID, Type: string(c.Type), Value: c.Value, Confidence: d.confidence,
					Severity: d.severity, Source: src, FeedID: feedID, Tags: tags, Description: truncate(c.Description, 4000),
					ExactOnly: c.ExactOnly, FirstSeen: c.FirstSeen, LastSeen: c.LastSeen, ExpiresAt: c.ExpiresAt,
					CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
				if len(x.Tags) > 50 {
					x.Tags = x.Tags[:50]
				}
				if c.Confidence >= 0 {
					x.Confidence = c.Confidence
				}
				if c.Severity != "" {
					x.Severity = c.Severity
				}
				if x.FirstSeen.IsZero() {
					x.FirstSeen = now
				}
				if x.LastSeen.IsZero() {
					x.LastSeen = now
				}
				if !runAt.IsZero() {
					x.FeedSeenAt = &runAt
				}
				if left > 0 {
					x.RetroStatus = "pending"
					left--
				}
				if err := r.Intel().CreateIndicator(ctx, x); err != nil {
					return err
				}
				created = append(created, x)
			default:
				return err
			}
		}
		if len(created)+len(updated) == 0 {
			return nil
		}
		return s.audit(ctx, r, a, "intel.import", "indicator", "", fmt.Sprintf("%s: %d created, %d updated", summary, len(created), len(updated)))
	})
	if err != nil {
		return nil, nil, err
	}
	refs := make([]*Ref, 0, len(created)+len(updated))
	for _, x := range created {
		refs = append(refs, refOf(x))
	}
	for _, x := range updated {
		refs = append(refs, refOf(x))
	}
	if len(refs) > 0 {
		s.orgMatcher(a.OrgID).Apply(refs, nil)
	}
	return created, updated, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
