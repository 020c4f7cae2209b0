package intel

import (
	"slices"
	"strings"

	"github.com/eventsec/eventsec/internal/event"
)

// The fields an intel match adds to an event. ECS threat.enrichments is
// an array of objects; events here hold flat fields, so each leaf is a
// list and the lists are parallel (element i of every list describes
// match i), as Elasticsearch flattens an array of objects that is not
// "nested". threat.indicator.* describes the strongest match alone.
const (
	FieldMatchedID     = "threat.enrichments.matched.id"
	FieldMatchedAtomic = "threat.enrichments.matched.atomic"
	FieldMatchedField  = "threat.enrichments.matched.field"
	FieldMatchedType   = "threat.enrichments.matched.type"
	FieldEnrichType    = "threat.enrichments.indicator.type"
	FieldEnrichName    = "threat.enrichments.indicator.name"
	FieldEnrichSource  = "threat.enrichments.indicator.provider"
	FieldEnrichConf    = "threat.enrichments.indicator.confidence"
	FieldEnrichSev     = "threat.enrichments.indicator.severity"

	// TagIntelMatch is added to the tags of an event that matched.
	TagIntelMatch = "threat_intel_match"
)

// Values of threat.enrichments.matched.type. The built-in rule "Threat
// intelligence indicator match" alerts on both.
const (
	MatchedTypeIndicator = "indicator_match"
	MatchedTypeURLHost   = "indicator_match_url_host"
)

// ConfidenceLabel maps a 0-100 confidence to ECS's (and STIX's) None /
// Low / Medium / High scale.
func ConfidenceLabel(c int) string {
	switch {
	case c <= 0:
		return "None"
	case c < 30:
		return "Low"
	case c < 70:
		return "Medium"
	}
	return "High"
}

func ecsTypeOf(r *Ref) string {
	if r.Type == TypeCIDR && strings.Contains(r.Value, ":") {
		return "ipv6-addr"
	}
	return r.Type.ECSType()
}

// strongest orders matches: exact before the weak URL-host match, then by
// severity, then confidence.
func strongest(ms []Match) Match {
	best := ms[0]
	for _, m := range ms[1:] {
		bw, mw := best.Kind == MatchURLHost, m.Kind == MatchURLHost
		switch {
		case bw != mw:
			if bw {
				best = m
			}
		case SeverityRank(m.Ref.Severity) != SeverityRank(best.Ref.Severity):
			if SeverityRank(m.Ref.Severity) > SeverityRank(best.Ref.Severity) {
				best = m
			}
		case m.Ref.Confidence > best.Ref.Confidence:
			best = m
		}
	}
	return best
}

// Annotate writes the matches into the event (see the Field constants).
func Annotate(ev *event.Event, ms []Match) {
	if len(ms) == 0 {
		return
	}
	n := len(ms)
	ids, atomics, fields, types := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	itypes, names, sources, confs, sevs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, m := range ms {
		ids[i], atomics[i], fields[i] = m.Ref.ID, m.Atomic, m.Field
		types[i] = MatchedTypeIndicator
		if m.Kind == MatchURLHost {
			types[i] = MatchedTypeURLHost
		}
		itypes[i], names[i], sources[i] = ecsTypeOf(m.Ref), m.Ref.Value, m.Ref.Source
		confs[i], sevs[i] = ConfidenceLabel(m.Ref.Confidence), m.Ref.Severity
	}
	f := ev.Fields
	f[FieldMatchedID], f[FieldMatchedAtomic], f[FieldMatchedField], f[FieldMatchedType] = ids, atomics, fields, types
	f[FieldEnrichType], f[FieldEnrichName], f[FieldEnrichSource], f[FieldEnrichConf], f[FieldEnrichSev] = itypes, names, sources, confs, sevs
	b := strongest(ms)
	f["threat.indicator.id"] = b.Ref.ID
	f["threat.indicator.type"] = ecsTypeOf(b.Ref)
	f["threat.indicator.name"] = b.Ref.Value
	f.Set("threat.indicator.provider", b.Ref.Source)
	f["threat.indicator.confidence"] = ConfidenceLabel(b.Ref.Confidence)
	f.Set("threat.indicator.severity", b.Ref.Severity)
	tags, _ := f["tags"].([]string)
	if !slices.Contains(tags, TagIntelMatch) {
		f["tags"] = append(slices.Clip(tags), TagIntelMatch)
	}
}

// EventMatches reads back the matches Annotate wrote (for sightings after
// the event is stored).
func EventMatches(ev *event.Event) []EventMatch {
	ids, _ := ev.Fields[FieldMatchedID].([]string)
	if len(ids) == 0 {
		return nil
	}
	get := func(k string, i int) string {
		l, _ := ev.Fields[k].([]string)
		if i < len(l) {
			return l[i]
		}
		return ""
	}
	out := make([]EventMatch, len(ids))
	for i, id := range ids {
		out[i] = EventMatch{IndicatorID: id, Atomic: get(FieldMatchedAtomic, i), Field: get(FieldMatchedField, i), Type: get(FieldMatchedType, i)}
	}
	return out
}

// EventMatch is one match as stored on an event.
type EventMatch struct {
	IndicatorID, Atomic, Field, Type string
}
