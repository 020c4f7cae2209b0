package duckdb

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
)

// retentionCut is where the retention tests cut: the old days are
// before it, the kept ones from it on.
var retentionCut = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func openRetentionStore(t *testing.T, logger *slog.Logger) *Store {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s, err := Open(context.Background(), Options{Dir: t.TempDir(), MemoryLimit: "1GB", BlockRows: 16, Threads: 2, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dayEvents returns n events of an org on the day that starts at day.
func dayEvents(org, prefix string, n int, day time.Time) []event.Event {
	evs := make([]event.Event, n)
	for i := range evs {
		msg := fmt.Sprintf("login %s %d %s", prefix, i, map[bool]string{true: "even", false: "odd"}[i%2 == 0])
		evs[i] = event.Event{ID: fmt.Sprintf("%s-%d", prefix, i), OrgID: org, Timestamp: day.Add(time.Duration(i) * time.Minute),
			Ingested: day, Input: "http", Raw: msg, Fields: event.Fields{"message": msg, "host.name": fmt.Sprintf("h%d", i%3)}}
	}
	return evs
}

func mustAppendEvents(t *testing.T, s *Store, evs []event.Event) {
	t.Helper()
	if _, err := s.Append(context.Background(), evs); err != nil {
		t.Fatalf("append: %v", err)
	}
}

// partitionTables lists the partition tables in the database.
func partitionTables(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), `SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'ev_') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// TestRetentionUnderReads drops many partitions, again and again, while
// searches, needle searches, statistics, histograms, terms, exports,
// scans, Get, Since and KQL's relations run in a loop: none may fail
// (the walk-through saw "Table with name ev_... does not exist" for
// 1.5 s at every retention run), and what they return must be
// consistent: the kept days exactly, the old days wholly or not at all.
func TestRetentionUnderReads(t *testing.T) {
	const (
		oldDays, oldPerDay   = 15, 12
		keptDays, keptPerDay = 3, 20
		rounds               = 3
	)
	s := openRetentionStore(t, nil)
	ctx := context.Background()
	keptN := int64(keptDays * keptPerDay)
	for d := range keptDays {
		mustAppendEvents(t, s, dayEvents("a", fmt.Sprintf("kept%d", d), keptPerDay, retentionCut.Add(time.Duration(d)*24*time.Hour)))
	}
	// Org b keeps the day before the cut: retention deletes a's rows
	// there instead of dropping the table.
	shared := retentionCut.Add(-24 * time.Hour)
	mustAppendEvents(t, s, dayEvents("b", "b-shared", 5, shared))
	loadOld := func(round int) {
		var evs []event.Event
		for d := 1; d <= oldDays; d++ {
			evs = append(evs, dayEvents("a", fmt.Sprintf("old%d-%d", round, d), oldPerDay, retentionCut.Add(-time.Duration(d)*24*time.Hour))...)
		}
		mustAppendEvents(t, s, evs)
	}
	oldN := int64(oldDays * oldPerDay)
	keptQ := eventstore.Query{From: retentionCut}
	allQ := eventstore.Query{}
	// A day is gone wholly or not at all: the old events a reader sees
	// are a whole number of days (one round's, at most two rounds' when a
	// read spans a reload).
	wholeDays := func(n int64) bool { return n >= 0 && n%oldPerDay == 0 && n <= 2*oldN }

	var (
		stop   atomic.Bool
		reads  atomic.Int64
		errMu  sync.Mutex
		errs   []string
		wg     sync.WaitGroup
		failed = func(format string, args ...any) {
			errMu.Lock()
			defer errMu.Unlock()
			if len(errs) < 20 {
				errs = append(errs, fmt.Sprintf(format, args...))
			}
		}
	)
	readers := map[string]func() error{
		"search kept": func() error {
			p, err := s.Search(ctx, "a", keptQ)
			if err == nil && (p.Total != keptN || len(p.Events) != 50) {
				err = fmt.Errorf("total %d, %d events; want %d, 50", p.Total, len(p.Events), keptN)
			}
			return err
		},
		"search all": func() error {
			// The count and the page are two queries: rows appended or
			// deleted (the shared day) between them may make them differ,
			// as with any concurrent write, but each sees whole days.
			p, err := s.Search(ctx, "a", eventstore.Query{Size: 1000})
			if err == nil && (!wholeDays(p.Total-keptN) || !wholeDays(int64(len(p.Events))-keptN)) {
				err = fmt.Errorf("total %d, %d events", p.Total, len(p.Events))
			}
			return err
		},
		"search words": func() error {
			// The token index narrows this to some blocks (searchFew).
			p, err := s.Search(ctx, "a", eventstore.Query{Text: "login AND even"})
			if err == nil && (p.Total < keptN/2 || p.Total > keptN/2+2*oldN) {
				err = fmt.Errorf("total %d", p.Total)
			}
			return err
		},
		"search needle": func() error {
			_, err := s.Search(ctx, "a", eventstore.Query{Text: `"old1-3 7"`})
			return err
		},
		"stats": func() error {
			st, err := s.Stats(ctx, "a", allQ, 0)
			if err != nil {
				return err
			}
			var sum int64
			for _, b := range st.OverTime {
				sum += b.Count
			}
			if !wholeDays(st.Total-keptN) || sum != st.Total {
				return fmt.Errorf("total %d, buckets %d", st.Total, sum)
			}
			st, err = s.Stats(ctx, "a", keptQ, time.Hour)
			if err == nil && st.Total != keptN {
				err = fmt.Errorf("kept total %d, want %d", st.Total, keptN)
			}
			return err
		},
		"histogram": func() error {
			h, err := s.Histogram(ctx, "a", eventstore.Query{Text: "login"}, 0)
			if err == nil && !wholeDays(h.Total-keptN) {
				err = fmt.Errorf("total %d", h.Total)
			}
			return err
		},
		"terms": func() error {
			tm, err := s.Terms(ctx, "a", allQ, "host.name", 5)
			if err == nil && !wholeDays(tm.Events-keptN) {
				err = fmt.Errorf("events %d", tm.Events)
			}
			if err == nil {
				tm, err = s.Terms(ctx, "a", keptQ, "host.name", 5)
				if err == nil && tm.Events != keptN {
					err = fmt.Errorf("kept events %d, want %d", tm.Events, keptN)
				}
			}
			return err
		},
		"export": func() error {
			var buf bytes.Buffer
			n, err := s.Export(ctx, "a", allQ, eventstore.FormatNDJSON, &buf)
			if err != nil {
				return err
			}
			return checkExport(&buf, n, func(n int64) bool { return wholeDays(n - keptN) })
		},
		"export csv kept": func() error {
			n, err := s.Export(ctx, "a", keptQ, eventstore.FormatCSV, io.Discard)
			if err == nil && n != keptN {
				err = fmt.Errorf("%d rows, want %d", n, keptN)
			}
			return err
		},
		"export parquet": func() error {
			_, err := s.Export(ctx, "a", allQ, eventstore.FormatParquet, io.Discard)
			return err
		},
		"scan": func() error {
			var n int64
			err := s.Scan(ctx, "a", eventstore.Query{Text: "login"}, func(evs []event.Event) error {
				n += int64(len(evs))
				time.Sleep(time.Millisecond) // a slow consumer holds its partitions longer
				return nil
			})
			if err == nil && !wholeDays(n-keptN) {
				err = fmt.Errorf("%d events", n)
			}
			return err
		},
		"get": func() error {
			ev, err := s.Get(ctx, "a", "kept1-3")
			if err == nil && ev.ID != "kept1-3" {
				err = fmt.Errorf("got %s", ev.ID)
			}
			return err
		},
		"since": func() error {
			_, err := s.Since(ctx, 0, 100_000)
			return err
		},
		"relation": func() error {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			r, err := s.Relation(ctx, "a", time.Time{}, time.Time{}, []eventstore.TextNeed{{Field: "message", Any: []string{"login"}}})
			if err != nil {
				return err
			}
			time.Sleep(time.Millisecond) // compiling the rest of a KQL query
			var n int64
			if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+r.SQL, r.Args...).Scan(&n); err != nil {
				return err
			}
			if !wholeDays(n - keptN) {
				return fmt.Errorf("%d rows", n)
			}
			return nil
		},
	}
	for name, read := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if err := read(); err != nil {
					failed("%s: %v", name, err)
				}
				reads.Add(1)
			}
		}()
	}
	for round := range rounds {
		loadOld(round)
		time.Sleep(20 * time.Millisecond)
		n, err := s.DeleteBefore(ctx, "a", retentionCut)
		if err != nil || n != oldN {
			failed("round %d: retention deleted %d, %v; want %d", round, n, err, oldN)
		}
		// Gone for every read that starts now, even if a read still
		// holds some of the tables.
		if p, err := s.Search(ctx, "a", eventstore.Query{To: retentionCut}); err != nil || p.Total != 0 {
			failed("round %d: after retention, %d old events, %v", round, p.Total, err)
		}
	}
	stop.Store(true)
	wg.Wait()
	for _, e := range errs {
		t.Error(e)
	}
	t.Logf("%d reads during %d retention runs", reads.Load(), rounds)
	// Once no read holds them, the tables are gone, the shared day's
	// too (b keeps it), and their index with them.
	waitDropped(t, s)
	want := []string{"ev_20260531", "ev_20260601", "ev_20260602", "ev_20260603"}
	if got := partitionTables(t, s); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("tables after retention: %v, want %v", got, want)
	}
	var blocks int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM es_blocks WHERE part < '20260531'`).Scan(&blocks); err != nil || blocks != 0 {
		t.Fatalf("index blocks of dropped days: %d %v", blocks, err)
	}
	if p, err := s.Search(ctx, "b", eventstore.Query{}); err != nil || p.Total != 5 {
		t.Fatalf("b's events: %d %v", p.Total, err)
	}
}

// checkExport checks an NDJSON export: n lines, in @timestamp order, no
// event twice, and a count ok accepts.
func checkExport(r io.Reader, n int64, ok func(int64) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	seen := map[string]bool{}
	var lines int64
	var last string
	for sc.Scan() {
		var doc struct {
			TS string `json:"@timestamp"`
			ID string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			return err
		}
		if seen[doc.ID] {
			return fmt.Errorf("%s exported twice", doc.ID)
		}
		seen[doc.ID] = true
		if doc.TS < last {
			return fmt.Errorf("%s at %s after %s", doc.ID, doc.TS, last)
		}
		last = doc.TS
		lines++
	}
	if lines != n || !ok(n) {
		return fmt.Errorf("%d lines, %d said", lines, n)
	}
	return nil
}

// waitDropped waits until no partition waits for its readers to be
// dropped.
func waitDropped(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.RLock()
		n := len(s.retired)
		s.mu.RUnlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d retired partitions not dropped", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRetentionWaitsForAnExport holds a partition with a scan that has
// not finished (an export to a slow client) while retention removes its
// day: the scan gets every event it started with, new reads see none,
// an event that arrives late for that day (an import of old logs) is
// stored without bringing the old ones back, and the table goes once the
// scan is done.
func TestRetentionWaitsForAnExport(t *testing.T) {
	var logs syncBuffer
	s := openRetentionStore(t, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()
	old := retentionCut.Add(-10 * 24 * time.Hour)
	older := retentionCut.Add(-11 * 24 * time.Hour)
	mustAppendEvents(t, s, dayEvents("a", "old", 30, old))
	mustAppendEvents(t, s, dayEvents("a", "older", 30, older))
	mustAppendEvents(t, s, dayEvents("a", "kept", 10, retentionCut))

	holding, finish := make(chan struct{}), make(chan struct{})
	scanned := make(chan error, 1)
	var got []string
	go func() {
		first := true
		scanned <- s.Scan(ctx, "a", eventstore.Query{To: retentionCut}, func(evs []event.Event) error {
			for _, ev := range evs {
				got = append(got, ev.ID)
			}
			if first {
				first = false
				close(holding)
				<-finish
			}
			return nil
		})
	}()
	<-holding
	s.mu.Lock()
	s.retireWarn = time.Millisecond
	s.mu.Unlock()
	n, err := s.DeleteBefore(ctx, "a", retentionCut)
	if err != nil || n != 60 {
		t.Fatalf("retention: %d %v, want 60", n, err)
	}
	search := func(q eventstore.Query) int64 {
		t.Helper()
		p, err := s.Search(ctx, "a", q)
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	if n := search(eventstore.Query{To: retentionCut}); n != 0 {
		t.Fatalf("%d old events after retention", n)
	}
	// The scan still holds both tables: they stay until it is done.
	if got := partitionTables(t, s); len(got) != 3 {
		t.Fatalf("tables while the scan runs: %v", got)
	}
	// A late event for a removed day: stored, found alone.
	mustAppendEvents(t, s, dayEvents("a", "late", 1, old.Add(time.Hour)))
	if n := search(eventstore.Query{To: retentionCut}); n != 1 {
		t.Fatalf("after a late event: %d old events, want 1", n)
	}
	if _, err := s.Get(ctx, "a", "old-3"); !errors.Is(err, eventstore.ErrNotFound) {
		t.Fatalf("a removed event came back: %v", err)
	}
	// The writer says who it waits for.
	time.Sleep(5 * time.Millisecond)
	if err := s.exec(ctx, func(ctx context.Context, _ *sql.Conn) error { s.dropRetired(ctx); return nil }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "ev_20260521") || !strings.Contains(logs.String(), "readers=1") {
		t.Fatalf("no log line about the held partition:\n%s", logs.String())
	}
	close(finish)
	if err := <-scanned; err != nil {
		t.Fatalf("scan: %v", err)
	}
	if len(got) != 60 {
		t.Fatalf("the scan got %d events, want the 60 it started with", len(got))
	}
	waitDropped(t, s)
	if got := partitionTables(t, s); strings.Join(got, ",") != "ev_20260522,ev_20260601" {
		t.Fatalf("tables after the scan: %v", got)
	}
	// The late event goes at the next run.
	if n, err := s.DeleteBefore(ctx, "a", retentionCut); err != nil || n != 1 {
		t.Fatalf("second retention: %d %v, want 1", n, err)
	}
	if got := partitionTables(t, s); strings.Join(got, ",") != "ev_20260601" {
		t.Fatalf("tables after the second run: %v", got)
	}
	if n := search(eventstore.Query{}); n != 10 {
		t.Fatalf("%d events left, want 10", n)
	}
}

// syncBuffer is a bytes.Buffer for a logger and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
