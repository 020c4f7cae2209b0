package netwatch

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Remote is one socket's remote end as read from /proc/net.
type Remote struct {
	Addr  netip.AddrPort
	State uint8 // kernel TCP state; 0x0A is LISTEN
}

// ParseProcNet reads /proc/net/{tcp,tcp6,udp,udp6}. Addresses there are
// hex words in host byte order (little-endian on every platform Linux
// runs the agent on).
func ParseProcNet(r io.Reader) []Remote {
	var out []Remote
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		if first { // header line
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		ap, ok := parseHexAddr(f[2])
		if !ok {
			continue
		}
		st, err := strconv.ParseUint(f[3], 16, 8)
		if err != nil {
			continue
		}
		out = append(out, Remote{Addr: ap, State: uint8(st)})
	}
	return out
}

func parseHexAddr(s string) (netip.AddrPort, bool) {
	host, port, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, false
	}
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	b, err := hex.DecodeString(host)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return netip.AddrPort{}, false
	}
	// Each 32-bit word is stored little-endian.
	for i := 0; i < len(b); i += 4 {
		binary.BigEndian.PutUint32(b[i:], binary.LittleEndian.Uint32(b[i:]))
	}
	a, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(a.Unmap(), uint16(p)), true
}

// procNetHit reports whether any open socket's remote address is blocked,
// reading /proc/net directly. ok is false when /proc/net is unreadable and
// the caller must use the full (per-process) listing instead.
func procNetHit(ind []indicator) (hit, ok bool) {
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f, err := os.Open("/proc/net/" + name)
		if err != nil {
			if name == "tcp" {
				return false, false
			}
			continue
		}
		rs := ParseProcNet(f)
		f.Close()
		for _, r := range rs {
			if r.Addr.Port() == 0 || r.State == 0x0A {
				continue
			}
			for _, i := range ind {
				if i.prefix.Contains(r.Addr.Addr()) {
					return true, true
				}
			}
		}
	}
	return false, true
}
