// Package isolate cuts an endpoint off the network except for the EventSec
// server, loopback, already established connections and DNS to the
// configured resolvers, and undoes it on release.
//
// Linux uses nftables through netlink (github.com/google/nftables): one
// table of its own, "eventsec_isolation" (family inet), with input, output
// and forward base chains whose policy is drop. Nothing else on the host's
// ruleset is touched, and release deletes the table. Windows uses
// `netsh advfirewall`. The isolated state is saved in the data directory
// and re-applied at agent start, so isolation survives an agent restart
// and a reboot.
package isolate

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/agent/state"
)

// TableName is the nftables table the agent owns on Linux.
const TableName = "eventsec_isolation"

// Sentinel errors.
var (
	// ErrUnsupported means this platform has no isolation backend.
	ErrUnsupported = errors.New("network isolation is not supported on this platform")
	// ErrNoServerAddress means the server's address could not be resolved,
	// so isolating would cut the agent off its own server.
	ErrNoServerAddress = errors.New("cannot resolve the server address; refusing to isolate")
)

// Options configure an Isolator.
type Options struct {
	// StateFile records the isolated state (e.g. <data>/isolation.json).
	StateFile string
	// ServerHost is the server's host name or address (from the API URL).
	ServerHost string
	// Resolvers are the DNS servers left reachable (default: the
	// nameservers of /etc/resolv.conf on Unix).
	Resolvers []string
	// ResolvConf is read when Resolvers is empty (default /etc/resolv.conf).
	ResolvConf string
	Logger     *slog.Logger
}

// Plan is what stays reachable while isolated.
type Plan struct {
	// Allow are the prefixes reachable in both directions (the server's
	// addresses and the action's extra ones).
	Allow []netip.Prefix `json:"allow"`
	// DNS are resolvers reachable on port 53 (UDP and TCP).
	DNS []netip.Addr `json:"dns"`
}

// saved is the state file's content.
type saved struct {
	Isolated  bool      `json:"isolated"`
	Plan      Plan      `json:"plan"`
	AppliedAt time.Time `json:"applied_at"`
	// Backend-specific memory (Windows: the firewall policy to restore).
	Previous string `json:"previous,omitempty"`
}

// Isolator applies and removes isolation.
type Isolator struct {
	opts Options
	log  *slog.Logger

	mu sync.Mutex // serializes apply/remove and guards st
	st saved
}

// New builds an Isolator and loads the saved state.
func New(opts Options) *Isolator {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ResolvConf == "" {
		opts.ResolvConf = "/etc/resolv.conf"
	}
	i := &Isolator{opts: opts, log: opts.Logger}
	if opts.StateFile != "" {
		if err := state.ReadJSON(opts.StateFile, &i.st); err != nil && !errors.Is(err, fs.ErrNotExist) {
			i.log.Warn("cannot read isolation state", slog.Any("err", err))
		}
	}
	return i
}

// Isolated reports the saved state.
func (i *Isolator) Isolated() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.st.Isolated
}

// Isolate cuts the host off, keeping the server, extra (addresses or
// CIDRs from the action) and DNS reachable. Calling it again replaces the
// rules atomically.
func (i *Isolator) Isolate(ctx context.Context, extra []string) error {
	plan, err := i.plan(ctx, extra)
	if err != nil {
		return err
	}
	return i.ApplyPlan(ctx, plan)
}

// ApplyPlan isolates with an explicit plan.
func (i *Isolator) ApplyPlan(_ context.Context, plan Plan) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	prev, err := apply(plan, i.st.Previous)
	if err != nil {
		return fmt.Errorf("cannot isolate host: %w", err)
	}
	i.st = saved{Isolated: true, Plan: plan, AppliedAt: time.Now().UTC(), Previous: prev}
	i.log.Warn("host isolated from the network", slog.Any("allowed", plan.Allow), slog.Any("dns", plan.DNS))
	return i.save()
}

// Release removes isolation.
func (i *Isolator) Release(_ context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if err := remove(i.st.Previous); err != nil {
		return fmt.Errorf("cannot release isolation: %w", err)
	}
	i.st = saved{}
	i.log.Warn("host network isolation released")
	return i.save()
}

// Restore re-applies a saved isolation (at agent start: the rules may have
// been lost to a reboot or flushed by hand).
func (i *Isolator) Restore(ctx context.Context) error {
	i.mu.Lock()
	st := i.st
	i.mu.Unlock()
	if !st.Isolated {
		return nil
	}
	i.log.Info("re-applying saved network isolation")
	return i.ApplyPlan(ctx, st.Plan)
}

func (i *Isolator) save() error {
	if i.opts.StateFile == "" {
		return nil
	}
	return state.WriteJSON(i.opts.StateFile, i.st, 0o600)
}

// plan resolves the server and resolvers into a Plan.
func (i *Isolator) plan(ctx context.Context, extra []string) (Plan, error) {
	var p Plan
	host := i.opts.ServerHost
	if a, err := netip.ParseAddr(host); err == nil {
		p.Allow = append(p.Allow, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	} else if host != "" {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		cancel()
		if err != nil || len(addrs) == 0 {
			return p, fmt.Errorf("%w: %s: %v", ErrNoServerAddress, host, err)
		}
		for _, a := range addrs {
			a = a.Unmap()
			p.Allow = append(p.Allow, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	if len(p.Allow) == 0 {
		return p, ErrNoServerAddress
	}
	for _, s := range extra {
		pr, err := ParsePrefix(s)
		if err != nil {
			return p, err
		}
		p.Allow = append(p.Allow, pr)
	}
	resolvers := i.opts.Resolvers
	if len(resolvers) == 0 {
		resolvers = readResolvConf(i.opts.ResolvConf)
	}
	for _, r := range resolvers {
		if a, err := netip.ParseAddr(r); err == nil {
			p.DNS = append(p.DNS, a.Unmap())
		}
	}
	sort.Slice(p.Allow, func(a, b int) bool { return p.Allow[a].String() < p.Allow[b].String() })
	return p, nil
}

// ParsePrefix reads an address or CIDR. Prefixes shorter than /8 (/32 for
// IPv6) are refused: they would make isolation meaningless.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	var pr netip.Prefix
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		pr = netip.PrefixFrom(a, a.BitLen())
	} else if pr, err = netip.ParsePrefix(s); err != nil {
		return pr, fmt.Errorf("cannot parse allowed address %q: want an IP or CIDR", s)
	}
	pr = pr.Masked()
	if (pr.Addr().Is4() && pr.Bits() < 8) || (pr.Addr().Is6() && pr.Bits() < 32) {
		return pr, fmt.Errorf("cannot allow %s: prefix too wide for isolation", s)
	}
	return pr, nil
}

// readResolvConf returns the nameserver addresses of a resolv.conf.
func readResolvConf(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "nameserver" {
			// Strip a zone (fe80::1%eth0): netip keeps it, nft cannot.
			addr, _, _ := strings.Cut(fields[1], "%")
			out = append(out, addr)
		}
	}
	return out
}
