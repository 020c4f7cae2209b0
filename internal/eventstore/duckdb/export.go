package duckdb

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/spreadsheet"
)

// exportChunk is how many events one keyset query of an export reads.
const exportChunk = 5000

// Export implements eventstore.Store. NDJSON and CSV stream in
// @timestamp order, a chunk at a time (keyset on ts, seq), so memory stays
// flat for any size; Parquet is written by DuckDB (COPY ... TO a file in
// the store's tmp directory) and then streamed.
func (s *Store) Export(ctx context.Context, orgID string, q eventstore.Query, f eventstore.Format, w io.Writer) (int64, error) {
	order, err := eventstore.ParseOrder(string(q.Order), eventstore.OldestFirst)
	if err != nil {
		return 0, err
	}
	switch f {
	case eventstore.FormatNDJSON, eventstore.FormatCSV:
	case eventstore.FormatParquet:
		return s.exportParquet(ctx, orgID, q, order, w)
	default:
		return 0, badQuery(fmt.Errorf("unknown export format %q (want ndjson, csv or parquet)", f))
	}
	pl, err := s.plan(ctx, orgID, q)
	if err != nil {
		return 0, err
	}
	// An export holds its partitions to its end: retention drops them
	// after it, so that it is never cut short.
	defer pl.release()
	bw := bufio.NewWriterSize(w, 256<<10)
	var write func(ev event.Event) error
	var cw *csv.Writer
	if f == eventstore.FormatCSV {
		cw = csv.NewWriter(bw)
		if err := cw.Write(csvHeader); err != nil {
			return 0, fmt.Errorf("cannot write export: %w", err)
		}
		rec := make([]string, len(csvHeader))
		write = func(ev event.Event) error { return cw.Write(csvRecord(rec, ev)) }
	} else {
		write = func(ev event.Event) error { return writeNDJSON(bw, ev) }
	}
	var n int64
	err = s.scan(ctx, pl, order, func(evs []event.Event) error {
		for _, ev := range evs {
			if err := write(ev); err != nil {
				return fmt.Errorf("cannot write export: %w", err)
			}
			n++
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return fmt.Errorf("cannot write export: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("cannot write export: %w", err)
	}
	return n, nil
}

// Scan implements eventstore.Store.
func (s *Store) Scan(ctx context.Context, orgID string, q eventstore.Query, fn func([]event.Event) error) error {
	if s.closed.Load() {
		return eventstore.ErrClosed
	}
	pl, err := s.plan(ctx, orgID, q)
	if err != nil {
		return err
	}
	defer pl.release()
	return s.scan(ctx, pl, eventstore.OldestFirst, fn)
}

// scan reads the plan's events in the order of (ts, seq), a chunk at a
// time (keyset on ts, seq), and calls fn with each chunk. One chunk is
// read while fn handles the one before it: the reading is mostly DuckDB's
// threads, fn (an export's encoding, a retro-hunt's matching) Go's.
func (s *Store) scan(ctx context.Context, pl *plan, order eventstore.Order, fn func([]event.Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // a read under way when fn fails stops early
	type chunk struct {
		evs []event.Event
		err error
	}
	read := func(after *cursor) <-chan chunk {
		ch := make(chan chunk, 1)
		go func() {
			extra, extraArgs := "", []any(nil)
			parts := pl.parts
			if after != nil {
				extra, extraArgs = after.rest()
				// Partitions entirely behind the cursor are done (they
				// are in time order).
				if order == eventstore.OldestFirst {
					for len(parts) > 0 && parts[0].maxTS < after.ts {
						parts = parts[1:]
					}
				} else {
					for len(parts) > 0 && parts[len(parts)-1].minTS > after.ts {
						parts = parts[:len(parts)-1]
					}
				}
			}
			chunkPlan := *pl
			chunkPlan.parts = parts
			u, args := chunkPlan.union(selectColumns, extra, extraArgs)
			if u == "" {
				ch <- chunk{}
				return
			}
			evs, err := s.queryEvents(ctx, "SELECT * FROM ("+u+") ORDER BY "+orderBy(order), append(args, exportChunk)...)
			ch <- chunk{evs, err}
		}()
		return ch
	}
	pending := read(nil)
	defer func() {
		// A read still under way names the plan's tables: it ends before
		// scan returns and the caller releases them.
		if pending != nil {
			cancel()
			<-pending
		}
	}()
	for pending != nil {
		c := <-pending
		pending = nil
		if c.err != nil {
			return c.err
		}
		if len(c.evs) == exportChunk {
			last := c.evs[len(c.evs)-1]
			pending = read(&cursor{ts: last.Timestamp.UnixMicro(), seq: last.Seq, order: order})
		}
		if len(c.evs) == 0 {
			continue
		}
		if err := fn(c.evs); err != nil {
			return err
		}
	}
	return nil
}

// writeNDJSON writes the nested ECS document of an event, with
// @timestamp, event.ingested, event.original (the raw text) and _id.
func writeNDJSON(w io.Writer, ev event.Event) error {
	doc := ev.Fields.Nested()
	doc["@timestamp"] = ev.Timestamp.UTC().Format(time.RFC3339Nano)
	doc["_id"] = ev.ID
	if m, ok := doc["event"].(map[string]any); ok {
		m["ingested"] = ev.Ingested.UTC().Format(time.RFC3339Nano)
		m["original"] = ev.Raw
	} else if _, clash := doc["event"]; !clash {
		doc["event"] = map[string]any{"ingested": ev.Ingested.UTC().Format(time.RFC3339Nano), "original": ev.Raw}
	} else {
		doc["event.ingested"] = ev.Ingested.UTC().Format(time.RFC3339Nano)
		doc["event.original"] = ev.Raw
	}
	// The fields' own encoder (keys sorted, no reflection): about 2x
	// json.Marshal's speed; integers stay integers and floats keep a
	// fraction, as in the store.
	bp := ndjsonBuf.Get().(*[]byte)
	b := append(event.AppendJSONValue((*bp)[:0], doc), '\n')
	_, err := w.Write(b)
	*bp = b
	ndjsonBuf.Put(bp)
	return err
}

var ndjsonBuf = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// csvHeader are the CSV export's columns: what an analyst reads in a
// spreadsheet; NDJSON and Parquet carry every field.
var csvHeader = []string{
	"@timestamp", "_id", "severity", "event.severity", "event.kind", "event.category", "event.type", "event.action",
	"event.outcome", "event.dataset", "event.code", "host.name", "user.name", "source.ip", "source.port",
	"destination.ip", "destination.port", "process.name", "process.command_line", "url.full", "message", "event.original",
}

// csvRecord fills rec with the event's cells. Cells of text from the
// event (everything but the time, the ID and the severity label) go
// through spreadsheet.Cell: a message "=HYPERLINK(...)" must not become
// a formula in the analyst's spreadsheet.
func csvRecord(rec []string, ev event.Event) []string {
	for i, h := range csvHeader {
		switch h {
		case "@timestamp":
			rec[i] = ev.Timestamp.UTC().Format(time.RFC3339Nano)
		case "_id":
			rec[i] = ev.ID
		case "severity":
			rec[i] = ""
			if n, ok := ev.Fields.Int("event.severity"); ok {
				rec[i] = event.SeverityLabel(n)
			}
		case "event.original":
			rec[i] = spreadsheet.Cell(ev.Raw)
		default:
			rec[i] = spreadsheet.Cell(ev.Fields.Str(h))
		}
	}
	return rec
}

// parquetColumns are the Parquet export's columns, named by their ECS
// fields; lists are real lists.
var parquetColumns = func() string {
	cols := []string{`ts AS "@timestamp"`, `id AS _id`, `ingested AS "event.ingested"`, `input`}
	for _, c := range event.Columns {
		expr := c.Name
		if c.Type == event.TypeStrings {
			expr = "CASE WHEN " + c.Name + " IS NULL THEN NULL ELSE list_filter(string_split(" + c.Name + ", chr(31)), x -> x <> '') END"
		}
		cols = append(cols, expr+` AS "`+c.Field+`"`)
	}
	cols = append(cols, `fields`, `raw AS "event.original"`)
	return strings.Join(cols, ", ")
}()

func (s *Store) exportParquet(ctx context.Context, orgID string, q eventstore.Query, order eventstore.Order, w io.Writer) (int64, error) {
	pl, err := s.plan(ctx, orgID, q)
	if err != nil {
		return 0, err
	}
	defer pl.release()
	u, args := pl.union("*", "", nil)
	if u == "" {
		u = "SELECT * FROM " + templateTable + " WHERE FALSE"
	}
	f, err := os.CreateTemp(s.tmpDir, "export-*.parquet")
	if err != nil {
		return 0, fmt.Errorf("cannot create export file: %w", err)
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	// The path is ours (the store's tmp directory), never user text.
	query := "COPY (SELECT " + parquetColumns + " FROM (" + u + ") ORDER BY " + orderKeys(order, "") + ") TO '" + strings.ReplaceAll(filepath.ToSlash(path), "'", "''") + "' (FORMAT parquet, COMPRESSION zstd)"
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("cannot export events: %w", err)
	}
	n, _ := res.RowsAffected()
	f, err = os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("cannot read export file: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return n, fmt.Errorf("cannot write export: %w", err)
	}
	return n, nil
}
