package duckdb_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	eventduckdb "github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/eventstore/storetest"
)

var ctx = context.Background()

func openStore(t testing.TB, dir string) *eventduckdb.Store {
	t.Helper()
	s, err := eventduckdb.Open(ctx, eventduckdb.Options{Dir: dir, MemoryLimit: "1GB", BlockRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T, dir string) eventstore.Store { return openStore(t, dir) },
	})
}

// TestCrashAfterAppend appends from a child process (this test binary run
// again), SIGKILLs it right after Appends returned, reopens the store and
// finds every acknowledged event, once.
func TestCrashAfterAppend(t *testing.T) {
	if dir := os.Getenv("EVENTSEC_CRASH_CHILD"); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashAfterAppend$")
	cmd.Env = append(os.Environ(), "EVENTSEC_CRASH_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if prefix, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked = append(acked, prefix)
			if len(acked) == 40 {
				// Right after the 40th acknowledgement, with other
				// appends in flight.
				cmd.Process.Kill()
				break
			}
		}
	}
	cmd.Wait()
	if len(acked) < 40 {
		t.Fatalf("child acknowledged only %d batches", len(acked))
	}
	s := openStore(t, dir)
	defer s.Close()
	seen := map[string]int{}
	after := int64(0)
	for {
		evs, err := s.Since(ctx, after, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			seen[ev.ID]++
		}
		after = evs[len(evs)-1].Seq
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("event %s stored %d times", id, n)
		}
	}
	for _, prefix := range acked {
		for _, ev := range crashBatch(prefix) {
			if seen[ev.ID] != 1 {
				t.Fatalf("acknowledged event %s lost", ev.ID)
			}
		}
		// A retry after the crash stores nothing twice.
		res, err := s.Append(ctx, crashBatch(prefix))
		if err != nil || len(res.Stored) != 0 {
			t.Fatalf("retry of %s stored %d: %v", prefix, len(res.Stored), err)
		}
	}
	t.Logf("%d batches acknowledged, %d events found after the kill", len(acked), len(seen))
}

func crashBatch(prefix string) []event.Event {
	return storetest.Batch("crash", prefix, 300, storetest.T0)
}

func crashChild(dir string) {
	s, err := eventduckdb.Open(ctx, eventduckdb.Options{Dir: dir, MemoryLimit: "1GB"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				prefix := fmt.Sprintf("w%d-%d", w, i)
				if _, err := s.Append(ctx, crashBatch(prefix)); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "acked %s\n", prefix)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestParquetReadsBack reads an export with DuckDB's own Parquet reader.
func TestParquetReadsBack(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	if _, err := s.Append(ctx, storetest.Fixture("a")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := s.Export(ctx, "a", eventstore.Query{}, eventstore.FormatParquet, &buf)
	if err != nil || n != 9 {
		t.Fatalf("export: %d %v", n, err)
	}
	path := filepath.Join(t.TempDir(), "x.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	var rows int
	var user, orig string
	var cats []any
	err = db.QueryRow(`SELECT count(*) OVER (), "user.name", "event.original", "event.category" FROM read_parquet(?) WHERE _id = 'a-e1'`, path).Scan(&rows, &user, &orig, &cats)
	if err != nil {
		t.Fatal(err)
	}
	var all int
	if err := db.QueryRow(`SELECT count(*) FROM read_parquet(?)`, path).Scan(&all); err != nil || all != 9 {
		t.Fatalf("parquet has %d rows: %v", all, err)
	}
	if user != "root" || !strings.Contains(orig, "Failed password") || len(cats) != 1 || cats[0] != "authentication" {
		t.Fatalf("parquet row: %q %q %v", user, orig, cats)
	}
}

// TestRestartIndexesTail: after a crash (no Close), the rows after the
// last sealed block are indexed again, and searches still find them.
func TestSearchAfterUncleanStop(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	evs := storetest.Batch("a", "x", 2500, storetest.T0)
	evs[2222].Raw += " needle-q9"
	if _, err := s.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	// Copy the files while the store is open: what a crash leaves.
	crashed := t.TempDir()
	for _, f := range []string{"events.duckdb", "events.duckdb.wal"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(crashed, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = openStore(t, crashed)
	defer s.Close()
	for _, q := range []string{"needle", "q9", "event x 2222"} {
		p, err := s.Search(ctx, "a", eventstore.Query{Text: q})
		if err != nil || p.Total != 1 || p.Events[0].ID != "x-2222" {
			t.Fatalf("search %q after unclean stop: %+v %v", q, p.Total, err)
		}
	}
	if _, err := s.Get(ctx, "a", "x-2499"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
}

// TestBackgroundCheckpoint: the WAL is checkpointed beside the writer once
// it passes the threshold, while appends go on, and stays bounded.
func TestBackgroundCheckpoint(t *testing.T) {
	dir := t.TempDir()
	s, err := eventduckdb.Open(ctx, eventduckdb.Options{Dir: dir, MemoryLimit: "1GB", CheckpointThreshold: "4MB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wal := filepath.Join(dir, "events.duckdb.wal")
	at := time.Now().Add(-time.Hour)
	// Searches run all along: DuckDB's threads narrow and widen under them.
	stop := make(chan struct{})
	searched := make(chan error, 1)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				searched <- nil
				return
			default:
			}
			if _, err := s.Search(ctx, "org", eventstore.Query{Text: "message:*", Size: 5}); err != nil {
				searched <- fmt.Errorf("search %d: %w", n, err)
				return
			}
			if _, err := s.Stats(ctx, "org", eventstore.Query{}, time.Minute); err != nil {
				searched <- fmt.Errorf("stats %d: %w", n, err)
				return
			}
			n++
		}
	}()
	var maxWAL int64
	total := 0
	for i := 0; s.CheckpointsRun() < 2 && i < 400; i++ {
		evs := storetest.Batch("org", fmt.Sprintf("b%d", i), 500, at)
		for j := range evs {
			evs[j].Raw = strings.Repeat(evs[j].Raw+" ", 20)
		}
		res, err := s.Append(ctx, evs)
		if err != nil {
			t.Fatal(err)
		}
		total += len(res.Stored)
		if fi, err := os.Stat(wal); err == nil {
			maxWAL = max(maxWAL, fi.Size())
		}
	}
	close(stop)
	if err := <-searched; err != nil {
		t.Fatalf("a query beside the checkpoints failed: %v", err)
	}
	if s.CheckpointsRun() < 2 {
		t.Fatalf("%d background checkpoints after %d events (largest WAL %d bytes)", s.CheckpointsRun(), total, maxWAL)
	}
	// DuckDB's own threshold is four times ours: the WAL never reached it.
	if maxWAL > 16<<20+8<<20 {
		t.Errorf("WAL grew to %d bytes", maxWAL)
	}
	page, err := s.Search(ctx, "org", eventstore.Query{Size: 1})
	if err != nil || page.Total != int64(total) {
		t.Fatalf("after checkpoints: %d events of %d, %v", page.Total, total, err)
	}
	// Each checkpoint runs on one DuckDB thread and gives the rest back.
	rows, err := s.QuerySQL(ctx, `SELECT current_setting('threads')::BIGINT`)
	if err != nil {
		t.Fatal(err)
	}
	var threads int64
	for rows.Next() {
		if err := rows.Scan(&threads); err != nil {
			t.Fatal(err)
		}
	}
	rows.Close()
	if s.CheckpointTime() <= 0 {
		t.Errorf("%d checkpoints took %v in all", s.CheckpointsRun(), s.CheckpointTime())
	}
	if threads != 2 || s.CheckpointFailures() != 0 {
		t.Errorf("after %d checkpoints: DuckDB threads %d, want 2 (%d failures)", s.CheckpointsRun(), threads, s.CheckpointFailures())
	}
	t.Logf("%d events, %d checkpoints, largest WAL %d MB", total, s.CheckpointsRun(), maxWAL>>20)
}

// TestTextColumnsCompression checks what the text columns are stored
// with: DICT_FSST (ZSTD for fields and raw), the methods the schema names
// (TestPartColumnsNameCompression) so that checkpoints skip DuckDB's trial
// of every method.
func TestTextColumnsCompression(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	db, _ := storedFile(t, storetest.Batch("org", "c", 5000, at))
	rows, err := db.QueryContext(ctx, `SELECT i.column_name, lower(i.compression), count(*)
		FROM pragma_storage_info('ev_20261120') i
		JOIN duckdb_columns() c ON c.table_name = 'ev_20261120' AND c.column_name = i.column_name
		WHERE c.data_type = 'VARCHAR' AND i.segment_type = 'VARCHAR'
		GROUP BY ALL ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var col, comp string
		var n int
		if err := rows.Scan(&col, &comp, &n); err != nil {
			t.Fatal(err)
		}
		seen++
		want := "dict_fsst"
		if col == "fields" || col == "raw" {
			want = "zstd"
		}
		// A segment of one repeated value (or only NULLs) is stored as a
		// constant whatever the method.
		if comp != want && comp != "constant" {
			t.Errorf("column %s: %d segments compressed with %s, want %s", col, n, comp, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("no text segments found")
	}
}

// TestLongTextRoundTrip: text far larger than a DuckDB block (256 KB) in
// the typed text columns reads back whole from those columns after a
// checkpoint.
func TestLongTextRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	evs := storetest.Batch("org", "long", 6, at)
	want := map[string][2]string{}
	for i := range evs {
		var msg, cmd strings.Builder
		for w := 0; msg.Len() < (1<<20)-64; w++ {
			fmt.Fprintf(&msg, "w%x ", (w*2654435761+i)%1000003)
		}
		for w := 0; cmd.Len() < 300<<10; w++ {
			fmt.Fprintf(&cmd, "-arg%d ", w*7+i)
		}
		evs[i].Fields["message"] = msg.String()
		evs[i].Fields["process.command_line"] = cmd.String()
		want[evs[i].ID] = [2]string{msg.String(), cmd.String()}
	}
	db, file := storedFile(t, evs)
	rows, err := db.QueryContext(ctx, `SELECT id, message, process_command_line FROM ev_20261120`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, msg, cmd string
		if err := rows.Scan(&id, &msg, &cmd); err != nil {
			t.Fatal(err)
		}
		n++
		if w := want[id]; msg != w[0] || cmd != w[1] {
			t.Fatalf("event %s: message %d bytes (want %d), command line %d bytes (want %d)", id, len(msg), len(w[0]), len(cmd), len(w[1]))
		}
	}
	if err := rows.Err(); err != nil || n != len(want) {
		t.Fatalf("%d rows of %d: %v", n, len(want), err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("6 events of 1.3 MB: file %d KB", fi.Size()>>10)
}

// storedFile appends evs to a new store, closes it (which checkpoints)
// and opens its DuckDB file directly, to see what was stored and how.
func storedFile(t *testing.T, evs []event.Event) (*sql.DB, string) {
	t.Helper()
	dir := t.TempDir()
	s := openStore(t, dir)
	if _, err := s.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "events.duckdb")
	c, err := duckdb.NewConnector(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db, file
}
