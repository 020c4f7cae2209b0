package intel

import (
	"context"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/store"
)

// MaxCheckValues bounds the values of one /threats/check call.
const MaxCheckValues = 100

// CheckResult is what EventSec knows of one value.
type CheckResult struct {
	Value      string `json:"value"`
	Type       Type   `json:"type"`       // detected ("" when unknown)
	Normalized string `json:"normalized"` // "" when the type is unknown
	// Known: at least one indicator matches the value.
	Known      bool             `json:"known"`
	Severity   string           `json:"severity"` // the highest of the matching indicators
	Indicators []CheckIndicator `json:"indicators"`
	// Sightings sums the matching indicators' sightings.
	Sightings int64 `json:"sightings"`
	// LocalEvents are stored events mentioning the value (free text).
	LocalEvents      int64           `json:"local_events"`
	RecentEvents     []CheckEvent    `json:"recent_events"`
	External         []Verdict       `json:"external"`
	ExternalProblems []ExternalIssue `json:"external_errors"`
	Problem          string          `json:"error,omitempty"`
}

// CheckIndicator is a matching indicator and how it matched.
type CheckIndicator struct {
	Indicator store.Indicator
	Match     string // exact, cidr, domain, url_host
}

// CheckEvent is a stored event that mentions a checked value.
type CheckEvent struct {
	ID        string    `json:"id"`
	Timestamp time.Time `json:"timestamp"`
	Message   string    `json:"message"`
}

// ExternalIssue is an external source that did not answer.
type ExternalIssue struct {
	Source string `json:"source"`
	Error  string `json:"error"`
}

// checkFields are the event fields a bare value of each type is read as.
var checkFields = map[Type][]string{
	TypeIPv4: {"source.ip"}, TypeIPv6: {"source.ip"}, TypeDomain: {"dns.question.name"}, TypeURL: {"url.full"},
	TypeMD5: {"file.hash.md5"}, TypeSHA1: {"file.hash.sha1"}, TypeSHA256: {"file.hash.sha256"}, TypeEmail: {"email.from.address"},
	TypeJA4: {"tls.client.ja4"},
}

// Check answers whether values are known threats: the indicators matching
// each (as the ingest matcher would), their sightings, stored events that
// mention it, and external verdicts when sources are configured.
func (s *Service) Check(ctx context.Context, orgID string, values []string) ([]CheckResult, error) {
	if len(values) == 0 {
		return nil, fieldErr("values", "give a value or values")
	}
	if len(values) > MaxCheckValues {
		return nil, fieldErr("values", "at most %d values per call", MaxCheckValues)
	}
	out := make([]CheckResult, 0, len(values))
	m := s.matcher(orgID)
	now := s.o.Now()
	for _, v := range values {
		r := CheckResult{Value: v, Indicators: []CheckIndicator{}, RecentEvents: []CheckEvent{}, External: []Verdict{},
			ExternalProblems: []ExternalIssue{}}
		t, ok := DetectType(refang(v))
		if ok {
			if n, err := Normalize(t, refang(v)); err == nil {
				r.Type, r.Normalized = t, n
			}
		}
		var ms []Match
		if m != nil {
			fields := checkFields[r.Type]
			if r.Type == TypeMD5 {
				fields = append(fields, "tls.client.ja3")
			}
			if r.Type == "" {
				// A file name or a user agent can look like anything.
				fields = []string{"file.name", "user_agent.original"}
			}
			probe := r.Normalized
			if probe == "" {
				probe = v
			}
			for _, f := range fields {
				ms = m.MatchValue(f, probe, now, ms)
			}
		}
		for _, mt := range ms {
			in, err := s.o.Store.Intel().GetIndicator(ctx, orgID, mt.Ref.ID)
			if err != nil {
				if isNotFound(err) {
					continue // deleted since the matcher saw it
				}
				return nil, err
			}
			r.Known = true
			r.Indicators = append(r.Indicators, CheckIndicator{Indicator: in, Match: mt.Kind.String()})
			r.Sightings += in.Sightings
			if SeverityRank(in.Severity) > SeverityRank(r.Severity) {
				r.Severity = in.Severity
			}
		}
		if s.o.Events != nil && r.Type != TypeCIDR {
			probe := v
			if r.Normalized != "" {
				probe = r.Normalized
			}
			page, err := s.o.Events.Search(ctx, orgID, eventstore.Query{Text: RetroQuery(r.Type, probe), Size: 10})
			if err == nil {
				r.LocalEvents = page.Total
				for _, ev := range page.Events {
					r.RecentEvents = append(r.RecentEvents, CheckEvent{ID: ev.ID, Timestamp: ev.Timestamp.UTC(), Message: truncate(ev.Fields.Str("message"), 300)})
				}
			}
		}
		for _, e := range s.o.Enrichers {
			if r.Type == "" {
				break
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			vds, issues := e.Check(cctx, orgID, r.Type, r.Normalized)
			cancel()
			r.ExternalProblems = append(r.ExternalProblems, issues...)
			for _, vd := range vds {
				if vd.Source == "" {
					vd.Source = e.Name()
				}
				r.External = append(r.External, vd)
			}
		}
		if r.Type == "" {
			r.Problem = "the value's type cannot be told; it was checked as a file name and a user agent"
		}
		out = append(out, r)
	}
	return out, nil
}
