package httpjson

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
)

// nullSink stores nothing: the benchmark measures the listener and the
// pipeline, not the store.
type nullSink struct{}

func (nullSink) Append(ctx context.Context, evs []event.Event) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{Stored: evs}, nil
}

// BenchmarkNDJSON measures a 2,000-event NDJSON request end to end
// (decode, normalize, repair checks, response) without the store.
func BenchmarkNDJSON(b *testing.B) {
	env := ingesttest.NewPipeline(b, nullSink{}, ingest.Options{})
	h, err := New(Options{Pipeline: env.Pipeline})
	if err != nil {
		b.Fatal(err)
	}
	g := eventgen.New(eventgen.Options{})
	var body bytes.Buffer
	for _, ev := range g.Batch(2000) {
		eventgen.NDJSON(&body, ev)
	}
	b.SetBytes(int64(body.Len()))
	b.ResetTimer()
	for range b.N {
		req := httptest.NewRequest("POST", "/api/v1/events", bytes.NewReader(body.Bytes()))
		req.Header.Set("Content-Type", "application/x-ndjson")
		w := httptest.NewRecorder()
		h.ServeOrg(w, req, "org-1")
		if w.Code != 202 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(2000*b.N)/b.Elapsed().Seconds(), "events/s")
}
