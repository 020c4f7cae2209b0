package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/api"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/hec"
	"github.com/eventsec/eventsec/internal/ingest/httpjson"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// lockedBuffer is a log destination shared by the server's goroutines and
// the test.
type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Back-pressure is expected under load: the 429s and 503s that tell
// senders to retry are logged at WARN, one line per route every few
// seconds saying how many it stands for, never at ERROR and never once
// per answer.
func TestBackPressureIsAWarningNotAnError(t *testing.T) {
	var logs lockedBuffer
	gate := ingesttest.NewGate(ingesttest.NewStore(t))
	pipe, err := ingest.New(ingest.Options{Sink: gate, Normalizer: normalize.New(normalize.Options{}), MaxInFlight: 1})
	if err != nil {
		t.Fatal(err)
	}
	intake, err := httpjson.New(httpjson.Options{Pipeline: pipe})
	if err != nil {
		t.Fatal(err)
	}
	collector, err := hec.New(hec.Options{Pipeline: pipe, Authenticate: func(context.Context, string) (string, error) { return "org-hec", nil }})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, fixtureConfig{api: func(o *api.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		o.Intake = intake
		o.Mounts = map[string]http.Handler{"/services/collector/": collector}
	}})
	_, key := f.newKey(t, auth.RoleIngest, 0)

	// One request holds the pipeline's only slot at the shut store.
	gate.Shut()
	held := make(chan response, 1)
	go func() {
		held <- f.do(t, request{Method: "POST", Path: "/api/v1/events", Token: key, Body: `{"message":"held"}`})
	}()
	ingesttest.Eventually(t, 10*time.Second, "the first request at the store", func() bool { return gate.Waiting() == 1 })

	const refused = 20
	for range refused {
		r := f.do(t, request{Method: "POST", Path: "/api/v1/events", Token: key, Body: `{"message":"refused"}`})
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Fatalf("overloaded: %s", r)
		}
		r = f.do(t, request{Method: "POST", Path: "/services/collector/event", Header: map[string]string{"Authorization": "Splunk any"}, Body: `{"event":"refused"}`, Want5xx: true})
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
			t.Fatalf("HEC busy: %s", r)
		}
	}
	gate.Open()
	if r := <-held; r.Status != http.StatusAccepted {
		t.Fatalf("held request: %s", r)
	}

	out := logs.String()
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("back-pressure logged as an error:\n%s", out)
	}
	for _, route := range []string{"route=/api/v1/events", "route=/services/collector/"} {
		n := 0
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "level=WARN") && strings.Contains(line, "telling senders to back off") && strings.Contains(line, route) {
				n++
			}
		}
		// The machine may be slow enough for the 10 s interval to pass
		// once; never one line per answer.
		if n == 0 || n > 2 {
			t.Errorf("%d back-pressure lines for %s after %d answers:\n%s", n, route, refused, out)
		}
	}
}
