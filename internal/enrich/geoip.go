// Package enrich adds context to events as they arrive: GeoIP location and
// autonomous system of their IP addresses (and, as they come, threat-intel
// matches and asset/identity context).
package enrich

import (
	"fmt"
	"net/netip"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/eventsec/eventsec/internal/event"
)

// Location is what GeoIP knows about an address.
type Location struct {
	ContinentCode string
	CountryISO    string
	CountryName   string
	RegionName    string
	CityName      string
	TimeZone      string
	Lat, Lon      float64
	HasLocation   bool
	ASN           int64
	ASOrg         string
}

// GeoIP looks addresses up in MaxMind databases (.mmdb): a City or Country
// database and, optionally, an ASN database.
type GeoIP struct {
	city *maxminddb.Reader
	asn  *maxminddb.Reader

	mu    sync.RWMutex // guards cache
	cache map[netip.Addr]cached
}

type cached struct {
	loc Location
	ok  bool
}

// cacheSize bounds the look-up cache: addresses repeat heavily in security
// logs, so a small cache saves most look-ups; when full it starts over.
const cacheSize = 65536

// OpenGeoIP opens the databases; either path may be empty (not both).
func OpenGeoIP(cityPath, asnPath string) (*GeoIP, error) {
	if cityPath == "" && asnPath == "" {
		return nil, fmt.Errorf("cannot open GeoIP: no database given")
	}
	g := &GeoIP{cache: map[netip.Addr]cached{}}
	var err error
	if cityPath != "" {
		if g.city, err = maxminddb.Open(cityPath); err != nil {
			return nil, fmt.Errorf("cannot open GeoIP database %s: %w", cityPath, err)
		}
	}
	if asnPath != "" {
		if g.asn, err = maxminddb.Open(asnPath); err != nil {
			g.Close()
			return nil, fmt.Errorf("cannot open GeoIP ASN database %s: %w", asnPath, err)
		}
	}
	return g, nil
}

// Close releases the databases.
func (g *GeoIP) Close() error {
	var err error
	if g.city != nil {
		err = g.city.Close()
	}
	if g.asn != nil {
		if e := g.asn.Close(); err == nil {
			err = e
		}
	}
	return err
}

type cityRecord struct {
	Continent struct {
		Code string `maxminddb:"code"`
	} `maxminddb:"continent"`
	Country struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
		TimeZone  string   `maxminddb:"time_zone"`
	} `maxminddb:"location"`
}

type asnRecord struct {
	Number int64  `maxminddb:"autonomous_system_number"`
	Org    string `maxminddb:"autonomous_system_organization"`
}

// Lookup returns what the databases know of addr; ok is false when they
// know nothing (unknown stays unknown: nothing is guessed).
func (g *GeoIP) Lookup(addr netip.Addr) (Location, bool) {
	addr = addr.Unmap()
	g.mu.RLock()
	c, hit := g.cache[addr]
	g.mu.RUnlock()
	if hit {
		return c.loc, c.ok
	}
	loc, ok := g.lookup(addr)
	g.mu.Lock()
	if len(g.cache) >= cacheSize {
		g.cache = make(map[netip.Addr]cached, cacheSize)
	}
	g.cache[addr] = cached{loc, ok}
	g.mu.Unlock()
	return loc, ok
}

func (g *GeoIP) lookup(addr netip.Addr) (Location, bool) {
	var loc Location
	ok := false
	if g.city != nil {
		var rec cityRecord
		res := g.city.Lookup(addr)
		if res.Found() && res.Decode(&rec) == nil {
			ok = true
			loc.ContinentCode = rec.Continent.Code
			loc.CountryISO = rec.Country.ISOCode
			loc.CountryName = rec.Country.Names["en"]
			if len(rec.Subdivisions) > 0 {
				loc.RegionName = rec.Subdivisions[0].Names["en"]
			}
			loc.CityName = rec.City.Names["en"]
			loc.TimeZone = rec.Location.TimeZone
			if rec.Location.Latitude != nil && rec.Location.Longitude != nil {
				loc.Lat, loc.Lon, loc.HasLocation = *rec.Location.Latitude, *rec.Location.Longitude, true
			}
		}
	}
	if g.asn != nil {
		var rec asnRecord
		res := g.asn.Lookup(addr)
		if res.Found() && res.Decode(&rec) == nil && rec.Number != 0 {
			ok = true
			loc.ASN, loc.ASOrg = rec.Number, rec.Org
		}
	}
	return loc, ok
}

// AddressClass names the kind of a non-public address ("" for public
// ones). Such addresses are labelled, never looked up.
func AddressClass(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private network"
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	case a.IsUnspecified():
		return "unspecified"
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return "reserved"
		}
	}
	return ""
}

// reserved are special-purpose ranges (RFC 6890 and successors) that are
// neither private nor routable on the Internet.
var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
		"64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "2002::/16",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Enricher adds geo and AS fields to events' source and destination
// addresses. A nil GeoIP only labels non-public addresses.
type Enricher struct {
	GeoIP *GeoIP
}

// geoPrefixes are the ECS objects whose .ip is enriched.
var geoPrefixes = []string{"source", "destination", "client", "server", "host"}

// Enrich implements ingest.Enricher.
func (e *Enricher) Enrich(ev *event.Event) {
	for _, p := range geoPrefixes {
		raw, _ := ev.Fields[p+".ip"].(string)
		if raw == "" {
			continue
		}
		addr, err := netip.ParseAddr(raw)
		if err != nil {
			continue
		}
		if class := AddressClass(addr); class != "" {
			if p != "host" {
				ev.Fields.Set(p+".geo.name", class)
			}
			continue
		}
		if e.GeoIP == nil || p == "host" {
			continue
		}
		loc, ok := e.GeoIP.Lookup(addr)
		if !ok {
			continue
		}
		f := ev.Fields
		f.Set(p+".geo.continent_code", loc.ContinentCode)
		f.Set(p+".geo.country_iso_code", loc.CountryISO)
		f.Set(p+".geo.country_name", loc.CountryName)
		f.Set(p+".geo.region_name", loc.RegionName)
		f.Set(p+".geo.city_name", loc.CityName)
		f.Set(p+".geo.timezone", loc.TimeZone)
		if loc.HasLocation {
			f[p+".geo.location.lat"] = loc.Lat
			f[p+".geo.location.lon"] = loc.Lon
		}
		if loc.ASN != 0 {
			f[p+".as.number"] = loc.ASN
			f.Set(p+".as.organization.name", loc.ASOrg)
		}
	}
}
