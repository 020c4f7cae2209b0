package email

import (
	"context"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/intel"
)

// Enricher matches an event against its org's indicators and annotates it
// (*intel.Service).
type Enricher interface {
	Enrich(ev *event.Event)
}

// IntelFrom adapts the threat-intel service's in-memory matcher, the one
// ingest uses: no I/O, no external look-ups, so analysing a message never
// sends its contents anywhere.
func IntelFrom(e Enricher) IntelChecker { return intelMatcher{e} }

type intelMatcher struct{ e Enricher }

func (im intelMatcher) Match(ctx context.Context, orgID string, v IntelValues) ([]IntelHit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ev := event.Event{OrgID: orgID, Ingested: time.Now(), Fields: event.Fields{}}
	set := func(field string, vals []string) {
		if len(vals) > 0 {
			ev.Fields[field] = vals
		}
	}
	set("email.from.address", v.Emails)
	set("url.domain", v.Domains)
	set("url.full", v.URLs)
	set("source.ip", v.IPs)
	set("file.hash.sha256", v.Hashes)
	im.e.Enrich(&ev)
	sevs, _ := ev.Fields[intel.FieldEnrichSev].([]string)
	srcs, _ := ev.Fields[intel.FieldEnrichSource].([]string)
	types, _ := ev.Fields[intel.FieldEnrichType].([]string)
	var out []IntelHit
	for i, m := range intel.EventMatches(&ev) {
		h := IntelHit{Value: m.Atomic, IndicatorID: m.IndicatorID}
		if i < len(sevs) {
			h.Severity = sevs[i]
		}
		if i < len(srcs) {
			h.Source = srcs[i]
		}
		if i < len(types) {
			h.Type = types[i]
		}
		out = append(out, h)
	}
	return out, nil
}
