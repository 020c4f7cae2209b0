package duckdb_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
	eventduckdb "github.com/eventsec/eventsec/internal/eventstore/duckdb"
)

func TestProfAppend(t *testing.T) {
	if os.Getenv("PROF") == "" {
		t.Skip()
	}
	s, err := eventduckdb.Open(ctx, eventduckdb.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := eventgen.New(eventgen.Options{Count: 2000000})
	var batches [][]event.Event
	for i := 0; i < 40; i++ {
		batches = append(batches, g.Batch(5000))
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	ch := make(chan []event.Event)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range ch {
				if _, err := s.Append(ctx, b); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for _, b := range batches {
		ch <- b
	}
	close(ch)
	wg.Wait()
	d := time.Since(t0)
	t.Logf("%d events in %v: %.0f ev/s", 200000, d, 200000/d.Seconds())
}
