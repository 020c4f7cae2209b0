// Package collect gathers the host's identity (wire.HostFacts) and its
// resource metrics (wire.Metrics) through gopsutil, which reads /proc and
// /sys on Linux, sysctl on macOS and the Win32 APIs on Windows.
package collect

import (
	"context"
	"net"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
	psnet "github.com/shirou/gopsutil/v4/net"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// Facts describes this machine. Fields that cannot be read stay empty;
// the hostname always has a value.
func Facts(ctx context.Context, agentVersion string) wire.HostFacts {
	f := wire.HostFacts{OS: runtime.GOOS, Arch: runtime.GOARCH, AgentVersion: agentVersion}
	if hi, err := host.InfoWithContext(ctx); err == nil {
		f.Hostname = hi.Hostname
		f.Platform = hi.Platform
		f.PlatformVer = hi.PlatformVersion
		f.Family = hi.PlatformFamily
		f.KernelVersion = hi.KernelVersion
		f.MachineID = hi.HostID
	}
	if f.Hostname == "" {
		f.Hostname, _ = os.Hostname()
	}
	switch runtime.GOOS {
	case "windows":
		// gopsutil says "Microsoft Windows 11 Pro" and "10.0.22631 Build
		// 22631"; the protocol wants "windows" and the bare build number.
		f.Platform, f.Family = "windows", "windows"
		f.PlatformVer, _, _ = strings.Cut(f.PlatformVer, " ")
	case "darwin":
		f.Platform, f.Family = "darwin", "darwin"
	}
	if strings.Contains(f.Hostname, ".") {
		f.FQDN = f.Hostname
	}
	f.IPs, f.MACs = addresses()
	return f
}

// addresses lists the non-loopback IPs and MACs of interfaces that are up.
func addresses() (ips, macs []string) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, nil
	}
	seenMAC := map[string]bool{}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		if m := ifc.HardwareAddr.String(); m != "" && !seenMAC[m] {
			seenMAC[m] = true
			macs = append(macs, m)
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
				continue
			}
			ips = append(ips, ipn.IP.String())
		}
	}
	sort.Strings(ips)
	sort.Strings(macs)
	return ips, macs
}

// Sampler takes metric samples. CPU use is measured between consecutive
// calls, so the first sample reports the average since boot.
type Sampler struct {
	// DiskPath is the filesystem whose usage is reported (default "/" or
	// the system drive on Windows).
	DiskPath string
}

// Sample reads the current figures. Parts that fail are left zero; the
// error is returned only when nothing could be read.
func (s *Sampler) Sample(ctx context.Context) (wire.Metrics, error) {
	m := wire.Metrics{At: time.Now().UTC()}
	var firstErr error
	keep := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	if pct, err := cpu.PercentWithContext(ctx, 0, false); err == nil && len(pct) > 0 {
		m.CPUPercent = pct[0]
	} else if err != nil {
		keep(err)
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		m.MemUsedBytes, m.MemTotalBytes = vm.Used, vm.Total
	} else {
		keep(err)
	}
	if du, err := disk.UsageWithContext(ctx, s.diskPath()); err == nil {
		m.DiskUsedBytes, m.DiskTotal = du.Used, du.Total
	} else {
		keep(err)
	}
	if io, err := psnet.IOCountersWithContext(ctx, false); err == nil && len(io) > 0 {
		m.NetRxBytes, m.NetTxBytes = io[0].BytesRecv, io[0].BytesSent
	} else if err != nil {
		keep(err)
	}
	if runtime.GOOS != "windows" {
		if la, err := load.AvgWithContext(ctx); err == nil {
			m.Load1 = la.Load1
		}
	}
	if up, err := host.UptimeWithContext(ctx); err == nil {
		m.UptimeSeconds = up
	}
	if m.MemTotalBytes == 0 && m.DiskTotal == 0 && firstErr != nil {
		return m, firstErr
	}
	return m, nil
}

func (s *Sampler) diskPath() string {
	if s.DiskPath != "" {
		return s.DiskPath
	}
	if runtime.GOOS == "windows" {
		if d := os.Getenv("SystemDrive"); d != "" {
			return d + `\`
		}
		return `C:\`
	}
	return "/"
}
