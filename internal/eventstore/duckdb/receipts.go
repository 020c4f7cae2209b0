package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore"
)

var _ eventstore.Receipts = (*Store)(nil)

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

// pruneReceipts forgets receipts older than eventstore.ReceiptTTL; it runs
// in the writer.
func (s *Store) pruneReceipts(ctx context.Context, conn *sql.Conn) {
	cutoff := s.opts.Now().Add(-eventstore.ReceiptTTL).UTC()
	if _, err := conn.ExecContext(ctx, `DELETE FROM es_receipts WHERE received < ?`, cutoff); err != nil {
		s.log.Error("cannot prune idempotency receipts", "err", err)
	}
}
