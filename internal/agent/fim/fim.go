// Package fim is file integrity monitoring: it keeps a baseline (size,
// mode, owner, mtime, SHA-256) of every file under the configured paths,
// watches them in real time with fsnotify and re-hashes everything every
// ScanInterval to catch what watching missed (changes while the agent was
// down, filesystems without notifications, watch limits). Each difference
// becomes one "fim" event carrying a wire.FIMChange.
//
// The baseline is saved in the data directory after the events that
// changed it are in the spool, so a change made while the agent was
// stopped is reported once at the next start; a crash between the two
// steps repeats an event rather than losing it.
package fim

import (
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
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/eventsec/eventsec/internal/agent/state"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

// FIM actions, as in wire.FIMChange.Action.
const (
	Created            = "created"
	Modified           = "modified"
	Deleted            = "deleted"
	AttributesModified = "attributes_modified"
)

// Sink receives events; it returns once they are durable.
type Sink interface {
	Submit(ctx context.Context, events []wire.Event) error
}

// Pacer slows scanning when the agent is over its CPU budget.
type Pacer interface {
	Pace(ctx context.Context) error
}

// Options configure a Monitor.
type Options struct {
	// Paths are files or directories (watched recursively).
	Paths []string
	// Exclude are glob patterns matched against the full path and the
	// base name.
	Exclude []string
	// ScanInterval between full re-hashes (default 12h).
	ScanInterval time.Duration
	// MaxFileBytes: larger files are compared by size and mtime only
	// (default 64 MiB).
	MaxFileBytes int64
	// BaselineFile keeps the baseline between runs.
	BaselineFile string
	Sink         Sink
	AgentID      string
	// Debounce groups the bursts of notifications one save produces
	// (default 500ms).
	Debounce time.Duration
	Pacer    Pacer
	Logger   *slog.Logger
	// Realtime turns fsnotify watching on (default on; tests of the scan
	// alone turn it off).
	DisableRealtime bool
}

// entry is what the baseline knows about one file.
type entry struct {
	Size   int64       `json:"size"`
	Mode   fs.FileMode `json:"mode"`
	UID    uint32      `json:"uid"`
	GID    uint32      `json:"gid"`
	MTime  time.Time   `json:"mtime"`
	SHA256 string      `json:"sha256,omitempty"`
}

// Monitor runs FIM for one set of paths.
type Monitor struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex // guards baseline and names
	baseline map[string]entry
	names    map[string]string // "u123"/"g45" → name cache
}

// New builds a Monitor and loads the saved baseline, if any.
func New(opts Options) (*Monitor, error) {
	if opts.ScanInterval <= 0 {
		opts.ScanInterval = 12 * time.Hour
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 64 << 20
	}
	if opts.Debounce <= 0 {
		opts.Debounce = 500 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	for i, p := range opts.Paths {
		opts.Paths[i] = filepath.Clean(p)
	}
	for _, x := range opts.Exclude {
		if _, err := filepath.Match(x, ""); err != nil {
			return nil, fmt.Errorf("cannot use FIM exclude pattern %q: %w", x, err)
		}
	}
	m := &Monitor{opts: opts, log: opts.Logger, names: map[string]string{}}
	if opts.BaselineFile != "" {
		var b map[string]entry
		err := state.ReadJSON(opts.BaselineFile, &b)
		switch {
		case err == nil:
			m.baseline = b
		case errors.Is(err, fs.ErrNotExist):
		default:
			m.log.Warn("cannot load FIM baseline; building a new one", slog.Any("err", err))
		}
	}
	return m, nil
}

// Run scans (reporting what changed since the saved baseline, or silently
// building the first baseline), then watches and rescans until ctx ends.
func (m *Monitor) Run(ctx context.Context) error {
	var w *fsnotify.Watcher
	if !m.opts.DisableRealtime {
		var err error
		w, err = fsnotify.NewWatcher()
		if err != nil {
			m.log.Warn("cannot watch files in real time; relying on periodic scans", slog.Any("err", err))
		} else {
			defer w.Close()
			for _, p := range m.opts.Paths {
				m.watchTree(w, p)
			}
		}
	}
	if err := m.Scan(ctx); err != nil && ctx.Err() == nil {
		m.log.Warn("FIM scan failed", slog.Any("err", err))
	}
	scan := time.NewTicker(m.opts.ScanInterval)
	defer scan.Stop()
	var events <-chan fsnotify.Event
	var errs <-chan error
	if w != nil {
		events, errs = w.Events, w.Errors
	}
	dirty := map[string]bool{}
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-scan.C:
			if err := m.Scan(ctx); err != nil && ctx.Err() == nil {
				m.log.Warn("FIM scan failed", slog.Any("err", err))
			}
		case err := <-errs:
			// Usually an overflowed queue: some events were lost, so look
			// at everything again.
			m.log.Warn("file watching reported an error; rescanning", slog.Any("err", err))
			if err := m.Scan(ctx); err != nil && ctx.Err() == nil {
				m.log.Warn("FIM scan failed", slog.Any("err", err))
			}
		case ev := <-events:
			if m.excluded(ev.Name) || !m.covered(ev.Name) {
				continue
			}
			if ev.Op.Has(fsnotify.Create) {
				if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
					m.watchTree(w, ev.Name)
				}
			}
			if len(dirty) == 0 {
				debounce.Reset(m.opts.Debounce)
			}
			dirty[ev.Name] = true
		case <-debounce.C:
			paths := make([]string, 0, len(dirty))
			for p := range dirty {
				paths = append(paths, p)
			}
			clear(dirty)
			if err := m.Check(ctx, paths...); err != nil && ctx.Err() == nil {
				m.log.Warn("FIM check failed", slog.Any("err", err))
			}
		}
	}
}

// watchTree adds a watch on every directory under root (or on root's
// parent when root is a file).
func (m *Monitor) watchTree(w *fsnotify.Watcher, root string) {
	fi, err := os.Lstat(root)
	if err != nil {
		// Not there yet: watch the parent so its creation is seen.
		w.Add(filepath.Dir(root)) //nolint:errcheck // best effort
		return
	}
	if !fi.IsDir() {
		w.Add(filepath.Dir(root)) //nolint:errcheck // best effort
		return
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error { //nolint:errcheck // errors handled per entry
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != root && m.excluded(p) {
				return filepath.SkipDir
			}
			if err := w.Add(p); err != nil {
				m.log.Warn("cannot watch directory; changes there are found by the periodic scan", slog.String("path", p), slog.Any("err", err))
			}
		}
		return nil
	})
}

// covered reports whether p lies under one of the monitored paths.
func (m *Monitor) covered(p string) bool {
	for _, root := range m.opts.Paths {
		if p == root || strings.HasPrefix(p, root+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func (m *Monitor) excluded(p string) bool {
	base := filepath.Base(p)
	for _, x := range m.opts.Exclude {
		if ok, _ := filepath.Match(x, p); ok {
			return true
		}
		if ok, _ := filepath.Match(x, base); ok {
			return true
		}
	}
	return false
}

// Scan re-hashes every monitored file, reports differences from the
// baseline and saves the new baseline. The first scan without a baseline
// reports nothing.
func (m *Monitor) Scan(ctx context.Context) error {
	current := map[string]entry{}
	for _, root := range m.opts.Paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				m.log.Debug("cannot read path", slog.String("path", p), slog.Any("err", err))
				return nil
			}
			if m.excluded(p) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if err := m.pace(ctx); err != nil {
				return err
			}
			if e, ok := m.stat(p); ok {
				current[p] = e
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("cannot scan %s: %w", root, err)
		}
	}
	m.mu.Lock()
	first := m.baseline == nil
	old := m.baseline
	m.mu.Unlock()
	if first {
		m.log.Info("FIM baseline built", slog.Int("files", len(current)))
		return m.commit(ctx, nil, current)
	}
	var changes []wire.FIMChange
	paths := make([]string, 0, len(current)+len(old))
	for p := range current {
		paths = append(paths, p)
	}
	for p := range old {
		if _, ok := current[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		o, had := old[p]
		n, has := current[p]
		if c, ok := m.diff(p, o, had, n, has); ok {
			changes = append(changes, c)
		}
	}
	return m.commit(ctx, changes, current)
}

// Check looks at specific paths (from notifications) and reports what
// changed. A path that is now a missing directory removes every baseline
// entry below it.
func (m *Monitor) Check(ctx context.Context, paths ...string) error {
	m.mu.Lock()
	if m.baseline == nil {
		m.mu.Unlock()
		return nil // the first scan has not finished yet
	}
	next := make(map[string]entry, len(m.baseline))
	for k, v := range m.baseline {
		next[k] = v
	}
	m.mu.Unlock()
	sort.Strings(paths)
	var changes []wire.FIMChange
	seen := map[string]bool{}
	consider := func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		o, had := next[p]
		n, has := m.stat(p)
		if c, ok := m.diff(p, o, had, n, has); ok {
			changes = append(changes, c)
		}
		if has {
			next[p] = n
		} else {
			delete(next, p)
		}
	}
	for _, p := range paths {
		fi, err := os.Lstat(p)
		switch {
		case err == nil && fi.IsDir():
			// A directory appeared (or was moved in): everything in it.
			filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error { //nolint:errcheck // per entry
				if err != nil || m.excluded(q) {
					if d != nil && d.IsDir() && q != p {
						return filepath.SkipDir
					}
					return nil
				}
				if !d.IsDir() {
					consider(q)
				}
				return nil
			})
		case err != nil:
			// Gone: the file itself, or a directory with its contents.
			var under []string
			prefix := p + string(filepath.Separator)
			for q := range next {
				if q == p || strings.HasPrefix(q, prefix) {
					under = append(under, q)
				}
			}
			sort.Strings(under)
			for _, q := range under {
				consider(q)
			}
		default:
			consider(p)
		}
	}
	if len(changes) == 0 {
		return nil
	}
	return m.commit(ctx, changes, next)
}

// commit ships the changes, then adopts the new baseline and saves it.
func (m *Monitor) commit(ctx context.Context, changes []wire.FIMChange, next map[string]entry) error {
	if len(changes) > 0 {
		now := time.Now().UTC()
		evs := make([]wire.Event, 0, len(changes))
		for _, c := range changes {
			fields, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("cannot encode FIM change: %w", err)
			}
			sum := sha256.Sum256([]byte(c.Path + "\x00" + c.Action + "\x00" + c.OldSHA256 + "\x00" + c.NewSHA256 + "\x00" + c.Mode + "\x00" + now.Format(time.RFC3339Nano)))
			evs = append(evs, wire.Event{
				ID:     m.opts.AgentID + ":fim:" + hex.EncodeToString(sum[:12]),
				Time:   now,
				Kind:   "fim",
				Raw:    "file " + c.Action + ": " + c.Path,
				Fields: fields,
			})
		}
		for len(evs) > 0 {
			n := min(len(evs), 500)
			if err := m.opts.Sink.Submit(ctx, evs[:n]); err != nil {
				return fmt.Errorf("cannot submit FIM events: %w", err)
			}
			evs = evs[n:]
		}
	}
	m.mu.Lock()
	m.baseline = next
	m.mu.Unlock()
	if m.opts.BaselineFile == "" {
		return nil
	}
	return state.WriteJSON(m.opts.BaselineFile, next, 0o600)
}

func (m *Monitor) pace(ctx context.Context) error {
	if m.opts.Pacer == nil {
		return ctx.Err()
	}
	return m.opts.Pacer.Pace(ctx)
}

// stat reads one file's attributes and hash. Directories and unreadable
// paths report false.
func (m *Monitor) stat(p string) (entry, bool) {
	fi, err := os.Lstat(p)
	if err != nil || fi.IsDir() {
		return entry{}, false
	}
	e := entry{Size: fi.Size(), Mode: fi.Mode(), MTime: fi.ModTime().UTC()}
	e.UID, e.GID, _ = ownerIDs(fi)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		// A link's content is its target.
		if t, err := os.Readlink(p); err == nil {
			sum := sha256.Sum256([]byte(t))
			e.SHA256 = hex.EncodeToString(sum[:])
		}
	case fi.Mode().IsRegular() && fi.Size() <= m.opts.MaxFileBytes:
		f, err := os.Open(p)
		if err != nil {
			return e, true // metadata only (e.g. no permission)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err == nil {
			e.SHA256 = hex.EncodeToString(h.Sum(nil))
		}
	}
	return e, true
}

// diff compares a path's old and new state.
func (m *Monitor) diff(p string, o entry, had bool, n entry, has bool) (wire.FIMChange, bool) {
	c := wire.FIMChange{Path: p}
	switch {
	case !had && !has:
		return c, false
	case !had:
		c.Action = Created
	case !has:
		c.Action = Deleted
		c.OldSHA256, c.OldSize, c.OldMode = o.SHA256, o.Size, modeString(o.Mode)
		c.Owner, c.Group = m.userName(o.UID), m.groupName(o.GID)
		return c, true
	case contentChanged(o, n):
		c.Action = Modified
	case o.Mode != n.Mode || o.UID != n.UID || o.GID != n.GID:
		c.Action = AttributesModified
	default:
		return c, false
	}
	if had {
		c.OldSHA256, c.OldSize, c.OldMode = o.SHA256, o.Size, modeString(o.Mode)
	}
	c.NewSHA256, c.NewSize, c.Mode, c.ModTime = n.SHA256, n.Size, modeString(n.Mode), n.MTime
	c.Owner, c.Group = m.userName(n.UID), m.groupName(n.GID)
	return c, true
}

func contentChanged(o, n entry) bool {
	if o.SHA256 != "" && n.SHA256 != "" {
		return o.SHA256 != n.SHA256
	}
	// Too big (or unreadable) to hash: fall back to size and mtime.
	return o.Size != n.Size || !o.MTime.Equal(n.MTime)
}

// modeString renders permission bits in octal (0644), with the type
// letter for links and special files.
func modeString(m fs.FileMode) string {
	s := fmt.Sprintf("%04o", uint32(m.Perm())|setBits(m))
	if m&fs.ModeSymlink != 0 {
		return "l" + s
	}
	return s
}

func setBits(m fs.FileMode) uint32 {
	var b uint32
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

func (m *Monitor) userName(uid uint32) string {
	if runtime.GOOS == "windows" {
		return "" // owners are SIDs there; not tracked
	}
	return m.lookupName("u", uid, func(id string) (string, error) {
		u, err := user.LookupId(id)
		if err != nil {
			return "", err
		}
		return u.Username, nil
	})
}

func (m *Monitor) groupName(gid uint32) string {
	if runtime.GOOS == "windows" {
		return ""
	}
	return m.lookupName("g", gid, func(id string) (string, error) {
		g, err := user.LookupGroupId(id)
		if err != nil {
			return "", err
		}
		return g.Name, nil
	})
}

func (m *Monitor) lookupName(kind string, id uint32, look func(string) (string, error)) string {
	sid := strconv.FormatUint(uint64(id), 10)
	m.mu.Lock()
	n, ok := m.names[kind+sid]
	m.mu.Unlock()
	if ok {
		return n
	}
	n, err := look(sid)
	if err != nil {
		n = sid
	}
	m.mu.Lock()
	m.names[kind+sid] = n
	m.mu.Unlock()
	return n
}
