package ingest_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// nullSink stores nothing: the benchmark measures the pipeline, not the
// store.
type nullSink struct{}

func (nullSink) Append(ctx context.Context, evs []event.Event) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{Stored: evs}, nil
}

// BenchmarkNormalizeJSONSubmit runs what the HTTP listener runs per
// event of an NDJSON request, without HTTP and the store: NormalizeJSON,
// DistinctIDs, then Submit (prepare: repairs and tag counts). One op is a
// batch of 100 events of the bench/ingest mix; the figures per event are
// the op's divided by 100.
func BenchmarkNormalizeJSONSubmit(b *testing.B) {
	const batch = 100
	env := ingesttest.NewPipeline(b, nullSink{}, ingest.Options{})
	p := env.Pipeline
	g := eventgen.New(eventgen.Options{})
	var lines [][]byte
	for _, ev := range g.Batch(batch) {
		var buf bytes.Buffer
		if err := eventgen.NDJSON(&buf, ev); err != nil {
			b.Fatal(err)
		}
		lines = append(lines, bytes.TrimSpace(buf.Bytes()))
	}
	now := p.Now()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		evs := make([]event.Event, len(lines))
		client := make([]bool, len(lines))
		for i, l := range lines {
			var err error
			evs[i], client[i], err = p.NormalizeJSON(normalize.Input{OrgID: "default", Input: "http", Received: now, Raw: l}, ingest.DefaultMaxDepth)
			if err != nil {
				b.Fatal(err)
			}
		}
		ingest.DistinctIDs(evs, func(i int) bool { return client[i] })
		if _, err := p.Submit(ctx, evs, "http"); err != nil {
			b.Fatal(err)
		}
	}
}
