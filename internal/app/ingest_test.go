package app

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The ingest endpoints as the server wires them: a genuine key whose role
// may not send is told so (403 naming the permission) rather than that it
// failed to authenticate, and the refusal and rejection counters of every
// listener can be scraped at 0 before anything happened, so that an
// increase() alert sees the first occurrence.
func TestIngestEndpointsAsWired(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	syslogAddr := ln.Addr().String()
	ln.Close()
	vars := map[string]string{"EVENTSEC_DATA_DIR": filepath.Join(dir, "data"), "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long"}
	srv := startServer(t, vars, "--syslog-tcp-addr", syslogAddr, "--syslog-max-connections-per-source", "2")

	// Before any request: every listener's series exist, at 0.
	st, b := apiCall(t, "GET", srv.url+"/metrics", "", "", nil)
	if st != 200 {
		t.Fatalf("metrics: %d", st)
	}
	for _, series := range []string{
		`eventsec_ingest_requests_refused_total{listener="http",reason="overloaded"} 0`,
		`eventsec_ingest_requests_refused_total{listener="hec",reason="forbidden"} 0`,
		`eventsec_ingest_requests_refused_total{listener="esbulk",reason="unauthorized"} 0`,
		`eventsec_ingest_rejected_total{listener="http",reason="empty_object"} 0`,
		`eventsec_ingest_rejected_total{listener="esbulk",reason="unknown_action"} 0`,
		`eventsec_ingest_requests_refused_total{listener="syslog_tcp",reason="too_many_connections_from_source"} 0`,
		`eventsec_ingest_connections_closed_total{listener="syslog_tcp",reason="evicted_idle"} 0`,
		`eventsec_ingest_dropped_total{listener="syslog_tcp",reason="shutdown"} 0`,
		`eventsec_ingest_repaired_total{listener="hec",reason="truncated"} 0`,
	} {
		if !strings.Contains(string(b), "\n"+series+"\n") {
			t.Errorf("/metrics lacks %s", series)
		}
	}

	st, b = apiCall(t, "POST", srv.url+"/api/v1/auth/login", "", "application/json", []byte(`{"email":"admin@eventsec.local","password":"Adm1n-Passw0rd-Long"}`))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if st != 200 || json.Unmarshal(b, &tok) != nil {
		t.Fatalf("login: %d %s", st, b)
	}
	st, b = apiCall(t, "POST", srv.url+"/api/v1/api-keys", tok.AccessToken, "application/json", []byte(`{"name":"dashboards","role":"viewer"}`))
	var key struct {
		Key string `json:"key"`
	}
	if st != 201 || json.Unmarshal(b, &key) != nil || key.Key == "" {
		t.Fatalf("create key: %d %s", st, b)
	}

	send := func(path, auth, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s: answer is not JSON: %v", path, err)
		}
		return resp.StatusCode, out
	}
	st, es := send("/es/_bulk", "ApiKey "+key.Key, "{\"index\":{}}\n{\"message\":\"x\"}\n")
	esErr, _ := es["error"].(map[string]any)
	if st != 403 || esErr["type"] != "security_exception" || !strings.Contains(esErr["reason"].(string), "events:write") {
		t.Errorf("_bulk with a viewer key: %d %v", st, es)
	}
	st, hec := send("/services/collector/event", "Splunk "+key.Key, `{"event":"x"}`)
	if st != 403 || hec["code"] != 4.0 {
		t.Errorf("HEC with a viewer key: %d %v", st, hec)
	}
	// syslog_max_connections_per_source reaches the listener: a third
	// connection from this address is refused while two are open.
	for range 2 {
		c, err := net.Dial("tcp", syslogAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	var third []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, third = apiCall(t, "GET", srv.url+"/metrics", "", "", nil); strings.Contains(string(third), `eventsec_ingest_connections{listener="syslog_tcp"} 2`) {
			break
		}
	}
	if c, err := net.Dial("tcp", syslogAddr); err == nil {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Error("a third connection from one address was kept")
		}
		c.Close()
	}
	var b2 []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, b2 = apiCall(t, "GET", srv.url+"/metrics", "", "", nil); strings.Contains(string(b2),
			`eventsec_ingest_requests_refused_total{listener="syslog_tcp",reason="too_many_connections_from_source"} 1`) {
			break
		}
	}
	for _, series := range []string{
		`eventsec_ingest_requests_refused_total{listener="esbulk",reason="forbidden"} 1`,
		`eventsec_ingest_requests_refused_total{listener="hec",reason="forbidden"} 1`,
		`eventsec_ingest_requests_refused_total{listener="syslog_tcp",reason="too_many_connections_from_source"} 1`,
		`eventsec_ingest_connections{listener="syslog_tcp"} 2`,
	} {
		if st != 200 || !strings.Contains(string(b2), "\n"+series+"\n") {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}

// The same sshd line is the same event whichever way it comes: over syslog
// with logger's default tag (the user's name, as the docs' "Check it"
// command sends it), as a HEC string event, and in an imported file.
func TestAuthLineSameEventOnEveryPath(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	syslogAddr := ln.Addr().String()
	ln.Close()
	vars := map[string]string{"EVENTSEC_DATA_DIR": filepath.Join(dir, "data"), "EVENTSEC_ADMIN_PASSWORD": "Adm1n-Passw0rd-Long"}
	srv := startServer(t, vars, "--syslog-tcp-addr", syslogAddr)
	admin := loginToken(t, srv.url, "admin@eventsec.local", "Adm1n-Passw0rd-Long")
	st, b := apiCall(t, "POST", srv.url+"/api/v1/api-keys", admin, "application/json", []byte(`{"name":"paths","role":"ingest"}`))
	var key struct {
		Key string `json:"key"`
	}
	if st != 201 || json.Unmarshal(b, &key) != nil {
		t.Fatalf("key: %d %s", st, b)
	}
	const text = "Failed password for root from 81.2.69.142 port 4242 ssh2"

	// What `logger --server ... --tcp --rfc5424 "..."` sends.
	c, err := net.Dial("tcp", syslogAddr)
	if err != nil {
		t.Fatal(err)
	}
	line := "<13>1 " + time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00") + ` vm root - - [timeQuality tzKnown="1" isSynced="1" syncAccuracy="85000"] ` + text + "\n"
	if _, err := c.Write([]byte(line)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	req, _ := http.NewRequest("POST", srv.url+"/services/collector/event", strings.NewReader(`{"event":"`+text+`"}`))
	req.Header.Set("Authorization", "Splunk "+key.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HEC: %d", resp.StatusCode)
	}
	file := filepath.Join(dir, "auth.log")
	if err := os.WriteFile(file, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := runCLI(t, "", "import", "--url", srv.url, "--api-key", key.Key, file); err != nil {
		t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
	}

	type fields struct {
		Event struct {
			Dataset string `json:"dataset"`
			Outcome string `json:"outcome"`
		} `json:"event"`
		User struct {
			Name string `json:"name"`
		} `json:"user"`
		Source struct {
			IP   string `json:"ip"`
			Port int    `json:"port"`
		} `json:"source"`
	}
	var page struct {
		Items []struct {
			Input   string `json:"input"`
			Message string `json:"message"`
			Fields  fields `json:"fields"`
		} `json:"items"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		st, b := apiCall(t, "GET", srv.url+"/api/v1/events?from=2000-01-01T00:00:00Z&query=user.name:root", admin, "", nil)
		if st != 200 || json.Unmarshal(b, &page) != nil {
			t.Fatalf("search: %d %s", st, b)
		}
		if len(page.Items) >= 3 || time.Now().After(deadline) {
			break
		}
	}
	inputs := map[string]bool{}
	for _, ev := range page.Items {
		inputs[ev.Input] = true
		f := ev.Fields
		if f.Event.Dataset != "linux.auth" || f.User.Name != "root" || f.Source.IP != "81.2.69.142" || f.Source.Port != 4242 ||
			f.Event.Outcome != "failure" || ev.Message != text {
			t.Errorf("%s: %+v, message %q", ev.Input, f, ev.Message)
		}
	}
	if len(page.Items) != 3 || !inputs["syslog"] || !inputs["hec"] || !inputs["import"] {
		t.Fatalf("user.name:root found %d events from %v, want one each from syslog, hec and import", len(page.Items), inputs)
	}
}
