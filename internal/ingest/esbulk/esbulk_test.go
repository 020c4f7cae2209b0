package esbulk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
	"github.com/eventsec/eventsec/internal/normalize"
)

type env struct {
	*ingesttest.Env
	srv  *httptest.Server
	sink *ingesttest.Store
}

func newEnv(t *testing.T, po ingest.Options, ho Options) *env {
	t.Helper()
	sink := ingesttest.NewStore(t)
	e := ingesttest.NewPipeline(t, sink, po)
	ho.Pipeline = e.Pipeline
	ho.Authenticate = func(ctx context.Context, token string) (string, error) {
		switch token {
		case "key-1":
			return "org-1", nil
		case "viewer-key":
			return "", fmt.Errorf("the key's role is viewer: %w", ingest.ErrForbidden)
		}
		return "", ingest.ErrUnauthorized
	}
	h, err := New(ho)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { e.Gate.Open(); srv.Close() })
	return &env{Env: e, srv: srv, sink: sink}
}

var basicAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte("elastic:key-1"))

type reply struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (e *env) do(t *testing.T, method, path, body string, hdr ...string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", basicAuth)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if resp.Header.Get("X-Elastic-Product") != "Elasticsearch" {
		t.Errorf("%s %s: no X-Elastic-Product header", method, path)
	}
	if method != "HEAD" {
		if err := json.Unmarshal(b, &r.body); err != nil {
			t.Fatalf("%s %s: response is not JSON: %q", method, path, b)
		}
	}
	return r
}

func get(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// The requests shippers make before sending, answered so that they go on.
func TestHandshake(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	r := e.do(t, "GET", "/", "")
	if r.status != 200 || get(r.body, "version.number") != "8.17.0" || get(r.body, "tagline") != "You Know, for Search" ||
		get(r.body, "version.build_flavor") != "default" || get(r.body, "cluster_uuid") == "" {
		t.Fatalf("GET /: %d %s", r.status, r.raw)
	}
	if r := e.do(t, "HEAD", "/", ""); r.status != 200 {
		t.Fatalf("HEAD /: %d", r.status)
	}
	if r := e.do(t, "GET", "/_license?human=false", ""); get(r.body, "license.type") != "basic" || get(r.body, "license.status") != "active" {
		t.Fatalf("license: %s", r.raw)
	}
	if r := e.do(t, "GET", "/_xpack", ""); get(r.body, "license.status") != "active" {
		t.Fatalf("xpack: %s", r.raw)
	}
	if r := e.do(t, "GET", "/_cluster/health", ""); get(r.body, "status") != "green" {
		t.Fatalf("health: %s", r.raw)
	}
	if r := e.do(t, "HEAD", "/_index_template/filebeat-8.17.0", ""); r.status != 200 {
		t.Fatalf("template exists: %d", r.status)
	}
	for _, p := range []string{"/_index_template/filebeat-8.17.0", "/_template/logstash", "/_ilm/policy/filebeat", "/_ingest/pipeline/filebeat-8.17.0-system-auth", "/_data_stream/logs-generic-default"} {
		if r := e.do(t, "PUT", p, `{"whatever":{}}`); r.status != 200 || r.body["acknowledged"] != true {
			t.Fatalf("PUT %s: %d %s", p, r.status, r.raw)
		}
	}
	if r := e.do(t, "GET", "/_ilm/policy/filebeat", ""); get(r.body, "filebeat.policy") == nil {
		t.Fatalf("ILM policy: %s", r.raw)
	}
	if r := e.do(t, "GET", "/_index_template/ecs-logstash", ""); r.status != 200 || !strings.Contains(r.raw, "index_templates") {
		t.Fatalf("GET template: %s", r.raw)
	}
	if r := e.do(t, "GET", "/_search", ""); r.status != 400 || get(r.body, "error.type") != "illegal_argument_exception" {
		t.Fatalf("unsupported API: %d %s", r.status, r.raw)
	}
	r = e.do(t, "GET", "/", "", "Accept", "application/vnd.elasticsearch+json; compatible-with=8")
	if ct := r.header.Get("Content-Type"); ct != "application/vnd.elasticsearch+json;compatible-with=8" {
		t.Fatalf("compatibility content type: %q", ct)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	apiKey := "ApiKey " + base64.StdEncoding.EncodeToString([]byte("key-id:key-1"))
	for _, a := range []string{basicAuth, apiKey, "ApiKey key-1", "Bearer key-1"} {
		if r := e.do(t, "GET", "/", "", "Authorization", a); r.status != 200 {
			t.Errorf("%s: %d", a, r.status)
		}
	}
	for _, a := range []string{"", "Basic " + base64.StdEncoding.EncodeToString([]byte("elastic:wrong")), "Bearer nope", "Negotiate x"} {
		r := e.do(t, "POST", "/_bulk", "{\"create\":{}}\n{\"a\":1}\n", "Authorization", a)
		if r.status != 401 || get(r.body, "error.type") != "security_exception" || len(r.header.Values("WWW-Authenticate")) == 0 {
			t.Errorf("%q: %d %s", a, r.status, r.raw)
		}
	}
	// A valid key whose role may not send: 403 naming the permission,
	// not 401 (its password is right).
	for _, a := range []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("elastic:viewer-key")), "ApiKey viewer-key"} {
		r := e.do(t, "POST", "/_bulk", "{\"create\":{}}\n{\"a\":1}\n", "Authorization", a)
		if r.status != 403 || get(r.body, "error.type") != "security_exception" || get(r.body, "status") != 403.0 ||
			!strings.Contains(get(r.body, "error.reason").(string), "events:write") {
			t.Errorf("%q: %d %s", a, r.status, r.raw)
		}
	}
	forbidden := map[string]string{"listener": "esbulk", "reason": ingest.ReasonForbidden}
	if got := e.Metric(t, "eventsec_ingest_requests_refused_total", forbidden); got != 2 {
		t.Errorf("refused{forbidden} = %v, want 2", got)
	}
	if e.sink.Len() != 0 {
		t.Fatal("stored without credentials")
	}
}

// A body that is not bulk at all is answered in Elasticsearch's shape,
// naming the line and what is wrong with it; a blank one says so.
func TestBulkGarbage(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	for _, tc := range []struct{ body, reason string }{
		{"garbage", `Malformed action/metadata line [1]: the action/metadata line is not a JSON object: it begins "garbage"`},
		{"garbage\nmore garbage\n", `Malformed action/metadata line [1]: the action/metadata line is not a JSON object: it begins "garbage"`},
		{"\x00\x01\x02\xff", `Malformed action/metadata line [1]: the action/metadata line is not a JSON object: it begins "\x00\x01\x02\xff"`},
		{"Nov 20 10:00:00 host sshd[1]: Failed password for root from 81.2.69.142",
			`Malformed action/metadata line [1]: the action/metadata line is not a JSON object: it begins "Nov 20 10:00:00 host sshd[1]: Failed pas"...`},
		{`{"message":"a document without its action line"}`,
			"Malformed action/metadata line [1], expected one of [create, delete, index, update] but found [message]"},
	} {
		r := e.do(t, "POST", "/_bulk", tc.body, "Content-Type", "application/x-ndjson")
		got := items(t, r)
		if r.status != 200 || r.body["errors"] != true || len(got) == 0 || got[0].status != 400 || got[0].errTyp != "illegal_argument_exception" {
			t.Errorf("%q: %d %s", tc.body, r.status, r.raw)
			continue
		}
		var reason any
		for _, it := range get(r.body, "items").([]any)[0].(map[string]any) {
			reason = it.(map[string]any)["error"].(map[string]any)["reason"]
		}
		if reason != tc.reason {
			t.Errorf("%q: reason\n %q\nwant %q", tc.body, reason, tc.reason)
		}
	}
	for _, body := range []string{"", "\n\n", "  \r\n "} {
		r := e.do(t, "POST", "/_bulk", body, "Content-Type", "application/x-ndjson")
		if r.status != 400 || get(r.body, "error.type") != "action_request_validation_exception" ||
			!strings.Contains(get(r.body, "error.reason").(string), "the body is empty or blank") {
			t.Errorf("%q: %d %s", body, r.status, r.raw)
		}
	}
	if e.sink.Len() != 0 {
		t.Fatalf("stored %d events from garbage", e.sink.Len())
	}
}

// Every reason the listener counts is a series from the start, at 0.
func TestCountersExistAtZero(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	for _, c := range []struct{ name, reason string }{
		{"eventsec_ingest_requests_refused_total", ingest.ReasonOverloaded},
		{"eventsec_ingest_requests_refused_total", ingest.ReasonForbidden},
		{"eventsec_ingest_rejected_total", ingest.ReasonUnknownAction},
		{"eventsec_ingest_rejected_total", ingest.ReasonInvalidJSON},
	} {
		if !ingesttest.HasSeries(t, e.Registry, c.name, map[string]string{"listener": "esbulk", "reason": c.reason}) {
			t.Errorf("%s{listener=\"esbulk\",reason=%q} does not exist before its first occurrence", c.name, c.reason)
		}
	}
}

type item struct {
	action string
	status int
	id     string
	index  string
	errTyp string
	result string
}

func items(t *testing.T, r reply) []item {
	t.Helper()
	var out []item
	list, _ := r.body["items"].([]any)
	for _, x := range list {
		for action, v := range x.(map[string]any) {
			m := v.(map[string]any)
			it := item{action: action, status: int(m["status"].(float64)), index: fmt.Sprint(m["_index"])}
			it.id, _ = m["_id"].(string)
			it.result, _ = m["result"].(string)
			if e, ok := m["error"].(map[string]any); ok {
				it.errTyp = e["type"].(string)
				if e["reason"] == "" {
					t.Errorf("error without reason: %v", m)
				}
			}
			out = append(out, it)
		}
	}
	return out
}

func TestBulk(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	body := `{"create":{"_index":"filebeat-8.17.0"}}
{"@timestamp":"2026-11-20T10:00:00.000Z","message":"Failed password for root from 203.0.113.9 port 22 ssh2","host":{"name":"web-1"},"log":{"file":{"path":"/var/log/auth.log"}}}
{"create":{"_index":"filebeat-8.17.0"}}
{"@timestamp":"2026-11-20T10:00:01.000Z","message":"second"}
{"index":{"_index":"logs","_id":"doc-1"}}
{"message":"with id","@timestamp":"2026-11-20T10:00:02Z"}
{"delete":{"_index":"logs","_id":"doc-1"}}
{"update":{"_index":"logs","_id":"doc-1"}}
{"doc":{"message":"changed"}}
{"upsert":{"_index":"logs"}}
{"message":"document of an unknown action"}
{"create":{}}
{"message": broken json}
{"create":{}}
[1,2]

{"index":{}}
{"message":"last, without final newline","@timestamp":"2026-11-20T10:00:03Z"}`
	r := e.do(t, "POST", "/_bulk?filter_path=errors,items.*.error,items.*.status", body, "Content-Type", "application/x-ndjson")
	if r.status != 200 || r.body["errors"] != true || r.body["took"] == nil {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	got := items(t, r)
	want := []item{
		{action: "create", status: 201, index: "filebeat-8.17.0", result: "created"},
		{action: "create", status: 201, index: "filebeat-8.17.0", result: "created"},
		{action: "index", status: 201, index: "logs", id: "doc-1", result: "created"},
		{action: "delete", status: 400, index: "logs", id: "doc-1", errTyp: "illegal_argument_exception"},
		{action: "update", status: 400, index: "logs", id: "doc-1", errTyp: "illegal_argument_exception"},
		{action: "upsert", status: 400, index: "logs", errTyp: "illegal_argument_exception"},
		{action: "create", status: 400, index: "eventsec", errTyp: "document_parsing_exception"},
		{action: "create", status: 400, index: "eventsec", errTyp: "document_parsing_exception"},
		{action: "index", status: 201, index: "eventsec", result: "created"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d: %s", len(got), len(want), r.raw)
	}
	for i := range want {
		g := got[i]
		if want[i].id == "" && g.status == 201 {
			g.id = "" // derived: checked below
		}
		if want[i].id == "" && g.status != 201 {
			g.id = ""
		}
		if g != want[i] {
			t.Errorf("item %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	evs := e.sink.Events()
	if len(evs) != 4 {
		t.Fatalf("stored %d, want 4", len(evs))
	}
	byID := map[string]event.Event{}
	for _, ev := range evs {
		byID[ev.ID] = ev
		if ev.OrgID != "org-1" || ev.Input != "esbulk" {
			t.Errorf("identity: %+v", ev)
		}
	}
	first := byID[got[0].id]
	if first.Fields.Str("host.name") != "web-1" || first.Fields.Str("labels.index") != "filebeat-8.17.0" ||
		!first.Timestamp.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("first document: %v %+v", first.Timestamp, first.Fields)
	}
	if _, ok := byID["doc-1"]; !ok {
		t.Errorf("_id not used")
	}

	// A retried bulk stores nothing twice and is answered as a success:
	// 200 noop for the create without _id as for the index. (Elasticsearch
	// gives a create without _id a new _id; only a create naming an _id
	// that exists conflicts.)
	r = e.do(t, "POST", "/_bulk", body)
	got = items(t, r)
	if got[0].status != 200 || got[0].result != "noop" || got[2].status != 200 || got[2].result != "noop" || e.sink.Len() != 4 {
		t.Fatalf("retry: %+v (stored %d)", got, e.sink.Len())
	}
	lbl := func(reason string) map[string]string {
		return map[string]string{"listener": "esbulk", "reason": reason}
	}
	if got := e.Metric(t, "eventsec_ingest_rejected_total", lbl(ingest.ReasonUnsupportedAction)); got != 4 {
		t.Errorf("rejected{unsupported_action} = %v", got)
	}
	if got := e.Metric(t, "eventsec_ingest_rejected_total", lbl(ingest.ReasonUnknownAction)); got != 2 {
		t.Errorf("rejected{unknown_action} = %v", got)
	}
}

// Without an action line the request is refused whole; an index in the
// URL is the default; with a prefix the handler strips it.
func TestBulkIndexAndPrefix(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{Prefix: "/es/"})
	if r := e.do(t, "GET", "/es", ""); get(r.body, "version.number") != "8.17.0" {
		t.Fatalf("GET /es: %s", r.raw)
	}
	r := e.do(t, "POST", "/es/web-logs/_bulk", "{\"index\":{}}\n{\"message\":\"m\"}\n")
	if got := items(t, r); len(got) != 1 || got[0].index != "web-logs" || got[0].status != 201 {
		t.Fatalf("%s", r.raw)
	}
	if r := e.do(t, "POST", "/es/_bulk", "\n\n"); r.status != 400 || get(r.body, "error.type") != "action_request_validation_exception" {
		t.Fatalf("empty bulk: %d %s", r.status, r.raw)
	}
	if r := e.do(t, "GET", "/other", ""); r.status != 404 {
		t.Fatalf("outside the prefix: %d", r.status)
	}
}

func TestSingleDocument(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	r := e.do(t, "POST", "/app/_doc", `{"message":"one doc"}`)
	if r.status != 201 || r.body["result"] != "created" || r.body["_index"] != "app" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if r := e.do(t, "PUT", "/app/_create/fixed", `{"message":"fixed id","@timestamp":"2026-11-20T10:00:00Z"}`); r.status != 201 || r.body["_id"] != "fixed" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if r := e.do(t, "PUT", "/app/_create/fixed", `{"message":"fixed id","@timestamp":"2026-11-20T10:00:00Z"}`); r.status != 409 {
		t.Fatalf("duplicate create: %d %s", r.status, r.raw)
	}
	// Without a time of its own too: the retry arrives later, and is
	// still the same document.
	for i, want := range []int{201, 409} {
		if r := e.do(t, "PUT", "/app/_create/undated", `{"message":"undated, fixed id"}`); r.status != want {
			t.Fatalf("undated create, sent %d times: %d %s", i+1, r.status, r.raw)
		}
		time.Sleep(2 * time.Millisecond)
	}
	bulk := `{"create":{"_index":"logs","_id":"nb-id-9"}}` + "\n" + `{"message":"NBULK9"}` + "\n"
	for i, want := range []string{"created", "version_conflict_engine_exception"} {
		r := e.do(t, "POST", "/_bulk", bulk)
		if !strings.Contains(r.raw, want) {
			t.Fatalf("undated bulk create, sent %d times: %d %s", i+1, r.status, r.raw)
		}
		time.Sleep(2 * time.Millisecond)
	}
	for i, want := range []string{"created", "noop"} {
		r := e.do(t, "POST", "/app/_doc?op_type=create", `{"message":"timed","@timestamp":"2026-11-20T10:00:00Z"}`)
		if r.body["result"] != want {
			t.Fatalf("create without id, sent %d times: %d %s", i+1, r.status, r.raw)
		}
	}
	if r := e.do(t, "POST", "/app/_doc", `[1]`); r.status != 400 || get(r.body, "error.type") != "document_parsing_exception" {
		t.Fatalf("bad doc: %d %s", r.status, r.raw)
	}
	// {} is no event: refused alone and as a bulk item, the others kept.
	if r := e.do(t, "POST", "/app/_doc", ` { } `); r.status != 400 || !strings.Contains(r.raw, "empty JSON object") {
		t.Fatalf("empty doc: %d %s", r.status, r.raw)
	}
	if r := e.do(t, "POST", "/_bulk", `{"index":{}}`+"\n{}\n"+`{"index":{}}`+"\n"+`{"message":"kept beside an empty one","@timestamp":"2026-11-20T10:00:00Z"}`+"\n"); !strings.Contains(r.raw, "empty JSON object") || !strings.Contains(r.raw, `"status":201`) {
		t.Fatalf("empty bulk item: %d %s", r.status, r.raw)
	}
	if e.sink.Len() != 6 {
		t.Fatalf("stored %d", e.sink.Len())
	}
}

// An item whose event was stored cut to fit the limits says so in
// EventSec's own member; whole ones carry nothing extra.
func TestBulkNamesCutEvents(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	long := `{"message":"` + strings.Repeat("m", normalize.MaxRaw) + `"}`
	var wide strings.Builder
	wide.WriteString(`{"message":"wide"`)
	for i := range normalize.MaxFields + 10 {
		fmt.Fprintf(&wide, `,"k%d":%d`, i, i)
	}
	wide.WriteString("}")
	body := `{"index":{}}` + "\n" + `{"message":"whole"}` + "\n" +
		`{"create":{}}` + "\n" + long + "\n" +
		`{"index":{}}` + "\n" + wide.String() + "\n"
	r := e.do(t, "POST", "/_bulk", body, "Content-Type", "application/x-ndjson")
	if r.status != 200 || r.body["errors"] != false {
		t.Fatalf("%d %.400s", r.status, r.raw)
	}
	items := r.body["items"].([]any)
	want := []string{"",
		"longer than 1048576 bytes: stored as its first 1048576 bytes of text, not parsed",
		"nested deeper or holding more fields than kept: the rest is in the original text only"}
	for i, it := range items {
		for action, v := range it.(map[string]any) {
			got, _ := get(v.(map[string]any), "eventsec.truncated").(string)
			if got != want[i] || get(v.(map[string]any), "status") != float64(201) {
				t.Errorf("item %d (%s): truncated %q, want %q: %v", i, action, got, want[i], v)
			}
		}
	}
	if e.sink.Len() != 3 {
		t.Fatalf("stored %d", e.sink.Len())
	}
	r = e.do(t, "POST", "/app/_doc", long)
	if r.status != 201 || get(r.body, "eventsec.truncated") != want[1] {
		t.Fatalf("single document: %d %.400s", r.status, r.raw)
	}
}

func TestBulkOverload(t *testing.T) {
	e := newEnv(t, ingest.Options{MaxInFlight: 1}, Options{})
	e.Gate.Shut()
	held := make(chan reply, 1)
	go func() { held <- e.do(t, "POST", "/_bulk", "{\"create\":{}}\n{\"message\":\"a\"}\n") }()
	ingesttest.Eventually(t, 5*time.Second, "first bulk at the store", func() bool { return e.Gate.Waiting() == 1 })
	r := e.do(t, "POST", "/_bulk", "{\"create\":{}}\n{\"message\":\"b\"}\n")
	if r.status != 429 || get(r.body, "error.type") != "es_rejected_execution_exception" || r.header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %s", r.status, r.header, r.raw)
	}
	e.Gate.Open()
	if r := <-held; r.status != 200 || r.body["errors"] != false {
		t.Fatalf("held: %s", r.raw)
	}
}

// A large Filebeat-like bulk: every item answered in order.
func TestLargeBulk(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	var b bytes.Buffer
	const n = 25_000
	for i := range n {
		b.WriteString("{\"create\":{\"_index\":\"filebeat-8.17.0\"}}\n")
		fmt.Fprintf(&b, "{\"@timestamp\":\"2026-11-20T10:00:00Z\",\"message\":\"line %d\",\"host\":{\"name\":\"h%d\"}}\n", i, i%10)
	}
	r := e.do(t, "POST", "/_bulk", b.String())
	got := items(t, r)
	if len(got) != n || r.body["errors"] != false || e.sink.Len() != n {
		t.Fatalf("%d items, stored %d", len(got), e.sink.Len())
	}
	sc := bufio.NewScanner(strings.NewReader(r.raw))
	sc.Buffer(nil, 1<<30)
	if !sc.Scan() {
		t.Fatal("empty response")
	}
}

func FuzzBulkReader(f *testing.F) {
	for _, s := range []string{
		"{\"create\":{\"_index\":\"x\"}}\n{\"a\":1}\n",
		"{\"index\":{\"_id\":5}}\n{}\n{\"delete\":{}}\n{\"update\":{}}\n{\"doc\":{}}\n",
		"{\"upsert\":{}}\n{\"a\":1}\n{\"index\":{}}\n",
		"{\"create\":{}}\n[[[[\n", "{}\n{}\n", "\xff\xfe\n{\"index\":null}\n{\"m\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	sink := ingesttest.NewStore(f)
	e := ingesttest.NewPipeline(f, sink, ingest.Options{})
	h, err := New(Options{Pipeline: e.Pipeline, Authenticate: func(context.Context, string) (string, error) { return "o", nil }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ops, evs, client := h.parse("o", body, "")
		lines := 0
		for _, l := range bytes.Split(body, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines++
			}
		}
		if len(ops) > lines || len(evs) > len(ops) || len(client) != len(evs) {
			t.Fatalf("%d lines gave %d ops and %d events", lines, len(ops), len(evs))
		}
		for _, o := range ops {
			if (o.err == nil) == (o.ev < 0) {
				t.Fatalf("op %+v has neither an event nor an error", o)
			}
			if o.err != nil && (o.err.status < 400 || o.err.reason == "") {
				t.Fatalf("op error %+v", o.err)
			}
		}
	})
}

func TestBulkTooManyActions(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{MaxItems: 2})
	r := e.do(t, "POST", "/_bulk", "{\"index\":{}}\n{\"m\":1}\n{\"delete\":{\"_id\":\"x\"}}\n{\"index\":{}}\n{\"m\":3}\n")
	if r.status != 413 || get(r.body, "error.type") != "content_too_long_exception" || e.sink.Len() != 0 {
		t.Fatalf("%d %s (stored %d)", r.status, r.raw, e.sink.Len())
	}
	small := newEnv(t, ingest.Options{}, Options{MaxBodyBytes: 2 << 10})
	r = small.do(t, "POST", "/_bulk", "{\"index\":{}}\n{\"m\":\""+strings.Repeat("x", 3<<10)+"\"}\n")
	if r.status != 413 || !strings.Contains(get(r.body, "error.reason").(string), "over 2048 bytes (2 KiB) after decompression") {
		t.Fatalf("body too large: %d %s", r.status, r.raw)
	}
	if r := e.do(t, "POST", "/_bulk", "{\"index\":{}}\n{\"m\":1}\n{\"index\":{}}\n{\"m\":2}\n"); r.status != 200 || e.sink.Len() != 2 {
		t.Fatalf("at the limit: %d %s", r.status, r.raw)
	}
}
