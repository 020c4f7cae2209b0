// Command hunt benchmarks KQL hunting over the embedded event store: it
// loads N generated security events (default 10,000,000 over 7 days, the
// last hour dense enough for "ago(1h)" to mean something), then runs the
// issue's target queries through the hunting service repeatedly and
// prints p50 and p99 of each, and the time to parse and compile.
//
//	go run ./bench/hunt                 # 10M events (loading takes several minutes)
//	go run ./bench/hunt -n 1000000      # a quick one
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/hunt"
	"github.com/eventsec/eventsec/internal/query/kql"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/hunt:", err)
		os.Exit(1)
	}
}

var queries = []struct{ name, q, target string }{
	{"count per minute, last hour", `events | where TimeGenerated > ago(1h) | summarize count() by bin(TimeGenerated, 1m)`, "200 ms"},
	{"has term over everything", `events | where message has "sshd" | count`, "500 ms"},
	{"dcount(user) by host", `events | summarize dcount(UserName) by HostName`, "1 s"},
	{"join of two filtered sides", `events | where EventOutcome == "failure" | summarize failures = count() by UserName
| join kind=inner (events | where EventOutcome == "success" | summarize successes = count() by UserName) on UserName
| top 10 by failures desc`, "2 s"},
}

func run() error {
	n := flag.Int("n", 10_000_000, "events to load")
	reps := flag.Int("reps", 10, "runs of each query")
	dir := flag.String("dir", "", "keep the store here (reused when it exists)")
	flag.Parse()
	ctx := context.Background()
	d := *dir
	if d == "" {
		tmp, err := os.MkdirTemp("", "eventsec-bench-hunt-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		d = tmp
	}
	ev, err := duckdb.Open(ctx, duckdb.Options{Dir: filepath.Join(d, "events")})
	if err != nil {
		return err
	}
	defer ev.Close()
	st, err := sqlite.Open(ctx, filepath.Join(d, "state.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	orgs, _ := st.Orgs().List(ctx)
	if len(orgs) == 0 {
		if err := st.Orgs().Create(ctx, store.Org{ID: "default", Name: "default", CreatedAt: time.Now()}); err != nil {
			return err
		}
	}
	// The generator's week ends now, so that ago(1h) finds the last hour.
	end := time.Now().UTC()
	last, _ := ev.LastSeq(ctx)
	if last == 0 {
		gen := eventgen.New(eventgen.Options{Count: *n, Start: end.Add(-7 * 24 * time.Hour), Span: 7 * 24 * time.Hour})
		fmt.Printf("loading %d events ...\n", *n)
		t0 := time.Now()
		const batch = 5000
		work := make(chan []event.Event, 4)
		var wg sync.WaitGroup
		var firstErr error
		var mu sync.Mutex
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range work {
					if _, err := ev.Append(ctx, b); err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
					}
				}
			}()
		}
		for done := 0; done < *n; done += batch {
			work <- gen.Batch(min(batch, *n-done))
		}
		close(work)
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
		fmt.Printf("loaded in %.0f s (%.0f events/s)\n", time.Since(t0).Seconds(), float64(*n)/time.Since(t0).Seconds())
	} else {
		// A reused store: its week ended when it was loaded, and "now"
		// is then, so that ago(1h) still finds the dense last hour.
		rel, err := ev.Relation(ctx, "default", time.Time{}, time.Time{}, nil)
		if err != nil {
			return err
		}
		var maxTS time.Time
		if err := queryRow(ctx, ev, "SELECT max(ts) FROM "+rel.SQL+" AS e", rel.Args, &maxTS); err != nil {
			return fmt.Errorf("cannot find the store's last event: %w", err)
		}
		end = maxTS.UTC()
		fmt.Printf("reusing %d events in %s, the last at %s\n", last, d, end.Format(time.RFC3339))
	}
	svc := hunt.New(hunt.Options{Store: st, Events: ev, Timeout: 5 * time.Minute, Now: func() time.Time { return end }})
	fmt.Printf("KQL over %d events, %d CPUs, %s; %d runs each (first run included)\n", *n, runtime.NumCPU(), runtime.Version(), *reps)
	for _, q := range queries {
		var lat []time.Duration
		var rows int
		var scanned int64
		for range *reps {
			t0 := time.Now()
			res, err := svc.Run(ctx, hunt.Request{OrgID: "default", UserID: "bench", Query: q.q, Limit: 10000,
				From: end.Add(-8 * 24 * time.Hour), To: end.Add(time.Hour)})
			if err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			lat = append(lat, time.Since(t0))
			rows = len(res.Rows)
			scanned = res.Stats.Scanned
		}
		slices.Sort(lat)
		fmt.Printf("  %-30s p50 %8.1f ms  p99 %8.1f ms  (%d rows, %d scanned; target %s)\n", q.name, ms(lat[len(lat)/2]), ms(lat[len(lat)-1]), rows, scanned, q.target)
	}
	// Parse + compile alone.
	cat := hunt.BenchCatalog(svc, "default")
	for _, q := range queries {
		var lat []time.Duration
		for range 1000 {
			t0 := time.Now()
			pq, err := kql.Parse(q.q)
			if err == nil {
				_, err = kql.Compile(pq, cat, kql.Options{Now: end})
			}
			if err != nil {
				return err
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		fmt.Printf("  parse+compile %-22s p50 %6.0f us  p99 %6.0f us\n", q.name, us(lat[len(lat)/2]), us(lat[len(lat)*99/100]))
	}
	return nil
}

func queryRow(ctx context.Context, ev *duckdb.Store, q string, args []any, dst any) error {
	rows, err := ev.QuerySQL(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		return fmt.Errorf("no rows")
	}
	if err := rows.Scan(dst); err != nil {
		return err
	}
	return rows.Err()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
