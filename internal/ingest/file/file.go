// Package file imports events from files, for `eventsec import FILE...`:
// NDJSON, plain log lines (syslog, CEF, LEEF, key=value, auth logs: the
// format is detected line by line) and Windows .evtx files, any of them
// gzip-compressed. It shows a progress bar and returns a summary: records
// read, stored, already stored, and failed with reasons.
//
// Importing is idempotent: a line's ID derives from its text and line
// number (or is the record's own "id"), so importing a file twice stores
// it once, while identical lines of one file stay distinct events.
package file

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/normalize/evtx"
)

// Options configure an import.
type Options struct {
	Pipeline *ingest.Pipeline // required
	OrgID    string           // required
	// Progress receives a progress bar, redrawn in place ("\r") a few
	// times a second, and a final line; nil shows none.
	Progress io.Writer
	// OldBefore, when set, counts the stored events dated before it in
	// Summary.Old (the organisation's retention cut-off: the next
	// retention run deletes them).
	OldBefore time.Time
	// ProgressLines writes the progress as a plain line every ten seconds
	// instead (for a log file or a pipe, where "\r" piles up).
	ProgressLines bool
	// Format of text lines: "auto" (default: a line starting with "{" is
	// JSON, others are detected by the normalizer), "json" or "ndjson"
	// (every line must be a JSON object), or a normalize format ("syslog",
	// "cef", "leef", "kv", "plain"). .evtx files are recognised by content.
	Format normalize.Format
	// BatchSize is how many records are submitted at once (default 2,000).
	BatchSize int
	// Workers normalize and submit batches in parallel (default GOMAXPROCS).
	Workers int
	// Listener is the metrics label (default "import").
	Listener string
	// Ledger remembers how each file name's undated lines were dated, so
	// that a log imported again after it grew keeps its earlier lines'
	// times (and so their IDs) instead of taking the new modification
	// time (nil: every import dates them by the file's current time).
	Ledger eventstore.ImportLedger
}

// Summary says what an import did.
type Summary struct {
	Files      int
	Bytes      int64 // bytes read from disk
	Read       int   // records read
	Stored     int   // newly stored
	Duplicates int   // already stored (an earlier import of the same data)
	// ParseErrors counts records stored raw because no parser understood
	// them (tagged _parse_error): they are stored, not failed.
	ParseErrors int
	// Failed counts records not stored, FailedFiles files that could not
	// be read; Reasons says why, by reason.
	Failed      int
	FailedFiles int
	Reasons     map[string]int
	// Failures locate the first MaxFailures failed records, in file and
	// line order; Failed counts them all.
	Failures []Failure
	// Warnings describe damage that cost records whose number is
	// unknown (corrupt evtx chunks).
	Warnings []string
	Elapsed  time.Duration
	// First and Last are the earliest and latest @timestamp of the events
	// stored; Old counts those dated before Options.OldBefore.
	First, Last time.Time
	Old         int
}

// Failure is one record that was not stored, and why.
type Failure struct {
	File string `json:"file"`
	// Line is the record's 1-based line, 0 for a record of an .evtx file.
	Line int `json:"line,omitempty"`
	// Column is the 1-based byte of the line where malformed JSON went
	// wrong, 0 when not known.
	Column int    `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// String is "file:line:column: reason", as compilers write it.
func (f Failure) String() string {
	var b strings.Builder
	b.WriteString(f.File)
	if f.Line > 0 {
		b.WriteString(":" + strconv.Itoa(f.Line))
		if f.Column > 0 {
			b.WriteString(":" + strconv.Itoa(f.Column))
		}
	}
	return b.String() + ": " + f.Reason
}

// MaxFailures is how many failed records a summary locates.
const MaxFailures = 20

// AddFailures adds failures to s.Failures, keeping the first MaxFailures
// in the order of the files (order holds the files' positions: the
// import's paths) and of their lines.
func (s *Summary) AddFailures(order map[string]int, fs ...Failure) {
	if len(fs) == 0 {
		return
	}
	s.Failures = append(s.Failures, fs...)
	// Batches finish in any order.
	slices.SortStableFunc(s.Failures, func(a, b Failure) int {
		return cmp.Or(cmp.Compare(order[a.File], order[b.File]), cmp.Compare(a.Line, b.Line))
	})
	if len(s.Failures) > MaxFailures {
		s.Failures = slices.Clip(s.Failures[:MaxFailures])
	}
}

// maxLine bounds a text line: longer ones are cut (and tagged
// _raw_truncated), never held whole in memory.
const maxLine = normalize.MaxRaw

// record is one thing read from a file.
type record struct {
	raw  []byte
	obj  map[string]any // a Windows event record
	line int            // 1-based line number of a text record
	cut  bool
}

type batch struct {
	file    string
	records []record
	// modified is the file's modification time: the time of its records
	// that have none of their own (see store).
	modified time.Time
}

// importer is one run of Import.
type importer struct {
	o     Options
	p     *ingest.Pipeline
	prog  *progress
	order map[string]int // each path's position, to sort failures
	mu    sync.Mutex     // guards sum and dated
	sum   Summary
	fatal error
	// dated are the ledger records of the files read, written once
	// their every batch is stored.
	dated []datedFile
}

// datedFile is a file's ledger record, to be written; it replaces the
// record it was read from (prev, when it had one).
type datedFile struct {
	path, name string
	rec        eventstore.ImportedFile
	prev       *eventstore.ImportedFile
}

// ledgerHead is how much of a file's start identifies it in the ledger;
// ledgerFiles bounds the files a name keeps records of (the oldest go).
const (
	ledgerHead  = 4096
	ledgerFiles = 16
)

// Import reads the files and stores their events. It returns the summary
// and an error only when the import could not go on (the store failed, or
// ctx ended); unreadable files and invalid records are counted in the
// summary and the import goes on.
func Import(ctx context.Context, paths []string, o Options) (Summary, error) {
	if o.Pipeline == nil || o.OrgID == "" {
		return Summary{}, errors.New("cannot import: a pipeline and an org are required")
	}
	switch o.Format {
	case "":
		o.Format = normalize.FormatAuto
	case "ndjson", "jsonl":
		o.Format = normalize.FormatJSON
	case normalize.FormatAuto, normalize.FormatJSON, normalize.FormatSyslog, normalize.FormatCEF,
		normalize.FormatLEEF, normalize.FormatKV, normalize.FormatPlain:
	default:
		return Summary{}, fmt.Errorf("cannot import: unknown format %q (auto, json, syslog, cef, leef, kv or plain)", o.Format)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Listener == "" {
		o.Listener = "import"
	}
	start := time.Now()
	im := &importer{o: o, p: o.Pipeline, sum: Summary{Reasons: map[string]int{}}, order: map[string]int{}}
	im.p.Counters(o.Listener).Expect(ingest.Reasons{Rejected: []string{ingest.ReasonInvalidJSON, ingest.ReasonNotObject,
		ingest.ReasonTooDeep, ingest.ReasonEmptyObject}})
	var total int64
	for i, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
		}
		if _, ok := im.order[p]; !ok {
			im.order[p] = i
		}
	}
	im.prog = newProgress(o.Progress, total, len(paths), o.ProgressLines)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	batches := make(chan batch, o.Workers)
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Go(func() {
			for b := range batches {
				if err := im.store(ctx, b); err != nil {
					im.fail(err)
					cancel()
				}
			}
		})
	}
	readErr := func() error {
		defer close(batches)
		for i, path := range paths {
			im.prog.file(i+1, path)
			if err := im.readFile(ctx, path, batches); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				im.count(func(s *Summary) { s.FailedFiles++; s.Reasons[err.Error()]++ })
				continue
			}
			im.count(func(s *Summary) { s.Files++ })
		}
		return nil
	}()
	wg.Wait()
	if im.fatal == nil && readErr == nil {
		im.recordDating(ctx)
	}
	im.prog.done()
	im.sum.Elapsed = time.Since(start)
	im.sum.Bytes = im.prog.bytes.Load()
	if im.fatal != nil {
		return im.sum, im.fatal
	}
	if readErr != nil {
		return im.sum, fmt.Errorf("cannot finish the import: %w", readErr)
	}
	return im.sum, nil
}

// recordDating writes the ledger records of the files read, now that
// their events are stored. A failure costs only the next import of a
// grown file its dating: it is a warning, not an error.
func (im *importer) recordDating(ctx context.Context) {
	for _, d := range im.dated {
		// Read again: another file of this import may share the name.
		list, err := im.o.Ledger.ImportedFiles(ctx, im.o.OrgID, d.name)
		if err == nil {
			if d.prev != nil {
				list = slices.DeleteFunc(list, func(f eventstore.ImportedFile) bool { return sameFile(f, *d.prev) })
			}
			list = append(list, d.rec)
			if len(list) > ledgerFiles {
				list = list[len(list)-ledgerFiles:]
			}
			err = im.o.Ledger.RecordImportedFiles(ctx, im.o.OrgID, d.name, list)
		}
		if err != nil {
			im.count(func(s *Summary) {
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s: cannot record how its lines without a time were dated (%v); importing it again after it grows may store them again", d.path, err))
			})
		}
	}
}

// dating reads the ledger's record of a plain text file: the segments of
// an earlier import that still apply (the file starts as it did and is
// no shorter), and the record to write once this import has stored it,
// ending at size. ok is false when the file is not to be dated by the
// ledger.
func (im *importer) dating(ctx context.Context, f *os.File, path string, size int64) (segs []eventstore.ImportSegment, next eventstore.ImportedFile, prev *eventstore.ImportedFile, ok bool) {
	if im.o.Ledger == nil || size == 0 {
		return nil, next, nil, false
	}
	name := filepath.Base(path)
	head := make([]byte, min(size, ledgerHead))
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, next, nil, false
	}
	next = eventstore.ImportedFile{HeadLen: int64(len(head)), HeadSum: xxhash.Sum64(head)}
	list, err := im.o.Ledger.ImportedFiles(ctx, im.o.OrgID, name)
	if err != nil {
		im.count(func(s *Summary) {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: %v; its lines without a time take its modification time", path, err))
		})
		return nil, next, nil, false
	}
	// The newest record of a file that starts as this one does and is no
	// longer than it: this file, grown.
	for i := len(list) - 1; i >= 0; i-- {
		p := list[i]
		if len(p.Segments) > 0 && p.HeadLen <= int64(len(head)) && xxhash.Sum64(head[:p.HeadLen]) == p.HeadSum &&
			p.Segments[len(p.Segments)-1].End <= size {
			segs, prev = p.Segments, &list[i]
			break
		}
	}
	next.Segments = slices.Clone(segs)
	return segs, next, prev, true
}

// sameFile says whether two ledger records are of one file (its head).
func sameFile(a, b eventstore.ImportedFile) bool {
	return a.HeadLen == b.HeadLen && a.HeadSum == b.HeadSum
}

func (im *importer) count(f func(*Summary)) {
	im.mu.Lock()
	f(&im.sum)
	im.mu.Unlock()
}

func (im *importer) fail(err error) {
	im.mu.Lock()
	if im.fatal == nil {
		im.fatal = err
	}
	im.mu.Unlock()
}

// readFile reads one file into batches.
func (im *importer) readFile(ctx context.Context, path string, out chan<- batch) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	var head [8]byte
	if n, _ := f.ReadAt(head[:], 0); string(head[:n]) == "ElfFile\x00" {
		cr := &countingReaderAt{r: f, n: &im.prog.bytes}
		err := im.readEVTX(ctx, path, cr, out)
		if fi, serr := f.Stat(); err == nil && serr == nil {
			cr.reached(fi.Size()) // chunks' unused tails are never read
		}
		return err
	}
	br := bufio.NewReaderSize(&countingReader{r: f, n: &im.prog.bytes}, 256<<10)
	var src io.Reader = br
	if head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("cannot read %s: not valid gzip: %w", path, err)
		}
		defer zr.Close()
		inner := bufio.NewReaderSize(zr, 256<<10)
		if h, _ := inner.Peek(8); string(h) == "ElfFile\x00" {
			return im.readCompressedEVTX(ctx, path, inner, out)
		}
		src = inner
	}
	var modified time.Time
	var size int64
	if fi, err := f.Stat(); err == nil {
		modified, size = fi.ModTime(), fi.Size()
	}
	// A plain file's undated lines keep the times an earlier import gave
	// them (a compressed file does not grow).
	var segs []eventstore.ImportSegment
	var next eventstore.ImportedFile
	var prev *eventstore.ImportedFile
	ledger := false
	if src == io.Reader(br) && !modified.IsZero() {
		segs, next, prev, ledger = im.dating(ctx, f, path, size)
	}
	end, err := im.readLines(ctx, path, modified, segs, src, out)
	if err != nil || !ledger {
		return err
	}
	if len(segs) > 0 && end <= segs[len(segs)-1].End {
		return nil // nothing new: the record stands
	}
	next.Segments = append(next.Segments, eventstore.ImportSegment{End: end, Modified: modified.UTC()})
	im.mu.Lock()
	im.dated = append(im.dated, datedFile{path: path, name: filepath.Base(path), rec: next, prev: prev})
	im.mu.Unlock()
	return nil
}

func (im *importer) send(ctx context.Context, out chan<- batch, b batch) error {
	select {
	case out <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readLines reads text lines into batches. A line starting before the
// End of one of segs takes that segment's time when it has none of its
// own; later lines take modified. It returns how many bytes it read.
func (im *importer) readLines(ctx context.Context, path string, modified time.Time, segs []eventstore.ImportSegment, r io.Reader, out chan<- batch) (int64, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 256<<10)
	}
	dateOf := func(off int64) time.Time {
		for len(segs) > 0 && off >= segs[0].End {
			segs = segs[1:]
		}
		if len(segs) > 0 {
			return segs[0].Modified
		}
		return modified
	}
	var off int64
	b := batch{file: path, modified: dateOf(0)}
	line := 0
	for {
		at := off
		raw, cut, n, err := readLine(br)
		off += int64(n)
		if err != nil && err != io.EOF {
			return off, fmt.Errorf("cannot read %s at line %d: %w", path, line+1, err)
		}
		if m := dateOf(at); !m.Equal(b.modified) {
			// A batch's undated records share one time.
			if len(b.records) > 0 {
				if err := im.send(ctx, out, b); err != nil {
					return off, err
				}
			}
			b = batch{file: path, modified: m}
		}
		if err == io.EOF && len(raw) == 0 && !cut {
			break
		}
		line++
		if line == 1 {
			// Windows tools start UTF-8 files with a byte order mark.
			raw = ingest.TrimBOM(raw)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			b.records = append(b.records, record{raw: bytes.Clone(raw), line: line, cut: cut})
			im.prog.record()
		}
		if len(b.records) >= im.o.BatchSize {
			if err := im.send(ctx, out, b); err != nil {
				return off, err
			}
			b = batch{file: path, modified: b.modified}
		}
		if err == io.EOF {
			break
		}
	}
	if len(b.records) > 0 {
		return off, im.send(ctx, out, b)
	}
	return off, nil
}

// readLine reads one line without its LF (and CR), at most maxLine bytes
// of it; the rest of a longer line is skipped and cut is true. n is the
// bytes it consumed, LF included.
func readLine(br *bufio.Reader) (line []byte, cut bool, n int, err error) {
	for {
		frag, e := br.ReadSlice('\n')
		n += len(frag)
		if len(line)+len(frag) > maxLine {
			room := maxLine - len(line)
			line = append(line, frag[:max(room, 0)]...)
			cut = true
		} else if !cut {
			line = append(line, frag...)
		}
		switch {
		case e == bufio.ErrBufferFull:
			continue
		case e != nil:
			return bytes.TrimRight(line, "\r\n"), cut, n, e
		default:
			return bytes.TrimRight(line, "\r\n"), cut, n, nil
		}
	}
}

func (im *importer) readEVTX(ctx context.Context, path string, r io.ReaderAt, out chan<- batch) error {
	b := batch{file: path}
	st, err := evtx.Read(r, func(rec map[string]any) error {
		b.records = append(b.records, record{obj: rec})
		im.prog.record()
		if len(b.records) >= im.o.BatchSize {
			if err := im.send(ctx, out, b); err != nil {
				return err
			}
			b = batch{file: path}
		}
		return nil
	})
	if len(b.records) > 0 && err == nil {
		err = im.send(ctx, out, b)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	if st.CorruptChunks > 0 {
		im.count(func(s *Summary) {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: %d corrupt chunks skipped in whole or part", path, st.CorruptChunks))
			for _, p := range st.Problems {
				s.Warnings = append(s.Warnings, path+": "+p)
			}
		})
	}
	return nil
}

// readCompressedEVTX decompresses to a temporary file: the evtx reader
// needs random access.
func (im *importer) readCompressedEVTX(ctx context.Context, path string, r io.Reader, out chan<- batch) error {
	tmp, err := os.CreateTemp("", "eventsec-import-*.evtx")
	if err != nil {
		return fmt.Errorf("cannot decompress %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, r); err != nil {
		return fmt.Errorf("cannot decompress %s: %w", path, err)
	}
	return im.readEVTX(ctx, path, tmp, out)
}

// store normalizes and submits one batch.
func (im *importer) store(ctx context.Context, b batch) error {
	now := im.p.Now()
	// A record without a time of its own is dated by its file's
	// modification time, not by the import's clock (as Splunk does for a
	// file's undated lines): importing the same file again then gives
	// its records the same time as well as the same IDs, and the store
	// recognises them as duplicates.
	undated := func(ev *event.Event) {
		if !b.modified.IsZero() && ev.Timestamp.Equal(now) {
			ev.Timestamp = b.modified.UTC()
		}
	}
	evs := make([]event.Event, 0, len(b.records))
	reasons := map[string]int{}
	var failures []Failure
	rejected := map[string]int{} // by metric reason
	fail := func(rec record, err error) {
		reasons[reasonText(err)]++
		rejected[ingest.Reason(err)]++
		failures = append(failures, Failure{File: b.file, Line: rec.line, Column: jsonColumn(rec.raw, err), Reason: err.Error()})
	}
	for _, rec := range b.records {
		in := normalize.Input{OrgID: im.o.OrgID, Input: "import", Received: now, Raw: rec.raw, Format: im.o.Format}
		var ev event.Event
		switch {
		case rec.obj != nil:
			raw, err := json.Marshal(rec.obj)
			if err != nil {
				fail(rec, fmt.Errorf("cannot encode Windows event: %w", err))
				continue
			}
			in.Raw, in.Format = raw, normalize.FormatWindows
			ev = im.p.Normalizer().NormalizeWindows(in, rec.obj)
		case rec.cut:
			// A line cut to the largest event kept is no longer whole
			// JSON (or whole anything): stored as its text, tagged
			// below, as POST /api/v1/events keeps an over-long item.
			in.Format = normalize.FormatPlain
			ev = im.p.Normalizer().Normalize(in)
			ev.ID = lineID(&ev, rec.line)
		case im.o.Format == normalize.FormatJSON || (im.o.Format == normalize.FormatAuto && rec.raw[firstNonSpace(rec.raw)] == '{'):
			// {} is no event, as POST /api/v1/events answers.
			if ingest.EmptyObject(rec.raw) {
				fail(rec, ingest.ErrEmptyObject)
				continue
			}
			var client bool
			var err error
			ev, client, err = im.p.NormalizeJSON(in, ingest.DefaultMaxDepth)
			if err != nil {
				fail(rec, err)
				continue
			}
			if !client {
				ev.ID = lineID(&ev, rec.line)
			}
		default:
			ev = im.p.Normalizer().Normalize(in)
			ev.ID = lineID(&ev, rec.line)
		}
		if rec.cut {
			ingest.AddTag(ev.Fields, normalize.TagRawTruncated)
		}
		undated(&ev)
		evs = append(evs, ev)
	}
	for r, n := range rejected {
		im.p.Counters(im.o.Listener).Rejected(r, n)
	}
	im.p.Counters(im.o.Listener).Received(len(b.records))
	res, err := im.p.SubmitWait(ctx, evs, im.o.Listener)
	if err != nil {
		return fmt.Errorf("cannot store events from %s: %w", b.file, err)
	}
	parseErrors, old := 0, 0
	var first, last time.Time
	for _, ev := range res.Committed {
		if tags, _ := ev.Fields["tags"].([]string); containsTag(tags, event.TagParseError) {
			parseErrors++
		}
		if first.IsZero() || ev.Timestamp.Before(first) {
			first = ev.Timestamp
		}
		last = maxTime(last, ev.Timestamp)
		if ev.Timestamp.Before(im.o.OldBefore) {
			old++
		}
	}
	im.count(func(s *Summary) {
		if !first.IsZero() && (s.First.IsZero() || first.Before(s.First)) {
			s.First = first
		}
		s.Last = maxTime(s.Last, last)
		s.Old += old
		s.Read += len(b.records)
		s.Stored += res.Stored
		s.Duplicates += res.Duplicates
		s.ParseErrors += parseErrors
		s.Failed += len(failures)
		for k, v := range reasons {
			s.Reasons[k] += v
		}
		s.AddFailures(im.order, failures...)
	})
	im.prog.stored(res.Stored, res.Duplicates, len(failures))
	return nil
}

// jsonColumn is the 1-based byte of line where its malformed JSON (err
// is ErrBadJSON) went wrong, or 0.
func jsonColumn(line []byte, err error) int {
	if !errors.Is(err, ingest.ErrBadJSON) {
		return 0
	}
	body := bytes.TrimLeft(line, " \t\r")
	lead := len(line) - len(body)
	body = bytes.TrimRight(body, " \t\r")
	var v any
	err = json.Unmarshal(body, &v)
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &se) && strings.HasPrefix(se.Error(), "unexpected end"):
		// Cut short: it goes wrong where the line ends.
		return lead + len(body) + 1
	case se != nil:
		// Offset counts the bytes read, the bad one included.
		return lead + int(max(se.Offset, 1))
	}
	return 0
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// lineID derives a text record's ID from its text and line number: the
// same file imported twice maps to the same IDs, identical lines do not
// collapse into one event.
func lineID(ev *event.Event, line int) string {
	if line <= 0 {
		return ev.ID
	}
	return event.DeriveID(ev.OrgID, ev.Input, ev.Raw+"\x00line "+strconv.Itoa(line))
}

func firstNonSpace(b []byte) int {
	for i, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return i
		}
	}
	return 0
}

func containsTag(tags []string, t string) bool {
	for _, x := range tags {
		if x == t {
			return true
		}
	}
	return false
}

// reasonText names an invalid record's reason for the summary.
func reasonText(err error) string {
	for _, e := range []error{ingest.ErrTooDeep, ingest.ErrNotObject, ingest.ErrBadJSON, ingest.ErrEmptyObject} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return err.Error()
}

// String renders the summary for people.
func (s Summary) String() string {
	var b strings.Builder
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Read) / s.Elapsed.Seconds()
	}
	fmt.Fprintf(&b, "Imported %d file(s), %s in %s (%s records/s)\n", s.Files, humanBytes(s.Bytes), s.Elapsed.Round(time.Millisecond), humanInt(int(rate)))
	fmt.Fprintf(&b, "  read:       %s\n", humanInt(s.Read))
	fmt.Fprintf(&b, "  stored:     %s", humanInt(s.Stored))
	if s.ParseErrors > 0 {
		fmt.Fprintf(&b, " (%s kept raw: no parser understood them; tagged _parse_error)", humanInt(s.ParseErrors))
	}
	if s.Stored > 0 {
		fmt.Fprintf(&b, ", dated %s to %s", s.First.UTC().Format(time.DateTime), s.Last.UTC().Format(time.DateTime))
	}
	fmt.Fprintf(&b, "\n  duplicates: %s (already stored)\n", humanInt(s.Duplicates))
	fmt.Fprintf(&b, "  failed:     %s", humanInt(s.Failed))
	if s.FailedFiles > 0 {
		fmt.Fprintf(&b, " (and %d file(s) could not be read)", s.FailedFiles)
	}
	b.WriteByte('\n')
	keys := make([]string, 0, len(s.Reasons))
	for k := range s.Reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return s.Reasons[keys[i]] > s.Reasons[keys[j]] || s.Reasons[keys[i]] == s.Reasons[keys[j]] && keys[i] < keys[j]
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "    %6s  %s\n", humanInt(s.Reasons[k]), k)
	}
	if len(s.Failures) > 0 {
		b.WriteString("  failed records (file:line:column: reason):\n")
		for _, f := range s.Failures {
			fmt.Fprintf(&b, "    %s\n", f)
		}
		if more := s.Failed - len(s.Failures); more > 0 {
			fmt.Fprintf(&b, "    ... and %s more\n", humanInt(more))
		}
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(&b, "  warning: %s\n", w)
	}
	return b.String()
}

// RetentionNote is the summary's warning that old events of an import
// are stored only until the next retention run: old of them are dated
// before cutoff, the organisation (named org, or unnamed) keeping days.
func RetentionNote(old int, cutoff time.Time, days int, org string) string {
	who := "the organisation"
	if org != "" {
		who = fmt.Sprintf("organisation %q", org)
	}
	return fmt.Sprintf("  note:       %s of them are dated before %s: %s keeps %d days of events,\n"+
		"              and the next retention run (at the server's start and every hour, or eventsec\n"+
		"              retention) deletes them. To keep them, raise the retention (Administration →\n"+
		"              Settings, or PATCH /api/v1/settings).\n",
		humanInt(old), cutoff.UTC().Format(time.DateOnly), who, days)
}
