package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"strings"
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
	g := eventgen.New(eventgen.Options{Count: 10_000_000})
	const batch = 1000
	rows := make([][]driver.Value, 20*batch)
	for i := range rows {
		p, err := prepare(g.Next(), time.Now(), cols)
		if err != nil {
			b.Fatal(err)
		}
		p.row[0] = int64(i)
		rows[i] = p.row
	}
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
					err := conn.Raw(func(dc any) error {
						a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "ev_x")
						if err != nil {
							return err
						}
						for _, r := range chunk {
							if err := a.AppendRow(r...); err != nil {
								return err
							}
						}
						return a.Close()
					})
					if err != nil {
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
