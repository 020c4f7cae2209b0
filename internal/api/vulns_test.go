package api_test

import (
	"archive/zip"
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/api"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/endpoint"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/vuln/vulnsvc"
)

// withVulns gives the fixture a vulnerability service (with an empty
// database kept in a temporary directory) unless a config set one.
func withVulns(t *testing.T, po *api.Options, st store.Store) *vulnsvc.Service {
	t.Helper()
	if po.Vulns != nil {
		return po.Vulns
	}
	svc, err := vulnsvc.New(t.Context(), vulnsvc.Options{Store: st, Dir: filepath.Join(t.TempDir(), "vulndb")})
	if err != nil {
		t.Fatal(err)
	}
	po.Vulns = svc
	return svc
}

// vulnMatcher is the endpoint service's matcher: the fixture's
// vulnerability service, as the server wires it.
func vulnMatcher(po *api.Options) endpoint.VulnMatcher {
	if po.Vulns == nil {
		return nil
	}
	return po.Vulns
}

// vulnParams fills the route walk's vulnerability ids.
func (f *fixture) vulnParams(t *testing.T, path string, params map[string]string) bool {
	t.Helper()
	if !strings.HasPrefix(path, "/api/v1/vulnerabilities/{id}") {
		return false
	}
	params["id"] = "CVE-2023-5363"
	return true
}

// vulnTenantCases makes a vulnerability that affects only org B's
// endpoint: org A must get 404 for it, by CVE and by advisory id.
func (f *fixture) vulnTenantCases(t *testing.T, orgB string) map[string][]string {
	t.Helper()
	f.importOSV(t, "tenant.json", osvGHSA)
	a := f.newEndpoint(t, orgB)
	inv := wire.Inventory{CollectedAt: time.Now(), Facts: hostFacts("b-node"),
		Software: []wire.Package{{Name: "lodash", Version: "4.17.20", Source: "npm"}}}
	wantStatus(t, a.call(t, "POST", wire.PathInventory, inv), http.StatusNoContent)
	return map[string][]string{"/api/v1/vulnerabilities/{id}": {"CVE-2021-23337", "GHSA-35jh-r3h4-6jhm"}}
}

// importOSV imports a document straight into the fixture's service.
func (f *fixture) importOSV(t *testing.T, name, doc string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.vulns.Import(f.ctx, []vulnsvc.ImportFile{{Name: name, Path: path}}); err != nil {
		t.Fatal(err)
	}
}

// Hand-written OSV records (see internal/vuln/vulnsvc/testdata/README.md).
const (
	osvDebian = `[
 {"id": "DSA-9001-1", "summary": "openssl - security update", "modified": "2024-01-10T00:00:00Z",
  "upstream": ["CVE-2023-5363"],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]},
 {"id": "DEBIAN-CVE-2023-5363", "summary": "Incorrect cipher key and IV length processing", "modified": "2024-01-11T00:00:00Z",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
  "references": [{"type": "WEB", "url": "https://security-tracker.debian.org/tracker/CVE-2023-5363"}],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]},
 {"id": "DSA-9002-1", "summary": "curl - security update", "modified": "2024-01-12T00:00:00Z",
  "upstream": ["CVE-2023-38545", "CVE-2023-38546"],
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "curl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.88.1-10+deb12u4"}]}]}]}
]`
	osvGHSA = `{"id": "GHSA-35jh-r3h4-6jhm", "summary": "Command injection in lodash", "modified": "2024-01-05T00:00:00Z",
  "aliases": ["CVE-2021-23337"],
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}`
)

func multipartFiles(t *testing.T, files ...[2]string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range files {
		w, err := mw.CreateFormFile("file", f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

type vulnRow struct {
	ID                string   `json:"id"`
	CVE               string   `json:"cve"`
	Advisories        []string `json:"advisories"`
	Severity          string   `json:"severity"`
	Score             float64  `json:"score"`
	Packages          []string `json:"packages"`
	FixedVersions     []string `json:"fixed_versions"`
	AffectedEndpoints int      `json:"affected_endpoints"`
	Findings          int      `json:"findings"`
}

type vulnPage struct {
	Items     []vulnRow `json:"items"`
	Total     int       `json:"total"`
	Available bool      `json:"available"`
	Message   string    `json:"message"`
}

func TestVulnerabilities(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass)
	f.newUser(t, "lead@a.test", auth.RoleTeamLead)
	f.newUser(t, "analyst@a.test", auth.RoleAnalyst)
	lead := f.login(t, "lead@a.test", userPass)
	analyst := f.login(t, "analyst@a.test", userPass)

	// An endpoint with vulnerable packages, before any data.
	a := f.newEndpoint(t, f.org.ID)
	inv := wire.Inventory{CollectedAt: time.Now(), Facts: hostFacts("web-01"), Software: []wire.Package{
		{Name: "openssl", Version: "3.0.11-1~deb12u1", Source: "dpkg"},
		{Name: "libssl3", Version: "3.0.11-1~deb12u1", Source: "dpkg", SourceName: "openssl"},
		{Name: "curl", Version: "7.88.1-10+deb12u3", Source: "dpkg"},
		{Name: "lodash", Version: "4.17.20", Source: "npm"},
	}}
	wantStatus(t, a.call(t, "POST", wire.PathInventory, inv), http.StatusNoContent)
	b := f.newEndpoint(t, f.org.ID)
	wantStatus(t, b.call(t, "POST", wire.PathInventory, wire.Inventory{CollectedAt: time.Now(), Facts: hostFacts("web-02"),
		Software: []wire.Package{{Name: "curl", Version: "7.88.1-10+deb12u3", Source: "dpkg"}}}), http.StatusNoContent)

	p := decode[vulnPage](t, f.get(t, "/api/v1/vulnerabilities", analyst.AccessToken))
	if p.Available || p.Total != 0 || p.Message == "" {
		t.Fatalf("before any import: %+v", p)
	}
	tab := decode[struct {
		Available bool `json:"available"`
	}](t, f.get(t, "/api/v1/endpoints/"+a.id+"/vulnerabilities", analyst.AccessToken))
	if tab.Available {
		t.Fatal("the endpoint tab is available with an empty database")
	}

	// Importing needs vulns:write: admins and team leads.
	ct, body := multipartFiles(t, [2]string{"debian.json", osvDebian})
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/vulnerabilities/import", Token: analyst.AccessToken, CT: ct, Body: body}),
		http.StatusForbidden, "forbidden", "")
	ct, body = multipartFiles(t, [2]string{"debian.json", osvDebian}, [2]string{"broken.json", `{"id": "X-1", "modified": `})
	r := f.do(t, request{Method: "POST", Path: "/api/v1/vulnerabilities/import", Token: lead.AccessToken, CT: ct, Body: body})
	wantStatus(t, r, http.StatusOK)
	type fileReport struct {
		Name    string `json:"name"`
		Records int    `json:"records"`
		Added   int    `json:"added"`
		Error   string `json:"error"`
		Errors  []struct {
			File    string `json:"file"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	rep := decode[struct {
		Files    []fileReport `json:"files"`
		Records  int          `json:"records"`
		Database struct {
			Advisories int            `json:"advisories"`
			Ecosystems map[string]int `json:"ecosystems"`
		} `json:"database"`
	}](t, r)
	if len(rep.Files) != 2 || rep.Records != 3 || rep.Database.Advisories != 3 || rep.Database.Ecosystems["Debian"] != 3 {
		t.Fatalf("import: %s", r)
	}
	if f0, f1 := rep.Files[0], rep.Files[1]; f0.Name != "debian.json" || f0.Added != 3 || f0.Error != "" ||
		f1.Name != "broken.json" || f1.Error == "" || len(f1.Errors) != 1 || !strings.HasPrefix(f1.Errors[0].File, "broken.json") {
		t.Fatalf("per-file reports: %+v", rep.Files)
	}
	audit := decode[list[struct {
		Action  string `json:"action"`
		Summary string `json:"summary"`
	}]](t, f.get(t, "/api/v1/audit?action=vulnerabilities.", admin.AccessToken))
	if len(audit.Items) != 1 || !strings.Contains(audit.Items[0].Summary, "3 OSV records") {
		t.Fatalf("audit: %+v", audit)
	}

	// A ZIP as the raw body, as osv.dev publishes them.
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("GHSA-35jh-r3h4-6jhm.json")
	w.Write([]byte(osvGHSA))
	zw.Close()
	r = f.do(t, request{Method: "POST", Path: "/api/v1/vulnerabilities/import?name=npm-all.zip", Token: admin.AccessToken,
		CT: "application/zip", Body: zbuf.Bytes()})
	wantStatus(t, r, http.StatusOK)
	if rep := decode[struct {
		Files []fileReport `json:"files"`
	}](t, r); rep.Files[0].Name != "npm-all.zip" || rep.Files[0].Added != 1 {
		t.Fatalf("zip: %s", r)
	}

	// Nothing readable: 400 with the per-file report in the details.
	ct, body = multipartFiles(t, [2]string{"notes.txt", "hello"})
	r = f.do(t, request{Method: "POST", Path: "/api/v1/vulnerabilities/import", Token: admin.AccessToken, CT: ct, Body: body})
	wantError(t, r, http.StatusBadRequest, "nothing_imported", "file")
	if !strings.Contains(string(r.Body), "notes.txt") {
		t.Fatalf("details: %s", r)
	}
	wantError(t, f.do(t, request{Method: "POST", Path: "/api/v1/vulnerabilities/import", Token: admin.AccessToken, CT: ct[:len("multipart/form-data")] + "; boundary=x", Body: "--x--\r\n"}),
		http.StatusBadRequest, "validation_failed", "file")

	// The seed's /vulnerabilities is also the web app's page: a browser
	// navigating there gets the app, not JSON (nor a 401 before sign-in).
	nav := f.do(t, request{Method: "GET", Path: "/vulnerabilities", Header: map[string]string{"Accept": "text/html,application/xhtml+xml", "Sec-Fetch-Mode": "navigate"}})
	if nav.Status == http.StatusUnauthorized || strings.HasPrefix(nav.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("navigation to /vulnerabilities: %s", nav)
	}

	// The organisation's view: one row per CVE, most severe first.
	for _, path := range []string{"/api/v1/vulnerabilities", "/vulnerabilities"} {
		p = decode[vulnPage](t, f.get(t, path, analyst.AccessToken))
		if !p.Available || p.Total != 3 {
			t.Fatalf("%s: %+v", path, p)
		}
		want := []struct {
			id, sev   string
			endpoints int
			findings  int
		}{{"DSA-9002-1", "critical", 2, 2}, {"CVE-2023-5363", "high", 1, 2}, {"CVE-2021-23337", "high", 1, 1}}
		for i, w := range want {
			got := p.Items[i]
			if got.ID != w.id || got.Severity != w.sev || got.AffectedEndpoints != w.endpoints || got.Findings != w.findings {
				t.Errorf("%s row %d: %+v, want %+v", path, i, got, w)
			}
		}
	}
	if row := p.Items[1]; row.CVE != "CVE-2023-5363" || strings.Join(row.Advisories, ",") != "DEBIAN-CVE-2023-5363,DSA-9001-1" ||
		strings.Join(row.Packages, ",") != "libssl3,openssl" || strings.Join(row.FixedVersions, ",") != "3.0.11-1~deb12u2" {
		t.Fatalf("CVE row: %+v", row)
	}
	for q, want := range map[string]string{
		"severity=critical":            "DSA-9002-1",
		"severity=high,critical":       "DSA-9002-1,CVE-2023-5363,CVE-2021-23337",
		"q=lodash":                     "CVE-2021-23337",
		"cve=CVE-2023-38546":           "DSA-9002-1",
		"package=libssl3":              "CVE-2023-5363",
		"endpoint=" + b.id:             "DSA-9002-1",
		"endpoint=web-02":              "DSA-9002-1",
		"limit=1&offset=1":             "CVE-2023-5363",
		"severity=low":                 "",
		"severity=high&q=openssl":      "CVE-2023-5363",
		"package=curl&endpoint=web-01": "DSA-9002-1",
	} {
		p := decode[vulnPage](t, f.get(t, "/api/v1/vulnerabilities?"+q, analyst.AccessToken))
		var ids []string
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		if strings.Join(ids, ",") != want {
			t.Errorf("?%s: %v, want %s", q, ids, want)
		}
	}
	wantError(t, f.get(t, "/api/v1/vulnerabilities?severity=dreadful", analyst.AccessToken), http.StatusBadRequest, "validation_failed", "severity")
	wantError(t, f.get(t, "/api/v1/vulnerabilities?limit=0", analyst.AccessToken), http.StatusBadRequest, "validation_failed", "limit")

	// The detail says why each endpoint is affected.
	type affected struct {
		EndpointID       string `json:"endpoint_id"`
		EndpointName     string `json:"endpoint_name"`
		AdvisoryID       string `json:"advisory_id"`
		Package          string `json:"package"`
		InstalledVersion string `json:"installed_version"`
		FixedVersion     string `json:"fixed_version"`
		Reason           string `json:"reason"`
	}
	type detail struct {
		Vulnerability vulnRow `json:"vulnerability"`
		Records       []struct {
			ID         string `json:"id"`
			References []struct {
				URL string `json:"url"`
			} `json:"references"`
		} `json:"records"`
		Affected []affected `json:"affected"`
	}
	for _, id := range []string{"CVE-2023-5363", "DSA-9001-1"} {
		d := decode[detail](t, f.get(t, "/api/v1/vulnerabilities/"+id, analyst.AccessToken))
		if d.Vulnerability.ID != "CVE-2023-5363" || len(d.Records) != 2 || len(d.Records[0].References) != 1 || len(d.Affected) != 4 {
			t.Fatalf("%s: %+v", id, d)
		}
		for _, af := range d.Affected {
			if af.EndpointID != a.id || af.EndpointName != "web-01" || af.FixedVersion != "3.0.11-1~deb12u2" ||
				!strings.Contains(af.Reason, af.Package+" 3.0.11-1~deb12u1") || !strings.Contains(af.Reason, "Debian:12") {
				t.Errorf("affected: %+v", af)
			}
		}
	}
	wantError(t, f.get(t, "/api/v1/vulnerabilities/CVE-1999-0001", analyst.AccessToken), http.StatusNotFound, "not_found", "")

	stats := decode[struct {
		Endpoints         int            `json:"endpoints"`
		AffectedEndpoints int            `json:"affected_endpoints"`
		Vulnerabilities   int            `json:"vulnerabilities"`
		Findings          int            `json:"findings"`
		BySeverity        map[string]int `json:"by_severity"`
		TopPackages       []struct {
			Name string `json:"name"`
		} `json:"top_packages"`
		TopEndpoints []struct {
			ID       string `json:"id"`
			Findings int    `json:"findings"`
		} `json:"top_endpoints"`
		Database struct {
			Advisories int `json:"advisories"`
			LastImport struct {
				Records int `json:"records"`
			} `json:"last_import"`
		} `json:"database"`
	}](t, f.get(t, "/api/v1/vulnerabilities/stats", analyst.AccessToken))
	if stats.Endpoints != 2 || stats.AffectedEndpoints != 2 || stats.Vulnerabilities != 3 || stats.Findings != 5 ||
		stats.BySeverity["critical"] != 1 || stats.BySeverity["high"] != 2 || stats.BySeverity["low"] != 0 ||
		stats.TopPackages[0].Name != "curl" || stats.TopEndpoints[0].ID != a.id || stats.TopEndpoints[0].Findings != 4 ||
		stats.Database.Advisories != 4 || stats.Database.LastImport.Records != 1 {
		t.Fatalf("stats: %+v", stats)
	}
	db := decode[struct {
		Advisories int            `json:"advisories"`
		Ecosystems map[string]int `json:"ecosystems"`
		Saved      bool           `json:"saved"`
	}](t, f.get(t, "/api/v1/vulnerabilities/db", analyst.AccessToken))
	if db.Advisories != 4 || db.Ecosystems["npm"] != 1 || !db.Saved {
		t.Fatalf("db: %+v", db)
	}

	// The endpoint's own tab uses the same matcher.
	tabList := decode[struct {
		Available bool                     `json:"available"`
		Items     []endpoint.Vulnerability `json:"items"`
	}](t, f.get(t, "/api/v1/endpoints/"+a.id+"/vulnerabilities", analyst.AccessToken))
	if !tabList.Available || len(tabList.Items) != 6 || tabList.Items[0].ID != "DSA-9002-1" || tabList.Items[0].Reason == "" {
		t.Fatalf("endpoint tab: %+v", tabList)
	}

	// Upgrading curl on web-02 changes the view at the next request.
	wantStatus(t, b.call(t, "POST", wire.PathInventory, wire.Inventory{CollectedAt: time.Now(), Facts: hostFacts("web-02"),
		Software: []wire.Package{{Name: "curl", Version: "7.88.1-10+deb12u4", Source: "dpkg"}}}), http.StatusNoContent)
	p = decode[vulnPage](t, f.get(t, "/api/v1/vulnerabilities?q=curl", analyst.AccessToken))
	if p.Total != 1 || p.Items[0].AffectedEndpoints != 1 {
		t.Fatalf("after the upgrade: %+v", p)
	}
}

func TestSCAOverview(t *testing.T) {
	f := newFixture(t)
	viewer := f.newUser(t, "viewer@a.test", auth.RoleViewer)
	tok := f.login(t, viewer.Email, userPass).AccessToken
	empty := decode[struct {
		Endpoints []any `json:"endpoints"`
		Summary   struct {
			AverageScore *float64 `json:"average_score"`
		} `json:"summary"`
	}](t, f.get(t, "/api/v1/sca", tok))
	if len(empty.Endpoints) != 0 || empty.Summary.AverageScore != nil {
		t.Fatalf("empty: %+v", empty)
	}
	checks := func(failSSH, failPerm bool) []wire.SCACheck {
		st := map[bool]string{true: "fail", false: "pass"}
		return []wire.SCACheck{
			{ID: "ssh-root", Title: "SSH root login disabled", Status: st[failSSH], Severity: "high", Remediation: "Set PermitRootLogin no"},
			{ID: "shadow-perm", Title: "/etc/shadow is 0640", Status: st[failPerm], Severity: "medium", Remediation: "chmod 0640 /etc/shadow"},
			{ID: "selinux", Title: "SELinux enforcing", Status: "not_applicable"},
		}
	}
	a, b, c := f.newEndpoint(t, f.org.ID), f.newEndpoint(t, f.org.ID), f.newEndpoint(t, f.org.ID)
	now := time.Now().UTC()
	wantStatus(t, a.call(t, "POST", wire.PathSCA, wire.SCAReport{PolicyID: "linux-baseline", PolicyName: "Linux baseline", FinishedAt: now,
		Score: 0, Passed: 0, Failed: 2, NotApplicable: 1, Checks: checks(true, true)}), http.StatusNoContent)
	wantStatus(t, b.call(t, "POST", wire.PathSCA, wire.SCAReport{PolicyID: "linux-baseline", PolicyName: "Linux baseline", FinishedAt: now,
		Score: 50, Passed: 1, Failed: 1, NotApplicable: 1, Checks: checks(true, false)}), http.StatusNoContent)
	_ = c // enrolled, never assessed

	ov := decode[struct {
		Endpoints []struct {
			EndpointID string   `json:"endpoint_id"`
			Score      *float64 `json:"score"`
			Failed     int      `json:"failed"`
			Policies   []struct {
				PolicyID     string `json:"policy_id"`
				WorstFailing []struct {
					ID       string `json:"id"`
					Severity string `json:"severity"`
				} `json:"worst_failing"`
			} `json:"policies"`
		} `json:"endpoints"`
		Policies []struct {
			PolicyID     string  `json:"policy_id"`
			Endpoints    int     `json:"endpoints"`
			AverageScore float64 `json:"average_score"`
		} `json:"policies"`
		Summary struct {
			Endpoints    int     `json:"endpoints"`
			Assessed     int     `json:"assessed"`
			AverageScore float64 `json:"average_score"`
			FailedChecks int     `json:"failed_checks"`
		} `json:"summary"`
	}](t, f.get(t, "/api/v1/sca", tok))
	if len(ov.Endpoints) != 3 || ov.Endpoints[0].EndpointID != a.id || *ov.Endpoints[0].Score != 0 || ov.Endpoints[1].EndpointID != b.id ||
		ov.Endpoints[2].Score != nil || ov.Summary.Assessed != 2 || ov.Summary.AverageScore != 25 || ov.Summary.FailedChecks != 3 {
		t.Fatalf("overview: %+v", ov)
	}
	if w := ov.Endpoints[0].Policies[0].WorstFailing; len(w) != 2 || w[0].ID != "ssh-root" || w[1].ID != "shadow-perm" {
		t.Fatalf("worst failing: %+v", w)
	}
	if len(ov.Policies) != 1 || ov.Policies[0].Endpoints != 2 || ov.Policies[0].AverageScore != 25 {
		t.Fatalf("policies: %+v", ov.Policies)
	}
	if other := decode[struct {
		Summary struct {
			Assessed int `json:"assessed"`
		} `json:"summary"`
	}](t, f.get(t, "/api/v1/sca?policy=other", tok)); other.Summary.Assessed != 0 {
		t.Fatalf("policy filter: %+v", other)
	}

	type check struct {
		CheckID          string `json:"check_id"`
		Failing          int    `json:"failing"`
		Passing          int    `json:"passing"`
		Remediation      string `json:"remediation"`
		FailingEndpoints []struct {
			ID string `json:"id"`
		} `json:"failing_endpoints"`
	}
	cl := decode[list[check]](t, f.get(t, "/api/v1/sca/checks", tok))
	if cl.Total != 2 || cl.Items[0].CheckID != "ssh-root" || cl.Items[0].Failing != 2 || cl.Items[0].Remediation != "Set PermitRootLogin no" ||
		len(cl.Items[0].FailingEndpoints) != 2 || cl.Items[1].CheckID != "shadow-perm" || cl.Items[1].Failing != 1 || cl.Items[1].Passing != 1 {
		t.Fatalf("checks: %+v", cl)
	}
	if all := decode[list[check]](t, f.get(t, "/api/v1/sca/checks?status=all", tok)); all.Total != 3 {
		t.Fatalf("all checks: %+v", all)
	}
	wantError(t, f.get(t, "/api/v1/sca/checks?status=odd", tok), http.StatusBadRequest, "validation_failed", "status")
}
