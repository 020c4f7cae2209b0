package client

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/agent/agenttest"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

func enrolled(t *testing.T, srv *agenttest.Server) *Client {
	t.Helper()
	c, err := New(Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Enroll(context.Background(), wire.EnrollRequest{EnrollmentKey: "key", Facts: wire.HostFacts{Hostname: "h"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err = New(Options{BaseURL: srv.URL, Token: resp.Token})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestProtocolRoundTrip(t *testing.T) {
	srv := agenttest.New("key", wire.Config{Version: 4, HeartbeatSeconds: 30})
	defer srv.Close()
	ctx := context.Background()

	anon, _ := New(Options{BaseURL: srv.URL})
	if _, err := anon.Enroll(ctx, wire.EnrollRequest{EnrollmentKey: "wrong", Facts: wire.HostFacts{Hostname: "h"}}); !errors.Is(err, ErrRevoked) {
		t.Errorf("bad key: err = %v", err)
	}
	c := enrolled(t, srv)
	hb, err := c.Heartbeat(ctx, wire.Heartbeat{AgentVersion: "v", SentAt: time.Now()})
	if err != nil || hb.ConfigVersion != 4 {
		t.Fatalf("heartbeat: %+v %v", hb, err)
	}
	cfg, err := c.Config(ctx)
	if err != nil || cfg.HeartbeatSeconds != 30 {
		t.Fatalf("config: %+v %v", cfg, err)
	}
	if err := c.Inventory(ctx, &wire.Inventory{Facts: wire.HostFacts{Hostname: "h"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events(ctx, &wire.EventBatch{BatchID: "b1", Events: []wire.Event{{ID: "e", Kind: "log", Raw: "x"}}}); err != nil {
		t.Fatal(err)
	}
	r, err := c.Events(ctx, &wire.EventBatch{BatchID: "b1", Events: []wire.Event{{ID: "e", Kind: "log", Raw: "x"}}})
	if err != nil || !r.Duplicate {
		t.Fatalf("re-sent batch: %+v %v", r, err)
	}
	snap := srv.Snapshot()
	if len(snap.Events) != 1 || snap.GzipBodies != 3 {
		t.Errorf("events %d gzip bodies %d", len(snap.Events), snap.GzipBodies)
	}

	// Long poll returns as soon as an action is queued.
	go func() {
		time.Sleep(200 * time.Millisecond)
		srv.Queue(wire.Action{ID: "a/1", Type: wire.ActionReboot})
	}()
	start := time.Now()
	list, err := c.Actions(ctx, 10*time.Second)
	if err != nil || len(list.Actions) != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("actions: %+v %v after %v", list, err, time.Since(start))
	}
	if err := c.ActionResult(ctx, "a/1", wire.ActionResult{Status: wire.ResultDone, FinishedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Snapshot().Results["a/1"]; got.Status != wire.ResultDone {
		t.Errorf("result = %+v", got)
	}

	srv.Revoke()
	if _, err := c.Heartbeat(ctx, wire.Heartbeat{}); !errors.Is(err, ErrRevoked) || Temporary(err) {
		t.Errorf("revoked: err = %v", err)
	}
}

func TestGzipFallbackOn415(t *testing.T) {
	var plain int
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Encoding") == "gzip" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		plain++
		w.Write([]byte(`{"accepted":1}`))
	}))
	defer hs.Close()
	c, _ := New(Options{BaseURL: hs.URL, Token: "t"})
	for range 2 {
		if _, err := c.Events(context.Background(), &wire.EventBatch{BatchID: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if plain != 2 {
		t.Errorf("plain requests = %d, want 2", plain)
	}
}

func TestTLSWithCAFile(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"version":9}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	ctx := context.Background()
	// Unknown CA: refused.
	c, _ := New(Options{BaseURL: srv.URL, Token: "t"})
	if _, err := c.Config(ctx); err == nil {
		t.Fatal("untrusted certificate accepted")
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	c, err := New(Options{BaseURL: srv.URL, Token: "t", CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := c.Config(ctx)
	if err != nil || cfg.Version != 9 {
		t.Fatalf("with CA file: %+v %v", cfg, err)
	}
	if _, err := New(Options{BaseURL: srv.URL, CAFile: filepath.Join(t.TempDir(), "missing.pem")}); err == nil {
		t.Error("missing CA file accepted")
	}
}

func TestRetryAndBackoff(t *testing.T) {
	srv := agenttest.New("key", wire.Config{})
	defer srv.Close()
	c := enrolled(t, srv)
	srv.SetDown(true)
	go func() {
		time.Sleep(300 * time.Millisecond)
		srv.SetDown(false)
	}()
	b := &Backoff{Min: 20 * time.Millisecond, Max: 100 * time.Millisecond}
	var retries int
	err := Retry(context.Background(), b, func(ctx context.Context) error {
		_, err := c.Heartbeat(ctx, wire.Heartbeat{})
		return err
	}, func(error, time.Duration) { retries++ })
	if err != nil || retries == 0 {
		t.Fatalf("retry: err %v after %d retries", err, retries)
	}
	// Permanent errors are not retried.
	srv.Revoke()
	retries = 0
	err = Retry(context.Background(), b, func(ctx context.Context) error {
		_, err := c.Heartbeat(ctx, wire.Heartbeat{})
		return err
	}, func(error, time.Duration) { retries++ })
	if !errors.Is(err, ErrRevoked) || retries != 0 {
		t.Fatalf("revoked: err %v, %d retries", err, retries)
	}
}

func TestBackoffBounds(t *testing.T) {
	b := &Backoff{Min: time.Second, Max: 30 * time.Second}
	for i := range 50 {
		d := b.Next()
		if d < 500*time.Millisecond || d > 30*time.Second {
			t.Fatalf("attempt %d: delay %v out of bounds", i, d)
		}
	}
	b.Reset()
	if d := b.Next(); d > time.Second {
		t.Fatalf("after reset: %v", d)
	}
}

func TestUnreachableIsTemporary(t *testing.T) {
	c, _ := New(Options{BaseURL: "http://127.0.0.1:1", Token: "t", Timeout: time.Second})
	_, err := c.Heartbeat(context.Background(), wire.Heartbeat{})
	if err == nil || !Temporary(err) {
		t.Fatalf("err = %v, temporary = %v", err, Temporary(err))
	}
}
