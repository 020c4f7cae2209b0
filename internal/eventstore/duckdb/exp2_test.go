package duckdb

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore"
)

func TestExpQuery(t *testing.T) {
	dir := os.Getenv("EXPDIR")
	if dir == "" {
		t.Skip()
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	q := eventstore.Query{Text: os.Getenv("EXPQ")}
	pl, err := s.plan(ctx, "default", q)
	if err != nil {
		t.Fatal(err)
	}
	mode := os.Getenv("EXPMODE")
	var sql string
	var args []any
	switch mode {
	case "count":
		u, a := pl.union("count(*) AS n", "", nil)
		sql, args = "SELECT coalesce(sum(n), 0)::BIGINT FROM ("+u+")", a
	case "page":
		u, a := pl.union("{part} AS part, seq, ts", "", nil)
		sql, args = "SELECT part, seq, ts FROM ("+u+") ORDER BY ts DESC, seq DESC LIMIT ?", append(a, 51)
	default:
		sql = os.Getenv("EXPSQL")
	}
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		rows, err := s.db.QueryContext(ctx, sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		fmt.Println(mode, time.Since(t0), n)
	}
	rows, err := s.db.QueryContext(ctx, "EXPLAIN ANALYZE "+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a, b string
		rows.Scan(&a, &b)
		fmt.Println(b)
	}
	rows.Close()
}
