package detect

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/query/lucene"
	"github.com/eventsec/eventsec/internal/store"
)

// An alert keeps the IDs of its last maxAlertEvents events; one that
// folded thousands of repeats lists only those. AlertEvents finds all of
// them again: it reads the stored events of the alert's span, narrowed to
// its host, user and source address, and keeps those that the alert's
// rule matches with the alert's deduplication key (the events whose
// detections folded into it). A rule with its own grouping
// (store.Rule.AlertGroupBy) is narrowed by the alert's group values instead.

// MaxAlertEventsScan bounds the events one AlertEvents call reads; a
// page that is not full by then ends with a cursor where the reading
// stopped. A variable for tests.
var MaxAlertEventsScan int64 = 200_000

// ErrListedEvents says an alert's events are not single matches to find
// again: a correlation's alert lists the events the correlation kept, a
// scheduled query's the rows' events it returned.
var ErrListedEvents = errors.New("its events are the ones it lists")

// AlertEventsPage is one page of an alert's events, oldest first.
type AlertEventsPage struct {
	Events []event.Event `json:"events"`
	// Scanned counts the stored events this page read (after the filter).
	Scanned int64 `json:"scanned"`
	// NextCursor continues the reading; "" when the span is read to its end.
	NextCursor string `json:"next_cursor"`
	// From and To are the span read (To exclusive); Filter the store
	// query that narrowed it.
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Filter string    `json:"filter"`
}

// alertCursor is where a reading of an alert's span stopped: the last
// event read, by (timestamp in microseconds, seq), the store's scan order.
type alertCursor struct {
	ts  int64
	seq int64
}

func (c alertCursor) String() string {
	return strconv.FormatInt(c.ts, 10) + "-" + strconv.FormatInt(c.seq, 10)
}

func parseAlertCursor(s string) (alertCursor, error) {
	ts, seq, ok := strings.Cut(s, "-")
	var c alertCursor
	var err1, err2 error
	if ok {
		c.ts, err1 = strconv.ParseInt(ts, 10, 64)
		c.seq, err2 = strconv.ParseInt(seq, 10, 64)
	}
	if !ok || err1 != nil || err2 != nil || c.seq < 0 {
		return c, fmt.Errorf("%w: cursor: %q is not a cursor this endpoint returned", ErrInvalid, s)
	}
	return c, nil
}

// AlertEvents returns up to size (1-1000) events of alert a, oldest first,
// after cursor (a NextCursor, or "" for the first page). The rule is
// evaluated as it is now (its current source and exceptions).
func (s *Service) AlertEvents(ctx context.Context, orgID string, a store.Alert, cursor string, size int) (AlertEventsPage, error) {
	page := AlertEventsPage{Events: []event.Event{}}
	if s.o.Events == nil {
		return page, fmt.Errorf("%w: no event store", ErrInvalid)
	}
	if size < 1 || size > 1000 {
		return page, fmt.Errorf("%w: size: must be from 1 to 1000", ErrInvalid)
	}
	var after *alertCursor
	if cursor != "" {
		c, err := parseAlertCursor(cursor)
		if err != nil {
			return page, err
		}
		after = &c
	}
	r, err := s.o.Store.Rules().Get(ctx, orgID, a.RuleID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return page, fmt.Errorf("%w: rule: the alert's rule was deleted; its events are the ones the alert lists", ErrInvalid)
		}
		return page, err
	}
	gen := s.orgGen(orgID)
	u, e := s.alertEngines.get(orgID, r.ID, r.Format, r.Source, gen)
	if u == nil {
		var problems []RuleError
		u, problems = Compile(r.Format, r.Source, r.ID)
		if len(problems) > 0 {
			return page, &InvalidRuleError{problems}
		}
		if u.KQL != nil {
			return page, fmt.Errorf("the alert was raised by a scheduled query: %w (the events of the rows it returned)", ErrListedEvents)
		}
		if e, err = s.testEngine(orgID, u, nil); err != nil {
			return page, err
		}
		s.alertEngines.put(orgID, r.ID, r.Format, r.Source, gen, u, e)
	}
	if isCorrelationAlert(e, u, r.ID, a) {
		return page, fmt.Errorf("the alert was raised by a correlation rule: %w (the first of each window the correlation counted)", ErrListedEvents)
	}
	// The store keeps alert times to the millisecond, events' to the
	// microsecond.
	page.From = a.FirstSeen.Truncate(time.Millisecond)
	page.To = a.LastSeen.Truncate(time.Millisecond).Add(time.Millisecond)
	// Alerts are keyed by the stored rule, as in the stream, grouped as
	// the alert was: by its group's fields (the rule's own grouping when
	// it was raised), or by default. The rule's grouping may have changed
	// since.
	keyed := r
	keyed.AlertGroupBy = slices.Sorted(maps.Keys(a.Group))
	stored := &loaded{rule: keyed, unit: u}
	if len(keyed.AlertGroupBy) > 0 {
		page.Filter = groupFilter(keyed.AlertGroupBy, a.Group)
	} else {
		page.Filter = alertFilter(a, s.sourceIPOf(ctx, orgID, a))
	}
	q := eventstore.Query{Text: page.Filter, From: page.From, To: page.To}
	if after != nil {
		if at := time.UnixMicro(after.ts); at.After(q.From) {
			q.From = at
		}
	}
	now := s.o.Now()
	var matches []string
	errDone := errors.New("page done")
	// A full page has a next one only if another event follows: the
	// reading goes on to find it, so that the last page is never empty.
	var last alertCursor
	scan := func(evs []event.Event) error {
		for i := range evs {
			ev := &evs[i]
			pos := alertCursor{ts: ev.Timestamp.UnixMicro(), seq: ev.Seq}
			if after != nil && (pos.ts < after.ts || pos.ts == after.ts && pos.seq <= after.seq) {
				continue
			}
			page.Scanned++
			if s.raisesAlert(e, u, stored, ev, a.DedupKey, now, &matches) {
				if len(page.Events) == size {
					page.NextCursor = last.String()
					return errDone
				}
				page.Events = append(page.Events, *ev)
				last = pos
			}
			if page.Scanned >= MaxAlertEventsScan {
				page.NextCursor = pos.String()
				return errDone
			}
		}
		return ctx.Err()
	}
	err = s.o.Events.Scan(ctx, orgID, q, scan)
	if errors.Is(err, eventstore.ErrBadQuery) && q.Text != "" && page.Scanned == 0 {
		// A grouping field's value the store cannot compare (a name
		// that is not an address in an IP column): read unnarrowed.
		q.Text, page.Filter = "", ""
		err = s.o.Events.Scan(ctx, orgID, q, scan)
	}
	if err != nil && !errors.Is(err, errDone) {
		return page, err
	}
	return page, nil
}

// raisesAlert reports whether one of unit u's documents matches ev and
// raises an alert with the dedup key key.
func (s *Service) raisesAlert(e *orgEngine, u *Unit, stored *loaded, ev *event.Event, key string, now time.Time, matches *[]string) bool {
	*matches = e.match(ev, (*matches)[:0])
	for _, id := range *matches {
		d := e.docs[id]
		if d == nil || d.unit.unit != u || !u.Alerting[d.id] || !e.corr.StandAlone(d.id, d.sigmaName()) || e.excepted(d, ev, now) {
			continue
		}
		dd := *d
		dd.unit = stored
		if s.alertOf(hit{orgID: ev.OrgID, doc: &dd, ev: ev, at: ev.Timestamp}, now).DedupKey == key {
			return true
		}
	}
	return false
}

// isCorrelationAlert reports whether a's dedup key is that of one of the
// unit's correlations, for the alert's group (see alertOf).
func isCorrelationAlert(e *orgEngine, u *Unit, ruleID string, a store.Alert) bool {
	keys := make([]string, 0, len(a.Group))
	for k := range a.Group {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, d := range e.docs {
		if d.unit.unit != u || d.corr == nil {
			continue
		}
		parts := []string{ruleID, d.id}
		for _, k := range keys {
			parts = append(parts, k+"="+a.Group[k])
		}
		if dedupKey(parts...) == a.DedupKey {
			return true
		}
	}
	return false
}

// alertFilter is the store query that keeps a single-event alert's
// possible events: its key holds the event's first host, first user and
// source address (alertOf), so every event of it carries them. The
// store's match is case-insensitive, a superset; raisesAlert decides.
func alertFilter(a store.Alert, sourceIP string) string {
	var and []lucene.Node
	// firstOf keeps the events whose first field with a value (see
	// addEntity: not "-") is v: the first field is v, or it has no value
	// and one of the others is v. Put so, the store reads the other
	// fields, not typed columns but JSON, only for events without the
	// first: most events have it.
	firstOf := func(fields []string, v string) {
		head := lucene.Phrase{Field: fields[0], Value: v}
		var rest []lucene.Node
		for _, f := range fields[1:] {
			rest = append(rest, lucene.Phrase{Field: f, Value: v})
		}
		if len(rest) == 0 {
			and = append(and, head)
			return
		}
		var others lucene.Node = lucene.Or{Nodes: rest}
		if len(rest) == 1 {
			others = rest[0]
		}
		noHead := lucene.Or{Nodes: []lucene.Node{lucene.Not{Node: lucene.Exists{Field: fields[0]}},
			lucene.Phrase{Field: fields[0], Value: ""}, lucene.Phrase{Field: fields[0], Value: "-"}}}
		and = append(and, lucene.Or{Nodes: []lucene.Node{head, lucene.And{Nodes: []lucene.Node{noHead, others}}}})
	}
	if len(a.Entities.Hosts) > 0 {
		firstOf(entityFieldsOf("hosts"), a.Entities.Hosts[0])
	}
	if len(a.Entities.Users) > 0 {
		firstOf(append(slices.Clone(entityFieldsOf("users")), userIDField), a.Entities.Users[0])
	}
	if sourceIP != "" {
		firstOf([]string{"source.ip"}, sourceIP)
	}
	return allOf(and)
}

// allOf is the query text of the conjunction of nodes ("" for none).
func allOf(nodes []lucene.Node) string {
	switch len(nodes) {
	case 0:
		return ""
	case 1:
		return nodes[0].String()
	}
	return lucene.And{Nodes: nodes}.String()
}

// groupFilter is the store query that keeps the possible events of an
// alert of a rule with its own grouping: each field with a value in the
// alert's group has it (an empty value may also be a missing field: no
// condition). Only fields the store keeps in typed columns narrow: the
// value of a Sigma or JSON rule name came through the rule's mapping,
// which the store's query does not know.
func groupFilter(by []string, group map[string]string) string {
	var and []lucene.Node
	for _, f := range by {
		if _, typed := event.ColumnOf(f); !typed {
			continue
		}
		if v := group[f]; v != "" && !strings.Contains(v, ",") {
			and = append(and, lucene.Phrase{Field: f, Value: v})
		}
	}
	return allOf(and)
}

// sourceIPOf is the source address in a's key, read from the newest of
// its events still stored; "" when there is none or none is stored. (The
// alert's own list of addresses cannot tell: without a source address it
// starts with another one.) An event's own address is in the key as it
// is; the store's IP column needs an address.
func (s *Service) sourceIPOf(ctx context.Context, orgID string, a store.Alert) string {
	for i := len(a.EventIDs) - 1; i >= 0 && i >= len(a.EventIDs)-5; i-- {
		ev, err := s.o.Events.Get(ctx, orgID, a.EventIDs[i])
		if err == nil {
			// Only an address narrows the store's IP column; anything
			// else ("-") is left to raisesAlert.
			ip := ev.Fields.Str("source.ip")
			if _, perr := netip.ParseAddr(ip); perr != nil {
				return ""
			}
			return ip
		}
	}
	return ""
}

func entityFieldsOf(kind string) []string {
	for _, ef := range entityFields {
		if ef.kind == kind {
			return ef.fields
		}
	}
	return nil
}
