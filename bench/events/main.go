// Command events benchmarks the embedded event store on realistic
// security events: it loads N events (default 2,000,000, generated
// deterministically by eventgen) through Store.Append in batches from
// concurrent writers, then prints the durable append throughput, the bytes
// per event on disk and the median latency of five searches.
//
//	go run ./bench/events                  # the full benchmark
//	go run ./bench/events -n 200000        # a quick one
//	go run ./bench/events -emit ndjson -n 1000 > events.ndjson
//	go run ./bench/events -emit syslog -n 1000 | nc -u localhost 514
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"

	_ "github.com/duckdb/duckdb-go/v2" // blockUse
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/events:", err)
		os.Exit(1)
	}
}

type config struct {
	n, batch, writers, runs, chunk int
	seed                           uint64
	dir, emit, memory              string
	keep                           bool
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	var c config
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.IntVar(&c.n, "n", 2_000_000, "events to generate")
	fs.IntVar(&c.batch, "batch", 5000, "events per Append call")
	fs.IntVar(&c.writers, "writers", 4, "concurrent Append callers")
	fs.IntVar(&c.runs, "runs", 5, "runs per query (the median is printed)")
	fs.IntVar(&c.chunk, "chunk", 100_000, "events generated ahead of each timed load phase")
	fs.Uint64Var(&c.seed, "seed", 42, "generator seed")
	fs.StringVar(&c.dir, "dir", "", "store directory (default: a new temporary one)")
	fs.BoolVar(&c.keep, "keep", false, "keep the store directory")
	fs.StringVar(&c.emit, "emit", "", "instead of benchmarking, write the events to stdout as ndjson or syslog lines")
	fs.StringVar(&c.memory, "memory", "", "DuckDB memory limit (default DuckDB's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gen := eventgen.New(eventgen.Options{Seed: c.seed, Count: c.n})
	if c.emit != "" {
		return emit(gen, c, stdout)
	}
	return bench(ctx, gen, c, stdout)
}

func emit(gen *eventgen.Generator, c config, stdout io.Writer) error {
	w := bufio.NewWriterSize(stdout, 1<<20)
	for range c.n {
		ev := gen.Next()
		switch c.emit {
		case "ndjson":
			if err := eventgen.NDJSON(w, ev); err != nil {
				return err
			}
		case "syslog":
			if _, err := fmt.Fprintln(w, eventgen.SyslogLine(ev)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown -emit %q (want ndjson or syslog)", c.emit)
		}
	}
	return w.Flush()
}

func bench(ctx context.Context, gen *eventgen.Generator, c config, out io.Writer) error {
	dir := c.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "eventsec-bench-")
		if err != nil {
			return err
		}
		dir = d
	}
	if !c.keep {
		defer os.RemoveAll(dir)
	}
	opts := duckdb.Options{Dir: dir, MemoryLimit: c.memory}
	s, err := duckdb.Open(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "EventSec event store benchmark: DuckDB store, %d CPUs (GOMAXPROCS %d), %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(out, "loading %d events (seed %d) in batches of %d from %d concurrent writers...\n", c.n, c.seed, c.batch, c.writers)

	var appendTime time.Duration
	var rawBytes, stored, dups int64
	var lat []time.Duration
	var first, last time.Time
	start := time.Now()
	for done := 0; done < c.n; {
		// Generate a chunk ahead (not timed), then append it (timed).
		chunk := min(c.chunk, c.n-done)
		var batches [][]event.Event
		for i := 0; i < chunk; i += c.batch {
			b := gen.Batch(min(c.batch, chunk-i))
			for _, ev := range b {
				rawBytes += int64(len(ev.Raw))
				if first.IsZero() || ev.Timestamp.Before(first) {
					first = ev.Timestamp
				}
				if ev.Timestamp.After(last) {
					last = ev.Timestamp
				}
			}
			batches = append(batches, b)
		}
		done += chunk
		runtime.GC()
		t0 := time.Now()
		work := make(chan []event.Event)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		for range c.writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range work {
					t := time.Now()
					res, err := s.Append(ctx, b)
					d := time.Since(t)
					mu.Lock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					stored += int64(len(res.Stored))
					dups += int64(res.Duplicates)
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		for _, b := range batches {
			work <- b
		}
		close(work)
		wg.Wait()
		appendTime += time.Since(t0)
		if firstErr != nil {
			return firstErr
		}
		fmt.Fprintf(out, "\r  %d/%d", done, c.n)
	}
	loadWall := time.Since(start)
	fmt.Fprintln(out)
	closeStart := time.Now()
	if err := s.Close(); err != nil {
		return err
	}
	closeTime := time.Since(closeStart)
	size, err := dirSize(dir)
	if err != nil {
		return err
	}
	slices.Sort(lat)
	fmt.Fprintf(out, "\ndata set: %d events stored (%d duplicates), %s to %s, raw text %.0f bytes/event on average\n",
		stored, dups, first.Format(time.DateOnly), last.Format(time.DateOnly), float64(rawBytes)/float64(c.n))
	fmt.Fprintf(out, "append (durable):      %10.0f events/s  (%.1f s inside Append for %d events; generation not counted; whole load %.1f s)\n",
		float64(stored)/appendTime.Seconds(), appendTime.Seconds(), stored, loadWall.Seconds())
	fmt.Fprintf(out, "Append latency:        p50 %.1f ms, p99 %.1f ms per %d-event batch\n", ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), c.batch)
	fmt.Fprintf(out, "on disk:               %10.1f bytes/event  (%.1f MB after Close, which took %.1f s)\n", float64(size)/float64(stored), float64(size)/1e6, closeTime.Seconds())
	if used, free, block, err := blockUse(filepath.Join(dir, "events.duckdb")); err == nil {
		fmt.Fprintf(out, "  in used blocks:      %10.1f bytes/event  (%d blocks of %d KiB in use, %d free: space that checkpoints left behind, which DuckDB reuses but does not give back)\n",
			float64(used*block)/float64(stored), used, block/1024, free)
	} else {
		fmt.Fprintln(out, "  (cannot read the file's block use:", err, ")")
	}

	// Queries, on the reopened store (as after a restart).
	s, err = duckdb.Open(ctx, opts)
	if err != nil {
		return err
	}
	org := "default"
	day := first.Add(3 * 24 * time.Hour).Truncate(24 * time.Hour)
	rare := gen.RareToken()
	fmt.Fprintf(out, "\nqueries (median of %d runs, through the Store API):\n", c.runs)
	type query struct {
		name string
		fn   func() (string, error)
	}
	search := func(q eventstore.Query) func() (string, error) {
		return func() (string, error) {
			p, err := s.Search(ctx, org, q)
			return fmt.Sprintf("%d matches, page of %d", p.Total, len(p.Events)), err
		}
	}
	var getTime time.Duration
	queries := []query{
		{"term search: message:failed", search(eventstore.Query{Text: "message:failed"})},
		{"user + time range: user.name:jsmith, 1 day", search(eventstore.Query{Text: "user.name:jsmith", From: day, To: day.Add(24 * time.Hour)})},
		{"count by event.type (Terms)", func() (string, error) {
			t, err := s.Terms(ctx, org, eventstore.Query{}, "event.type", 10)
			return fmt.Sprintf("%d values of %d events, top %v", len(t.Top), t.Events, t.Top[:min(2, len(t.Top))]), err
		}},
		{"count by hour (Histogram, 1h buckets by severity)", func() (string, error) {
			h, err := s.Histogram(ctx, org, eventstore.Query{}, time.Hour)
			return fmt.Sprintf("%d buckets, total %d", len(h.Buckets), h.Total), err
		}},
		{"rare token: " + rare + " (free text, all days)", search(eventstore.Query{Text: rare})},
		{"Stats: histogram + every breakdown and top 10s", func() (string, error) {
			st, err := s.Stats(ctx, org, eventstore.Query{}, time.Hour)
			return fmt.Sprintf("%d buckets, total %d, top host %v", len(st.OverTime), st.Total, st.TopHosts[:min(1, len(st.TopHosts))]), err
		}},
		{"free text, common word: password", search(eventstore.Query{Text: "password"})},
		{"IP CIDR: source.ip:10.10.0.0/16", search(eventstore.Query{Text: "source.ip:10.10.0.0/16"})},
		{"export NDJSON: six hours of every event", func() (string, error) {
			var w countWriter
			n, err := s.Export(ctx, org, eventstore.Query{From: day.Add(12 * time.Hour), To: day.Add(18 * time.Hour)}, eventstore.FormatNDJSON, &w)
			return fmt.Sprintf("%d events, %.1f MB", n, float64(w)/1e6), err
		}},
		{"scan: one day of every event, oldest first (Store.Scan: retro-hunts)", func() (string, error) {
			n := 0
			err := s.Scan(ctx, org, eventstore.Query{From: day, To: day.Add(24 * time.Hour)}, func(evs []event.Event) error {
				n += len(evs)
				return nil
			})
			return fmt.Sprintf("%d events", n), err
		}},
		{"Get: one event by id (the event drawer)", func() (string, error) {
			p, err := s.Search(ctx, org, eventstore.Query{Text: rare, Size: 1})
			if err != nil || len(p.Events) == 0 {
				return "", fmt.Errorf("no event to get: %v", err)
			}
			t := time.Now()
			ev, err := s.Get(ctx, org, p.Events[0].ID)
			getTime = time.Since(t)
			return fmt.Sprintf("%d fields, %d bytes raw", len(ev.Fields), len(ev.Raw)), err
		}},
	}
	for _, q := range queries {
		var ds []time.Duration
		var info string
		for range c.runs {
			getTime = 0
			t := time.Now()
			i, err := q.fn()
			if err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			d := time.Since(t)
			if getTime > 0 {
				d = getTime // the lookup of the id is not part of it
			}
			ds = append(ds, d)
			info = i
		}
		slices.Sort(ds)
		fmt.Fprintf(out, "  %-66s %8.1f ms  (min %.1f, max %.1f; %s)\n", q.name, ms(ds[len(ds)/2]), ms(ds[0]), ms(ds[len(ds)-1]), info)
	}
	if err := s.Close(); err != nil {
		return err
	}
	// The same needle search without the token index: a scan.
	opts.SearchWithoutIndex = true
	s, err = duckdb.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	var ds []time.Duration
	for range c.runs {
		t := time.Now()
		if _, err := s.Search(ctx, org, eventstore.Query{Text: rare}); err != nil {
			return err
		}
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	fmt.Fprintf(out, "  %-66s %8.1f ms\n", "rare token without the token index (scan)", ms(ds[len(ds)/2]))
	return nil
}

// countWriter counts what is written to it.
type countWriter int64

func (w *countWriter) Write(p []byte) (int, error) {
	*w += countWriter(len(p))
	return len(p), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// blockUse reads a closed DuckDB file's blocks: in use, free, and their
// size (PRAGMA database_size).
func blockUse(path string) (used, free, block int64, err error) {
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return 0, 0, 0, err
	}
	defer db.Close()
	var name, size, wal, mem, limit string
	var total int64
	err = db.QueryRow(`PRAGMA database_size`).Scan(&name, &size, &block, &total, &used, &free, &wal, &mem, &limit)
	return used, free, block, err
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n, err
}
