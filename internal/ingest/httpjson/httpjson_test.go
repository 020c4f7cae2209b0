package httpjson

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
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
	return newEnvOver(t, ingesttest.NewStore(t), po, ho)
}

func newEnvOver(t *testing.T, sink *ingesttest.Store, po ingest.Options, ho Options) *env {
	t.Helper()
	e := ingesttest.NewPipeline(t, sink, po)
	ho.Pipeline = e.Pipeline
	ho.OrgFromRequest = func(r *http.Request) (string, error) {
		if r.Header.Get("Authorization") == "Bearer viewer-key" {
			return "", fmt.Errorf("the key's role is viewer: %w", ingest.ErrForbidden)
		}
		if r.Header.Get("Authorization") != "Bearer key-1" {
			return "", fmt.Errorf("bad key: %w", ingest.ErrUnauthorized)
		}
		return "org-1", nil
	}
	h, err := New(ho)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/events", h)
	mux.Handle("POST /api/security-events", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { e.Gate.Open(); srv.Close() })
	return &env{Env: e, srv: srv, sink: sink}
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (e *env) post(t *testing.T, path, ct string, body []byte, hdr ...string) reply {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Authorization", "Bearer key-1")
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
	if err := json.Unmarshal(b, &r.body); err != nil {
		t.Fatalf("response is not JSON: %q", b)
	}
	return r
}

func rejections(r reply) []string { return listed(r, "rejected") }

// listed renders the items of a response list ("rejected", "truncated")
// as "index@line: reason".
func listed(r reply, key string) []string {
	var out []string
	list, _ := r.body[key].([]any)
	for _, x := range list {
		m := x.(map[string]any)
		s := fmt.Sprintf("%v", m["index"])
		if l, ok := m["line"]; ok {
			s += fmt.Sprintf("@%v", l)
		}
		out = append(out, s+": "+m["reason"].(string))
	}
	return out
}

func byMessage(t *testing.T, evs []event.Event, msg string) event.Event {
	t.Helper()
	for _, ev := range evs {
		if ev.Fields.Str("message") == msg {
			return ev
		}
	}
	t.Fatalf("no stored event with message %q", msg)
	return event.Event{}
}

func TestShapes(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})

	// One object, client ID in "id".
	r := e.post(t, "/api/v1/events", "application/json", []byte(`{"id":"abc-1","message":"one","source":{"ip":"198.51.100.7"}}`))
	if r.status != 202 || r.body["accepted"] != 1.0 || r.body["duplicates"] != 0.0 || len(rejections(r)) != 0 {
		t.Fatalf("object: %d %s", r.status, r.raw)
	}
	ev := byMessage(t, e.sink.Events(), "one")
	if ev.ID != "abc-1" || ev.OrgID != "org-1" || ev.Input != "http" || ev.Fields.Str("source.ip") != "198.51.100.7" {
		t.Fatalf("stored %+v", ev)
	}

	// A pretty-printed object is one event.
	r = e.post(t, "/api/v1/events", "application/json", []byte("{\n  \"message\": \"pretty\",\n  \"event\": {\"id\": \"nested-id\"}\n}\n"))
	if r.status != 202 || r.body["accepted"] != 1.0 {
		t.Fatalf("pretty: %d %s", r.status, r.raw)
	}
	if ev := byMessage(t, e.sink.Events(), "pretty"); ev.ID != "nested-id" {
		t.Fatalf("event.id not used: %q", ev.ID)
	}

	// An array: the valid elements are stored, the others reported.
	r = e.post(t, "/api/v1/events", "application/json", []byte(`[{"message":"a1","_id":"under-id"}, 42, {"message":"a3"}, {"message":]`))
	if r.status != 400 || !strings.Contains(r.raw, "invalid_json") {
		t.Fatalf("a malformed array is a malformed body: %d %s", r.status, r.raw)
	}
	r = e.post(t, "/api/v1/events", "application/json", []byte(`[{"message":"a1","_id":"under-id"}, 42, {"message":"a3"}, "x", [1]]`))
	if r.status != 202 || r.body["accepted"] != 2.0 {
		t.Fatalf("array: %d %s", r.status, r.raw)
	}
	want := []string{"1: not a JSON object: found a number", "3: not a JSON object: found a string", "4: not a JSON object: found an array"}
	if got := rejections(r); !slices.Equal(got, want) {
		t.Fatalf("array rejections:\n got %q\nwant %q", got, want)
	}
	if ev := byMessage(t, e.sink.Events(), "a1"); ev.ID != "under-id" {
		t.Fatalf("_id not used: %q", ev.ID)
	}

	// NDJSON: blank lines skipped, bad lines reported with their line.
	nd := "{\"message\":\"n1\"}\n\n{\"message\": \"n2\"\n{\"message\":\"n3\"}\r\nnot json\n" + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n" +
		"{\"message\":\"deep\",\"a\":" + strings.Repeat(`{"b":`, 80) + "1" + strings.Repeat("}", 80) + "}\n"
	r = e.post(t, "/api/v1/events", "application/x-ndjson", []byte(nd))
	if r.status != 202 || r.body["accepted"] != 2.0 || r.body["rejected_count"] != 4.0 {
		t.Fatalf("ndjson: %d %s", r.status, r.raw)
	}
	got := rejections(r)
	if len(got) != 4 || !strings.HasPrefix(got[0], "1@3: malformed JSON") || !strings.HasPrefix(got[1], "3@5: malformed JSON") ||
		!strings.HasPrefix(got[2], "4@6: not a JSON object") || !strings.HasPrefix(got[3], "5@7: JSON nested too deeply") {
		t.Fatalf("ndjson rejections: %q", got)
	}

	// The seed's alias, text/plain NDJSON, gzip.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("{\"message\":\"g1\"}\n{\"message\":\"g2\"}\n"))
	zw.Close()
	r = e.post(t, "/api/security-events", "text/plain", gz.Bytes(), "Content-Encoding", "gzip")
	if r.status != 202 || r.body["accepted"] != 2.0 {
		t.Fatalf("gzip: %d %s", r.status, r.raw)
	}

	lbl := map[string]string{"listener": "http"}
	if got := e.Metric(t, "eventsec_ingest_stored_total", lbl); got != float64(e.sink.Len()) || got != 8 {
		t.Fatalf("stored_total %v, sink %d", got, e.sink.Len())
	}
	if got := e.Metric(t, "eventsec_ingest_received_total", lbl); got != 15 {
		t.Fatalf("received_total %v", got)
	}
	for reason, n := range map[string]float64{ingest.ReasonNotObject: 4, ingest.ReasonInvalidJSON: 2, ingest.ReasonTooDeep: 1} {
		if got := e.Metric(t, "eventsec_ingest_rejected_total", map[string]string{"listener": "http", "reason": reason}); got != n {
			t.Errorf("rejected_total{%s} = %v, want %v", reason, got, n)
		}
	}
}

// Windows tools write a byte order mark at the start of UTF-8 text: it is
// no part of the JSON.
func TestByteOrderMark(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	bom := "\xEF\xBB\xBF"
	for _, c := range []struct{ name, ctype, body string }{
		{"object", "application/json", bom + `{"message":"NBOM"}`},
		{"array", "application/json", bom + `[{"message":"BOM-a1"}]`},
		{"NDJSON, every line", "application/x-ndjson", bom + `{"message":"BOM-n1"}` + "\n" + bom + `{"message":"BOM-n2"}` + "\n"},
	} {
		r := e.post(t, "/api/v1/events", c.ctype, []byte(c.body))
		if r.status != 202 || r.body["rejected_count"] != 0.0 {
			t.Errorf("%s: %d %s", c.name, r.status, r.raw)
		}
	}
	for _, msg := range []string{"NBOM", "BOM-a1", "BOM-n1", "BOM-n2"} {
		if ev := byMessage(t, e.sink.Events(), msg); strings.HasPrefix(ev.Raw, bom) || ev.Fields["tags"] != nil {
			t.Errorf("%s: raw %q, fields %+v", msg, ev.Raw, ev.Fields)
		}
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{MaxBodyBytes: 1000})
	cases := []struct {
		name, ct string
		body     string
		hdr      []string
		status   int
		code     string
	}{
		{"all invalid", "application/x-ndjson", "1\n\"x\"\n{bad\n", nil, 400, "invalid_events"},
		{"empty", "application/json", "  \n ", nil, 400, "no_events"},
		{"too large", "application/json", `{"m":"` + strings.Repeat("x", 2000) + `"}`, nil, 413, "body_too_large"},
		{"media type", "application/xml", "<e/>", nil, 415, "unsupported_media_type"},
		{"encoding", "application/json", "{}", []string{"Content-Encoding", "br"}, 415, "unsupported_encoding"},
		{"corrupt gzip", "application/json", "not gzip", []string{"Content-Encoding", "gzip"}, 415, "unsupported_encoding"},
		{"no key", "application/json", "{}", []string{"Authorization", "Bearer wrong"}, 401, "unauthenticated"},
		{"key that may not send", "application/json", `{"m":1}`, []string{"Authorization", "Bearer viewer-key"}, 403, "forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post(t, "/api/v1/events", tc.ct, []byte(tc.body), tc.hdr...)
			errObj, _ := r.body["error"].(map[string]any)
			if r.status != tc.status || errObj == nil || errObj["code"] != tc.code || errObj["message"] == "" {
				t.Fatalf("got %d %s; want %d with code %s", r.status, r.raw, tc.status, tc.code)
			}
		})
	}
	// The 413 and 403 say what to change.
	r := e.post(t, "/api/v1/events", "application/json", []byte(`{"m":"`+strings.Repeat("x", 2000)+`"}`))
	if msg := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "over 1000 bytes after decompression") {
		t.Errorf("413 does not say the limit: %s", msg)
	}
	r = e.post(t, "/api/v1/events", "application/json", []byte(`{"m":1}`), "Authorization", "Bearer viewer-key")
	if msg := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "events:write") {
		t.Errorf("403 does not name the permission: %s", msg)
	}
	r = e.post(t, "/api/v1/events", "application/x-ndjson", []byte("1\n\"x\"\n{bad\n"))
	if got := rejections(r); len(got) != 3 {
		t.Fatalf("400 lists every rejected item: %s", r.raw)
	}
	if e.sink.Len() != 0 {
		t.Fatalf("stored %d events from invalid requests", e.sink.Len())
	}
}

// An empty object is no event: it is rejected with its position, like
// any invalid item, and the valid items beside it are stored.
func TestEmptyObjectRejected(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	const why = "empty JSON object: an event needs at least one field"
	r := e.post(t, "/api/v1/events", "application/json", []byte(`[{"message":"kept"}, {}, { }, {"a":{}}]`))
	if r.status != 202 || r.body["accepted"] != 2.0 {
		t.Fatalf("array: %d %s", r.status, r.raw)
	}
	if got, want := rejections(r), []string{"1: " + why, "2: " + why}; !slices.Equal(got, want) {
		t.Fatalf("array rejections:\n got %q\nwant %q", got, want)
	}
	r = e.post(t, "/api/v1/events", "application/x-ndjson", []byte("{}\n{\"message\":\"nd\"}\n"))
	if got, want := rejections(r), []string{"0@1: " + why}; r.status != 202 || !slices.Equal(got, want) {
		t.Fatalf("ndjson: %d %s", r.status, r.raw)
	}
	r = e.post(t, "/api/v1/events", "application/json", []byte("{\n}"))
	if got, want := rejections(r), []string{"0: " + why}; r.status != 400 || r.body["error"].(map[string]any)["code"] != "invalid_events" || !slices.Equal(got, want) {
		t.Fatalf("single: %d %s", r.status, r.raw)
	}
	if n := e.sink.Len(); n != 3 {
		t.Fatalf("stored %d events, want 3", n)
	}
	if got := e.Metric(t, "eventsec_ingest_rejected_total", map[string]string{"listener": "http", "reason": ingest.ReasonEmptyObject}); got != 4 {
		t.Fatalf("rejected{empty_object} = %v, want 4", got)
	}
}

// The listener's refusal and rejection series exist at 0 from the start,
// so that an increase() alert sees the first one.
func TestCountersExistAtZero(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	for _, c := range []struct{ name, reason string }{
		{"eventsec_ingest_requests_refused_total", ingest.ReasonOverloaded},
		{"eventsec_ingest_requests_refused_total", ingest.ReasonUnauthorized},
		{"eventsec_ingest_requests_refused_total", ingest.ReasonTooLarge},
		{"eventsec_ingest_rejected_total", ingest.ReasonInvalidJSON},
		{"eventsec_ingest_rejected_total", ingest.ReasonEmptyObject},
		{"eventsec_ingest_repaired_total", ingest.ReasonTimestamp},
		{"eventsec_ingest_repaired_total", ingest.ReasonTimestampUnparsed},
	} {
		if !ingesttest.HasSeries(t, e.Registry, c.name, map[string]string{"listener": "http", "reason": c.reason}) {
			t.Errorf("%s{listener=\"http\",reason=%q} does not exist before its first occurrence", c.name, c.reason)
		}
	}
}

// A retried request is stored once; identical lines within one request
// are distinct events.
func TestIdempotence(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	// The events carry their own time: the store recognises a retried
	// delivery by ID among events of the same @timestamp.
	body := []byte("{\"message\":\"same\",\"@timestamp\":\"2026-11-20T10:00:00Z\"}\n" +
		"{\"message\":\"same\",\"@timestamp\":\"2026-11-20T10:00:00Z\"}\n{\"message\":\"other\",\"@timestamp\":\"2026-11-20T10:00:01Z\"}\n")
	r := e.post(t, "/api/v1/events", "application/x-ndjson", body)
	if r.status != 202 || r.body["accepted"] != 3.0 || r.body["duplicates"] != 0.0 {
		t.Fatalf("first: %s", r.raw)
	}
	r = e.post(t, "/api/v1/events", "application/x-ndjson", body)
	if r.status != 202 || r.body["accepted"] != 3.0 || r.body["duplicates"] != 3.0 {
		t.Fatalf("retry: %s", r.raw)
	}
	if e.sink.Len() != 3 {
		t.Fatalf("stored %d, want 3", e.sink.Len())
	}
	if got := e.Metric(t, "eventsec_ingest_duplicates_total", map[string]string{"listener": "http"}); got != 3 {
		t.Fatalf("duplicates_total %v", got)
	}
}

// An event its sender identifies but does not date: a retry (later, so at
// another arrival time) is a duplicate, and another event under the same
// ID is stored under an ID of its own, not lost and not a second row with
// that ID.
func TestIdempotenceUndatedClientIDs(t *testing.T) {
	clock := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	e := newEnv(t, ingest.Options{Now: now}, Options{})
	body := []byte(`{"id":"retry-abc","message":"first"}` + "\n" + `{"event":{"id":"retry-ecs"},"message":"second"}` + "\n")
	if r := e.post(t, "/api/v1/events", "application/x-ndjson", body); r.status != 202 || r.body["accepted"] != 2.0 || r.body["duplicates"] != 0.0 {
		t.Fatalf("first: %s", r.raw)
	}
	mu.Lock()
	clock = clock.Add(2 * time.Second)
	mu.Unlock()
	if r := e.post(t, "/api/v1/events", "application/x-ndjson", body); r.status != 202 || r.body["duplicates"] != 2.0 {
		t.Fatalf("retry: %s", r.raw)
	}
	// Other content under a stored ID: another event; and its own retry,
	// later still, a duplicate of it.
	if r := e.post(t, "/api/v1/events", "application/json", []byte(`{"id":"retry-abc","message":"not the same"}`)); r.status != 202 || r.body["duplicates"] != 0.0 {
		t.Fatalf("another event with the ID: %s", r.raw)
	}
	mu.Lock()
	clock = clock.Add(2 * time.Second)
	mu.Unlock()
	if r := e.post(t, "/api/v1/events", "application/json", []byte(`{"id":"retry-abc","message":"not the same"}`)); r.status != 202 || r.body["duplicates"] != 1.0 {
		t.Fatalf("a retry of the other event: %s", r.raw)
	}
	evs := e.sink.Events()
	ids := map[string]int{}
	for _, ev := range evs {
		ids[ev.ID]++
	}
	if len(evs) != 3 || len(ids) != 3 || ids["retry-abc"] != 1 || ids["retry-ecs"] != 1 {
		t.Fatalf("stored %d events with IDs %v, want 3 with distinct IDs", len(evs), ids)
	}
}

func TestBadValues(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	body := "{\"message\":\"future\",\"@timestamp\":\"2999-01-01T00:00:00Z\"}\n" +
		"{\"message\":\"past\",\"@timestamp\":\"0001-01-01T00:00:00Z\"}\n" +
		"{\"message\":\"bad \xff\xfe utf8\"}\n" +
		"{\"message\":\"garbage\",\"@timestamp\":\"garbage-time\"}\n" +
		"{\"message\":\"negative\",\"@timestamp\":-99999999999999}\n"
	start := time.Now()
	r := e.post(t, "/api/v1/events", "application/x-ndjson", []byte(body))
	if r.status != 202 || r.body["accepted"] != 5.0 {
		t.Fatalf("%s", r.raw)
	}
	evs := e.sink.Events()
	for msg, why := range map[string]string{"future": "@timestamp: 2999-01-01T00:00:00Z is more than", "past": "@timestamp: 0001-01-01T00:00:00Z is more than"} {
		ev := byMessage(t, evs, msg)
		tags, _ := ev.Fields["tags"].([]string)
		if ev.Timestamp.Before(start) || !slices.Contains(tags, normalize.TagTimestampOutOfRange) || ev.Fields.Str("event.created") == "" {
			t.Errorf("%s: timestamp %v tags %v created %q", msg, ev.Timestamp, tags, ev.Fields.Str("event.created"))
		}
		if got := ev.Fields.Str("error.message"); !strings.HasPrefix(got, why) {
			t.Errorf("%s: error.message %q, want it to start %q", msg, got, why)
		}
	}
	for msg, want := range map[string]string{
		"garbage":  `@timestamp: cannot read "garbage-time" as a time; the arrival time is used`,
		"negative": `@timestamp: cannot read -99999999999999 as a time; the arrival time is used`,
	} {
		ev := byMessage(t, evs, msg)
		tags, _ := ev.Fields["tags"].([]string)
		if ev.Timestamp.Before(start) || !slices.Contains(tags, normalize.TagTimestampUnparsed) || ev.Fields.Str("error.message") != want {
			t.Errorf("%s: timestamp %v tags %v error.message %q, want %q", msg, ev.Timestamp, tags, ev.Fields.Str("error.message"), want)
		}
	}
	if got := e.Metric(t, "eventsec_ingest_repaired_total", map[string]string{"listener": "http", "reason": ingest.ReasonTimestampUnparsed}); got != 2 {
		t.Errorf("repaired{timestamp_unparsed} = %v, want 2", got)
	}
	var bad event.Event
	for _, ev := range evs {
		if strings.HasPrefix(ev.Fields.Str("message"), "bad ") {
			bad = ev
		}
	}
	if tags, _ := bad.Fields["tags"].([]string); !slices.Contains(tags, normalize.TagInvalidUTF8) {
		t.Errorf("invalid UTF-8: %q tags %v", bad.Raw, tags)
	}
	if got := e.Metric(t, "eventsec_ingest_repaired_total", map[string]string{"listener": "http", "reason": ingest.ReasonTimestamp}); got != 2 {
		t.Errorf("repaired{timestamp} = %v", got)
	}
}

// While the pipeline is full, requests are refused at once with 429 and
// Retry-After, and nothing of them is stored; the request that holds the
// room is answered once its events are durable.
func TestOverload(t *testing.T) {
	e := newEnv(t, ingest.Options{MaxInFlight: 5, RetryAfter: 2 * time.Second}, Options{})
	e.Gate.Shut()
	first := make(chan reply, 1)
	go func() {
		first <- e.post(t, "/api/v1/events", "application/x-ndjson", []byte(strings.Repeat("{\"message\":\"held\"}\n", 5)))
	}()
	ingesttest.Eventually(t, 5*time.Second, "the first request to reach the store", func() bool { return e.Gate.Waiting() == 1 })
	r := e.post(t, "/api/v1/events", "application/json", []byte(`{"message":"refused"}`))
	if r.status != 429 || r.header.Get("Retry-After") != "2" || r.body["error"].(map[string]any)["code"] != "overloaded" {
		t.Fatalf("overloaded: %d %v %s", r.status, r.header, r.raw)
	}
	select {
	case r := <-first:
		t.Fatalf("answered before durable: %s", r.raw)
	case <-time.After(100 * time.Millisecond):
	}
	e.Gate.Open()
	if r := <-first; r.status != 202 || r.body["accepted"] != 5.0 {
		t.Fatalf("held request: %s", r.raw)
	}
	if e.sink.Len() != 5 {
		t.Fatalf("stored %d", e.sink.Len())
	}
	if got := e.Metric(t, "eventsec_ingest_requests_refused_total", map[string]string{"listener": "http", "reason": ingest.ReasonOverloaded}); got != 1 {
		t.Fatalf("refused{overloaded} = %v", got)
	}
}

// Large requests are normalized on several goroutines; the result is the
// same as one by one.
func TestLargeRequest(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	var b bytes.Buffer
	for i := range 30_000 {
		if i == 12_345 {
			b.WriteString("oops\n")
			continue
		}
		fmt.Fprintf(&b, "{\"message\":\"line %d\",\"user\":{\"name\":\"u%d\"}}\n", i, i%7)
	}
	r := e.post(t, "/api/v1/events", "application/x-ndjson", b.Bytes())
	if r.status != 202 || r.body["accepted"] != 29_999.0 {
		t.Fatalf("%d %.300s", r.status, r.raw)
	}
	if got := rejections(r); len(got) != 1 || !strings.HasPrefix(got[0], "12345@12346:") {
		t.Fatalf("rejections %q", got)
	}
	if e.sink.Len() != 29_999 {
		t.Fatalf("stored %d", e.sink.Len())
	}
}

// Events without their own time take the arrival time, so a plain retry
// arriving later is new to the store; with an Idempotency-Key the retry
// takes the first delivery's time and is recognised.
func TestIdempotencyKey(t *testing.T) {
	clock := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func() { mu.Lock(); clock = clock.Add(90 * time.Second); mu.Unlock() }
	sink := ingesttest.NewStore(t)
	e := newEnvOver(t, sink, ingest.Options{Now: now, Receipts: sink.Sink.(eventstore.Receipts)}, Options{})
	body := []byte("{\"message\":\"no time a\"}\n{\"message\":\"no time b\"}\n")

	r := e.post(t, "/api/v1/events", "application/x-ndjson", body, "Idempotency-Key", `"batch-0001"`)
	if r.status != 202 || r.body["accepted"] != 2.0 || r.body["duplicates"] != 0.0 {
		t.Fatalf("first: %s", r.raw)
	}
	advance()
	r = e.post(t, "/api/v1/events", "application/x-ndjson", body, "Idempotency-Key", "batch-0001")
	if r.status != 202 || r.body["accepted"] != 2.0 || r.body["duplicates"] != 2.0 {
		t.Fatalf("retry with the key: %s", r.raw)
	}
	if e.sink.Len() != 2 {
		t.Fatalf("stored %d, want 2", e.sink.Len())
	}
	for _, ev := range e.sink.Events() {
		if !ev.Timestamp.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) {
			t.Fatalf("event time %v, want the first delivery's", ev.Timestamp)
		}
	}
	// Another key is another request; without a key, a later resend is too.
	advance()
	r = e.post(t, "/api/v1/events", "application/x-ndjson", body, "Idempotency-Key", "batch-0002")
	if r.status != 202 || r.body["duplicates"] != 0.0 || e.sink.Len() != 4 {
		t.Fatalf("new key: %s, stored %d", r.raw, e.sink.Len())
	}

	for _, bad := range []string{`""`, strings.Repeat("k", 256), "caf\u00e9", "a\tb"} {
		r := e.post(t, "/api/v1/events", "application/x-ndjson", body, "Idempotency-Key", bad)
		errObj, _ := r.body["error"].(map[string]any)
		if r.status != 400 || errObj["code"] != "invalid_header" || errObj["field"] != "Idempotency-Key" {
			t.Fatalf("key %q: %d %s", bad, r.status, r.raw)
		}
	}
	if e.sink.Len() != 4 {
		t.Fatalf("a refused request stored events: %d", e.sink.Len())
	}
}

// A store that cannot remember keys refuses them rather than ignoring them.
func TestIdempotencyKeyUnsupported(t *testing.T) {
	e := newEnvOver(t, &ingesttest.Store{Sink: &ingesttest.MemSink{}}, ingest.Options{}, Options{})
	r := e.post(t, "/api/v1/events", "application/json", []byte(`{"message":"x"}`), "Idempotency-Key", "k1")
	if r.status != 400 || !strings.Contains(r.raw, "idempotency") {
		t.Fatalf("%d %s", r.status, r.raw)
	}
}

// TestTruncatedItemsReported: an item longer than an event may be is
// stored cut (raw, unparsed) and counted as accepted, and the 202 says
// which one and how.
func TestTruncatedItemsReported(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	long := `{"message":"big ` + strings.Repeat("x", normalize.MaxRaw) + `"}`
	r := e.post(t, "/api/v1/events", "application/x-ndjson", []byte("{\"message\":\"small\"}\n"+long+"\n"))
	if r.status != 202 || r.body["accepted"] != 2.0 || r.body["truncated_count"] != 1.0 || r.body["rejected_count"] != 0.0 {
		t.Fatalf("%d %.300s", r.status, r.raw)
	}
	want := []string{fmt.Sprintf("1@2: longer than %d bytes: stored as its first %d bytes of text, not parsed", normalize.MaxRaw, normalize.MaxRaw)}
	if got := listed(r, "truncated"); !slices.Equal(got, want) {
		t.Fatalf("truncated:\n got %q\nwant %q", got, want)
	}
	// Nothing cut: an empty list, not null.
	r = e.post(t, "/api/v1/events", "application/json", []byte(`{"message":"fine"}`))
	if r.status != 202 || r.body["truncated_count"] != 0.0 || r.raw == "" || !strings.Contains(r.raw, `"truncated":[]`) {
		t.Fatalf("%d %s", r.status, r.raw)
	}
}

// The first arrival of an undated, sender-identified event is recorded in
// the store, so a retry after a restart of the server (the answer lost in
// a crash, say) is still a duplicate carrying the first delivery's time.
func TestUndatedClientIDsSurviveARestart(t *testing.T) {
	clock := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	dir := t.TempDir()
	start := func(remember bool) (*env, *ingesttest.Store) {
		st := ingesttest.NewStoreIn(t, dir)
		o := ingest.Options{Now: now}
		if remember {
			o.ClientIDs = st.Sink.(eventstore.ClientIDs)
		}
		return newEnvOver(t, st, o, Options{}), st
	}
	stop := func(e *env, st *ingesttest.Store) {
		e.srv.Close()
		if err := st.Sink.(io.Closer).Close(); err != nil {
			t.Fatal(err)
		}
	}
	body := []byte(`{"id":"retry-abc","message":"first"}` + "\n" + `{"event":{"id":"retry-ecs"},"message":"second"}` + "\n")
	other := []byte(`{"id":"retry-abc","message":"not the same"}`)

	e, st := start(true)
	if r := e.post(t, "/api/v1/events", "application/x-ndjson", body); r.status != 202 || r.body["accepted"] != 2.0 || r.body["duplicates"] != 0.0 {
		t.Fatalf("first: %s", r.raw)
	}
	advance(time.Second)
	if r := e.post(t, "/api/v1/events", "application/json", other); r.status != 202 || r.body["duplicates"] != 0.0 {
		t.Fatalf("another event under the ID: %s", r.raw)
	}
	stop(e, st)

	advance(2 * time.Minute)
	e, st = start(true)
	if r := e.post(t, "/api/v1/events", "application/x-ndjson", body); r.status != 202 || r.body["duplicates"] != 2.0 {
		t.Fatalf("retry after the restart: %s", r.raw)
	}
	if r := e.post(t, "/api/v1/events", "application/json", other); r.status != 202 || r.body["duplicates"] != 1.0 {
		t.Fatalf("retry of the other event after the restart: %s", r.raw)
	}
	evs := st.Events()
	if len(evs) != 3 {
		t.Fatalf("stored %d events, want 3", len(evs))
	}
	first := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	if ev := byMessage(t, evs, "first"); ev.ID != "retry-abc" || !ev.Timestamp.Equal(first) {
		t.Fatalf("first event: %s at %v", ev.ID, ev.Timestamp)
	}
	stop(e, st)

	// Without the records (memory only, as before), the same retry after a
	// restart is stored again: what the records prevent.
	advance(time.Minute)
	e, st = start(false)
	if r := e.post(t, "/api/v1/events", "application/x-ndjson", body); r.status != 202 || r.body["duplicates"] != 0.0 {
		t.Fatalf("memory only: %s", r.raw)
	}
	stop(e, st)
}
