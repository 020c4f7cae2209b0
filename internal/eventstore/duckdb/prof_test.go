package duckdb_test

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
	eventduckdb "github.com/eventsec/eventsec/internal/eventstore/duckdb"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func nw() int {
	if v := os.Getenv("NW"); v != "" {
		n := 0
		fmt.Sscan(v, &n)
		return n
	}
	return 4
}

func TestProfAppend(t *testing.T) {
	if os.Getenv("PROF") == "" {
		t.Skip()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mb := 0
	fmt.Sscan(os.Getenv("MB"), &mb)
	s, err := eventduckdb.Open(ctx, eventduckdb.Options{Dir: t.TempDir(), Logger: log, MaxBatch: mb})
	if err != nil {
		t.Fatal(err)
	}
	g := eventgen.New(eventgen.Options{Count: 2000000})
	var batches [][]event.Event
	for i := 0; i < 100; i++ {
		batches = append(batches, g.Batch(5000))
	}
	c0 := cpuNow()
	t0 := time.Now()
	var wg sync.WaitGroup
	ch := make(chan []event.Event)
	for w := 0; w < nw(); w++ {
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
	c := cpuNow() - c0
	t.Logf("%d events in %v: %.0f ev/s, %.1f µs CPU/event", 500000, d, 500000/d.Seconds(), float64(c.Microseconds())/500000)
	s.Close()
}
