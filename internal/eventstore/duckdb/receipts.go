package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore"
)

var (
	_ eventstore.Receipts  = (*Store)(nil)
	_ eventstore.ClientIDs = (*Store)(nil)
)

// Receipt implements eventstore.Receipts. It runs in the writer, between
// commits, so two deliveries of one key cannot both be first; the insert
// commits (and DuckDB syncs its WAL) before the time is returned, so a
// crash after it keeps the receipt.
func (s *Store) Receipt(ctx context.Context, orgID, key string, now time.Time) (time.Time, error) {
	if orgID == "" || key == "" {
		return time.Time{}, errors.New("receipt without an org or a key")
	}
	now = now.UTC().Truncate(time.Microsecond)
	var got time.Time
	err := s.exec(ctx, func(ctx context.Context, conn *sql.Conn) error {
		err := conn.QueryRowContext(ctx, `SELECT received FROM es_receipts WHERE org_id = ? AND key = ?`, orgID, key).Scan(&got)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("cannot read receipt: %w", err)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO es_receipts VALUES (?, ?, ?)`, orgID, key, now); err != nil {
			return fmt.Errorf("cannot write receipt: %w", err)
		}
		got = now
		return nil
	})
	if err != nil {
		return time.Time{}, err
	}
	return got.UTC(), nil
}

// RememberClientIDs implements eventstore.ClientIDs. It runs in the
// writer and commits (DuckDB syncs its WAL) before it returns, so the
// records are durable before the events they date are appended.
func (s *Store) RememberClientIDs(ctx context.Context, ids []eventstore.ClientID) error {
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		if id.OrgID == "" || id.ID == "" {
			return errors.New("client ID record without an org or an ID")
		}
	}
	return s.exec(ctx, func(ctx context.Context, conn *sql.Conn) error {
		var b strings.Builder
		args := make([]any, 0, 4*min(len(ids), clientIDsPerInsert))
		for lo := 0; lo < len(ids); lo += clientIDsPerInsert {
			part := ids[lo:min(lo+clientIDsPerInsert, len(ids))]
			b.Reset()
			args = args[:0]
			b.WriteString(`INSERT OR REPLACE INTO es_client_ids VALUES `)
			for i, id := range part {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?, ?, ?)")
				args = append(args, id.OrgID, id.ID, id.First.UTC().Truncate(time.Microsecond), int64(id.Sum))
			}
			if _, err := conn.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("cannot remember client event IDs: %w", err)
			}
		}
		return nil
	})
}

// clientIDsPerInsert bounds one INSERT's placeholders.
const clientIDsPerInsert = 500

// RecentClientIDs implements eventstore.ClientIDs.
func (s *Store) RecentClientIDs(ctx context.Context, since time.Time, limit int) ([]eventstore.ClientID, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT org_id, id, received, sum FROM (
		SELECT * FROM es_client_ids WHERE received >= ? ORDER BY received DESC, org_id, id LIMIT ?) ORDER BY received, org_id, id`,
		since.UTC().Truncate(time.Microsecond), limit)
	if err != nil {
		return nil, fmt.Errorf("cannot read client event IDs: %w", err)
	}
	defer rows.Close()
	var out []eventstore.ClientID
	for rows.Next() {
		var c eventstore.ClientID
		var sum int64
		if err := rows.Scan(&c.OrgID, &c.ID, &c.First, &sum); err != nil {
			return nil, fmt.Errorf("cannot read client event IDs: %w", err)
		}
		c.First, c.Sum = c.First.UTC(), uint64(sum)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read client event IDs: %w", err)
	}
	return out, nil
}

// pruneReceipts forgets receipts and client ID records older than
// eventstore.ReceiptTTL; it runs in the writer.
func (s *Store) pruneReceipts(ctx context.Context, conn *sql.Conn) {
	cutoff := s.opts.Now().Add(-eventstore.ReceiptTTL).UTC()
	if _, err := conn.ExecContext(ctx, `DELETE FROM es_receipts WHERE received < ?`, cutoff); err != nil {
		s.log.Error("cannot prune idempotency receipts", "err", err)
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM es_client_ids WHERE received < ?`, cutoff); err != nil {
		s.log.Error("cannot prune client event IDs", "err", err)
	}
}
