package duckdb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/query/lucene"
)

// resolver maps query fields to columns: the typed columns, a few
// built-in names, and any other field inside the JSON column.
type resolver struct{}

var (
	messageColumn = lucene.Column{Kind: lucene.Text, SQL: "message", Words: "message_words"}
	rawColumn     = lucene.Column{Kind: lucene.Text, SQL: "raw"}
)

func (resolver) Field(name string) (lucene.Column, error) {
	switch name {
	case "@timestamp":
		return lucene.Column{Kind: lucene.Time, SQL: "ts"}, nil
	case "event.ingested":
		return lucene.Column{Kind: lucene.Time, SQL: "ingested"}, nil
	case "_id":
		return lucene.Column{Kind: lucene.Keyword, SQL: "id"}, nil
	case "input", "input.type":
		return lucene.Column{Kind: lucene.Keyword, SQL: "input"}, nil
	case "event.original":
		return rawColumn, nil
	case "message":
		return messageColumn, nil
	case "error.message":
		return lucene.Column{Kind: lucene.Text, SQL: "error_message"}, nil
	}
	if c, ok := event.ColumnOf(name); ok {
		kind := lucene.Keyword
		switch c.Type {
		case event.TypeInt:
			kind = lucene.Int
		case event.TypeFloat:
			kind = lucene.Float
		case event.TypeIP:
			kind = lucene.IP
		case event.TypeStrings:
			kind = lucene.Keywords
		}
		return lucene.Column{Kind: kind, SQL: c.Name}, nil
	}
	if strings.ContainsFunc(name, func(r rune) bool {
		return r == '"' || r == '\\' || unicode.IsControl(r)
	}) || name == "" {
		return lucene.Column{}, &lucene.FieldError{Field: name, Msg: "is not a field name"}
	}
	path := `$."` + name + `"`
	return lucene.Column{
		Kind: lucene.Dynamic,
		SQL:  "json_extract_string(fields, ?)",
		Args: []any{path},
		List: "TRY_CAST(json_extract(fields, ?) AS VARCHAR[])",
	}, nil
}

func (resolver) FreeText() []lucene.Column { return []lucene.Column{messageColumn, rawColumn} }

// plan is a query made ready for the partitions.
type plan struct {
	org      string
	from, to time.Time
	filter   lucene.Fragment
	sevSQL   string
	sevArgs  []any
	prune    func(*block) bool // nil: the index cannot help
	parts    []partView
	// release lets retention drop the plan's partitions: call it once
	// every query naming them has finished (see Store.acquire).
	release func()
}

func badQuery(err error) error { return fmt.Errorf("%w: %v", eventstore.ErrBadQuery, err) }

func (s *Store) plan(ctx context.Context, orgID string, q eventstore.Query) (*plan, error) {
	if s.closed.Load() {
		return nil, eventstore.ErrClosed
	}
	n, err := lucene.Parse(q.Text)
	if err != nil {
		return nil, badQuery(err)
	}
	n = lucene.WithAliases(n)
	f, err := lucene.Compile(n, resolver{})
	if err != nil {
		return nil, badQuery(err)
	}
	pl := &plan{org: orgID, from: q.From, to: q.To, filter: f, prune: pruner(n)}
	if s.opts.SearchWithoutIndex {
		pl.prune = nil
	}
	if len(q.Severities) > 0 {
		var conds []string
		for _, label := range q.Severities {
			lo, hi, ok := event.SeverityRange(label)
			if !ok {
				return nil, badQuery(fmt.Errorf("unknown severity %q (want info, low, medium, high or critical)", label))
			}
			conds = append(conds, "(coalesce(event_severity, 0) >= ? AND coalesce(event_severity, 0) < ?)")
			pl.sevArgs = append(pl.sevArgs, lo, hi)
		}
		pl.sevSQL = "(" + strings.Join(conds, " OR ") + ")"
	}
	pl.parts, pl.release = s.acquire(q.From, q.To)
	if pl.prune != nil {
		for i := range pl.parts {
			if err := s.loadSealed(ctx, &pl.parts[i]); err != nil {
				pl.release()
				return nil, err
			}
		}
	}
	return pl, nil
}

// pruner returns what a block must contain for the query to match in
// it, or nil when the index cannot tell. Text matches imply that all
// their words are in the block (message and raw words are indexed).
func pruner(n lucene.Node) func(*block) bool {
	words := func(field, v string) func(*block) bool {
		if field != "" && field != "message" && field != "event.original" {
			return nil
		}
		ws := lucene.Words(v)
		if len(ws) == 0 {
			return nil
		}
		keys := make([]uint64, len(ws))
		for i, w := range ws {
			keys[i] = wordKey(w)
		}
		return func(b *block) bool { return b.mayHave(keys) }
	}
	switch n := n.(type) {
	case lucene.Term:
		return words(n.Field, n.Value)
	case lucene.Phrase:
		return words(n.Field, n.Value)
	case lucene.And:
		var all []func(*block) bool
		for _, c := range n.Nodes {
			if p := pruner(c); p != nil {
				all = append(all, p)
			}
		}
		if len(all) == 0 {
			return nil
		}
		return func(b *block) bool {
			for _, p := range all {
				if !p(b) {
					return false
				}
			}
			return true
		}
	case lucene.Or:
		var any []func(*block) bool
		for _, c := range n.Nodes {
			p := pruner(c)
			if p == nil {
				return nil
			}
			any = append(any, p)
		}
		return func(b *block) bool {
			for _, p := range any {
				if p(b) {
					return true
				}
			}
			return false
		}
	}
	return nil
}

// where returns a partition's condition, or false when the index shows
// that nothing in it can match.
func (pl *plan) where(v partView) (string, []any, bool) {
	var b strings.Builder
	args := []any{pl.org}
	b.WriteString("org_id = ?")
	if !pl.from.IsZero() {
		b.WriteString(" AND ts >= ?")
		args = append(args, pl.from.UTC())
	}
	if !pl.to.IsZero() {
		b.WriteString(" AND ts < ?")
		args = append(args, pl.to.UTC())
	}
	if pl.sevSQL != "" {
		b.WriteString(" AND " + pl.sevSQL)
		args = append(args, pl.sevArgs...)
	}
	if pl.prune != nil {
		ranges, all := pl.candidates(v)
		if !all {
			tail := v.maxSeq > v.sealedHi
			if len(ranges) == 0 && !tail {
				return "", nil, false
			}
			b.WriteString(" AND (")
			for i, r := range ranges {
				if i > 0 {
					b.WriteString(" OR ")
				}
				b.WriteString("seq BETWEEN ? AND ?")
				args = append(args, r.lo, r.hi)
			}
			if tail {
				if len(ranges) > 0 {
					b.WriteString(" OR ")
				}
				b.WriteString("seq > ?")
				args = append(args, v.sealedHi)
			}
			b.WriteString(")")
		}
	}
	if pl.filter.SQL != "TRUE" {
		b.WriteString(" AND " + pl.filter.SQL)
		args = append(args, pl.filter.Args...)
	}
	return b.String(), args, true
}

// smallScan is the most rows the index may leave for Search to read in
// one query (matches listed in full, no separate count).
const smallScan = 64 << 10

// scanRows bounds the rows the query reads when the index restricts
// every partition; ok is false when it does not.
func (pl *plan) scanRows() (n int64, ok bool) {
	if pl.prune == nil {
		return 0, false
	}
	for _, v := range pl.parts {
		ranges, all := pl.candidates(v)
		if all {
			return 0, false
		}
		for _, r := range ranges {
			n += r.hi - r.lo + 1
		}
		if v.maxSeq > v.sealedHi {
			n += v.maxSeq - v.sealedHi
		}
	}
	return n, true
}

// candidates returns the seq ranges of the blocks that may match; all
// is true when restricting would not pay (most blocks may match).
func (pl *plan) candidates(v partView) (ranges []seqRange, all bool) {
	from, to := int64(-1<<62), int64(1<<62)
	if !pl.from.IsZero() {
		from = pl.from.UnixMicro()
	}
	if !pl.to.IsZero() {
		to = pl.to.UnixMicro()
	}
	inTime := 0
	for _, b := range v.sealed {
		if b.tsHi < from || b.tsLo >= to {
			continue
		}
		inTime++
		if pl.prune(b) {
			ranges = append(ranges, seqRange{b.seqLo, b.seqHi})
		}
	}
	if inTime > 0 && len(ranges)*2 > inTime {
		return nil, true
	}
	return mergeRanges(ranges), false
}

// union builds "SELECT <cols> FROM t1 WHERE ... UNION ALL ..." over the
// plan's partitions; extra is added to every partition's condition.
// {part} in cols and extra stands for the partition's index in the plan.
func (pl *plan) union(cols string, extra string, extraArgs []any) (string, []any) {
	var b strings.Builder
	var args []any
	n := 0
	for i, v := range pl.parts {
		w, wargs, ok := pl.where(v)
		if !ok {
			continue
		}
		if n > 0 {
			b.WriteString(" UNION ALL ")
		}
		n++
		fmt.Fprintf(&b, "SELECT %s FROM %s WHERE %s", strings.ReplaceAll(cols, "{part}", strconv.Itoa(i)), v.table, w)
		args = append(args, wargs...)
		if extra != "" {
			b.WriteString(" AND " + strings.ReplaceAll(extra, "{part}", strconv.Itoa(i)))
			args = append(args, extraArgs...)
		}
	}
	return b.String(), args
}

// Search implements eventstore.Store.
func (s *Store) Search(ctx context.Context, orgID string, q eventstore.Query) (eventstore.Page, error) {
	size := q.Size
	switch {
	case size <= 0:
		size = 50
	case size > 1000:
		size = 1000
	}
	order, err := eventstore.ParseOrder(string(q.Order), eventstore.NewestFirst)
	if err != nil {
		return eventstore.Page{}, err
	}
	var after *cursor
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return eventstore.Page{}, err
		}
		if c.order != order {
			return eventstore.Page{}, fmt.Errorf("%w: the cursor continues a search in order %s, not %s", eventstore.ErrBadCursor, c.order, order)
		}
		after = &c
	}
	pl, err := s.plan(ctx, orgID, q)
	if err != nil {
		return eventstore.Page{}, err
	}
	defer pl.release()
	var page eventstore.Page
	if n, ok := pl.scanRows(); ok && n <= smallScan {
		return s.searchFew(ctx, pl, orgID, order, after, size)
	}
	counts, args := pl.union("count(*) AS n", "", nil)
	if counts == "" {
		return page, nil
	}
	// The exact total and the page run at once: the count scans every
	// match, the page is a top-N that DuckDB prunes by ts.
	var countErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := s.db.QueryRowContext(ctx, "SELECT coalesce(sum(n), 0)::BIGINT FROM ("+counts+")", args...).Scan(&page.Total)
		if err != nil {
			countErr = fmt.Errorf("cannot count events: %w", err)
		}
	}()
	events, next, err := s.page(ctx, pl, orgID, order, after, size)
	<-done
	if err != nil {
		return eventstore.Page{}, err
	}
	if countErr != nil {
		return eventstore.Page{}, countErr
	}
	page.Events, page.NextCursor = events, next
	return page, nil
}

// page returns the events of one page in the order.
func (s *Store) page(ctx context.Context, pl *plan, orgID string, order eventstore.Order, after *cursor, size int) ([]event.Event, string, error) {
	extra, extraArgs := "", []any(nil)
	if after != nil {
		extra, extraArgs = after.rest()
	}
	keys, args := pl.union("{part} AS part, seq, ts", extra, extraArgs)
	if keys == "" {
		return []event.Event{}, "", nil
	}
	hits, err := s.places(ctx, "SELECT part, seq, ts FROM ("+keys+") ORDER BY "+orderBy(order), append(args, size+1))
	if err != nil {
		return nil, "", fmt.Errorf("cannot search events: %w", err)
	}
	next := ""
	if len(hits) > size {
		hits = hits[:size]
		last := hits[size-1]
		next = encodeCursor(cursor{ts: last.ts.UnixMicro(), seq: last.seq, order: order})
	}
	events, err := s.fetch(ctx, pl, orgID, hits)
	return events, next, err
}

// places runs q, whose rows are (part, seq, ts), for the hits.
func (s *Store) places(ctx context.Context, q string, args []any) ([]hit, error) {
	var hits []hit
	err := s.each(ctx, q, args, func(r *sql.Rows) error {
		var h hit
		if err := r.Scan(&h.part, &h.seq, &h.ts); err != nil {
			return err
		}
		hits = append(hits, h)
		return nil
	})
	return hits, err
}

// hit is a matching event's place: its partition (index in the plan),
// seq and time.
type hit struct {
	part int
	seq  int64
	ts   time.Time
}

// searchFew serves the searches the index narrowed to a few blocks
// (needles), in one query: the matches' places and raw texts (which the
// conditions read anyway) are found first (a materialized CTE), then
// joined with the fields of just those rows, read by a second scan of the
// same candidate blocks. Selecting fields in the first scan as well would
// decompress them for every row of the candidate blocks (the OR of a
// needle's conditions is evaluated above the scan, not pushed into it),
// and DuckDB reads two ZSTD columns in one scan far slower than apart
// (see eventColumns). A first page that holds every match is its own
// count; a later page's count runs beside it. On a 5-match needle
// over 2M events, 2026-11-24: two queries and a window count(*) OVER ()
// 18-20 ms median; two queries 16-19 ms; this one 14-16 ms.
func (s *Store) searchFew(ctx context.Context, pl *plan, orgID string, order eventstore.Order, after *cursor, size int) (eventstore.Page, error) {
	page := eventstore.Page{Events: []event.Event{}}
	u, args := pl.union("{part} AS part, seq, ts, raw", "", nil)
	if u == "" {
		return page, nil
	}
	q := "WITH hits AS MATERIALIZED (SELECT part, seq, ts, raw FROM (" + u + ")"
	if after != nil {
		rest, restArgs := after.rest()
		q += " WHERE " + rest
		args = append(args, restArgs...)
	}
	q += " ORDER BY " + orderBy(order) + ")"
	args = append(args, size+1)
	// The fields: the same candidate blocks, without the text conditions.
	blocks := *pl
	blocks.filter = lucene.Fragment{SQL: "TRUE"}
	fields, fargs := blocks.union("{part} AS part, seq, id, org_id, ingested, input, fields", "seq IN (SELECT seq FROM hits WHERE part = {part})", nil)
	args = append(args, fargs...)
	q += " SELECT f.seq, f.id, f.org_id, h.ts, f.ingested, f.input, f.fields, h.raw FROM hits h JOIN (" + fields +
		") f ON f.part = h.part AND f.seq = h.seq ORDER BY " + orderKeys(order, "h.")
	// A later page needs the count (of every match, not just those after
	// the cursor): it runs beside the page.
	var total int64
	var countErr error
	count := func() {
		counts, cargs := pl.union("count(*) AS n", "", nil)
		if err := s.db.QueryRowContext(ctx, "SELECT coalesce(sum(n), 0)::BIGINT FROM ("+counts+")", cargs...).Scan(&total); err != nil {
			countErr = fmt.Errorf("cannot count events: %w", err)
		}
	}
	counting := make(chan struct{})
	if after != nil {
		go func() { defer close(counting); count() }()
	}
	evs, err := s.queryEventsOf(ctx, selectColumns, q, args...)
	if after != nil {
		<-counting
	}
	if err != nil {
		return eventstore.Page{}, fmt.Errorf("cannot search events: %w", err)
	}
	switch {
	case after != nil:
	case len(evs) <= size:
		total = int64(len(evs)) // the first page holds every match
	default:
		count()
	}
	if countErr != nil {
		return eventstore.Page{}, countErr
	}
	page.Total = total
	if len(evs) > size {
		evs = evs[:size]
		last := evs[size-1]
		page.NextCursor = encodeCursor(cursor{ts: last.Timestamp.UnixMicro(), seq: last.Seq, order: order})
	}
	page.Events = evs
	return page, nil
}

// fetch reads the whole rows of a page's hits, in one query: reading
// every column of every candidate for the sort costs ten times more. The
// seq range lets zone maps skip the other row groups.
func (s *Store) fetch(ctx context.Context, pl *plan, orgID string, hits []hit) ([]event.Event, error) {
	if len(hits) == 0 {
		return []event.Event{}, nil
	}
	type part struct {
		seqs   []any
		lo, hi int64
	}
	byPart := map[int]*part{}
	var order []int
	for _, h := range hits {
		p := byPart[h.part]
		if p == nil {
			p = &part{lo: h.seq, hi: h.seq}
			byPart[h.part] = p
			order = append(order, h.part)
		}
		p.seqs = append(p.seqs, h.seq)
		p.lo, p.hi = min(p.lo, h.seq), max(p.hi, h.seq)
	}
	build := func(cols string) (string, []any) {
		var q strings.Builder
		var args []any
		for i, pi := range order {
			p := byPart[pi]
			if i > 0 {
				q.WriteString(" UNION ALL ")
			}
			q.WriteString("SELECT " + cols + " FROM " + pl.parts[pi].table + " WHERE org_id = ? AND seq BETWEEN ? AND ? AND seq IN (" + placeholders(len(p.seqs)) + ")")
			args = append(append(args, orgID, p.lo, p.hi), p.seqs...)
		}
		return q.String(), args
	}
	q, args := build(eventColumns)
	rq, rargs := build("seq, raw")
	evs, err := s.readSplit(ctx, q, args, rq, rargs)
	if err != nil {
		return nil, err
	}
	found := make(map[int64]event.Event, len(evs))
	for _, ev := range evs {
		found[ev.Seq] = ev
	}
	events := make([]event.Event, 0, len(hits))
	for _, h := range hits {
		if ev, ok := found[h.seq]; ok {
			events = append(events, ev)
		}
	}
	return events, nil
}

func (s *Store) queryEvents(ctx context.Context, q string, args ...any) ([]event.Event, error) {
	return s.queryEventsOf(ctx, selectColumns, q, args...)
}

// queryEventsOf reads events from rows of the given columns.
func (s *Store) queryEventsOf(ctx context.Context, columns, q string, args ...any) ([]event.Event, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read events: %w", err)
	}
	defer rows.Close()
	sc := newScannerOf(columns)
	var out []event.Event
	for rows.Next() {
		ev, err := sc.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read events: %w", err)
	}
	return out, nil
}

// cursor is a keyset position: the last event of a page, and the order
// the pages go in.
type cursor struct {
	ts    int64 // µs
	seq   int64
	order eventstore.Order
}

// rest returns the condition of the events after c in its order.
func (c cursor) rest() (string, []any) {
	at := time.UnixMicro(c.ts).UTC()
	if c.order == eventstore.OldestFirst {
		return "ts >= ? AND (ts > ? OR seq > ?)", []any{at, at, c.seq}
	}
	return "ts <= ? AND (ts < ? OR seq < ?)", []any{at, at, c.seq}
}

// orderKeys is the ORDER BY keys of the order, on columns named with
// the prefix.
func orderKeys(order eventstore.Order, prefix string) string {
	if order == eventstore.OldestFirst {
		return prefix + "ts, " + prefix + "seq"
	}
	return prefix + "ts DESC, " + prefix + "seq DESC"
}

// orderBy is the order's keys and a LIMIT ? clause.
func orderBy(order eventstore.Order) string {
	return orderKeys(order, "") + " LIMIT ?"
}

// A cursor is "v1:<ts>:<seq>", then ":asc" for oldest first (newest
// first, the first order, has no suffix: cursors handed out before
// there were two orders still work).
func encodeCursor(c cursor) string {
	s := "v1:" + strconv.FormatInt(c.ts, 10) + ":" + strconv.FormatInt(c.seq, 10)
	if c.order == eventstore.OldestFirst {
		s += ":asc"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(s string) (cursor, error) {
	bad := fmt.Errorf("%w: give the next_cursor of the previous page", eventstore.ErrBadCursor)
	b, err := base64.RawURLEncoding.DecodeString(s)
	parts := strings.Split(string(b), ":")
	if err != nil || len(parts) < 3 || len(parts) > 4 || parts[0] != "v1" {
		return cursor{}, bad
	}
	c := cursor{order: eventstore.NewestFirst}
	if len(parts) == 4 {
		if parts[3] != "asc" {
			return cursor{}, bad
		}
		c.order = eventstore.OldestFirst
	}
	ts, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return cursor{}, bad
	}
	c.ts, c.seq = ts, seq
	return c, nil
}

// Get implements eventstore.Store. The token index has every event's
// (org, id), so only the blocks that may hold it are read.
func (s *Store) Get(ctx context.Context, orgID, id string) (event.Event, error) {
	if s.closed.Load() {
		return event.Event{}, eventstore.ErrClosed
	}
	key := []uint64{idKey(orgID, id)}
	pl := &plan{org: orgID, filter: lucene.Fragment{SQL: "id = ?", Args: []any{id}}, prune: func(b *block) bool { return b.mayHave(key) }}
	pl.parts, pl.release = s.acquire(time.Time{}, time.Time{})
	defer pl.release()
	for i := range pl.parts {
		if err := s.loadSealed(ctx, &pl.parts[i]); err != nil {
			return event.Event{}, err
		}
	}
	// Its place first, then the row (fetch reads fields and raw apart).
	q, args := pl.union("{part} AS part, seq, ts", "", nil)
	if q == "" {
		return event.Event{}, fmt.Errorf("event %s: %w", id, eventstore.ErrNotFound)
	}
	hits, err := s.places(ctx, "SELECT part, seq, ts FROM ("+q+") LIMIT 1", args)
	if err != nil {
		return event.Event{}, fmt.Errorf("cannot read event: %w", err)
	}
	evs, err := s.fetch(ctx, pl, orgID, hits)
	if err != nil {
		return event.Event{}, err
	}
	if len(evs) == 0 {
		return event.Event{}, fmt.Errorf("event %s: %w", id, eventstore.ErrNotFound)
	}
	return evs[0], nil
}

// Since implements eventstore.Store.
func (s *Store) Since(ctx context.Context, after int64, limit int) ([]event.Event, error) {
	if s.closed.Load() {
		return nil, eventstore.ErrClosed
	}
	switch {
	case limit <= 0:
		limit = 1000
	case limit > 100_000:
		limit = 100_000
	}
	// Both queries read the same partitions up to the same seq, so that a
	// commit between them cannot give one rows the other lacks.
	upto := s.lastSeq.Load()
	views, release := s.acquire(time.Time{}, time.Time{})
	defer release()
	build := func(cols string) (string, []any) {
		var parts []string
		var args []any
		for _, v := range views {
			if v.maxSeq <= after {
				continue
			}
			parts = append(parts, "SELECT "+cols+" FROM "+v.table+" WHERE seq > ? AND seq <= ?")
			args = append(args, after, upto)
		}
		if len(parts) == 0 {
			return "", nil
		}
		return "SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + ") ORDER BY seq LIMIT ?", append(args, limit)
	}
	// Both take the first limit after after: the same seqs come back.
	rq, rargs := build("seq, raw")
	if rq == "" {
		return nil, nil
	}
	q, args := build(eventColumns)
	return s.readSplit(ctx, q, args, rq, rargs)
}

// readSplit reads events of eventColumns with q and, at the same time,
// their raw texts with rq (rows of seq, raw), a scan of their own (see
// eventColumns).
func (s *Store) readSplit(ctx context.Context, q string, args []any, rq string, rargs []any) ([]event.Event, error) {
	rawErr := make(chan error, 1)
	raws := map[int64]string{}
	go func() {
		rawErr <- s.each(ctx, rq, rargs, func(r *sql.Rows) error {
			var seq int64
			var raw sql.NullString
			if err := r.Scan(&seq, &raw); err != nil {
				return err
			}
			raws[seq] = raw.String
			return nil
		})
	}()
	evs, err := s.queryEventsOf(ctx, eventColumns, q, args...)
	if rerr := <-rawErr; err == nil && rerr != nil {
		err = fmt.Errorf("cannot read events: %w", rerr)
	}
	if err != nil {
		return nil, err
	}
	for i := range evs {
		evs[i].Raw = raws[evs[i].Seq]
	}
	return evs, nil
}

// Stats implements eventstore.Store: one scan, GROUPING SETS for every
// breakdown, and only the top rows of the big ones come back.
func (s *Store) Stats(ctx context.Context, orgID string, q eventstore.Query, interval time.Duration) (eventstore.Stats, error) {
	return s.stats(ctx, orgID, q, interval, false)
}

// Histogram implements eventstore.Store.
func (s *Store) Histogram(ctx context.Context, orgID string, q eventstore.Query, interval time.Duration) (eventstore.Histogram, error) {
	st, err := s.stats(ctx, orgID, q, interval, true)
	return eventstore.Histogram{Total: st.Total, Interval: st.Interval, Buckets: st.OverTime}, err
}

func (s *Store) stats(ctx context.Context, orgID string, q eventstore.Query, interval time.Duration, histogramOnly bool) (eventstore.Stats, error) {
	pl, err := s.plan(ctx, orgID, q)
	if err != nil {
		return eventstore.Stats{}, err
	}
	defer pl.release()
	st := eventstore.Stats{}
	from, to := q.From, q.To
	if from.IsZero() || to.IsZero() {
		lo, hi, ok := dataSpan(pl.parts)
		if !ok {
			return st, nil
		}
		if q.Text != "" || len(q.Severities) > 0 {
			// A search's own span: its matches may all be from today in
			// years of stored events, and a chart from the oldest would
			// put them in one bar.
			if mlo, mhi, found, err := s.matchSpan(ctx, pl); err != nil {
				return st, err
			} else if found {
				lo, hi = mlo, mhi
			}
		}
		switch {
		case from.IsZero() && to.IsZero():
			from, to = lo, hi.Add(time.Microsecond)
		case from.IsZero():
			from = lo
		default:
			// From a time on, unbounded: up to now, or to the newest
			// event if one is stamped later (a search counts it too).
			to = time.Now()
			if end := hi.Add(time.Microsecond); end.After(to) {
				to = end
			}
		}
	}
	interval = pickInterval(interval, to.Sub(from))
	st.Interval = interval
	inner, args := pl.union("ts, event_severity, event_category, event_dataset, input, host_name, user_name, source_ip, source_geo_country_iso_code", "", nil)
	if inner != "" {
		if err := s.readStats(ctx, &st, inner, args, interval, histogramOnly); err != nil {
			return eventstore.Stats{}, err
		}
	}
	fillBuckets(&st, from, to, interval)
	return st, nil
}

// matchSpan returns the time span of the events pl matches (found is
// false when it matches none).
func (s *Store) matchSpan(ctx context.Context, pl *plan) (lo, hi time.Time, found bool, err error) {
	inner, args := pl.union("ts", "", nil)
	if inner == "" {
		return lo, hi, false, nil
	}
	err = s.each(ctx, "SELECT epoch_us(min(ts)), epoch_us(max(ts)) FROM ("+inner+")", args, func(r *sql.Rows) error {
		var a, b sql.NullInt64
		if err := r.Scan(&a, &b); err != nil {
			return err
		}
		if a.Valid && b.Valid {
			lo, hi, found = time.UnixMicro(a.Int64).UTC(), time.UnixMicro(b.Int64).UTC(), true
		}
		return nil
	})
	return lo, hi, found, err
}

const topN = 10

// readStats runs the three aggregations of Stats at once, each a plain
// GROUP BY (measured: one GROUPING SETS query over all nine breakdowns took
// 7x longer): the histogram by raw severity (bands are mapped here: a CASE
// per row cost more than the grouping), the low-cardinality breakdowns
// together, and the top values of the high-cardinality ones.
func (s *Store) readStats(ctx context.Context, st *eventstore.Stats, inner string, args []any, interval time.Duration, histogramOnly bool) error {
	iv := interval.Microseconds()
	buckets := map[int64]*eventstore.Bucket{}
	bands := map[string]int64{}
	histogram := func() error {
		return s.each(ctx, "SELECT epoch_us(ts) // ? AS b, coalesce(event_severity, 0) AS s, count(*) FROM ("+inner+") GROUP BY ALL",
			append([]any{iv}, args...), func(r *sql.Rows) error {
				var b, sev, n int64
				if err := r.Scan(&b, &sev, &n); err != nil {
					return err
				}
				bk := buckets[b]
				if bk == nil {
					bk = &eventstore.Bucket{Start: time.UnixMicro(b * iv).UTC(), BySeverity: map[string]int64{}}
					buckets[b] = bk
				}
				band := event.SeverityLabel(sev)
				bk.Count += n
				bk.BySeverity[band] += n
				bands[band] += n
				return nil
			})
	}
	datasets, inputs, cats := map[string]int64{}, map[string]int64{}, map[string]int64{}
	breakdowns := func() error {
		return s.each(ctx, "SELECT event_dataset, input, event_category, count(*) FROM ("+inner+") GROUP BY ALL", args, func(r *sql.Rows) error {
			var ds, inp, cat sql.NullString
			var n int64
			if err := r.Scan(&ds, &inp, &cat, &n); err != nil {
				return err
			}
			if ds.Valid {
				datasets[ds.String] += n
			}
			if inp.Valid {
				inputs[inp.String] += n
			}
			if cat.Valid {
				for _, c := range splitList(cat.String) {
					cats[c] += n
				}
			}
			return nil
		})
	}
	tops := make([][]eventstore.TermCount, 4)
	topValues := func() error {
		q := `SELECT GROUPING(host_name, user_name, source_ip, source_geo_country_iso_code) AS g,
	coalesce(host_name, user_name, source_ip, source_geo_country_iso_code) AS v, count(*) AS n FROM (` + inner + `)
GROUP BY GROUPING SETS ((host_name), (user_name), (source_ip), (source_geo_country_iso_code))
HAVING v IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY g ORDER BY n DESC, v) <= ` + strconv.Itoa(topN)
		return s.each(ctx, q, args, func(r *sql.Rows) error {
			var g int
			var v string
			var n int64
			if err := r.Scan(&g, &v, &n); err != nil {
				return err
			}
			// GROUPING has a 1 bit for each column not grouped, host_name
			// being bit 3.
			for i := range 4 {
				if g&(1<<(3-i)) == 0 {
					tops[i] = append(tops[i], eventstore.TermCount{Term: v, Count: n})
				}
			}
			return nil
		})
	}
	jobs := []func() error{histogram}
	if !histogramOnly {
		jobs = append(jobs, breakdowns, topValues)
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = job()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cannot compute statistics: %w", err)
	}
	for _, band := range event.SeverityLabels {
		if n, ok := bands[band]; ok {
			st.BySeverity = append(st.BySeverity, eventstore.TermCount{Term: band, Count: n})
			st.Total += n
		}
	}
	for _, b := range buckets {
		st.OverTime = append(st.OverTime, *b)
	}
	if histogramOnly {
		return nil
	}
	st.ByDataset, st.ByInput, st.ByCategory = termList(datasets), termList(inputs), termList(cats)
	st.TopHosts, st.TopUsers, st.TopSources, st.TopCountries = tops[0], tops[1], tops[2], tops[3]
	for _, l := range []*[]eventstore.TermCount{&st.BySeverity, &st.TopHosts, &st.TopUsers, &st.TopSources, &st.TopCountries} {
		sortTerms(*l)
	}
	return nil
}

// each runs a query and calls fn for every row.
func (s *Store) each(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func termList(m map[string]int64) []eventstore.TermCount {
	out := make([]eventstore.TermCount, 0, len(m))
	for t, n := range m {
		out = append(out, eventstore.TermCount{Term: t, Count: n})
	}
	sortTerms(out)
	return out
}

func sortTerms(l []eventstore.TermCount) {
	sort.Slice(l, func(i, j int) bool {
		if l[i].Count != l[j].Count {
			return l[i].Count > l[j].Count
		}
		return l[i].Term < l[j].Term
	})
}

// fillBuckets orders the histogram and adds the empty buckets between
// from and to.
func fillBuckets(st *eventstore.Stats, from, to time.Time, interval time.Duration) {
	have := map[int64]eventstore.Bucket{}
	for _, b := range st.OverTime {
		have[b.Start.UnixMicro()] = b
	}
	iv := interval.Microseconds()
	start := floorDiv(from.UnixMicro(), iv) * iv
	out := []eventstore.Bucket{}
	for t := start; t < to.UnixMicro(); t += iv {
		b, ok := have[t]
		if !ok {
			b = eventstore.Bucket{Start: time.UnixMicro(t).UTC(), BySeverity: map[string]int64{}}
		}
		out = append(out, b)
	}
	st.OverTime = out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// maxBuckets bounds a histogram; a finer interval is coarsened.
const maxBuckets = 2000

var niceIntervals = []time.Duration{
	time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute,
	30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour,
}

// pickInterval returns the interval when given (coarsened to at most
// maxBuckets), else a round one giving at most 100 buckets.
func pickInterval(iv time.Duration, span time.Duration) time.Duration {
	if iv > 0 {
		iv = max(iv.Truncate(time.Second), time.Second)
		for span/iv > maxBuckets {
			iv *= 2
		}
		return iv
	}
	for _, n := range niceIntervals {
		if span/n <= 100 {
			return n
		}
	}
	iv = niceIntervals[len(niceIntervals)-1]
	for span/iv > 100 {
		iv *= 2
	}
	return iv
}

// dataSpan returns the time span of the partitions' events.
func dataSpan(parts []partView) (lo, hi time.Time, ok bool) {
	if len(parts) == 0 {
		return lo, hi, false
	}
	l, h := parts[0].minTS, parts[0].maxTS
	for _, v := range parts[1:] {
		l, h = min(l, v.minTS), max(h, v.maxTS)
	}
	return time.UnixMicro(l).UTC(), time.UnixMicro(h).UTC(), true
}

// Terms implements eventstore.Store.
func (s *Store) Terms(ctx context.Context, orgID string, q eventstore.Query, field string, size int) (eventstore.Terms, error) {
	switch {
	case size <= 0:
		size = 10
	case size > 1000:
		size = 1000
	}
	col, err := resolver{}.Field(field)
	if err != nil {
		return eventstore.Terms{}, fmt.Errorf("%w: %v", eventstore.ErrBadField, err)
	}
	pl, err := s.plan(ctx, orgID, q)
	if err != nil {
		return eventstore.Terms{}, err
	}
	defer pl.release()
	expr := col.SQL
	switch col.Kind {
	case lucene.Time:
		expr = "strftime(" + col.SQL + ", '%Y-%m-%dT%H:%M:%S.%fZ')"
	case lucene.Int, lucene.Float, lucene.Bool:
		expr = "CAST(" + col.SQL + " AS VARCHAR)"
	}
	// A field kept in the JSON of other fields may hold a list there:
	// its elements count one by one, as a list column's do.
	jsonList := col.Kind == lucene.Dynamic && col.List != ""
	var b strings.Builder
	var args []any
	n := 0
	for _, v := range pl.parts {
		w, wargs, ok := pl.where(v)
		if !ok {
			continue
		}
		if n > 0 {
			b.WriteString(" UNION ALL ")
		}
		n++
		if jsonList {
			fmt.Fprintf(&b, "SELECT %s AS v, %s AS l FROM %s WHERE %s", expr, col.List, v.table, w)
			args = append(append(append(args, col.Args...), col.Args...), wargs...)
			continue
		}
		fmt.Fprintf(&b, "SELECT %s AS v FROM %s WHERE %s", expr, v.table, w)
		args = append(append(args, col.Args...), wargs...)
	}
	out := eventstore.Terms{Top: []eventstore.TermCount{}}
	if n == 0 {
		return out, nil
	}
	limit := size
	has := "v IS NOT NULL"
	if col.Kind == lucene.Keywords {
		// Grouped by whole lists (few distinct ones), split below.
		limit = 100_000
		// An empty list is stored as the separator alone: no value.
		has += " AND v <> ?"
		args = append(args, lucene.ListSep)
	}
	// The window sums every group, before LIMIT: the events having the
	// field, counted in the same pass.
	query := "SELECT v, count(*) AS n, CAST(sum(count(*)) OVER () AS BIGINT) FROM (" + b.String() + ") WHERE " + has +
		" GROUP BY v ORDER BY n DESC, v LIMIT ?"
	if jsonList {
		// Grouped by whole values first (events counted there), then each
		// list spread into its elements and counted again.
		query = "SELECT e, CAST(sum(n) AS BIGINT) AS c, CAST(max(events) AS BIGINT) FROM (" +
			"SELECT unnest(coalesce(l, [v])) AS e, n, events FROM (" +
			"SELECT v, l, count(*) AS n, sum(count(*)) OVER () AS events FROM (" + b.String() + ") " +
			"WHERE v IS NOT NULL AND (l IS NULL OR len(l) > 0) GROUP BY v, l)) " +
			"GROUP BY e ORDER BY c DESC, e LIMIT ?"
	}
	rows, err := s.db.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return eventstore.Terms{}, fmt.Errorf("cannot count values of %s: %w", field, err)
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		var v string
		var c int64
		if err := rows.Scan(&v, &c, &out.Events); err != nil {
			return eventstore.Terms{}, fmt.Errorf("cannot count values of %s: %w", field, err)
		}
		if col.Kind != lucene.Keywords {
			out.Top = append(out.Top, eventstore.TermCount{Term: v, Count: c})
			continue
		}
		for _, e := range splitList(v) {
			counts[e] += c
		}
	}
	if err := rows.Err(); err != nil {
		return eventstore.Terms{}, fmt.Errorf("cannot count values of %s: %w", field, err)
	}
	for e, c := range counts {
		out.Top = append(out.Top, eventstore.TermCount{Term: e, Count: c})
	}
	sortTerms(out.Top)
	if len(out.Top) > size {
		out.Top = out.Top[:size]
	}
	return out, nil
}
