package enrich

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventsec/eventsec/internal/event"
)

// The MaxMind test databases shipped beside the repository.
var geoDir = filepath.Join("..", "..", "..", "shared", "data", "geoip")

func openTestDB(t testing.TB) *GeoIP {
	t.Helper()
	city := filepath.Join(geoDir, "GeoIP2-City-Test.mmdb")
	if _, err := os.Stat(city); err != nil {
		t.Skipf("MaxMind test databases not found at %s: skipping GeoIP tests", geoDir)
	}
	g, err := OpenGeoIP(city, filepath.Join(geoDir, "GeoLite2-ASN-Test.mmdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func TestLookup(t *testing.T) {
	g := openTestDB(t)
	cases := []struct {
		ip      string
		country string
		city    string
		asn     int64
		found   bool
	}{
		// Values from GeoIP2-City-Test.source.json and GeoLite2-ASN-Test.
		{"81.2.69.142", "GB", "London", 0, true},
		{"2.125.160.216", "GB", "Boxford", 0, true},
		{"89.160.20.112", "SE", "Linköping", 29518, true},
		{"2001:218::1", "JP", "", 0, true},
		{"1.128.0.1", "", "", 1221, true},
		{"8.8.8.8", "", "", 0, false}, // absent from the test databases: stays unknown
	}
	for _, tc := range cases {
		loc, ok := g.Lookup(netip.MustParseAddr(tc.ip))
		if ok != tc.found || loc.CountryISO != tc.country || loc.CityName != tc.city || loc.ASN != tc.asn {
			t.Errorf("%s: got %+v found=%v; want country %q city %q asn %d found %v", tc.ip, loc, ok, tc.country, tc.city, tc.asn, tc.found)
		}
	}
	// Cached answers are the same.
	a, _ := g.Lookup(netip.MustParseAddr("81.2.69.142"))
	b, _ := g.Lookup(netip.MustParseAddr("::ffff:81.2.69.142"))
	if a != b || !a.HasLocation {
		t.Fatalf("cache / mapped address: %+v vs %+v", a, b)
	}
}

func TestEnrich(t *testing.T) {
	e := &Enricher{GeoIP: openTestDB(t)}
	ev := event.Event{Fields: event.Fields{
		"source.ip":      "81.2.69.142",
		"destination.ip": "10.1.2.3",
		"client.ip":      "8.8.8.8",
		"server.ip":      "not an ip",
		"host.ip":        "127.0.0.1",
	}}
	e.Enrich(&ev)
	f := ev.Fields
	if f.Str("source.geo.country_iso_code") != "GB" || f.Str("source.geo.city_name") != "London" {
		t.Fatalf("source not enriched: %v", f)
	}
	if _, ok := f["source.geo.location.lat"].(float64); !ok {
		t.Fatalf("no coordinates: %v", f)
	}
	if f.Str("destination.geo.name") != "private network" || f["destination.geo.country_iso_code"] != nil {
		t.Fatalf("private destination must be labelled, not looked up: %v", f)
	}
	for _, k := range []string{"client.geo.country_iso_code", "client.geo.name", "server.geo.name", "host.geo.name", "client.geo.location.lat"} {
		if _, ok := f[k]; ok {
			t.Errorf("%s must stay unset (unknown stays unknown)", k)
		}
	}
}

func TestAddressClass(t *testing.T) {
	for ip, want := range map[string]string{
		"10.0.0.1": "private network", "192.168.1.1": "private network", "172.16.5.4": "private network", "fd00::1": "private network",
		"127.0.0.1": "loopback", "::1": "loopback", "169.254.1.1": "link-local", "fe80::1": "link-local",
		"239.1.2.3": "multicast", "224.0.0.1": "link-local", "0.0.0.0": "unspecified", "100.64.1.1": "reserved", "192.0.2.10": "reserved",
		"2001:db8::1": "reserved", "81.2.69.142": "", "2a00:1450::1": "",
	} {
		if got := AddressClass(netip.MustParseAddr(ip)); got != want {
			t.Errorf("%s: %q, want %q", ip, got, want)
		}
	}
}

func BenchmarkEnrich(b *testing.B) {
	e := &Enricher{GeoIP: openTestDB(b)}
	ips := []string{"81.2.69.142", "89.160.20.112", "10.0.0.1", "2.125.160.216"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ev := event.Event{Fields: event.Fields{"source.ip": ips[i%len(ips)], "destination.ip": "10.9.9.9"}}
		e.Enrich(&ev)
	}
}
