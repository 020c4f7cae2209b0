// Package postgres opens EventSec's state store on PostgreSQL, through pgx.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/eventsec/eventsec/internal/store/sqldb"
)

var dialect = sqldb.Dialect{
	Name:     "postgres",
	Numbered: true,
	IsUniqueViolation: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23505"
	},
	// deadlock_detected, serialization_failure: rows read FOR UPDATE in
	// transactions (see sqldb.repos.forUpdate) can meet in opposite orders.
	IsBusy: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
	},
	// A transaction-scoped advisory lock: several servers starting at once
	// apply each migration exactly once.
	MigrationLock: "SELECT pg_advisory_xact_lock(7466572756397323)",
	// TxLazy: an asynchronous commit; the server writes its WAL record
	// out within three wal_writer_delay, or with the next synchronous
	// commit, whichever comes first.
	Lazy: sqldb.LazyCommit{InTx: "SET LOCAL synchronous_commit = off"},
}

// Open connects to the database at url (postgres://...) and applies pending
// migrations.
func Open(ctx context.Context, url string) (*sqldb.DB, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("cannot open PostgreSQL: %w", err)
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot connect to PostgreSQL: %w", err)
	}
	db := sqldb.New(pool, pool, dialect)
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
