package intel

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

type fixture struct {
	ctx    context.Context
	st     store.Store
	events *duckdb.Store
	svc    *Service
	hub    *live.Hub
	org    string
	actor  Actor
}

// newFixture runs a service over a real SQLite state store and a real
// DuckDB event store in a temp dir.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Orgs().Create(ctx, store.Org{ID: "org1", Name: "Org 1", CreatedAt: time.Now(), RetentionDays: 30}); err != nil {
		t.Fatal(err)
	}
	events, err := duckdb.Open(ctx, duckdb.Options{Dir: filepath.Join(t.TempDir(), "events")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	hub := live.NewHub(nil)
	svc, err := New(ctx, Options{Store: st, Events: events, Hub: hub, FeedTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })
	// A feed a test creates must not be fetched by the loop's first pass
	// before the test runs it (the test's run then found it unchanged).
	<-svc.firstFeedPass
	return &fixture{ctx: ctx, st: st, events: events, svc: svc, hub: hub, org: "org1", actor: Actor{OrgID: "org1", UserID: "u1", Email: "a@test"}}
}

// ingest enriches, stores and publishes events as the pipeline does.
func (f *fixture) ingest(t *testing.T, fields ...event.Fields) []event.Event {
	t.Helper()
	now := time.Now().UTC()
	var evs []event.Event
	for i, fl := range fields {
		raw := fmt.Sprintf("%v", fl)
		ev := event.Event{ID: event.DeriveID(f.org, "test", raw+fmt.Sprint(now.UnixNano(), i)), OrgID: f.org, Timestamp: now, Ingested: now,
			Input: "test", Raw: raw, Fields: fl}
		f.svc.Enrich(&ev)
		evs = append(evs, ev)
	}
	res, err := f.events.Append(f.ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Publish(res.Stored)
	return res.Stored
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIndicatorLifecycleSightingsAndRetroHunt(t *testing.T) {
	f := newFixture(t)
	sub := f.hub.Subscribe(f.org)
	defer sub.Close()
	sub.Set([]string{live.ChannelThreats}, nil)
	// History: an event from before the indicator exists.
	past := f.ingest(t, event.Fields{"destination.ip": "203.0.113.7", "message": "connection to 203.0.113.7:443"},
		event.Fields{"destination.ip": "203.0.113.8", "message": "connection to 203.0.113.8:443"})
	if _, ok := past[0].Fields[FieldMatchedID]; ok {
		t.Fatal("matched before any indicator existed")
	}

	conf := 90
	in, err := f.svc.CreateIndicator(f.ctx, f.actor, IndicatorInput{Type: "ipv4", Value: " 203.0.113.7 ", Confidence: &conf, Severity: "critical",
		Tags: []string{"c2", "c2"}, Description: "C2"})
	if err != nil {
		t.Fatal(err)
	}
	if in.Value != "203.0.113.7" || in.Source != SourceManual || len(in.Tags) != 1 || in.RetroStatus != "pending" {
		t.Fatalf("created: %+v", in)
	}
	_, err = f.svc.CreateIndicator(f.ctx, f.actor, IndicatorInput{Type: "ipv4", Value: "203.0.113.7"})
	if err == nil || !strings.Contains(err.Error(), "already an indicator") {
		t.Fatalf("duplicate: %v", err)
	}
	_, err = f.svc.CreateIndicator(f.ctx, f.actor, IndicatorInput{Type: "ipv4", Value: "nope"})
	if fe, ok := err.(*FieldError); !ok || fe.Field != "value" {
		t.Fatalf("bad value: %v", err)
	}

	// The retro-hunt finds the past event.
	waitFor(t, "the retro-hunt", func() bool {
		x, _ := f.svc.GetIndicator(f.ctx, f.org, in.ID)
		return x.RetroStatus == "done"
	})
	x, _ := f.svc.GetIndicator(f.ctx, f.org, in.ID)
	if x.RetroHits != 1 || x.Sightings != 1 {
		t.Fatalf("retro-hunt: %+v", x)
	}
	ss, _, _ := f.svc.ListSightings(f.ctx, f.org, store.SightingFilter{Origin: "retro"})
	if len(ss) != 1 || ss[0].EventID != past[0].ID || ss[0].Field != "destination.ip" || ss[0].IndicatorValue != "203.0.113.7" {
		t.Fatalf("retro sightings: %+v", ss)
	}

	// A new event matches at ingest, is enriched and sighted.
	now := f.ingest(t, event.Fields{"source.ip": "10.0.0.5", "destination.ip": "203.0.113.7"})
	if now[0].Fields.Str(FieldMatchedID) != in.ID || now[0].Fields.Str("threat.indicator.severity") != "critical" {
		t.Fatalf("not enriched: %v", now[0].Fields)
	}
	stored, err := f.events.Get(f.ctx, f.org, now[0].ID)
	if err != nil || stored.Fields.Str(FieldMatchedType) != MatchedTypeIndicator {
		t.Fatalf("enrichment not stored: %v %v", err, stored.Fields)
	}
	waitFor(t, "the live sighting", func() bool {
		x, _ := f.svc.GetIndicator(f.ctx, f.org, in.ID)
		return x.Sightings == 2
	})
	select {
	case msg := <-sub.C:
		if !strings.Contains(string(msg), `"channel":"threats"`) || !strings.Contains(string(msg), now[0].ID) {
			t.Errorf("threats message: %s", msg)
		}
	case <-time.After(5 * time.Second):
		t.Error("no sighting on the threats channel")
	}

	// Editing the value moves the matcher; deleting stops matching.
	if _, err := f.svc.UpdateIndicator(f.ctx, f.actor, in.ID, IndicatorInput{Value: "203.0.113.8"}); err != nil {
		t.Fatal(err)
	}
	if ev := f.ingest(t, event.Fields{"destination.ip": "203.0.113.7"}); ev[0].Fields[FieldMatchedID] != nil {
		t.Error("old value still matches")
	}
	if ev := f.ingest(t, event.Fields{"destination.ip": "203.0.113.8"}); ev[0].Fields.Str(FieldMatchedID) != in.ID {
		t.Error("new value does not match")
	}
	past1 := time.Now().Add(-time.Minute)
	if _, err := f.svc.UpdateIndicator(f.ctx, f.actor, in.ID, IndicatorInput{ExpiresAt: &past1}); err != nil {
		t.Fatal(err)
	}
	if ev := f.ingest(t, event.Fields{"destination.ip": "203.0.113.8"}); ev[0].Fields[FieldMatchedID] != nil {
		t.Error("expired indicator matches")
	}
	if n, err := f.svc.DeleteIndicators(f.ctx, f.actor, []string{in.ID}); err != nil || n != 1 {
		t.Fatalf("delete: %v %d", err, n)
	}
	if _, err := f.svc.DeleteIndicators(f.ctx, Actor{OrgID: "org1"}, []string{in.ID}); err == nil {
		t.Error("deleting twice succeeded")
	}
	audit, err := f.st.Audit().List(f.ctx, f.org, store.AuditFilter{Limit: 50})
	if err != nil || len(audit) < 4 {
		t.Fatalf("audit: %v %d", err, len(audit))
	}
}

func TestImportServiceReport(t *testing.T) {
	f := newFixture(t)
	data, err := os.ReadFile("testdata/stix_bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Import(f.ctx, f.actor, ImportRequest{Name: "bundle.json", Data: data, Source: "partner-cert", Tags: []string{"shared"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatSTIX || rep.Created != 8 || rep.Updated != 0 || rep.ErrorCount != 5 || rep.RetroHunted != 8 {
		t.Fatalf("report: %+v", rep)
	}
	// Re-importing the same source updates, never duplicates.
	rep, err = f.svc.Import(f.ctx, f.actor, ImportRequest{Name: "bundle.json", Data: data, Source: "partner-cert"})
	if err != nil || rep.Created != 0 || rep.Updated != 8 {
		t.Fatalf("re-import: %v %+v", err, rep)
	}
	list, total, err := f.svc.ListIndicators(f.ctx, f.org, store.IndicatorFilter{Source: "partner-cert", Tag: "shared"})
	if err != nil || total != 8 || len(list) != 8 {
		t.Fatalf("list: %v %d", err, total)
	}
	// The imported indicators match at once: a CIDR, a domain suffix, a URL.
	ev := f.ingest(t, event.Fields{"source.ip": "203.0.113.200", "url.full": "https://kit.example.net/a/%7euser/index.php",
		"dns.question.name": "cdn.login-example.xn--p1ai"})
	if got := ev[0].Fields[FieldMatchedField].([]string); len(got) != 3 {
		t.Errorf("matched fields: %v", got)
	}
	if _, err := f.svc.Import(f.ctx, f.actor, ImportRequest{Data: data, Source: "manual"}); err == nil {
		t.Error("import into the manual source")
	}
	if _, err := f.svc.Import(f.ctx, f.actor, ImportRequest{Data: []byte("{"), Format: FormatMISP}); err == nil {
		t.Error("unreadable document imported")
	}
}

// feedServer serves a feed document with an ETag and Last-Modified and
// answers 304 to a matching conditional request.
type feedServer struct {
	mu          sync.Mutex
	files       map[string]string
	version     int
	status      int
	conditional atomic.Int64 // conditional requests seen
	notModified atomic.Int64
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status != 0 {
		w.WriteHeader(s.status)
		return
	}
	body, ok := s.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"v%d"`, s.version)
	modified := time.Date(2026, 3, 1, 0, 0, s.version, 0, time.UTC).Format(http.TimeFormat)
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		s.conditional.Add(1)
	}
	if r.Header.Get("If-None-Match") == etag {
		s.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", modified)
	_, _ = w.Write([]byte(body))
}

func (s *feedServer) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = body
	s.version++
}

// A "run now" while the feed is being fetched waits for that fetch and
// returns its result, instead of failing or fetching twice.
func TestRunFeedJoinsFetchUnderWay(t *testing.T) {
	f := newFixture(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	var requests atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			close(arrived)
		}
		<-release
		_, _ = w.Write([]byte("198.51.100.7\n198.51.100.8\n"))
	}))
	defer ts.Close()
	name, u, format, interval := "slow list", ts.URL+"/list.txt", "plain", 3600
	feed, err := f.svc.CreateFeed(f.ctx, f.actor, FeedInput{Name: &name, URL: &u, Format: &format, IntervalSeconds: &interval})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		run FeedRun
		err error
	}
	first := make(chan result, 1)
	go func() {
		run, err := f.svc.RunFeed(f.ctx, f.actor, feed.ID)
		first <- result{run, err}
	}()
	<-arrived
	second := make(chan result, 1)
	go func() {
		run, err := f.svc.RunFeed(f.ctx, f.actor, feed.ID)
		second <- result{run, err}
	}()
	time.Sleep(50 * time.Millisecond) // the second click reaches the fetch under way
	close(release)
	a, b := <-first, <-second
	if a.err != nil || b.err != nil || a.run.Created != 2 || b.run.Created != 2 {
		t.Fatalf("runs: %v %+v / %v %+v", a.err, a.run, b.err, b.run)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

func TestFeedConditionalRequestsExpiryAndBackoff(t *testing.T) {
	f := newFixture(t)
	fs := &feedServer{files: map[string]string{}}
	fs.set("/list.txt", "198.51.100.1\n198.51.100.2\nbad value here\n")
	ts := httptest.NewServer(fs)
	defer ts.Close()

	name, u, format, interval := "blocklist", ts.URL+"/list.txt", "plain", 3600
	feed, err := f.svc.CreateFeed(f.ctx, f.actor, FeedInput{Name: &name, URL: &u, Format: &format, IntervalSeconds: &interval, Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	run, err := f.svc.RunFeed(f.ctx, f.actor, feed.ID)
	if err != nil || run.Created != 2 || run.ErrorCount != 1 || run.NotModified || run.Feed.LastError != "" || run.Feed.ETag == "" {
		t.Fatalf("first run: %v %+v", err, run)
	}
	if ev := f.ingest(t, event.Fields{"source.ip": "198.51.100.2"}); ev[0].Fields.Str("threat.indicator.provider") != "feed:"+feed.ID {
		t.Fatalf("feed indicator does not match: %v", ev[0].Fields)
	}
	// Unchanged: a conditional request and a 304, nothing touched.
	run, err = f.svc.RunFeed(f.ctx, f.actor, feed.ID)
	if err != nil || !run.NotModified || fs.notModified.Load() != 1 || run.Feed.LastCount != 2 {
		t.Fatalf("second run: %v %+v (304s: %d)", err, run, fs.notModified.Load())
	}
	// The feed drops an entry: it expires and stops matching.
	fs.set("/list.txt", "198.51.100.1\n198.51.100.3\n")
	run, err = f.svc.RunFeed(f.ctx, f.actor, feed.ID)
	if err != nil || run.Created != 1 || run.Updated != 1 || run.Expired != 1 {
		t.Fatalf("third run: %v %+v", err, run)
	}
	if ev := f.ingest(t, event.Fields{"source.ip": "198.51.100.2"}); ev[0].Fields[FieldMatchedID] != nil {
		t.Error("an indicator that left the feed still matches")
	}
	yes := true
	active, total, _ := f.svc.ListIndicators(f.ctx, f.org, store.IndicatorFilter{FeedID: feed.ID, Active: &yes})
	if total != 2 || len(active) != 2 {
		t.Errorf("active feed indicators: %d", total)
	}
	// Failures back off and are reported.
	fs.mu.Lock()
	fs.status = http.StatusBadGateway
	fs.mu.Unlock()
	run, err = f.svc.RunFeed(f.ctx, f.actor, feed.ID)
	if err != nil || !strings.Contains(run.Error, "HTTP 502") || run.Feed.Failures != 1 {
		t.Fatalf("failing run: %v %+v", err, run)
	}
	if d := run.Feed.NextRunAt.Sub(*run.Feed.LastRunAt); d != time.Minute {
		t.Errorf("first backoff %s, want 1m", d)
	}
	run, _ = f.svc.RunFeed(f.ctx, f.actor, feed.ID)
	if d := run.Feed.NextRunAt.Sub(*run.Feed.LastRunAt); d != 2*time.Minute || run.Feed.Failures != 2 {
		t.Errorf("second backoff %s (failures %d), want 2m", d, run.Feed.Failures)
	}
	sum, err := f.svc.Summary(f.ctx, f.org)
	if err != nil || sum.FailingFeeds != 1 || sum.ActiveFeeds != 1 || sum.Indicators != 2 {
		t.Errorf("summary: %v %+v", err, sum)
	}
	// Unsubscribing expires what the feed brought.
	if err := f.svc.DeleteFeed(f.ctx, f.actor, feed.ID); err != nil {
		t.Fatal(err)
	}
	if ev := f.ingest(t, event.Fields{"source.ip": "198.51.100.1"}); ev[0].Fields[FieldMatchedID] != nil {
		t.Error("a deleted feed's indicator still matches")
	}
	if fs.conditional.Load() < 2 {
		t.Errorf("conditional requests: %d", fs.conditional.Load())
	}
	if d := backoff(20, 60); d != time.Hour {
		t.Errorf("backoff cap: %s", d)
	}
	bad := "ftp://x"
	if _, err := f.svc.CreateFeed(f.ctx, f.actor, FeedInput{Name: &name, URL: &bad, Format: &format}); err == nil {
		t.Error("ftp feed accepted")
	}
}

func TestMISPFeed(t *testing.T) {
	f := newFixture(t)
	fs := &feedServer{files: map[string]string{}}
	entries, err := os.ReadDir("testdata/mispfeed")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata/mispfeed", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fs.set("/feeds/example/"+e.Name(), string(b))
	}
	ts := httptest.NewServer(fs)
	defer ts.Close()
	name, u, format := "example misp", ts.URL+"/feeds/example/", "misp-feed"
	feed, err := f.svc.CreateFeed(f.ctx, f.actor, FeedInput{Name: &name, URL: &u, Format: &format})
	if err != nil {
		t.Fatal(err)
	}
	run, err := f.svc.RunFeed(f.ctx, f.actor, feed.ID)
	if err != nil || run.Created != 6 || run.ErrorCount != 0 || run.Error != "" {
		t.Fatalf("run: %v %+v", err, run)
	}
	run, err = f.svc.RunFeed(f.ctx, f.actor, feed.ID)
	if err != nil || !run.NotModified {
		t.Fatalf("manifest unchanged: %v %+v", err, run)
	}
	ev := f.ingest(t, event.Fields{"destination.ip": "192.0.2.151", "url.full": "https://secure-login.example.com/owa/"})
	if got := ev[0].Fields[FieldMatchedID].([]string); len(got) != 3 {
		t.Errorf("matches: %v", ev[0].Fields)
	}
	if ev[0].Fields.Str("threat.indicator.severity") != "high" {
		t.Errorf("strongest: %v", ev[0].Fields)
	}
}

func TestCheck(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, event.Fields{"message": "dns query for www.evil.example from 10.0.0.9", "dns.question.name": "www.evil.example"})
	if _, err := f.svc.CreateIndicator(f.ctx, f.actor, IndicatorInput{Value: "evil.example", Severity: "high"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateIndicator(f.ctx, f.actor, IndicatorInput{Type: "cidr", Value: "192.0.2.0/24", Severity: "low"}); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Check(f.ctx, f.org, []string{"www.evil.example", "192.0.2.10", "hxxp://evil[.]example/x", "good.example", "EvilBot 1.0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		known bool
		typ   Type
		match string
	}{{true, TypeDomain, "domain"}, {true, TypeIPv4, "cidr"}, {true, TypeURL, "domain"}, {false, TypeDomain, ""}, {false, "", ""}}
	for i, w := range want {
		r := res[i]
		if r.Known != w.known || r.Type != w.typ || (w.match != "" && (len(r.Indicators) != 1 || r.Indicators[0].Match != w.match)) {
			t.Errorf("%s: %+v", r.Value, r)
		}
	}
	if res[0].LocalEvents != 1 || len(res[0].RecentEvents) != 1 {
		t.Errorf("local events: %+v", res[0])
	}
	if res[4].Problem == "" {
		t.Error("an unknown type is not said")
	}
	if _, err := f.svc.Check(f.ctx, f.org, nil); err == nil {
		t.Error("empty check")
	}
}

func TestPublishNeverBlocks(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := New(t.Context(), Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing drains the queue (Run is not running): Publish drops.
	ev := event.Event{ID: "e", OrgID: "o", Fields: event.Fields{FieldMatchedID: []string{"i"}, FieldMatchedField: []string{"source.ip"}}}
	start := time.Now()
	for i := 0; i < cap(svc.sightings)+10; i++ {
		svc.Publish([]event.Event{ev})
	}
	if time.Since(start) > 5*time.Second || svc.Stats().DroppedSightings != 10 {
		t.Fatalf("dropped %d in %s", svc.Stats().DroppedSightings, time.Since(start))
	}
}
