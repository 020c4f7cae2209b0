package vuln

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/eventsec/eventsec/internal/vuln/osv"
)

func TestTargetFor(t *testing.T) {
	tests := []struct {
		p        Package
		display  string
		releases []string
		why      string
	}{
		{Package{Source: "dpkg", Distro: "debian", DistroRelease: "12.5"}, "Debian:12", []string{"12", ""}, ""},
		{Package{Source: "deb", Distro: "Debian", DistroRelease: "bookworm"}, "Debian:12", []string{"12", ""}, ""},
		{Package{Source: "dpkg", Distro: "ubuntu", DistroRelease: "22.04"}, "Ubuntu:22.04", []string{"22.04"}, ""},
		{Package{Source: "dpkg", Distro: "ubuntu", DistroRelease: "noble"}, "Ubuntu:24.04", []string{"24.04"}, ""},
		{Package{Source: "apk", Distro: "alpine", DistroRelease: "3.19.1"}, "Alpine:v3.19", []string{"3.19"}, ""},
		{Package{Source: "apk", Distro: "wolfi", DistroRelease: "20230201"}, "Wolfi", []string{""}, ""},
		{Package{Source: "rpm", Distro: "rocky", DistroRelease: "9.3"}, "Rocky Linux:9", []string{"9", ""}, ""},
		{Package{Source: "rpm", Distro: "almalinux", DistroRelease: "8.9"}, "AlmaLinux:8", []string{"8", ""}, ""},
		{Package{Source: "rpm", Distro: "rhel", DistroRelease: "9.3"}, "Red Hat:9.3", []string{"9.3", "9"}, ""},
		{Package{Source: "rpm", Distro: "sles", DistroRelease: "15.5"}, "SUSE 15.5", []string{"15.5"}, ""},
		{Package{Source: "rpm", Distro: "opensuse-tumbleweed", DistroRelease: "20240101"}, "openSUSE tumbleweed", []string{"tumbleweed"}, ""},
		{Package{Source: "npm", Distro: "debian", DistroRelease: "12"}, "npm", []string{""}, ""},
		{Package{Source: "pip"}, "PyPI", []string{""}, ""},
		{Package{Source: "windows"}, "", nil, "source windows has no OSV ecosystem"},
		{Package{Source: "macos_app"}, "", nil, "source macos_app has no OSV ecosystem"},
		{Package{Source: "rpm", Distro: "centos", DistroRelease: "7"}, "", nil, "rpm packages on centos have no OSV ecosystem"},
		{Package{Source: "dpkg", Distro: "debian"}, "", nil, "dpkg packages on debian without a release cannot be matched"},
		{Package{Source: "", Distro: "debian"}, "", nil, `source "" has no OSV ecosystem`},
	}
	for _, tt := range tests {
		got, ok, why := targetFor(tt.p)
		if why != tt.why || ok != (tt.why == "") {
			t.Errorf("targetFor(%+v): ok=%v why=%q, want %q", tt.p, ok, why, tt.why)
			continue
		}
		if ok && (got.display != tt.display || !slices.Equal(got.releases, tt.releases)) {
			t.Errorf("targetFor(%+v) = %+v, want %s %v", tt.p, got, tt.display, tt.releases)
		}
	}
}

func TestRecordKey(t *testing.T) {
	tests := []struct{ eco, family, release string }{
		{"Debian:12", "debian", "12"},
		{"Debian", "debian", ""},
		{"Ubuntu:Pro:18.04:LTS", "ubuntu", "18.04"},
		{"Ubuntu", "ubuntu", unplaceable},
		{"Alpine:v3.19", "alpine", "3.19"},
		{"Red Hat:enterprise_linux:9::appstream", "red hat", "9"},
		{"openEuler:22.03-LTS-SP1", "openeuler", "22.03"},
		{"Maven:https://maven.google.com", "maven", ""},
		{"PyPI", "pypi", ""},
	}
	for _, tt := range tests {
		if f, r := recordKey(tt.eco); f != tt.family || r != tt.release {
			t.Errorf("recordKey(%q) = %q, %q; want %q, %q", tt.eco, f, r, tt.family, tt.release)
		}
	}
}

func TestHostNames(t *testing.T) {
	tests := []struct {
		family string
		p      Package
		want   []string
	}{
		{"pypi", Package{Name: "Zope.Interface__Sample"}, []string{"zope-interface-sample"}},
		{"debian", Package{Name: "libssl3", SourceName: "openssl"}, []string{"libssl3", "openssl"}},
		{"debian", Package{Name: "openssl", SourceName: "openssl"}, []string{"openssl"}},
		{"rocky linux", Package{Name: "openssl-libs", SourceName: "openssl-3.0.7-24.el9.src.rpm"}, []string{"openssl-libs", "openssl"}},
		{"npm", Package{Name: "JSONStream"}, []string{"jsonstream"}},
	}
	for _, tt := range tests {
		if got := hostNames(tt.family, tt.p); !slices.Equal(got, tt.want) {
			t.Errorf("hostNames(%s, %+v) = %v, want %v", tt.family, tt.p, got, tt.want)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	for in, want := range map[string]Severity{
		"CRITICAL": SeverityCritical, "High": SeverityHigh, "Important": SeverityHigh, "MODERATE": SeverityMedium,
		"medium": SeverityMedium, "low": SeverityLow, "negligible": SeverityLow, "unimportant": SeverityLow,
		"none": SeverityNone, "not yet assigned": SeverityUnknown, "": SeverityUnknown, "end-of-life": SeverityUnknown,
	} {
		if got := ParseSeverity(in); got != want {
			t.Errorf("ParseSeverity(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestRate checks the severity rules on records of each shape.
func TestRate(t *testing.T) {
	v3 := osv.Severity{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
	v3low := osv.Severity{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N"}
	v4 := osv.Severity{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"}
	v2 := osv.Severity{Type: "CVSS_V2", Score: "AV:N/AC:L/Au:N/C:P/I:P/A:P"}
	tests := []struct {
		name        string
		sev         []osv.Severity // record level
		dbSpecific  string
		affSev      []osv.Severity // package level
		ecoSpecific string
		level       Severity
		score       float64
		source      string
		warnings    int
	}{
		{"v3", []osv.Severity{v3}, `{"severity":"LOW"}`, nil, "", SeverityCritical, 9.8, "CVSS 3.1 base score 9.8 (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)", 0},
		{"package vector beats record vector", []osv.Severity{v3}, "", []osv.Severity{v3low}, "", SeverityLow, 2.7, "CVSS 3.1 base score 2.7 (CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N)", 0},
		{"v4 with a database word", []osv.Severity{v4}, `{"severity":"MODERATE"}`, nil, "", SeverityMedium, 7.5, "GitHub severity MODERATE; CVSS 4.0 score 7.5 approximated from CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 0},
		{"v4 alone", []osv.Severity{v4}, "", nil, "", SeverityHigh, 7.5, "CVSS 4.0 score 7.5 approximated from CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 0},
		{"Debian urgency", nil, "", nil, `{"urgency":"medium"}`, SeverityMedium, 0, "Debian urgency medium", 0},
		{"Debian not yet assigned", nil, "", nil, `{"urgency":"not yet assigned"}`, SeverityUnknown, 0, "no severity in the record", 0},
		{"Ubuntu severity type", []osv.Severity{{Type: "Ubuntu", Score: "negligible"}}, "", nil, "", SeverityLow, 0, "Ubuntu priority negligible", 0},
		{"word beats v2, keeps its score", []osv.Severity{v2}, `{"severity":"HIGH"}`, nil, "", SeverityHigh, 7.5, "GitHub severity HIGH; CVSS 2.0 base score 7.5", 0},
		{"v2 alone", []osv.Severity{v2}, "", nil, "", SeverityHigh, 7.5, "CVSS 2.0 base score 7.5 (AV:N/AC:L/Au:N/C:P/I:P/A:P)", 0},
		{"bad vector falls through", []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N"}}, `{"severity":"LOW"}`, nil, "", SeverityLow, 0, "GitHub severity LOW", 1},
		{"nothing", nil, "", nil, "", SeverityUnknown, 0, "no severity in the record", 0},
	}
	for _, tt := range tests {
		r := &osv.Record{ID: "GHSA-test", Severity: tt.sev}
		if tt.dbSpecific != "" {
			r.DatabaseSpecific = json.RawMessage(tt.dbSpecific)
		}
		a := &osv.Affected{Severity: tt.affSev}
		if tt.ecoSpecific != "" {
			a.EcosystemSpecific = json.RawMessage(tt.ecoSpecific)
		}
		var warned []string
		got := rate(r, a, func(s string) { warned = append(warned, s) })
		if got.Level != tt.level || got.Score != tt.score || got.Source != tt.source || len(warned) != tt.warnings {
			t.Errorf("%s: rate = %+v, warnings %v; want %s %.1f %q", tt.name, got, warned, tt.level, tt.score, tt.source)
		}
	}
}

// TestSortEvents: events are put in version order at import, with
// "introduced 0" first and introduced before fixed on a tie.
func TestSortEvents(t *testing.T) {
	data, err := os.ReadFile("testdata/osv/lang/GHSA-jfh8-c2jp-5v3q.json")
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := osv.Parse(data)
	ap := AffectedPackage{Ecosystem: "Maven", Ranges: recs[0].Affected[0].Ranges}
	ap.Ranges[0].Events = append(ap.Ranges[0].Events, osv.Event{Kind: osv.Fixed, Version: "3.0"}, osv.Event{Kind: osv.Introduced, Version: "3.0"}, osv.Event{Kind: osv.Introduced, Version: "0"})
	sortEvents(&ap, "maven")
	var got []string
	for _, e := range ap.Ranges[0].Events {
		got = append(got, e.Kind.String()+" "+e.Version)
	}
	want := []string{"introduced 0", "introduced 2.0-beta9", "fixed 2.3.1", "introduced 2.4", "fixed 2.12.2", "introduced 2.13.0", "fixed 2.15.0", "introduced 3.0", "fixed 3.0"}
	if !slices.Equal(got, want) {
		t.Errorf("sorted events = %q\nwant %q", got, want)
	}
}
