// Package logtail ships log lines from files (and, on Linux, the systemd
// journal; on Windows, Event Log channels) to the agent's spool.
//
// File tailing polls: every Poll interval each matched file is stat'ed and
// read from its saved offset. A file is identified by (device, inode) and a
// hash of its first bytes, so the tailer notices
//   - rotation by rename (logrotate's default): the old identity is looked
//     for among the file's siblings (syslog.1, syslog-20240301) and read to
//     its end before the new file is read from the start;
//   - truncation (copytruncate): the size drops below the offset and reading
//     restarts at 0;
//   - inode reuse: the head hash no longer matches.
//
// Offsets are saved in the data directory after each batch is in the
// spool, so a restart neither loses nor repeats lines.
//
// The handle is not kept open between polls: on Windows an open handle
// would stop the writer from rotating the file.
package logtail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/agent/state"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

// Sink receives batches of events; it returns once they are durable.
type Sink interface {
	Submit(ctx context.Context, events []wire.Event) error
}

// Pacer slows the tailer when the agent is over its CPU budget.
type Pacer interface {
	Pace(ctx context.Context) error
}

// Options configure a Tailer.
type Options struct {
	// Files are the patterns to tail.
	Files []wire.LogFile
	// StateFile keeps the offsets (e.g. <data>/logtail.json).
	StateFile string
	// Sink receives the lines.
	Sink Sink
	// AgentID prefixes event ids.
	AgentID string
	// Poll is the interval between reads (default 1s).
	Poll time.Duration
	// MaxLine bounds one line; longer lines are cut (default 64 KiB).
	MaxLine int
	// BatchLines bounds one submitted batch (default 500).
	BatchLines int
	// Pacer may be nil.
	Pacer Pacer
	// Logger receives rotation notices and errors.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

type fileID struct {
	Dev uint64 `json:"dev"`
	Ino uint64 `json:"ino"`
}

// position is a file's saved reading state.
type position struct {
	ID     fileID `json:"id"`
	Offset int64  `json:"offset"`
	// Head is the hex SHA-256 of the first HeadLen bytes, to tell a new file
	// that reused the inode from the old one.
	Head    string `json:"head,omitempty"`
	HeadLen int64  `json:"head_len,omitempty"`
	// Skip is set after a line was cut at MaxLine before its newline
	// arrived: the rest of that line is discarded.
	Skip bool `json:"skip,omitempty"`
}

const headBytes = 256

// Tailer follows the configured files.
type Tailer struct {
	opts    Options
	log     *slog.Logger
	pos     map[string]*position // by path; owned by the Run goroutine
	started bool                 // the first scan after Run began is done
	dirty   bool
	buf     []byte
}

// New builds a Tailer and loads the saved offsets.
func New(opts Options) (*Tailer, error) {
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.MaxLine <= 0 {
		opts.MaxLine = 64 << 10
	}
	if opts.BatchLines <= 0 {
		opts.BatchLines = 500
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	t := &Tailer{opts: opts, log: opts.Logger, pos: map[string]*position{}, buf: make([]byte, 64<<10)}
	if opts.StateFile != "" {
		err := state.ReadJSON(opts.StateFile, &t.pos)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.log.Warn("cannot load log offsets; starting at the end of each file", slog.Any("err", err))
			t.pos = map[string]*position{}
		}
	}
	return t, nil
}

// Run tails until ctx ends.
func (t *Tailer) Run(ctx context.Context) error {
	tick := time.NewTicker(t.opts.Poll)
	defer tick.Stop()
	for {
		if err := t.Poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			t.log.Warn("log tailing failed", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Poll does one pass over all files. Exported for tests and for callers
// that drive the schedule themselves.
func (t *Tailer) Poll(ctx context.Context) error {
	paths := t.expand()
	first := !t.started
	t.started = true
	var errs []error
	for _, p := range paths {
		if err := t.pollFile(ctx, p.path, p.format, first); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

type target struct{ path, format string }

func (t *Tailer) expand() []target {
	seen := map[string]bool{}
	var out []target
	for _, lf := range t.opts.Files {
		matches, err := filepath.Glob(lf.Path)
		if err != nil {
			continue
		}
		if len(matches) == 0 && !hasMeta(lf.Path) {
			// Not there yet: keep the name so it is read from the start
			// once created.
			matches = []string{lf.Path}
		}
		sort.Strings(matches)
		for _, m := range matches {
			if seen[m] || rotatedName(m) {
				continue
			}
			seen[m] = true
			out = append(out, target{m, lf.Format})
		}
	}
	return out
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[`) }

// rotatedName is true for compressed or numbered rotations a glob such as
// /var/log/*.log* might also match; only live files are tailed.
func rotatedName(p string) bool {
	for _, ext := range []string{".gz", ".bz2", ".xz", ".zst", ".zip"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

func (t *Tailer) pollFile(ctx context.Context, path, format string, first bool) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // rotated away and not recreated yet, or not created
	}
	if err != nil {
		return fmt.Errorf("cannot stat %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	id, ok := identify(path, fi)
	if !ok {
		return fmt.Errorf("cannot identify %s", path)
	}
	p := t.pos[path]
	switch {
	case p == nil && first:
		// Known at start with no saved offset: ship only new lines, not
		// years of history.
		p = &position{ID: id, Offset: fi.Size()}
		t.pos[path] = p
		t.dirty = true
		p.Head, p.HeadLen = headHash(path, p.Offset)
		t.log.Info("tailing log file from its end", slog.String("path", path), slog.Int64("offset", p.Offset))
	case p == nil:
		p = &position{ID: id}
		t.pos[path] = p
		t.dirty = true
		t.log.Info("tailing new log file from its start", slog.String("path", path))
	case p.ID != id:
		// Rotated: finish the old file if it is still beside the new one.
		if old := t.findRotated(path, p.ID); old != "" {
			t.log.Info("log file rotated; reading the rest of the old file", slog.String("path", path), slog.String("rotated_to", old))
			if err := t.read(ctx, path, old, format, p, true); err != nil {
				return err
			}
		} else {
			t.log.Info("log file replaced", slog.String("path", path))
		}
		*p = position{ID: id}
		t.dirty = true
	case fi.Size() < p.Offset:
		t.log.Info("log file truncated; reading from the start", slog.String("path", path), slog.Int64("offset", p.Offset), slog.Int64("size", fi.Size()))
		*p = position{ID: id}
		t.dirty = true
	case first && p.HeadLen > 0:
		if h, _ := headHash(path, p.HeadLen); h != p.Head {
			t.log.Info("log file content changed under the same inode; reading from the start", slog.String("path", path))
			*p = position{ID: id}
			t.dirty = true
		}
	}
	if fi.Size() > p.Offset {
		if err := t.read(ctx, path, path, format, p, false); err != nil {
			return err
		}
	}
	return t.saveIfDirty()
}

// findRotated looks beside path for a file with the given identity.
func (t *Tailer) findRotated(path string, id fileID) string {
	dir, base := filepath.Split(path)
	ents, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		return ""
	}
	for _, e := range ents {
		n := e.Name()
		if n == base || !strings.HasPrefix(n, base) || rotatedName(n) {
			continue
		}
		cand := filepath.Join(dir, n)
		fi, err := os.Stat(cand)
		if err != nil {
			continue
		}
		if cid, ok := identify(cand, fi); ok && cid == id {
			return cand
		}
	}
	return ""
}

// read ships the lines of file (the live path or its rotated
// predecessor) from p.Offset. With final set the last line counts even
// without a trailing newline, since nothing will be appended to it.
func (t *Tailer) read(ctx context.Context, path, file, format string, p *position, final bool) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", file, err)
	}
	defer f.Close()
	if _, err := f.Seek(p.Offset, io.SeekStart); err != nil {
		return fmt.Errorf("cannot seek %s: %w", file, err)
	}
	var (
		batch   []wire.Event
		pending []byte // bytes read but not yet a full line
		off     = p.Offset
		eof     bool
		skip    = p.Skip
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := t.opts.Sink.Submit(ctx, batch); err != nil {
			return fmt.Errorf("cannot submit log lines: %w", err)
		}
		batch = batch[:0]
		p.Skip = skip
		if p.HeadLen < headBytes {
			p.Head, p.HeadLen = headHash(file, min(off, headBytes))
		}
		p.Offset = off
		t.dirty = true
		return t.saveIfDirty()
	}
	for !eof {
		n, err := f.Read(t.buf)
		if n > 0 {
			pending = append(pending, t.buf[:n]...)
		}
		if errors.Is(err, io.EOF) || n == 0 {
			eof = true
		} else if err != nil {
			return fmt.Errorf("cannot read %s: %w", file, err)
		}
		for {
			i := bytes.IndexByte(pending, '\n')
			if skip {
				// Discard the remainder of a line already cut.
				if i < 0 {
					off += int64(len(pending))
					pending = pending[:0]
					break
				}
				off += int64(i + 1)
				pending = pending[i+1:]
				skip = false
				continue
			}
			var line []byte
			var consumed int
			switch {
			case i >= 0:
				line, consumed = pending[:i], i+1
			case len(pending) >= t.opts.MaxLine:
				line, consumed = pending[:t.opts.MaxLine], t.opts.MaxLine
				skip = true
			case eof && final && len(pending) > 0:
				line, consumed = pending, len(pending)
			default:
				consumed = -1
			}
			if consumed < 0 {
				break
			}
			if len(line) > t.opts.MaxLine {
				line = line[:t.opts.MaxLine]
			}
			line = bytes.TrimSuffix(line, []byte("\r"))
			if len(line) > 0 {
				batch = append(batch, t.event(path, format, off, string(line)))
			}
			off += int64(consumed)
			pending = pending[consumed:]
			if len(batch) >= t.opts.BatchLines {
				if err := flush(); err != nil {
					return err
				}
				if t.opts.Pacer != nil {
					if err := t.opts.Pacer.Pace(ctx); err != nil {
						return err
					}
				}
			}
		}
		// Keep memory bounded: compact the pending slice.
		if cap(pending) > 4*t.opts.MaxLine {
			pending = append([]byte(nil), pending...)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if off != p.Offset || skip != p.Skip {
		p.Offset, p.Skip = off, skip
		t.dirty = true
	}
	return nil
}

func (t *Tailer) event(path, format string, off int64, line string) wire.Event {
	fields, _ := json.Marshal(map[string]any{
		"file": map[string]any{"path": path},
		"log":  map[string]any{"offset": off, "format": format},
	})
	sum := sha256.Sum256([]byte(path))
	return wire.Event{
		ID:     t.opts.AgentID + ":log:" + hex.EncodeToString(sum[:6]) + ":" + strconv.FormatUint(t.pos[path].ID.Ino, 10) + ":" + strconv.FormatInt(off, 10),
		Time:   t.opts.Now().UTC(),
		Kind:   "log",
		Raw:    line,
		Fields: fields,
	}
}

// headHash hashes the first n bytes of a file.
func headHash(path string, n int64) (string, int64) {
	n = min(n, headBytes)
	if n <= 0 {
		return "", 0
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0
	}
	defer f.Close()
	b := make([]byte, n)
	got, _ := io.ReadFull(f, b)
	sum := sha256.Sum256(b[:got])
	return hex.EncodeToString(sum[:]), int64(got)
}

func (t *Tailer) saveIfDirty() error {
	if !t.dirty || t.opts.StateFile == "" {
		return nil
	}
	if err := state.WriteJSON(t.opts.StateFile, t.pos, 0o600); err != nil {
		return fmt.Errorf("cannot save log offsets: %w", err)
	}
	t.dirty = false
	return nil
}
