package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Retention and reads. Reads name the partitions' tables in their SQL,
// from the list they took at their start (acquire); a read may run
// several queries (a count beside a page, an export's chunks, a KQL
// query compiled over Relation). Retention therefore never drops a table
// a read may still name:
//
//  1. DeleteBefore takes a partition that holds only old events of the
//     org out of parts (retire): reads that start from then on do not see
//     it, and its events count as deleted.
//  2. Its table and its token index rows are dropped, in one transaction,
//     once no read holds the partition any more: at once when none does,
//     else when the last one finishes (dropReady). Reads already under way
//     keep every event they started with: an export is never cut short.
//     Retention does not wait for them, so appends are not held either;
//     the writer logs when a partition has waited retireWarnAfter.
//  3. An event that arrives later for a retired day (an import of old
//     logs, a sender with a wrong clock) makes the partition anew: the old
//     table is dropped in the same transaction as the new rows' append,
//     or, while reads still hold it, emptied instead (those reads see its
//     rows go, they do not fail), so that the old events never come back.
//     The new event is kept until the next retention run.
//
// A retired partition not yet dropped when the process stops is found
// again at the next Open, and the next retention run removes it again.

// retireWarnAfter is how long a retired partition waits for its readers
// before the writer logs it.
const retireWarnAfter = time.Minute

// DeleteBefore implements eventstore.Store. A partition entirely older
// than t is dropped when no other org has events in it (instant, and
// its space is reused); otherwise the org's old rows are deleted. It runs
// in the writer goroutine, between commits; see above for the reads that
// still hold a partition.
func (s *Store) DeleteBefore(ctx context.Context, orgID string, t time.Time) (int64, error) {
	var deleted int64
	err := s.exec(ctx, func(ctx context.Context, conn *sql.Conn) error {
		cut := t.UTC()
		for _, v := range s.partsIn(time.Time{}, cut) {
			n, err := s.deletePartition(ctx, conn, v, orgID, cut)
			deleted += n
			if err != nil {
				return err
			}
		}
		s.dropRetired(ctx)
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
	if others == 0 {
		s.retire(v.p)
		return mine, nil
	}
	if _, err := conn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return 0, fmt.Errorf("cannot begin retention: %w", err)
	}
	rollback := func(err error) (int64, error) {
		conn.ExecContext(ctx, `ROLLBACK`)
		return 0, err
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM `+v.table+` WHERE org_id = ? AND ts < ?`, orgID, cut); err != nil {
		return rollback(fmt.Errorf("cannot delete old events from %s: %w", v.table, err))
	}
	// Seqs never go back, even when the newest events go.
	if err := s.saveLastSeq(ctx, conn); err != nil {
		return rollback(fmt.Errorf("cannot save last seq: %w", err))
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return 0, fmt.Errorf("cannot commit retention: %w", err)
	}
	// The index keeps covering deleted rows: a filter that says "maybe"
	// for a gone row only costs a read.
	var minTS, maxTS sql.NullTime
	var minSeq, maxSeq sql.NullInt64
	err = conn.QueryRowContext(ctx, `SELECT min(ts), max(ts), min(seq), max(seq) FROM `+v.table).Scan(&minTS, &maxTS, &minSeq, &maxSeq)
	s.mu.Lock()
	defer s.mu.Unlock()
	p := v.p
	p.rows = others
	if err == nil {
		p.minTS, p.maxTS, p.minSeq, p.maxSeq = minTS.Time.UnixMicro(), maxTS.Time.UnixMicro(), minSeq.Int64, maxSeq.Int64
	}
	return mine, nil
}

// retire takes a partition out of parts: reads that start from now on
// do not see it. Its table goes when no read holds it (dropRetired).
// Writer only.
func (s *Store) retire(p *partition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parts[p.key] == p {
		delete(s.parts, p.key)
	}
	p.retired, p.retiredAt = true, time.Now()
	s.retired = append(s.retired, p)
}

// retiredOf returns the retired partitions of a key, still there. Writer
// only.
func (s *Store) retiredOf(key string) []*partition {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*partition
	for _, p := range s.retired {
		if p.key == key {
			out = append(out, p)
		}
	}
	return out
}

// held reports whether a read holds any of the partitions.
func (s *Store) held(ps []*partition) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.ContainsFunc(ps, func(p *partition) bool { return p.readers > 0 })
}

// dropRetired drops the tables of the retired partitions that no read
// holds any more, and logs those that have waited long for their
// readers. Writer only: between commits, so that the drop is not in an
// append's transaction.
func (s *Store) dropRetired(ctx context.Context) {
	now := time.Now()
	type waiting struct {
		table   string
		readers int
		since   time.Time
	}
	var waits []waiting
	held := map[string]bool{} // by key: a table goes when no read holds any of its partitions
	s.mu.Lock()
	for _, p := range s.retired {
		held[p.key] = held[p.key] || p.readers > 0
		if p.readers == 0 {
			continue
		}
		if now.Sub(p.retiredAt) >= s.retireWarn && now.Sub(p.warnedAt) >= s.retireWarn {
			p.warnedAt = now
			waits = append(waits, waiting{p.table, p.readers, p.retiredAt})
		}
	}
	s.mu.Unlock()
	for _, w := range waits {
		s.log.Warn("retention waits for reads that still hold a removed partition before dropping it; new reads no longer see it",
			"partition", w.table, "readers", w.readers, "waiting_s", int(now.Sub(w.since).Seconds()))
	}
	var free []string
	for key, h := range held {
		if !h {
			free = append(free, key)
		}
	}
	if len(free) == 0 {
		return
	}
	slices.Sort(free)
	if err := s.dropPartitions(ctx, free); err != nil {
		// Tried again at the next tick, retention run or release.
		s.log.Error("cannot drop the partitions retention removed", "partitions", len(free), "first", partPrefix+free[0], "err", err)
		return
	}
	s.mu.Lock()
	s.retired = slices.DeleteFunc(s.retired, func(p *partition) bool { return slices.Contains(free, p.key) })
	s.mu.Unlock()
}

// dropPartitions drops partitions' tables and their token index, in one
// transaction (one WAL sync for a retention run that drops years).
func (s *Store) dropPartitions(ctx context.Context, keys []string) error {
	conn := s.wconn
	if _, err := conn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return fmt.Errorf("cannot begin retention: %w", err)
	}
	for _, key := range keys {
		if err := dropPartitionIn(ctx, conn, key, false); err != nil {
			conn.ExecContext(ctx, `ROLLBACK`)
			return err
		}
	}
	// Seqs never go back, even when the newest events go.
	if err := s.saveLastSeq(ctx, conn); err != nil {
		conn.ExecContext(ctx, `ROLLBACK`)
		return fmt.Errorf("cannot save last seq: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("cannot commit retention: %w", err)
	}
	return nil
}

// dropPartitionIn drops (or, when empty is set, empties) a partition's
// table and deletes its token index, in the caller's transaction.
func dropPartitionIn(ctx context.Context, e execer, key string, empty bool) error {
	table := partPrefix + key
	q := `DROP TABLE IF EXISTS ` + table
	if empty {
		q = `DELETE FROM ` + table
	}
	if _, err := e.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("cannot drop partition %s: %w", table, err)
	}
	if _, err := e.ExecContext(ctx, `DELETE FROM es_blocks WHERE part = ?`, key); err != nil {
		return fmt.Errorf("cannot drop the index of %s: %w", table, err)
	}
	return nil
}
