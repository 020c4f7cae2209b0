// Package inventory takes the periodic full snapshot of an endpoint:
// hardware, network interfaces, listening sockets, processes (with the
// SHA-256 of their executables), logged-in users and installed software
// from the platform's package databases.
package inventory

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"
	psnet "github.com/shirou/gopsutil/v4/net"

	"github.com/eventsec/eventsec/internal/agent/collect"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

// Pacer slows a collector down when the agent is over its CPU budget
// (satisfied by *governor.Governor).
type Pacer interface {
	Pace(ctx context.Context) error
}

type noPace struct{}

func (noPace) Pace(ctx context.Context) error { return ctx.Err() }

// Options configure a Collector.
type Options struct {
	// AgentVersion goes into the host facts.
	AgentVersion string
	// Root prefixes the package database paths (tests point it at a fake
	// tree; default "/").
	Root string
	// Pacer is consulted between expensive steps (may be nil).
	Pacer Pacer
	// MaxHashBytes: larger executables are not hashed (default 256 MiB).
	MaxHashBytes int64
	// Logger receives warnings about parts that could not be read.
	Logger *slog.Logger
}

// Collector takes inventories. It keeps the executable hash cache between
// runs, so it must be reused; it is not safe for concurrent Collect calls.
type Collector struct {
	opts   Options
	log    *slog.Logger
	pace   Pacer
	hashes *hashCache
}

// New builds a Collector.
func New(opts Options) *Collector {
	if opts.Root == "" {
		opts.Root = "/"
	}
	if opts.MaxHashBytes <= 0 {
		opts.MaxHashBytes = 256 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	var p Pacer = noPace{}
	if opts.Pacer != nil {
		p = opts.Pacer
	}
	return &Collector{opts: opts, log: opts.Logger, pace: p, hashes: newHashCache(opts.MaxHashBytes)}
}

// Collect takes a full snapshot. Parts that fail are logged and left
// empty; only a cancelled context aborts the whole inventory.
func (c *Collector) Collect(ctx context.Context) (*wire.Inventory, error) {
	inv := &wire.Inventory{CollectedAt: time.Now().UTC(), Facts: collect.Facts(ctx, c.opts.AgentVersion)}
	inv.Hardware = c.hardware(ctx)
	inv.Interfaces = interfaces()
	procs, err := c.processes(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c.log.Warn("cannot list processes", slog.Any("err", err))
	}
	inv.Processes = procs
	names := make(map[int32]string, len(procs))
	for _, p := range procs {
		names[p.PID] = p.Name
	}
	if inv.Listening, err = listening(ctx, names); err != nil {
		c.log.Warn("cannot list listening sockets", slog.Any("err", err))
	}
	if inv.Users, err = users(ctx); err != nil {
		c.log.Debug("cannot list logged-in users", slog.Any("err", err))
	}
	inv.Software = c.Software(ctx)
	return inv, ctx.Err()
}

func (c *Collector) hardware(ctx context.Context) wire.Hardware {
	var hw wire.Hardware
	if infos, err := cpu.InfoWithContext(ctx); err == nil && len(infos) > 0 {
		hw.CPUModel = strings.TrimSpace(infos[0].ModelName)
	}
	if n, err := cpu.CountsWithContext(ctx, true); err == nil {
		hw.CPUCores = n
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		hw.MemoryBytes = vm.Total
	}
	if parts, err := disk.PartitionsWithContext(ctx, false); err == nil {
		seen := map[string]bool{}
		for _, p := range parts {
			if seen[p.Device] || !physicalFS(p.Fstype) {
				continue
			}
			seen[p.Device] = true
			if u, err := disk.UsageWithContext(ctx, p.Mountpoint); err == nil {
				hw.DiskBytes += u.Total
			}
		}
	}
	if runtime.GOOS == "linux" {
		dmi := filepath.Join(c.opts.Root, "sys/class/dmi/id")
		hw.Vendor = readTrim(filepath.Join(dmi, "sys_vendor"))
		hw.Model = readTrim(filepath.Join(dmi, "product_name"))
		hw.Serial = readTrim(filepath.Join(dmi, "product_serial"))
	}
	return hw
}

func physicalFS(fstype string) bool {
	switch strings.ToLower(fstype) {
	case "tmpfs", "devtmpfs", "overlay", "squashfs", "proc", "sysfs", "nsfs", "autofs", "fuse.lxcfs", "ramfs":
		return false
	}
	return true
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func interfaces() []wire.Interface {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	out := make([]wire.Interface, 0, len(ifs))
	for _, ifc := range ifs {
		w := wire.Interface{Name: ifc.Name, MAC: ifc.HardwareAddr.String(), Up: ifc.Flags&net.FlagUp != 0, MTU: ifc.MTU, Addrs: []string{}}
		if addrs, err := ifc.Addrs(); err == nil {
			for _, a := range addrs {
				w.Addrs = append(w.Addrs, a.String())
			}
		}
		out = append(out, w)
	}
	return out
}

func listening(ctx context.Context, names map[int32]string) ([]wire.ListeningPort, error) {
	conns, err := psnet.ConnectionsWithContext(ctx, "inet")
	if err != nil {
		return nil, err
	}
	out := []wire.ListeningPort{}
	seen := map[wire.ListeningPort]bool{}
	for _, cs := range conns {
		var proto string
		switch {
		case cs.Type == 1 && cs.Status == "LISTEN": // SOCK_STREAM
			proto = "tcp"
		case cs.Type == 2 && cs.Raddr.IP == "" || cs.Type == 2 && cs.Raddr.Port == 0: // bound SOCK_DGRAM
			proto = "udp"
		default:
			continue
		}
		if strings.Contains(cs.Laddr.IP, ":") {
			proto += "6"
		}
		lp := wire.ListeningPort{Protocol: proto, Address: cs.Laddr.IP, Port: int(cs.Laddr.Port), PID: cs.Pid, Process: names[cs.Pid]}
		if seen[lp] {
			continue
		}
		seen[lp] = true
		out = append(out, lp)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Port != out[j].Port {
			return out[i].Port < out[j].Port
		}
		if out[i].Protocol != out[j].Protocol {
			return out[i].Protocol < out[j].Protocol
		}
		return out[i].Address < out[j].Address
	})
	return out, nil
}

func users(ctx context.Context) ([]wire.LoggedInUser, error) {
	us, err := host.UsersWithContext(ctx)
	if err != nil {
		return []wire.LoggedInUser{}, err
	}
	out := make([]wire.LoggedInUser, 0, len(us))
	for _, u := range us {
		lu := wire.LoggedInUser{User: u.User, Terminal: u.Terminal, Host: u.Host}
		if u.Started > 0 {
			lu.Since = time.Unix(int64(u.Started), 0).UTC()
		}
		out = append(out, lu)
	}
	return out, nil
}
