// Package netwatch reports connections to blocked addresses: every
// Interval it lists the host's open connections and emits one "network"
// event per new connection whose remote address is on the org's block
// list (IPs, CIDRs, or domains resolved periodically), naming the process.
package netwatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	psnet "github.com/shirou/gopsutil/v4/net"
	"github.com/shirou/gopsutil/v4/process"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// Sink receives events.
type Sink interface {
	Submit(ctx context.Context, events []wire.Event) error
}

// Options configure a Watcher.
type Options struct {
	BlockList wire.BlockList
	// Interval between connection listings (default 10s).
	Interval time.Duration
	// ResolveEvery re-resolves blocked domains (default 10m).
	ResolveEvery time.Duration
	Sink         Sink
	AgentID      string
	Logger       *slog.Logger
}

// indicator is one block list entry as a prefix.
type indicator struct {
	prefix netip.Prefix
	value  string // as written in the list, or the domain it came from
	domain bool
}

// Watcher compares connections with the block list.
type Watcher struct {
	opts Options
	log  *slog.Logger

	mu         sync.Mutex // guards list, indicators, resolvedAt
	list       wire.BlockList
	indicators []indicator
	resolvedAt time.Time

	seen map[string]bool // connections reported while they last; Run goroutine only
}

// New builds a Watcher.
func New(opts Options) *Watcher {
	if opts.Interval <= 0 {
		opts.Interval = 10 * time.Second
	}
	if opts.ResolveEvery <= 0 {
		opts.ResolveEvery = 10 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{opts: opts, log: opts.Logger, seen: map[string]bool{}}
	w.SetBlockList(opts.BlockList)
	return w
}

// SetBlockList replaces the list (from a config change or an
// update_block_list action); domains are resolved at the next check.
func (w *Watcher) SetBlockList(bl wire.BlockList) {
	var ind []indicator
	for _, s := range bl.IPs {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			ind = append(ind, indicator{prefix: p.Masked(), value: s})
		} else if a, err := netip.ParseAddr(s); err == nil {
			ind = append(ind, indicator{prefix: netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), value: s})
		} else {
			w.log.Warn("ignoring unreadable block list entry", slog.String("entry", s))
		}
	}
	w.mu.Lock()
	w.list = bl
	w.indicators = ind
	w.resolvedAt = time.Time{}
	w.mu.Unlock()
}

// Empty reports whether there is nothing to watch for.
func (w *Watcher) Empty() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.list.IPs) == 0 && len(w.list.Domains) == 0
}

// Run checks every Interval until ctx ends.
func (w *Watcher) Run(ctx context.Context) error {
	t := time.NewTicker(w.opts.Interval)
	defer t.Stop()
	for {
		if !w.Empty() {
			if err := w.Check(ctx); err != nil && ctx.Err() == nil {
				w.log.Warn("cannot check connections against the block list", slog.Any("err", err))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// resolve refreshes the addresses of blocked domains when due.
func (w *Watcher) resolve(ctx context.Context) []indicator {
	w.mu.Lock()
	due := time.Since(w.resolvedAt) > w.opts.ResolveEvery
	domains := append([]string(nil), w.list.Domains...)
	w.mu.Unlock()
	if due && len(domains) > 0 {
		var fromDNS []indicator
		for _, d := range domains {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", d)
			cancel()
			if err != nil {
				w.log.Debug("cannot resolve blocked domain", slog.String("domain", d), slog.Any("err", err))
				continue
			}
			for _, a := range addrs {
				a = a.Unmap()
				fromDNS = append(fromDNS, indicator{prefix: netip.PrefixFrom(a, a.BitLen()), value: d, domain: true})
			}
		}
		w.mu.Lock()
		kept := w.indicators[:0:0]
		for _, i := range w.indicators {
			if !i.domain {
				kept = append(kept, i)
			}
		}
		w.indicators = append(kept, fromDNS...)
		w.resolvedAt = time.Now()
		w.mu.Unlock()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]indicator(nil), w.indicators...)
}

// Check lists connections once and reports the new blocked ones.
func (w *Watcher) Check(ctx context.Context) error {
	ind := w.resolve(ctx)
	if runtime.GOOS == "linux" {
		// Listing connections with their processes walks every process's
		// file descriptors; reading /proc/net first keeps the usual case
		// (nothing blocked is connected) nearly free.
		if hit, ok := procNetHit(ind); ok && !hit {
			w.seen = map[string]bool{}
			return nil
		}
	}
	conns, err := psnet.ConnectionsWithContext(ctx, "inet")
	if err != nil {
		return fmt.Errorf("cannot list connections: %w", err)
	}
	now := time.Now().UTC()
	current := map[string]bool{}
	var evs []wire.Event
	for _, c := range conns {
		if c.Raddr.IP == "" || c.Raddr.Port == 0 || c.Status == "LISTEN" {
			continue
		}
		ra, err := netip.ParseAddr(c.Raddr.IP)
		if err != nil {
			continue
		}
		ra = ra.Unmap()
		var hit *indicator
		for i := range ind {
			if ind[i].prefix.Contains(ra) {
				hit = &ind[i]
				break
			}
		}
		if hit == nil {
			continue
		}
		key := fmt.Sprintf("%d|%s|%d|%s|%d|%d", c.Type, c.Laddr.IP, c.Laddr.Port, c.Raddr.IP, c.Raddr.Port, c.Pid)
		current[key] = true
		if w.seen[key] {
			continue
		}
		evs = append(evs, w.event(ctx, now, c, *hit, key))
	}
	if len(evs) > 0 {
		if err := w.opts.Sink.Submit(ctx, evs); err != nil {
			return fmt.Errorf("cannot submit network events: %w", err)
		}
		w.log.Info("connections to blocked addresses", slog.Int("count", len(evs)))
	}
	w.seen = current
	return nil
}

func (w *Watcher) event(ctx context.Context, now time.Time, c psnet.ConnectionStat, hit indicator, key string) wire.Event {
	transport := "tcp"
	if c.Type == 2 {
		transport = "udp"
	}
	ipType := "ipv4"
	if strings.Contains(c.Raddr.IP, ":") {
		ipType = "ipv6"
	}
	proc := map[string]any{"pid": c.Pid}
	if c.Pid > 0 {
		if p, err := process.NewProcessWithContext(ctx, c.Pid); err == nil {
			if n, err := p.NameWithContext(ctx); err == nil {
				proc["name"] = n
			}
			if e, err := p.ExeWithContext(ctx); err == nil {
				proc["executable"] = e
			}
			if u, err := p.UsernameWithContext(ctx); err == nil {
				proc["user"] = map[string]string{"name": u}
			}
		}
	}
	dest := map[string]any{"ip": c.Raddr.IP, "port": c.Raddr.Port}
	ti := map[string]any{"type": "ipv4-addr", "ip": c.Raddr.IP, "description": "block list entry " + hit.value}
	if hit.domain {
		dest["domain"] = hit.value
		ti["type"], ti["domain"] = "domain-name", hit.value
	}
	fields, _ := json.Marshal(map[string]any{
		"event":       map[string]any{"kind": "alert", "category": []string{"network"}, "action": "connection_to_blocked_address"},
		"source":      map[string]any{"ip": c.Laddr.IP, "port": c.Laddr.Port},
		"destination": dest,
		"network":     map[string]any{"transport": transport, "type": ipType, "state": c.Status},
		"process":     proc,
		"threat":      map[string]any{"indicator": ti},
	})
	sum := sha256.Sum256([]byte(key + "|" + now.Format(time.RFC3339Nano)))
	return wire.Event{
		ID:     w.opts.AgentID + ":network:" + hex.EncodeToString(sum[:12]),
		Time:   now,
		Kind:   "network",
		Raw:    "connection to blocked " + hit.value + " " + net.JoinHostPort(c.Raddr.IP, strconv.Itoa(int(c.Raddr.Port))) + " by pid " + strconv.Itoa(int(c.Pid)),
		Fields: fields,
	}
}
