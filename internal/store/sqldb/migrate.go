package sqldb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded, append-only schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the dialect's migrations in order. A file named
// NNNN_name.sql applies to every dialect; NNNN_name.<dialect>.sql to one.
func (db *DB) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot read migrations: %w", err)
	}
	seen := map[int]string{}
	var out []migration
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".sql")
		if i := strings.IndexByte(base, '.'); i >= 0 {
			if base[i+1:] != db.d.Name {
				continue
			}
			base = base[:i]
		}
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("cannot parse migration name %q: want NNNN_name.sql", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("cannot read migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Version int
	Name    string
	Applied bool
}

// Migrate applies every pending migration, each in its own transaction,
// and returns the ones it applied.
func (db *DB) Migrate(ctx context.Context) ([]MigrationStatus, error) {
	all, err := db.migrations()
	if err != nil {
		return nil, err
	}
	var applied []MigrationStatus
	for _, m := range all {
		done, err := db.applyOne(ctx, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, MigrationStatus{Version: m.version, Name: m.name, Applied: true})
		}
	}
	return applied, nil
}

func (db *DB) applyOne(ctx context.Context, m migration) (bool, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("cannot begin migration %s: %w", m.name, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	rp := repos{r: tx, w: tx, d: db.d}
	if db.d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, db.d.MigrationLock); err != nil {
			return false, fmt.Errorf("cannot lock migrations: %w", err)
		}
	}
	// Created under the lock: concurrent CREATE TABLE IF NOT EXISTS can
	// still collide in PostgreSQL's catalogue.
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return false, fmt.Errorf("cannot create schema_migrations: %w", err)
	}
	var n int
	if err := rp.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
		return false, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("cannot apply migration %s: %w", m.name, err)
	}
	if _, err := rp.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return false, fmt.Errorf("cannot record migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("cannot commit migration %s: %w", m.name, err)
	}
	return true, nil
}

// Status lists every known migration and whether it is applied.
func (db *DB) Status(ctx context.Context) ([]MigrationStatus, error) {
	all, err := db.migrations()
	if err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	rows, err := db.read.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err == nil {
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
			}
			applied[v] = true
		}
		rows.Close()
	}
	out := make([]MigrationStatus, 0, len(all))
	for _, m := range all {
		out = append(out, MigrationStatus{Version: m.version, Name: m.name, Applied: applied[m.version]})
	}
	return out, nil
}
