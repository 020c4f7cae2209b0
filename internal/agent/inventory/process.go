package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// hashKey identifies one version of an executable: a file rewritten in
// place gets a new mtime or size and is hashed again.
type hashKey struct {
	path  string
	size  int64
	mtime int64
}

// hashCache remembers executable hashes between inventories. Entries not
// used by an inventory are dropped at its end, so the cache tracks what
// runs now.
type hashCache struct {
	max  int64
	m    map[hashKey]string
	used map[hashKey]bool
}

func newHashCache(max int64) *hashCache {
	return &hashCache{max: max, m: map[hashKey]string{}, used: map[hashKey]bool{}}
}

// sum returns the SHA-256 of the file reached by open, stat'ed as fi,
// reading it only when the (path, size, mtime) key is new.
func (h *hashCache) sum(path string, fi os.FileInfo, open func() (*os.File, error)) string {
	if !fi.Mode().IsRegular() || fi.Size() > h.max {
		return ""
	}
	k := hashKey{path, fi.Size(), fi.ModTime().UnixNano()}
	h.used[k] = true
	if s, ok := h.m[k]; ok {
		return s
	}
	f, err := open()
	if err != nil {
		return ""
	}
	defer f.Close()
	d := sha256.New()
	if _, err := io.Copy(d, io.LimitReader(f, h.max)); err != nil {
		return ""
	}
	s := hex.EncodeToString(d.Sum(nil))
	h.m[k] = s
	return s
}

// sweep forgets entries the last inventory did not use.
func (h *hashCache) sweep() {
	for k := range h.m {
		if !h.used[k] {
			delete(h.m, k)
		}
	}
	clear(h.used)
}

func (c *Collector) processes(ctx context.Context) ([]wire.Process, error) {
	ps, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return []wire.Process{}, err
	}
	defer c.hashes.sweep()
	out := make([]wire.Process, 0, len(ps))
	for _, p := range ps {
		if err := c.pace.Pace(ctx); err != nil {
			return out, err
		}
		w := wire.Process{PID: p.Pid}
		var err error
		if w.Name, err = p.NameWithContext(ctx); err != nil {
			continue // the process ended while we looked
		}
		w.PPID, _ = p.PpidWithContext(ctx)
		w.Exe, _ = p.ExeWithContext(ctx)
		w.CmdLine, _ = p.CmdlineWithContext(ctx)
		w.User, _ = p.UsernameWithContext(ctx)
		if ms, err := p.CreateTimeWithContext(ctx); err == nil && ms > 0 {
			w.StartedAt = time.UnixMilli(ms).UTC()
		}
		if mi, err := p.MemoryInfoWithContext(ctx); err == nil {
			w.RSSBytes = mi.RSS
		}
		if w.Exe != "" {
			w.SHA256 = c.exeHash(p.Pid, w.Exe)
		}
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, nil
}

// exeHash hashes a process's executable. On Linux it goes through
// /proc/<pid>/exe, which reaches the very file the process runs even when
// the path belongs to another mount namespace (a container) or the file
// was replaced on disk.
func (c *Collector) exeHash(pid int32, exe string) string {
	path := exe
	if runtime.GOOS == "linux" {
		path = "/proc/" + strconv.Itoa(int(pid)) + "/exe"
	}
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return c.hashes.sum(exe, fi, func() (*os.File, error) { return os.Open(path) })
}
