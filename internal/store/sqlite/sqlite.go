// Package sqlite opens EventSec's embedded state store: one SQLite file in
// WAL mode with a single writer connection and a pool of readers. It uses
// the pure-Go modernc.org/sqlite driver (see docs/performance.md for why).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/eventsec/eventsec/internal/store/sqldb"
)

// dialect is SQLite's: "?" placeholders, extended result codes.
var dialect = sqldb.Dialect{
	Name: "sqlite",
	IsUniqueViolation: func(err error) bool {
		var se *sqlite.Error
		if !errors.As(err, &se) {
			return false
		}
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	// TxLazy: in WAL mode, NORMAL appends the commit to the log without
	// syncing it; the next FULL commit (or checkpoint) syncs the log and
	// with it every commit before. SQLite refuses the change inside a
	// transaction, so it is made on the connection around it.
	Lazy: sqldb.LazyCommit{Before: "PRAGMA synchronous = NORMAL", After: "PRAGMA synchronous = FULL"},
}

// Open opens (creating if needed) the database file at path and applies
// pending migrations.
func Open(ctx context.Context, path string) (*sqldb.DB, error) {
	pragmas := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"busy_timeout(10000)",
		"foreign_keys(1)",
		// FULL: a transaction the server acknowledged survives power loss,
		// not only a process crash. State writes are few; the cost is small.
		"synchronous(FULL)",
	} {
		pragmas.Add("_pragma", p)
	}
	writeDSN := "file:" + path + "?" + pragmas.Encode() + "&_txlock=immediate"
	write, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	// One writer: SQLite serialises writes anyway, and one connection turns
	// lock contention into a queue in Go instead of SQLITE_BUSY retries.
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	pragmas.Add("_pragma", "query_only(1)")
	read, err := sql.Open("sqlite", "file:"+path+"?"+pragmas.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("cannot open %s for reading: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db := sqldb.New(read, write, dialect)
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
