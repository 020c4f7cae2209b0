package kql

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// testNow is the fixed now() of the semantics tests.
var testNow = time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)

func openDuck(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := RegisterDuckDB(conn); err != nil {
		t.Fatal(err)
	}
	return db
}

// runKQL parses, compiles against cat and runs on db.
func runKQL(t testing.TB, db *sql.DB, cat Catalog, src string) (*Result, *Compiled, error) {
	t.Helper()
	q, err := Parse(src)
	if err != nil {
		return nil, nil, err
	}
	c, err := Compile(q, cat, Options{Now: testNow})
	if err != nil {
		return nil, nil, err
	}
	r, err := Run(context.Background(), db, c, RunOptions{MaxRows: 1000})
	return r, c, err
}

// rowsJSON renders rows compactly for comparison.
func rowsJSON(r *Result) string {
	b, _ := json.Marshal(r.Rows)
	return string(b)
}
