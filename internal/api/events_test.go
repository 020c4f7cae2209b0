package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/eventsec/eventsec/internal/api"
	"github.com/eventsec/eventsec/internal/auth"
)

type eventPage struct {
	Items []struct {
		ID            string         `json:"id"`
		SeverityLabel string         `json:"severity_label"`
		Raw           string         `json:"raw"`
		Fields        map[string]any `json:"fields"`
	} `json:"items"`
	Total      int64   `json:"total"`
	NextCursor *string `json:"next_cursor"`
}

func TestEventsEndToEnd(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	_, ingestKey := f.newKey(t, auth.RoleIngest, 0)

	body := `{"id":"e1","@timestamp":"2026-11-23T09:00:00Z","message":"Failed password for root","user":{"name":"root"},"event":{"severity":80},"source":{"ip":"10.1.2.3"}}
{"id":"e2","@timestamp":"2026-11-23T09:01:00Z","message":"session opened for alice","user":{"name":"alice"}}
not json
{"id":"e3","@timestamp":"2026-11-23T09:02:00Z","message":"ok","user":{"name":"bob"}}`
	r := f.do(t, request{Method: "POST", Path: "/api/v1/events", Token: ingestKey, Body: body, CT: "application/x-ndjson"})
	wantStatus(t, r, http.StatusAccepted)
	res := decode[struct {
		Accepted int `json:"accepted"`
		Rejected []struct {
			Index  int    `json:"index"`
			Reason string `json:"reason"`
		} `json:"rejected"`
	}](t, r)
	if res.Accepted != 3 || len(res.Rejected) != 1 || res.Rejected[0].Index != 2 || res.Rejected[0].Reason == "" {
		t.Fatalf("ingest result: %s", r)
	}
	// A retry stores nothing twice.
	r = f.do(t, request{Method: "POST", Path: "/api/security-events", Token: ingestKey, Body: strings.Split(body, "\n")[0]})
	wantStatus(t, r, http.StatusAccepted)
	if !strings.Contains(string(r.Body), `"duplicates":1`) {
		t.Fatalf("retry: %s", r)
	}
	// An ingest key reads nothing; a viewer sends nothing.
	wantError(t, f.get(t, "/api/v1/events", ingestKey), http.StatusForbidden, "forbidden", "")
	_, viewerKey := f.newKey(t, auth.RoleViewer, 0)
	wantError(t, f.send(t, "POST", "/api/v1/events", viewerKey, `{"message":"x"}`), http.StatusForbidden, "forbidden", "")

	from := "&from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"
	page := decode[eventPage](t, f.get(t, "/api/v1/events?size=2"+from, admin))
	if page.Total != 3 || len(page.Items) != 2 || page.NextCursor == nil || page.Items[0].ID != "e3" {
		t.Fatalf("first page: %+v", page)
	}
	page2 := decode[eventPage](t, f.get(t, "/api/v1/events?size=2"+from+"&cursor="+*page.NextCursor, admin))
	if len(page2.Items) != 1 || page2.Items[0].ID != "e1" || page2.NextCursor != nil {
		t.Fatalf("second page: %+v", page2)
	}
	// Oldest first: order=asc, with its own cursor; a cursor of one order
	// is refused with the other.
	page = decode[eventPage](t, f.get(t, "/api/v1/events?size=2&order=asc"+from, admin))
	if page.Total != 3 || len(page.Items) != 2 || page.NextCursor == nil || page.Items[0].ID != "e1" || page.Items[1].ID != "e2" {
		t.Fatalf("first page oldest first: %+v", page)
	}
	page2 = decode[eventPage](t, f.get(t, "/api/v1/events?size=2&order=ASC"+from+"&cursor="+*page.NextCursor, admin))
	if len(page2.Items) != 1 || page2.Items[0].ID != "e3" || page2.NextCursor != nil {
		t.Fatalf("second page oldest first: %+v", page2)
	}
	wantError(t, f.get(t, "/api/v1/events?size=2&order=desc"+from+"&cursor="+*page.NextCursor, admin), http.StatusBadRequest, "validation_failed", "cursor")
	wantError(t, f.get(t, "/api/v1/events?size=2"+from+"&cursor="+*page.NextCursor, admin), http.StatusBadRequest, "validation_failed", "cursor")
	page = decode[eventPage](t, f.get(t, "/api/v1/events?order=desc&query=user.name:*"+from, admin))
	if page.Total != 3 || page.Items[0].ID != "e3" {
		t.Fatalf("newest first with a query: %+v", page)
	}
	page = decode[eventPage](t, f.get(t, "/api/security-events?order=asc&query=user.name:*"+from, admin))
	if page.Total != 3 || page.Items[0].ID != "e1" {
		t.Fatalf("oldest first with a query (alias path): %+v", page)
	}
	wantError(t, f.get(t, "/api/v1/events?order=time", admin), http.StatusBadRequest, "validation_failed", "order")
	page = decode[eventPage](t, f.get(t, "/api/v1/events?query=user.name:root"+from, admin))
	if page.Total != 1 || page.Items[0].SeverityLabel != "high" || !strings.Contains(page.Items[0].Raw, "Failed password") {
		t.Fatalf("field query: %+v", page)
	}
	page = decode[eventPage](t, f.get(t, "/api/v1/events?severity=high,critical"+from, admin))
	if page.Total != 1 {
		t.Fatalf("severity filter: %+v", page)
	}
	page = decode[eventPage](t, f.get(t, "/api/v1/events?query=%22session+opened%22"+from, admin))
	if page.Total != 1 || page.Items[0].ID != "e2" {
		t.Fatalf("phrase: %+v", page)
	}
	ev := decode[map[string]any](t, f.get(t, "/api/v1/events/e1", admin))
	if ev["id"] != "e1" || ev["raw"] == "" {
		t.Fatalf("get: %v", ev)
	}
	wantError(t, f.get(t, "/api/v1/events/nope", admin), http.StatusNotFound, "not_found", "")

	for _, tc := range []struct{ q, field, code string }{
		{"?query=user.name:(", "query", "bad_query"},
		{"?severity=urgent", "severity", "validation_failed"},
		{"?from=yesterday", "from", "validation_failed"},
		{"?from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z", "from", "validation_failed"},
		{"?size=0", "size", "validation_failed"},
	} {
		wantError(t, f.get(t, "/api/v1/events"+tc.q, admin), http.StatusBadRequest, tc.code, tc.field)
	}
	// The other lists refuse a range that ends before it starts too
	// (they answered it with an empty list), and any parameter they do
	// not take.
	for _, path := range []string{"/api/v1/alerts", "/api/alerts/active", "/api/v1/alerts/stats", "/api/v1/soc/metrics"} {
		wantError(t, f.get(t, path+"?from=now&to=now-1h", admin), http.StatusBadRequest, "validation_failed", "from")
	}
	wantError(t, f.get(t, "/api/v1/audit?since=2026-11-24T00:00:00Z&until=2026-11-23T00:00:00Z", admin), http.StatusBadRequest, "validation_failed", "since")
	wantError(t, f.get(t, "/api/v1/alerts?serverity=high", admin), http.StatusBadRequest, "unknown_parameter", "serverity")
	wantError(t, f.get(t, "/api/v1/events?froom=now-1h", admin), http.StatusBadRequest, "unknown_parameter", "froom")

	st := decode[struct {
		Total      int64 `json:"total"`
		BySeverity []struct {
			Term  string `json:"term"`
			Count int64  `json:"count"`
		} `json:"by_severity"`
		OverTime []struct {
			Count int64 `json:"count"`
		} `json:"over_time"`
		TopUsers []struct {
			Term string `json:"term"`
		} `json:"top_users"`
	}](t, f.get(t, "/api/v1/events/stats/summary?interval=1h"+from, admin))
	var sum int64
	for _, b := range st.OverTime {
		sum += b.Count
	}
	if st.Total != 3 || sum != 3 || len(st.OverTime) != 24 || len(st.TopUsers) != 3 {
		t.Fatalf("stats: %+v", st)
	}
	wantError(t, f.get(t, "/api/v1/events/stats/summary?interval=1ms", admin), http.StatusBadRequest, "validation_failed", "interval")
	// Without from, the summary covers all time, as the search does: the
	// same total, in a bounded number of buckets from the oldest event.
	all := decode[eventPage](t, f.get(t, "/api/v1/events", admin)).Total
	type summary struct {
		Total    int64     `json:"total"`
		From     time.Time `json:"from"`
		Interval int64     `json:"interval_seconds"`
		OverTime []struct {
			Count int64 `json:"count"`
		} `json:"over_time"`
	}
	for _, q := range []string{"", "?from=0001-01-01T00:00:00Z", "?from=1000-01-01T00:00:00Z&to=now%2B1d"} {
		st := decode[summary](t, f.get(t, "/api/v1/events/stats/summary"+q, admin))
		if st.Total != int64(all) || st.Interval <= 0 || len(st.OverTime) == 0 || len(st.OverTime) > 120 || st.From.IsZero() {
			t.Fatalf("summary%s: total %d of %d, %d buckets of %d s from %v", q, st.Total, all, len(st.OverTime), st.Interval, st.From)
		}
	}
	// from and to read times as the search syntax does.
	for _, q := range []string{"from=now-1y", "from=now-1M-2d&to=now%2B1d", "from=2026-11-23&to=2026-11-23", "to=now"} {
		wantStatus(t, f.get(t, "/api/v1/events?"+q, admin), http.StatusOK)
	}
	wantError(t, f.get(t, "/api/v1/events?from=now/d", admin), http.StatusBadRequest, "validation_failed", "from")
	wantError(t, f.get(t, "/api/v1/events?cursor=garbage", admin), http.StatusBadRequest, "validation_failed", "cursor")

	// Exports: NDJSON lines parse back, CSV has a header and the rows, Parquet starts with its magic.
	r = f.send(t, "POST", "/api/v1/events/export", admin, map[string]any{"format": "ndjson", "from": "2026-11-23T00:00:00Z"})
	wantStatus(t, r, http.StatusOK)
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("ndjson line: %v", err)
		}
		lines++
	}
	if lines != 3 || !strings.Contains(r.Header.Get("Content-Disposition"), ".ndjson") {
		t.Fatalf("ndjson export: %d lines, %v", lines, r.Header)
	}
	r = f.send(t, "POST", "/api/v1/events/export", admin, map[string]any{"format": "csv", "query": "user.name:alice"})
	wantStatus(t, r, http.StatusOK)
	if rows := strings.Count(strings.TrimSpace(string(r.Body)), "\n"); rows != 1 {
		t.Fatalf("csv export: %d rows\n%s", rows, r.Body)
	}
	r = f.send(t, "POST", "/api/v1/events/export", admin, map[string]any{"format": "parquet"})
	wantStatus(t, r, http.StatusOK)
	if !bytes.HasPrefix(r.Body, []byte("PAR1")) {
		t.Fatalf("parquet export does not start with PAR1: %q", r.Body[:min(8, len(r.Body))])
	}
	// Oldest first unless asked otherwise.
	exportIDs := func(order string) string {
		t.Helper()
		body := map[string]any{"format": "csv", "from": "2026-11-23T00:00:00Z"}
		if order != "" {
			body["order"] = order
		}
		r := f.send(t, "POST", "/api/v1/events/export", admin, body)
		wantStatus(t, r, http.StatusOK)
		var ids []string
		for _, l := range strings.Split(strings.TrimSpace(string(r.Body)), "\n")[1:] {
			ids = append(ids, strings.Split(l, ",")[1])
		}
		return strings.Join(ids, " ")
	}
	if got := exportIDs(""); got != "e1 e2 e3" {
		t.Fatalf("export in the default order: %s", got)
	}
	if got := exportIDs("desc"); got != "e3 e2 e1" {
		t.Fatalf("export newest first: %s", got)
	}
	wantError(t, f.send(t, "POST", "/api/v1/events/export", admin, map[string]any{"order": "newest"}), http.StatusBadRequest, "validation_failed", "order")
	wantError(t, f.send(t, "POST", "/api/v1/events/export", admin, map[string]any{"format": "xml"}), http.StatusBadRequest, "validation_failed", "format")
	wantError(t, f.send(t, "POST", "/api/v1/events/export", admin, map[string]any{"query": "a:(("}), http.StatusBadRequest, "bad_query", "query")
}

// TestEventTerms covers a field's top values over a whole search: the
// same filters as the search, the field validated apart from the query,
// and another org's events never counted.
func TestEventTerms(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	f.ingestFor(t, f.org.ID,
		`{"id":"t1","@timestamp":"2026-11-23T09:00:00Z","message":"Failed password","host":{"name":"web-01"},"user":{"name":"root"},"event":{"severity":80}}`,
		`{"id":"t2","@timestamp":"2026-11-23T09:01:00Z","message":"opened","host":{"name":"web-01"},"user":{"name":"alice"}}`,
		`{"id":"t3","@timestamp":"2026-11-23T09:02:00Z","message":"backup done","host":{"name":"db-01"}}`,
		`{"id":"t4","@timestamp":"2026-11-23T09:03:00Z","message":"Failed password","host":{"name":"web-01"},"user":{"name":"root"}}`,
		`{"id":"t5","@timestamp":"2026-11-22T09:00:00Z","message":"yesterday","host":{"name":"web-01"},"user":{"name":"root"}}`)
	b, err := f.svc.CreateOrg(f.ctx, nil, auth.OrgInput{Name: "Org B", AdminEmail: "boss@b.test", AdminPassword: otherPass})
	if err != nil {
		t.Fatal(err)
	}
	f.ingestFor(t, b.Org.ID,
		`{"id":"t1","@timestamp":"2026-11-23T09:00:00Z","message":"B","host":{"name":"web-01"},"user":{"name":"root"}}`,
		`{"id":"b2","@timestamp":"2026-11-23T09:00:00Z","message":"B","host":{"name":"b-only"},"user":{"name":"mallory"}}`,
		`{"id":"b3","@timestamp":"2026-11-23T09:00:00Z","message":"B","host":{"name":"b-only"},"user":{"name":"mallory"}}`)

	type result struct {
		Field string `json:"field"`
		Terms []struct {
			Term  string `json:"term"`
			Count int64  `json:"count"`
		} `json:"terms"`
		Events int64 `json:"events"`
	}
	day := "&from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"
	for _, tc := range []struct {
		params, want string // want: "term=count ..., events"
	}{
		{"field=host.name" + day, "web-01=3 db-01=1, 4"},
		{"field=user.name" + day, "root=2 alice=1, 3"},
		{"field=host.name&size=1" + day, "web-01=3, 4"},
		{"field=host.name&query=user.name:root" + day, "web-01=2, 2"},
		{"field=host.name&query=" + url.QueryEscape(`"Failed password" AND NOT user.name:alice`) + day, "web-01=2, 2"},
		{"field=user.name&severity=high" + day, "root=1, 1"},
		{"field=host.name", "web-01=4 db-01=1, 5"},
		{"field=user.name&from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z", "root=1, 1"},
		{"field=no.such.field", ", 0"},
		{"field=host.name&query=nothing-matches", ", 0"},
	} {
		r := f.get(t, "/api/v1/events/terms?"+tc.params, admin)
		wantStatus(t, r, http.StatusOK)
		res := decode[result](t, r)
		var got []string
		for _, tm := range res.Terms {
			got = append(got, fmt.Sprintf("%s=%d", tm.Term, tm.Count))
		}
		if s := fmt.Sprintf("%s, %d", strings.Join(got, " "), res.Events); s != tc.want || res.Terms == nil || !strings.HasPrefix(tc.params, "field="+res.Field) {
			t.Errorf("%s: %s (%s), want %s", tc.params, s, r, tc.want)
		}
	}

	// A value filters back to its events, as the field list's buttons use
	// it: a time and a number too.
	for _, field := range []string{"@timestamp", "event.severity", "host.name", "message"} {
		res := decode[result](t, f.get(t, "/api/v1/events/terms?size=1&field="+field+day, admin))
		if len(res.Terms) != 1 {
			t.Fatalf("%s: %+v", field, res)
		}
		q := url.QueryEscape(field + `:"` + strings.ReplaceAll(res.Terms[0].Term, `"`, `\"`) + `"`)
		if page := decode[eventPage](t, f.get(t, "/api/v1/events?query="+q+day, admin)); page.Total < res.Terms[0].Count {
			t.Errorf("%s:%q finds %d events, counted %d", field, res.Terms[0].Term, page.Total, res.Terms[0].Count)
		}
	}

	for _, tc := range []struct{ params, field, code string }{
		{"", "field", "validation_failed"},
		{"field=", "field", "validation_failed"},
		{"field=+", "field", "validation_failed"},
		{"field=" + url.QueryEscape(`host"name`), "field", "validation_failed"},
		{"field=" + url.QueryEscape("host\\name"), "field", "validation_failed"},
		{"field=" + strings.Repeat("a", 257), "field", "validation_failed"},
		// A bad field and a bad query: the field is named first.
		{"field=" + url.QueryEscape(`host"name`) + "&query=user.name:(", "field", "validation_failed"},
		{"field=host.name&query=user.name:(", "query", "bad_query"},
		{"field=host.name&size=0", "size", "validation_failed"},
		{"field=host.name&size=101", "size", "validation_failed"},
		{"field=host.name&size=five", "size", "validation_failed"},
		{"field=host.name&severity=urgent", "severity", "validation_failed"},
		{"field=host.name&from=yesterday", "from", "validation_failed"},
		{"field=host.name&fields=x", "fields", "unknown_parameter"},
	} {
		wantError(t, f.get(t, "/api/v1/events/terms?"+tc.params, admin), http.StatusBadRequest, tc.code, tc.field)
	}

	// Org B's admin counts org B's events only, and reads like any viewer.
	bAdmin := f.login(t, "boss@b.test", otherPass).AccessToken
	res := decode[result](t, f.get(t, "/api/v1/events/terms?field=host.name", bAdmin))
	if res.Events != 3 || len(res.Terms) != 2 || res.Terms[0].Term != "b-only" || res.Terms[0].Count != 2 || res.Terms[1].Count != 1 {
		t.Errorf("org B: %+v", res)
	}
	_, viewerKey := f.newKey(t, auth.RoleViewer, 0)
	wantStatus(t, f.get(t, "/api/v1/events/terms?field=host.name", viewerKey), http.StatusOK)
	_, ingestKey := f.newKey(t, auth.RoleIngest, 0)
	wantError(t, f.get(t, "/api/v1/events/terms?field=host.name", ingestKey), http.StatusForbidden, "forbidden", "")
}

func TestSettingsRetention(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	r := f.get(t, "/api/v1/settings", admin)
	if got := decode[map[string]any](t, r)["retention_days"]; got != float64(30) {
		t.Fatalf("default retention: %s", r)
	}
	wantError(t, f.send(t, "PATCH", "/api/v1/settings", admin, map[string]any{"retention_days": 0}), http.StatusBadRequest, "validation_failed", "retention_days")
	wantError(t, f.send(t, "PATCH", "/api/v1/settings", admin, map[string]any{"retention_days": "ten"}), http.StatusBadRequest, "invalid_type", "retention_days")
	wantError(t, f.send(t, "PATCH", "/api/v1/settings", admin, map[string]any{}), http.StatusBadRequest, "validation_failed", "retention_days")
	r = f.send(t, "PATCH", "/api/v1/settings", admin, map[string]any{"retention_days": 90})
	wantStatus(t, r, http.StatusOK)
	audit := decode[struct {
		Items []struct{ Action, Summary string } `json:"items"`
	}](t, f.get(t, "/api/v1/audit?action=settings.", admin))
	if len(audit.Items) != 1 || audit.Items[0].Summary != "retention_days: 30 → 90" {
		t.Fatalf("audit: %+v", audit)
	}
}

func dialWS(t *testing.T, f *fixture, path, token string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.ts.URL, "http")+path+"?token="+token, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func readWS(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func writeWS(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := c.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

func TestLiveWebSocket(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	b, err := f.svc.CreateOrg(f.ctx, nil, auth.OrgInput{Name: "Org B", AdminEmail: "boss@b.test", AdminPassword: otherPass})
	if err != nil {
		t.Fatal(err)
	}
	c := dialWS(t, f, "/api/v1/ws", admin)
	writeWS(t, c, map[string]any{"type": "subscribe", "channels": []string{"nope"}})
	if m := readWS(t, c); m["type"] != "error" {
		t.Fatalf("unknown channel: %v", m)
	}
	writeWS(t, c, map[string]any{"type": "subscribe", "channels": []string{"security:events", "threatmap"}})
	if m := readWS(t, c); m["type"] != "subscribed" {
		t.Fatalf("subscribe: %v", m)
	}
	tm := dialWS(t, f, "/ws/threatmap", admin)
	if m := readWS(t, tm); m["type"] != "subscribed" {
		t.Fatalf("threatmap socket: %v", m)
	}
	f.ingestFor(t, b.Org.ID, `{"message":"org B only"}`)
	f.ingestFor(t, f.org.ID, `{"message":"for A","source":{"ip":"81.2.69.142","geo":{"location":{"lat":51.5,"lon":-0.09}}}}`)
	m := readWS(t, c)
	data, _ := m["data"].(map[string]any)
	if m["channel"] != "security:events" || data["message"] != "for A" {
		t.Fatalf("live event (org B's must never arrive): %v", m)
	}
	if m := readWS(t, c); m["channel"] != "threatmap" || m["type"] != "attack" {
		t.Fatalf("threatmap on the main socket: %v", m)
	}
	if m := readWS(t, tm); m["channel"] != "threatmap" {
		t.Fatalf("threatmap socket: %v", m)
	}
	// Without credentials the upgrade is refused.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.ts.URL, "http")+"/api/v1/ws", nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous socket: %v %v", err, resp)
	}
	// One account holds at most 32 sockets at once (two are
	// open above); closing one makes room. Another account is not counted.
	var more []*websocket.Conn
	for range 32 - 2 { // maxSocketsPerPrincipal
		more = append(more, dialWS(t, f, "/api/v1/ws", admin))
	}
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.ts.URL, "http")+"/api/v1/ws?token="+admin, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("one socket too many: %v %v", err, resp)
	}
	dialWS(t, f, "/api/v1/ws", f.login(t, "boss@b.test", otherPass).AccessToken)
	more[0].Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.ts.URL, "http")+"/api/v1/ws?token="+admin, nil)
		if err == nil {
			c.CloseNow()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no room after closing a socket: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestImportUpload(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	_, key := f.newKey(t, auth.RoleIngest, 0)
	lines := "Nov 23 10:00:00 web-1 sshd[811]: Failed password for root from 81.2.69.142 port 4242 ssh2\n" +
		`{"@timestamp":"2026-11-23T10:00:00Z","message":"json line","user":{"name":"zoe"}}` + "\n" + "\n" +
		"an undated line\n"
	const upload = "/api/v1/events/import?name=auth.log&modified=2026-11-23T09:30:00Z"
	r := f.do(t, request{Method: "POST", Path: upload, Token: key, Body: lines, CT: "application/octet-stream"})
	wantStatus(t, r, http.StatusOK)
	sum := decode[struct {
		File   string `json:"file"`
		Read   int    `json:"read"`
		Stored int    `json:"stored"`
	}](t, r)
	if sum.File != "auth.log" || sum.Read != 3 || sum.Stored != 3 {
		t.Fatalf("summary: %s", r)
	}
	// The same file again stores nothing twice: its undated line is dated
	// by the file's modification time, which the sender gives.
	r = f.do(t, request{Method: "POST", Path: upload, Token: key, Body: lines, CT: "application/octet-stream"})
	if !strings.Contains(string(r.Body), `"duplicates":3`) {
		t.Fatalf("re-import: %s", r)
	}
	undated := decode[struct {
		Items []struct {
			Timestamp time.Time `json:"@timestamp"`
		} `json:"items"`
	}](t, f.get(t, "/api/v1/events?q=%22an+undated+line%22", admin))
	if len(undated.Items) != 1 || !undated.Items[0].Timestamp.Equal(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)) {
		t.Fatalf("the undated line: %+v", undated)
	}
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/events/import?modified=yesterday", Token: key, Body: lines, CT: "application/octet-stream"}),
		http.StatusBadRequest, "validation_failed", "modified")
	// "limit", the other lists' word for the page size, works here too;
	// out of range it is refused under the name that was sent.
	if p := decode[eventPage](t, f.get(t, "/api/v1/events?limit=1", admin)); len(p.Items) != 1 || p.Total < 2 {
		t.Fatalf("limit as the page size: %d items of %d", len(p.Items), p.Total)
	}
	wantError(t, f.get(t, "/api/v1/events?limit=0", admin), http.StatusBadRequest, "validation_failed", "limit")
	if p := decode[eventPage](t, f.get(t, "/api/v1/events?q=user.name:zoe", admin)); p.Total != 1 {
		t.Fatalf("q as the search: %d events", p.Total)
	}
	page := decode[eventPage](t, f.get(t, "/api/v1/events?query=user.name:zoe", admin))
	if page.Total != 1 {
		t.Fatalf("imported event not searchable: %+v", page)
	}
	// An archive older than the org keeps: stored, and the answer says
	// how many the next retention run deletes, and from when.
	r = f.do(t, request{Method: "POST", Path: "/api/v1/events/import?name=archive.ndjson", Token: key, CT: "application/octet-stream",
		Body: `{"@timestamp":"2021-03-01T00:00:00Z","message":"archived"}` + "\n" + `{"@timestamp":"2021-03-02T00:00:00Z","message":"archived too"}` + "\n"})
	wantStatus(t, r, http.StatusOK)
	arch := decode[struct {
		Stored        int        `json:"stored"`
		FirstS        string     `json:"first"`
		LastS         string     `json:"last"`
		Old           int        `json:"old"`
		OldBefore     *time.Time `json:"old_before"`
		RetentionDays int        `json:"retention_days"`
	}](t, r)
	if arch.Stored != 2 || arch.FirstS != "2021-03-01T00:00:00Z" || arch.LastS != "2021-03-02T00:00:00Z" || arch.Old != 2 ||
		arch.RetentionDays != 30 || arch.OldBefore == nil || time.Since(arch.OldBefore.AddDate(0, 0, 30)).Abs() > time.Minute {
		t.Fatalf("archive summary: %s", r)
	}
	// Records not stored are located by line (and column), under the
	// sender's file name; {} is refused as POST /api/v1/events refuses it.
	r = f.do(t, request{Method: "POST", Path: "/api/v1/events/import?name=bad.json&format=json", Token: key, CT: "application/octet-stream",
		Body: `{"message":"kept from bad.json"}` + "\n" + `{"b":` + "\n{}\n"})
	wantStatus(t, r, http.StatusOK)
	bad := decode[struct {
		Stored   int `json:"stored"`
		Failed   int `json:"failed"`
		Failures []struct {
			File   string `json:"file"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
			Reason string `json:"reason"`
		} `json:"failures"`
		Summary string `json:"summary"`
	}](t, r)
	if bad.Stored != 1 || bad.Failed != 2 || len(bad.Failures) != 2 || bad.Failures[0].File != "bad.json" || bad.Failures[0].Line != 2 ||
		bad.Failures[0].Column != 6 || !strings.HasPrefix(bad.Failures[0].Reason, "malformed JSON") || bad.Failures[1].Line != 3 ||
		bad.Failures[1].Reason != "empty JSON object: an event needs at least one field" || !strings.Contains(bad.Summary, "bad.json:2:6: malformed JSON") {
		t.Fatalf("failures: %s", r)
	}
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/events/import", Token: key, Body: "", CT: "application/octet-stream"}),
		http.StatusBadRequest, "validation_failed", "")
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/events/import?format=xml", Token: key, Body: "x", CT: "application/octet-stream"}),
		http.StatusBadRequest, "validation_failed", "format")
}

// TestThreatMapSummarySaysGeoIP: the Threat Map's summary tells whether
// the server can place events at all, so its empty state can say why.
func TestThreatMapSummarySaysGeoIP(t *testing.T) {
	for _, configured := range []bool{false, true} {
		f := newFixture(t, fixtureConfig{api: func(o *api.Options) { o.GeoLocates = configured }})
		admin := f.login(t, adminEmail, adminPass).AccessToken
		r := f.get(t, "/api/v1/threatmap/summary", admin)
		wantStatus(t, r, http.StatusOK)
		if s := decode[struct {
			GeoIP *bool `json:"geoip"`
		}](t, r); s.GeoIP == nil || *s.GeoIP != configured {
			t.Fatalf("GeoLocates %v: %s", configured, r)
		}
	}
}
