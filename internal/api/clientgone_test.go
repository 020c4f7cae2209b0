package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// A request whose client left (a closed tab, a cancelled search) makes
// the store give up with context.Canceled or DuckDB's "Interrupted!": that
// is answered and logged as 499 at INFO, not as a 500 at ERROR that pages
// whoever watches the log. The same error while the client waits is still
// a 500 at ERROR.
func TestClientGoneIsNotAServerError(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), metrics: newHTTPMetrics(prometheus.NewRegistry())}
	storeErr := fmt.Errorf("cannot search events: %w", errors.New("INTERRUPT Error: Interrupted!"))
	run := func(ctx context.Context) (int, string) {
		logs.Reset()
		rec := &statusRecorder{ResponseWriter: httptest.NewRecorder()}
		r := httptest.NewRequest(http.MethodGet, "/api/v1/events", nil).WithContext(ctx)
		s.observe("/api/v1/events", rec, r, func(w http.ResponseWriter) { s.writeError(w, r, storeErr) })
		return rec.status, logs.String()
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	status, out := run(ctx)
	if status != statusClientClosedRequest || strings.Contains(out, "level=ERROR") || !strings.Contains(out, "level=INFO") {
		t.Fatalf("client gone: status %d, log:\n%s", status, out)
	}
	status, out = run(context.Background())
	if status != http.StatusInternalServerError || !strings.Contains(out, "level=ERROR") {
		t.Fatalf("client waiting: status %d, log:\n%s", status, out)
	}
}
