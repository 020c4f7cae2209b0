package endpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Platforms are the os-arch pairs the agent is built for.
var Platforms = []string{"linux-amd64", "linux-arm64", "windows-amd64", "darwin-amd64", "darwin-arm64"}

// Download is one agent binary offered for download.
type Download struct {
	Platform  string
	Available bool
	FileName  string // the name the browser saves it under
	Size      int64
	SHA256    string
	ModTime   time.Time
}

// binaryPath finds the agent binary of a platform in the agents
// directory: eventsec-agent-<platform>[.exe] (as `make agents` names
// them) or <platform>/eventsec-agent[.exe].
func (s *Service) binaryPath(platform string) (string, os.FileInfo, error) {
	if !slices.Contains(Platforms, platform) {
		return "", nil, fmt.Errorf("%w: unknown platform %q (one of %s)", ErrAgentNotBuilt, platform, strings.Join(Platforms, ", "))
	}
	if s.o.AgentsDir == "" {
		return "", nil, fmt.Errorf("%w: this server has no agents directory", ErrAgentNotBuilt)
	}
	exe := ""
	if strings.HasPrefix(platform, "windows-") {
		exe = ".exe"
	}
	for _, p := range []string{filepath.Join(s.o.AgentsDir, "eventsec-agent-"+platform+exe), filepath.Join(s.o.AgentsDir, platform, "eventsec-agent"+exe)} {
		fi, err := os.Stat(p)
		if err == nil && fi.Mode().IsRegular() {
			return p, fi, nil
		}
	}
	return "", nil, fmt.Errorf("%w: the agent for %s is not built on this server: run `make agents` or put eventsec-agent-%s%s in the agents directory",
		ErrAgentNotBuilt, platform, platform, exe)
}

// downloadName is the file name a platform's binary is saved under.
func downloadName(platform string) string {
	if strings.HasPrefix(platform, "windows-") {
		return "eventsec-agent.exe"
	}
	return "eventsec-agent"
}

// hashCache remembers binaries' SHA-256 by path, size and time.
type hashCache struct {
	mu sync.Mutex // guards m
	m  map[string]hashEntry
}

type hashEntry struct {
	size int64
	mod  time.Time
	sum  string
}

func (c *hashCache) sum(path string, fi os.FileInfo) (string, error) {
	c.mu.Lock()
	e, ok := c.m[path]
	c.mu.Unlock()
	if ok && e.size == fi.Size() && e.mod.Equal(fi.ModTime()) {
		return e.sum, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]hashEntry{}
	}
	c.m[path] = hashEntry{size: fi.Size(), mod: fi.ModTime(), sum: sum}
	c.mu.Unlock()
	return sum, nil
}

// Downloads lists every platform and whether its agent is available.
func (s *Service) Downloads() []Download {
	out := make([]Download, 0, len(Platforms))
	for _, p := range Platforms {
		d := Download{Platform: p, FileName: downloadName(p)}
		if path, fi, err := s.binaryPath(p); err == nil {
			if sum, err := s.hashes.sum(path, fi); err == nil {
				d.Available, d.Size, d.SHA256, d.ModTime = true, fi.Size(), sum, fi.ModTime()
			}
		}
		out = append(out, d)
	}
	return out
}

// OpenBinary opens a platform's agent binary for download.
func (s *Service) OpenBinary(platform string) (*os.File, Download, error) {
	path, fi, err := s.binaryPath(platform)
	if err != nil {
		return nil, Download{}, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, Download{}, fmt.Errorf("%w: the agent for %s was removed", ErrAgentNotBuilt, platform)
	}
	if err != nil {
		return nil, Download{}, err
	}
	d := Download{Platform: platform, Available: true, FileName: downloadName(platform), Size: fi.Size(), ModTime: fi.ModTime()}
	d.SHA256, _ = s.hashes.sum(path, fi)
	return f, d, nil
}

// AgentsDir is the directory agent binaries are served from.
func (s *Service) AgentsDir() string { return s.o.AgentsDir }
