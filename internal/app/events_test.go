package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
)

// TestMain lets a test re-run this binary as a real server process
// (EVENTSEC_TEST_CHILD=1), so that it can be killed with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("EVENTSEC_TEST_CHILD") == "1" {
		err := Run(context.Background(), Env{Args: strings.Fields(os.Getenv("EVENTSEC_TEST_ARGS")), Getenv: os.Getenv,
			Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Version: "child"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const childPassword = "Kill-Nine-Survivor-42"

var readyLine = regexp.MustCompile(`ready at (http://\S+)`)

// startChild starts `eventsec serve` as a separate process and returns its
// URL once it is ready.
func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EVENTSEC_TEST_CHILD=1", "EVENTSEC_ADMIN_PASSWORD="+childPassword,
		"EVENTSEC_TEST_ARGS=serve --data-dir "+dir+" --http-addr 127.0.0.1:0 --syslog-udp-addr off --syslog-tcp-addr off --log-level warn")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
	}()
	select {
	case u := <-urlc:
		return cmd, u
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("child server not ready: %s", stderr.String())
	}
	return nil, ""
}

func apiCall(t *testing.T, method, url, token, ct string, body []byte) (int, []byte) {
	t.Helper()
	return apiCallWith(t, http.DefaultClient, method, url, token, ct, body)
}

func apiCallWith(t *testing.T, client *http.Client, method, url, token, ct string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func childLogin(t *testing.T, base string) string {
	t.Helper()
	st, b := apiCall(t, "POST", base+"/api/v1/auth/login", "", "application/json",
		[]byte(`{"email":"admin@eventsec.local","password":"`+childPassword+`"}`))
	var s struct {
		AccessToken string `json:"access_token"`
	}
	if st != 200 || json.Unmarshal(b, &s) != nil {
		t.Fatalf("login: %d %s", st, b)
	}
	return s.AccessToken
}

// TestAcknowledgedEventsSurviveSIGKILL: senders post events continuously;
// the server is killed with SIGKILL mid-stream; after a restart every
// event it acknowledged (202) is stored exactly once.
func TestAcknowledgedEventsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	dir := t.TempDir()
	cmd, base := startChild(t, dir)
	admin := childLogin(t, base)
	st, b := apiCall(t, "POST", base+"/api/v1/api-keys", admin, "application/json", []byte(`{"name":"load","role":"ingest"}`))
	var key struct {
		Key string `json:"key"`
	}
	if st != 201 || json.Unmarshal(b, &key) != nil {
		t.Fatalf("api key: %d %s", st, b)
	}
	// A rule that matches every load event: after the restart, the alerts'
	// counts must add up to the stored events exactly (detection neither
	// lost nor double-counted any across the kill).
	st, b = apiCall(t, "POST", base+"/api/v1/rules", admin, "application/json",
		[]byte(`{"format":"json","source":"{\"name\":\"Durability marker\",\"severity\":\"low\",\"conditions\":[{\"field\":\"message\",\"operator\":\"startswith\",\"value\":\"durability test\"}]}"}`))
	if st != 201 {
		t.Fatalf("rule: %d %s", st, b)
	}
	time.Sleep(300 * time.Millisecond) // detection's first checkpoint

	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for batch := 0; ; batch++ {
				select {
				case <-stop:
					return
				default:
				}
				var body bytes.Buffer
				ids := make([]string, 0, 200)
				for i := 0; i < 200; i++ {
					id := fmt.Sprintf("k-%d-%d-%d", g, batch, i)
					ids = append(ids, id)
					fmt.Fprintf(&body, `{"id":%q,"message":"durability test %s","user":{"name":"u%d"}}`+"\n", id, id, i%7)
				}
				st, _ := apiCall(t, "POST", base+"/api/v1/events", key.Key, "application/x-ndjson", body.Bytes())
				if st == 0 {
					return // the server is gone
				}
				if st == http.StatusAccepted {
					mu.Lock()
					for _, id := range ids {
						acked[id] = true
					}
					mu.Unlock()
				}
			}
		}(g)
	}
	time.Sleep(2 * time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	if n == 0 {
		t.Fatal("nothing was acknowledged before the kill: the test proves nothing")
	}

	cmd, base = startChild(t, dir)
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	admin = childLogin(t, base)
	st, b = apiCall(t, "POST", base+"/api/v1/events/export", admin, "application/json", []byte(`{"format":"ndjson","query":"message:durability"}`))
	if st != 200 {
		t.Fatalf("export: %d %s", st, b)
	}
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("export line: %v", err)
		}
		seen[ev.ID]++
	}
	missing, dup := 0, 0
	for id := range acked {
		if seen[id] == 0 {
			missing++
		}
	}
	for _, c := range seen {
		if c > 1 {
			dup++
		}
	}
	t.Logf("acknowledged before SIGKILL: %d events; stored after restart: %d", n, len(seen))
	// A direct import beside the running server process explains itself.
	f := filepath.Join(t.TempDir(), "x.ndjson")
	os.WriteFile(f, []byte(`{"message":"x"}`+"\n"), 0o600)
	if _, _, err := runCLI(t, "", "import", "--data-dir="+dir, f); err == nil || !strings.Contains(err.Error(), "in use by a running eventsec server") {
		t.Errorf("import beside a running server: %v", err)
	}
	if missing > 0 || dup > 0 {
		t.Fatalf("%d acknowledged events lost, %d stored more than once", missing, dup)
	}
	alertSum := func() int64 {
		st, b := apiCall(t, "GET", base+"/api/v1/alerts?limit=500", admin, "", nil)
		var l struct {
			Alerts []struct {
				RuleTitle string `json:"rule_title"`
				Count     int64  `json:"count"`
			} `json:"alerts"`
		}
		if st != 200 || json.Unmarshal(b, &l) != nil {
			t.Fatalf("alerts: %d %s", st, b)
		}
		var n int64
		for _, a := range l.Alerts {
			if a.RuleTitle == "Durability marker" {
				n += a.Count
			}
		}
		return n
	}
	deadline := time.Now().Add(60 * time.Second)
	for alertSum() < int64(len(seen)) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if got := alertSum(); got != int64(len(seen)) {
		t.Fatalf("alerts count %d stored events, want exactly %d", got, len(seen))
	}
}

// initialisedDataDir is a data directory a server has started on once
// (the first organisation and its admin exist) and stopped: the CLI
// commands that work on the stores directly run on it.
func initialisedDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": dir, "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long"},
		"--syslog-udp-addr", "off", "--syslog-tcp-addr", "off")
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestImportAndRetentionCommands(t *testing.T) {
	dir := initialisedDataDir(t)
	dd := "--data-dir=" + dir
	logf := filepath.Join(dir, "auth.log")
	recent := time.Now().UTC().Format(time.RFC3339)
	content := `{"@timestamp":"` + recent + `","message":"recent","user":{"name":"ann"}}` + "\n" +
		`{"@timestamp":"2021-01-01T00:00:00Z","message":"old","user":{"name":"old"}}` + "\n" +
		"Nov 23 10:00:00 web-1 sshd[811]: Failed password for root from 81.2.69.142 port 4242 ssh2\n"
	if err := os.WriteFile(logf, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runCLI(t, "", "import", dd, logf)
	if err != nil || !strings.Contains(out, "read:       3") || !strings.Contains(out, "stored:     3, dated 2021-01-01 00:00:00 to ") {
		t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
	}
	// The 2021 event is older than the organisation keeps: the summary says
	// the next retention run deletes it.
	if !strings.Contains(out, "note:       1 of them are dated before") || !strings.Contains(out, "keeps 30 days") {
		t.Fatalf("no retention note for the 2021 event:\n%s", out)
	}
	out, _, err = runCLI(t, "", "import", dd, logf)
	if err != nil || !strings.Contains(out, "duplicates: 3") {
		t.Fatalf("re-import must store nothing twice: %v\n%s", err, out)
	}
	// A directory: its log files are imported, the others named as not.
	logDir := filepath.Join(dir, "archive")
	os.MkdirAll(filepath.Join(logDir, "2021"), 0o700)
	os.WriteFile(filepath.Join(logDir, "2021", "auth.log.1"), []byte(content), 0o600)
	os.WriteFile(filepath.Join(logDir, "README.md"), []byte("# notes\n"), 0o600)
	out, errOut, err = runCLI(t, "", "import", dd, logDir)
	if err != nil || !strings.Contains(out, "duplicates: 3") || !strings.Contains(errOut, "not importing 1 file(s) of other types") ||
		!strings.Contains(errOut, "README.md") {
		t.Fatalf("directory import: %v\n%s\n%s", err, out, errOut)
	}
	evtxDir := filepath.Join("..", "..", "..", "shared", "data", "evtx", "attack-samples")
	if matches, _ := filepath.Glob(filepath.Join(evtxDir, "*", "*.evtx")); len(matches) > 0 {
		out, _, err = runCLI(t, "", "import", dd, matches[0])
		if err != nil || !strings.Contains(out, "failed:     0") {
			t.Fatalf("evtx import: %v\n%s", err, out)
		}
	} else {
		t.Logf("no .evtx samples under %s: skipping the evtx import", evtxDir)
	}
	_, _, err = runCLI(t, "", "import", dd)
	if ExitCode(err) != 2 {
		t.Fatalf("import without files: %v", err)
	}
	_, _, err = runCLI(t, "", "import", dd, filepath.Join(dir, "missing.log"))
	if ExitCode(err) != 2 {
		t.Fatalf("import of a missing file: %v", err)
	}
	out, _, err = runCLI(t, "", "retention", dd)
	if err != nil || !strings.Contains(out, "kept 30 days, deleted") {
		t.Fatalf("retention: %v\n%s", err, out)
	}
	if !strings.Contains(out, "deleted 1 events") && !strings.Contains(out, "deleted 2 events") {
		// The 2021 event always goes; an evtx sample may add older ones.
		if !regexp.MustCompile(`deleted [1-9]\d* events`).MatchString(out) {
			t.Fatalf("retention deleted nothing: %s", out)
		}
	}

	// Through a running server: --url and --api-key.
	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": dir}, "--syslog-udp-addr", "off", "--syslog-tcp-addr", "off")
	admin := loginToken(t, srv.url, "admin@eventsec.local", "Adm1n-Passw0rd-Long")
	st, b := apiCall(t, "POST", srv.url+"/api/v1/api-keys", admin, "application/json", []byte(`{"name":"cli","role":"ingest"}`))
	var key struct {
		Key string `json:"key"`
	}
	if st != 201 || json.Unmarshal(b, &key) != nil {
		t.Fatalf("key: %d %s", st, b)
	}
	other := filepath.Join(dir, "more.ndjson")
	os.WriteFile(other, []byte(`{"message":"via the server"}`+"\n"), 0o600)
	out, errOut, err = runCLI(t, "", "import", "--url", srv.url, "--api-key", key.Key, other)
	if err != nil || !strings.Contains(out, "stored:     1") {
		t.Fatalf("remote import: %v\n%s", err, out)
	}
	// Several files: a line each, one total, the retention note for the
	// 2021 event; an empty file is refused on its own and the others
	// still go (the command then fails, naming how many did not).
	oldf := filepath.Join(dir, "old.ndjson")
	os.WriteFile(oldf, []byte(`{"@timestamp":"2021-03-01T00:00:00Z","message":"archived","user":{"name":"arch"}}`+"\n"), 0o600)
	empty := filepath.Join(dir, "empty.log")
	os.WriteFile(empty, nil, 0o600)
	out, errOut, err = runCLI(t, "", "import", "--url", srv.url, "--api-key", key.Key, oldf, empty, other)
	if err == nil || !strings.Contains(err.Error(), "1 file(s) could not be imported") {
		t.Fatalf("remote import with an empty file: %v\n%s", err, out)
	}
	for _, want := range []string{
		oldf + ": read 1, stored 1, duplicates 0, failed 0",
		empty + ": not imported: the server refused it (400 validation_failed): the file is empty",
		// No time of its own: dated by the file's modification time, which
		// the command sends along, so the same file again is a duplicate.
		other + ": read 1, stored 0, duplicates 1, failed 0",
		"Imported 3 file(s)", "read:       2", "stored:     1, dated 2021-03-01 00:00:00 to ", "duplicates: 1",
		"(and 1 file(s) could not be read)",
		"note:       1 of them are dated before", "keeps 30 days",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("remote import output lacks %q:\n%s", want, out)
		}
	}
	// stderr is not a terminal here: progress comes as plain lines.
	if strings.Contains(errOut, "\r") || !strings.Contains(errOut, "sending old.ndjson (1/3), ") {
		t.Fatalf("progress for a pipe:\n%q", errOut)
	}
	_, _, err = runCLI(t, "", "import", "--url", srv.url, "--api-key", "esk_wrong", other)
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("remote import with a bad key: %v", err)
	}
}

func loginToken(t *testing.T, base, email, password string) string {
	t.Helper()
	st, b := apiCall(t, "POST", base+"/api/v1/auth/login", "", "application/json", []byte(`{"email":"`+email+`","password":"`+password+`"}`))
	var s struct {
		AccessToken string `json:"access_token"`
	}
	if st != 200 || json.Unmarshal(b, &s) != nil {
		t.Fatalf("login: %d %s", st, b)
	}
	return s.AccessToken
}

// TestEventTimeSettings: the timestamp_* settings reach the normalizer of
// the server and of a direct import: a JSON key and a strftime format of
// the user's, a zone for times written without one (RFC 3164 syslog), and
// a maximum age raised to import an old archive.
func TestEventTimeSettings(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"EVENTSEC_DATA_DIR": dir, "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long",
		"EVENTSEC_TIMESTAMP_FIELDS": "logged_at,@timestamp", "EVENTSEC_TIMESTAMP_FORMATS": "%d/%m/%Y %H:%M:%S",
		"EVENTSEC_TIMESTAMP_TIMEZONE": "America/New_York"}
	srv := startServer(t, vars)
	admin := loginToken(t, srv.url, "admin@eventsec.local", "Adm1n-Passw0rd-Long")
	st, b := apiCall(t, "POST", srv.url+"/api/v1/api-keys", admin, "application/json", []byte(`{"name":"times","role":"ingest"}`))
	var key struct {
		Key string `json:"key"`
	}
	if st != 201 || json.Unmarshal(b, &key) != nil {
		t.Fatalf("key: %d %s", st, b)
	}
	// 10:00 in New York on 23 November is 15:00 UTC.
	st, b = apiCall(t, "POST", srv.url+"/api/v1/events", key.Key, "application/x-ndjson", []byte(`{"logged_at":"23/11/2026 10:00:00","message":"custom time"}`+"\n"))
	if st != 202 {
		t.Fatalf("ingest: %d %s", st, b)
	}
	eventTime := func(base, query string) string {
		t.Helper()
		var page struct {
			Items []struct {
				Timestamp string `json:"@timestamp"`
			} `json:"items"`
		}
		for range 50 {
			st, b := apiCall(t, "GET", base+"/api/v1/events?from=2000-01-01T00:00:00Z&query="+url.QueryEscape(query), admin, "", nil)
			if st != 200 || json.Unmarshal(b, &page) != nil {
				t.Fatalf("search %s: %d %s", query, st, b)
			}
			if len(page.Items) == 1 {
				return page.Items[0].Timestamp
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s: %d events", query, len(page.Items))
		return ""
	}
	if got := eventTime(srv.url, `message:"custom time"`); got != "2026-11-23T15:00:00Z" {
		t.Errorf("custom field and format in New York: @timestamp %s, want 2026-11-23T15:00:00Z", got)
	}
	// The event store's checkpoint metrics are exported.
	if st, b := apiCall(t, "GET", srv.url+"/metrics", "", "", nil); st != 200 ||
		!strings.Contains(string(b), "eventsec_eventstore_wal_bytes ") || !strings.Contains(string(b), "eventsec_eventstore_checkpoints_total 0") ||
		!strings.Contains(string(b), "eventsec_eventstore_checkpoint_failures_total 0") || !strings.Contains(string(b), "eventsec_eventstore_checkpoints_deferred_total ") ||
		!strings.Contains(string(b), "eventsec_eventstore_checkpoint_seconds_total 0") ||
		!strings.Contains(string(b), "eventsec_detection_commit_seconds_bucket") {
		t.Errorf("metrics: %d, event store metrics missing", st)
	}
	var me struct {
		OrgID string `json:"org_id"`
	}
	if st, b := apiCall(t, "GET", srv.url+"/api/v1/me", admin, "", nil); st != 200 || json.Unmarshal(b, &me) != nil || me.OrgID == "" {
		t.Fatalf("me: %d %s", st, b)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}

	// A direct import with the settings as flags.
	logf := filepath.Join(dir, "archive.log")
	os.WriteFile(logf, []byte("Nov 23 10:00:00 web-1 sshd[811]: Failed password for root from 81.2.69.142 port 4242 ssh2\n"+
		"Nov 23 10:00:00 FW-Tokyo-2 kernel: tokyo firewall line\n"+
		`{"@timestamp":"2001-09-09T01:46:40Z","message":"from an old archive"}`+"\n"), 0o600)
	if _, errOut, err := runCLI(t, "", "import", "--data-dir="+dir, "--timestamp-timezone-sources", "fw-*=Asia/Tokyo, fw=Mars/Base", logf); err == nil ||
		!strings.Contains(errOut+err.Error(), `--timestamp-timezone-sources: entry 2 "fw=Mars/Base": unknown time zone`) {
		t.Errorf("bad source zone: %v %s", err, errOut)
	}
	out, errOut, err := runCLI(t, "", "import", "--data-dir="+dir, "--timestamp-timezone", "Europe/Berlin", "--timestamp-max-age", "300000h",
		"--timestamp-timezone-sources", "fw-tokyo-*=Asia/Tokyo", logf)
	if err != nil || !strings.Contains(out, "stored:     3") {
		t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
	}
	// Read back from the store itself: a server would apply the org's
	// retention (30 days) to the 2001 event at start.
	store, err := duckdb.Open(context.Background(), duckdb.Options{Dir: filepath.Join(dir, "events")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	storedTime := func(query string) string {
		t.Helper()
		page, err := store.Search(context.Background(), me.OrgID, eventstore.Query{Text: query, From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(page.Events) != 1 {
			t.Fatalf("%s: %+v %v", query, page, err)
		}
		return page.Events[0].Timestamp.UTC().Format(time.RFC3339)
	}
	// RFC 3164 has no year: the syslog line is from the last 23 November at 10:00 Berlin time (09:00 UTC).
	if got := storedTime("source.ip:81.2.69.142"); !strings.HasSuffix(got, "-11-23T09:00:00Z") {
		t.Errorf("RFC 3164 in Berlin: @timestamp %s, want 09:00 UTC on 23 November", got)
	}
	// The Tokyo firewall's own zone: 10:00 in Tokyo is 01:00 UTC.
	if got := storedTime(`message:"tokyo firewall"`); !strings.HasSuffix(got, "-11-23T01:00:00Z") {
		t.Errorf("RFC 3164 from a source in Tokyo: @timestamp %s, want 01:00 UTC on 23 November", got)
	}
	if got := storedTime(`message:"old archive"`); got != "2001-09-09T01:46:40Z" {
		t.Errorf("old archive with a raised maximum age: @timestamp %s", got)
	}
}

func TestRulesImportCommand(t *testing.T) {
	dir := initialisedDataDir(t)
	pack := filepath.Join(dir, "pack")
	files := map[string]string{
		"rules/whoami.yml": "title: Whoami run\nid: 5f0c1a7e-6b3d-4c2a-9e8f-1d2c3b4a5e6f\nlogsource: {category: process_creation, product: windows}\n" +
			"detection:\n  sel: {Image|endswith: '\\whoami.exe'}\n  condition: sel\nlevel: low\n",
		"rules/broken.yml": "title: Broken\nid: 0b7e9d8c-1a2b-4c3d-8e9f-0a1b2c3d4e5f\nlogsource: {product: windows}\ndetection:\n  sel: {Image|nosuchmodifier: x}\n  condition: sel\n",
	}
	// SigmaHQ's regression data beside the rules: events, not rules.
	for i := range 7 {
		files[fmt.Sprintf("regression_data/r%d/event.json", i)] = `{"Event": {"System": {"EventID": 1}}}`
	}
	for name, src := range files {
		p := filepath.Join(pack, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A failed file makes the import exit 3; the others are imported.
	out, errOut, err := runCLI(t, "", "rules", "import", "--data-dir="+dir, pack)
	if ExitCode(err) != 3 || !strings.Contains(out, "1 new, 0 updated, 0 unchanged, 0 conflicts, 1 failed") || !strings.Contains(out, "7 skipped") {
		t.Fatalf("rules import: %v\n%s\n%s", err, out, errOut)
	}
	if !regexp.MustCompile(`failed:  rules/broken.yml:5:\d+: .*nosuchmodifier`).MatchString(out) {
		t.Fatalf("the broken rule's failure lacks its position:\n%s", out)
	}
	// Five of the seven skipped files by name, then the count of the rest.
	if strings.Count(out, "skipped: regression_data/") != 5 || !strings.Contains(out, "skipped: 2 more files: not a rule") {
		t.Fatalf("skipped files not summarised by reason:\n%s", out)
	}
	// Not a terminal: one line of progress, no redrawn percentages.
	if strings.Contains(errOut, "\r") || !strings.Contains(errOut, "importing 9 rule files\n") {
		t.Fatalf("progress written for a terminal into a pipe: %q", errOut)
	}
	out, _, err = runCLI(t, "", "rules", "list", "--data-dir="+dir)
	if err != nil || !strings.Contains(out, "Whoami run") {
		t.Fatalf("rules list: %v\n%s", err, out)
	}
}

// TestRemoteCommandsTLS: the commands that talk to a server over --url
// trust a private CA's (or a self-signed) certificate with --ca-file, or
// any with --insecure-skip-verify (saying so), and refuse it otherwise.
func TestRemoteCommandsTLS(t *testing.T) {
	dir := t.TempDir()
	ca, _ := writeTestPKI(t, dir)
	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": filepath.Join(dir, "data"), "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long"},
		"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server.key"))
	// The certificate names localhost.
	base := strings.Replace(srv.url, "https://127.0.0.1:", "https://localhost:", 1)
	if !strings.HasPrefix(base, "https://localhost:") {
		t.Fatalf("url %s", srv.url)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	st, b := apiCallWith(t, client, "POST", base+"/api/v1/auth/login", "", "application/json", []byte(`{"email":"admin@eventsec.local","password":"Adm1n-Passw0rd-Long"}`))
	var login struct {
		AccessToken string `json:"access_token"`
	}
	if st != 200 || json.Unmarshal(b, &login) != nil {
		t.Fatalf("login: %d %s", st, b)
	}
	keys := map[string]string{}
	for _, role := range []string{"ingest", "analyst"} {
		st, b := apiCallWith(t, client, "POST", base+"/api/v1/api-keys", login.AccessToken, "application/json", []byte(`{"name":"tls-`+role+`","role":"`+role+`"}`))
		var key struct {
			Key string `json:"key"`
		}
		if st != 201 || json.Unmarshal(b, &key) != nil {
			t.Fatalf("key: %d %s", st, b)
		}
		keys[role] = key.Key
	}
	events := filepath.Join(dir, "tls.ndjson")
	os.WriteFile(events, []byte(`{"message":"over TLS"}`+"\n"), 0o600)
	caFile := filepath.Join(dir, "ca.pem")

	if _, _, err := runCLI(t, "", "import", "--url", base, "--api-key", keys["ingest"], events); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an unknown CA must be refused: %v", err)
	}
	out, errOut, err := runCLI(t, "", "import", "--url", base, "--api-key", keys["ingest"], "--ca-file", caFile, events)
	if err != nil || !strings.Contains(out, "stored:     1") || strings.Contains(errOut, "warning") {
		t.Fatalf("import with --ca-file: %v\n%s\n%s", err, out, errOut)
	}
	out, errOut, err = runCLI(t, "", "import", "--url", base, "--api-key", keys["ingest"], "--insecure-skip-verify", events)
	if err != nil || !strings.Contains(out, "duplicates: 1") || !strings.Contains(errOut, "warning: --insecure-skip-verify") {
		t.Fatalf("import with --insecure-skip-verify: %v\n%s\n%s", err, out, errOut)
	}
	zipPath := filepath.Join(dir, "rules.zip")
	if _, errOut, err := runCLI(t, "", "rules", "export", "--url", base, "--api-key", keys["analyst"], "--ca-file", caFile, "-o", zipPath); err != nil {
		t.Fatalf("rules export with --ca-file: %v\n%s", err, errOut)
	}
	if _, _, err := runCLI(t, "", "rules", "export", "--url", base, "--api-key", keys["analyst"], "-o", zipPath); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("rules export must refuse an unknown CA: %v", err)
	}
	if out, errOut, err := runCLI(t, "", "vulns", "stats", "--url", base, "--api-key", keys["analyst"], "--ca-file", caFile); err != nil {
		t.Fatalf("vulns stats with --ca-file: %v\n%s\n%s", err, out, errOut)
	}
	// Usage errors: a file that holds no certificate, --ca-file without --url.
	for _, args := range [][]string{
		{"import", "--url", base, "--api-key", keys["ingest"], "--ca-file", events, events},
		{"import", "--url", base, "--api-key", keys["ingest"], "--ca-file", filepath.Join(dir, "absent.pem"), events},
		{"import", "--data-dir", filepath.Join(dir, "data"), "--ca-file", caFile, events},
		{"rules", "export", "--data-dir", filepath.Join(dir, "data"), "--insecure-skip-verify", "-o", zipPath},
	} {
		if _, _, err := runCLI(t, "", args...); ExitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

// TestImportFailuresLocated: both ways (in process and through a
// server), a failed record is named by file, line and column, {} is not
// stored, and the progress counts as the summary does.
func TestImportFailuresLocated(t *testing.T) {
	dir := initialisedDataDir(t)
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"a\":1}\n{\"b\":\n{}\n{\"message\":\"x\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(how, out string, stored, dups int) {
		t.Helper()
		for _, want := range []string{
			fmt.Sprintf("stored:     %d", stored), fmt.Sprintf("duplicates: %d", dups), "failed:     2",
			"1  empty JSON object: an event needs at least one field", "1  malformed JSON",
			bad + ":2:6: malformed JSON: unexpected end of JSON input at offset 5\n",
			bad + ":3: empty JSON object: an event needs at least one field\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", how, want, out)
			}
		}
	}
	out, errOut, err := runCLI(t, "", "import", "--data-dir", dir, "--format", "json", bad)
	if err != nil {
		t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
	}
	check("direct", out, 2, 0)
	// stderr is a pipe here: the progress is a plain line, with the
	// summary's counts.
	if !strings.Contains(errOut, "4 records: 2 stored, 0 duplicates, 2 failed") {
		t.Errorf("progress: %q", errOut)
	}

	srv := startServer(t, map[string]string{"EVENTSEC_DATA_DIR": dir})
	admin := loginToken(t, srv.url, "admin@eventsec.local", "Adm1n-Passw0rd-Long")
	st, b := apiCall(t, "POST", srv.url+"/api/v1/api-keys", admin, "application/json", []byte(`{"name":"cli","role":"ingest"}`))
	var key struct {
		Key string `json:"key"`
	}
	if st != 201 || json.Unmarshal(b, &key) != nil {
		t.Fatalf("key: %d %s", st, b)
	}
	out, errOut, err = runCLI(t, "", "import", "--url", srv.url, "--api-key", key.Key, "--format", "json", bad)
	if err != nil {
		t.Fatalf("remote import: %v\n%s\n%s", err, out, errOut)
	}
	check("remote", out, 0, 2)
	if !strings.Contains(out, bad+": read 4, stored 0, duplicates 2, failed 2") {
		t.Errorf("remote per-file line:\n%s", out)
	}
}
