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
