package hec

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
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
		case "tok-1":
			return "org-1", nil
		case "tok-disabled":
			return "", ingest.ErrDisabled
		case "tok-broken":
			return "", fmt.Errorf("database is down")
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

type reply struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (e *env) do(t *testing.T, method, path, body string, hdr ...string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: strings.TrimSpace(string(b))}
	if err := json.Unmarshal(b, &r.body); err != nil {
		t.Fatalf("%s %s: response is not JSON: %q", method, path, b)
	}
	return r
}

const auth = "Authorization"

func TestAuthentication(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("x:tok-1"))
	cases := []struct {
		name, path string
		hdr        []string
		status     int
		body       string
	}{
		{"no token", "/services/collector/event", nil, 401, `{"text":"Token is required","code":2}`},
		{"malformed header", "/services/collector/event", []string{auth, "tok-1"}, 401, `{"text":"Invalid authorization","code":3}`},
		{"unknown scheme", "/services/collector/event", []string{auth, "Digest tok-1"}, 401, `{"text":"Invalid authorization","code":3}`},
		{"wrong token", "/services/collector/event", []string{auth, "Splunk nope"}, 403, `{"text":"Invalid token","code":4}`},
		{"disabled token", "/services/collector/event", []string{auth, "Splunk tok-disabled"}, 403, `{"text":"Token disabled","code":1}`},
		{"store down", "/services/collector/event", []string{auth, "Splunk tok-broken"}, 500, `{"text":"Internal server error","code":8}`},
		{"query token refused", "/services/collector/event?token=tok-1", nil, 400, `{"text":"Query string authorization is not enabled","code":16}`},
		{"bad query token", "/services/collector/event?token=nope", nil, 403, `{"text":"Invalid token","code":4}`},
		{"Splunk", "/services/collector/event", []string{auth, "Splunk tok-1"}, 200, `{"text":"Success","code":0}`},
		{"splunk lower case", "/services/collector/event", []string{auth, "splunk tok-1"}, 200, `{"text":"Success","code":0}`},
		{"Bearer", "/services/collector", []string{auth, "Bearer tok-1"}, 200, `{"text":"Success","code":0}`},
		{"Basic", "/services/collector/event/1.0", []string{auth, basic}, 200, `{"text":"Success","code":0}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, "POST", tc.path, `{"event":"hello"}`, tc.hdr...)
			if r.status != tc.status || r.raw != tc.body {
				t.Fatalf("got %d %s; want %d %s", r.status, r.raw, tc.status, tc.body)
			}
		})
	}
	if got := e.Metric(t, "eventsec_ingest_requests_refused_total", map[string]string{"listener": "hec", "reason": ingest.ReasonUnauthorized}); got != 7 {
		t.Fatalf("refused{unauthorized} = %v, want 7", got)
	}

	q := newEnv(t, ingest.Options{}, Options{AllowQueryToken: true})
	if r := q.do(t, "POST", "/services/collector/event?token=tok-1", `{"event":"hi"}`); r.status != 200 {
		t.Fatalf("query token allowed: %d %s", r.status, r.raw)
	}
}

func find(t *testing.T, evs []event.Event, pred func(event.Event) bool) event.Event {
	t.Helper()
	for _, ev := range evs {
		if pred(ev) {
			return ev
		}
	}
	t.Fatalf("no such event among %d", len(evs))
	return event.Event{}
}

func TestEvents(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	line := "Nov 20 10:00:00 web-1 sshd[411]: Failed password for root from 203.0.113.9 port 52311 ssh2"
	body := fmt.Sprintf(`{"time":1763632800.25,"host":"web-1","source":"/var/log/auth.log","sourcetype":"linux_secure","index":"main",`+
		`"event":%q,"fields":{"env":"prod","team":["a","b"],"n":3}}`+"\n"+
		`{"time":"1763632801","sourcetype":"my:app","source":"http:app","event":{"message":"object event","user":{"name":"bob"}}}`+
		`{"event":{"id":"client-7","message":"with id"},"host":"h2"}`, line)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(body))
	zw.Close()
	r := e.do(t, "POST", "/services/collector/event", gz.String(), auth, "Splunk tok-1", "Content-Encoding", "gzip")
	if r.status != 200 || r.raw != `{"text":"Success","code":0}` {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	evs := e.sink.Events()
	if len(evs) != 3 {
		t.Fatalf("stored %d", len(evs))
	}
	ssh := find(t, evs, func(ev event.Event) bool { return ev.Raw == line })
	if ssh.OrgID != "org-1" || ssh.Input != "hec" || !ssh.Timestamp.Equal(time.Unix(1763632800, 250_000_000)) ||
		ssh.Fields.Str("host.name") != "web-1" || ssh.Fields.Str("log.file.path") != "/var/log/auth.log" ||
		ssh.Fields.Str("labels.index") != "main" || ssh.Fields.Str("labels.env") != "prod" || ssh.Fields.Str("labels.team") != "a, b" ||
		ssh.Fields.Str("labels.n") != "3" || ssh.Fields.Str("labels.sourcetype") != "linux_secure" || ssh.Fields.Str("source.ip") != "203.0.113.9" {
		t.Errorf("syslog line event: %v %+v", ssh.Timestamp, ssh.Fields)
	}
	obj := find(t, evs, func(ev event.Event) bool { return ev.Fields.Str("message") == "object event" })
	if obj.Fields.Str("user.name") != "bob" || obj.Fields.Str("event.dataset") != "my:app" || obj.Fields.Str("labels.source") != "http:app" ||
		obj.Fields.Str("log.file.path") != "" || !obj.Timestamp.Equal(time.Unix(1763632801, 0)) {
		t.Errorf("object event: %v %+v", obj.Timestamp, obj.Fields)
	}
	if withID := find(t, evs, func(ev event.Event) bool { return ev.Fields.Str("message") == "with id" }); withID.ID != "client-7" || withID.Fields.Str("host.name") != "h2" {
		t.Errorf("client ID: %+v", withID)
	}
}

// Splunk stores the events before an invalid one and names it.
func TestInvalidEvents(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	deep := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	cases := []struct {
		name, body string
		status     int
		want       string
		stored     int
	}{
		{"no data", "  \n", 400, `{"text":"No data","code":5}`, 0},
		{"missing event", `{"event":"ok-1"}{"host":"x"}{"event":"never"}`, 400, `{"text":"Event field is required","code":12,"invalid-event-number":1}`, 1},
		{"blank event", `{"event":"ok-2"}{"event":"ok-3"}{"event":"  "}`, 400, `{"text":"Event field cannot be blank","code":13,"invalid-event-number":2}`, 2},
		{"empty object event", `{"event":"ok-5"}{"event":{ }}`, 400, `{"text":"Event field cannot be blank","code":13,"invalid-event-number":1}`, 1},
		{"malformed JSON", `{"event":"ok-4"}{"event":`, 400, `{"text":"Invalid data format","code":6,"invalid-event-number":1}`, 1},
		{"not an object", `["a"]`, 400, `{"text":"Invalid data format","code":6,"invalid-event-number":0}`, 0},
		{"bad time", `{"event":"x","time":"yesterday"}`, 400, `{"text":"Invalid data format","code":6,"invalid-event-number":0}`, 0},
		{"nested fields", `{"event":"x","fields":{"a":{"b":1}}}`, 400, `{"text":"Error in handling indexed fields","code":15,"invalid-event-number":0}`, 0},
		{"too deep", `{"event":` + deep + `}`, 400, `{"text":"Invalid data format","code":6,"invalid-event-number":0}`, 0},
	}
	total := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, "POST", "/services/collector/event", tc.body, auth, "Splunk tok-1")
			if r.status != tc.status || r.raw != tc.want {
				t.Fatalf("got %d %s; want %d %s", r.status, r.raw, tc.status, tc.want)
			}
			total += tc.stored
			if e.sink.Len() != total {
				t.Fatalf("stored %d, want %d", e.sink.Len(), total)
			}
		})
	}
}

func TestRaw(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	body := "<13>Nov 20 10:00:00 fw1 kernel: one\r\n\nCEF:0|Acme|FW|1.0|100|blocked|5|src=198.51.100.1 dst=10.0.0.2\nplain text\n"
	r := e.do(t, "POST", "/services/collector/raw?sourcetype=fw&host=fw1&index=net&channel=5A0F6B4C-2E41-4C4B-9D2B-3A8E6E1F0C77", body, auth, "Splunk tok-1")
	if r.status != 200 || r.raw != `{"text":"Success","code":0,"ackId":0}` {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	evs := e.sink.Events()
	if len(evs) != 3 {
		t.Fatalf("stored %d", len(evs))
	}
	for _, ev := range evs {
		if ev.Fields.Str("labels.index") != "net" || ev.Fields.Str("labels.sourcetype") != "fw" || strings.HasSuffix(ev.Raw, "\r") {
			t.Errorf("raw event %q: %+v", ev.Raw, ev.Fields)
		}
	}
	cef := find(t, evs, func(ev event.Event) bool { return strings.HasPrefix(ev.Raw, "CEF:") })
	if cef.Fields.Str("source.ip") != "198.51.100.1" {
		t.Errorf("CEF not parsed: %+v", cef.Fields)
	}
}

// Splunk indexes text as text: a string event or raw line that no parser
// reads is an event with its message, not a parse failure; lines that a
// parser reads are still parsed.
func TestPlainTextEvents(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	r := e.do(t, "POST", "/services/collector/event",
		`{"event":"NHEC plain text line"}{"event":42,"sourcetype":"counter"}{"event":"sshd[7]: Failed password for root from 81.2.69.142 port 22 ssh2"}`,
		auth, "Splunk tok-1")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	r = e.do(t, "POST", "/services/collector/raw?channel=5A0F6B4C-2E41-4C4B-9D2B-3A8E6E1F0C78", "\xEF\xBB\xBFfirst plain raw line\nsecond plain raw line\n", auth, "Splunk tok-1")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	evs := e.sink.Events()
	if len(evs) != 5 {
		t.Fatalf("stored %d", len(evs))
	}
	want := map[string]string{
		"NHEC plain text line":  "plain",
		"42":                    "counter",
		"first plain raw line":  "plain",
		"second plain raw line": "plain",
		"Failed password for root from 81.2.69.142 port 22 ssh2": "linux.auth",
	}
	for _, ev := range evs {
		msg := ev.Fields.Str("message")
		ds, ok := want[msg]
		if !ok || ev.Fields.Str("event.dataset") != ds || ev.Fields["tags"] != nil || ev.Fields["error.message"] != nil {
			t.Errorf("event %q: %+v", ev.Raw, ev.Fields)
		}
	}
	if got := e.Metric(t, "eventsec_ingest_failed_total", map[string]string{"listener": "hec"}); got != 0 {
		t.Errorf("eventsec_ingest_failed_total{listener=hec} = %v, want 0", got)
	}
	if got := e.Metric(t, "eventsec_ingest_parsed_total", map[string]string{"listener": "hec"}); got != 5 {
		t.Errorf("eventsec_ingest_parsed_total{listener=hec} = %v, want 5", got)
	}
}

// An event stored cut to the 1 MiB limit is named in the answer, by its
// number in the request, on /event and /raw, beside a later invalid one.
func TestTruncatedEventsNamed(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	long := "x" + strings.Repeat("y", normalize.MaxRaw+100)
	cut := `"truncated":[{"index":1,"reason":"longer than 1048576 bytes: stored as its first 1048576 bytes of text, not parsed"}]`
	r := e.do(t, "POST", "/services/collector/event", `{"event":"short"}{"event":"`+long+`"}{"event":"after"}`, auth, "Splunk tok-1")
	if r.status != 200 || r.raw != `{"text":"Success","code":0,`+cut+`}` {
		t.Fatalf("event: %d %.300s", r.status, r.raw)
	}
	r = e.do(t, "POST", "/services/collector/raw", "first line\n"+long+"\nthird\n", auth, "Splunk tok-1")
	if r.status != 200 || r.raw != `{"text":"Success","code":0,`+cut+`}` {
		t.Fatalf("raw: %d %.300s", r.status, r.raw)
	}
	r = e.do(t, "POST", "/services/collector/event", `{"event":"ok"}{"event":"`+long+`"}{"host":"no event"}`, auth, "Splunk tok-1")
	if r.status != 400 || r.raw != `{"text":"Event field is required","code":12,"invalid-event-number":2,`+cut+`}` {
		t.Fatalf("invalid after a cut one: %d %.300s", r.status, r.raw)
	}
	if n := e.sink.Len(); n != 8 {
		t.Fatalf("stored %d events, want 8", n)
	}
	r = e.do(t, "POST", "/services/collector/event", `{"event":"whole"}`, auth, "Splunk tok-1")
	if r.raw != `{"text":"Success","code":0}` {
		t.Fatalf("nothing cut: %s", r.raw)
	}
}

func TestAcknowledgement(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	const ch = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba"
	for i := range 2 {
		r := e.do(t, "POST", "/services/collector/event", `{"event":"acked"}`, auth, "Splunk tok-1", "X-Splunk-Request-Channel", ch)
		if want := fmt.Sprintf(`{"text":"Success","code":0,"ackId":%d}`, i); r.raw != want {
			t.Fatalf("got %s, want %s", r.raw, want)
		}
	}
	r := e.do(t, "POST", "/services/collector/ack?channel="+ch, `{"acks":[0,1,2]}`, auth, "Splunk tok-1")
	if r.status != 200 || r.raw != `{"acks":{"0":true,"1":true,"2":false}}` {
		t.Fatalf("ack: %d %s", r.status, r.raw)
	}
	if r := e.do(t, "POST", "/services/collector/ack", `{"acks":[0]}`, auth, "Splunk tok-1"); r.raw != `{"text":"Data channel is missing","code":10}` {
		t.Fatalf("no channel: %s", r.raw)
	}
	// The same channel with its hex digits upper case.
	r = e.do(t, "POST", "/services/collector/ack", `{"acks":[1]}`, auth, "Splunk tok-1", "X-Splunk-Request-Channel", strings.ToUpper(ch))
	if r.status != 200 || r.raw != `{"acks":{"1":true}}` {
		t.Fatalf("upper-case channel: %d %s", r.status, r.raw)
	}
	if r := e.do(t, "POST", "/services/collector/ack?channel=9b2c1d4e-0000-4000-8000-000000000001", `{"acks":[0]}`, auth, "Splunk tok-1"); r.raw != `{"acks":{"0":false}}` {
		t.Fatalf("unknown channel: %s", r.raw)
	}
}

// A channel must be a GUID, as in Splunk: anything else is HTTP 400 with
// code 11, on every endpoint that takes one, and nothing is stored.
func TestChannelMustBeGUID(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{})
	for _, ch := range []string{
		"bad channel", "ch-1", "other", "0aeeac95ac744aa9b30d6c4c0ac581ba", "{0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba}",
		"0aeeac95-ac74-4aa9-b30d-6c4c0ac581bz", "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba0", "0aeeac95_ac74_4aa9_b30d_6c4c0ac581ba",
	} {
		for _, c := range []struct{ path, body, hdr string }{
			{"/services/collector/event", `{"event":"x"}`, ch},
			{"/services/collector/event?channel=" + url.QueryEscape(ch), `{"event":"x"}`, ""},
			{"/services/collector/raw", "a line", ch},
			{"/services/collector/ack", `{"acks":[0]}`, ch},
		} {
			hdr := []string{auth, "Splunk tok-1"}
			if c.hdr != "" {
				hdr = append(hdr, "X-Splunk-Request-Channel", c.hdr)
			}
			r := e.do(t, "POST", c.path, c.body, hdr...)
			if r.status != 400 || r.raw != `{"text":"Invalid data channel","code":11}` {
				t.Errorf("%s channel %q: %d %s", c.path, ch, r.status, r.raw)
			}
		}
	}
	if n := e.sink.Len(); n != 0 {
		t.Fatalf("stored %d events with invalid channels", n)
	}
}

func TestHealthAndBusy(t *testing.T) {
	e := newEnv(t, ingest.Options{MaxInFlight: 2}, Options{})
	for _, p := range []string{"/services/collector/health", "/services/collector/health/1.0"} {
		if r := e.do(t, "GET", p, ""); r.status != 200 || r.raw != `{"text":"HEC is healthy","code":17}` {
			t.Fatalf("%s: %d %s", p, r.status, r.raw)
		}
	}
	e.Gate.Shut()
	held := make(chan reply, 1)
	go func() {
		held <- e.do(t, "POST", "/services/collector/event", `{"event":"a"}{"event":"b"}`, auth, "Splunk tok-1")
	}()
	ingesttest.Eventually(t, 5*time.Second, "first request at the store", func() bool { return e.Gate.Waiting() == 1 })
	if r := e.do(t, "GET", "/services/collector/health", ""); r.status != 503 || r.raw != `{"text":"HEC is unhealthy, queues are full","code":18}` {
		t.Fatalf("health when full: %d %s", r.status, r.raw)
	}
	r := e.do(t, "POST", "/services/collector/event", `{"event":"c"}`, auth, "Splunk tok-1")
	if r.status != 503 || r.raw != `{"text":"Server is busy","code":9}` || r.header.Get("Retry-After") == "" {
		t.Fatalf("busy: %d %v %s", r.status, r.header, r.raw)
	}
	e.Gate.Open()
	if r := <-held; r.status != 200 {
		t.Fatalf("held: %s", r.raw)
	}
	if got := []string{e.sink.Events()[0].Raw, e.sink.Events()[1].Raw}; !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("stored %q", got)
	}
	if r := e.do(t, "POST", "/services/collector/nope", "", auth, "Splunk tok-1"); r.status != 404 {
		t.Fatalf("unknown path: %d %s", r.status, r.raw)
	}
}

func TestTooManyEvents(t *testing.T) {
	e := newEnv(t, ingest.Options{}, Options{MaxItems: 2})
	r := e.do(t, "POST", "/services/collector/event", `{"event":"1"}{"event":"2"}{"event":"3"}`, auth, "Splunk tok-1")
	if r.status != 413 || e.sink.Len() != 0 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	r = e.do(t, "POST", "/services/collector/raw", "1\n2\n3\n", auth, "Splunk tok-1")
	if r.status != 413 || e.sink.Len() != 0 {
		t.Fatalf("raw: %d %s", r.status, r.raw)
	}
}
