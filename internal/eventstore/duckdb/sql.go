package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/query/lucene"
)

// Relation returns a SQL relation (usable after FROM) of the org's events
// whose @timestamp is in [from, to] (zero: unbounded), over the partitions
// that can hold them, with the partition columns (seq, id, org_id, ts,
// ingested, input, the typed ECS columns, message_words, fields, raw).
// Query compilers (KQL) build on it; the org, the range and the needles
// are bound parameters, and the table names come from the store itself.
//
// need narrows the rows to those that may meet every TextNeed (see
// needFilter): by the message's word column, and by the token index,
// which skips the blocks (seq ranges) that cannot hold an exact word of
// a needle. Rows returns how many rows the partitions read hold, after
// the index's skipping (the relation's time and org conditions and the
// word prefilter apply as DuckDB scans them). Without the index
// (Options.SearchWithoutIndex) Rows is the partitions' rows.
// A partition inside the range, read without needles, is not looked at
// block by block: all its rows are read.
//
// The tables the relation names stay there until ctx is done, even if
// retention removes their days meanwhile (see retention.go): run the
// queries built on it before then, and let ctx end after them (a context
// that never ends keeps the removed days' tables until the process
// stops).
func (s *Store) Relation(ctx context.Context, orgID string, from, to time.Time, need []eventstore.TextNeed) (r eventstore.Relation, err error) {
	if s.closed.Load() {
		return eventstore.Relation{}, eventstore.ErrClosed
	}
	parts, release := s.acquire(from, to)
	defer func() {
		if err != nil {
			release()
			return
		}
		context.AfterFunc(ctx, release)
	}()
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
	nf := needFilter(need)
	if nf.sql != "" {
		where += " AND " + nf.sql
		cond = append(cond, nf.args...)
	}
	// The range's bounds in µs, inclusive, for the blocks' time spans.
	lo, hi := int64(-1<<62), int64(1<<62)
	if !from.IsZero() {
		lo = from.UnixMicro()
	}
	if !to.IsZero() {
		hi = to.UnixMicro()
	}
	var b strings.Builder
	var args []any
	var rows int64
	n := 0
	b.WriteByte('(')
	for i := range parts {
		v := &parts[i]
		w, wargs := where, cond
		vrows := v.rows
		whole := lo <= v.minTS && hi >= v.maxTS
		switch {
		case s.opts.SearchWithoutIndex || whole && nf.prune == nil:
		case nf.prune == nil && !v.sealedLoaded:
			// Only the count is wanted: the blocks' spans, not the
			// partition's filters (200 ms for a day of the bench's
			// events, paid by the first query).
			metas, err := s.blockMetas(ctx, v.p)
			if err != nil {
				return eventstore.Relation{}, err
			}
			var sealed, inRange int64
			for _, m := range metas {
				sealed += m.rows
				if m.tsHi >= lo && m.tsLo <= hi {
					inRange += m.rows
				}
			}
			// Blocks sealed since metas were read count as unsealed:
			// all their rows.
			vrows = inRange + max(v.rows-sealed, 0)
		default:
			if err := s.loadSealed(ctx, v); err != nil {
				return eventstore.Relation{}, err
			}
			seq, count, skip := v.restrict(lo, hi, nf.prune)
			if skip {
				continue
			}
			if seq != "" {
				w += " AND " + seq
				wargs = append(append([]any{}, cond...), count.args...)
			}
			vrows = count.rows
		}
		if n > 0 {
			b.WriteString(" UNION ALL BY NAME ")
		}
		n++
		b.WriteString("SELECT * FROM " + v.table + " WHERE " + w)
		args = append(args, wargs...)
		rows += vrows
	}
	if n == 0 {
		return eventstore.Relation{SQL: emptyRelation()}, nil
	}
	b.WriteByte(')')
	return eventstore.Relation{SQL: b.String(), Args: args, Rows: rows}, nil
}

// blockMeta is a sealed block's time span and rows, without its filter.
type blockMeta struct{ tsLo, tsHi, rows int64 }

// blockMetas returns a partition's sealed blocks as first read (kept
// with the partition).
func (s *Store) blockMetas(ctx context.Context, p *partition) ([]blockMeta, error) {
	s.metaMu.Lock()
	m, ok := p.metas, p.metasLoaded
	s.metaMu.Unlock()
	if ok {
		return m, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ts_lo, ts_hi, rows FROM es_blocks WHERE part = ?`, p.key)
	if err != nil {
		return nil, fmt.Errorf("cannot read the blocks of %s: %w", p.key, err)
	}
	defer rows.Close()
	for rows.Next() {
		var lo, hi time.Time
		var b blockMeta
		if err := rows.Scan(&lo, &hi, &b.rows); err != nil {
			return nil, fmt.Errorf("cannot read the blocks of %s: %w", p.key, err)
		}
		b.tsLo, b.tsHi = lo.UnixMicro(), hi.UnixMicro()
		m = append(m, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the blocks of %s: %w", p.key, err)
	}
	s.metaMu.Lock()
	p.metas, p.metasLoaded = m, true
	s.metaMu.Unlock()
	return m, nil
}

// restricted is what the token index leaves of a partition: the args of
// its seq condition and the rows it reads.
type restricted struct {
	args []any
	rows int64
}

// restrict returns the seq condition that keeps the partition's blocks
// in [lo, hi] µs that prune keeps (none when most are kept, or prune is
// nil), the rows read (the blocks in the range or the kept ones, with
// the gaps merging ranges reads, and the rows not yet in a sealed
// block), and whether nothing can match.
func (v *partView) restrict(lo, hi int64, prune func(*block) bool) (string, restricted, bool) {
	var sealedRows, inTimeRows int64
	var inTime []*block
	var kept []seqRange
	for _, b := range v.sealed {
		sealedRows += int64(b.rows)
		if b.tsHi < lo || b.tsLo > hi {
			continue
		}
		inTime = append(inTime, b)
		inTimeRows += int64(b.rows)
		if prune != nil && prune(b) {
			kept = append(kept, seqRange{b.seqLo, b.seqHi})
		}
	}
	tail := v.maxSeq > v.sealedHi
	tailRows := max(v.rows-sealedRows, 0)
	if prune == nil || len(inTime) > 0 && len(kept)*2 > len(inTime) {
		return "", restricted{rows: inTimeRows + tailRows}, len(inTime) == 0 && !tail
	}
	if len(kept) == 0 && !tail {
		return "", restricted{}, true
	}
	ranges := mergeRanges(kept)
	var c strings.Builder
	var out restricted
	c.WriteString("(")
	for j, r := range ranges {
		if j > 0 {
			c.WriteString(" OR ")
		}
		c.WriteString("seq BETWEEN ? AND ?")
		out.args = append(out.args, r.lo, r.hi)
	}
	if tail {
		if len(ranges) > 0 {
			c.WriteString(" OR ")
		}
		c.WriteString("seq > ?")
		out.args = append(out.args, v.sealedHi)
		out.rows = tailRows
	}
	c.WriteString(")")
	for _, b := range inTime {
		for _, r := range ranges {
			if b.seqLo >= r.lo && b.seqHi <= r.hi {
				out.rows += int64(b.rows)
				break
			}
		}
	}
	return c.String(), out, false
}

// textFilter is the prefilter of a set of TextNeeds: SQL over a
// partition's columns, and what a block must hold (nil: the index cannot
// tell).
type textFilter struct {
	sql   string
	args  []any
	prune func(*block) bool
}

// needFilter turns needles into conditions that every row meeting them
// meets. A needle is a lowercased substring of the text (lower(x)
// contains it); the words of the text are the maximal runs of word bytes
// (lucene.IsWordByte: ASCII letters, digits, '_', and every non-ASCII
// byte), lowercased. KQL terms end at any byte that is not an ASCII
// letter or digit, so a needle's first and last runs may be parts of
// longer words ("sshd" is inside the word "x_sshd" or "ésshd"); only a
// run with a non-word byte of the needle on a side is known to end a
// word on that side. Hence, for every run r of the needle:
//
//   - in the word column ("\x1fw1\x1fw2\x1f"), "\x1f" + r where the needle
//     has a non-word byte before r, r + "\x1f" where it has one after,
//     else r alone, as a substring (the word that holds r holds it);
//   - in the token index, r itself, only when the needle has non-word
//     bytes on both sides of r (then r is a whole word of the text).
//
// Runs with non-ASCII bytes are skipped (DuckDB's lower() and Go's need
// not agree on every character), and so are numbers in the word column,
// which leaves them out (IsNumber). Lowercasing maps word bytes to word
// bytes and leaves the other (ASCII punctuation) bytes alone, so words
// of the text and of lower(text) are at the same places. A needle left
// with no condition makes its TextNeed say nothing.
func needFilter(need []eventstore.TextNeed) textFilter {
	var conds []string
	var args []any
	var prunes []func(*block) bool
	for _, n := range need {
		if n.Field != "message" && n.Field != "event.original" || len(n.Any) == 0 {
			continue
		}
		var ors []string
		var orArgs []any
		var keySets [][]uint64
		useWords, useIndex := n.Field == "message", true
		for _, needle := range n.Any {
			subs, words := needlePieces(needle)
			if len(subs) == 0 {
				useWords = false
			}
			if len(words) == 0 {
				useIndex = false
			}
			if useWords {
				var ands []string
				for _, sub := range subs {
					ands = append(ands, "contains(coalesce(message_words, ''), ?)")
					orArgs = append(orArgs, sub)
				}
				ors = append(ors, strings.Join(ands, " AND "))
			}
			if useIndex {
				keys := make([]uint64, len(words))
				for i, w := range words {
					keys[i] = wordKey(w)
				}
				keySets = append(keySets, keys)
			}
		}
		if useWords {
			conds = append(conds, "("+strings.Join(ors, " OR ")+")")
			args = append(args, orArgs...)
		}
		if useIndex {
			prunes = append(prunes, func(b *block) bool {
				for _, keys := range keySets {
					if b.mayHave(keys) {
						return true
					}
				}
				return false
			})
		}
	}
	f := textFilter{sql: strings.Join(conds, " AND "), args: args}
	if len(prunes) > 0 {
		f.prune = func(b *block) bool {
			for _, p := range prunes {
				if !p(b) {
					return false
				}
			}
			return true
		}
	}
	return f
}

// needlePieces returns the word-column substrings and the whole words a
// needle implies (see needFilter).
func needlePieces(needle string) (subs, words []string) {
	for i := 0; i < len(needle); {
		if !lucene.IsWordByte(needle[i]) {
			i++
			continue
		}
		j := i
		ascii := true
		for j < len(needle) && lucene.IsWordByte(needle[j]) {
			if needle[j] >= utf8.RuneSelf {
				ascii = false
			}
			j++
		}
		r := needle[i:j]
		left, right := i > 0, j < len(needle)
		i = j
		if !ascii {
			continue
		}
		if left && right {
			words = append(words, r)
		}
		if lucene.IsNumber(r) {
			continue
		}
		sub := r
		if left {
			sub = lucene.ListSep + sub
		}
		if right {
			sub += lucene.ListSep
		}
		subs = append(subs, sub)
	}
	return subs, words
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
