package detect

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/eventsec/eventsec/internal/event"
)

// The correlation state file: a header (magic, the checkpoint it belongs
// to, the number of orgs), then per org its ID and the engine's snapshot,
// length-prefixed. It is written to a temporary file, synced and renamed,
// so a crash leaves the previous snapshot intact.
const stateMagic = "ESCORR01"

func (s *Service) statePath() string {
	if s.o.StateDir == "" {
		return ""
	}
	return filepath.Join(s.o.StateDir, "correlation.state")
}

// saveState writes every org's correlation state as of checkpoint seq.
// Called from the stream goroutine only, between batches.
func (s *Service) saveState(ctx context.Context, seq int64) error {
	path := s.statePath()
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "correlation-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	engines := s.engines()
	w.WriteString(stateMagic)
	binary.Write(w, binary.LittleEndian, seq)
	binary.Write(w, binary.LittleEndian, uint32(len(engines)))
	for _, e := range engines {
		var buf sizedBuffer
		e.mu.RLock()
		err := e.corr.Snapshot(&buf)
		e.mu.RUnlock()
		if err != nil {
			tmp.Close()
			return fmt.Errorf("org %s: %w", e.orgID, err)
		}
		binary.Write(w, binary.LittleEndian, uint32(len(e.orgID)))
		w.WriteString(e.orgID)
		binary.Write(w, binary.LittleEndian, uint64(len(buf.b)))
		w.Write(buf.b)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

type sizedBuffer struct{ b []byte }

func (b *sizedBuffer) Write(p []byte) (int, error) {
	b.b = append(b.b, p...)
	return len(p), nil
}

// restoreState loads the saved correlation state and replays the events
// committed after it up to the checkpoint (without raising alerts: those
// were raised before the restart), so that open windows continue exactly.
func (s *Service) restoreState(ctx context.Context, checkpoint int64) error {
	path := s.statePath()
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	magic := make([]byte, len(stateMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != stateMagic {
		return fmt.Errorf("%s: not a correlation state file", path)
	}
	var seq int64
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &seq); err != nil {
		return err
	}
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return err
	}
	if seq > checkpoint {
		return fmt.Errorf("state is ahead of the checkpoint (%d > %d)", seq, checkpoint)
	}
	for i := uint32(0); i < n; i++ {
		var l uint32
		if err := binary.Read(r, binary.LittleEndian, &l); err != nil {
			return err
		}
		if l > 1<<10 {
			return fmt.Errorf("%s: corrupt org id", path)
		}
		org := make([]byte, l)
		if _, err := io.ReadFull(r, org); err != nil {
			return err
		}
		var size uint64
		if err := binary.Read(r, binary.LittleEndian, &size); err != nil {
			return err
		}
		e := s.engine(string(org), false)
		body := io.LimitReader(r, int64(size))
		if e == nil {
			if _, err := io.Copy(io.Discard, body); err != nil {
				return err
			}
			continue
		}
		e.mu.Lock()
		err := e.corr.Restore(body)
		e.mu.Unlock()
		if err != nil {
			return fmt.Errorf("org %s: %w", org, err)
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return err
		}
	}
	// Replay (seq, checkpoint] to bring the windows up to the checkpoint.
	for seq < checkpoint {
		evs, err := s.o.Events.Since(ctx, seq, 5000)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		var upto []event.Event
		for _, ev := range evs {
			if ev.Seq <= checkpoint {
				upto = append(upto, ev)
			}
		}
		s.evaluate(upto, false)
		seq = evs[len(evs)-1].Seq
	}
	// Matches counted during the replay were counted before the restart.
	for _, e := range s.engines() {
		e.mu.RLock()
		for _, l := range e.units {
			l.matches.Store(0)
		}
		e.mu.RUnlock()
	}
	return nil
}
