package app

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const cliRule = `title: CLI test rule
id: 5a0b6c1d-0000-4000-8000-0000000000e1
status: test
logsource: {definition: any event}
detection:
  sel:
    message|contains: cli-test-marker
  condition: sel
`

// TestRulesImportExitCodes: an import with a failed file exits 3 (the
// others are imported), and --disabled imports new rules disabled, both
// into the store and through a running server (--url).
func TestRulesImportExitCodes(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": dir, "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long"})
	rulesDir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(rulesDir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yml", cliRule)
	bad := write("bad.yml", "title: bad\nid: 5a0b6c1d-0000-4000-8000-0000000000e2\nlogsource: {product: windows}\ndetection:\n  condition: nothing\n")
	other := write("other.yml", strings.NewReplacer("0000000000e1", "0000000000e3", "CLI test rule", "CLI remote rule").Replace(cliRule))

	// Through the running server, with an API key.
	client := http.DefaultClient
	body, _ := json.Marshal(map[string]string{"email": "admin@eventsec.local", "password": "Adm1n-Passw0rd-Long"})
	resp, err := client.Post(srv.url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", srv.url+"/api/v1/api-keys", strings.NewReader(`{"name":"cli","role":"admin"}`))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var key struct {
		Key string `json:"key"`
	}
	json.NewDecoder(resp.Body).Decode(&key)
	resp.Body.Close()
	if key.Key == "" {
		t.Fatalf("no API key (%d)", resp.StatusCode)
	}
	out, _, err := runCLI(t, "", "rules", "import", "--url", srv.url, "--api-key", key.Key, "--disabled", other)
	if err != nil || !strings.Contains(out, "1 new (disabled)") {
		t.Fatalf("remote import: %v\n%s", err, out)
	}
	// Edited in EventSec: from now on the rule is the org's own work.
	otherSrc, _ := os.ReadFile(other)
	edited, _ := json.Marshal(map[string]string{"source": strings.Replace(string(otherSrc), "cli-test-marker", "cli-remote-edited", 1)})
	req, _ = http.NewRequest("PUT", srv.url+"/api/v1/rules/5a0b6c1d-0000-4000-8000-0000000000e3", bytes.NewReader(edited))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	if resp, err = client.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("editing the remote rule: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	out, _, err = runCLI(t, "", "rules", "import", "--url", srv.url, "--api-key", key.Key, bad)
	if ExitCode(err) != 3 || !strings.Contains(out, "1 failed") {
		t.Fatalf("remote import of a bad rule: exit %d (%v)\n%s", ExitCode(err), err, out)
	}
	// Exported through the server: the rule under its pack, with the manifest.
	remoteZip := filepath.Join(t.TempDir(), "remote.zip")
	_, errOut, err := runCLI(t, "", "rules", "export", "--url", srv.url, "--api-key", key.Key, "--pack", "custom", "--enabled", "false", "-o", remoteZip)
	if err != nil || !strings.Contains(errOut, "exported 1 rules") {
		t.Fatalf("remote export: %v\n%s", err, errOut)
	}
	if names := zipNames(t, remoteZip); !slices.Equal(names, []string{"custom/cli_remote_rule.yml", "manifest.json"}) {
		t.Fatalf("remote export: %q", names)
	}
	if _, _, err := runCLI(t, "", "rules", "export", "--url", srv.url, "--api-key", key.Key, "--level", "hgh", "-o", remoteZip); ExitCode(err) != 2 || !strings.Contains(err.Error(), "--level") {
		t.Fatalf("remote export with a bad filter: exit %d (%v)", ExitCode(err), err)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}

	// Into the store.
	dd := "--data-dir=" + dir
	out, _, err = runCLI(t, "", "rules", "import", dd, "--disabled", good, bad)
	if ExitCode(err) != 3 || !strings.Contains(out, "1 new (disabled), 0 updated, 0 unchanged, 0 conflicts, 1 failed") || !strings.Contains(out, "bad.yml") {
		t.Fatalf("import: exit %d (%v)\n%s", ExitCode(err), err, out)
	}
	out, _, err = runCLI(t, "", "rules", "list", dd)
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"CLI test rule", "CLI remote rule"} {
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, title+" ") {
				line = l
			}
		}
		if !strings.Contains(line, "false") {
			t.Errorf("%s is not disabled:\n%s", title, out)
		}
	}
	if _, _, err := runCLI(t, "", "rules", "import", dd, good); err != nil {
		t.Fatalf("a clean import exits 0: %v", err)
	}
	// A changed file of a rule imported and not edited since updates it.
	changed := write("changed.yml", strings.Replace(cliRule, "CLI test rule", "CLI test rule v2", 1))
	out, _, err = runCLI(t, "", "rules", "import", dd, changed)
	if err != nil || !strings.Contains(out, "0 new, 1 updated") || !strings.Contains(out, "updated: changed.yml: CLI test rule v2") {
		t.Fatalf("a new version of an unedited rule: %v\n%s", err, out)
	}
	// One of a rule edited in EventSec (the remote rule, above) is a
	// conflict (exit 3, the rule kept) unless --overwrite.
	otherV2 := write("other-v2.yml", strings.Replace(string(otherSrc), "cli-test-marker", "cli-remote-v2", 1))
	out, _, err = runCLI(t, "", "rules", "import", dd, otherV2)
	if ExitCode(err) != 3 || !strings.Contains(out, "1 conflicts") || !strings.Contains(out, "conflict: other-v2.yml:") || !strings.Contains(out, "--overwrite") {
		t.Fatalf("conflict: exit %d (%v)\n%s", ExitCode(err), err, out)
	}
	out, _, err = runCLI(t, "", "rules", "import", dd, "--overwrite", otherV2)
	if err != nil || !strings.Contains(out, "0 new, 1 updated") || !strings.Contains(out, "updated: other-v2.yml: CLI remote rule") {
		t.Fatalf("overwrite: %v\n%s", err, out)
	}
	if _, _, err := runCLI(t, "", "rules", "import", dd, "--overwrite", good); err != nil {
		t.Fatal(err)
	}

	// Exported from the store, and imported back: nothing changes.
	zipPath := filepath.Join(t.TempDir(), "rules.zip")
	if _, errOut, err := runCLI(t, "", "rules", "export", dd, "-o", zipPath, "--pack", "custom"); err != nil || !strings.Contains(errOut, "exported 2 rules") {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	if names := zipNames(t, zipPath); !slices.Equal(names, []string{"custom/cli_remote_rule.yml", "custom/cli_test_rule.yml", "manifest.json"}) {
		t.Fatalf("export: %q", names)
	}
	out, _, err = runCLI(t, "", "rules", "import", dd, zipPath)
	if err != nil || !strings.Contains(out, "0 new, 0 updated, 2 unchanged, 0 conflicts, 0 failed") {
		t.Fatalf("import of the export: %v\n%s", err, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--status", "bogus", "-o", zipPath}, "--status"},
		{[]string{"--enabled", "yes", "-o", zipPath}, "--enabled"},
		{[]string{}, "-o"},
		{[]string{"-o", zipPath, "extra"}, "unexpected argument"},
	} {
		_, _, err := runCLI(t, "", append([]string{"rules", "export", dd}, c.args...)...)
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("export %q: exit %d (%v), want 2 naming %s", c.args, ExitCode(err), err, c.want)
		}
	}
}

func zipNames(t *testing.T, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return names
}
