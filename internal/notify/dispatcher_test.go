package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

func addChannel(t testing.TB, st store.Store, c Channel) Channel {
	t.Helper()
	if c.OrgID == "" {
		c.OrgID = "o1"
	}
	c.Enabled = true
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	sc, err := c.ToStore()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Notify().Create(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	return c
}

func cfgOf(t testing.TB, kind Kind, raw string) Config {
	t.Helper()
	c, err := DecodeConfig(kind, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startDispatcher runs d until the test ends.
func startDispatcher(t testing.TB, o Options) *Dispatcher {
	t.Helper()
	d, err := NewDispatcher(o)
	if err != nil {
		t.Fatal(err)
	}
	runDispatcher(t, d)
	return d
}

func runDispatcher(t testing.TB, d *Dispatcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func deliveries(t testing.TB, st store.Store, f store.DeliveryFilter) []store.NotifyDelivery {
	t.Helper()
	ds, err := st.Notify().Deliveries(context.Background(), "o1", f)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func allDone(t testing.TB, st store.Store, n int) func() bool {
	return func() bool {
		ds := deliveries(t, st, store.DeliveryFilter{})
		if len(ds) != n {
			return false
		}
		for _, d := range ds {
			if d.Status == store.DeliveryPending {
				return false
			}
		}
		return true
	}
}

func quiet() Options {
	return Options{BaseBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, PollInterval: 10 * time.Millisecond,
		AttemptTimeout: 5 * time.Second}
}

// checkJSON decodes a request body, failing the request (400) when check
// finds the shape wrong, as the real services do.
func checkJSON(t *testing.T, w http.ResponseWriter, r *http.Request, check func(body []byte, v map[string]any) error) bool {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		http.Error(w, "bad request", http.StatusBadRequest)
		return false
	}
	body, _ := io.ReadAll(r.Body)
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("body is not a JSON object: %v", err)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return false
	}
	if err := check(body, v); err != nil {
		t.Errorf("%s: %v\n%s", r.URL.Path, err, body)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return false
	}
	return true
}

func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func slackShape(_ []byte, v map[string]any) error {
	if s, _ := v["text"].(string); s == "" {
		return errors.New("no text")
	}
	blocks, _ := v["blocks"].([]any)
	var types []string
	for i := range blocks {
		typ, _ := path(blocks, i, "type").(string)
		types = append(types, typ)
	}
	if !slices.Contains(types, "header") || !slices.Contains(types, "section") || !slices.Contains(types, "context") {
		return fmt.Errorf("blocks %v", types)
	}
	if h, _ := path(blocks, 0, "text", "type").(string); h != "plain_text" {
		return errors.New("header text must be plain_text")
	}
	return nil
}

func teamsShape(_ []byte, v map[string]any) error {
	if v["type"] != "message" {
		return fmt.Errorf("type %v", v["type"])
	}
	if path(v, "attachments", 0, "contentType") != "application/vnd.microsoft.card.adaptive" {
		return errors.New("attachment is not an adaptive card")
	}
	card := path(v, "attachments", 0, "content")
	if path(card, "type") != "AdaptiveCard" || path(card, "version") == nil || path(card, "$schema") == nil {
		return errors.New("content is not an AdaptiveCard")
	}
	if body, _ := path(card, "body").([]any); len(body) == 0 || path(body, 0, "type") != "TextBlock" {
		return errors.New("card has no TextBlock")
	}
	return nil
}

func pagerDutyShape(_ []byte, v map[string]any) error {
	if v["routing_key"] != pdKey {
		return fmt.Errorf("routing_key %v", v["routing_key"])
	}
	action := v["event_action"]
	if action != "trigger" && action != "acknowledge" && action != "resolve" {
		return fmt.Errorf("event_action %v", action)
	}
	if dk, _ := v["dedup_key"].(string); dk == "" || len(dk) > 255 {
		return fmt.Errorf("dedup_key %q", dk)
	}
	if action != "trigger" {
		return nil
	}
	p, _ := v["payload"].(map[string]any)
	if s, _ := p["summary"].(string); s == "" || len([]rune(s)) > 1024 {
		return fmt.Errorf("summary %q", s)
	}
	if s, _ := p["source"].(string); s == "" {
		return errors.New("no source")
	}
	if sev, _ := p["severity"].(string); !slices.Contains([]string{"critical", "error", "warning", "info"}, sev) {
		return fmt.Errorf("severity %q", sev)
	}
	if ts, _ := p["timestamp"].(string); ts != "" {
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			return fmt.Errorf("timestamp %q", ts)
		}
	}
	if _, ok := p["custom_details"].(map[string]any); !ok {
		return errors.New("custom_details is not an object")
	}
	if links, ok := v["links"]; ok {
		if href, _ := path(links, 0, "href").(string); href == "" {
			return errors.New("link without href")
		}
	}
	return nil
}

// pagerDutyServer speaks the Events API v2: 202 for a good event, 400 for
// a bad one.
func pagerDutyServer(t *testing.T, events chan<- map[string]any) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/enqueue" {
			http.NotFound(w, r)
			return
		}
		var ev map[string]any
		if !checkJSON(t, w, r, func(b []byte, v map[string]any) error { ev = v; return pagerDutyShape(b, v) }) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"status":"success","message":"Event processed","dedup_key":%q}`, ev["dedup_key"])
		if events != nil {
			events <- ev
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDeliverEveryKind(t *testing.T) {
	st := newStore(t, "o1")
	var got sync.Map
	mark := func(k string, v any) { got.Store(k, v) }
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if checkJSON(t, w, r, slackShape) {
			mark("slack", true)
			io.WriteString(w, "ok")
		}
	}))
	defer slack.Close()
	teams := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if checkJSON(t, w, r, teamsShape) {
			mark("teams", true)
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer teams.Close()
	pdEvents := make(chan map[string]any, 4)
	pd := pagerDutyServer(t, pdEvents)
	const secret = "whsec-correct-horse"
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get("X-EventSec-Timestamp")
		// Recompute the signature from scratch, as a receiver would.
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts + "." + string(body)))
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if r.Header.Get("X-EventSec-Signature") != want {
			t.Errorf("signature %q, want %q", r.Header.Get("X-EventSec-Signature"), want)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err := VerifySignature(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			t.Error(err)
		}
		if err := VerifySignature(secret, r.Header, append(body, ' '), time.Now(), 5*time.Minute); !errors.Is(err, ErrBadSignature) {
			t.Errorf("tampered body verified: %v", err)
		}
		if err := VerifySignature(secret, r.Header, body, time.Now().Add(time.Hour), 5*time.Minute); !errors.Is(err, ErrBadSignature) {
			t.Errorf("replayed request verified: %v", err)
		}
		var p WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Error(err)
		}
		if p.DeliveryID == "" || r.Header.Get("X-EventSec-Delivery") != p.DeliveryID || r.Header.Get("X-EventSec-Event") != p.Event {
			t.Errorf("delivery headers %v for %s", r.Header, body)
		}
		if r.Header.Get("Authorization") != "Bearer token-1" || !strings.HasPrefix(r.Header.Get("User-Agent"), "EventSec") {
			t.Errorf("headers %v", r.Header)
		}
		mark("webhook", p)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()
	cert, pool := testCert(t)
	smtpSrv := startSMTP(t, smtpStartTLS, cert, "u", "p")
	host, port := hostPort(t, smtpSrv.Addr)

	addChannel(t, st, Channel{ID: "c-slack", Name: "Slack", Kind: KindSlack, Config: cfgOf(t, KindSlack, `{"webhook_url":"`+slack.URL+`/services/T/B/x"}`)})
	addChannel(t, st, Channel{ID: "c-teams", Name: "Teams", Kind: KindTeams, Config: cfgOf(t, KindTeams, `{"webhook_url":"`+teams.URL+`/workflows/x"}`)})
	addChannel(t, st, Channel{ID: "c-pd", Name: "PD", Kind: KindPagerDuty, Config: cfgOf(t, KindPagerDuty, `{"routing_key":"`+pdKey+`","url":"`+pd.URL+`/v2/enqueue"}`)})
	addChannel(t, st, Channel{ID: "c-hook", Name: "Hook", Kind: KindWebhook, Config: cfgOf(t, KindWebhook,
		`{"url":"`+hook.URL+`/in","secret":"`+secret+`","headers":{"Authorization":"Bearer token-1"}}`)})
	addChannel(t, st, Channel{ID: "c-mail", Name: "Mail", Kind: KindEmail, Config: cfgOf(t, KindEmail,
		fmt.Sprintf(`{"host":%q,"port":%d,"username":"u","password":"p","from":"soc@acme.example","to":["oncall@acme.example"]}`, host, port))})

	o := quiet()
	o.Store = st.Notify()
	o.TLSConfig = &tls.Config{RootCAs: pool}
	d := startDispatcher(t, o)
	msg := renderAlert()
	ds, err := d.Enqueue(context.Background(), "o1", msg, nil)
	if err != nil || len(ds) != 5 {
		t.Fatalf("enqueue: %d %v", len(ds), err)
	}
	waitFor(t, "five deliveries", 10*time.Second, allDone(t, st, 5))
	for _, sd := range deliveries(t, st, store.DeliveryFilter{}) {
		if sd.Status != store.DeliverySent || sd.Attempts != 1 || sd.SentAt == nil || sd.LastError != "" || sd.RefID != msg.AlertID {
			t.Errorf("delivery %+v", sd)
		}
		want := map[string]int{"c-slack": 200, "c-teams": 202, "c-pd": 202, "c-hook": 204, "c-mail": 250}[sd.ChannelID]
		if sd.ResponseCode != want {
			t.Errorf("%s: response %d, want %d", sd.ChannelID, sd.ResponseCode, want)
		}
	}
	for _, k := range []string{"slack", "teams", "webhook"} {
		if _, ok := got.Load(k); !ok {
			t.Errorf("%s received nothing", k)
		}
	}
	ev := <-pdEvents
	if ev["dedup_key"] != "eventsec:alert:01JABCDEF" || path(ev, "payload", "severity") != "error" {
		t.Errorf("pagerduty event %v", ev)
	}
	if m := smtpSrv.messages(); len(m) != 1 || !m[0].TLS {
		t.Errorf("smtp: %+v", m)
	}
	// Resolving the alert resolves the PagerDuty incident.
	res := msg
	res.Event, res.Action = EventAlertResolved, ""
	if _, err := d.Enqueue(context.Background(), "o1", res, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "resolve deliveries", 10*time.Second, allDone(t, st, 10))
	if ev := <-pdEvents; ev["event_action"] != "resolve" || ev["dedup_key"] != "eventsec:alert:01JABCDEF" {
		t.Errorf("pagerduty resolve %v", ev)
	}
}

// flaky answers with the given statuses in turn, then 200.
type flaky struct {
	mu       sync.Mutex
	statuses []int
	header   http.Header
	times    []time.Time
	ids      []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.times = append(f.times, time.Now())
	f.ids = append(f.ids, r.Header.Get("X-EventSec-Delivery"))
	code := http.StatusOK
	if len(f.statuses) > 0 {
		code, f.statuses = f.statuses[0], f.statuses[1:]
	}
	f.mu.Unlock()
	for k, v := range f.header {
		w.Header()[k] = v
	}
	w.WriteHeader(code)
	fmt.Fprintf(w, "status %d", code)
}

func (f *flaky) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.times)
}

func TestRetriesThenSucceeds(t *testing.T) {
	st := newStore(t, "o1")
	f := &flaky{statuses: []int{500, 502}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	addChannel(t, st, Channel{ID: "h", Name: "Hook", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+srv.URL+`"}`)})
	o := quiet()
	o.Store = st.Notify()
	d := startDispatcher(t, o)
	if _, err := d.Enqueue(context.Background(), "o1", Message{Title: "x", Severity: "high"}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery", 5*time.Second, allDone(t, st, 1))
	sd := deliveries(t, st, store.DeliveryFilter{})[0]
	if sd.Status != store.DeliverySent || sd.Attempts != 3 || sd.LastError != "" || sd.ResponseCode != 200 {
		t.Fatalf("delivery %+v", sd)
	}
	if f.calls() != 3 || f.ids[0] != sd.ID || f.ids[2] != sd.ID {
		t.Fatalf("calls %d, ids %v", f.calls(), f.ids)
	}
}

func TestFailsAfterMaxAttempts(t *testing.T) {
	st := newStore(t, "o1")
	f := &flaky{statuses: []int{503, 503, 503, 503, 503}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	// And an endpoint nobody listens on.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String() + "/hook"
	l.Close()
	addChannel(t, st, Channel{ID: "h", Name: "Hook", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+srv.URL+`"}`)})
	addChannel(t, st, Channel{ID: "dead", Name: "Dead", Kind: KindSlack, Config: cfgOf(t, KindSlack, `{"webhook_url":"`+dead+`"}`)})
	o := quiet()
	o.Store = st.Notify()
	o.MaxAttempts = 3
	d := startDispatcher(t, o)
	if _, err := d.Enqueue(context.Background(), "o1", Message{Title: "x", Severity: "high"}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "failure", 5*time.Second, allDone(t, st, 2))
	for _, sd := range deliveries(t, st, store.DeliveryFilter{}) {
		if sd.Status != store.DeliveryFailed || sd.Attempts != 3 || sd.SentAt != nil {
			t.Fatalf("delivery %+v", sd)
		}
		switch sd.ChannelID {
		case "h":
			if sd.ResponseCode != 503 || !strings.Contains(sd.LastError, "503") {
				t.Fatalf("delivery %+v", sd)
			}
		case "dead":
			if !strings.Contains(sd.LastError, "refused") {
				t.Fatalf("delivery %+v", sd)
			}
		}
	}
	if f.calls() != 3 {
		t.Fatalf("%d calls, want 3", f.calls())
	}
	// The UI's retry button gives it a fresh set of attempts.
	failed := deliveries(t, st, store.DeliveryFilter{ChannelID: "h"})[0]
	if err := d.Retry(context.Background(), "o1", failed.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "retried delivery", 5*time.Second, func() bool {
		sd, _ := st.Notify().GetDelivery(context.Background(), "o1", failed.ID)
		return sd.Status == store.DeliverySent
	})
	if err := d.Retry(context.Background(), "o1", failed.ID); !errors.Is(err, ErrNotRetryable) {
		t.Fatalf("retry of a sent delivery: %v", err)
	}
	if err := d.Retry(context.Background(), "o2", failed.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("retry of another org's delivery: %v", err)
	}
}

func TestPermanentStatuses(t *testing.T) {
	st := newStore(t, "o1")
	pd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"status":"invalid event","message":"Event object is invalid","errors":["'routing_key' is invalid"]}`)
	}))
	defer pd.Close()
	redirect := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest/meta-data", http.StatusFound))
	defer redirect.Close()
	gone := &flaky{statuses: []int{410}}
	goneSrv := httptest.NewServer(gone)
	defer goneSrv.Close()
	addChannel(t, st, Channel{ID: "pd", Name: "PD", Kind: KindPagerDuty, Config: cfgOf(t, KindPagerDuty, `{"routing_key":"`+pdKey+`","url":"`+pd.URL+`"}`)})
	addChannel(t, st, Channel{ID: "redir", Name: "Redirect", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+redirect.URL+`"}`)})
	addChannel(t, st, Channel{ID: "gone", Name: "Gone", Kind: KindSlack, Config: cfgOf(t, KindSlack, `{"webhook_url":"`+goneSrv.URL+`"}`)})
	o := quiet()
	o.Store = st.Notify()
	d := startDispatcher(t, o)
	if _, err := d.Enqueue(context.Background(), "o1", Message{Title: "x", Severity: "critical"}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "failures", 5*time.Second, allDone(t, st, 3))
	for _, sd := range deliveries(t, st, store.DeliveryFilter{}) {
		if sd.Status != store.DeliveryFailed || sd.Attempts != 1 {
			t.Fatalf("%s: %+v", sd.ChannelID, sd)
		}
		want := map[string]string{"pd": "routing_key", "redir": "redirected", "gone": "Gone"}[sd.ChannelID]
		if !strings.Contains(sd.LastError, want) {
			t.Fatalf("%s: last error %q lacks %q", sd.ChannelID, sd.LastError, want)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	st := newStore(t, "o1")
	f := &flaky{statuses: []int{429}, header: http.Header{"Retry-After": {"1"}}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	addChannel(t, st, Channel{ID: "h", Name: "Hook", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+srv.URL+`"}`)})
	o := quiet()
	o.Store = st.Notify()
	o.MaxBackoff = 5 * time.Second
	d := startDispatcher(t, o)
	if _, err := d.Enqueue(context.Background(), "o1", Message{Title: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery", 5*time.Second, allDone(t, st, 1))
	f.mu.Lock()
	gap := f.times[1].Sub(f.times[0])
	f.mu.Unlock()
	if gap < 900*time.Millisecond {
		t.Fatalf("retried after %v despite Retry-After: 1", gap)
	}
}

func TestSlowEndpointDoesNotHoldUpOthers(t *testing.T) {
	st := newStore(t, "o1")
	release := make(chan struct{})
	var slowCalls atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slowCalls.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	var fastCalls atomic.Int32
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fastCalls.Add(1) }))
	defer fast.Close()
	addChannel(t, st, Channel{ID: "slow", Name: "Slow", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+slow.URL+`"}`)})
	addChannel(t, st, Channel{ID: "fast", Name: "Fast", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+fast.URL+`"}`)})
	o := quiet()
	o.Store = st.Notify()
	o.Workers, o.PerChannel = 4, 2
	o.AttemptTimeout = 30 * time.Second
	d := startDispatcher(t, o)
	for i := 0; i < 30; i++ {
		if _, err := d.Enqueue(context.Background(), "o1", Message{Title: fmt.Sprintf("alert %d", i), Severity: "high"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the fast channel's 30 deliveries", 10*time.Second, func() bool {
		return len(deliveries(t, st, store.DeliveryFilter{ChannelID: "fast", Status: store.DeliverySent})) == 30
	})
	if n := slowCalls.Load(); n > 2 {
		t.Fatalf("%d sends in progress to the slow channel, limit 2", n)
	}
}

func TestRestartResumesPending(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "state.db")
	var received sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p WebhookPayload
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &p)
		received.Store(p.Title, true)
	}))
	defer srv.Close()
	block := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer stuck.Close()
	defer close(block)

	// Process 1: queues three messages and dies before sending any.
	st1 := openStore(t, dbPath, "o1")
	addChannel(t, st1, Channel{ID: "h", Name: "Hook", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+srv.URL+`"}`)})
	o := quiet()
	o.Store = st1.Notify()
	d1, err := NewDispatcher(o)
	if err != nil {
		t.Fatal(err)
	}
	// One was claimed by a process that crashed mid-send: its lease must
	// run out first.
	if _, err := d1.Enqueue(context.Background(), "o1", Message{Title: "claimed"}, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claimed, err := st1.Notify().Claim(context.Background(), store.ClaimRequest{Now: now.Add(time.Second), Until: now.Add(time.Hour), Limit: 1})
	if err != nil || len(claimed) != 1 || claimed[0].Title != "claimed" {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	for _, title := range []string{"one", "two", "three"} {
		if _, err := d1.Enqueue(context.Background(), "o1", Message{Title: title}, nil); err != nil {
			t.Fatal(err)
		}
	}
	st1.Close()

	// Process 2 on the same database file.
	st2 := openStore(t, dbPath)
	var offset atomic.Int64
	o.Store = st2.Notify()
	o.Clock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	d2, _ := NewDispatcher(o)
	stop2 := runDispatcher(t, d2)
	waitFor(t, "resumed deliveries", 5*time.Second, func() bool {
		return len(deliveries(t, st2, store.DeliveryFilter{Status: store.DeliverySent})) == 3
	})
	if _, ok := received.Load("claimed"); ok {
		t.Fatal("a leased delivery was sent before its lease ended")
	}
	offset.Store(int64(2 * time.Hour))
	waitFor(t, "the crashed process's delivery", 5*time.Second, allDone(t, st2, 4))
	for _, title := range []string{"one", "two", "three", "claimed"} {
		if _, ok := received.Load(title); !ok {
			t.Fatalf("%q not received", title)
		}
	}

	stop2()

	// A graceful stop mid-send gives the delivery back without counting
	// the attempt.
	addChannel(t, st2, Channel{ID: "stuck", Name: "Stuck", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+stuck.URL+`"}`)})
	o3 := quiet()
	o3.Store = st2.Notify()
	d3, _ := NewDispatcher(o3)
	stop := runDispatcher(t, d3)
	if _, err := d3.Enqueue(context.Background(), "o1", Message{Title: "stuck"}, []Action{{Type: "webhook", Config: map[string]any{"channel": "stuck"}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a send in progress", 5*time.Second, func() bool { return d3.busyCount() > 0 })
	stop()
	for _, sd := range deliveries(t, st2, store.DeliveryFilter{ChannelID: "stuck"}) {
		if sd.Status != store.DeliveryPending || sd.Attempts != 0 || sd.NextAttemptAt.After(time.Now()) {
			t.Fatalf("released delivery %+v", sd)
		}
	}
}

// busyCount is the number of claimed deliveries, for tests.
func (d *Dispatcher) busyCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.outstanding
}

func TestDeletedAndDisabledChannels(t *testing.T) {
	st := newStore(t, "o1")
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	a := addChannel(t, st, Channel{ID: "a", Name: "A", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+srv.URL+`"}`)})
	addChannel(t, st, Channel{ID: "b", Name: "B", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"`+srv.URL+`"}`)})
	o := quiet()
	o.Store = st.Notify()
	d, _ := NewDispatcher(o)
	if _, err := d.Enqueue(context.Background(), "o1", Message{Title: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	a.Enabled = false
	sc, _ := a.ToStore()
	if err := st.Notify().Update(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	if err := st.Notify().Delete(context.Background(), "o1", "b"); err != nil {
		t.Fatal(err)
	}
	runDispatcher(t, d)
	waitFor(t, "failures", 5*time.Second, allDone(t, st, 2))
	for _, sd := range deliveries(t, st, store.DeliveryFilter{}) {
		want := map[string]string{"a": "disabled", "b": "deleted"}[sd.ChannelID]
		if sd.Status != store.DeliveryFailed || !strings.Contains(sd.LastError, want) {
			t.Fatalf("%+v", sd)
		}
	}
}

func TestRuleActionsAndEnqueueIn(t *testing.T) {
	st := newStore(t, "o1")
	var bodies sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies.Store(r.URL.Path, string(b))
	}))
	defer srv.Close()
	o := quiet()
	o.Store = st.Notify()
	d, _ := NewDispatcher(o)
	actions := []Action{{Type: "webhook", Config: map[string]any{"url": srv.URL + "/rule", "secret": "rule-secret", "severity": "critical"}}}
	// Queued in the caller's transaction: a rolled-back alert notifies nobody.
	boom := errors.New("boom")
	err := st.Tx(context.Background(), func(r store.Repos) error {
		if _, err := d.EnqueueIn(context.Background(), r.Notify(), "o1", Message{Title: "rolled back"}, actions); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || len(deliveries(t, st, store.DeliveryFilter{})) != 0 {
		t.Fatalf("rollback: %v", err)
	}
	err = st.Tx(context.Background(), func(r store.Repos) error {
		ds, err := d.EnqueueIn(context.Background(), r.Notify(), "o1", Message{Title: "committed", AlertID: "a9", Severity: "low"}, actions)
		if err == nil && (len(ds) != 1 || !strings.HasPrefix(ds[0].ChannelID, "adhoc-") || ds[0].Severity != "critical") {
			err = fmt.Errorf("deliveries %+v", ds)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Wake()
	runDispatcher(t, d)
	waitFor(t, "rule action delivery", 5*time.Second, allDone(t, st, 1))
	v, ok := bodies.Load("/rule")
	if !ok || !strings.Contains(v.(string), `"severity":"critical"`) || !strings.Contains(v.(string), `"alert_id":"a9"`) {
		t.Fatalf("body %v", v)
	}
	sd := deliveries(t, st, store.DeliveryFilter{RefID: "a9"})[0]
	if sd.Status != store.DeliverySent || !strings.Contains(string(sd.AdHocConfig), "rule-secret") {
		t.Fatalf("%+v", sd)
	}
	if red := RedactDelivery(sd); strings.Contains(string(red.AdHocConfig), "rule-secret") {
		t.Fatalf("redacted: %s", red.AdHocConfig)
	}
}

func TestTestButton(t *testing.T) {
	st := newStore(t, "o1")
	o := quiet()
	o.Store = st.Notify()
	d, _ := NewDispatcher(o)
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if checkJSON(t, w, r, slackShape) {
			io.WriteString(w, "ok")
		}
	}))
	defer slack.Close()
	res, err := d.Test(context.Background(), Channel{Name: "S", Kind: KindSlack, Config: cfgOf(t, KindSlack, `{"webhook_url":"`+slack.URL+`"}`)})
	if err != nil || res.Code != 200 || res.Detail != "ok" {
		t.Fatalf("slack test: %+v %v", res, err)
	}
	events := make(chan map[string]any, 2)
	pd := pagerDutyServer(t, events)
	res, err = d.Test(context.Background(), Channel{Name: "P", Kind: KindPagerDuty, Config: cfgOf(t, KindPagerDuty, `{"routing_key":"`+pdKey+`","url":"`+pd.URL+`/v2/enqueue"}`)})
	if err != nil || res.Code != 202 {
		t.Fatalf("pagerduty test: %+v %v", res, err)
	}
	trigger, resolve := <-events, <-events
	if trigger["event_action"] != "trigger" || resolve["event_action"] != "resolve" || trigger["dedup_key"] != resolve["dedup_key"] {
		t.Fatalf("pagerduty test events %v / %v", trigger, resolve)
	}
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	if _, err := d.Test(context.Background(), Channel{Name: "M", Kind: KindTeams, Config: cfgOf(t, KindTeams, `{"webhook_url":"`+missing.URL+`"}`)}); !IsPermanent(err) {
		t.Fatalf("404 test: %v", err)
	}
	var fe *FieldError
	if _, err := d.Test(context.Background(), Channel{Name: "W", Kind: KindWebhook, Config: cfgOf(t, KindWebhook, `{"url":"ftp://x"}`)}); !errors.As(err, &fe) {
		t.Fatalf("invalid channel test: %v", err)
	}
	if n := len(deliveries(t, st, store.DeliveryFilter{})); n != 0 {
		t.Fatalf("test sends were queued: %d", n)
	}
}

func TestBackoff(t *testing.T) {
	d, _ := NewDispatcher(Options{Store: newStore(t).Notify()})
	for attempt, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 5: 32 * time.Second, 12: 10 * time.Minute, 60: 10 * time.Minute} {
		for i := 0; i < 50; i++ {
			got := d.backoff(attempt, 0)
			if got < want/2 || got > want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", attempt, got, want/2, want)
			}
		}
	}
	if got := d.backoff(1, time.Minute); got != time.Minute {
		t.Fatalf("Retry-After: %v", got)
	}
	if got := d.backoff(1, time.Hour); got != 10*time.Minute {
		t.Fatalf("Retry-After beyond the cap: %v", got)
	}
}

func BenchmarkEnqueue(b *testing.B) {
	st := newStore(b, "o1")
	for i, k := range []Kind{KindSlack, KindTeams, KindWebhook, KindWebhook, KindSlack} {
		raw := map[Kind]string{KindSlack: `{"webhook_url":"https://hooks.slack.com/x"}`, KindTeams: `{"webhook_url":"https://x.example/t"}`,
			KindWebhook: `{"url":"https://x.example/h"}`}[k]
		addChannel(b, st, Channel{ID: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("C%d", i), Kind: k, Config: cfgOf(b, k, raw)})
	}
	d, _ := NewDispatcher(Options{Store: st.Notify()})
	msg := renderAlert()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Enqueue(context.Background(), "o1", msg, nil); err != nil {
			b.Fatal(err)
		}
	}
}
