package hunt

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/eventsec/eventsec/internal/query/kql"
)

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// querier adapts the event store to kql.Querier.
type querier struct{ ev Events }

func (q querier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.ev.QuerySQL(ctx, query, args...)
}

// runCompiled compiles a parsed query and runs it, returning at most
// limit rows (Truncated says when there were more).
func runCompiled(ctx context.Context, ev Events, q *kql.Query, cat kql.Catalog, now time.Time, limit int) (Result, error) {
	var res Result
	c, err := kql.Compile(q, cat, kql.Options{Now: now})
	if err != nil {
		return res, err
	}
	if ev == nil {
		return res, fmt.Errorf("the event store is not available")
	}
	out, err := kql.Run(ctx, querier{ev}, c, kql.RunOptions{MaxRows: limit})
	if err != nil {
		if _, isKQL := kql.AsError(err); isKQL || ctx.Err() != nil {
			return res, err
		}
		return res, fmt.Errorf("query failed: %w", err)
	}
	res.Columns, res.Truncated = out.Columns, out.Truncated
	for _, s := range c.Scans {
		res.Stats.Scanned += s.Rows
	}
	res.Rows = out.Rows
	for _, row := range res.Rows {
		for i, v := range row {
			if t, ok := v.(time.Time); ok {
				row[i] = t.UTC().Format(time.RFC3339Nano)
			}
		}
	}
	if res.Rows == nil {
		res.Rows = [][]any{}
	}
	return res, nil
}
