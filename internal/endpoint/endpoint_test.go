package endpoint_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/endpoint"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

var cred = endpoint.Credential{AgentID: "agent-1", OrgID: "org-1", Name: "web-01",
	Facts: wire.HostFacts{Hostname: "web-01", FQDN: "web-01.corp.example", OS: "linux", Platform: "debian", PlatformVer: "12",
		Family: "debian", KernelVersion: "6.1.0-18-amd64", Arch: "amd64", MachineID: "0f1e2d3c", AgentVersion: "0.9.0", IPs: []string{"10.1.2.3"}}}

// convertCases are agent events of every kind, as the agent sends them.
var convertCases = []struct {
	name string
	ev   wire.Event
}{
	{"log_auth_line", wire.Event{ID: "auth.log:1", Time: t0, Kind: endpoint.KindLog,
		Raw:    "Nov 23 09:59:58 web-01 sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 52100 ssh2",
		Fields: json.RawMessage(`{"log":{"file":{"path":"/var/log/auth.log"}}}`)}},
	{"log_json_line", wire.Event{ID: "app.log:9", Time: t0, Kind: endpoint.KindLog,
		Raw: `{"level":"warn","msg":"login failed","user":"bob","src":"198.51.100.4"}`, Fields: json.RawMessage(`{"file.path":"/var/log/app.log","format":"json"}`)}},
	{"log_other_host", wire.Event{ID: "syslog:7", Time: t0, Kind: endpoint.KindLog,
		Raw: "<38>Nov 23 09:59:00 fw-01 kernel: DROP IN=eth0 SRC=203.0.113.9", Fields: json.RawMessage(`{"log":{"file":{"path":"/var/log/remote.log"}}}`)}},
	{"journal_sshd", wire.Event{ID: "s=abc;i=1", Time: t0, Kind: endpoint.KindJournal,
		Fields: json.RawMessage(`{"MESSAGE":"Accepted publickey for root from 192.0.2.10 port 50022 ssh2","SYSLOG_IDENTIFIER":"sshd","_PID":"991","PRIORITY":"6","SYSLOG_FACILITY":"10","_HOSTNAME":"web-01","_SYSTEMD_UNIT":"ssh.service","__REALTIME_TIMESTAMP":"1795428000000000"}`)}},
	{"fim_modified", wire.Event{ID: "fim:/etc/passwd:2", Time: t0, Kind: endpoint.KindFIM,
		Fields: json.RawMessage(`{"action":"modified","path":"/etc/passwd","old_sha256":"aaaa","new_sha256":"bbbb","old_size":1200,"new_size":1234,"owner":"root","group":"root","mode":"0644"}`)}},
	{"fim_created_windows", wire.Event{ID: "fim:c", Time: t0, Kind: endpoint.KindFIM,
		Fields: json.RawMessage(`{"action":"created","path":"C:\\Windows\\System32\\drivers\\etc\\hosts.bak","new_sha256":"cccc","new_size":10}`)}},
	{"fim_deleted", wire.Event{ID: "fim:d", Time: t0, Kind: endpoint.KindFIM, Fields: json.RawMessage(`{"action":"deleted","path":"/usr/bin/nc","old_sha256":"dddd"}`)}},
	{"network_blocked", wire.Event{ID: "net:1", Time: t0, Kind: endpoint.KindNetwork,
		Fields: json.RawMessage(`{"event":{"category":["network"],"type":["connection"],"action":"blocked_destination"},"destination":{"ip":"203.0.113.50","port":443},"process":{"pid":3100,"name":"curl"}}`)}},
	{"agent_notice", wire.Event{ID: "agent:1", Time: t0, Kind: endpoint.KindAgent, Fields: json.RawMessage(`{"message":"spool dropped 12 events","log":{"level":"warning"}}`)}},
	{"eventlog_4625", wire.Event{ID: "Security:1001", Time: t0, Kind: endpoint.KindEventLog,
		Raw: `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4625</EventID><Level>0</Level><TimeCreated SystemTime="2026-11-23T09:59:59.000Z"/><EventRecordID>1001</EventRecordID><Channel>Security</Channel><Computer>web-01</Computer></System><EventData><Data Name="TargetUserName">admin</Data><Data Name="IpAddress">203.0.113.9</Data><Data Name="LogonType">3</Data></EventData></Event>`}},
	{"bad_fields", wire.Event{ID: "x", Time: t0, Kind: endpoint.KindNetwork, Fields: json.RawMessage(`[1,2]`)}},
	{"unknown_kind", wire.Event{ID: "y", Time: t0, Kind: "teleport", Raw: "something odd"}},
}

// TestConvert maps agent events to ECS and compares with the golden file.
func TestConvert(t *testing.T) {
	n := normalize.New(normalize.Options{Now: func() time.Time { return t0 }})
	received := t0.Add(2 * time.Second)
	got := map[string]map[string]any{}
	ids := map[string]bool{}
	for _, c := range convertCases {
		ev := endpoint.Convert(n, cred, c.ev, received)
		if ev.OrgID != cred.OrgID || ev.Input != endpoint.Input || ev.Fields["agent.id"] != cred.AgentID {
			t.Errorf("%s: not the agent's event: %+v", c.name, ev)
		}
		if ids[ev.ID] {
			t.Errorf("%s: duplicate ID %s", c.name, ev.ID)
		}
		ids[ev.ID] = true
		again := endpoint.Convert(n, cred, c.ev, received.Add(time.Minute))
		if again.ID != ev.ID {
			t.Errorf("%s: a re-sent event gets another ID", c.name)
		}
		other := cred
		other.AgentID = "agent-2"
		if endpoint.Convert(n, other, c.ev, received).ID == ev.ID {
			t.Errorf("%s: two agents' events share an ID", c.name)
		}
		fields := map[string]any{"@timestamp": ev.Timestamp.UTC().Format(time.RFC3339Nano)}
		for k, v := range ev.Fields {
			fields[k] = v
		}
		got[c.name] = fields
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "convert.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if strings.TrimSpace(string(want)) != strings.TrimSpace(string(b)) {
		t.Errorf("conversion differs from %s (run with -update after checking):\n%s", golden, b)
	}
	// Spot checks that say why the golden file is right.
	fim := got["fim_modified"]
	if !slices.Equal(fim["event.category"].([]string), []string{"file"}) || !slices.Equal(fim["event.type"].([]string), []string{"change"}) ||
		fim["file.path"] != "/etc/passwd" || fim["file.hash.sha256"] != "bbbb" || fim["host.os.type"] != "linux" {
		t.Errorf("fim: %v", fim)
	}
	if c := got["fim_created_windows"]; !slices.Equal(c["event.type"].([]string), []string{"creation"}) || c["file.name"] != "hosts.bak" ||
		c["file.directory"] != `C:\Windows\System32\drivers\etc` {
		t.Errorf("fim created: %v", c)
	}
	if a := got["log_auth_line"]; a["event.dataset"] != "linux.auth" || a["source.ip"] != "203.0.113.9" || a["log.file.path"] != "/var/log/auth.log" {
		t.Errorf("auth line: %v", a)
	}
	if j := got["journal_sshd"]; j["process.name"] != "sshd" || j["systemd.unit"] != "ssh.service" {
		t.Errorf("journal: %v", j)
	}
	if o := got["log_other_host"]; o["host.name"] == "web-01" {
		t.Errorf("a forwarded line was put on the agent's host: %v", o)
	}
}

func FuzzConvert(f *testing.F) {
	for _, c := range convertCases {
		f.Add(c.ev.Kind, c.ev.Raw, string(c.ev.Fields), c.ev.ID)
	}
	n := normalize.New(normalize.Options{})
	f.Fuzz(func(t *testing.T, kind, raw, fields, id string) {
		ev := endpoint.Convert(n, cred, wire.Event{ID: id, Time: t0, Kind: kind, Raw: raw, Fields: json.RawMessage(fields)}, t0)
		if ev.OrgID != cred.OrgID || ev.ID == "" || ev.Fields["agent.id"] != cred.AgentID {
			t.Fatalf("bad event: %+v", ev)
		}
	})
}

func TestParseBlockValue(t *testing.T) {
	for _, c := range []struct{ kind, in, want string }{
		{"ip", "203.0.113.7", "203.0.113.7"},
		{"ip", " 203.0.113.7/24", "203.0.113.0/24"},
		{"ip", "2001:db8::1/128", "2001:db8::1"},
		{"ip", "::ffff:192.0.2.1", "192.0.2.1"},
		{"ip", "0.0.0.0/0", ""},
		{"ip", "300.1.1.1", ""},
		{"domain", "Evil.Example.", "evil.example"},
		{"domain", "localhost", ""},
		{"domain", "-bad.example", ""},
		{"url", "HTTPS://Evil.Example/Login?x=1#frag", "https://evil.example/Login?x=1"},
		{"url", "ftp://evil.example/", ""},
		{"email", "Boss@Evil.Example", "boss@evil.example"},
		{"email", "@evil.example", "@evil.example"},
		{"email", "a@b@evil.example", ""},
		{"hash", "abc", ""},
	} {
		got, err := endpoint.ParseBlockValue(c.kind, c.in)
		if (err != nil) != (c.want == "") || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.kind, c.in, got, err, c.want)
		}
	}
}

func FuzzParseBlockValue(f *testing.F) {
	for _, s := range []string{"203.0.113.7/24", "evil.example", "https://x.example/a", "a@b.example", "::1"} {
		for _, k := range []string{"ip", "domain", "url", "email"} {
			f.Add(k, s)
		}
	}
	f.Fuzz(func(t *testing.T, kind, v string) {
		got, err := endpoint.ParseBlockValue(kind, v)
		if err != nil {
			return
		}
		again, err := endpoint.ParseBlockValue(kind, got)
		if err != nil || again != got {
			t.Fatalf("%s %q → %q is not canonical: %q %v", kind, v, got, again, err)
		}
	})
}

// newService is a service over a real SQLite store in a temp dir.
func newService(t testing.TB, now func() time.Time) (*endpoint.Service, store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Orgs().Create(ctx, store.Org{ID: "org-1", Name: "Org 1", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	svc, err := endpoint.New(ctx, endpoint.Options{Store: st, Now: now, FilesDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st
}

func enroll(t testing.TB, svc *endpoint.Service, key, host string) (wire.EnrollResponse, endpoint.Credential) {
	t.Helper()
	ctx := context.Background()
	res, err := svc.Enroll(ctx, wire.EnrollRequest{EnrollmentKey: key, Facts: wire.HostFacts{Hostname: host, OS: "linux", Arch: "amd64"}}, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.Authenticate(ctx, res.Token, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return res, c
}

// TestHeartbeatsFlushInBatches: heartbeats change nothing in the store
// until a flush, which writes them and the minute averages of the metrics.
func TestHeartbeatsFlushInBatches(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc, st := newService(t, clock)
	_, key, err := svc.CreateKey(ctx, endpoint.Actor{OrgID: "org-1", UserID: "u1"}, "k", 0)
	if err != nil {
		t.Fatal(err)
	}
	var agents []endpoint.Credential
	for i := 0; i < 20; i++ {
		_, c := enroll(t, svc, key, fmt.Sprintf("h%02d", i))
		agents = append(agents, c)
	}
	var wg sync.WaitGroup
	for _, c := range agents {
		wg.Go(func() {
			for s := 0; s < 4; s++ {
				hb := wire.Heartbeat{AgentVersion: "1.0", Metrics: []wire.Metrics{{At: t0.Add(time.Duration(s) * 20 * time.Second), CPUPercent: float64(10 * (s + 1))}}}
				if _, err := svc.Heartbeat(ctx, c, hb, "10.0.0.9"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	a, _ := st.Endpoints().Agents().Get(ctx, "org-1", agents[0].AgentID)
	if a.LastSeen != nil {
		t.Fatal("a heartbeat was written before the flush")
	}
	mu.Lock()
	now = t0.Add(3 * time.Minute)
	mu.Unlock()
	if err := svc.Flush(ctx, false); err != nil {
		t.Fatal(err)
	}
	a, _ = st.Endpoints().Agents().Get(ctx, "org-1", agents[0].AgentID)
	if a.LastSeen == nil || !a.LastSeen.Equal(t0) || a.LastIP != "10.0.0.9" || a.AgentVersion != "1.0" {
		t.Fatalf("after flush: %+v", a)
	}
	pts, err := st.Endpoints().Metrics().Range(ctx, "org-1", agents[0].AgentID, 60, t0, t0.Add(time.Hour))
	if err != nil || len(pts) != 2 || pts[0].CPUPercent != 20 || pts[1].CPUPercent != 40 {
		t.Fatalf("minute averages: %v %+v", err, pts)
	}
	got, err := svc.GetAgent(ctx, "org-1", agents[0].AgentID)
	if err != nil || got.Status != endpoint.StatusOffline {
		t.Fatalf("three minutes without a heartbeat (interval 30 s): %v %+v", err, got.Status)
	}
}

// BenchmarkHeartbeat measures the server's cost of one heartbeat with a
// metric sample, including the amortised flush, over 2,000 agents.
func BenchmarkHeartbeat(b *testing.B) {
	ctx := context.Background()
	svc, _ := newService(b, time.Now)
	_, key, err := svc.CreateKey(ctx, endpoint.Actor{OrgID: "org-1", UserID: "u1"}, "k", 0)
	if err != nil {
		b.Fatal(err)
	}
	const n = 2_000
	creds := make([]endpoint.Credential, n)
	tokens := make([]string, n)
	for i := range creds {
		res, c := enroll(b, svc, key, fmt.Sprintf("h%05d", i))
		creds[i], tokens[i] = c, res.Token
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c, err := svc.Authenticate(ctx, tokens[i%n], "10.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Heartbeat(ctx, c, wire.Heartbeat{Metrics: []wire.Metrics{{At: time.Now(), CPUPercent: 3}}}, "10.0.0.1"); err != nil {
			b.Fatal(err)
		}
		if i%n == n-1 {
			if err := svc.Flush(ctx, true); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkConvert(b *testing.B) {
	n := normalize.New(normalize.Options{})
	for _, c := range convertCases[:5] {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				endpoint.Convert(n, cred, c.ev, t0)
			}
		})
	}
}
