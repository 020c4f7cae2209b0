package sqldb

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/eventsec/eventsec/internal/store"
)

// On SQLite the writer pool has one connection, which a transaction
// holds: statements are prepared after it, cached, and reused by the next
// transactions; nothing waits for a connection that cannot come.
func TestStmtCacheSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	write, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	write.SetMaxOpenConns(1)
	db := New(write, write, Dialect{Name: "sqlite", IsUniqueViolation: func(error) bool { return false }})
	defer db.Close()
	if _, err := write.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	run := func(i int) {
		err := db.Tx(ctx, func(r store.Repos) error {
			rp := r.(repos)
			if _, err := rp.exec(ctx, `INSERT INTO kv VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = v + excluded.v`, "a", i); err != nil {
				return err
			}
			var v int
			return rp.queryRow(ctx, `SELECT v FROM kv WHERE k = ?`, "a").Scan(&v)
		})
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	run(1)
	if n := len(db.stmts.m); n != 2 {
		t.Fatalf("%d statements cached after the first transaction, want 2", n)
	}
	for i := 2; i <= 50; i++ {
		run(i)
	}
	if n := len(db.stmts.m); n != 2 {
		t.Fatalf("%d statements cached, want 2", n)
	}
	var v int
	if err := write.QueryRow(`SELECT v FROM kv WHERE k = 'a'`).Scan(&v); err != nil || v != 50*51/2 {
		t.Fatalf("v = %d, %v", v, err)
	}
	// A failing transaction leaves the cache usable.
	if err := db.Tx(ctx, func(r store.Repos) error {
		_, err := r.(repos).exec(ctx, `INSERT INTO nope VALUES (1)`)
		return err
	}); err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	run(51)
}
