// Command sqlitedriver compares the two mature Go SQLite drivers on the
// state store's workload: small durable write transactions (users, audit
// entries) and concurrent point reads by primary key (every authenticated
// request reads its user). It decided the driver EventSec uses; run it with
// `make bench-sqlite`. It is a separate module so that the cgo driver never
// enters the server's dependencies.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3"
	_ "modernc.org/sqlite"
)

func main() {
	writes := flag.Int("writes", 2000, "write transactions")
	readFor := flag.Duration("read-for", 3*time.Second, "length of the read phase")
	readers := flag.Int("readers", 8, "concurrent readers")
	flag.Parse()
	fmt.Printf("%-28s %14s %14s %16s\n", "driver", "writes/s", "reads/s", "binary-size-note")
	for _, d := range []struct{ name, driver, dsn string }{
		{"modernc.org/sqlite (pure Go)", "sqlite", "file:%s?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_txlock=immediate"},
		{"mattn/go-sqlite3 (cgo)", "sqlite3", "file:%s?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate"},
	} {
		w, r, err := measure(d.driver, d.dsn, *writes, *readers, *readFor)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", d.name, err)
			os.Exit(1)
		}
		note := "no C toolchain"
		if d.driver == "sqlite3" {
			note = "needs cgo"
		}
		fmt.Printf("%-28s %14.0f %14.0f %16s\n", d.name, w, r, note)
	}
}

func measure(driver, dsnFmt string, writes, readers int, readFor time.Duration) (float64, float64, error) {
	dir, err := os.MkdirTemp("", "sqlitedriver-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open(driver, fmt.Sprintf(dsnFmt, filepath.Join(dir, "bench.db")))
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE users (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL)`); err != nil {
		return 0, 0, err
	}
	t0 := time.Now()
	for i := 0; i < writes; i++ {
		tx, err := db.Begin()
		if err != nil {
			return 0, 0, err
		}
		if _, err := tx.Exec(`INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)`, fmt.Sprintf("u%06d", i), "org",
			fmt.Sprintf("user%d@example.com", i), "Name", "analyst", "$argon2id$v=19$m=19456,t=2,p=1$abc$def", time.Now().UnixMilli()); err != nil {
			return 0, 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, 0, err
		}
	}
	wps := float64(writes) / time.Since(t0).Seconds()

	rdb, err := sql.Open(driver, fmt.Sprintf(dsnFmt, filepath.Join(dir, "bench.db")))
	if err != nil {
		return 0, 0, err
	}
	defer rdb.Close()
	rdb.SetMaxOpenConns(readers)
	rdb.SetMaxIdleConns(readers)
	var n atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	deadline := time.Now().Add(readFor)
	t0 = time.Now()
	for g := 0; g < readers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; time.Now().Before(deadline); i += readers {
				var email, role string
				err := rdb.QueryRow(`SELECT email, role FROM users WHERE id = ? AND org_id = ?`, fmt.Sprintf("u%06d", i%writes), "org").Scan(&email, &role)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				n.Add(1)
			}
		}(g)
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return 0, 0, e.(error)
	}
	return wps, float64(n.Load()) / time.Since(t0).Seconds(), nil
}
