package logtail

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/agent/state"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

// JournalOptions configure a Journal reader.
type JournalOptions struct {
	// Journalctl is the binary (default: found on PATH).
	Journalctl string
	// Args are extra arguments (e.g. --directory=/path for tests, or
	// unit filters).
	Args []string
	// CursorFile keeps the last shipped cursor.
	CursorFile string
	Sink       Sink
	AgentID    string
	// BatchSize bounds a batch (default 500); a partial batch is sent
	// after FlushEvery (default 1s) without new entries.
	BatchSize  int
	FlushEvery time.Duration
	Logger     *slog.Logger
}

// Journal follows the systemd journal through `journalctl -o json
// --follow`, resuming after the saved cursor. journalctl does the format
// work (the journal file format is internal to systemd), and a crash of
// it only restarts the reader.
type Journal struct {
	opts   JournalOptions
	log    *slog.Logger
	cursor string
}

// ErrNoJournalctl means journalctl is not installed.
var ErrNoJournalctl = errors.New("journalctl not found")

// NewJournal builds a Journal reader.
func NewJournal(opts JournalOptions) (*Journal, error) {
	if opts.Journalctl == "" {
		p, err := exec.LookPath("journalctl")
		if err != nil {
			return nil, ErrNoJournalctl
		}
		opts.Journalctl = p
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	j := &Journal{opts: opts, log: opts.Logger}
	if opts.CursorFile != "" {
		var c struct {
			Cursor string `json:"cursor"`
		}
		if err := state.ReadJSON(opts.CursorFile, &c); err != nil && !errors.Is(err, fs.ErrNotExist) {
			j.log.Warn("cannot load journal cursor; starting with new entries", slog.Any("err", err))
		}
		j.cursor = c.Cursor
	}
	return j, nil
}

// Run reads until ctx ends, restarting journalctl (with backoff) when it
// exits.
func (j *Journal) Run(ctx context.Context) error {
	wait := time.Second
	for {
		start := time.Now()
		err := j.follow(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > time.Minute {
			wait = time.Second
		}
		j.log.Warn("journalctl stopped; restarting", slog.Any("err", err), slog.Duration("in", wait))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Minute)
	}
}

func (j *Journal) args() []string {
	a := []string{"-o", "json", "--follow", "--no-pager", "--all"}
	if j.cursor != "" {
		a = append(a, "--after-cursor="+j.cursor)
	} else {
		a = append(a, "--lines=0")
	}
	return append(a, j.opts.Args...)
}

func (j *Journal) follow(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, j.opts.Journalctl, j.args()...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("cannot start journalctl: %w", err)
	}
	var stderr strings.Builder
	cmd.Stderr = &limitWriter{w: &stderr, n: 4096}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start journalctl: %w", err)
	}
	lines := make(chan []byte, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 8<<20)
		for sc.Scan() {
			b := append([]byte(nil), sc.Bytes()...)
			select {
			case lines <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		batch  []wire.Event
		cursor string
		timer  = time.NewTimer(j.opts.FlushEvery)
	)
	defer timer.Stop()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := j.opts.Sink.Submit(ctx, batch); err != nil {
			return fmt.Errorf("cannot submit journal entries: %w", err)
		}
		batch = batch[:0]
		j.cursor = cursor
		return j.saveCursor()
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			if err := flush(); err != nil {
				return err
			}
			timer.Reset(j.opts.FlushEvery)
		case line, ok := <-lines:
			if !ok {
				if err := flush(); err != nil {
					return err
				}
				werr := cmd.Wait()
				return fmt.Errorf("journalctl exited: %v: %s", werr, strings.TrimSpace(stderr.String()))
			}
			ev, c, err := ParseJournalEntry(line, j.opts.AgentID)
			if err != nil {
				j.log.Debug("skipping unreadable journal line", slog.Any("err", err))
				continue
			}
			batch = append(batch, ev)
			cursor = c
			if len(batch) >= j.opts.BatchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
}

func (j *Journal) saveCursor() error {
	if j.opts.CursorFile == "" {
		return nil
	}
	return state.WriteJSON(j.opts.CursorFile, map[string]string{"cursor": j.cursor}, 0o600)
}

// ParseJournalEntry turns one line of `journalctl -o json` into a
// "journal" event and returns the entry's cursor. Values are strings,
// byte arrays (binary or non-UTF-8 data) or arrays of either (repeated
// fields); they are passed through unchanged for the server's normalizer.
func ParseJournalEntry(line []byte, agentID string) (wire.Event, string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		return wire.Event{}, "", fmt.Errorf("cannot parse journal entry: %w", err)
	}
	var cursor string
	if raw, ok := m["__CURSOR"]; !ok || json.Unmarshal(raw, &cursor) != nil || cursor == "" {
		return wire.Event{}, "", errors.New("cannot parse journal entry: no __CURSOR")
	}
	ev := wire.Event{Kind: "journal", Time: time.Now().UTC()}
	var ts string
	if raw, ok := m["__REALTIME_TIMESTAMP"]; ok && json.Unmarshal(raw, &ts) == nil {
		if us, err := strconv.ParseInt(ts, 10, 64); err == nil {
			ev.Time = time.UnixMicro(us).UTC()
		}
	}
	var msg string
	if raw, ok := m["MESSAGE"]; ok && json.Unmarshal(raw, &msg) == nil {
		ev.Raw = msg
	}
	// The cursor is unique per journal entry; hash it to keep ids short.
	sum := sha256.Sum256([]byte(cursor))
	ev.ID = agentID + ":journal:" + hex.EncodeToString(sum[:12])
	ev.Fields = json.RawMessage(line)
	// Re-marshal to drop whitespace and make Fields independent of the
	// scanner's buffer.
	if b, err := json.Marshal(m); err == nil {
		ev.Fields = b
	}
	return ev, cursor, nil
}

// limitWriter keeps the first n bytes written to it.
type limitWriter struct {
	w interface{ WriteString(string) (int, error) }
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.WriteString(string(p[:k])) //nolint:errcheck // strings.Builder
		l.n -= k
	}
	return len(p), nil
}
