package duckdb

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/query/lucene"
)

// prepared is an event ready for the writer: its row and index keys are
// computed by the Append caller, so that concurrent callers share the
// CPU work and the single writer only appends.
type prepared struct {
	ev   event.Event
	part string
	ts   int64    // µs
	id   uint64   // idKey
	keys []uint64 // index keys: the id and the words of message and raw
	row  []driver.Value
}

// prepare validates and fills an event (ID, times) and builds its row.
func prepare(ev event.Event, now time.Time, cols []column) (prepared, error) {
	if ev.OrgID == "" {
		return prepared{}, fmt.Errorf("event without an org")
	}
	if ev.Ingested.IsZero() {
		ev.Ingested = now
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = ev.Ingested
	}
	// TIMESTAMP keeps microseconds; what Get returns is what was stored.
	ev.Timestamp = ev.Timestamp.UTC().Truncate(time.Microsecond)
	ev.Ingested = ev.Ingested.UTC().Truncate(time.Microsecond)
	if ev.ID == "" {
		ev.ID = event.DeriveID(ev.OrgID, ev.Input, ev.Raw)
	}
	ev.Seq = 0
	// DuckDB keeps text as UTF-8; invalid bytes (binary junk in a syslog
	// line) become U+FFFD rather than failing the whole batch.
	ev.Raw = validUTF8(ev.Raw)
	ev.Input = validUTF8(ev.Input)
	ev.ID = validUTF8(ev.ID)
	ev.OrgID = validUTF8(ev.OrgID)
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	keys := sc.keys[:0]
	for k, v := range ev.Fields {
		keys = append(keys, k)
		switch x := v.(type) {
		case string:
			if !utf8.ValidString(x) {
				ev.Fields = cloneFields(ev.Fields)
				ev.Fields[k] = validUTF8(x)
			}
		case []string:
			for i, e := range x {
				if !utf8.ValidString(e) {
					c := slices.Clone(x)
					c[i] = validUTF8(e)
					ev.Fields = cloneFields(ev.Fields)
					ev.Fields[k] = c
					x = c
				}
			}
		}
	}
	p := prepared{ev: ev, part: partKey(ev.Timestamp), ts: ev.Timestamp.UnixMicro(), id: idKey(ev.OrgID, ev.ID)}

	row := make([]driver.Value, len(cols))
	row[1], row[2], row[3], row[4], row[5] = ev.ID, ev.OrgID, ev.Timestamp, ev.Ingested, ev.Input
	// Sorted, so that the typed columns are filled in one walk and the
	// fields JSON has its keys in order.
	slices.Sort(keys)
	for _, k := range keys {
		if i, ok := typedIndex[k]; ok {
			if dv, ok := typedValue(cols[i].typ, ev.Fields[k]); ok {
				row[i] = dv
			}
		}
	}
	n := len(cols)
	msg, _ := ev.Fields["message"].(string)
	if _, ok := row[colIndex["message"]].(string); ok {
		row[n-3] = joinedWords(msg)
	}
	sc.buf = encodeFieldsSorted(sc.buf[:0], ev.Fields, keys)
	row[n-2] = string(sc.buf)
	row[n-1] = ev.Raw
	clear(keys)
	sc.keys = keys

	// Repeated words are not removed: adding a key to a bloom filter
	// twice costs less than sorting them out.
	words := make([]uint64, 0, 96)
	words = append(words, p.id)
	if msg != "" {
		words = addWordKeys(words, msg)
	}
	p.keys = addWordKeys(words, ev.Raw)
	p.row = row
	return p, nil
}

// scratch is prepare's reusable working memory.
type scratch struct {
	keys []string
	buf  []byte
}

var scratchPool = sync.Pool{New: func() any { return &scratch{buf: make([]byte, 0, 2048)} }}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// cloneFields copies fields before a change, once: the caller's map is
// not modified.
func cloneFields(f event.Fields) event.Fields {
	c := make(event.Fields, len(f))
	for k, v := range f {
		c[k] = v
	}
	return c
}

// typedIndex maps the ECS fields with a typed column to the column's
// position in a partition row.
var typedIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range partColumns() {
		if c.field != "" {
			m[c.field] = i
		}
	}
	return m
}()

// colIndex maps column names to their position in a partition row.
var colIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range partColumns() {
		m[c.name] = i
	}
	return m
}()

// typedValue converts a field value for its typed column; ok is false
// when it does not fit (the column stays NULL; the value is in fields
// like every other).
func typedValue(t event.Type, v any) (driver.Value, bool) {
	switch t {
	case event.TypeString:
		s, ok := v.(string)
		return s, ok
	case event.TypeInt:
		switch x := v.(type) {
		case int64:
			return x, true
		case int:
			return int64(x), true
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), true
			}
		}
	case event.TypeFloat:
		switch x := v.(type) {
		case float64:
			return x, !math.IsNaN(x) && !math.IsInf(x, 0)
		case int64:
			return float64(x), true
		case int:
			return float64(x), true
		}
	case event.TypeIP:
		if s, ok := v.(string); ok {
			if a, err := netip.ParseAddr(s); err == nil {
				if a.Is4() {
					return s, true // ParseAddr takes IPv4 in canonical form only
				}
				return a.String(), true
			}
		}
	case event.TypeStrings:
		switch x := v.(type) {
		case []string:
			return joinList(x), true
		case string:
			return joinList([]string{x}), true
		}
	}
	return nil, false
}

// joinList stores a list as lucene.ListSep-separated text with a
// separator before and after: "\x1fnetwork\x1fweb\x1f". It matches
// cheaply (contains, see lucene.Keywords) and groups by dictionary
// (count by event.type). The separator is not allowed inside values.
func joinList(l []string) string {
	var b strings.Builder
	b.WriteString(lucene.ListSep)
	for _, s := range l {
		b.WriteString(strings.ReplaceAll(s, lucene.ListSep, " "))
		b.WriteString(lucene.ListSep)
	}
	return b.String()
}

func splitList(s string) []string {
	s = strings.TrimPrefix(strings.TrimSuffix(s, lucene.ListSep), lucene.ListSep)
	if s == "" && len(s) == 0 {
		return []string{}
	}
	return strings.Split(s, lucene.ListSep)
}

// seenAfter is the length of joined words past which joinedWords keeps
// a set of them.
const seenAfter = 1024

// joinedWords returns the distinct words of s, lowercased, except the
// numbers, joined by lucene.ListSep with one before and after (no words:
// ""). See lucene.Column.Words.
func joinedWords(s string) string {
	b := make([]byte, 0, len(s)+8)
	b = append(b, lucene.ListSep...)
	// Repeats are found by scanning the words so far while they are few;
	// past seenAfter bytes a set takes over, so that a long message (up to
	// normalize.MaxRaw) costs linear time: scanning cost 6.5 s for 40,000
	// distinct words.
	var seen map[string]struct{}
	lucene.EachWord(s, func(w string) {
		if lucene.IsNumber(w) {
			return
		}
		start := len(b)
		b = append(b, w...)
		for i := start; i < len(b); i++ {
			if c := b[i]; c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			} else if c >= utf8.RuneSelf {
				b = append(b[:start], lucene.Lower(w)...)
				break
			}
		}
		b = append(b, lucene.ListSep...)
		// A repeated word goes again.
		word := b[start : len(b)-len(lucene.ListSep)]
		if seen != nil {
			if _, dup := seen[string(word)]; dup {
				b = b[:start]
			} else {
				seen[string(word)] = struct{}{}
			}
			return
		}
		if bytes.Contains(b[:start], b[start-1:]) {
			b = b[:start]
			return
		}
		if len(b) > seenAfter {
			seen = map[string]struct{}{}
			for _, w := range strings.Split(string(b[1:len(b)-1]), lucene.ListSep) {
				seen[w] = struct{}{}
			}
		}
	})
	if len(b) == 1 {
		return ""
	}
	return string(b)
}

// encodeFields writes the named fields as one JSON object, keys sorted.
// Integers are written without a fraction and floats always with one, so
// that the types come back as they went in (int64, float64).
func encodeFields(f event.Fields, keys []string) []byte {
	slices.Sort(keys)
	return encodeFieldsSorted(make([]byte, 0, 256), f, keys)
}

// encodeFieldsSorted appends the JSON object of the fields named by
// keys, which are sorted, to b.
func encodeFieldsSorted(b []byte, f event.Fields, keys []string) []byte {
	return event.AppendJSONObject(b, f, keys)
}

// decodeFields reads a JSON object written by encodeFields into f. The
// shapes encodeFields writes (strings, numbers, booleans, null, lists of
// strings) are read by hand, 4-5 times faster than encoding/json (every
// read of events decodes this column: search pages, Get, exports,
// detection's read-back, retro-hunts over a scan); anything else (a
// nested object, a list of other values, invalid JSON) goes to
// encoding/json, whose result the hand-read one equals (FuzzDecodeFields).
func decodeFields(f event.Fields, s string) error {
	if len(f) == 0 {
		if decodeFlat(f, s) {
			return nil
		}
		clear(f)
	}
	return decodeFieldsJSON(f, s)
}

// decodeFieldsJSON is decodeFields through encoding/json.
func decodeFieldsJSON(f event.Fields, s string) error {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return err
	}
	for k, v := range m {
		f[k] = fromJSON(v)
	}
	return nil
}

func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n
			}
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f
	case []any:
		strs := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				out := make([]any, len(x))
				for i, e := range x {
					out[i] = fromJSON(e)
				}
				return out
			}
			strs = append(strs, s)
		}
		return strs
	case map[string]any:
		for k, e := range x {
			x[k] = fromJSON(e)
		}
		return x
	}
	return v
}

// selectColumns is what reads of whole events select, in order: every
// field is in fields, so the typed columns (for queries) are not read.
const selectColumns = eventColumns + ", raw"

// eventColumns are selectColumns but raw. DuckDB reads two ZSTD columns
// in one scan far slower than each in a scan of its own (fetching one row
// by seq: about 1 ms for fields or raw alone, 9-10 ms for both; a
// 5,000-row range: 9 + 5 ms alone, 23 ms together), so reads of a few
// rows (fetch) take raw in a second query.
const eventColumns = "seq, id, org_id, ts, ingested, input, fields"

// scanner decodes rows of selectColumns (or eventColumns) into events.
type scanner struct {
	cols []column
	vals []any
	ptrs []any
}

func newScanner() *scanner { return newScannerOf(selectColumns) }

func newScannerOf(columns string) *scanner {
	var cols []column
	for _, name := range strings.Split(columns, ", ") {
		cols = append(cols, column{name: name})
	}
	s := &scanner{cols: cols, vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	return s
}

type rowScanner interface{ Scan(dest ...any) error }

// scan reads one row; extra receives columns after the event's.
func (s *scanner) scan(r rowScanner, extra ...any) (event.Event, error) {
	if err := r.Scan(append(s.ptrs[:len(s.vals):len(s.vals)], extra...)...); err != nil {
		return event.Event{}, fmt.Errorf("cannot read event: %w", err)
	}
	ev := event.Event{Fields: event.Fields{}}
	for i, c := range s.cols {
		v := s.vals[i]
		if v == nil {
			continue
		}
		switch c.name {
		case "seq":
			ev.Seq = v.(int64)
		case "id":
			ev.ID = v.(string)
		case "org_id":
			ev.OrgID = v.(string)
		case "ts":
			ev.Timestamp = v.(time.Time).UTC()
		case "ingested":
			ev.Ingested = v.(time.Time).UTC()
		case "input":
			ev.Input = v.(string)
		case "fields":
			if err := decodeFields(ev.Fields, v.(string)); err != nil {
				return event.Event{}, fmt.Errorf("cannot decode fields of event %s: %w", ev.ID, err)
			}
		case "raw":
			ev.Raw = v.(string)
		default:
			if c.typ == event.TypeStrings {
				ev.Fields[c.field] = splitList(v.(string))
			} else {
				ev.Fields[c.field] = v
			}
		}
	}
	return ev, nil
}
