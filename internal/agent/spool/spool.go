// Package spool is the agent's bounded on-disk queue of event batches.
// Every batch the collectors produce is appended here first and removed
// only once the server acknowledged it, so events survive a server outage
// and an agent restart, and replay in order.
//
// Layout: <dir>/<first-seq>.seg segment files of framed records, <dir>/cursor
// (the next sequence number to send) and <dir>/epoch (a random id chosen
// when the spool is created). A record's batch id is "<epoch>-<seq>": it
// never changes, so a batch re-sent after a timeout or a restart is the same
// batch to the server, and a wiped spool never reuses an old id.
//
// When the spool would exceed MaxBytes the oldest segment is deleted and its
// unsent events counted as dropped.
package spool

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/eventsec/eventsec/internal/agent/state"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

const (
	headerSize = 12 // payload length, crc32c, event count
	segExt     = ".seg"
	// maxRecord bounds one record so a corrupt length cannot make the
	// reader allocate gigabytes.
	maxRecord = 64 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Options configure a Spool.
type Options struct {
	// Dir holds the segment files (created if missing).
	Dir string
	// MaxBytes bounds the spool on disk (default 64 MiB).
	MaxBytes int64
	// SegmentBytes is the size at which a segment is closed (default
	// MaxBytes/8, at most 4 MiB).
	SegmentBytes int64
	// Logger receives the drop warnings.
	Logger *slog.Logger
}

// Record is one stored batch.
type Record struct {
	Seq     uint64
	BatchID string
	Events  int
	// Data is the JSON-encoded wire.EventBatch, ready to send.
	Data []byte
}

type segment struct {
	first uint64 // seq of the first record
	count uint64 // records in the segment
	size  int64
	path  string
}

// Spool is safe for concurrent use by many producers and one consumer.
type Spool struct {
	opts  Options
	log   *slog.Logger
	epoch string

	mu      sync.Mutex // guards everything below
	closed  bool
	segs    []*segment // ordered by first
	w       *os.File   // appends go to the last segment
	nextSeq uint64
	cursor  uint64 // next seq to hand out / acknowledge
	dropped int64  // events dropped since Open
	// reader state: an open handle on the segment holding cursor
	rf    *os.File
	rseg  *segment
	rnext uint64 // seq of the record at rpos
	rpos  int64
	rbuf  *bufio.Reader

	notify chan struct{} // signalled when a record is appended
}

// Open opens (or creates) the spool in opts.Dir, recovering from a torn
// last write.
func Open(opts Options) (*Spool, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = min(opts.MaxBytes/8, 4<<20)
	}
	opts.SegmentBytes = max(opts.SegmentBytes, 4<<10)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create spool directory: %w", err)
	}
	s := &Spool{opts: opts, log: opts.Logger, notify: make(chan struct{}, 1)}
	if err := s.loadEpoch(); err != nil {
		return nil, err
	}
	if err := s.scan(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Spool) loadEpoch() error {
	p := filepath.Join(s.opts.Dir, "epoch")
	b, err := os.ReadFile(p)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		s.epoch = strings.TrimSpace(string(b))
		return nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot read spool epoch: %w", err)
	}
	var r [8]byte
	rand.Read(r[:])
	s.epoch = hex.EncodeToString(r[:])
	return state.WriteFile(p, []byte(s.epoch+"\n"), 0o600)
}

// scan rebuilds the segment index from disk.
func (s *Spool) scan() error {
	ents, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return fmt.Errorf("cannot list spool: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, segExt) {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(name, segExt), 10, 64)
		if err != nil {
			continue
		}
		s.segs = append(s.segs, &segment{first: first, path: filepath.Join(s.opts.Dir, name)})
	}
	sort.Slice(s.segs, func(i, j int) bool { return s.segs[i].first < s.segs[j].first })
	for i, sg := range s.segs {
		count, good, err := scanSegment(sg.path)
		if err != nil {
			return err
		}
		st, err := os.Stat(sg.path)
		if err != nil {
			return fmt.Errorf("cannot stat spool segment: %w", err)
		}
		if good < st.Size() {
			// A torn or corrupt tail: keep what checks out. Only the last
			// segment can legitimately be torn; elsewhere it is damage.
			s.log.Warn("spool segment has a damaged tail; truncating", slog.String("segment", sg.path), slog.Int64("kept_bytes", good), slog.Int64("size", st.Size()), slog.Bool("last", i == len(s.segs)-1))
			if err := os.Truncate(sg.path, good); err != nil {
				return fmt.Errorf("cannot repair spool segment: %w", err)
			}
		}
		sg.count, sg.size = count, good
	}
	// Drop empty segments except the last.
	kept := s.segs[:0]
	for i, sg := range s.segs {
		if sg.count == 0 && i != len(s.segs)-1 {
			os.Remove(sg.path)
			continue
		}
		kept = append(kept, sg)
	}
	s.segs = kept
	if n := len(s.segs); n > 0 {
		last := s.segs[n-1]
		s.nextSeq = last.first + last.count
	}
	var cur struct {
		Next uint64 `json:"next"`
	}
	err = state.ReadJSON(filepath.Join(s.opts.Dir, "cursor"), &cur)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot read spool cursor: %w", err)
	}
	s.cursor = cur.Next
	if len(s.segs) > 0 && s.cursor < s.segs[0].first {
		s.cursor = s.segs[0].first
	}
	if s.cursor > s.nextSeq {
		s.nextSeq = s.cursor
	}
	// Segments wholly before the cursor were sent but not yet removed.
	for len(s.segs) > 1 && s.segs[0].first+s.segs[0].count <= s.cursor {
		os.Remove(s.segs[0].path)
		s.segs = s.segs[1:]
	}
	return nil
}

// scanSegment counts the intact records and returns the length of the
// intact prefix.
func scanSegment(path string) (count uint64, good int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("cannot open spool segment: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		_, _, n, err := readRecord(br)
		if err != nil {
			return count, good, nil //nolint:nilerr // a bad tail ends the valid prefix
		}
		count++
		good += n
	}
}

// readRecord reads one framed record, returning its payload, event count
// and total framed size.
func readRecord(r io.Reader) (payload []byte, events int, size int64, err error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, 0, 0, err
	}
	n := binary.LittleEndian.Uint32(h[0:4])
	if n == 0 || n > maxRecord {
		return nil, 0, 0, ErrCorrupt
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, 0, 0, err
	}
	if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(h[4:8]) {
		return nil, 0, 0, ErrCorrupt
	}
	return payload, int(binary.LittleEndian.Uint32(h[8:12])), int64(headerSize) + int64(n), nil
}

// Epoch is the spool's random id, the prefix of every batch id.
func (s *Spool) Epoch() string { return s.epoch }

// Append stores events as one batch and returns its sequence number.
func (s *Spool) Append(events []wire.Event) (uint64, error) {
	if len(events) == 0 {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	seq := s.nextSeq
	payload, err := json.Marshal(wire.EventBatch{BatchID: s.batchID(seq), Events: events})
	if err != nil {
		return 0, fmt.Errorf("cannot encode batch: %w", err)
	}
	if len(payload) > maxRecord {
		return 0, fmt.Errorf("cannot spool batch: %d bytes exceeds the %d byte record limit", len(payload), maxRecord)
	}
	rec := make([]byte, headerSize+len(payload))
	binary.LittleEndian.PutUint32(rec[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(rec[4:8], crc32.Checksum(payload, crcTable))
	binary.LittleEndian.PutUint32(rec[8:12], uint32(len(events)))
	copy(rec[headerSize:], payload)

	if err := s.writable(int64(len(rec))); err != nil {
		return 0, err
	}
	last := s.segs[len(s.segs)-1]
	if _, err := s.w.Write(rec); err != nil {
		// Roll back a partial write so the segment stays parseable.
		s.w.Truncate(last.size)
		s.w.Seek(last.size, io.SeekStart)
		return 0, fmt.Errorf("cannot write spool: %w", err)
	}
	last.size += int64(len(rec))
	last.count++
	s.nextSeq++
	s.enforceBound()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return seq, nil
}

func (s *Spool) batchID(seq uint64) string { return s.epoch + "-" + strconv.FormatUint(seq, 10) }

// writable makes sure s.w is open on a segment with room for n bytes.
func (s *Spool) writable(n int64) error {
	if len(s.segs) > 0 {
		last := s.segs[len(s.segs)-1]
		if last.count > 0 && last.size+n > s.opts.SegmentBytes {
			if s.w != nil {
				s.w.Sync()
				s.w.Close()
				s.w = nil
			}
		} else if s.w == nil {
			f, err := os.OpenFile(last.path, os.O_WRONLY|os.O_APPEND, 0o600)
			if err != nil {
				return fmt.Errorf("cannot open spool segment: %w", err)
			}
			s.w = f
			return nil
		} else {
			return nil
		}
	}
	sg := &segment{first: s.nextSeq, path: filepath.Join(s.opts.Dir, fmt.Sprintf("%020d%s", s.nextSeq, segExt))}
	f, err := os.OpenFile(sg.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create spool segment: %w", err)
	}
	s.w = f
	s.segs = append(s.segs, sg)
	return nil
}

// enforceBound deletes the oldest segments while the spool is over
// MaxBytes, counting the unsent events they held.
func (s *Spool) enforceBound() {
	for len(s.segs) > 1 && s.sizeLocked() > s.opts.MaxBytes {
		old := s.segs[0]
		lost := s.unsentEvents(old)
		if s.rseg == old {
			s.closeReader()
		}
		os.Remove(old.path)
		s.segs = s.segs[1:]
		if s.cursor < s.segs[0].first {
			s.cursor = s.segs[0].first
			s.saveCursor()
		}
		if lost > 0 {
			s.dropped += lost
			s.log.Warn("spool full: dropped the oldest unsent events", slog.Int64("dropped", lost), slog.Int64("dropped_total", s.dropped), slog.Int64("max_bytes", s.opts.MaxBytes))
		}
	}
}

// unsentEvents sums the event counts of sg's records at or after the cursor.
func (s *Spool) unsentEvents(sg *segment) int64 {
	if s.cursor >= sg.first+sg.count {
		return 0
	}
	f, err := os.Open(sg.path)
	if err != nil {
		return 0
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var total int64
	var h [headerSize]byte
	for seq := sg.first; seq < sg.first+sg.count; seq++ {
		if _, err := io.ReadFull(br, h[:]); err != nil {
			break
		}
		if seq >= s.cursor {
			total += int64(binary.LittleEndian.Uint32(h[8:12]))
		}
		if _, err := br.Discard(int(binary.LittleEndian.Uint32(h[0:4]))); err != nil {
			break
		}
	}
	return total
}

func (s *Spool) sizeLocked() int64 {
	var n int64
	for _, sg := range s.segs {
		n += sg.size
	}
	return n
}

// Next blocks until the record at the cursor exists and returns it. The
// same record is returned until Ack moves past it.
func (s *Spool) Next(ctx context.Context) (*Record, error) {
	for {
		rec, err := s.peek()
		if err != nil || rec != nil {
			return rec, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.notify:
		}
	}
}

func (s *Spool) peek() (*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.cursor >= s.nextSeq {
		return nil, nil
	}
	if s.rseg == nil || s.rnext > s.cursor || s.cursor >= s.rseg.first+s.rseg.count {
		s.closeReader()
		var sg *segment
		for _, c := range s.segs {
			if s.cursor >= c.first && s.cursor < c.first+c.count {
				sg = c
				break
			}
		}
		if sg == nil {
			return nil, fmt.Errorf("cannot find spool record %d", s.cursor)
		}
		f, err := os.Open(sg.path)
		if err != nil {
			return nil, fmt.Errorf("cannot open spool segment: %w", err)
		}
		s.rf, s.rseg, s.rnext, s.rpos = f, sg, sg.first, 0
		s.rbuf = bufio.NewReaderSize(f, 32<<10)
	}
	for {
		payload, events, n, err := readRecord(s.rbuf)
		if err != nil {
			s.closeReader()
			return nil, fmt.Errorf("cannot read spool record %d: %w", s.cursor, err)
		}
		seq := s.rnext
		s.rnext++
		s.rpos += n
		if seq == s.cursor {
			return &Record{Seq: seq, BatchID: s.batchID(seq), Data: payload, Events: events}, nil
		}
	}
}

func (s *Spool) closeReader() {
	if s.rf != nil {
		s.rf.Close()
	}
	s.rf, s.rseg, s.rbuf = nil, nil, nil
}

// Ack marks record seq (and everything before it) as delivered.
func (s *Spool) Ack(seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if seq+1 <= s.cursor {
		return nil
	}
	s.cursor = seq + 1
	for len(s.segs) > 1 && s.segs[0].first+s.segs[0].count <= s.cursor {
		if s.rseg == s.segs[0] {
			s.closeReader()
		}
		os.Remove(s.segs[0].path)
		s.segs = s.segs[1:]
	}
	return s.saveCursor()
}

// saveCursor records the next sequence to send. It is not synced: a
// cursor lost to a power cut only re-sends batches, under their same ids.
func (s *Spool) saveCursor() error {
	return state.WriteFileNoSync(filepath.Join(s.opts.Dir, "cursor"), []byte(`{"next":`+strconv.FormatUint(s.cursor, 10)+"}\n"), 0o600)
}

// Stats describe the spool for the heartbeat.
type Stats struct {
	Bytes   int64 // on disk
	Pending uint64
	Dropped int64 // events dropped since Open
}

// Stats returns the current figures.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Bytes: s.sizeLocked(), Pending: s.nextSeq - s.cursor, Dropped: s.dropped}
}

// Close flushes and closes the files.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.closeReader()
	var err error
	if s.w != nil {
		err = s.w.Sync()
		if cerr := s.w.Close(); err == nil {
			err = cerr
		}
		s.w = nil
	}
	return err
}
