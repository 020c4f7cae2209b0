package detect

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/store"
)

// An alert that folded more repeats than it keeps IDs of finds all of
// them again, a page at a time, and only them.
func TestAlertEvents(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var raws []string
	for i := range 150 {
		raws = append(raws, sysmonPS("WS-01", "powershell -enc AAA"+strconv.Itoa(i), base.Add(time.Duration(i)*time.Second)))
	}
	// The same host without a match, and a match on another host (another
	// alert), inside the alert's span.
	raws = append(raws, sysmonPS("WS-01", "powershell -File a.ps1", base.Add(30*time.Second)),
		sysmonPS("WS-02", "powershell -enc BBB", base.Add(40*time.Second)))
	stored := f.ingest(t, true, raws...)
	var want []string
	for _, ev := range stored[:150] {
		want = append(want, ev.ID)
	}
	var a store.Alert
	waitFor(t, "an alert counting 150 events", func() bool {
		for _, x := range f.alerts(t) {
			if x.Count == 150 {
				a = x
				return true
			}
		}
		return false
	})
	if len(a.EventIDs) != maxAlertEvents {
		t.Fatalf("the alert keeps %d event IDs, want %d", len(a.EventIDs), maxAlertEvents)
	}

	page, err := f.svc.AlertEvents(f.ctx, f.org, a, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got := eventIDs(page.Events); !slices.Equal(got, want) || page.NextCursor != "" {
		t.Fatalf("got %d events (next %q), want the 150 matches oldest first", len(got), page.NextCursor)
	}
	if page.Scanned != 151 || page.Filter == "" {
		t.Fatalf("scanned %d with filter %q: want the host's 151 events", page.Scanned, page.Filter)
	}

	// A page that holds exactly the rest has no next one.
	if p, err := f.svc.AlertEvents(f.ctx, f.org, a, "", 150); err != nil || len(p.Events) != 150 || p.NextCursor != "" {
		t.Fatalf("a page of exactly 150: %d events, next %q, %v", len(p.Events), p.NextCursor, err)
	}

	// Pages of 40 make up the same list.
	var paged []string
	cursor := ""
	for range 10 {
		p, err := f.svc.AlertEvents(f.ctx, f.org, a, cursor, 40)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, eventIDs(p.Events)...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("pages of 40 gave %d events, want the 150 in order", len(paged))
	}

	// A reading bounded below a page stops with a cursor and goes on.
	limit := MaxAlertEventsScan
	MaxAlertEventsScan = 25
	defer func() { MaxAlertEventsScan = limit }()
	paged, cursor = nil, ""
	pages := 0
	for range 20 {
		p, err := f.svc.AlertEvents(f.ctx, f.org, a, cursor, 1000)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if p.Scanned > 25 {
			t.Fatalf("a page read %d events, over the bound of 25", p.Scanned)
		}
		paged = append(paged, eventIDs(p.Events)...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(paged, want) || pages < 6 {
		t.Fatalf("bounded readings gave %d events in %d pages, want the 150 in order in 7", len(paged), pages)
	}
	MaxAlertEventsScan = limit

	for _, bad := range []struct {
		cursor string
		size   int
		field  string
	}{{"junk", 10, "cursor"}, {"12-x", 10, "cursor"}, {"", 0, "size"}, {"", 1001, "size"}} {
		if _, err := f.svc.AlertEvents(f.ctx, f.org, a, bad.cursor, bad.size); !errors.Is(err, ErrInvalid) || !startsWith(err, "invalid: "+bad.field+":") {
			t.Errorf("cursor %q size %d: %v, want an error naming %s", bad.cursor, bad.size, err, bad.field)
		}
	}

	// The pages above reused one compiled engine.
	r, err := f.st.Rules().Get(f.ctx, f.org, a.RuleID)
	if err != nil {
		t.Fatal(err)
	}
	if u, e := f.svc.alertEngines.get(f.org, r.ID, r.Format, r.Source, f.svc.orgGen(f.org)); u == nil || e == nil || len(f.svc.alertEngines.m) != 1 {
		t.Fatalf("no engine kept for the alert's rule (%d kept)", len(f.svc.alertEngines.m))
	}
	// The rule as it is now decides: narrowed, it finds fewer events
	// (AAA1, AAA10-19, AAA100-149), not the engine built before.
	narrowed := strings.Replace(encodedPS, "' -enc '", "' -enc AAA1'", 1)
	if _, err := f.svc.Update(f.ctx, actor, a.RuleID, RuleInput{Source: narrowed}); err != nil {
		t.Fatal(err)
	}
	if page, err = f.svc.AlertEvents(f.ctx, f.org, a, "", 1000); err != nil {
		t.Fatal(err)
	} else if len(page.Events) != 61 {
		t.Fatalf("after narrowing the rule: %d events, want 61", len(page.Events))
	}

	// An exception on the alert's host empties its list, and a backtest
	// of the rule over the same span matches only the other host's event.
	if _, _, err := f.svc.AddException(f.ctx, actor, a.RuleID, ExceptionInput{Field: "host.name", Operator: "equals", Value: "WS-01", Reason: "lab host"}); err != nil {
		t.Fatal(err)
	}
	if page, err = f.svc.AlertEvents(f.ctx, f.org, a, "", 1000); err != nil || len(page.Events) != 0 {
		t.Fatalf("with an exception for its host: %d events, %v", len(page.Events), err)
	}
	u, problems := Compile("", narrowed, a.RuleID)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	res, err := f.svc.Test(f.ctx, f.org, u, TestInput{From: base.Add(-time.Minute), To: base.Add(time.Hour)})
	if err != nil || res.Matched != 0 {
		t.Fatalf("backtest with the exception: matched %d, %v", res.Matched, err)
	}

	// Once the rule is gone, the alert's own list is all there is.
	if err := f.svc.Delete(f.ctx, actor, a.RuleID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AlertEvents(f.ctx, f.org, a, "", 10); !errors.Is(err, ErrInvalid) || !startsWith(err, "invalid: rule:") {
		t.Fatalf("deleted rule: %v", err)
	}
}

// A correlation's alert is not a repeat of single matches: its events are
// the ones the correlation kept.
func TestAlertEventsCorrelation(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: bruteForceJSON}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	base := time.Now().Add(-time.Minute)
	for i := range 5 {
		f.ingest(t, true, loginFailure("203.0.113.5", base.Add(time.Duration(i)*time.Second)))
	}
	var a store.Alert
	waitFor(t, "the brute-force alert", func() bool {
		al := f.alerts(t)
		if len(al) == 1 {
			a = al[0]
		}
		return len(al) == 1
	})
	if _, err := f.svc.AlertEvents(f.ctx, f.org, a, "", 10); !errors.Is(err, ErrListedEvents) {
		t.Fatalf("got %v, want ErrListedEvents", err)
	}
}

func startsWith(err error, prefix string) bool {
	return err != nil && len(err.Error()) >= len(prefix) && err.Error()[:len(prefix)] == prefix
}

func eventIDs(evs []event.Event) []string {
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	return ids
}

// A rule's own grouping keys its alerts by its fields (not host, user and
// source address) and folds repeats within its own window; its alerts'
// events are found again by the group's values.
func TestRuleAlertGrouping(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	by, window := []string{"process.command_line"}, 10*time.Minute
	if r, err = f.svc.Patch(f.ctx, actor, r.ID, RulePatch{AlertGroupBy: &by, AlertWindow: &window}); err != nil ||
		!slices.Equal(r.AlertGroupBy, by) || r.AlertWindow != window {
		t.Fatalf("patch: %v %+v", err, r)
	}
	// Editing the rule's source, or importing a new version of it, keeps
	// its grouping.
	if r, err = f.svc.Update(f.ctx, actor, r.ID, RuleInput{Source: encodedPS + "# edited\n"}); err != nil || !slices.Equal(r.AlertGroupBy, by) || r.AlertWindow != window {
		t.Fatalf("update: %v %+v", err, r)
	}
	if rep, err := f.svc.Import(f.ctx, actor, []ImportFile{{Name: "ps.yml", Source: []byte(encodedPS + "# imported\n")}}, ImportOptions{Pack: "custom", Overwrite: true}); err != nil || rep.Updated != 1 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if r, err = f.svc.Get(f.ctx, f.org, r.ID); err != nil || !slices.Equal(r.AlertGroupBy, by) || r.AlertWindow != window {
		t.Fatalf("after the import: %v %+v", err, r)
	}
	f.start(t)
	defer f.stop(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	f.ingest(t, true,
		// One command on three hosts within the window: one alert.
		sysmonPS("WS-01", "powershell -enc AAA", base),
		sysmonPS("WS-02", "powershell -enc AAA", base.Add(time.Minute)),
		sysmonPS("WS-03", "powershell -enc AAA", base.Add(2*time.Minute)),
		// Another command: another alert.
		sysmonPS("WS-01", "powershell -enc BBB", base.Add(time.Minute)),
		// The first command again, 28 minutes after its last sight: past
		// the rule's 10 minutes, a new alert.
		sysmonPS("WS-01", "powershell -enc AAA", base.Add(30*time.Minute)))
	var al []store.Alert
	waitFor(t, "three alerts counting five events", func() bool {
		al = f.alerts(t)
		n := 0
		for _, a := range al {
			n += int(a.Count)
		}
		return len(al) == 3 && n == 5
	})
	var three store.Alert
	for _, a := range al {
		if a.Count == 3 {
			three = a
		}
	}
	if three.Group["process.command_line"] != "powershell -enc AAA" || !slices.Equal(three.Entities.Hosts, []string{"WS-01", "WS-02", "WS-03"}) ||
		three.Title != "Encoded PowerShell (process.command_line=powershell -enc AAA)" {
		t.Fatalf("the grouped alert: %+v", three)
	}
	page, err := f.svc.AlertEvents(f.ctx, f.org, three, "", 100)
	if err != nil || len(page.Events) != 3 || page.Filter != `process.command_line:"powershell -enc AAA"` {
		t.Fatalf("its events: %v, %d, filter %q", err, len(page.Events), page.Filter)
	}

	// Bad grouping is refused, naming the field.
	six := []string{"a", "b", "c", "d", "e", "f"}
	for _, bad := range []struct {
		p     RulePatch
		field string
	}{
		{RulePatch{AlertGroupBy: &six}, "alert_group_by"},
		{RulePatch{AlertGroupBy: &[]string{"user name"}}, "alert_group_by[0]"},
		{RulePatch{AlertGroupBy: &[]string{"user.name", "user.name"}}, "alert_group_by[1]"},
		{RulePatch{AlertWindow: ptr(45 * time.Second)}, "alert_window_minutes"},
		{RulePatch{AlertWindow: ptr(31 * 24 * time.Hour)}, "alert_window_minutes"},
	} {
		if _, err := f.svc.Patch(f.ctx, actor, r.ID, bad.p); !errors.Is(err, ErrInvalid) || !startsWith(err, "invalid: "+bad.field+":") {
			t.Errorf("%+v: %v, want an error naming %s", bad.p, err, bad.field)
		}
	}
	// Back to the default.
	none, zero := []string{}, time.Duration(0)
	if r, err = f.svc.Patch(f.ctx, actor, r.ID, RulePatch{AlertGroupBy: &none, AlertWindow: &zero}); err != nil || r.AlertGroupBy != nil || r.AlertWindow != 0 {
		t.Fatalf("reset: %v %+v", err, r)
	}
	// The alert keeps the grouping it was raised with.
	if page, err := f.svc.AlertEvents(f.ctx, f.org, three, "", 100); err != nil || len(page.Events) != 3 {
		t.Fatalf("after the rule's grouping changed: %v, %d events", err, len(page.Events))
	}

	// A Sigma name, as the rule's logsource maps it.
	sigmaBy := []string{"Image"}
	if _, err := f.svc.Patch(f.ctx, actor, r.ID, RulePatch{AlertGroupBy: &sigmaBy}); err != nil {
		t.Fatal(err)
	}
	later := base.Add(3 * time.Hour)
	f.ingest(t, true, sysmonPS("WS-07", "powershell -enc CCC", later), sysmonPS("WS-08", "powershell -enc DDD", later.Add(time.Second)))
	var byImage store.Alert
	waitFor(t, "the alert grouped by Image", func() bool {
		for _, a := range f.alerts(t) {
			if _, ok := a.Group["Image"]; ok && a.Count == 2 {
				byImage = a
				return true
			}
		}
		return false
	})
	if byImage.Group["Image"] != `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe` {
		t.Fatalf("grouped by %+v", byImage.Group)
	}
	if page, err := f.svc.AlertEvents(f.ctx, f.org, byImage, "", 100); err != nil || len(page.Events) != 2 || page.Filter != "" {
		t.Fatalf("its events: %v, %d (filter %q)", err, len(page.Events), page.Filter)
	}
}

func ptr[T any](v T) *T { return &v }

// The org's Sigma filters apply when an alert's events are found again
// (and in backtests), as they do live.
func TestAlertEventsApplyFilters(t *testing.T) {
	f := newFixture(t)
	const filter = `title: Signed-off encoded commands
id: 0b7f6c1e-2222-4222-8222-222222222222
logsource:
  product: windows
  category: process_creation
filter:
  rules: [6f1e5f8a-1111-4111-8111-111111111111]
  selection:
    CommandLine|contains: SAFE
  condition: not selection
`
	for _, src := range []string{encodedPS, filter} {
		if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: src}); err != nil {
			t.Fatal(err)
		}
	}
	f.start(t)
	defer f.stop(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	f.ingest(t, true, sysmonPS("WS-01", "powershell -enc AAA", base), sysmonPS("WS-01", "powershell -enc SAFE", base.Add(time.Second)),
		sysmonPS("WS-01", "powershell -enc BBB", base.Add(2*time.Second)))
	var a store.Alert
	waitFor(t, "the alert of two events", func() bool {
		al := f.alerts(t)
		if len(al) == 1 {
			a = al[0]
		}
		return len(al) == 1 && a.Count == 2
	})
	page, err := f.svc.AlertEvents(f.ctx, f.org, a, "", 100)
	if err != nil || len(page.Events) != 2 || page.Scanned != 3 {
		t.Fatalf("%v: %d events of %d read, want the 2 the filter lets through", err, len(page.Events), page.Scanned)
	}
	u, _ := Compile(FormatSigma, encodedPS, "")
	res, err := f.svc.Test(f.ctx, f.org, u, TestInput{From: base.Add(-time.Minute), To: base.Add(time.Minute)})
	if err != nil || res.Matched != 2 {
		t.Fatalf("backtest: %v, %d matched, want 2", err, res.Matched)
	}
}

// An alert's host is the first of host.name, host.hostname and
// observer.name with a value: events that name it only in the later
// fields are found too.
func TestAlertEventsFirstHost(t *testing.T) {
	f := newFixture(t)
	const rule = `title: Edge marker
id: 6f1e5f8a-4444-4444-8444-444444444444
logsource:
  definition: any event
detection:
  sel:
    message|contains: edge-marker
  condition: sel
`
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: rule}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	ts := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	f.ingest(t, true,
		`{"@timestamp":"`+ts+`","message":"edge-marker 1","observer":{"name":"fw-1"}}`,
		`{"@timestamp":"`+ts+`","message":"edge-marker 2","host":{"name":"-"},"observer":{"name":"fw-1"}}`,
		`{"@timestamp":"`+ts+`","message":"edge-marker 3","host":{"name":""},"observer":{"name":"fw-1"}}`,
		`{"@timestamp":"`+ts+`","message":"edge-marker 4","host":{"name":"fw-1"}}`,
		`{"@timestamp":"`+ts+`","message":"edge-marker 5","host":{"name":"fw-2"},"observer":{"name":"fw-1"}}`)
	var a store.Alert
	waitFor(t, "the fw-1 alert of four events", func() bool {
		for _, x := range f.alerts(t) {
			if len(x.Entities.Hosts) > 0 && x.Entities.Hosts[0] == "fw-1" && x.Count == 4 {
				a = x
				return true
			}
		}
		return false
	})
	page, err := f.svc.AlertEvents(f.ctx, f.org, a, "", 100)
	if err != nil || len(page.Events) != 4 {
		t.Fatalf("%v: %d events (filter %s), want 4", err, len(page.Events), page.Filter)
	}
}
