package vulnsvc_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/endpoint"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqldb"
	"github.com/eventsec/eventsec/internal/store/sqlite"
	"github.com/eventsec/eventsec/internal/vuln"
	"github.com/eventsec/eventsec/internal/vuln/vulnsvc"
)

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func newService(t testing.TB, st store.Store, dir string) *vulnsvc.Service {
	t.Helper()
	s, err := vulnsvc.New(t.Context(), vulnsvc.Options{Store: st, Dir: dir, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func importTestdata(t testing.TB, s *vulnsvc.Service) vulnsvc.ImportResult {
	t.Helper()
	res, err := s.Import(t.Context(), []vulnsvc.ImportFile{
		{Name: "debian.json", Path: "testdata/osv/debian.json"},
		{Name: "GHSA-test-lodash.json", Path: "testdata/osv/GHSA-test-lodash.json"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func openStore(t testing.TB) *sqldb.DB {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustOrg(t testing.TB, st store.Store, id string) {
	t.Helper()
	if err := st.Orgs().Create(t.Context(), store.Org{ID: id, Name: "Org " + id, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
}

// putAgent creates (or updates) an agent with the given software, as the
// endpoint service does when an inventory arrives.
func putAgent(t testing.TB, st store.Store, org, id, name, platform, ver string, at time.Time, sw ...store.Software) {
	t.Helper()
	ctx := t.Context()
	a := store.Agent{ID: id, OrgID: org, Name: name, Hostname: name, OS: "linux", Platform: platform, PlatformVersion: ver,
		Arch: "amd64", Facts: "{}", Health: "{}", TokenPrefix: "esa_" + id, TokenHash: "h-" + id, EnrolledAt: t0, UpdatedAt: at}
	if _, err := st.Endpoints().Agents().Get(ctx, org, id); errors.Is(err, store.ErrNotFound) {
		if err := st.Endpoints().Agents().Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	} else if err := st.Endpoints().Agents().Update(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := st.Endpoints().Inventory().Put(ctx, store.Inventory{OrgID: org, AgentID: id, CollectedAt: at, ReceivedAt: at,
		Snapshot: []byte("{}"), Software: sw}); err != nil {
		t.Fatal(err)
	}
}

func dpkg(name, version, source string) store.Software {
	return store.Software{Name: name, Version: version, Source: "dpkg", SourceName: source, Arch: "amd64"}
}

// fleet builds org o1 with three active endpoints and a revoked one:
//
//	web-01 debian 12: vulnerable openssl and libssl3, curl, libxml2
//	web-02 debian 12: fixed openssl, vulnerable curl, lodash from npm
//	db-01  ubuntu 22.04: nothing the records cover
//	old-01 (revoked): vulnerable openssl
func fleet(t testing.TB, st store.Store) {
	t.Helper()
	mustOrg(t, st, "o1")
	mustOrg(t, st, "o2")
	putAgent(t, st, "o1", "a1", "web-01", "debian", "12", t0,
		dpkg("openssl", "3.0.11-1~deb12u1", ""), dpkg("libssl3", "3.0.11-1~deb12u1", "openssl"),
		dpkg("curl", "7.88.1-10+deb12u3", ""), dpkg("libxml2", "2.9.14+dfsg-1.3~deb12u1", ""),
		store.Software{Name: "Mozilla Firefox", Version: "121.0", Source: "windows"})
	putAgent(t, st, "o1", "a2", "web-02", "debian", "12", t0,
		dpkg("openssl", "3.0.11-1~deb12u2", ""), dpkg("curl", "7.88.1-10+deb12u3", ""),
		store.Software{Name: "lodash", Version: "4.17.20", Source: "npm"})
	putAgent(t, st, "o1", "a3", "db-01", "ubuntu", "22.04", t0, dpkg("openssl", "3.0.2-0ubuntu1.10", ""))
	putAgent(t, st, "o1", "a4", "old-01", "debian", "12", t0, dpkg("openssl", "3.0.11-1~deb12u1", ""))
	if err := st.Endpoints().Agents().Revoke(t.Context(), "o1", "a4", t0); err != nil {
		t.Fatal(err)
	}
	// Another org's endpoint, vulnerable too: never counted in o1.
	putAgent(t, st, "o2", "b1", "other-01", "debian", "12", t0, dpkg("openssl", "3.0.11-1~deb12u1", ""))
}

func TestMatchAdapter(t *testing.T) {
	s := newService(t, nil, "")
	pkgs := []wire.Package{
		{Name: "libssl3", Version: "3.0.11-1~deb12u1", Source: "dpkg", SourceName: "openssl"},
		{Name: "Mozilla Firefox", Version: "121.0", Source: "windows"},
	}
	facts := wire.HostFacts{Hostname: "web-01", OS: "linux", Platform: "debian", PlatformVer: "12"}
	if _, err := s.Match(t.Context(), pkgs, facts); !errors.Is(err, endpoint.ErrUnavailable) {
		t.Fatalf("empty database: err = %v, want ErrUnavailable", err)
	}
	importTestdata(t, s)
	got, err := s.Match(t.Context(), pkgs, facts)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, v := range got {
		ids = append(ids, v.ID)
		if v.Package != "libssl3" || v.InstalledVersion != "3.0.11-1~deb12u1" || v.FixedVersion != "3.0.11-1~deb12u2" || v.Ecosystem != "Debian:12" {
			t.Errorf("finding: %+v", v)
		}
		if !strings.Contains(v.Reason, "(source package openssl)") {
			t.Errorf("reason %q does not say how it matched", v.Reason)
		}
	}
	// Most severe first: the DEBIAN-CVE record has a CVSS 7.5 vector, the DSA none.
	if !slices.Equal(ids, []string{"DEBIAN-CVE-2023-5363", "DSA-9001-1"}) || got[0].Severity != "high" || got[0].Score != 7.5 {
		t.Fatalf("findings: %+v", got)
	}
	// The release comes from the facts: Debian 11 has no record here.
	if got, _ := s.Match(t.Context(), pkgs, wire.HostFacts{Platform: "debian", PlatformVer: "11"}); len(got) != 0 {
		t.Fatalf("debian 11: %+v", got)
	}
	// Codenames as reported by some agents work too.
	if got, _ := s.Match(t.Context(), pkgs, wire.HostFacts{Platform: "debian", PlatformVer: "bookworm"}); len(got) != 2 {
		t.Fatalf("bookworm: %+v", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Match(ctx, pkgs, facts); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestImportSaveLoad(t *testing.T) {
	dir := t.TempDir()
	s := newService(t, nil, dir)
	if in := s.Info(); in.Advisories != 0 || in.LastImport != nil || !in.Saved {
		t.Fatalf("fresh: %+v", in)
	}
	gen := s.Generation()
	tmp := filepath.Join(t.TempDir(), "upload-123")
	b, err := os.ReadFile("testdata/bad.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := s.Import(t.Context(), []vulnsvc.ImportFile{
		{Name: "debian.json", Path: "testdata/osv/debian.json"},
		{Name: "bad.json", Path: tmp},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || res.Records != 4 || res.Stats.Advisories != 4 {
		t.Fatalf("result: %+v", res)
	}
	if f := res.Files[0]; f.Name != "debian.json" || f.Added != 4 || f.Error != "" {
		t.Fatalf("debian.json: %+v", f)
	}
	bad := res.Files[1]
	if bad.Error == "" || len(bad.Errors) != 1 || !strings.HasPrefix(bad.Errors[0].File, "bad.json") || strings.Contains(bad.Error, tmp) {
		t.Fatalf("bad.json: the report must name the upload, not the temporary file: %+v", bad)
	}
	if s.Generation() == gen {
		t.Fatal("an import did not change the generation")
	}
	if _, err := os.Stat(filepath.Join(dir, vuln.FileName)); err != nil {
		t.Fatalf("not saved: %v", err)
	}
	in := s.Info()
	if in.LastImport == nil || in.LastImport.Records != 4 || in.LastImport.Errors != 1 || len(in.LastImport.Files) != 2 || !in.LastImport.At.Equal(t0) {
		t.Fatalf("last import: %+v", in.LastImport)
	}

	// A new service (a restart) loads the database and the summary.
	s2 := newService(t, nil, dir)
	in2 := s2.Info()
	if in2.Advisories != 4 || in2.Ecosystems["Debian"] != 4 || in2.LastImport == nil || in2.LastImport.Records != 4 {
		t.Fatalf("reloaded: %+v", in2)
	}

	// The CLI imports into the directory while the server runs: the
	// server picks the new file up.
	cli := newService(t, nil, dir)
	// File systems with coarse modification times need the new file to
	// look newer.
	time.Sleep(20 * time.Millisecond)
	if _, err := cli.Import(t.Context(), []vulnsvc.ImportFile{{Name: "lodash", Path: "testdata/osv/GHSA-test-lodash.json"}}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, vuln.FileName))
	_ = os.Chtimes(filepath.Join(dir, vuln.FileName), fi.ModTime(), fi.ModTime().Add(time.Second))
	changed, err := s2.ReloadIfChanged(t.Context())
	if err != nil || !changed || s2.Info().Advisories != 5 || s2.Info().LastImport.Files[0].Name != "lodash" {
		t.Fatalf("reload: changed=%v err=%v %+v", changed, err, s2.Info())
	}
	if changed, err := s2.ReloadIfChanged(t.Context()); changed || err != nil {
		t.Fatalf("second reload: %v %v", changed, err)
	}

	// A file that is not a database: the service starts empty, with a warning.
	if err := os.WriteFile(filepath.Join(dir, vuln.FileName), []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s3 := newService(t, nil, dir); s3.Info().Advisories != 0 {
		t.Fatal("garbage loaded")
	}
	if _, err := s.Import(t.Context(), nil); !errors.Is(err, vuln.ErrNoInput) {
		t.Fatalf("no files: %v", err)
	}
}

func TestFleetView(t *testing.T) {
	st := openStore(t)
	fleet(t, st)
	s := newService(t, st, t.TempDir())
	ctx := t.Context()

	page, err := s.List(ctx, "o1", vulnsvc.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 0 {
		t.Fatalf("empty database: %+v", page)
	}
	importTestdata(t, s)

	page, err = s.List(ctx, "o1", vulnsvc.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, cve, sev string
		endpoints    int
		findings     int
		packages     string
		advisories   string
		fixed        string
	}
	var got []row
	for _, v := range page.Items {
		got = append(got, row{v.ID, v.CVE, string(v.Severity), v.Endpoints, v.Findings, strings.Join(v.Packages, ","),
			strings.Join(v.Advisories, ","), strings.Join(v.FixedVersions, ",")})
	}
	want := []row{
		// One advisory about two CVEs stays one row under its own id.
		{"DSA-9002-1", "", "critical", 2, 2, "curl", "DSA-9002-1", "7.88.1-10+deb12u4"},
		// Two advisories about one CVE are one row; the revoked endpoint
		// and org o2's endpoint do not count.
		{"CVE-2023-5363", "CVE-2023-5363", "high", 1, 2, "libssl3,openssl", "DEBIAN-CVE-2023-5363,DSA-9001-1", "3.0.11-1~deb12u2"},
		{"CVE-2021-23337", "CVE-2021-23337", "high", 1, 1, "lodash", "GHSA-35jh-r3h4-6jhm", "4.17.21"},
		{"CVE-2024-10001", "CVE-2024-10001", "unknown", 1, 1, "libxml2", "DEBIAN-CVE-2024-10001", ""},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rows:\n got %+v\nwant %+v", got, want)
	}
	if page.Items[0].Summary != "curl - security update" || page.Items[3].Summary != "libxml2: a test flaw without a fix yet." {
		t.Errorf("summaries: %q %q", page.Items[0].Summary, page.Items[3].Summary)
	}
	if a := page.Items[0].Aliases; !slices.Equal(a, []string{"CVE-2023-38545", "CVE-2023-38546"}) {
		t.Errorf("aliases: %v", a)
	}

	filters := []struct {
		name string
		f    vulnsvc.Filter
		ids  []string
	}{
		{"severity", vulnsvc.Filter{Severities: []vuln.Severity{vuln.SeverityHigh}}, []string{"CVE-2023-5363", "CVE-2021-23337"}},
		{"two severities", vulnsvc.Filter{Severities: []vuln.Severity{vuln.SeverityCritical, vuln.SeverityUnknown}}, []string{"DSA-9002-1", "CVE-2024-10001"}},
		{"query by alias", vulnsvc.Filter{Query: "cve-2023-38546"}, []string{"DSA-9002-1"}},
		{"query by advisory", vulnsvc.Filter{Query: "GHSA-35jh"}, []string{"CVE-2021-23337"}},
		{"query by package", vulnsvc.Filter{Query: "libssl"}, []string{"CVE-2023-5363"}},
		{"package", vulnsvc.Filter{Package: "LIBSSL3"}, []string{"CVE-2023-5363"}},
		{"endpoint by name", vulnsvc.Filter{Endpoint: "web-02"}, []string{"DSA-9002-1", "CVE-2021-23337"}},
		{"endpoint by id", vulnsvc.Filter{Endpoint: "a3"}, nil},
		{"page", vulnsvc.Filter{Limit: 2, Offset: 1}, []string{"CVE-2023-5363", "CVE-2021-23337"}},
		{"past the end", vulnsvc.Filter{Offset: 10}, nil},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.List(ctx, "o1", tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, v := range p.Items {
				ids = append(ids, v.ID)
			}
			if !slices.Equal(ids, tc.ids) {
				t.Fatalf("ids %v, want %v", ids, tc.ids)
			}
		})
	}
	// Filtered counts are of the kept findings.
	if p, _ := s.List(ctx, "o1", vulnsvc.Filter{Package: "openssl"}); p.Total != 1 || p.Items[0].Findings != 1 || !slices.Equal(p.Items[0].Packages, []string{"openssl"}) {
		t.Fatalf("package openssl: %+v", p)
	}

	d, err := s.Get(ctx, "o1", "CVE-2023-5363")
	if err != nil {
		t.Fatal(err)
	}
	// Each advisory's finding is listed with its own reason: two packages, two advisories.
	if len(d.Records) != 2 || d.Records[0].ID != "DEBIAN-CVE-2023-5363" || len(d.Affected) != 4 {
		t.Fatalf("detail: %+v", d)
	}
	for _, a := range d.Affected {
		if a.EndpointID != "a1" || a.EndpointName != "web-01" || a.Platform != "debian" || a.FixedVersion != "3.0.11-1~deb12u2" || a.Reason == "" {
			t.Errorf("affected: %+v", a)
		}
	}
	// An advisory id finds its row too.
	if d2, err := s.Get(ctx, "o1", "DSA-9001-1"); err != nil || d2.ID != "CVE-2023-5363" {
		t.Fatalf("by advisory: %v %+v", err, d2.Vulnerability)
	}
	// Known to the database but affecting no endpoint of o1 / unknown.
	for _, id := range []string{"CVE-2023-38545", "NOPE-1"} {
		if _, err := s.Get(ctx, "o1", id); !errors.Is(err, vulnsvc.ErrNotFound) {
			t.Errorf("%s: %v", id, err)
		}
	}
	// Org o2 sees its own endpoint only.
	if p, _ := s.List(ctx, "o2", vulnsvc.Filter{}); p.Total != 1 || p.Items[0].ID != "CVE-2023-5363" || p.Items[0].Endpoints != 1 {
		t.Fatalf("o2: %+v", p)
	}
	if d, _ := s.Get(ctx, "o2", "CVE-2023-5363"); len(d.Affected) != 2 || d.Affected[0].EndpointID != "b1" || d.Affected[1].EndpointID != "b1" {
		t.Fatalf("o2 detail: %+v", d.Affected)
	}

	sum, err := s.Summary(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Endpoints != 3 || sum.WithSoftware != 3 || sum.Affected != 2 || sum.Vulnerabilities != 4 || sum.Findings != 6 ||
		sum.BySeverity[vuln.SeverityCritical] != 1 || sum.BySeverity[vuln.SeverityHigh] != 2 || sum.BySeverity[vuln.SeverityUnknown] != 1 ||
		sum.BySeverity[vuln.SeverityLow] != 0 || sum.FindingsBySeverity[vuln.SeverityHigh] != 3 {
		t.Fatalf("summary: %+v", sum)
	}
	if len(sum.TopPackages) != 5 || sum.TopPackages[0].Name != "curl" || sum.TopPackages[0].Endpoints != 2 {
		t.Fatalf("top packages: %+v", sum.TopPackages)
	}
	if len(sum.TopEndpoints) != 2 || sum.TopEndpoints[0].Name != "web-01" || sum.TopEndpoints[0].Findings != 4 || sum.TopEndpoints[0].Vulnerabilities != 3 {
		t.Fatalf("top endpoints: %+v", sum.TopEndpoints)
	}

	// web-01 upgrades curl: a new inventory changes its findings.
	putAgent(t, st, "o1", "a1", "web-01", "debian", "12", t0.Add(time.Hour),
		dpkg("openssl", "3.0.11-1~deb12u1", ""), dpkg("curl", "7.88.1-10+deb12u4", ""))
	if p, _ := s.List(ctx, "o1", vulnsvc.Filter{Query: "DSA-9002"}); p.Items[0].Endpoints != 1 {
		t.Fatalf("after the upgrade: %+v", p.Items)
	}
	// Revoking web-02 drops it.
	if err := st.Endpoints().Agents().Revoke(ctx, "o1", "a2", t0); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.List(ctx, "o1", vulnsvc.Filter{}); p.Total != 1 || p.Items[0].ID != "CVE-2023-5363" {
		t.Fatalf("after the revocation: %+v", p.Items)
	}

	if _, err := newService(t, nil, "").List(ctx, "o1", vulnsvc.Filter{}); !errors.Is(err, vulnsvc.ErrNoStore) {
		t.Fatalf("no store: %v", err)
	}
}
