package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
)

// One goroutine writes. Append calls queue requests; the writer merges
// whatever is queued (up to MaxBatch events) into one transaction: one
// WAL fsync for all of them (group commit), each caller released once the
// COMMIT returned, i.e. once DuckDB synced its WAL (WriteAheadLog::Flush
// ends with writer->Sync(); row groups written straight to the database
// file by large appends are synced before the WAL references them). A
// process killed after Append returned loses nothing: see
// TestCrashAfterAppend.

type request struct {
	evs      []prepared
	job      func(ctx context.Context, conn *sql.Conn) error
	done     chan result
	canceled atomic.Bool
}

type result struct {
	res eventstore.AppendResult
	err error
}

// idleSeal is how long a partition's open block waits for more rows
// before it is sealed anyway (so that searches of quiet days use the
// index for every row).
const idleSeal = time.Minute

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, evs []event.Event) (eventstore.AppendResult, error) {
	if s.closed.Load() {
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	if len(evs) == 0 {
		return eventstore.AppendResult{}, nil
	}
	now := s.opts.Now()
	preps := make([]prepared, len(evs))
	for i, ev := range evs {
		p, err := prepare(ev, now, s.cols)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("%w: event %d: %v", eventstore.ErrInvalidEvent, i, err)
		}
		preps[i] = p
	}
	r := &request{evs: preps, done: make(chan result, 1)}
	return s.submit(ctx, r)
}

// exec runs fn in the writer goroutine, between commits.
func (s *Store) exec(ctx context.Context, fn func(ctx context.Context, conn *sql.Conn) error) error {
	if s.closed.Load() {
		return eventstore.ErrClosed
	}
	_, err := s.submit(ctx, &request{job: fn, done: make(chan result, 1)})
	return err
}

func (s *Store) submit(ctx context.Context, r *request) (eventstore.AppendResult, error) {
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		return eventstore.AppendResult{}, ctx.Err()
	case <-s.done:
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	select {
	case res := <-r.done:
		return res.res, res.err
	case <-ctx.Done():
		// The writer may still commit the events; a retry is deduplicated.
		r.canceled.Store(true)
		return eventstore.AppendResult{}, ctx.Err()
	case <-s.done:
		select {
		case res := <-r.done:
			return res.res, res.err
		default:
			return eventstore.AppendResult{}, eventstore.ErrClosed
		}
	}
}

func (s *Store) writer() {
	defer close(s.done)
	ctx := s.ctx
	s.nextSeq = s.lastSeq.Load() + 1
	if err := s.indexTails(ctx); err != nil {
		s.log.Error("cannot index unindexed rows", "err", err)
	}
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	var pending *request
	var lastPrune time.Time
	for {
		var r *request
		if pending != nil {
			r, pending = pending, nil
		} else {
			select {
			case r = <-s.reqs:
			case <-s.dropReady:
				s.dropRetired(ctx)
				continue
			case <-tick.C:
				s.sealIdle(ctx, idleSeal)
				// Drops that failed, and partitions that wait long.
				s.dropRetired(ctx)
				if time.Since(lastPrune) >= time.Hour {
					s.pruneReceipts(ctx, s.wconn)
					lastPrune = time.Now()
				}
				continue
			case <-s.quit:
				s.shutdown(ctx)
				return
			}
		}
		if r.job != nil {
			if r.canceled.Load() {
				r.done <- result{err: context.Canceled}
				continue
			}
			r.done <- result{err: r.job(ctx, s.wconn)}
			continue
		}
		batch := []*request{r}
		n := len(r.evs)
	merge:
		for n < s.opts.MaxBatch {
			select {
			case r2 := <-s.reqs:
				if r2.job != nil {
					pending = r2
					break merge
				}
				batch = append(batch, r2)
				n += len(r2.evs)
			default:
				break merge
			}
		}
		s.commit(ctx, batch)
	}
}

// shutdown finishes queued work, seals the index and checkpoints.
func (s *Store) shutdown(ctx context.Context) {
	for {
		select {
		case r := <-s.reqs:
			if r.job != nil {
				r.done <- result{err: r.job(ctx, s.wconn)}
			} else {
				s.commit(ctx, []*request{r})
			}
			continue
		default:
		}
		break
	}
	s.dropRetired(ctx)
	s.mu.RLock()
	if n := len(s.retired); n > 0 {
		s.log.Info("partitions retention removed are still read; they are removed again at the next retention run", "partitions", n)
	}
	s.mu.RUnlock()
	s.sealIdle(ctx, 0)
	if err := s.saveLastSeq(ctx, s.wconn); err != nil {
		s.log.Error("cannot save last seq", "err", err)
	}
	<-s.ckDone // the background checkpointer has stopped
	if _, err := s.wconn.ExecContext(ctx, `CHECKPOINT`); err != nil {
		s.log.Error("cannot checkpoint event store", "err", err)
	}
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) saveLastSeq(ctx context.Context, e execer) error {
	_, err := e.ExecContext(ctx, `INSERT OR REPLACE INTO es_meta VALUES ('last_seq', ?)`, strconv.FormatInt(s.lastSeq.Load(), 10))
	return err
}

// item is one event of a commit.
type item struct {
	*prepared
	req int // index of its request in the batch
	dup bool
}

// commit appends a batch of requests in one transaction.
func (s *Store) commit(ctx context.Context, batch []*request) {
	results := make([]result, len(batch))
	total := 0
	for _, r := range batch {
		total += len(r.evs)
	}
	// One allocation for the batch's items, and their identities as map
	// keys without building a string per event.
	all := make([]item, 0, total)
	items := make([]*item, 0, total)
	type identity struct{ org, id string }
	seen := make(map[identity]struct{}, total)
	for ri, r := range batch {
		if r.canceled.Load() {
			results[ri].err = context.Canceled
			continue
		}
		for i := range r.evs {
			all = append(all, item{prepared: &r.evs[i], req: ri})
			it := &all[len(all)-1]
			k := identity{it.ev.OrgID, it.ev.ID}
			if _, dup := seen[k]; dup {
				it.dup = true
			}
			seen[k] = struct{}{}
			items = append(items, it)
		}
	}
	err := s.appendItems(ctx, items)
	for _, it := range items {
		res := &results[it.req]
		if it.dup {
			res.res.Duplicates++
			continue
		}
		res.res.Stored = append(res.res.Stored, it.ev)
	}
	for ri, r := range batch {
		if err != nil && results[ri].err == nil {
			results[ri] = result{err: err}
		}
		r.done <- results[ri]
	}
}

// pendingPart is what a commit changes in a partition, published once
// the commit succeeded.
type pendingPart struct {
	p       *partition
	created bool
	// replaces are the retired partitions of the same day whose table is
	// still there: dropped (emptied while reads hold them) in the
	// append's transaction, so that their events do not come back.
	replaces []*partition
	items    []*item
	sealed   []*block
	open     *openBlock
}

func (s *Store) appendItems(ctx context.Context, items []*item) (err error) {
	if len(items) == 0 {
		return nil
	}
	byPart := map[string]*pendingPart{}
	var order []*pendingPart
	for _, it := range items {
		if it.dup {
			continue
		}
		pp := byPart[it.part]
		if pp == nil {
			pp = &pendingPart{}
			s.mu.RLock()
			pp.p = s.parts[it.part]
			s.mu.RUnlock()
			if pp.p == nil {
				pp.p = &partition{key: it.part, table: partPrefix + it.part, sealedLoaded: true, openLoaded: true}
				pp.created = true
				pp.replaces = s.retiredOf(it.part)
			}
			byPart[it.part] = pp
			order = append(order, pp)
		}
		pp.items = append(pp.items, it)
	}
	t0 := time.Now()
	for _, pp := range order {
		if err := s.loadOpen(ctx, pp.p); err != nil {
			return err
		}
		if err := s.markStoredDuplicates(ctx, pp); err != nil {
			return err
		}
	}
	s.phase[0] += time.Since(t0)
	if _, err := s.wconn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return fmt.Errorf("cannot begin append: %w", err)
	}
	defer func() {
		if err != nil {
			if _, rerr := s.wconn.ExecContext(ctx, `ROLLBACK`); rerr != nil {
				s.log.Error("cannot roll back append", "err", rerr)
			}
			// The open blocks took rows that are not there: rebuild them.
			for _, pp := range order {
				pp.p.open, pp.p.openLoaded = nil, pp.created
			}
		}
	}()
	seq := s.nextSeq
	for _, pp := range order {
		if pp.created {
			if len(pp.replaces) > 0 {
				// A late event for a day retention removed (see
				// retention.go).
				if err := dropPartitionIn(ctx, s.wconn, pp.p.key, s.held(pp.replaces)); err != nil {
					return err
				}
			}
			if _, err := s.wconn.ExecContext(ctx, createPartitionSQL(pp.p.table, s.cols)); err != nil {
				return fmt.Errorf("cannot create partition %s: %w", pp.p.table, err)
			}
			pp.p.open = nil
		}
		open := pp.p.open
		if open == nil {
			open = newOpenBlock()
		}
		n := 0
		for _, it := range pp.items {
			if it.dup {
				continue
			}
			it.ev.Seq = seq
			it.row[0] = seq
			seq++
			n++
			open.add(it.ev.Seq, it.ts, it.keys)
			if open.rows >= s.opts.BlockRows {
				pp.sealed = append(pp.sealed, open.seal())
				open = newOpenBlock()
			}
		}
		pp.open = open
		if n == 0 {
			continue
		}
		t1 := time.Now()
		if err := s.appendRows(pp); err != nil {
			return err
		}
		s.phase[1] += time.Since(t1)
		for _, b := range pp.sealed {
			if err := insertBlock(ctx, s.wconn, pp.p.key, b); err != nil {
				return err
			}
		}
	}
	t2 := time.Now()
	if _, err := s.wconn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("cannot commit append: %w", err)
	}
	s.phase[2] += time.Since(t2)
	s.phase[3] += time.Since(t0)
	s.commits++
	s.nextSeq = seq
	s.publish(order, seq-1)
	return nil
}

// appendRows appends a partition's rows with DuckDB's Appender: an
// order of magnitude faster than INSERT for batches (measured in
// BenchmarkAppend).
func (s *Store) appendRows(pp *pendingPart) error {
	return s.wconn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", pp.p.table)
		if err != nil {
			return fmt.Errorf("cannot append to %s: %w", pp.p.table, err)
		}
		for _, it := range pp.items {
			if it.dup {
				continue
			}
			if err := a.AppendRow(it.row...); err != nil {
				a.Close()
				return fmt.Errorf("cannot append event %s: %w", it.ev.ID, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("cannot append to %s: %w", pp.p.table, err)
		}
		return nil
	})
}

func insertBlock(ctx context.Context, e execer, part string, b *block) error {
	_, err := e.ExecContext(ctx, `INSERT INTO es_blocks VALUES (?, ?, ?, ?, ?, ?, ?)`,
		part, b.seqLo, b.seqHi, time.UnixMicro(b.tsLo).UTC(), time.UnixMicro(b.tsHi).UTC(), b.rows, b.filter.bytes())
	if err != nil {
		return fmt.Errorf("cannot write token index of %s: %w", part, err)
	}
	return nil
}

// publish makes a committed append visible to readers.
func (s *Store) publish(order []*pendingPart, last int64) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pp := range order {
		p := pp.p
		p.open = pp.open
		p.lastAppend = now
		for _, it := range pp.items {
			if it.dup {
				continue
			}
			if p.rows == 0 {
				p.minTS, p.maxTS, p.minSeq = it.ts, it.ts, it.ev.Seq
			}
			p.rows++
			p.minTS, p.maxTS = min(p.minTS, it.ts), max(p.maxTS, it.ts)
			p.maxSeq = it.ev.Seq
		}
		if len(pp.sealed) > 0 {
			p.sealed = append(p.sealed, pp.sealed...)
			p.sealedHi = pp.sealed[len(pp.sealed)-1].seqHi
		}
		if pp.created {
			s.parts[p.key] = p
		}
		if len(pp.replaces) > 0 {
			s.retired = slices.DeleteFunc(s.retired, func(r *partition) bool { return r.key == p.key })
		}
	}
	if last > s.lastSeq.Load() {
		s.lastSeq.Store(last)
	}
}

// markStoredDuplicates marks the items of a partition that are already
// stored. The token index says which blocks may hold each (org, id); only
// those blocks' seq ranges are read. A stored copy of an event has the
// same @timestamp, so only blocks whose time span covers it count.
func (s *Store) markStoredDuplicates(ctx context.Context, pp *pendingPart) error {
	if pp.created {
		return nil
	}
	p := pp.p
	s.mu.RLock()
	sealed := p.sealed
	s.mu.RUnlock()
	lo, hi := int64(1<<62), int64(-1<<62)
	for _, it := range pp.items {
		lo, hi = min(lo, it.ts), max(hi, it.ts)
	}
	var near []*block
	for _, b := range sealed {
		if b.tsHi >= lo && b.tsLo <= hi {
			near = append(near, b)
		}
	}
	var ranges []seqRange
	var ids []any
	for _, it := range pp.items {
		if it.dup {
			continue
		}
		maybe := false
		if o := p.open; o != nil && o.rows > 0 && it.ts >= o.tsLo && it.ts <= o.tsHi && o.filter.has(it.id) {
			ranges = append(ranges, seqRange{o.seqLo, o.seqHi})
			maybe = true
		}
		for _, b := range near {
			if it.ts >= b.tsLo && it.ts <= b.tsHi && (b.filter == nil || b.filter.has(it.id)) {
				ranges = append(ranges, seqRange{b.seqLo, b.seqHi})
				maybe = true
			}
		}
		if maybe {
			ids = append(ids, it.ev.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ranges = mergeRanges(sortRanges(ranges))
	var q strings.Builder
	args := make([]any, 0, 2*len(ranges)+len(ids))
	q.WriteString(`SELECT org_id, id FROM ` + p.table + ` WHERE (`)
	for i, r := range ranges {
		if i > 0 {
			q.WriteString(" OR ")
		}
		q.WriteString("seq BETWEEN ? AND ?")
		args = append(args, r.lo, r.hi)
	}
	q.WriteString(") AND id IN (" + placeholders(len(ids)) + ")")
	args = append(args, ids...)
	rows, err := s.wconn.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return fmt.Errorf("cannot check for stored duplicates: %w", err)
	}
	defer rows.Close()
	stored := map[string]bool{}
	for rows.Next() {
		var org, id string
		if err := rows.Scan(&org, &id); err != nil {
			return fmt.Errorf("cannot check for stored duplicates: %w", err)
		}
		stored[org+"\x00"+id] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot check for stored duplicates: %w", err)
	}
	for _, it := range pp.items {
		if stored[it.ev.OrgID+"\x00"+it.ev.ID] {
			it.dup = true
		}
	}
	return nil
}

func sortRanges(rs []seqRange) []seqRange {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].lo < rs[j-1].lo; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	return rs
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// loadOpen gives the writer a partition's sealed blocks and its open
// block, rebuilt from the rows after the last sealed one.
func (s *Store) loadOpen(ctx context.Context, p *partition) error {
	if p.openLoaded {
		return nil
	}
	v := partView{p: p}
	s.mu.RLock()
	v.sealedLoaded = p.sealedLoaded
	s.mu.RUnlock()
	if err := s.loadSealed(ctx, &v); err != nil {
		return err
	}
	rows, err := s.wconn.QueryContext(ctx, `SELECT seq, ts, org_id, id, message, raw FROM `+p.table+` WHERE seq > ? ORDER BY seq`, v.sealedHi)
	if err != nil {
		return fmt.Errorf("cannot read unindexed rows of %s: %w", p.table, err)
	}
	defer rows.Close()
	open := newOpenBlock()
	var sealed []*block
	for rows.Next() {
		var seq int64
		var ts time.Time
		var org, id string
		var msg sql.NullString
		var raw string
		if err := rows.Scan(&seq, &ts, &org, &id, &msg, &raw); err != nil {
			return fmt.Errorf("cannot read unindexed rows of %s: %w", p.table, err)
		}
		keys := []uint64{idKey(org, id)}
		keys = addWordKeys(keys, msg.String)
		keys = addWordKeys(keys, raw)
		open.add(seq, ts.UnixMicro(), keys)
		if open.rows >= s.opts.BlockRows {
			sealed = append(sealed, open.seal())
			open = newOpenBlock()
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot read unindexed rows of %s: %w", p.table, err)
	}
	if len(sealed) > 0 {
		if err := s.writeBlocks(ctx, p, sealed); err != nil {
			return err
		}
	}
	if open.rows > 0 {
		p.open = open
	}
	p.openLoaded = true
	return nil
}

// writeBlocks stores and publishes sealed blocks in their own
// transaction.
func (s *Store) writeBlocks(ctx context.Context, p *partition, blocks []*block) (err error) {
	if _, err := s.wconn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return fmt.Errorf("cannot begin index write: %w", err)
	}
	for _, b := range blocks {
		if err := insertBlock(ctx, s.wconn, p.key, b); err != nil {
			s.wconn.ExecContext(ctx, `ROLLBACK`)
			return err
		}
	}
	if _, err := s.wconn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("cannot commit index write: %w", err)
	}
	s.mu.Lock()
	p.sealed = append(p.sealed, blocks...)
	p.sealedHi = blocks[len(blocks)-1].seqHi
	s.mu.Unlock()
	return nil
}

// sealIdle seals the open blocks that got no rows for idle.
func (s *Store) sealIdle(ctx context.Context, idle time.Duration) {
	s.mu.RLock()
	var pending []*partition
	for _, p := range s.parts {
		if p.open != nil && p.open.rows > 0 && time.Since(p.lastAppend) >= idle {
			pending = append(pending, p)
		}
	}
	s.mu.RUnlock()
	for _, p := range pending {
		b := p.open.seal()
		if err := s.writeBlocks(ctx, p, []*block{b}); err != nil {
			s.log.Error("cannot seal index block", "partition", p.key, "err", err)
			continue
		}
		p.open = nil
	}
}

// sealIdleNow seals every open block, between commits.
func (s *Store) sealIdleNow(ctx context.Context) error {
	return s.exec(ctx, func(ctx context.Context, _ *sql.Conn) error {
		s.sealIdle(ctx, 0)
		return nil
	})
}

// indexTails indexes, at start, the rows a crash left after the last
// sealed block of each partition; a clean Close leaves none.
func (s *Store) indexTails(ctx context.Context) error {
	rows, err := s.wconn.QueryContext(ctx, `SELECT part, max(seq_hi) FROM es_blocks GROUP BY part`)
	if err != nil {
		return fmt.Errorf("cannot read token index: %w", err)
	}
	hi := map[string]int64{}
	for rows.Next() {
		var part string
		var h int64
		if err := rows.Scan(&part, &h); err != nil {
			rows.Close()
			return fmt.Errorf("cannot read token index: %w", err)
		}
		hi[part] = h
	}
	rows.Close()
	s.mu.RLock()
	var pending []*partition
	for key, p := range s.parts {
		if p.maxSeq > hi[key] {
			pending = append(pending, p)
		}
	}
	s.mu.RUnlock()
	var errs []error
	for _, p := range pending {
		if err := s.loadOpen(ctx, p); err != nil {
			errs = append(errs, err)
			continue
		}
		p.lastAppend = time.Time{} // seal at the next idle check
	}
	return errors.Join(errs...)
}
