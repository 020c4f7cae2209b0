package duckdb

import (
	"testing"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
)

// BenchmarkPrepare measures the per-event work Append does before the
// writer (row, fields JSON, index keys) on the generator's mix.
func BenchmarkPrepare(b *testing.B) {
	cols := partColumns()
	evs := eventgen.New(eventgen.Options{Count: 4096}).Batch(4096)
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := prepare(evs[i%len(evs)], now, cols); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
