package esbulk

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
)

// Fluent Bit, Vector and Logstash cannot run here (TestRealFilebeat runs
// the real Filebeat). These tests replay the requests each one makes, as
// read in its source code, and judge our answers as its source code does:
// fluentBitDelivered, vectorOutcome and logstashSubmit restate, in Go, the
// decisions each shipper takes on a response.

// authLine is a line of /var/log/auth.log as a tail or file input reads it.
const authLine = "Nov 23 10:00:00 web-1 sshd[811]: Failed password for invalid user admin from 198.51.100.7 port 4242 ssh2"

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func zlibbed(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// ndjson joins bulk lines, each ended by a newline as every shipper sends.
func ndjson(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// byMessage indexes stored events by their original line (the message
// when the line was not parsed).
func byMessage(evs []event.Event) map[string]event.Event {
	m := map[string]event.Event{}
	for _, ev := range evs {
		k := ev.Fields.Str("event.original")
		if k == "" {
			k = ev.Fields.Str("message")
		}
		m[k] = ev
	}
	return m
}

// checkAuthEvent checks that authLine, sent inside a shipper's document,
// was stored with the ECS fields parsed from the line and the shipper's
// own fields (host.name is the shipper's host; the line's goes to
// host.hostname when they differ).
func checkAuthEvent(t *testing.T, evs map[string]event.Event, index, hostName string) {
	t.Helper()
	ev, ok := evs[authLine]
	if !ok {
		t.Errorf("the auth.log line was not stored (have %d events)", len(evs))
		return
	}
	f := ev.Fields
	want := map[string]string{
		"source.ip": "198.51.100.7", "user.name": "admin", "event.outcome": "failure",
		"process.name": "sshd", "host.name": hostName, "labels.index": index, "event.original": authLine,
	}
	if hostName != "web-1" {
		want["host.hostname"] = "web-1"
	}
	for k, v := range want {
		if got := f.Str(k); got != v {
			t.Errorf("%s = %q, want %q (fields %v)", k, got, v, f)
		}
	}
	if ev.OrgID != "org-1" || ev.Input != "esbulk" {
		t.Errorf("identity: org %q input %q", ev.OrgID, ev.Input)
	}
}

// decodeNumbers parses a response keeping numbers as json.Number, so that
// a test can tell an integer status from a float, as a msgpack or serde
// decoder does.
func decodeNumbers(t *testing.T, raw string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %q", err, raw)
	}
	return m
}

// itemStatuses returns the action and status of every item of a bulk
// response; it fails the test when an item is not an object of one action
// holding an integer status.
func itemStatuses(t *testing.T, raw string) (actions []string, statuses []int) {
	t.Helper()
	list, ok := decodeNumbers(t, raw)["items"].([]any)
	if !ok {
		t.Fatalf("no items array: %s", raw)
	}
	for i, x := range list {
		m, ok := x.(map[string]any)
		if !ok || len(m) != 1 {
			t.Fatalf("item %d is not an object with one action: %v", i, x)
		}
		for action, v := range m {
			inner, _ := v.(map[string]any)
			n, ok := inner["status"].(json.Number)
			st, err := strconv.Atoi(string(n))
			if !ok || err != nil || st <= 0 {
				t.Fatalf("item %d: status %v is not a positive integer", i, inner["status"])
			}
			actions = append(actions, action)
			statuses = append(statuses, st)
		}
	}
	return actions, statuses
}

// fluentBitDelivered reports whether Fluent Bit's es output takes a chunk
// as delivered (FLB_OK) rather than retrying it (FLB_RETRY), as cb_es_flush
// and elasticsearch_error_check decide in fluent/fluent-bit
// plugins/out_es/es.c. Since 3.1.7 (since317) a chunk is delivered when
// "errors" is false or an item has status 200 or 201, whatever the other
// items say; before, it is retried when an item has a status other than
// 409. Anything but HTTP 200/201 with a body is retried.
func fluentBitDelivered(t *testing.T, r reply, since317 bool) bool {
	t.Helper()
	if (r.status != 200 && r.status != 201) || r.raw == "" {
		return false
	}
	if errs, ok := decodeNumbers(t, r.raw)["errors"].(bool); !ok {
		t.Fatalf("errors is not a boolean: %s", r.raw)
	} else if !errs {
		return true
	}
	_, statuses := itemStatuses(t, r.raw)
	success, failure := false, false
	for _, st := range statuses {
		success = success || st == 200 || st == 201
		failure = failure || st != 409
	}
	if since317 {
		return success
	}
	return !failure
}

// fluentBitRules are the two versions of elasticsearch_error_check.
var fluentBitRules = []struct {
	name     string
	since317 bool
}{{"3.0-3.1.6", false}, {"3.1.7+", true}}

// TestFluentBit replays Fluent Bit's es output, read in fluent/fluent-bit
// plugins/out_es/es.c, es_bulk.h, es_conf.c and src/flb_http_client.c at
// v3.0.0, v3.1.10, v4.2.8, v5.1.1 and main after it. It makes no request
// before sending: no version probe, no template. cb_es_flush POSTs one
// chunk to {Path}/_bulk ({Path}/_bulk/?pipeline=NAME up to 5.1.1,
// {Path}/_bulk?pipeline=NAME on main after it) with Content-Type
// application/x-ndjson, User-Agent Fluent-Bit,
// Content-Encoding gzip when Compress is gzip, and Basic auth
// (HTTP_User/HTTP_Passwd) or "ApiKey <HTTP_API_Key>". elasticsearch_format
// writes one printf'd action line per record: Write_Operation (default
// create), _index (Index, default fluent-bit, or logstash-YYYY.MM.DD with
// Logstash_Format), _type _doc unless Suppress_Type_Name is On, _id with
// Generate_ID or Id_Key; then the record with Time_Key (@timestamp,
// milliseconds) first. Tail puts an unparsed line under "log". Of the
// answer it reads the HTTP status, "errors" and items[].<action>.status;
// when the body does not parse as JSON it looks for the bytes
// "errors":false,"items":[. An answer larger than Buffer_Size (default
// 512k) fails the request, and the chunk is sent again.
func TestFluentBit(t *testing.T) {
	ts := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	apiKey := "ApiKey " + base64.StdEncoding.EncodeToString([]byte("fluent-bit:key-1"))
	cases := []struct {
		name   string
		path   string
		action string // the action line of every record, as printf'd
		hdr    []string
		gzip   bool
		index  string
	}{
		{name: "documented config: Path /es, Suppress_Type_Name On", path: "/es/_bulk",
			action: `{"create":{"_index":"fluent-bit"}}`, index: "fluent-bit"},
		{name: "defaults: _type _doc", path: "/es/_bulk",
			action: `{"create":{"_index":"fluent-bit","_type":"_doc"}}`, index: "fluent-bit"},
		{name: "Logstash_Format On, Compress gzip, HTTP_API_Key", path: "/es/_bulk", gzip: true,
			action: `{"create":{"_index":"logstash-2026.11.23"}}`, hdr: []string{"Authorization", apiKey}, index: "logstash-2026.11.23"},
		{name: "Pipeline (up to 5.1.1), Write_Operation index", path: "/es/_bulk/?pipeline=auth",
			action: `{"index":{"_index":"fluent-bit","_type":"_doc"}}`, index: "fluent-bit"},
		{name: "Pipeline (main after 5.1.1)", path: "/es/_bulk?pipeline=auth",
			action: `{"create":{"_index":"fluent-bit"}}`, index: "fluent-bit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, ingest.Options{}, Options{Prefix: "/es"})
			rec := func(log string) string {
				return fmt.Sprintf(`{"@timestamp":%q,"log":%q}`, ts.Format("2006-01-02T15:04:05.000Z"), log)
			}
			// Two records alike in one chunk are two events.
			chunk := ndjson(c.action, rec(authLine), c.action, rec("service started"), c.action, rec("service started"))
			hdr := append([]string{"Content-Type", "application/x-ndjson", "User-Agent", "Fluent-Bit"}, c.hdr...)
			if c.gzip {
				chunk = gzipped(t, chunk)
				hdr = append(hdr, "Content-Encoding", "gzip")
			}
			r := e.do(t, "POST", c.path, chunk, hdr...)
			for _, rule := range fluentBitRules {
				if !fluentBitDelivered(t, r, rule.since317) {
					t.Errorf("Fluent Bit %s would retry the chunk: %d %s", rule.name, r.status, r.raw)
				}
			}
			if !strings.Contains(r.raw, `"errors":false,"items":[`) {
				t.Errorf("the bytes Fluent Bit looks for in an answer it cannot parse are missing: %s", r.raw)
			}
			if _, st := itemStatuses(t, r.raw); len(st) != 3 || st[0] != 201 || st[1] != 201 || st[2] != 201 {
				t.Errorf("statuses %v, want 3 × 201", st)
			}
			evs := e.sink.Events()
			if len(evs) != 3 {
				t.Fatalf("stored %d events, want 3", len(evs))
			}
			checkAuthEvent(t, byMessage(evs), c.index, "web-1")
			started := 0
			for _, ev := range evs {
				if ev.Fields.Str("message") == "service started" {
					started++
					if !ev.Timestamp.Equal(ts) || ev.Fields.Str("labels.index") != c.index {
						t.Errorf("record: time %v, want %v; fields %v", ev.Timestamp, ts, ev.Fields)
					}
				}
			}
			if started != 2 {
				t.Errorf("%d of the 2 alike records stored", started)
			}

			// A chunk is sent again whole (its answer lost, or larger
			// than Buffer_Size): nothing is stored twice, and every
			// version takes the answer as delivered.
			r = e.do(t, "POST", c.path, chunk, hdr...)
			for _, rule := range fluentBitRules {
				if !fluentBitDelivered(t, r, rule.since317) {
					t.Errorf("retried chunk: Fluent Bit %s would retry it again: %s", rule.name, r.raw)
				}
			}
			if e.sink.Len() != 3 {
				t.Errorf("retried chunk: stored %d events, want 3", e.sink.Len())
			}
		})
	}

	// Generate_ID On names every record (_id from a hash of the record).
	// A chunk sent again is then answered 409 per record, as Elasticsearch
	// answers it: 3.1.7+ retry such a chunk until Retry_Limit although it
	// is stored. EventSec recognises a resent record without an _id, so
	// the documented configuration leaves Generate_ID off.
	t.Run("Generate_ID On", func(t *testing.T) {
		e := newEnv(t, ingest.Options{}, Options{Prefix: "/es"})
		rec := fmt.Sprintf(`{"@timestamp":%q,"log":"generated id"}`, ts.Format("2006-01-02T15:04:05.000Z"))
		chunk := ndjson(`{"create":{"_index":"fluent-bit","_id":"4b1f2c3d-0a1b-2c3d-4e5f-60718293a4b5"}}`, rec)
		r := e.do(t, "POST", "/es/_bulk", chunk, "Content-Type", "application/x-ndjson")
		if !fluentBitDelivered(t, r, true) || e.sink.Len() != 1 {
			t.Fatalf("first send: %s", r.raw)
		}
		r = e.do(t, "POST", "/es/_bulk", chunk, "Content-Type", "application/x-ndjson")
		if _, st := itemStatuses(t, r.raw); len(st) != 1 || st[0] != 409 || fluentBitDelivered(t, r, true) || !fluentBitDelivered(t, r, false) {
			t.Errorf("resent named record: %s", r.raw)
		}
		if e.sink.Len() != 1 {
			t.Errorf("stored %d events, want 1", e.sink.Len())
		}
	})

	// Write_Operation update and upsert send {"doc":...} bodies, which an
	// append-only store refuses per record; Fluent Bit would retry them.
	// The documented configuration keeps create (the default) or index.
	t.Run("Write_Operation upsert", func(t *testing.T) {
		e := newEnv(t, ingest.Options{}, Options{Prefix: "/es"})
		r := e.do(t, "POST", "/es/_bulk", ndjson(`{"update":{"_index":"fluent-bit","_id":"a"}}`, `{"doc_as_upsert":true,"doc":{"log":"x"}}`))
		if _, st := itemStatuses(t, r.raw); len(st) != 1 || st[0] != 400 || fluentBitDelivered(t, r, true) || e.sink.Len() != 0 {
			t.Errorf("upsert: %s", r.raw)
		}
	})
}

// vectorOutcome is what Vector's elasticsearch sink does with a bulk
// answer, as ElasticsearchRetryLogic.should_retry_response
// (src/sinks/elasticsearch/retry.rs) and get_event_status (service.rs)
// decide in vectordotdev/vector 0.40 to 0.58: "retry" (429, 5xx but 501,
// or with request_retry_partial an item with 429 or 5xx), "delivered" (2xx
// without the bytes "errors":true) or "rejected" (everything else: the
// events are dropped and reported as rejected). An answer with
// "errors":true must parse as {"items":[{"index"|"create"|"update":
// {"status":u16?,"error":{"type":string,"reason":string}?}}]}.
func vectorOutcome(t *testing.T, r reply, retryPartial bool) string {
	t.Helper()
	switch {
	case r.status == 429:
		return "retry"
	case r.status == 501:
		return "rejected"
	case r.status >= 500:
		return "retry"
	case r.status < 200 || r.status >= 300:
		return "rejected"
	case !strings.Contains(r.raw, `"errors":true`):
		return "delivered"
	}
	list, ok := decodeNumbers(t, r.raw)["items"].([]any)
	if !ok {
		t.Errorf("Vector cannot parse the answer (no items): %s", r.raw)
		return "rejected"
	}
	retry := false
	for _, x := range list {
		m, _ := x.(map[string]any)
		if len(m) != 1 {
			t.Errorf("Vector cannot parse item %v", x)
			return "rejected"
		}
		for action, v := range m {
			if action != "index" && action != "create" && action != "update" {
				t.Errorf("Vector cannot parse an item of action %q", action)
				return "rejected"
			}
			inner, _ := v.(map[string]any)
			if e, ok := inner["error"]; ok {
				em, _ := e.(map[string]any)
				if _, ok := em["type"].(string); !ok {
					t.Errorf("Vector cannot parse error %v", e)
				}
				if _, ok := em["reason"].(string); !ok {
					t.Errorf("Vector cannot parse error %v", e)
				}
			}
			n, _ := inner["status"].(json.Number)
			st, _ := strconv.Atoi(string(n))
			retry = retry || st == 429 || st >= 500
		}
	}
	if retryPartial && retry {
		return "retry"
	}
	return "rejected"
}

// TestVector replays Vector's elasticsearch sink, read in
// vectordotdev/vector src/sinks/elasticsearch/common.rs, config.rs,
// encoder.rs, service.rs and retry.rs (0.40, 0.49 and 0.58 agree). At
// start, unless api_version is set, get_version GETs {endpoint}/ and takes
// the major version from version.number (7 and later: no _type); the
// healthcheck GETs {endpoint}/_cluster/health and wants 200. Batches go to
// POST {endpoint}/_bulk?timeout=60s (plus pipeline= and the query
// option) with Content-Type application/x-ndjson, Content-Encoding gzip
// or deflate (zlib) when compressed, Basic auth. Bulk mode writes
// {"index":{"_index":"vector-%Y.%m.%d"}} and the event as Vector holds it
// (timestamp, host, message, source_type, file); data_stream mode writes
// create to logs-generic-default, renames timestamp to @timestamp and adds
// data_stream.*.
func TestVector(t *testing.T) {
	ts := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	vts := ts.Format(time.RFC3339Nano)
	e := newEnv(t, ingest.Options{}, Options{Prefix: "/es"})

	r := e.do(t, "GET", "/es/", "")
	var info struct {
		Version *struct {
			Number *string `json:"number"`
		} `json:"version"`
	}
	if err := json.Unmarshal([]byte(r.raw), &info); err != nil || info.Version == nil || info.Version.Number == nil {
		t.Fatalf("get_version cannot read version.number: %s", r.raw)
	}
	if major, err := strconv.Atoi(strings.Split(*info.Version.Number, ".")[0]); err != nil || major < 7 {
		t.Errorf("major version %q: Vector would send _type", *info.Version.Number)
	}
	if r := e.do(t, "GET", "/es/_cluster/health", ""); r.status != 200 {
		t.Errorf("healthcheck: %d", r.status)
	}

	doc := func(msg string) string {
		return fmt.Sprintf(`{"file":"/var/log/auth.log","host":"web-1","message":%q,"source_type":"file","timestamp":%q}`, msg, vts)
	}
	dsDoc := func(msg string) string {
		return fmt.Sprintf(`{"@timestamp":%q,"data_stream":{"dataset":"generic","namespace":"default","type":"logs"},"file":"/var/log/auth.log","host":"web-1","message":%q,"source_type":"file"}`, vts, msg)
	}
	daily := "vector-" + ts.Format("2006.01.02")
	cases := []struct {
		name  string
		path  string
		lines []string
		enc   string // Content-Encoding
		index string
	}{
		{name: "bulk mode (default)", path: "/es/_bulk?timeout=60s", index: daily,
			lines: []string{`{"index":{"_index":"` + daily + `"}}`, doc(authLine), `{"index":{"_index":"` + daily + `"}}`, doc("vector bulk mode")}},
		{name: "compression gzip, pipeline", path: "/es/_bulk?pipeline=p1&timeout=60s", enc: "gzip", index: daily,
			lines: []string{`{"index":{"_index":"` + daily + `"}}`, doc("vector gzip")}},
		{name: "compression zlib", path: "/es/_bulk?timeout=60s", enc: "deflate", index: daily,
			lines: []string{`{"index":{"_index":"` + daily + `"}}`, doc("vector zlib")}},
		{name: "api_version v6, id_key", path: "/es/_bulk?timeout=60s", index: "app",
			lines: []string{`{"index":{"_id":"vector-id-1","_index":"app","_type":"_doc"}}`, doc("vector with id")}},
		{name: "data_stream mode", path: "/es/_bulk?timeout=60s", index: "logs-generic-default",
			lines: []string{`{"create":{"_index":"logs-generic-default"}}`, dsDoc("vector data stream")}},
	}
	stored := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := ndjson(c.lines...)
			switch c.enc {
			case "gzip":
				body = gzipped(t, body)
			case "deflate":
				body = zlibbed(t, body)
			}
			hdr := []string{"Content-Type", "application/x-ndjson", "User-Agent", "Vector/0.49.0"}
			if c.enc != "" {
				hdr = append(hdr, "Content-Encoding", c.enc, "Accept-Encoding", c.enc)
			}
			r := e.do(t, "POST", c.path, body, hdr...)
			if got := vectorOutcome(t, r, false); got != "delivered" {
				t.Fatalf("Vector: %s, want delivered: %d %s", got, r.status, r.raw)
			}
			stored += len(c.lines) / 2
			if e.sink.Len() != stored {
				t.Fatalf("stored %d events, want %d", e.sink.Len(), stored)
			}
			evs := byMessage(e.sink.Events())
			for i := 1; i < len(c.lines); i += 2 {
				var m struct{ Message string }
				_ = json.Unmarshal([]byte(c.lines[i]), &m)
				ev, ok := evs[m.Message]
				if !ok {
					t.Fatalf("%q not stored", m.Message)
				}
				if m.Message == authLine {
					checkAuthEvent(t, evs, c.index, "web-1")
					continue
				}
				// Vector's timestamp (bulk mode) or @timestamp (data
				// streams) is the event's time; host is host.name.
				if !ev.Timestamp.Equal(ts) || ev.Fields.Str("host.name") != "web-1" || ev.Fields.Str("labels.index") != c.index {
					t.Errorf("time %v, want %v; fields %v", ev.Timestamp, ts, ev.Fields)
				}
			}

			// Vector resends a batch after a timeout or a 5xx: nothing is
			// stored twice and the batch is delivered, in data_stream
			// mode (create) as in bulk mode (index).
			r = e.do(t, "POST", c.path, body, hdr...)
			if got := vectorOutcome(t, r, false); got != "delivered" {
				t.Errorf("resent batch: Vector %s: %s", got, r.raw)
			}
			if e.sink.Len() != stored {
				t.Errorf("resent batch: stored %d events, want %d", e.sink.Len(), stored)
			}
		})
	}

	// Every compression Vector offers is read: zstd, and snappy as Vector
	// sends it (one raw block, src/sinks/util/snappy.rs).
	var zb bytes.Buffer
	zw, _ := zstd.NewWriter(&zb)
	zw.Write([]byte(`{"index":{"_index":"vector-2026.11.24"}}` + "\n" + `{"message":"zstd from vector","timestamp":"2026-11-24T01:00:00Z","host":"vec-1"}` + "\n"))
	zw.Close()
	before := e.sink.Len()
	if r := e.do(t, "POST", "/es/_bulk?timeout=60s", zb.String(), "Content-Encoding", "zstd", "Content-Type", "application/x-ndjson"); r.status != 200 || vectorOutcome(t, r, true) != "delivered" || e.sink.Len() != before+1 {
		t.Errorf("zstd: %d %s", r.status, r.raw)
	}
	sn := snappy.Encode(nil, []byte(`{"index":{"_index":"vector-2026.11.24"}}`+"\n"+`{"message":"snappy from vector","timestamp":"2026-11-24T01:00:00Z","host":"vec-1"}`+"\n"))
	if r := e.do(t, "POST", "/es/_bulk?timeout=60s", string(sn), "Content-Encoding", "snappy", "Content-Type", "application/x-ndjson"); r.status != 200 || vectorOutcome(t, r, true) != "delivered" || e.sink.Len() != before+2 {
		t.Errorf("snappy: %d %s", r.status, r.raw)
	}
	// A corrupt body is a 400 that names the problem; Vector drops it.
	r = e.do(t, "POST", "/es/_bulk?timeout=60s", "\xff\x06\x00\x00sNaPpY\x00\x01", "Content-Encoding", "snappy")
	if r.status != 400 || get(r.body, "error.type") != "parse_exception" || vectorOutcome(t, r, true) != "rejected" {
		t.Errorf("corrupt snappy: %d %s", r.status, r.raw)
	}
}

// logstashSubmit is what logstash-output-elasticsearch does with a bulk
// answer to n actions, as HttpClient#bulk_send
// (lib/logstash/outputs/elasticsearch/http_client.rb) and Common#submit
// and #safe_bulk (lib/logstash/plugin_mixins/elasticsearch/common.rb)
// decide in 11.x and 12.x: another HTTP status than 2xx retries the whole
// request (413 is turned into a 413 per action); a body without "errors"
// true is a success; otherwise the items must be as many as the actions,
// and per item 200/201 is done, 409 is logged and dropped, 400/404 go to
// the dead letter queue (or are logged and dropped), anything else is
// retried, forever.
func logstashSubmit(t *testing.T, r reply, n int) (wholeRetry bool, retry, dlq, dropped []int) {
	t.Helper()
	if r.status < 200 || r.status > 299 {
		return r.status != 413, nil, nil, nil
	}
	if errs, _ := r.body["errors"].(bool); !errs {
		return false, nil, nil, nil
	}
	_, statuses := itemStatuses(t, r.raw)
	if len(statuses) != n {
		t.Fatalf("Sent %d documents but Elasticsearch returned %d responses", n, len(statuses))
	}
	for i, st := range statuses {
		switch st {
		case 200, 201:
		case 409:
			dropped = append(dropped, i)
		case 400, 404:
			dlq = append(dlq, i)
		default:
			retry = append(retry, i)
		}
	}
	return false, retry, dlq, dropped
}

// TestLogstash replays logstash-output-elasticsearch, read in
// logstash-plugins/logstash-output-elasticsearch at v11.0.0, v11.22.0 and
// v12.1.6: lib/logstash/outputs/elasticsearch/http_client/pool.rb,
// http_client/manticore_adapter.rb, http_client.rb, http_client_builder.rb,
// license_checker.rb, ilm.rb, template_manager.rb, data_stream_support.rb,
// outputs/elasticsearch.rb and plugin_mixins/elasticsearch/common.rb.
// Every request carries Content-Type application/json,
// x-elastic-product-origin and Basic auth (sent at once); a path in the
// host URL prefixes every path. Registration: HEAD / (health check), GET /
// (a compatible Elasticsearch: version.number >= 7.0.0 and, from 7.14,
// the X-Elastic-Product header; build_flavor serverless would change the
// protocol), GET /_license (license.status active, or the connection is
// marked dead), GET / again (cluster_uuid). Unless turned off: ILM (HEAD
// of the rollover alias, GET /_ilm/policy/logstash-policy, PUTs when
// missing) and the template (HEAD /_index_template/NAME, PUT when
// missing or template_overwrite). Batches go to POST /_bulk
// ?filter_path=errors,items.*.error,items.*.status (since 11.19), gzip
// (compression_level 1, the default since 11.17) with
// X-Elastic-Event-Count and X-Elastic-Uncompressed-Request-Length, action
// lines {"index":{"_id":null,"_index":...,"routing":null}}, or create to
// logs-generic-default with data_stream.* when data streams are on (the
// 8.x default when no other option rules them out).
func TestLogstash(t *testing.T) {
	ts := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	lts := ts.Format("2006-01-02T15:04:05.000Z")
	e := newEnv(t, ingest.Options{}, Options{Prefix: "/es", MaxDepth: 8})
	hdr := []string{"Content-Type", "application/json", "x-elastic-product-origin", "logstash-output-elasticsearch",
		"User-Agent", "Logstash/8.17.0 (OS=Linux-6.1-amd64; JVM=Eclipse Adoptium-17.0.13) logstash-output-elasticsearch/12.1.6"}
	ok2xx := func(r reply) error {
		if r.status < 200 || r.status > 299 {
			return fmt.Errorf("status %d", r.status)
		}
		return nil
	}
	steps := []struct {
		name, method, path, body string
		check                    func(reply) error
	}{
		{"health check", "HEAD", "/es/", "", ok2xx},
		{"a compatible Elasticsearch", "GET", "/es/", "", func(r reply) error {
			n, _ := get(r.body, "version.number").(string)
			parts := strings.Split(n, ".")
			major, err := strconv.Atoi(parts[0])
			switch {
			case err != nil || major < 7:
				return fmt.Errorf("version.number %q is not >= 7.0.0", n)
			case r.header.Get("X-Elastic-Product") != "Elasticsearch":
				return fmt.Errorf("no X-Elastic-Product: Elasticsearch")
			case get(r.body, "version.build_flavor") == "serverless":
				return fmt.Errorf("serverless build flavor")
			}
			return nil
		}},
		{"license", "GET", "/es/_license", "", func(r reply) error {
			if get(r.body, "license.status") != "active" {
				return fmt.Errorf("license.status %v", get(r.body, "license.status"))
			}
			return nil
		}},
		{"cluster uuid", "GET", "/es/", "", func(r reply) error {
			if s, _ := r.body["cluster_uuid"].(string); s == "" {
				return fmt.Errorf("no cluster_uuid")
			}
			return nil
		}},
		{"ILM: rollover alias exists", "HEAD", "/es/ecs-logstash", "", ok2xx},
		{"ILM: policy exists", "GET", "/es/_ilm/policy/logstash-policy", "", ok2xx},
		{"ILM: policy put", "PUT", "/es/_ilm/policy/logstash-policy", `{"policy":{"phases":{"hot":{"actions":{"rollover":{"max_age":"30d"}}}}}}`, ok2xx},
		{"template exists", "HEAD", "/es/_index_template/ecs-logstash", "", ok2xx},
		{"template put (template_overwrite)", "PUT", "/es/_index_template/ecs-logstash", `{"index_patterns":"ecs-logstash-*","priority":200,"template":{"settings":{"index.refresh_interval":"5s"}}}`, ok2xx},
		{"legacy template put (template_api legacy)", "PUT", "/es/_template/ecs-logstash", `{"index_patterns":"ecs-logstash-*","settings":{}}`, ok2xx},
		{"sniffing", "GET", "/es/_nodes/http", "", func(r reply) error {
			nodes, _ := r.body["nodes"].(map[string]any)
			for _, n := range nodes {
				addr, _ := get(n.(map[string]any), "http.publish_address").(string)
				if !regexp.MustCompile(`([^/]*)?/?([^:]*):([0-9]+)`).MatchString(addr) {
					return fmt.Errorf("publish_address %q", addr)
				}
				return nil
			}
			return fmt.Errorf("no nodes")
		}},
	}
	for _, s := range steps {
		r := e.do(t, s.method, s.path, s.body, hdr...)
		if err := s.check(r); err != nil {
			t.Errorf("%s: %s %s: %v: %s", s.name, s.method, s.path, err, r.raw)
		}
	}

	doc := func(msg string) string {
		return fmt.Sprintf(`{"@timestamp":%q,"@version":"1","event":{"original":%q},"host":{"name":"logstash-1"},"log":{"file":{"path":"/var/log/auth.log"}},"message":%q}`, lts, msg, msg)
	}
	dsDoc := func(msg string) string {
		return fmt.Sprintf(`{"@timestamp":%q,"@version":"1","data_stream":{"type":"logs","dataset":"generic","namespace":"default"},"host":{"name":"logstash-1"},"message":%q}`, lts, msg)
	}
	daily := "ecs-logstash-" + ts.Format("2006.01.02")
	bulk := func(t *testing.T, lines []string) reply {
		t.Helper()
		body := ndjson(lines...)
		h := append([]string{"Content-Encoding", "gzip", "X-Elastic-Event-Count", strconv.Itoa(len(lines) / 2),
			"X-Elastic-Uncompressed-Request-Length", strconv.Itoa(len(body))}, hdr...)
		return e.do(t, "POST", "/es/_bulk?filter_path=errors,items.*.error,items.*.status", gzipped(t, body), h...)
	}
	stored := 0
	cases := []struct {
		name  string
		lines []string
		index string
	}{
		{"documented config: index mode", []string{
			`{"index":{"_id":null,"_index":"` + daily + `","routing":null}}`, doc(authLine),
			`{"index":{"_id":null,"_index":"` + daily + `","routing":null}}`, doc("logstash index mode"),
		}, daily},
		{"ILM rollover alias", []string{`{"index":{"_id":null,"_index":"ecs-logstash","routing":null}}`, doc("logstash ilm")}, "ecs-logstash"},
		{"data streams (8.x default)", []string{
			`{"create":{"_id":null,"_index":"logs-generic-default","routing":null}}`, dsDoc("logstash data stream"),
		}, "logs-generic-default"},
		{"pipeline", []string{`{"index":{"_id":null,"_index":"` + daily + `","routing":null,"pipeline":"p1"}}`, doc("logstash pipeline")}, daily},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := bulk(t, c.lines)
			if whole, retry, dlq, dropped := logstashSubmit(t, r, len(c.lines)/2); whole || retry != nil || dlq != nil || dropped != nil {
				t.Fatalf("Logstash would retry %v/%v, DLQ %v, drop %v: %d %s", whole, retry, dlq, dropped, r.status, r.raw)
			}
			stored += len(c.lines) / 2
			if e.sink.Len() != stored {
				t.Fatalf("stored %d, want %d", e.sink.Len(), stored)
			}
			evs := byMessage(e.sink.Events())
			for i := 1; i < len(c.lines); i += 2 {
				var m struct{ Message string }
				_ = json.Unmarshal([]byte(c.lines[i]), &m)
				if m.Message == authLine {
					checkAuthEvent(t, evs, c.index, "logstash-1")
					continue
				}
				ev, ok := evs[m.Message]
				if !ok || !ev.Timestamp.Equal(ts) || ev.Fields.Str("host.name") != "logstash-1" || ev.Fields.Str("labels.index") != c.index {
					t.Errorf("%q: stored %v at %v, fields %v", m.Message, ok, ev.Timestamp, ev.Fields)
				}
			}
			// After a 429, a 503 or a timeout Logstash sends the batch
			// again: stored once, and nothing for Logstash to retry or log.
			r = bulk(t, c.lines)
			if whole, retry, dlq, dropped := logstashSubmit(t, r, len(c.lines)/2); whole || retry != nil || dlq != nil || dropped != nil {
				t.Errorf("resent: Logstash would retry %v/%v, DLQ %v, drop %v: %s", whole, retry, dlq, dropped, r.raw)
			}
			if e.sink.Len() != stored {
				t.Errorf("resent: stored %d, want %d", e.sink.Len(), stored)
			}
		})
	}

	// document_id names the documents: a create of a stored _id conflicts
	// (409: Logstash logs and drops it, as with Elasticsearch); an index
	// of it is a success. A document EventSec cannot take (here nested
	// deeper than MaxDepth) is a 400, which goes to the dead letter queue
	// instead of being retried forever: EventSec answers no item with a
	// status Logstash would retry.
	t.Run("document_id, refused document", func(t *testing.T) {
		deep := `{"@timestamp":"` + lts + `","message":"deep","a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}`
		lines := []string{
			`{"create":{"_id":"fp-1","_index":"logs-generic-default","routing":null}}`, dsDoc("logstash fingerprint"),
			`{"index":{"_id":"fp-2","_index":"` + daily + `","routing":null}}`, doc("logstash fingerprint 2"),
			`{"index":{"_id":null,"_index":"` + daily + `","routing":null}}`, deep,
		}
		r := bulk(t, lines)
		if whole, retry, dlq, dropped := logstashSubmit(t, r, 3); whole || retry != nil || len(dlq) != 1 || dlq[0] != 2 || dropped != nil {
			t.Fatalf("first: retry %v/%v, DLQ %v, drop %v: %s", whole, retry, dlq, dropped, r.raw)
		}
		stored += 2
		r = bulk(t, lines)
		if whole, retry, dlq, dropped := logstashSubmit(t, r, 3); whole || retry != nil || len(dlq) != 1 || len(dropped) != 1 || dropped[0] != 0 {
			t.Errorf("resent: retry %v/%v, DLQ %v, drop %v: %s", whole, retry, dlq, dropped, r.raw)
		}
		if e.sink.Len() != stored {
			t.Errorf("stored %d, want %d", e.sink.Len(), stored)
		}
	})
}

// TestShippersOverloaded: a bulk EventSec cannot take now is answered 429
// es_rejected_execution_exception, and every shipper sends it again
// (Fluent Bit: any status but 200/201; Vector: 429; Logstash: any non-2xx
// but 413), nothing stored; the same bulk then goes through once.
func TestShippersOverloaded(t *testing.T) {
	e := newEnv(t, ingest.Options{MaxInFlight: 1}, Options{})
	e.Gate.Shut()
	held := make(chan reply, 1)
	go func() {
		held <- e.do(t, "POST", "/_bulk", ndjson(`{"create":{"_index":"fluent-bit"}}`, `{"log":"first"}`))
	}()
	ingesttest.Eventually(t, 5*time.Second, "first bulk at the store", func() bool { return e.Gate.Waiting() == 1 })
	body := ndjson(`{"create":{"_index":"fluent-bit"}}`, `{"@timestamp":"2026-11-23T10:00:00.000Z","log":"second"}`)
	r := e.do(t, "POST", "/_bulk", body)
	whole, _, _, _ := logstashSubmit(t, r, 1)
	if r.status != 429 || fluentBitDelivered(t, r, true) || fluentBitDelivered(t, r, false) || vectorOutcome(t, r, false) != "retry" || !whole {
		t.Errorf("overloaded: %d %s", r.status, r.raw)
	}
	e.Gate.Open()
	if r := <-held; r.status != 200 {
		t.Fatalf("held: %d %s", r.status, r.raw)
	}
	r = e.do(t, "POST", "/_bulk", body)
	if !fluentBitDelivered(t, r, true) || e.sink.Len() != 2 {
		t.Errorf("sent again: %s (stored %d)", r.raw, e.sink.Len())
	}
}
