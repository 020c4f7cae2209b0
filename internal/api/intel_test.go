package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/intel"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/rules"
)

// newIntelService runs the intel service of a fixture: it enriches the
// fixture's pipeline and records sightings in the background.
func newIntelService(t *testing.T, st store.Store, events *duckdb.Store, hub *live.Hub) *intel.Service {
	t.Helper()
	svc, err := intel.New(t.Context(), intel.Options{Store: st, Events: events, Hub: hub, FeedTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return svc
}

// intelPublisher passes committed events to the live hub, detection and
// the intel service (sightings), as the server does.
type intelPublisher struct {
	hubPublisher
	i *intel.Service
}

func (p intelPublisher) Publish(stored []event.Event) {
	p.hubPublisher.Publish(stored)
	p.i.Publish(stored)
}

// intelParams fills the route walk's intel path parameters with fresh
// records of org A.
func (f *fixture) intelParams(t *testing.T, path string, params map[string]string) bool {
	t.Helper()
	now := time.Now().UTC()
	switch {
	case strings.HasPrefix(path, "/api/v1/intel/indicators/{id}"):
		id := fmt.Sprintf("walk-ind-%d", f.seq.Add(1))
		err := f.st.Intel().CreateIndicator(f.ctx, store.Indicator{ID: id, OrgID: f.org.ID, Type: "domain", Value: id + ".example",
			Confidence: 50, Severity: "medium", Source: "manual", FirstSeen: now, LastSeen: now, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		params["id"] = id
	case strings.HasPrefix(path, "/api/v1/intel/feeds/{id}"):
		id := fmt.Sprintf("walk-feed-%d", f.seq.Add(1))
		err := f.st.Intel().CreateFeed(f.ctx, store.Feed{ID: id, OrgID: f.org.ID, Name: id, URL: "http://127.0.0.1:1/feed.txt", Format: "plain",
			IntervalSeconds: 3600, Enabled: false, Confidence: 50, Severity: "medium", NextRunAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		params["id"] = id
	default:
		return false
	}
	return true
}

type indicatorJSON struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Value       string   `json:"value"`
	Severity    string   `json:"severity"`
	Source      string   `json:"source"`
	Tags        []string `json:"tags"`
	Sightings   int64    `json:"sightings"`
	Active      bool     `json:"active"`
	RetroStatus string   `json:"retro_status"`
	RetroHits   int64    `json:"retro_hits"`
	ExpiresAt   *string  `json:"expires_at"`
}

// TestIntelEndToEnd: an analyst adds an indicator; an event that matches
// is sent through the HTTP event API; the built-in rule raises an alert
// carrying the match, and the sighting is recorded.
func TestIntelEndToEnd(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	f.newUser(t, "analyst@a.test", auth.RoleAnalyst)
	analyst := f.login(t, "analyst@a.test", userPass).AccessToken
	// The built-in "Threat intelligence indicator match" rule, as the pack
	// installs it.
	src, err := rules.FS.ReadFile("eventsec/application/app_threat_intel_indicator_match.yml")
	if err != nil {
		t.Fatal(err)
	}
	r := f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": string(src)})
	wantStatus(t, r, http.StatusCreated)

	// An event from before the indicator: found by the retro-hunt.
	wantStatus(t, f.send(t, "POST", "/api/v1/events", admin, map[string]any{"message": "beacon to 198.51.100.66", "destination": map[string]any{"ip": "198.51.100.66"}}), http.StatusAccepted)

	r = f.send(t, "POST", "/api/v1/intel/indicators", analyst, map[string]any{"type": "ipv4", "value": "198.51.100.66", "severity": "critical",
		"confidence": 90, "tags": []string{"c2"}, "description": "Loader C2"})
	wantStatus(t, r, http.StatusCreated)
	ind := decode[indicatorJSON](t, r)
	if ind.Value != "198.51.100.66" || ind.Source != "manual" || !ind.Active {
		t.Fatalf("created: %+v", ind)
	}
	// Seed path: same list.
	r = f.get(t, "/api/threats/indicators?type=ipv4", analyst)
	wantStatus(t, r, http.StatusOK)
	if l := decode[struct{ Total int }](t, r); l.Total != 1 {
		t.Fatalf("seed list: %s", r)
	}

	r = f.send(t, "POST", "/api/v1/events", admin, map[string]any{"@timestamp": time.Now().UTC().Format(time.RFC3339), "message": "outbound connection",
		"source": map[string]any{"ip": "10.0.0.5"}, "destination": map[string]any{"ip": "198.51.100.66", "port": 443}, "host": map[string]any{"name": "web1"}})
	wantStatus(t, r, http.StatusAccepted)

	var alertID string
	deadline := time.Now().Add(15 * time.Second)
	waitUntil(t, "the intel alert", func() bool {
		if time.Now().After(deadline) {
			t.Logf("alerts: %s", f.get(t, "/api/v1/alerts", analyst))
			t.Logf("events: %s", f.get(t, "/api/v1/events?query=destination.ip:198.51.100.66", analyst))
			t.Logf("rules: %s", f.get(t, "/api/v1/rules?pack=custom", analyst))
			deadline = deadline.Add(time.Hour)
		}
		r := f.get(t, "/api/v1/alerts", analyst)
		type alert struct{ ID, Title, Severity string }
		var l struct {
			Alerts []alert // the list's key was "items" in an earlier version
			Items  []alert
		}
		_ = json.Unmarshal(r.Body, &l)
		for _, a := range append(l.Alerts, l.Items...) {
			if a.Title == "Threat Intelligence Indicator Match" {
				alertID = a.ID
				return true
			}
		}
		return false
	})
	r = f.get(t, "/api/v1/alerts/"+alertID, analyst)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.Body, []byte(ind.ID)) || !bytes.Contains(r.Body, []byte("threat")) {
		t.Errorf("the alert's event does not carry the match: %s", r)
	}
	waitUntil(t, "the sightings", func() bool {
		r := f.get(t, "/api/v1/intel/indicators/"+ind.ID, analyst)
		x := decode[indicatorJSON](t, r)
		return x.Sightings == 2 && x.RetroStatus == "done" && x.RetroHits == 1
	})
	r = f.get(t, "/api/v1/intel/sightings?indicator_id="+ind.ID, analyst)
	wantStatus(t, r, http.StatusOK)
	var sl struct {
		Items []struct{ Origin, Field, IndicatorValue string }
		Total int
	}
	_ = json.Unmarshal(r.Body, &sl)
	if sl.Total != 2 {
		t.Errorf("sightings: %s", r)
	}
	r = f.get(t, "/api/v1/intel/summary", analyst)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.Body, []byte(`"ipv4":1`)) || !bytes.Contains(r.Body, []byte(`"sightings_24h":2`)) {
		t.Errorf("summary: %s", r)
	}

	// Check: known value, unknown value.
	r = f.send(t, "POST", "/api/threats/check", analyst, map[string]any{"values": []string{"198.51.100.66", "192.0.2.250"}})
	wantStatus(t, r, http.StatusOK)
	var cr struct {
		Known   bool
		Results []struct {
			Known      bool
			Indicators []struct{ ID, Match string }
			Sightings  int64
		}
	}
	if err := json.Unmarshal(r.Body, &cr); err != nil || !cr.Known || !cr.Results[0].Known || cr.Results[1].Known ||
		len(cr.Results[0].Indicators) != 1 || cr.Results[0].Indicators[0].ID != ind.ID || cr.Results[0].Indicators[0].Match != "exact" {
		t.Errorf("check: %s", r)
	}
	wantError(t, f.send(t, "POST", "/api/threats/check", analyst, map[string]any{}), http.StatusBadRequest, "validation_failed", "value")
	wantError(t, f.send(t, "POST", "/api/threats/check", analyst, map[string]any{"values": []string{"x", " "}}), http.StatusBadRequest, "validation_failed", "values[1]")

	// Patterns: the ATT&CK-mapped rules.
	r = f.get(t, "/api/threats/patterns", analyst)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.Body, []byte("Threat Intelligence Indicator Match")) || !bytes.Contains(r.Body, []byte(`"T1071"`)) {
		t.Errorf("patterns: %s", r)
	}

	// Patch and delete.
	r = f.send(t, "PATCH", "/api/v1/intel/indicators/"+ind.ID, analyst, map[string]any{"severity": "low", "expires_at": "2099-01-01T00:00:00Z"})
	wantStatus(t, r, http.StatusOK)
	if x := decode[indicatorJSON](t, r); x.Severity != "low" || x.ExpiresAt == nil {
		t.Errorf("patched: %s", r)
	}
	r = f.send(t, "PATCH", "/api/v1/intel/indicators/"+ind.ID, analyst, map[string]any{"expires_at": nil})
	if x := decode[indicatorJSON](t, r); x.ExpiresAt != nil {
		t.Errorf("expiry not removed: %s", r)
	}
	wantStatus(t, f.send(t, "DELETE", "/api/v1/intel/indicators/"+ind.ID, analyst, nil), http.StatusNoContent)
	wantError(t, f.get(t, "/api/v1/intel/indicators/"+ind.ID, analyst), http.StatusNotFound, "not_found", "")
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(16 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIntelValidationAndTenancy(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	for _, tc := range []struct {
		body  map[string]any
		code  string
		field string
	}{
		{map[string]any{"type": "ipv4", "value": "300.1.1.1"}, "validation_failed", "value"},
		{map[string]any{"type": "hash", "value": "x"}, "validation_failed", "type"},
		{map[string]any{"value": ""}, "validation_failed", "value"},
		{map[string]any{"value": "evil.example", "confidence": 101}, "validation_failed", "confidence"},
		{map[string]any{"value": "evil.example", "severity": "severe"}, "validation_failed", "severity"},
		{map[string]any{"value": "evil.example", "expires_at": "tomorrow"}, "validation_failed", "expires_at"},
		{map[string]any{"value": "evil.example", "colour": "red"}, "unknown_field", "colour"},
		{map[string]any{"value": "evil.example", "source": "feed:x"}, "validation_failed", "source"},
	} {
		wantError(t, f.send(t, "POST", "/api/v1/intel/indicators", admin, tc.body), http.StatusBadRequest, tc.code, tc.field)
	}
	r := f.send(t, "POST", "/api/v1/intel/indicators", admin, map[string]any{"value": "Evil.Example."})
	wantStatus(t, r, http.StatusCreated)
	ind := decode[indicatorJSON](t, r)
	if ind.Type != "domain" || ind.Value != "evil.example" {
		t.Fatalf("detected: %+v", ind)
	}
	wantError(t, f.send(t, "POST", "/api/v1/intel/indicators", admin, map[string]any{"value": "evil.example"}), http.StatusConflict, "conflict", "value")
	wantError(t, f.get(t, "/api/v1/intel/indicators?sort=random", admin), http.StatusBadRequest, "validation_failed", "sort")
	wantError(t, f.get(t, "/api/v1/intel/indicators?limit=0", admin), http.StatusBadRequest, "validation_failed", "limit")

	// Org B sees none of it.
	b, err := f.svc.CreateOrg(f.ctx, nil, auth.OrgInput{Name: "Org B", AdminEmail: "boss@b.test", AdminPassword: otherPass})
	if err != nil {
		t.Fatal(err)
	}
	bTok := f.login(t, "boss@b.test", otherPass).AccessToken
	_ = b
	wantError(t, f.get(t, "/api/v1/intel/indicators/"+ind.ID, bTok), http.StatusNotFound, "not_found", "")
	wantError(t, f.send(t, "DELETE", "/api/v1/intel/indicators/"+ind.ID, bTok, nil), http.StatusNotFound, "not_found", "")
	r = f.get(t, "/api/v1/intel/indicators", bTok)
	if l := decode[struct{ Total int }](t, r); l.Total != 0 {
		t.Errorf("org B lists org A's indicators: %s", r)
	}
	r = f.send(t, "POST", "/api/threats/check", bTok, map[string]any{"value": "evil.example"})
	if bytes.Contains(r.Body, []byte(`"known":true`)) {
		t.Errorf("org B's check knows org A's indicator: %s", r)
	}
	r = f.send(t, "POST", "/api/v1/intel/indicators/delete", bTok, map[string]any{"ids": []string{ind.ID}})
	if !bytes.Contains(r.Body, []byte(`"deleted":0`)) {
		t.Errorf("bulk delete across orgs: %s", r)
	}
	r = f.send(t, "POST", "/api/v1/intel/indicators/delete", admin, map[string]any{"ids": []string{ind.ID, "missing"}})
	if !bytes.Contains(r.Body, []byte(`"deleted":1`)) {
		t.Errorf("bulk delete: %s", r)
	}
}

func TestIntelImportExportAndFeeds(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	// Multipart with options as form fields.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "blocklist.txt")
	fw.Write([]byte("# list\n192.0.2.10\nevil[.]example\nnot a value\n"))
	mw.WriteField("source", "partner")
	mw.WriteField("severity", "high")
	mw.WriteField("tags", "shared, partner")
	mw.Close()
	r := f.do(t, request{Method: "POST", Path: "/api/v1/intel/import", Token: admin, Body: body.Bytes(), CT: mw.FormDataContentType()})
	wantStatus(t, r, http.StatusOK)
	var rep struct {
		Format           string
		Created, Updated int
		ErrorCount       int `json:"error_count"`
		Errors           []struct {
			Record, Line  int
			Field, Reason string
		}
		Source string
	}
	if err := json.Unmarshal(r.Body, &rep); err != nil || rep.Format != "plain" || rep.Created != 2 || rep.ErrorCount != 1 ||
		rep.Errors[0].Line != 4 || rep.Source != "partner" {
		t.Fatalf("import: %s", r)
	}
	// Raw body with the options in the query.
	r = f.do(t, request{Method: "POST", Path: "/api/v1/intel/import?format=csv&name=x.csv&source=partner", Token: admin,
		Body: "type,value,severity\nipv4,192.0.2.10,critical\nsha1,abc,high\n", CT: "text/csv"})
	wantStatus(t, r, http.StatusOK)
	if err := json.Unmarshal(r.Body, &rep); err != nil || rep.Created != 0 || rep.Updated != 1 || rep.ErrorCount != 1 || rep.Errors[0].Field != "value" {
		t.Fatalf("csv import: %s", r)
	}
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/intel/import?format=yaml", Token: admin, Body: "x", CT: "text/plain"}),
		http.StatusBadRequest, "validation_failed", "format")
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/intel/import?format=stix", Token: admin, Body: "{", CT: "application/json"}),
		http.StatusBadRequest, "validation_failed", "")
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/intel/import", Token: admin, Body: "  ", CT: "text/plain"}),
		http.StatusBadRequest, "validation_failed", "file")

	// Export both ways, and back.
	r = f.get(t, "/api/v1/intel/export?format=stix&source=partner", admin)
	wantStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/stix+json") || !bytes.Contains(r.Body, []byte(`[ipv4-addr:value = '192.0.2.10']`)) {
		t.Errorf("stix export: %s", r)
	}
	p, err := intel.Parse(intel.FormatSTIX, "export.json", r.Body)
	if err != nil || len(p.Indicators) != 2 {
		t.Errorf("the export does not import back: %v %d", err, len(p.Indicators))
	}
	r = f.get(t, "/api/v1/intel/export?format=csv", admin)
	wantStatus(t, r, http.StatusOK)
	if !bytes.HasPrefix(r.Body, []byte("type,value,confidence")) || !bytes.Contains(r.Body, []byte("domain,evil.example,")) {
		t.Errorf("csv export: %s", r)
	}
	wantError(t, f.get(t, "/api/v1/intel/export?format=xml", admin), http.StatusBadRequest, "validation_failed", "format")

	// A feed served by a real HTTP server, with ETag and 304.
	var hits, notModified int
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.Header.Get("If-None-Match") == `"v1"` {
			notModified++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, "198.51.100.5\n198.51.100.6\n")
	}))
	defer feedSrv.Close()
	r = f.send(t, "POST", "/api/v1/intel/feeds", admin, map[string]any{"name": "local list", "url": feedSrv.URL + "/list.txt", "format": "plain",
		"interval_seconds": 600, "severity": "high", "tags": []string{"feed"}})
	wantStatus(t, r, http.StatusCreated)
	var feed struct {
		ID, Status string
		LastCount  int `json:"last_count"`
	}
	_ = json.Unmarshal(r.Body, &feed)
	if feed.Status != "never_run" {
		t.Errorf("new feed: %s", r)
	}
	wantError(t, f.send(t, "POST", "/api/v1/intel/feeds", admin, map[string]any{"name": "x", "url": "file:///etc/passwd", "format": "plain"}),
		http.StatusBadRequest, "validation_failed", "url")
	wantError(t, f.send(t, "POST", "/api/v1/intel/feeds", admin, map[string]any{"name": "y", "url": feedSrv.URL, "format": "plain", "interval_seconds": 5}),
		http.StatusBadRequest, "validation_failed", "interval_seconds")
	wantError(t, f.send(t, "POST", "/api/v1/intel/feeds", admin, map[string]any{"name": "local list", "url": feedSrv.URL, "format": "plain"}),
		http.StatusConflict, "conflict", "name")
	r = f.send(t, "POST", "/api/v1/intel/feeds/"+feed.ID+"/run", admin, nil)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.Body, []byte(`"created":2`)) || !bytes.Contains(r.Body, []byte(`"status":"ok"`)) {
		t.Errorf("run: %s", r)
	}
	r = f.send(t, "POST", "/api/v1/intel/feeds/"+feed.ID+"/run", admin, nil)
	if !bytes.Contains(r.Body, []byte(`"not_modified":true`)) || notModified != 1 {
		t.Errorf("second run: %s (304s %d)", r, notModified)
	}
	r = f.send(t, "PATCH", "/api/v1/intel/feeds/"+feed.ID, admin, map[string]any{"enabled": false})
	if !bytes.Contains(r.Body, []byte(`"status":"disabled"`)) {
		t.Errorf("disable: %s", r)
	}
	r = f.get(t, "/api/v1/intel/feeds", admin)
	if !bytes.Contains(r.Body, []byte(`"last_count":2`)) {
		t.Errorf("feeds: %s", r)
	}
	wantStatus(t, f.send(t, "DELETE", "/api/v1/intel/feeds/"+feed.ID, admin, nil), http.StatusNoContent)
	r = f.get(t, "/api/v1/intel/indicators?active=true&type=ipv4&q=198.51.100", admin)
	if l := decode[struct{ Total int }](t, r); l.Total != 0 {
		t.Errorf("a deleted feed's indicators are still active: %s", r)
	}
}

// intelTenantCases stores org B's indicator and feed for the tenant test.
func (f *fixture) intelTenantCases(t *testing.T, orgB string) (map[string][]string, map[string]any) {
	t.Helper()
	// intelParams creates records in org A; these are org B's.
	now := time.Now().UTC()
	ind := fmt.Sprintf("b-ind-%d", f.seq.Add(1))
	if err := f.st.Intel().CreateIndicator(f.ctx, store.Indicator{ID: ind, OrgID: orgB, Type: "domain", Value: ind + ".example",
		Confidence: 50, Severity: "medium", Source: "manual", FirstSeen: now, LastSeen: now, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	feed := fmt.Sprintf("b-feed-%d", f.seq.Add(1))
	if err := f.st.Intel().CreateFeed(f.ctx, store.Feed{ID: feed, OrgID: orgB, Name: feed, URL: "http://127.0.0.1:1/feed.txt", Format: "plain",
		IntervalSeconds: 3600, Confidence: 50, Severity: "medium", NextRunAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	ids := map[string][]string{
		"/api/v1/intel/indicators/{id}":           {ind},
		"/api/v1/intel/indicators/{id}/retrohunt": {ind},
		"/api/v1/intel/feeds/{id}":                {feed},
		"/api/v1/intel/feeds/{id}/run":            {feed},
	}
	bodies := map[string]any{
		"PATCH /api/v1/intel/indicators/{id}": map[string]any{"severity": "low"},
		"PATCH /api/v1/intel/feeds/{id}":      map[string]any{"name": "pwned"},
	}
	return ids, bodies
}
