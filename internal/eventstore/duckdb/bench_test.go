package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
)

// BenchmarkAppend measures durable Store.Append of realistic batches
// (ns/op is per batch; see the events/s metric).
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1000, 5000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			s, err := Open(context.Background(), Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			g := eventgen.New(eventgen.Options{Count: 10_000_000})
			batches := make([][]event.Event, 20)
			for i := range batches {
				batches[i] = g.Batch(size)
			}
			b.ResetTimer()
			n := 0
			for i := 0; b.Loop(); i++ {
				if i%len(batches) == 0 && i > 0 {
					b.StopTimer()
					for j := range batches {
						batches[j] = g.Batch(size)
					}
					b.StartTimer()
				}
				if _, err := s.Append(context.Background(), batches[i%len(batches)]); err != nil {
					b.Fatal(err)
				}
				n += size
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkInsertVersusAppender is why rows go in through the Appender:
// the same rows, committed 1,000 at a time, as multi-row INSERT statements
// and through the Appender.
func BenchmarkInsertVersusAppender(b *testing.B) {
	ctx := context.Background()
	cols := partColumns()
	const batch = 1000
	rows := benchRows(b, 20*batch)
	for _, mode := range []string{"insert", "appender"} {
		b.Run(mode, func(b *testing.B) {
			c, err := duckdb.NewConnector(filepath.Join(b.TempDir(), "x.duckdb")+"?storage_compatibility_version=v1.5.0", nil)
			if err != nil {
				b.Fatal(err)
			}
			db := sql.OpenDB(c)
			defer db.Close()
			conn, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, createPartitionSQL("ev_x", cols)); err != nil {
				b.Fatal(err)
			}
			one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
			insert := "INSERT INTO ev_x VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", 100), ", ")
			n := 0
			for i := 0; b.Loop(); i++ {
				chunk := rows[(i%20)*batch : (i%20+1)*batch]
				if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
					b.Fatal(err)
				}
				if mode == "insert" {
					for j := 0; j < batch; j += 100 {
						var args []any
						for _, r := range chunk[j : j+100] {
							for _, v := range r {
								args = append(args, v)
							}
						}
						if _, err := conn.ExecContext(ctx, insert, args...); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					if err := appendRowsTo(conn, "ev_x", chunk); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
					b.Fatal(err)
				}
				n += batch
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkSearch measures the index on a needle and a common word over
// 200,000 events.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	g := eventgen.New(eventgen.Options{Count: 200_000, RareEvery: 50_000})
	for range 40 {
		if _, err := s.Append(ctx, g.Batch(5000)); err != nil {
			b.Fatal(err)
		}
	}
	s.sealIdleNow(ctx)
	for _, q := range []string{g.RareToken(), "message:failed", "user.name:jsmith"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(ctx, "default", eventstore.Query{Text: q}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchRows prepares n generated events as partition rows, seq 0..n-1.
func benchRows(b *testing.B, n int) [][]driver.Value {
	b.Helper()
	cols := partColumns()
	g := eventgen.New(eventgen.Options{Count: 10_000_000})
	rows := make([][]driver.Value, n)
	for i := range rows {
		p, err := prepare(g.Next(), time.Now(), cols)
		if err != nil {
			b.Fatal(err)
		}
		p.row[0] = int64(i)
		rows[i] = p.row
	}
	return rows
}

// BenchmarkCommitAndCheckpoint measures, by the process's CPU time, what
// DuckDB spends per row appending and committing 240,000 rows in commits
// of a given size, then checkpointing them, on one or two DuckDB threads:
// a transaction's fixed cost, and the checkpoint's (bimodal on two
// threads, see docs/performance.md). One pass per iteration:
// go test ./internal/eventstore/duckdb -run '^$' -bench CommitAndCheckpoint -benchtime 1x -count 3
func BenchmarkCommitAndCheckpoint(b *testing.B) {
	ctx := context.Background()
	const total = 240_000
	rows := benchRows(b, total)
	cols := partColumns()
	for _, threads := range []int{1, 2} {
		for _, size := range []int{200, 4000} {
			b.Run(fmt.Sprintf("threads=%d/commit=%d", threads, size), func(b *testing.B) {
				var commitCPU, ckCPU, ckWall time.Duration
				passes := 0
				for b.Loop() {
					dsn := filepath.Join(b.TempDir(), "x.duckdb") + fmt.Sprintf("?storage_compatibility_version=v1.5.0&threads=%d&checkpoint_threshold=100GB", threads)
					c, err := duckdb.NewConnector(dsn, nil)
					if err != nil {
						b.Fatal(err)
					}
					db := sql.OpenDB(c)
					conn, err := db.Conn(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := conn.ExecContext(ctx, createPartitionSQL("ev_x", cols)); err != nil {
						b.Fatal(err)
					}
					c0 := processCPU(b)
					for i := 0; i < total; i += size {
						if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
							b.Fatal(err)
						}
						if err := appendRowsTo(conn, "ev_x", rows[i:min(i+size, total)]); err != nil {
							b.Fatal(err)
						}
						if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
							b.Fatal(err)
						}
					}
					c1, w1 := processCPU(b), time.Now()
					if _, err := conn.ExecContext(ctx, "CHECKPOINT"); err != nil {
						b.Fatal(err)
					}
					commitCPU += c1 - c0
					ckCPU += processCPU(b) - c1
					ckWall += time.Since(w1)
					passes++
					conn.Close()
					db.Close()
				}
				perRow := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(passes*total) }
				b.ReportMetric(perRow(commitCPU), "cpu-µs/row-commit")
				b.ReportMetric(perRow(ckCPU), "cpu-µs/row-checkpoint")
				b.ReportMetric(float64(ckWall.Milliseconds())/float64(passes), "ms/checkpoint")
			})
		}
	}
}

// appendRowsTo appends rows to table through DuckDB's Appender, in the
// connection's current transaction.
func appendRowsTo(conn *sql.Conn, table string, rows [][]driver.Value) error {
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := a.AppendRow(r...); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
}

// processCPU is the user and system CPU time the process has used, all
// threads (DuckDB's included).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
