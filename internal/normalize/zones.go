package normalize

import (
	"fmt"
	"net/netip"
	"path"
	"strings"
	"time"
)

// SourceZone gives the time zone of the times one source writes without a
// zone (RFC 3164 syslog, CEF's rt, zone-less formats), for sources whose
// clocks are not in Options.Location: a branch office's firewall, a
// device set to local time. A source is matched by the address it sends
// from (Net) or by the host name in its syslog header (Host, a pattern
// where * matches any run of characters, compared without regard to
// case).
type SourceZone struct {
	Net  netip.Prefix
	Host string
	Loc  *time.Location
}

// ParseSourceZones reads a comma-separated list of SOURCE=ZONE, where
// SOURCE is an IP address, a CIDR block or a host name pattern and ZONE an
// IANA zone name: "10.20.0.0/16=America/New_York, fw-tokyo-*=Asia/Tokyo".
// A host rule that matches the syslog header wins (it names the device
// even behind a relay); otherwise the first address rule that holds the
// sender's address applies. Errors name the entry.
func ParseSourceZones(s string) ([]SourceZone, error) {
	var out []SourceZone
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		src, zone, ok := strings.Cut(item, "=")
		src, zone = strings.TrimSpace(src), strings.TrimSpace(zone)
		if !ok || src == "" || zone == "" {
			return nil, fmt.Errorf("entry %d %q: want SOURCE=ZONE, e.g. 10.20.0.0/16=America/New_York or fw-tokyo-*=Asia/Tokyo", i+1, item)
		}
		if strings.EqualFold(zone, "Local") {
			return nil, fmt.Errorf("entry %d %q: want an IANA zone name such as Europe/Berlin, not Local", i+1, item)
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return nil, fmt.Errorf("entry %d %q: unknown time zone %q (want an IANA name such as Europe/Berlin)", i+1, item, zone)
		}
		z := SourceZone{Loc: loc}
		if p, ok := SourcePrefix(src); ok {
			z.Net = p
		} else if strings.Contains(src, "/") || strings.ContainsAny(src, " \t[]?\\") {
			return nil, fmt.Errorf("entry %d %q: %q is neither an IP address, a CIDR block nor a host name pattern", i+1, item, src)
		} else {
			z.Host = strings.ToLower(src)
		}
		out = append(out, z)
	}
	return out, nil
}

// SourcePrefix reads a source given as an IP address (a block of one) or
// a CIDR block.
func SourcePrefix(src string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(src); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(src); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// zoneOfPeer is the zone of times sent from addr: the first address rule
// that holds it, else Options.Location.
func (n *Normalizer) zoneOfPeer(addr string) *time.Location {
	if !n.peerZones || addr == "" {
		return n.loc
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return n.loc
	}
	a = a.Unmap()
	for _, z := range n.zones {
		if z.Net.IsValid() && z.Net.Contains(a) {
			return z.Loc
		}
	}
	return n.loc
}

// zoneOfHost is the zone of the first host rule matching name, or nil.
func (n *Normalizer) zoneOfHost(name string) *time.Location {
	if !n.hostZones || name == "" {
		return nil
	}
	name = strings.ToLower(name)
	for _, z := range n.zones {
		if z.Host == "" {
			continue
		}
		if ok, _ := path.Match(z.Host, name); ok {
			return z.Loc
		}
	}
	return nil
}
