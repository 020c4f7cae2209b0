package osv

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The fixtures are shared with package vuln.
const fixtures = "../testdata/osv"

func TestParseValidFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtures, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		if strings.Contains(f, "/bad/") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		recs, errs := Parse(data)
		if len(errs) > 0 {
			t.Errorf("%s: %v", f, errs[0])
		}
		if len(recs) == 0 {
			t.Errorf("%s: no records", f)
		}
	}
}

func TestParseRecord(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "lang", "GHSA-jfh8-c2jp-5v3q.json"))
	if err != nil {
		t.Fatal(err)
	}
	recs, errs := Parse(data)
	if len(errs) != 0 || len(recs) != 1 {
		t.Fatalf("Parse: %d records, errors %v", len(recs), errs)
	}
	r := recs[0]
	want := Record{
		SchemaVersion: "1.4.0",
		ID:            "GHSA-jfh8-c2jp-5v3q",
		Modified:      time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC),
		Published:     time.Date(2021, 12, 10, 0, 40, 56, 0, time.UTC),
		Aliases:       []string{"CVE-2021-44228"},
		Summary:       "Remote code injection in Log4j",
		Details:       r.Details,
		Severity:      []Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}},
		Affected: []Affected{{
			Package: Package{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core"},
			Ranges: []Range{{Type: RangeEcosystem, Events: []Event{
				{Introduced, "2.13.0"}, {Fixed, "2.15.0"}, {Introduced, "2.4"}, {Fixed, "2.12.2"}, {Introduced, "2.0-beta9"}, {Fixed, "2.3.1"},
			}}},
		}},
		DatabaseSpecific: r.DatabaseSpecific,
		Position:         -1,
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", r, want)
	}
	if string(r.DatabaseSpecific) != `{"severity": "CRITICAL", "github_reviewed": true}` {
		t.Errorf("database_specific = %s", r.DatabaseSpecific)
	}
}

// TestParseErrors checks the errors for the malformed fixtures against a
// golden file: each error names the record, the JSON path and the reason.
func TestParseErrors(t *testing.T) {
	var b strings.Builder
	for _, name := range []string{"syntax.json", "mixed.json", "GHSA-wdrn-withdrawn.json"} {
		data, err := os.ReadFile(filepath.Join(fixtures, "bad", name))
		if err != nil {
			t.Fatal(err)
		}
		recs, errs := Parse(data)
		fmt.Fprintf(&b, "== %s: %d records\n", name, len(recs))
		for _, r := range recs {
			fmt.Fprintf(&b, "ok %s withdrawn=%v\n", r.ID, !r.Withdrawn.IsZero())
		}
		for _, e := range errs {
			fmt.Fprintf(&b, "error %s\n", e)
			if !errors.Is(e, ErrSyntax) && !errors.Is(e, ErrInvalid) {
				t.Errorf("%s: %v wraps neither ErrSyntax nor ErrInvalid", name, e)
			}
		}
	}
	golden(t, filepath.Join("testdata", "errors.golden"), b.String())
}

func TestParseInline(t *testing.T) {
	tests := []struct {
		name, doc string
		records   int
		errPath   string // path of the first error, "" for none
	}{
		{"empty", "", 0, "$"},
		{"scalar", `42`, 0, "$"},
		{"empty array", `[]`, 0, ""},
		{"bom and spaces", "\xef\xbb\xbf \n{\"id\": \"X-1\"}", 1, ""},
		{"not an object in array", `[{"id":"A-1"}, 7]`, 1, "$[1]"},
		{"bad time", `{"id":"A-1","modified":"yesterday"}`, 0, "$.modified"},
		{"date only", `{"id":"A-1","modified":"2024-01-02"}`, 1, ""},
		{"missing ecosystem", `{"id":"A-1","affected":[{"package":{"name":"x"}}]}`, 0, "$.affected[0].package.ecosystem"},
		{"unknown range type", `{"id":"A-1","affected":[{"package":{"ecosystem":"npm","name":"x"},"ranges":[{"type":"DATE","events":[{"introduced":"0"}]}]}]}`, 0, "$.affected[0].ranges[0].type"},
		{"no introduced", `{"id":"A-1","affected":[{"package":{"ecosystem":"npm","name":"x"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}`, 0, "$.affected[0].ranges[0].events"},
		{"empty event", `{"id":"A-1","affected":[{"package":{"ecosystem":"npm","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{}]}]}]}`, 0, "$.affected[0].ranges[0].events[1]"},
		{"empty version", `{"id":"A-1","affected":[{"package":{"ecosystem":"npm","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":""}]}]}]}`, 0, "$.affected[0].ranges[0].events[0].introduced"},
		{"no package is fine", `{"id":"A-1","affected":[{"ranges":[{"type":"GIT","repo":"r","events":[{"introduced":"abc"}]}]}]}`, 1, ""},
		{"trailing garbage", `{"id":"A-1"} x`, 0, "$"},
		{"array then garbage", `[{"id":"A-1"}] x`, 1, "$"},
		{"truncated array", `[{"id":"A-1"}, {"id":`, 1, "$[1]"},
		{"nulls", `{"id":"A-1","aliases":null,"database_specific":null,"affected":null}`, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, errs := Parse([]byte(tt.doc))
			if len(recs) != tt.records {
				t.Errorf("records = %d, want %d", len(recs), tt.records)
			}
			switch {
			case tt.errPath == "" && len(errs) > 0:
				t.Errorf("unexpected error %v", errs[0])
			case tt.errPath != "" && len(errs) == 0:
				t.Errorf("no error, want one at %s", tt.errPath)
			case tt.errPath != "" && errs[0].Path != tt.errPath:
				t.Errorf("error %v at %s, want %s", errs[0], errs[0].Path, tt.errPath)
			}
		})
	}
}

func TestParseEcosystem(t *testing.T) {
	tests := []struct {
		in   string
		want Ecosystem
	}{
		{"Debian:12", Ecosystem{Name: "Debian", Release: "12"}},
		{"Debian", Ecosystem{Name: "Debian"}},
		{"Ubuntu:22.04:LTS", Ecosystem{Name: "Ubuntu", Release: "22.04", Qualifiers: []string{"LTS"}}},
		{"Ubuntu:Pro:18.04:LTS", Ecosystem{Name: "Ubuntu", Release: "18.04", Qualifiers: []string{"Pro", "LTS"}}},
		{"Ubuntu:23.10", Ecosystem{Name: "Ubuntu", Release: "23.10"}},
		{"Alpine:v3.19", Ecosystem{Name: "Alpine", Release: "3.19"}},
		{"Rocky Linux:9", Ecosystem{Name: "Rocky Linux", Release: "9"}},
		{"AlmaLinux:8", Ecosystem{Name: "AlmaLinux", Release: "8"}},
		{"Red Hat:enterprise_linux:9::appstream", Ecosystem{Name: "Red Hat", Release: "9", Qualifiers: []string{"enterprise_linux", "appstream"}}},
		{"Red Hat:rhel_aus:8.4::appstream", Ecosystem{Name: "Red Hat", Release: "8.4", Qualifiers: []string{"rhel_aus", "appstream"}}},
		{"SUSE:Linux Enterprise Server 15 SP5", Ecosystem{Name: "SUSE", Release: "15.5", Qualifiers: []string{"Linux Enterprise Server"}}},
		{"SUSE:Linux Enterprise Micro 5.5", Ecosystem{Name: "SUSE", Release: "5.5", Qualifiers: []string{"Linux Enterprise Micro"}}},
		{"openSUSE:Leap 15.5", Ecosystem{Name: "openSUSE", Release: "15.5", Qualifiers: []string{"Leap"}}},
		{"openSUSE:Tumbleweed", Ecosystem{Name: "openSUSE", Release: "tumbleweed"}},
		{"Maven:https://maven.google.com", Ecosystem{Name: "Maven", Qualifiers: []string{"https://maven.google.com"}}},
		{"pypi", Ecosystem{Name: "PyPI"}},
		{"crates.io", Ecosystem{Name: "crates.io"}},
		{"Mageia:9", Ecosystem{Name: "Mageia", Release: "9"}},
		{"Photon OS:5.0", Ecosystem{Name: "Photon OS", Release: "5.0"}},
		{"Something New:1:x", Ecosystem{Name: "Something New", Release: "1", Qualifiers: []string{"x"}}},
	}
	for _, tt := range tests {
		if got := ParseEcosystem(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseEcosystem(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "*", "*.json"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, errs := Parse(data)
		for _, r := range recs {
			if r.ID == "" {
				t.Fatal("record without id")
			}
			for _, a := range r.Affected {
				for _, rg := range a.Ranges {
					if len(rg.Events) == 0 {
						t.Fatal("range without events")
					}
				}
			}
		}
		for _, e := range errs {
			if !errors.Is(e, ErrSyntax) && !errors.Is(e, ErrInvalid) {
				t.Fatalf("error %v wraps neither sentinel", e)
			}
			if e.Offset > int64(len(data)) {
				t.Fatalf("offset %d beyond document of %d bytes", e.Offset, len(data))
			}
		}
	})
}

func FuzzParseEcosystem(f *testing.F) {
	for _, s := range []string{"Debian:12", "Ubuntu:Pro:18.04:LTS", "Red Hat:a:9::b", "SUSE:X 15 SP5", "Alpine:v3.19", "Maven:https://x:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := ParseEcosystem(s)
		if strings.Contains(e.Name, ":") {
			t.Fatalf("ParseEcosystem(%q).Name = %q contains a colon", s, e.Name)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(fixtures, "ubuntu", "USN-6450-1.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := Parse(data); errs != nil {
			b.Fatal(errs[0])
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}
