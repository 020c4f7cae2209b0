package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DeleteBefore implements eventstore.Store. A partition entirely older
// than t is dropped when no other org has events in it (instant, and
// its space is reused); otherwise the org's old rows are deleted. It runs
// in the writer goroutine, between commits.
func (s *Store) DeleteBefore(ctx context.Context, orgID string, t time.Time) (int64, error) {
	var deleted int64
	err := s.exec(ctx, func(ctx context.Context, conn *sql.Conn) error {
		cut := t.UTC()
		for _, v := range s.snapshot(time.Time{}, cut) {
			n, err := s.deletePartition(ctx, conn, v, orgID, cut)
			deleted += n
			if err != nil {
				return err
			}
		}
		return nil
	})
	return deleted, err
}

func (s *Store) deletePartition(ctx context.Context, conn *sql.Conn, v partView, orgID string, cut time.Time) (int64, error) {
	var mine, others int64
	err := conn.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE org_id = ? AND ts < ?), count(*) FILTER (WHERE org_id <> ? OR ts >= ?) FROM `+v.table,
		orgID, cut, orgID, cut).Scan(&mine, &others)
	if err != nil {
		return 0, fmt.Errorf("cannot count old events in %s: %w", v.table, err)
	}
	if mine == 0 {
		return 0, nil
	}
	if _, err := conn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return 0, fmt.Errorf("cannot begin retention: %w", err)
	}
	rollback := func(err error) (int64, error) {
		conn.ExecContext(ctx, `ROLLBACK`)
		return 0, err
	}
	if others == 0 {
		if _, err := conn.ExecContext(ctx, `DROP TABLE `+v.table); err != nil {
			return rollback(fmt.Errorf("cannot drop partition %s: %w", v.table, err))
		}
		if _, err := conn.ExecContext(ctx, `DELETE FROM es_blocks WHERE part = ?`, v.p.key); err != nil {
			return rollback(fmt.Errorf("cannot drop the index of %s: %w", v.table, err))
		}
	} else if _, err := conn.ExecContext(ctx, `DELETE FROM `+v.table+` WHERE org_id = ? AND ts < ?`, orgID, cut); err != nil {
		return rollback(fmt.Errorf("cannot delete old events from %s: %w", v.table, err))
	}
	// Seqs never go back, even when the newest events go.
	if err := s.saveLastSeq(ctx, conn); err != nil {
		return rollback(fmt.Errorf("cannot save last seq: %w", err))
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return 0, fmt.Errorf("cannot commit retention: %w", err)
	}
	if others == 0 {
		// A partition made again later must not reuse these blocks.
		s.metaMu.Lock()
		delete(s.metas, v.p.key)
		s.metaMu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if others == 0 {
		delete(s.parts, v.p.key)
		return mine, nil
	}
	// The index keeps covering deleted rows: a filter that says "maybe"
	// for a gone row only costs a read.
	p := v.p
	p.rows = others
	var minTS, maxTS sql.NullTime
	var minSeq, maxSeq sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT min(ts), max(ts), min(seq), max(seq) FROM `+v.table).Scan(&minTS, &maxTS, &minSeq, &maxSeq); err == nil {
		p.minTS, p.maxTS, p.minSeq, p.maxSeq = minTS.Time.UnixMicro(), maxTS.Time.UnixMicro(), minSeq.Int64, maxSeq.Int64
	}
	return mine, nil
}
