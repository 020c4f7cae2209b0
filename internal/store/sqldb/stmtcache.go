package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite prepares a statement on every Exec and Query: in the detection
// commit (an alert lookup, an update and the rule statistics per match)
// preparing was a sixth of the transaction's CPU at 10,000 events/s. A
// transaction on SQLite therefore runs its statements from a cache of
// statements prepared on the (single) writer connection; database/sql
// reuses a statement already prepared on the transaction's connection.
// PostgreSQL's driver (pgx) caches prepared statements itself.

// maxCachedStmts bounds the cache: statements built with a variable
// number of placeholders beyond it are prepared each time as before.
const maxCachedStmts = 512

type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// get returns the cached statement for query, or nil. A query not yet
// cached is noted in missed: it cannot be prepared on the pool while the
// transaction holds the writer connection (the pool's only one), so it
// is prepared after the transaction (prepare).
func (c *stmtCache) get(query string, missed *[]string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m)+len(*missed) < maxCachedStmts {
		*missed = append(*missed, query)
	}
	return nil
}

// prepare caches the statements a transaction missed, once the writer
// connection is free again. A statement that cannot be prepared is left
// out: its query runs as before and reports its own error.
func (c *stmtCache) prepare(ctx context.Context, queries []string) {
	for _, q := range queries {
		c.mu.Lock()
		_, ok := c.m[q]
		full := len(c.m) >= maxCachedStmts
		c.mu.Unlock()
		if ok || full {
			continue
		}
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok {
			_ = st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}

// cachedTx runs a transaction's statements from the cache.
type cachedTx struct {
	tx     *sql.Tx
	c      *stmtCache
	missed *[]string
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.c.get(query, t.missed); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.c.get(query, t.missed); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.c.get(query, t.missed); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
