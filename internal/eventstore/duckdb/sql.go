package duckdb

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Relation returns a SQL relation (usable after FROM) of the org's events
// whose @timestamp is in [from, to] (zero: unbounded), over the partitions
// that can hold them, with the partition columns (seq, id, org_id, ts,
// ingested, input, the typed ECS columns, message_words, fields, raw).
// Query compilers (KQL) build on it; the org and the range are bound
// parameters, and the table names come from the store itself.
func (s *Store) Relation(orgID string, from, to time.Time) (string, []any) {
	parts := s.snapshot(from, to)
	where := "org_id = ?"
	cond := []any{orgID}
	if !from.IsZero() {
		where += " AND ts >= ?"
		cond = append(cond, from.UTC())
	}
	if !to.IsZero() {
		where += " AND ts <= ?"
		cond = append(cond, to.UTC())
	}
	if len(parts) == 0 {
		return emptyRelation(), nil
	}
	var b strings.Builder
	var args []any
	b.WriteByte('(')
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" UNION ALL BY NAME ")
		}
		b.WriteString("SELECT * FROM " + p.table + " WHERE " + where)
		args = append(args, cond...)
	}
	b.WriteByte(')')
	return b.String(), args
}

// emptyRelation has the partition columns and no rows.
func emptyRelation() string {
	var b strings.Builder
	b.WriteString("(SELECT ")
	for i, c := range partColumns() {
		if i > 0 {
			b.WriteString(", ")
		}
		typ, _, _ := strings.Cut(c.sqlType, " ")
		b.WriteString("CAST(NULL AS " + typ + ") AS " + c.name)
	}
	b.WriteString(" WHERE false)")
	return b.String()
}

// QuerySQL runs a read-only query that EventSec's query compilers built
// over Relation, on the store's reader connections.
func (s *Store) QuerySQL(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, query, args...)
}
