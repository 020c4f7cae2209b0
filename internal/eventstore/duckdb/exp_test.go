package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/eventsec/eventsec/bench/events/eventgen"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestExpCommit(t *testing.T) {
	if os.Getenv("EXP") == "" {
		t.Skip()
	}
	ctx := context.Background()
	g := eventgen.New(eventgen.Options{Count: 2000000})
	cols := partColumns()
	var rows [][]driver.Value
	for i := 0; i < 240000; i++ {
		ev := g.Next()
		p, _ := prepare(ev, time.Now(), cols)
		p.row[0] = int64(i + 1)
		rows = append(rows, p.row)
	}
	for _, tc := range []struct {
		name   string
		per    int
		drop   string
		nozstd bool
	}{
		{"commit-20k", 20000, "", false},
		{"commit-240k", 240000, "", false},
		{"commit-20k-nowords", 20000, "message_words", false},
		{"commit-20k-fsst", 20000, "", true},
	} {
		dir := t.TempDir()
		c, _ := duckdb.NewConnector(filepath.Join(dir, "x.duckdb")+"?storage_compatibility_version=v1.5.0&checkpoint_threshold=1GB", nil)
		db := sql.OpenDB(c)
		conn, _ := db.Conn(ctx)
		mycols := cols
		idx := -1
		if tc.drop != "" {
			mycols = nil
			for i, c := range cols {
				if c.name == tc.drop {
					idx = i
					continue
				}
				mycols = append(mycols, c)
			}
		}
		if tc.nozstd {
			mycols = append([]column{}, mycols...)
			for i := range mycols {
				mycols[i].compression = ""
			}
		}
		if _, err := conn.ExecContext(ctx, createPartitionSQL("ev_x", mycols)); err != nil {
			t.Fatal(err)
		}
		c0, w0 := cpuNow(), time.Now()
		var tApp, tCommit time.Duration
		for i := 0; i < len(rows); i += tc.per {
			conn.ExecContext(ctx, "BEGIN")
			t1 := time.Now()
			err := conn.Raw(func(dc any) error {
				a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "ev_x")
				if err != nil {
					return err
				}
				for _, r := range rows[i : i+tc.per] {
					if idx >= 0 {
						r = append(append([]driver.Value{}, r[:idx]...), r[idx+1:]...)
					}
					if err := a.AppendRow(r...); err != nil {
						return err
					}
				}
				return a.Close()
			})
			if err != nil {
				t.Fatal(err)
			}
			tApp += time.Since(t1)
			t2 := time.Now()
			if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
				t.Fatal(err)
			}
			tCommit += time.Since(t2)
		}
		c1, w1 := cpuNow(), time.Now()
		conn.ExecContext(ctx, "CHECKPOINT")
		c2, w2 := cpuNow(), time.Now()
		st, _ := os.Stat(filepath.Join(dir, "x.duckdb"))
		n := float64(len(rows))
		t.Logf("%-22s append+commit: cpu %.1f µs/ev wall %.1f µs/ev (append %.1f commit %.1f) | checkpoint cpu %.1f µs/ev wall %.1f | %.0f B/ev",
			tc.name, float64((c1-c0).Microseconds())/n, float64(w1.Sub(w0).Microseconds())/n, float64(tApp.Microseconds())/n, float64(tCommit.Microseconds())/n,
			float64((c2-c1).Microseconds())/n, float64(w2.Sub(w1).Microseconds())/n, float64(st.Size())/n)
		conn.Close()
		db.Close()
	}
	_ = strings.Join
}
