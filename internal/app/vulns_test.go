package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// osvRecord is a hand-written OSV record of the Debian shape.
func osvRecord(id, pkg, fixed string) string {
	return `{"id": "` + id + `", "summary": "` + pkg + ` test flaw", "modified": "2024-01-10T00:00:00Z",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "` + pkg + `"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "` + fixed + `"}]}]}]}`
}

func writeOSV(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVulnsCLI(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	src := filepath.Join(dir, "osv")
	writeOSV(t, filepath.Join(src, "one.json"), osvRecord("DEBIAN-CVE-2024-0001", "openssl", "3.0.11-1~deb12u2"))
	writeOSV(t, filepath.Join(src, "sub", "two.json"), "["+osvRecord("DEBIAN-CVE-2024-0002", "curl", "7.88.1-10+deb12u4")+"]")
	bad := filepath.Join(dir, "bad.json")
	writeOSV(t, bad, `{"id": "X", "modified": `)

	out, _, err := runCLI(t, "", "vulns", "stats", "--data-dir", data)
	if err != nil || !strings.Contains(out, "0 advisories") || !strings.Contains(out, "No data yet") {
		t.Fatalf("stats of nothing: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, "", "vulns", "import", "--data-dir", data, src, bad)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	for _, want := range []string{
		src + ": 2 records: 2 new, 0 updated",
		bad + ": 0 records",
		"  error:   " + bad,
		"Database: 2 advisories (Debian 2), saved in " + filepath.Join(data, "vulndb"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCLI(t, "", "vulns", "stats", "--data-dir", data)
	if err != nil || !strings.Contains(out, "2 advisories, 2 affected packages") || !strings.Contains(out, "ecosystems:    Debian 2") ||
		!strings.Contains(out, "last import:") {
		t.Fatalf("stats: %v\n%s", err, out)
	}
	if _, _, err := runCLI(t, "", "vulns", "import", "--data-dir", data, bad); err == nil {
		t.Fatal("an import of nothing readable succeeded")
	}
	for _, args := range [][]string{{"vulns"}, {"vulns", "frobnicate"}, {"vulns", "import", "--data-dir", data},
		{"vulns", "import", "--data-dir", data, filepath.Join(dir, "missing.json")}, {"vulns", "import", "--url", "ftp://x", src},
		{"vulns", "import", "--url", "http://localhost:1", src}} {
		if _, _, err := runCLI(t, "", args...); ExitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}

	// A running server loaded the database at start; the CLI sends more
	// through it with an admin's key, and the server matches at once.
	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": data, "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long"})
	admin := loginToken(t, srv.url, "admin@eventsec.local", "Adm1n-Passw0rd-Long")
	st, b := apiCall(t, "GET", srv.url+"/api/v1/vulnerabilities/db", admin, "", nil)
	if st != 200 || !strings.Contains(string(b), `"advisories":2`) {
		t.Fatalf("the server did not load the saved database: %d %s", st, b)
	}
	st, b = apiCall(t, "POST", srv.url+"/api/v1/api-keys", admin, "application/json", []byte(`{"name":"vulns","role":"admin"}`))
	var key struct {
		Key string `json:"key"`
	}
	if st != 201 || json.Unmarshal(b, &key) != nil {
		t.Fatalf("key: %d %s", st, b)
	}
	more := filepath.Join(dir, "more")
	writeOSV(t, filepath.Join(more, "three.json"), osvRecord("DEBIAN-CVE-2024-0003", "bash", "5.2.15-2+b2"))
	single := filepath.Join(dir, "four.json")
	writeOSV(t, single, osvRecord("DEBIAN-CVE-2024-0004", "zlib", "1:1.2.13.dfsg-1+deb12u1"))
	out, _, err = runCLI(t, "", "vulns", "import", "--url", srv.url, "--api-key", key.Key, more, single)
	if err != nil || !strings.Contains(out, "more.zip: 1 records: 1 new") || !strings.Contains(out, "four.json: 1 records: 1 new") ||
		!strings.Contains(out, "4 advisories (Debian 4)") {
		t.Fatalf("remote import: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, "", "vulns", "stats", "--url", srv.url, "--api-key", key.Key)
	if err != nil || !strings.Contains(out, "4 advisories") || !strings.Contains(out, "four.json (1)") {
		t.Fatalf("remote stats: %v\n%s", err, out)
	}
	_, _, err = runCLI(t, "", "vulns", "import", "--url", srv.url, "--api-key", "esk_wrong", single)
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("remote import with a bad key: %v", err)
	}
	_, _, err = runCLI(t, "", "vulns", "import", "--url", srv.url, "--api-key", key.Key, bad)
	if err == nil || !strings.Contains(err.Error(), "nothing_imported") {
		t.Fatalf("remote import of nothing: %v", err)
	}

	// What the server imported is saved in the data directory.
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCLI(t, "", "vulns", "stats", "--data-dir", data)
	if err != nil || !strings.Contains(out, "4 advisories") {
		t.Fatalf("the server's imports were not saved: %v\n%s", err, out)
	}
}
