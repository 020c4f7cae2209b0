// Package sqldb implements store.Store over database/sql for the SQL
// backends. The SQL is written once with "?" placeholders and portable
// types; a Dialect supplies what differs (placeholders, error codes,
// migration locking). The sqlite and postgres packages open connections
// and hand them here.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// Dialect describes what differs between SQL backends.
type Dialect struct {
	// Name is "sqlite" or "postgres"; migration files named
	// NNNN_x.<Name>.sql apply to that dialect only.
	Name string
	// Numbered placeholders ($1, $2...) instead of "?".
	Numbered bool
	// IsUniqueViolation reports whether err is a unique-constraint violation.
	IsUniqueViolation func(error) bool
	// IsBusy reports whether err says the transaction lost to a concurrent
	// one (deadlock, serialization failure); nil: never.
	IsBusy func(error) bool
	// MigrationLock, when set, runs first in the migration transaction so
	// that two processes never migrate at once.
	MigrationLock string
	// Lazy says how TxLazy's commit skips waiting for the disk.
	Lazy LazyCommit
}

// LazyCommit is the SQL that makes a transaction's commit skip waiting
// for the disk: Before runs on the connection before the transaction and
// After once it ended (a connection setting, which SQLite does not let
// change inside one); InTx runs first inside it (a transaction-scoped
// one).
type LazyCommit struct{ Before, After, InTx string }

// DB is a store.Store over a reader pool and a writer pool (the same pool
// for backends with real concurrency control).
type DB struct {
	read, write *sql.DB
	d           *Dialect
	stmts       *stmtCache // SQLite only: see stmtcache.go
	repos
}

var _ store.Store = (*DB)(nil)

// New returns a store over the given pools. Call Migrate before use.
func New(read, write *sql.DB, d Dialect) *DB {
	db := &DB{read: read, write: write, d: &d}
	db.repos = repos{r: read, w: write, d: db.d}
	if d.Name == "sqlite" {
		db.stmts = newStmtCache(write)
	}
	return db
}

// Tx implements store.Store.
func (db *DB) Tx(ctx context.Context, fn func(store.Repos) error) error {
	return db.tx(ctx, "", fn)
}

// TxLazy implements store.Store.
func (db *DB) TxLazy(ctx context.Context, fn func(store.Repos) error) error {
	l := db.d.Lazy
	if l.Before == "" {
		return db.tx(ctx, l.InTx, fn)
	}
	missed, err := db.runOnConn(ctx, l, fn)
	// After the connection went back: SQLite's writer pool holds one.
	db.prepare(ctx, missed)
	return err
}

// tx runs fn in a transaction of the writer pool, after first (when set).
func (db *DB) tx(ctx context.Context, first string, fn func(store.Repos) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot begin transaction: %w", err)
	}
	if first != "" {
		if _, err := tx.ExecContext(ctx, first); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("cannot begin transaction: %w", err)
		}
	}
	missed, err := db.run(ctx, tx, fn)
	db.prepare(ctx, missed)
	return err
}

// runOnConn runs fn in a transaction on a connection of its own that
// l.Before and l.After set and reset.
func (db *DB) runOnConn(ctx context.Context, l LazyCommit, fn func(store.Repos) error) ([]string, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot begin transaction: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, l.Before); err != nil {
		return nil, fmt.Errorf("cannot begin transaction: %w", err)
	}
	defer func() {
		// The connection goes back to the pool only with its durable
		// setting: the next Tx on it must wait for the disk. One that
		// cannot be reset is thrown away.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), l.After); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot begin transaction: %w", err)
	}
	return db.run(ctx, tx, fn)
}

// run runs fn in tx and commits it, or rolls it back when fn fails. It
// returns the statements the cache should prepare (SQLite).
func (db *DB) run(ctx context.Context, tx *sql.Tx, fn func(store.Repos) error) ([]string, error) {
	var q querier = tx
	var missed []string
	if db.stmts != nil {
		q = cachedTx{tx: tx, c: db.stmts, missed: &missed}
	}
	if err := fn(repos{r: q, w: q, d: db.d, tx: true}); err != nil {
		_ = tx.Rollback()
		return missed, db.busy(err)
	}
	if err := tx.Commit(); err != nil {
		return missed, db.busy(fmt.Errorf("cannot commit transaction: %w", err))
	}
	return missed, nil
}

// prepare has the statement cache prepare what a transaction missed.
func (db *DB) prepare(ctx context.Context, missed []string) {
	if db.stmts != nil && len(missed) > 0 {
		db.stmts.prepare(context.WithoutCancel(ctx), missed)
	}
}

// busy marks an error that says the transaction lost to a concurrent one
// as store.ErrBusy, so that callers can tell it from a failure.
func (db *DB) busy(err error) error {
	if db.d.IsBusy != nil && db.d.IsBusy(err) && !errors.Is(err, store.ErrBusy) {
		return fmt.Errorf("%w: %w", store.ErrBusy, err)
	}
	return err
}

// Ping implements store.Store.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return db.write.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close implements store.Store.
func (db *DB) Close() error {
	if db.stmts != nil {
		db.stmts.close()
	}
	err := db.read.Close()
	if db.write != db.read {
		err = errors.Join(err, db.write.Close())
	}
	return err
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// repos runs reads on r and writes on w (both the transaction inside Tx).
type repos struct {
	r, w querier
	d    *Dialect
	tx   bool // inside Tx
}

// forUpdate ends the read of a record a transaction may write back whole
// (Get, then Update): on PostgreSQL the row stays locked until the
// transaction ends, so that two read-modify-writes of it (detection
// folding a repeat into an alert, an analyst changing its status) run
// one after the other instead of the later write undoing the earlier
// one. SQLite runs one write transaction at a time already.
func (rp repos) forUpdate() string {
	if rp.tx && rp.d.Name == "postgres" {
		return " FOR UPDATE"
	}
	return ""
}

func (rp repos) Orgs() store.OrgStore               { return orgs{rp} }
func (rp repos) Users() store.UserStore             { return users{rp} }
func (rp repos) Groups() store.GroupStore           { return groups{rp} }
func (rp repos) APIKeys() store.APIKeyStore         { return apiKeys{rp} }
func (rp repos) Sessions() store.SessionStore       { return sessions{rp} }
func (rp repos) Audit() store.AuditStore            { return auditLog{rp} }
func (rp repos) Rules() store.RuleStore             { return rules{rp} }
func (rp repos) Alerts() store.AlertStore           { return alerts{rp} }
func (rp repos) Checkpoints() store.CheckpointStore { return checkpoints{rp} }
func (rp repos) Hunts() store.HuntStore             { return hunts{rp} }
func (rp repos) Intel() store.IntelStore            { return intelRepo{rp} }
func (rp repos) Endpoints() store.EndpointStore     { return endpoints{rp} }
func (rp repos) Incidents() store.IncidentStore     { return incidents{rp} }
func (rp repos) Tasks() store.TaskStore             { return tasks{rp} }
func (rp repos) Workplans() store.WorkplanStore     { return workplans{rp} }
func (rp repos) Notes() store.NoteStore             { return notes{rp} }
func (rp repos) Playbooks() store.PlaybookStore     { return playbooks{rp} }
func (rp repos) Responses() store.ResponseStore     { return responses{rp} }
func (rp repos) Handovers() store.HandoverStore     { return handovers{rp} }
func (rp repos) History() store.HistoryStore        { return history{rp} }
func (rp repos) SLA() store.SLAStore                { return slaPolicies{rp} }
func (rp repos) Notify() store.NotifyStore          { return notifyRepo{rp} }
func (rp repos) Sandbox() store.SandboxStore        { return sandboxRepo{rp} }
func (rp repos) Email() store.EmailStore            { return emailRepo{rp} }

// q rewrites "?" placeholders for the dialect.
func (rp repos) q(query string) string {
	if !rp.d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (rp repos) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := rp.w.ExecContext(ctx, rp.q(query), args...)
	if err != nil && rp.d.IsUniqueViolation(err) {
		return nil, fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return res, err
}

// execOne runs a write that must change exactly one row.
func (rp repos) execOne(ctx context.Context, query string, args ...any) error {
	res, err := rp.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (rp repos) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return rp.r.QueryContext(ctx, rp.q(query), args...)
}

func (rp repos) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return rp.r.QueryRowContext(ctx, rp.q(query), args...)
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMs(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMs(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// nullStr stores "" as NULL: nullable text columns added to old tables
// keep NULL for "none", as their rows from before have.
func nullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func fromNullMs(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMs(v.Int64)
	return &t
}

// ExecRaw runs a statement on the writer, for administration and for tests
// that must change rows behind the store's back.
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, repos{d: db.d}.q(query), args...)
	return err
}

// QueryRowRaw runs a query on the writer, for administration and for
// tests that read a connection's settings.
func (db *DB) QueryRowRaw(ctx context.Context, query string, args ...any) *sql.Row {
	return db.write.QueryRowContext(ctx, repos{d: db.d}.q(query), args...)
}
