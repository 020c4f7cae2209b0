package detect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/store"
)

// MaxSamples bounds the sample events of one test.
const MaxSamples = 10_000

// MaxBacktestEvents bounds the stored events one backtest (the Test
// panel's run over a time range) reads; a retro-hunt reads them all. A
// variable for tests.
var MaxBacktestEvents int64 = 200_000

// errBacktestFull ends a backtest's scan at MaxBacktestEvents.
var errBacktestFull = errors.New("backtest: enough events read")

// TestInput says what to run a rule over: sample events (JSON objects or
// raw log lines, normalized as ingest would), or else the org's stored
// events in [From, To).
type TestInput struct {
	Events   []json.RawMessage
	From, To time.Time
	Limit    int // matches returned (default 100, at most 1000)
	// Rule is the stored rule under test, when it is one: its alert
	// grouping, fold window and severity key and fold the test's alerts
	// as live detection keys and folds the rule's.
	Rule *store.Rule

	// For retro-hunts: progress reports events scanned of total; hit
	// receives every alert-worthy result.
	progress func(scanned, total int64)
	hit      func(hit)
}

// TestMatch is one event a rule matched.
type TestMatch struct {
	EventID   string       `json:"event_id"`
	Timestamp time.Time    `json:"timestamp"`
	Summary   string       `json:"summary"`
	Fields    event.Fields `json:"fields"`
	// Rule is the document that matched (a base rule or the correlation).
	Rule string `json:"rule"`
}

// TestResult is what a rule would have done.
type TestResult struct {
	Scanned int64 `json:"scanned"`
	Matched int64 `json:"matched"`
	// Alerts is how many alerts live detection would have raised over
	// the events, in time order and starting with no open alert; Folded
	// how many more results would have folded into one of those (a
	// repeat with the same key within the rule's fold window).
	Alerts    int64       `json:"alerts"`
	Folded    int64       `json:"folded"`
	Matches   []TestMatch `json:"matches"`
	Truncated bool        `json:"truncated"`
	// ScanLimited is true when the range held more than MaxBacktestEvents:
	// the backtest read the newest of them, from ScannedFrom on.
	ScanLimited bool      `json:"scan_limited"`
	ScannedFrom time.Time `json:"scanned_from,omitzero"`
	ElapsedMs   int64     `json:"elapsed_ms"`
	// Correlations lists what the rule's correlations fired (group and value).
	Correlations []TestFired `json:"correlations"`
	// Documents splits Alerts and Folded by the document of the rule's
	// file that raised them (a base rule, a correlation), as live alerts
	// record it (rule_document_id).
	Documents []TestDocument `json:"documents"`
}

// TestDocument is what one document of a tested file would have raised.
type TestDocument struct {
	Document string `json:"document"`
	Title    string `json:"title"`
	Alerts   int64  `json:"alerts"`
	Folded   int64  `json:"folded"`
}

// TestFired is one correlation result of a test.
type TestFired struct {
	Rule  string            `json:"rule"`
	Group map[string]string `json:"group"`
	Value float64           `json:"value"`
	Start time.Time         `json:"start"`
	End   time.Time         `json:"end"`
}

// SampleError is a sample event that could not be read.
type SampleError struct {
	Index int
	Msg   string
}

func (e *SampleError) Error() string { return fmt.Sprintf("events[%d]: %s", e.Index, e.Msg) }

// Test runs a compiled rule over samples or stored events of the org,
// without raising alerts: it reports what would have matched and how many
// alerts it would have raised: every result (a detection's match, a
// correlation that fired) keyed and folded as commitPrepared folds live
// ones.
func (s *Service) Test(ctx context.Context, orgID string, u *Unit, in TestInput) (TestResult, error) {
	start := time.Now()
	limit := in.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	res := TestResult{Matches: []TestMatch{}, Correlations: []TestFired{}, Documents: []TestDocument{}}
	e, err := s.testEngine(orgID, u, in.Rule)
	if err != nil {
		return res, err
	}
	var matches []string
	var hits []hit
	now := s.o.Now()
	folds := alertFolds{}
	byDoc := map[string]*TestDocument{}
	// raise counts what the stream would have stored for h.
	raise := func(h hit) {
		td := byDoc[h.doc.id]
		if td == nil {
			td = &TestDocument{Document: h.doc.id, Title: h.doc.title}
			byDoc[h.doc.id] = td
		}
		if folds.add(s.alertOf(h, now), s.foldWindow(h.doc.unit)) {
			res.Alerts++
			td.Alerts++
		} else {
			res.Folded++
			td.Folded++
		}
		if in.hit != nil {
			in.hit(h)
		}
	}
	// evaluate runs the rule over events in time order, as detection would
	// have seen them.
	evaluate := func(evs []event.Event) {
		for i := range evs {
			ev := &evs[i]
			res.Scanned++
			matches = e.match(ev, matches[:0])
			matchedUnit := false
			for _, id := range matches {
				d := e.docs[id]
				if d == nil || e.excepted(d, ev, now) {
					continue
				}
				if d.unit.unit == u {
					matchedUnit = true
				}
				// What live detection raises for the match (docHits):
				// only the unit's own alerts count.
				hits = e.docHits(orgID, d, ev, hits[:0])
				for _, h := range hits {
					if h.doc.unit.unit != u {
						continue
					}
					if h.fired != nil && len(res.Correlations) < limit {
						res.Correlations = append(res.Correlations, TestFired{Rule: h.doc.id, Group: h.fired.GroupKey, Value: h.fired.Value, Start: h.fired.Start, End: h.fired.End})
					}
					raise(h)
				}
				if len(res.Matches) < limit && d.unit.unit == u {
					res.Matches = append(res.Matches, TestMatch{EventID: ev.ID, Timestamp: ev.Timestamp, Summary: summary(ev), Fields: ev.Fields, Rule: d.id})
				}
			}
			if matchedUnit {
				res.Matched++
			}
		}
	}
	if len(in.Events) > 0 {
		if len(in.Events) > MaxSamples {
			return res, &SampleError{MaxSamples, fmt.Sprintf("at most %d sample events", MaxSamples)}
		}
		evs := make([]event.Event, 0, len(in.Events))
		for i, raw := range in.Events {
			ev, err := s.sample(orgID, raw, now)
			if err != nil {
				return res, &SampleError{i, err.Error()}
			}
			evs = append(evs, ev)
		}
		// Windows need time order.
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].Timestamp.Before(evs[j].Timestamp) })
		evaluate(evs)
	} else {
		to := in.To
		if to.IsZero() {
			to = now
		}
		from := in.From
		if from.IsZero() {
			from = to.Add(-24 * time.Hour)
		}
		if !from.Before(to) {
			return res, fmt.Errorf("%w: from: must be before to", ErrInvalid)
		}
		// The store hands the events over oldest first, a chunk at a
		// time: a retro-hunt reads the whole range (memory stays flat)
		// and reports its progress; a backtest reads at most
		// MaxBacktestEvents, the newest of the range (what a rule's
		// author checks first), from a start found in the histogram.
		q := eventstore.Query{From: from, To: to}
		count, err := s.o.Events.Search(ctx, orgID, eventstore.Query{From: from, To: to, Size: 1})
		if err != nil {
			return res, err
		}
		total := count.Total
		var skip int64
		if in.progress == nil && total > MaxBacktestEvents {
			cut, older, err := s.newestStart(ctx, orgID, from, to)
			if err != nil {
				return res, err
			}
			q.From, skip = cut, older
			res.ScanLimited, res.Truncated = true, true
			res.ScannedFrom = cut
			total = MaxBacktestEvents
		}
		err = s.o.Events.Scan(ctx, orgID, q, func(evs []event.Event) error {
			if skip > 0 {
				// The oldest events of the start's second, beyond the limit.
				n := min(skip, int64(len(evs)))
				evs, skip = evs[n:], skip-n
				if len(evs) == 0 {
					return ctx.Err()
				}
			}
			if in.progress == nil && res.Scanned+int64(len(evs)) > MaxBacktestEvents {
				// Events stored since the histogram, dated inside the
				// range, may still make more than the limit.
				evs = evs[:MaxBacktestEvents-res.Scanned]
				res.Truncated, res.ScanLimited = true, true
			}
			evaluate(evs)
			if in.progress != nil {
				in.progress(res.Scanned, max(total, res.Scanned))
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if res.Scanned >= MaxBacktestEvents && in.progress == nil {
				return errBacktestFull
			}
			return nil
		})
		if err != nil && !errors.Is(err, errBacktestFull) {
			return res, err
		}
	}
	// Windows still open at the end with "fewer than" conditions: the
	// stream closes them as time passes (advance).
	for _, h := range e.firedHits(orgID, e.corr.Advance(now.Add(100*365*24*time.Hour))) {
		if h.doc.unit.unit == u {
			if len(res.Correlations) < limit {
				res.Correlations = append(res.Correlations, TestFired{Rule: h.doc.id, Group: h.fired.GroupKey, Value: h.fired.Value, Start: h.fired.Start, End: h.fired.End})
			}
			raise(h)
		}
	}
	for _, td := range byDoc {
		res.Documents = append(res.Documents, *td)
	}
	sort.Slice(res.Documents, func(i, j int) bool { return res.Documents[i].Document < res.Documents[j].Document })
	if res.Matched > int64(limit) {
		res.Truncated = res.Truncated || len(res.Matches) < int(res.Matched)
	}
	res.ElapsedMs = time.Since(start).Milliseconds()
	return res, nil
}

// newestStart is where a backtest over [from, to) starts to read the
// newest MaxBacktestEvents: the start of the one-second bucket where the
// limit falls, and how many of that second's events (the oldest, in scan
// order) to skip. The range's histogram (up to 2,000 buckets) is walked
// from the newest bucket back until the limit falls in one; that bucket
// is cut again the same way, down to one-second buckets.
func (s *Service) newestStart(ctx context.Context, orgID string, from, to time.Time) (time.Time, int64, error) {
	budget := MaxBacktestEvents
	cut := to
	lo, hi := from, to
	for range 6 {
		h, err := s.o.Events.Histogram(ctx, orgID, eventstore.Query{From: lo, To: hi}, max(hi.Sub(lo)/2000, time.Second))
		if err != nil {
			return from, 0, err
		}
		var over *eventstore.Bucket
		for i := len(h.Buckets) - 1; i >= 0; i-- {
			b := &h.Buckets[i]
			if b.Count == 0 {
				continue
			}
			if b.Count > budget {
				over = b
				break
			}
			budget -= b.Count
			cut = b.Start
		}
		if over == nil {
			break // the rest of the window fits
		}
		start := over.Start // a bucket may begin before the histogram's range
		if start.Before(lo) {
			start = lo
		}
		if h.Interval <= time.Second {
			return start, over.Count - budget, nil
		}
		lo, hi = start, over.Start.Add(h.Interval)
		if hi.After(cut) {
			hi = cut
		}
	}
	if cut.Before(from) {
		cut = from
	}
	return cut, 0, nil
}

// alertFolds are the alerts a test would have raised, by dedup key: the
// first and last event time of each, which is all that folding reads.
type alertFolds map[string][]foldSpan

type foldSpan struct{ first, last time.Time }

// add folds a into the alert that the stream's commit would have folded
// it into, the newest with a's key whose activity reaches within w of
// a's (commitPrepared, OpenByDedupKey), and reports false; or records a
// new alert and reports true.
func (f alertFolds) add(a store.Alert, w time.Duration) bool {
	spans := f[a.DedupKey]
	best := -1
	for i, x := range spans {
		if x.last.Before(a.FirstSeen.Add(-w)) || x.first.After(a.LastSeen.Add(w)) {
			continue
		}
		if best < 0 || !x.last.Before(spans[best].last) {
			best = i
		}
	}
	if best < 0 {
		f[a.DedupKey] = append(spans, foldSpan{a.FirstSeen, a.LastSeen})
		return true
	}
	x := &spans[best]
	if a.FirstSeen.Before(x.first) {
		x.first = a.FirstSeen
	}
	if a.LastSeen.After(x.last) {
		x.last = a.LastSeen
	}
	return false
}

// testEngine builds a private engine with the unit and the org's rules
// its correlations reference; stored, when the unit is a stored rule's,
// gives its alert settings.
func (s *Service) testEngine(orgID string, u *Unit, stored *store.Rule) (*orgEngine, error) {
	e := newOrgEngine(orgID, 1_000_000)
	if org := s.engine(orgID, false); org != nil {
		org.mu.RLock()
		e.placeholders = org.placeholders
		org.mu.RUnlock()
	}
	self := &loaded{rule: storeRule(orgID, u), unit: u}
	self.rule.Enabled = true
	storedID := u.ID
	if stored != nil {
		storedID = stored.ID
		self.rule.ID, self.rule.Title = stored.ID, stored.Title
		self.rule.AlertGroupBy, self.rule.AlertWindow, self.rule.SeverityOverride = stored.AlertGroupBy, stored.AlertWindow, stored.SeverityOverride
	}
	e.units[u.ID] = self
	if org := s.engine(orgID, false); org != nil {
		org.mu.RLock()
		// The rule's exceptions apply to a test, and to an alert's event
		// list, as they do live (a copy: the live list changes in place).
		if x := org.exceptions[u.ID]; len(x) > 0 {
			e.exceptions[u.ID] = slices.Clone(x)
		}
		for id, l := range org.units {
			if id == u.ID || id == storedID || !l.rule.Enabled {
				continue
			}
			// The org's Sigma filters apply to a test as they do live.
			if l.unit.Kind == KindFilter {
				e.units[id] = l
			}
		}
		for id, l := range correlated(org, u, storedID) {
			e.units[id] = l
			if x := org.exceptions[id]; len(x) > 0 {
				e.exceptions[id] = slices.Clone(x)
			}
		}
		org.mu.RUnlock()
	}
	// Only the tested rule's own problems stop the test: another rule
	// that does not run live does not run here either.
	var problems []RuleError
	for _, p := range e.rebuild() {
		if p.File == self.rule.ID {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return nil, &InvalidRuleError{problems}
	}
	return e, nil
}

// correlated lists the org's enabled rules that a test of u must load to
// raise what live detection raises: the rules whose documents u's
// correlations count (they feed it), the rules whose correlations count
// u's documents (they silence u's own alerts unless they say generate,
// and chain on u's correlations), and so on from those, as the live
// engine has every enabled rule loaded. The caller holds org.mu (read).
func correlated(org *orgEngine, u *Unit, storedID string) map[string]*loaded {
	out := map[string]*loaded{}
	var corrUnits []string
	for id, l := range org.units {
		if l.rule.Enabled && len(l.unit.Correlations) > 0 && id != u.ID && id != storedID {
			corrUnits = append(corrUnits, id)
		}
	}
	sort.Strings(corrUnits)
	work := []*Unit{u}
	add := func(id string, l *loaded) {
		if id == u.ID || id == storedID || !l.rule.Enabled || out[id] != nil {
			return
		}
		out[id] = l
		work = append(work, l.unit)
	}
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		// What x's correlations count.
		for _, c := range x.Correlations {
			for _, ref := range c.Correlation.Rules {
				if x.answers(ref) {
					continue
				}
				for id, l := range org.units {
					if l.unit.hasDoc(ref) || hasName(l.unit, ref) {
						add(id, l)
					}
				}
			}
		}
		// What counts x's documents.
		for _, d := range refsOf(x) {
			for _, id := range corrUnits {
				l := org.units[id]
				for _, c := range l.unit.Correlations {
					if refersTo(c, d) {
						add(id, l)
						break
					}
				}
			}
		}
	}
	return out
}

func hasName(u *Unit, name string) bool {
	for _, r := range u.Sigma {
		if r.Name == name {
			return true
		}
	}
	for _, c := range u.Correlations {
		if c.Name == name {
			return true
		}
	}
	return false
}

// sample normalizes one pasted sample event.
func (s *Service) sample(orgID string, raw json.RawMessage, now time.Time) (event.Event, error) {
	text := strings.TrimSpace(string(raw))
	if text == "" {
		return event.Event{}, fmt.Errorf("empty")
	}
	var line string
	if text[0] == '"' {
		if err := json.Unmarshal(raw, &line); err != nil {
			return event.Event{}, fmt.Errorf("not a JSON string: %v", err)
		}
		text = line
	} else if text[0] != '{' {
		return event.Event{}, fmt.Errorf("must be a JSON object or a string (a raw log line)")
	}
	n := s.o.Normalizer
	if n == nil {
		n = normalize.New(normalize.Options{})
	}
	ev := n.Normalize(normalize.Input{OrgID: orgID, Input: "test", Received: now, Raw: []byte(text)})
	return ev, nil
}

func summary(ev *event.Event) string {
	s := ev.Fields.Str("message")
	if s == "" {
		s = ev.Raw
	}
	if len(s) > 300 {
		cut := 297
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}
