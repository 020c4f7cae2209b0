package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/store"
)

// withEndpoints gives the fixture's server a real endpoint service over
// its store, event store and pipeline, with the agent channel mounted,
// unless the test configured one.
func withEndpoints(t *testing.T, po *api.Options, st store.Store, events eventstore.Store, pipe *ingest.Pipeline, hub *live.Hub, now func() time.Time) *endpoint.Service {
	t.Helper()
	if po.Endpoints != nil {
		return po.Endpoints
	}
	svc, err := endpoint.New(t.Context(), endpoint.Options{Store: st, Intake: pipe, Events: events, Hub: hub, Now: now,
		AgentsDir: t.TempDir(), FilesDir: t.TempDir(), FlushInterval: time.Hour, Vulns: vulnMatcher(po)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	mounts := map[string]http.Handler{}
	for p, h := range po.Mounts {
		mounts[p] = h
	}
	for p, h := range svc.AgentMounts() {
		mounts[p] = h
	}
	po.Endpoints, po.Mounts = svc, mounts
	return svc
}

// agent is an enrolled agent speaking the wire protocol to the fixture.
type agent struct {
	f     *fixture
	id    string
	org   string
	token string
}

// agentCall sends one agent-channel request with the protocol header.
func (f *fixture) agentCall(t *testing.T, method, path, token string, body any) response {
	t.Helper()
	h := map[string]string{wire.HeaderProtocol: wire.Version}
	return f.do(t, request{Method: method, Path: path, Token: token, Body: body, Header: h})
}

func (a agent) call(t *testing.T, method, path string, body any) response {
	t.Helper()
	return a.f.agentCall(t, method, path, a.token, body)
}

// enrollmentKey creates an enrollment key in the org through the service.
func (f *fixture) enrollmentKey(t *testing.T, orgID string) (store.EnrollmentKey, string) {
	t.Helper()
	k, secret, err := f.endpoints.CreateKey(f.ctx, endpoint.Actor{OrgID: orgID, UserID: "system", Email: "test"}, fmt.Sprintf("key-%d", f.seq.Add(1)), 0)
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

// enroll enrolls a new agent with the key, through the wire protocol.
func (f *fixture) enroll(t *testing.T, key, host string) agent {
	t.Helper()
	r := f.agentCall(t, "POST", wire.PathEnroll, "", wire.EnrollRequest{EnrollmentKey: key, Facts: hostFacts(host)})
	wantStatus(t, r, http.StatusCreated)
	er := decode[wire.EnrollResponse](t, r)
	if er.AgentID == "" || !strings.HasPrefix(er.Token, endpoint.AgentTokenPrefix) || er.Config.HeartbeatSeconds != 30 {
		t.Fatalf("enroll: %s", r)
	}
	return agent{f: f, id: er.AgentID, org: er.OrgID, token: er.Token}
}

func hostFacts(host string) wire.HostFacts {
	return wire.HostFacts{Hostname: host, OS: "linux", Platform: "debian", PlatformVer: "12", Family: "debian", Arch: "amd64",
		MachineID: "mid-" + host, AgentVersion: "0.9.0", IPs: []string{"10.1.2.3"}}
}

// newEndpoint enrolls an agent in the org (for tests that need one).
func (f *fixture) newEndpoint(t *testing.T, orgID string) agent {
	t.Helper()
	_, key := f.enrollmentKey(t, orgID)
	return f.enroll(t, key, fmt.Sprintf("host-%d", f.seq.Add(1)))
}

// newAction queues a restart_agent action on an agent of the org.
func (f *fixture) newAction(t *testing.T, orgID, agentID string) endpoint.Action {
	t.Helper()
	a, err := f.endpoints.QueueAction(f.ctx, orgID, agentID, endpoint.Actor{UserID: "system", Email: "test"}, wire.ActionRestartAgent, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// newBlock adds a block-list entry to the org.
func (f *fixture) newBlock(t *testing.T, orgID string) endpoint.BlockEntry {
	t.Helper()
	e, err := f.endpoints.AddBlock(f.ctx, orgID, endpoint.Actor{UserID: "system", Email: "test"},
		endpoint.BlockEntry{Kind: store.BlockIP, Value: fmt.Sprintf("198.51.100.%d", f.seq.Add(1)%250+1), Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEndpointEnrollment(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass)

	r := f.send(t, "POST", "/api/v1/enrollment-keys", admin.AccessToken, map[string]any{"name": "Laptops", "expires_in_days": 30})
	wantStatus(t, r, http.StatusCreated)
	created := decode[struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}](t, r)
	if !strings.HasPrefix(created.Key, endpoint.EnrollmentKeyPrefix) || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create key: %s", r)
	}
	if strings.Contains(string(f.get(t, "/api/v1/enrollment-keys", admin.AccessToken).Body), created.Key) {
		t.Fatal("the key list shows the secret")
	}

	a := f.enroll(t, created.Key, "web-01")
	if a.org != f.org.ID {
		t.Fatalf("enrolled into %s", a.org)
	}
	if es := f.auditEntries(t, f.org.ID, auditFilter("endpoint.enroll", a.id)); len(es) != 1 {
		t.Fatalf("enroll audit: %+v", es)
	}

	// Without the protocol header: 426.
	r = f.send(t, "POST", wire.PathEnroll, "", wire.EnrollRequest{EnrollmentKey: created.Key, Facts: hostFacts("x")})
	wantError(t, r, http.StatusUpgradeRequired, "unsupported_protocol", "")
	// A wrong key, a malformed one.
	for _, key := range []string{created.Key[:len(created.Key)-2] + "xx", "not-a-key", ""} {
		r = f.agentCall(t, "POST", wire.PathEnroll, "", wire.EnrollRequest{EnrollmentKey: key, Facts: hostFacts("x")})
		wantError(t, r, http.StatusUnauthorized, "invalid_enrollment_key", "")
	}
	// No hostname.
	r = f.agentCall(t, "POST", wire.PathEnroll, "", wire.EnrollRequest{EnrollmentKey: created.Key})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "")

	// A revoked key enrolls nobody; the agent it enrolled keeps working.
	wantStatus(t, f.send(t, "DELETE", "/api/v1/enrollment-keys/"+created.ID, admin.AccessToken, nil), http.StatusNoContent)
	r = f.agentCall(t, "POST", wire.PathEnroll, "", wire.EnrollRequest{EnrollmentKey: created.Key, Facts: hostFacts("y")})
	wantError(t, r, http.StatusUnauthorized, "enrollment_key_revoked", "")
	wantStatus(t, a.call(t, "POST", wire.PathHeartbeat, wire.Heartbeat{AgentVersion: "0.9.0"}), http.StatusOK)

	keys := decode[list[struct {
		ID        string     `json:"id"`
		Uses      int        `json:"uses"`
		RevokedAt *time.Time `json:"revoked_at"`
	}]](t, f.get(t, "/api/v1/enrollment-keys", admin.AccessToken))
	if len(keys.Items) != 1 || keys.Items[0].Uses != 1 || keys.Items[0].RevokedAt == nil {
		t.Fatalf("keys: %+v", keys)
	}
}

func TestAgentCredentials(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass)
	a := f.newEndpoint(t, f.org.ID)

	r := a.call(t, "POST", wire.PathHeartbeat, wire.Heartbeat{AgentVersion: "0.9.1", Status: wire.AgentStatus{RSSBytes: 20 << 20}})
	wantStatus(t, r, http.StatusOK)
	hb := decode[wire.HeartbeatResponse](t, r)
	if hb.ServerTime.IsZero() || hb.PendingActions != 0 {
		t.Fatalf("heartbeat: %s", r)
	}
	ep := decode[struct {
		Status       string `json:"status"`
		AgentVersion string `json:"agent_version"`
	}](t, f.get(t, "/api/v1/endpoints/"+a.id, admin.AccessToken))
	if ep.Status != "online" || ep.AgentVersion != "0.9.1" {
		t.Fatalf("after a heartbeat: %+v", ep)
	}

	before := len(f.auditEntries(t, f.org.ID, auditFilter("endpoint.auth_failed", a.id)))
	// A forged token: the right lookup prefix, a different secret.
	forged := a.token[:20] + strings.Repeat("A", len(a.token)-20)
	for _, tok := range []string{forged, "esa_" + strings.Repeat("B", 43), "Bearer", admin.AccessToken} {
		r = f.agentCall(t, "POST", wire.PathHeartbeat, tok, wire.Heartbeat{})
		if r.Status != http.StatusUnauthorized {
			t.Errorf("token %.12s…: %s", tok, r)
		}
	}
	r = f.agentCall(t, "POST", wire.PathHeartbeat, forged, wire.Heartbeat{})
	wantError(t, r, http.StatusUnauthorized, "invalid_agent_token", "")
	if after := len(f.auditEntries(t, f.org.ID, auditFilter("endpoint.auth_failed", a.id))); after <= before {
		t.Error("a forged token was not audited")
	}
	r = f.agentCall(t, "POST", wire.PathHeartbeat, "", wire.Heartbeat{})
	wantError(t, r, http.StatusUnauthorized, "unauthenticated", "")

	// Revocation applies at once.
	wantStatus(t, f.send(t, "DELETE", "/api/v1/endpoints/"+a.id, admin.AccessToken, nil), http.StatusNoContent)
	for _, p := range []struct{ method, path string }{{"POST", wire.PathHeartbeat}, {"GET", wire.PathConfig}, {"GET", wire.PathActions}} {
		r = a.call(t, p.method, p.path, map[string]any{})
		if p.method == "GET" {
			r = f.do(t, request{Method: "GET", Path: p.path, Token: a.token, Header: map[string]string{wire.HeaderProtocol: wire.Version}})
		}
		wantError(t, r, http.StatusUnauthorized, "agent_revoked", "")
	}
	if es := f.auditEntries(t, f.org.ID, auditFilter("endpoint.revoke", a.id)); len(es) != 1 {
		t.Fatalf("revoke audit: %+v", es)
	}
	ep = decode[struct {
		Status       string `json:"status"`
		AgentVersion string `json:"agent_version"`
	}](t, f.get(t, "/api/v1/endpoints/"+a.id, admin.AccessToken))
	if ep.Status != "revoked" {
		t.Fatalf("after revocation: %+v", ep)
	}
}

// TestAgentIsolation: an agent writes only its own records in its own org.
func TestAgentIsolation(t *testing.T) {
	f := newFixture(t)
	b, err := f.svc.CreateOrg(f.ctx, nil, auth.OrgInput{Name: "Org B", AdminEmail: "boss@b.test", AdminPassword: otherPass})
	if err != nil {
		t.Fatal(err)
	}
	a1 := f.newEndpoint(t, f.org.ID)
	a2 := f.newEndpoint(t, f.org.ID)
	bAgent := f.newEndpoint(t, b.Org.ID)
	act := f.newAction(t, f.org.ID, a1.id)
	got := decode[wire.ActionList](t, a1.call(t, "GET", wire.PathActions, nil))
	if len(got.Actions) != 1 || got.Actions[0].ID != act.ID {
		t.Fatalf("poll: %+v", got)
	}
	result := wire.ActionResult{Status: wire.ResultDone, Output: "pwned", FinishedAt: time.Now()}
	for _, other := range []agent{a2, bAgent} {
		r := other.call(t, "POST", strings.Replace(wire.PathActionResult, "{id}", act.ID, 1), result)
		wantError(t, r, http.StatusNotFound, "not_found", "")
		r = f.do(t, request{Method: "POST", Path: strings.Replace(wire.PathUpload, "{id}", act.ID, 1), Token: other.token, Body: "data",
			CT: "application/octet-stream", Header: map[string]string{wire.HeaderProtocol: wire.Version}})
		wantError(t, r, http.StatusNotFound, "not_found", "")
		// Another agent's poll never yields it.
		if l := decode[wire.ActionList](t, other.call(t, "GET", wire.PathActions, nil)); len(l.Actions) != 0 {
			t.Fatalf("%s received %+v", other.id, l)
		}
	}
	stored, _ := f.endpoints.GetAction(f.ctx, f.org.ID, a1.id, act.ID)
	if stored.State != store.AgentActionDelivered || stored.Output != "" {
		t.Fatalf("another agent changed the action: %+v", stored)
	}
	// Org B's agent sends events: they land in org B, named after it, even
	// when they claim another agent and org.
	batch := wire.EventBatch{BatchID: "b1", Events: []wire.Event{{ID: "e1", Time: time.Now(), Kind: endpoint.KindAgent,
		Fields: json.RawMessage(`{"message":"hello","agent":{"id":"` + a1.id + `"},"org_id":"` + f.org.ID + `"}`)}}}
	wantStatus(t, bAgent.call(t, "POST", wire.PathEvents, batch), http.StatusOK)
	page, err := f.events.Search(f.ctx, b.Org.ID, eventstore.Query{Text: `agent.id:"` + bAgent.id + `"`})
	if err != nil || page.Total != 1 {
		t.Fatalf("org B events: %v %+v", err, page)
	}
	if page, _ := f.events.Search(f.ctx, f.org.ID, eventstore.Query{Text: "hello"}); page.Total != 0 {
		t.Fatalf("org A received org B's agent's event: %+v", page)
	}
	// The management API of org A does not see org B's agent.
	admin := f.login(t, adminEmail, adminPass)
	wantError(t, f.get(t, "/api/v1/endpoints/"+bAgent.id, admin.AccessToken), http.StatusNotFound, "not_found", "")
	wantError(t, f.get(t, "/inventory/"+bAgent.id, admin.AccessToken), http.StatusNotFound, "not_found", "")
}

func TestEndpointActions(t *testing.T) {
	f := newFixture(t)
	a := f.newEndpoint(t, f.org.ID)
	f.newUser(t, "senior@a.test", auth.RoleSeniorAnalyst)
	f.newUser(t, "analyst@a.test", auth.RoleAnalyst)
	senior := f.login(t, "senior@a.test", userPass)
	analyst := f.login(t, "analyst@a.test", userPass)
	path := "/api/v1/endpoints/" + a.id + "/actions"

	r := f.send(t, "POST", path, analyst.AccessToken, map[string]any{"type": "run_command", "params": map[string]any{"argv": []string{"uptime"}}, "reason": "x"})
	wantError(t, r, http.StatusForbidden, "forbidden", "")
	// The allow-list and the collect paths are enforced by the server.
	r = f.send(t, "POST", path, senior.AccessToken, map[string]any{"type": "run_command", "params": map[string]any{"argv": []string{"/bin/sh", "-c", "id"}}, "reason": "triage"})
	wantError(t, r, http.StatusForbidden, "policy_refused", "")
	r = f.send(t, "POST", path, senior.AccessToken, map[string]any{"type": "collect_file", "params": map[string]any{"path": "/etc/shadow"}, "reason": "triage"})
	wantError(t, r, http.StatusForbidden, "policy_refused", "")
	r = f.send(t, "POST", path, senior.AccessToken, map[string]any{"type": "collect_file", "params": map[string]any{"path": "/tmp/../etc/shadow"}, "reason": "triage"})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "params.path")
	r = f.send(t, "POST", path, senior.AccessToken, map[string]any{"type": "kill_process", "params": map[string]any{"pid": 4242}})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "reason")
	r = f.send(t, "POST", path, senior.AccessToken, map[string]any{"type": "format_disk", "reason": "x"})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "type")

	r = f.send(t, "POST", path, senior.AccessToken, map[string]any{"type": "run_command", "params": map[string]any{"argv": []string{"uptime"}}, "reason": "triage"})
	wantStatus(t, r, http.StatusCreated)
	run := decode[struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}](t, r)
	if run.State != "queued" {
		t.Fatalf("queued: %s", r)
	}
	if hb := decode[wire.HeartbeatResponse](t, a.call(t, "POST", wire.PathHeartbeat, wire.Heartbeat{})); hb.PendingActions != 1 {
		t.Fatalf("pending = %d", hb.PendingActions)
	}

	// A long poll returns as soon as an action is queued.
	polled := make(chan response, 1)
	go func() {
		polled <- f.do(t, request{Method: "GET", Path: wire.PathActions + "?wait=20s", Token: a.token, Header: map[string]string{wire.HeaderProtocol: wire.Version}})
	}()
	first := <-polled // the queued run_command, at once
	if l := decode[wire.ActionList](t, first); len(l.Actions) != 1 || l.Actions[0].ID != run.ID || l.Actions[0].Type != "run_command" {
		t.Fatalf("poll: %s", first)
	}
	start := time.Now()
	go func() {
		polled <- f.do(t, request{Method: "GET", Path: wire.PathActions + "?wait=20s", Token: a.token, Header: map[string]string{wire.HeaderProtocol: wire.Version}})
	}()
	time.Sleep(200 * time.Millisecond)
	r = f.send(t, "POST", path, senior.AccessToken, map[string]any{"type": "collect_file", "params": map[string]any{"path": "/var/log/auth.log"}, "reason": "evidence"})
	wantStatus(t, r, http.StatusCreated)
	collect := decode[struct {
		ID string `json:"id"`
	}](t, r)
	second := <-polled
	if l := decode[wire.ActionList](t, second); len(l.Actions) != 1 || l.Actions[0].ID != collect.ID || time.Since(start) > 10*time.Second {
		t.Fatalf("long poll: %s after %s", second, time.Since(start))
	}

	// Results.
	resPath := strings.Replace(wire.PathActionResult, "{id}", run.ID, 1)
	wantStatus(t, a.call(t, "POST", resPath, wire.ActionResult{Status: wire.ResultDone, Output: " 10:00 up 3 days", FinishedAt: time.Now()}), http.StatusNoContent)
	wantError(t, a.call(t, "POST", resPath, wire.ActionResult{Status: wire.ResultDone}), http.StatusConflict, "conflict", "")
	content := []byte("Nov 23 10:00:00 web sshd[1]: Accepted publickey for root\n")
	sum := sha256.Sum256(content)
	up := strings.Replace(wire.PathUpload, "{id}", collect.ID, 1)
	r = f.do(t, request{Method: "POST", Path: up, Token: a.token, Body: content, CT: "application/octet-stream",
		Header: map[string]string{wire.HeaderProtocol: wire.Version, wire.HeaderFileName: "auth.log", wire.HeaderFileSHA256: strings.Repeat("0", 64)}})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "")
	r = f.do(t, request{Method: "POST", Path: up, Token: a.token, Body: content, CT: "application/octet-stream",
		Header: map[string]string{wire.HeaderProtocol: wire.Version, wire.HeaderFileName: "../../auth.log", wire.HeaderFileSHA256: hex.EncodeToString(sum[:])}})
	wantStatus(t, r, http.StatusCreated)
	wantStatus(t, a.call(t, "POST", strings.Replace(wire.PathActionResult, "{id}", collect.ID, 1), wire.ActionResult{Status: wire.ResultDone}), http.StatusNoContent)

	acts := decode[list[struct {
		ID     string `json:"id"`
		State  string `json:"state"`
		Output string `json:"output"`
		File   *struct {
			Name   string `json:"name"`
			SHA256 string `json:"sha256"`
		} `json:"file"`
	}]](t, f.get(t, path, analyst.AccessToken))
	if len(acts.Items) != 2 || acts.Items[1].State != "done" || !strings.Contains(acts.Items[1].Output, "up 3 days") ||
		acts.Items[0].File == nil || acts.Items[0].File.Name != collect.ID+"-auth.log" {
		t.Fatalf("actions: %+v", acts)
	}
	wantError(t, f.get(t, path+"/"+collect.ID+"/file", analyst.AccessToken), http.StatusForbidden, "forbidden", "")
	r = f.get(t, path+"/"+collect.ID+"/file", senior.AccessToken)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, content) || !strings.Contains(r.Header.Get("Content-Disposition"), "auth.log") {
		t.Fatalf("download: %s", r)
	}
	if es := f.auditEntries(t, f.org.ID, store.AuditFilter{Action: "endpoint.action."}); len(es) != 4 {
		t.Fatalf("action audit: %d entries", len(es))
	}

	// Expiry: an undelivered action expires; a delivered one without a
	// result fails.
	exp := f.newAction(t, f.org.ID, a.id)
	f.clock.Advance(3 * time.Hour)
	f.endpoints.ExpireActions(f.ctx)
	got, _ := f.endpoints.GetAction(f.ctx, f.org.ID, a.id, exp.ID)
	if got.State != store.AgentActionExpired {
		t.Fatalf("after expiry: %+v", got)
	}
	if l := decode[wire.ActionList](t, a.call(t, "GET", wire.PathActions, nil)); len(l.Actions) != 0 {
		t.Fatalf("an expired action was delivered: %+v", l)
	}
}

func TestAgentTelemetry(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass)
	a := f.newEndpoint(t, f.org.ID)

	// Heartbeat metrics become the resource history once flushed.
	now := f.clock.Now()
	hb := wire.Heartbeat{AgentVersion: "0.9.0", Metrics: []wire.Metrics{
		{At: now.Add(-3 * time.Minute), CPUPercent: 10, MemUsedBytes: 1 << 30, MemTotalBytes: 4 << 30},
		{At: now.Add(-2 * time.Minute), CPUPercent: 30, MemUsedBytes: 2 << 30, MemTotalBytes: 4 << 30}}}
	wantStatus(t, a.call(t, "POST", wire.PathHeartbeat, hb), http.StatusOK)
	if err := f.endpoints.Flush(f.ctx, true); err != nil {
		t.Fatal(err)
	}
	m := decode[struct {
		Points []struct {
			CPU float64 `json:"cpu_percent"`
		} `json:"points"`
	}](t, f.get(t, "/api/v1/endpoints/"+a.id+"/metrics?from=now-1h", admin.AccessToken))
	if len(m.Points) != 2 || m.Points[0].CPU != 10 || m.Points[1].CPU != 30 {
		t.Fatalf("metrics: %+v", m)
	}

	// Inventory.
	inv := wire.Inventory{CollectedAt: now, Facts: hostFacts("web-01-renamed"), Hardware: wire.Hardware{CPUModel: "Xeon", CPUCores: 8},
		Processes: []wire.Process{{PID: 1, Name: "systemd"}, {PID: 812, Name: "sshd", CmdLine: "/usr/sbin/sshd -D", User: "root"}},
		Listening: []wire.ListeningPort{{Protocol: "tcp", Address: "0.0.0.0", Port: 22, PID: 812, Process: "sshd"}},
		Software:  []wire.Package{{Name: "openssl", Version: "3.0.11-1~deb12u2", Source: "dpkg"}, {Name: "bash", Version: "5.2.15-2", Source: "dpkg"}}}
	wantStatus(t, a.call(t, "POST", wire.PathInventory, inv), http.StatusNoContent)
	for _, p := range []string{"/api/v1/endpoints/" + a.id + "/inventory", "/inventory/" + a.id} {
		got := decode[struct {
			Inventory wire.Inventory `json:"inventory"`
		}](t, f.get(t, p, admin.AccessToken))
		if got.Inventory.Hardware.CPUCores != 8 || len(got.Inventory.Software) != 2 {
			t.Fatalf("%s: %+v", p, got)
		}
	}
	procs := decode[list[wire.Process]](t, f.get(t, "/api/v1/endpoints/"+a.id+"/processes?q=SSHD", admin.AccessToken))
	if procs.Total != 1 || procs.Items[0].PID != 812 {
		t.Fatalf("processes: %+v", procs)
	}
	sw := decode[list[wire.Package]](t, f.get(t, "/api/v1/endpoints/"+a.id+"/software?q=ssl", admin.AccessToken))
	if sw.Total != 1 || sw.Items[0].Name != "openssl" {
		t.Fatalf("software: %+v", sw)
	}
	if ep := decode[struct {
		Hostname string `json:"hostname"`
	}](t, f.get(t, "/api/v1/endpoints/"+a.id, admin.AccessToken)); ep.Hostname != "web-01-renamed" {
		t.Fatalf("facts not refreshed: %+v", ep)
	}
	vul := decode[struct {
		Available bool `json:"available"`
	}](t, f.get(t, "/api/v1/endpoints/"+a.id+"/vulnerabilities", admin.AccessToken))
	if vul.Available {
		t.Fatal("vulnerabilities available without a matcher")
	}

	// SCA.
	rep := wire.SCAReport{PolicyID: "eventsec-linux-baseline", PolicyName: "Linux baseline", FinishedAt: now, Score: 50, Passed: 1, Failed: 1,
		Checks: []wire.SCACheck{{ID: "ssh-root", Title: "SSH root login disabled", Status: "fail", Reason: "PermitRootLogin yes"},
			{ID: "shadow-perms", Title: "/etc/shadow is 0640", Status: "pass"}}}
	wantStatus(t, a.call(t, "POST", wire.PathSCA, rep), http.StatusNoContent)
	sca := decode[struct {
		Policies []struct {
			Score  float64         `json:"score"`
			Checks []wire.SCACheck `json:"checks"`
		} `json:"policies"`
		History []any `json:"history"`
	}](t, f.get(t, "/sca/"+a.id, admin.AccessToken))
	if len(sca.Policies) != 1 || sca.Policies[0].Score != 50 || len(sca.Policies[0].Checks) != 2 || len(sca.History) != 1 {
		t.Fatalf("sca: %+v", sca)
	}

	// Events: a log line, a FIM change, a journal entry; a replay is
	// stored once.
	batch := wire.EventBatch{BatchID: "batch-1", Events: []wire.Event{
		{ID: "auth.log:100", Time: now, Kind: endpoint.KindLog, Raw: "Nov 23 10:00:00 web-01-renamed sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 52100 ssh2",
			Fields: json.RawMessage(`{"log":{"file":{"path":"/var/log/auth.log"}}}`)},
		{ID: "fim:1", Time: now, Kind: endpoint.KindFIM, Fields: json.RawMessage(`{"action":"modified","path":"/etc/passwd","old_sha256":"aa","new_sha256":"bb","new_size":1234,"mode":"0644"}`)},
		{ID: "journal:cursor-1", Time: now, Kind: endpoint.KindJournal, Fields: json.RawMessage(`{"MESSAGE":"Started Session 7 of User root.","SYSLOG_IDENTIFIER":"systemd","_PID":"1","PRIORITY":"6","_SYSTEMD_UNIT":"session-7.scope"}`)},
	}}
	r := a.call(t, "POST", wire.PathEvents, batch)
	wantStatus(t, r, http.StatusOK)
	if res := decode[wire.EventBatchResponse](t, r); res.Accepted != 3 || res.Duplicate {
		t.Fatalf("events: %s", r)
	}
	r = a.call(t, "POST", wire.PathEvents, batch)
	if res := decode[wire.EventBatchResponse](t, r); res.Accepted != 3 || !res.Duplicate {
		t.Fatalf("replay: %s", r)
	}
	page, err := f.events.Search(f.ctx, f.org.ID, eventstore.Query{Text: `agent.id:"` + a.id + `"`})
	if err != nil || page.Total != 3 {
		t.Fatalf("stored: %v %d", err, page.Total)
	}
	for _, ev := range page.Events {
		if ev.Fields.Str("host.name") != "web-01-renamed" || ev.Fields.Str("host.os.type") != "linux" || ev.Input != "agent" {
			t.Errorf("event without the agent's host: %v", ev.Fields)
		}
	}
	fim := decode[struct {
		Items []struct {
			Fields map[string]any `json:"fields"`
		} `json:"items"`
	}](t, f.get(t, "/api/v1/endpoints/"+a.id+"/fim", admin.AccessToken))
	if len(fim.Items) != 1 {
		t.Fatalf("fim: %+v", fim)
	}
	auth := decode[struct {
		Total int `json:"total"`
	}](t, f.get(t, `/api/v1/events?query=`+strings.ReplaceAll(`event.dataset:"linux.auth" AND source.ip:"203.0.113.9"`, " ", "+"), admin.AccessToken))
	if auth.Total != 1 {
		t.Fatalf("the auth line was not parsed: %+v", auth)
	}
}

func TestEndpointSettingsAndBlockList(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass)
	f.newUser(t, "senior@a.test", auth.RoleSeniorAnalyst)
	senior := f.login(t, "senior@a.test", userPass)
	a := f.newEndpoint(t, f.org.ID)

	cur := decode[struct {
		Version  int64             `json:"version"`
		Settings endpoint.Settings `json:"settings"`
	}](t, f.get(t, "/api/v1/endpoints/config", admin.AccessToken))
	st := cur.Settings
	st.CommandAllowList = append(st.CommandAllowList, "/usr/bin/journalctl")
	st.HeartbeatSeconds = 60
	wantError(t, f.send(t, "PUT", "/api/v1/endpoints/config", senior.AccessToken, st), http.StatusForbidden, "forbidden", "")
	bad := st
	bad.CollectPaths = []string{"relative/path"}
	wantError(t, f.send(t, "PUT", "/api/v1/endpoints/config", admin.AccessToken, bad), http.StatusBadRequest, "validation_failed", "collect_paths[0]")
	r := f.send(t, "PUT", "/api/v1/endpoints/config", admin.AccessToken, st)
	wantStatus(t, r, http.StatusOK)
	v1 := decode[struct {
		Version int64 `json:"version"`
	}](t, r).Version
	if hb := decode[wire.HeartbeatResponse](t, a.call(t, "POST", wire.PathHeartbeat, wire.Heartbeat{})); hb.ConfigVersion != v1 || v1 <= cur.Version {
		t.Fatalf("heartbeat config version %d, settings %d (was %d)", hb.ConfigVersion, v1, cur.Version)
	}

	r = f.send(t, "POST", "/api/v1/blocklist", senior.AccessToken, map[string]any{"kind": "ip", "value": "203.0.113.0/24", "reason": "C2 range"})
	wantStatus(t, r, http.StatusCreated)
	blk := decode[struct {
		ID string `json:"id"`
	}](t, r)
	wantError(t, f.send(t, "POST", "/api/v1/blocklist", senior.AccessToken, map[string]any{"kind": "ip", "value": "203.0.113.7/24", "reason": "dup"}),
		http.StatusConflict, "conflict", "")
	wantError(t, f.send(t, "POST", "/api/v1/blocklist", senior.AccessToken, map[string]any{"kind": "ip", "value": "0.0.0.0/0", "reason": "x"}),
		http.StatusBadRequest, "validation_failed", "value")
	wantStatus(t, f.send(t, "POST", "/api/v1/blocklist", senior.AccessToken, map[string]any{"kind": "url", "value": "https://Evil.Example/login", "reason": "phish"}), http.StatusCreated)
	wantStatus(t, f.send(t, "POST", "/api/v1/blocklist", senior.AccessToken, map[string]any{"kind": "email", "value": "@evil.example", "reason": "phish"}), http.StatusCreated)
	cfg := decode[wire.Config](t, f.do(t, request{Method: "GET", Path: wire.PathConfig, Token: a.token, Header: map[string]string{wire.HeaderProtocol: wire.Version}}))
	if cfg.Version <= v1 || cfg.HeartbeatSeconds != 60 || len(cfg.BlockList.IPs) != 1 || cfg.BlockList.IPs[0] != "203.0.113.0/24" ||
		len(cfg.BlockList.Domains) != 1 || cfg.BlockList.Domains[0] != "evil.example" {
		t.Fatalf("agent config: %+v", cfg)
	}
	// run_command accepts what the new allow-list names.
	wantStatus(t, f.send(t, "POST", "/api/v1/endpoints/"+a.id+"/actions", senior.AccessToken,
		map[string]any{"type": "run_command", "params": map[string]any{"argv": []string{"/usr/bin/journalctl", "-n", "50"}}, "reason": "triage"}), http.StatusCreated)
	wantStatus(t, f.send(t, "DELETE", "/api/v1/blocklist/"+blk.ID, senior.AccessToken, nil), http.StatusNoContent)
	if l := decode[list[any]](t, f.get(t, "/api/v1/blocklist", admin.AccessToken)); len(l.Items) != 2 {
		t.Fatalf("block list: %+v", l)
	}
}

func TestEndpointListAndDownloads(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass)
	f.newUser(t, "viewer@a.test", auth.RoleViewer)
	viewer := f.login(t, "viewer@a.test", userPass)
	on := f.newEndpoint(t, f.org.ID)
	off := f.newEndpoint(t, f.org.ID)
	wantStatus(t, on.call(t, "POST", wire.PathHeartbeat, wire.Heartbeat{}), http.StatusOK)

	r := f.send(t, "PATCH", "/api/v1/endpoints/"+off.id, admin.AccessToken, map[string]any{"owner": "Ana García", "location": "Madrid DC", "group": "servers", "tags": []string{"prod"}})
	wantStatus(t, r, http.StatusOK)
	wantError(t, f.send(t, "PATCH", "/api/v1/endpoints/"+off.id, viewer.AccessToken, map[string]any{"owner": "x"}), http.StatusForbidden, "forbidden", "")
	type page struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Owner  string `json:"owner"`
		} `json:"items"`
		Total  int `json:"total"`
		Counts struct {
			Online  int `json:"online"`
			Offline int `json:"offline"`
		} `json:"counts"`
	}
	all := decode[page](t, f.get(t, "/api/v1/endpoints", viewer.AccessToken))
	if all.Total != 2 || all.Counts.Online != 1 || all.Counts.Offline != 1 {
		t.Fatalf("list: %+v", all)
	}
	online := decode[page](t, f.get(t, "/api/v1/endpoints?status=online", viewer.AccessToken))
	if online.Total != 1 || online.Items[0].ID != on.id || online.Items[0].Status != "online" {
		t.Fatalf("online: %+v", online)
	}
	grp := decode[page](t, f.get(t, "/api/v1/endpoints?group=servers&q=madrid", viewer.AccessToken))
	if grp.Total != 1 || grp.Items[0].Owner != "Ana García" {
		t.Fatalf("group: %+v", grp)
	}
	wantError(t, f.get(t, "/api/v1/endpoints?status=sleeping", viewer.AccessToken), http.StatusBadRequest, "validation_failed", "status")
	if es := f.auditEntries(t, f.org.ID, auditFilter("endpoint.update", off.id)); len(es) != 1 || !strings.Contains(es[0].Summary, "Madrid DC") {
		t.Fatalf("update audit: %+v", es)
	}

	// Downloads: a clear 404 until the binary is there.
	r = f.get(t, "/api/v1/agents/download/linux-amd64", "")
	wantError(t, r, http.StatusNotFound, "agent_not_built", "")
	if !strings.Contains(decode[apiError](t, r).Error.Message, "make agents") {
		t.Errorf("404 message: %s", r)
	}
	bin := []byte("\x7fELF fake agent for the download test")
	if err := os.WriteFile(filepath.Join(f.endpointsAgentsDir(t), "eventsec-agent-linux-amd64"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	r = f.get(t, "/api/v1/agents/download/linux-amd64", "")
	wantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, bin) || !strings.Contains(r.Header.Get("Content-Disposition"), "eventsec-agent") {
		t.Fatalf("download: %s", r)
	}
	dl := decode[list[struct {
		Platform  string `json:"platform"`
		Available bool   `json:"available"`
		SHA256    string `json:"sha256"`
	}]](t, f.get(t, "/api/v1/agents/downloads", viewer.AccessToken))
	sum := sha256.Sum256(bin)
	if len(dl.Items) != len(endpoint.Platforms) || !dl.Items[0].Available || dl.Items[0].SHA256 != hex.EncodeToString(sum[:]) || dl.Items[2].Available {
		t.Fatalf("downloads: %+v", dl)
	}
	wantError(t, f.get(t, "/api/v1/agents/download/plan9-mips", ""), http.StatusNotFound, "agent_not_built", "")
}

// endpointsAgentsDir is the agents directory of the fixture's service.
func (f *fixture) endpointsAgentsDir(t *testing.T) string {
	t.Helper()
	return f.endpoints.AgentsDir()
}

// endpointParams fills the path parameters of the endpoint routes for the
// route walk (TestRoutePermissionWalk) with fresh records of org A; it
// reports whether the route was one of them.
func (f *fixture) endpointParams(t *testing.T, path string, params map[string]string) bool {
	t.Helper()
	switch {
	case strings.HasPrefix(path, "/api/v1/endpoints/{id}"), strings.HasPrefix(path, "/inventory/"), strings.HasPrefix(path, "/sca/"):
		ag := f.newEndpoint(t, f.org.ID)
		params["id"], params["agent_id"] = ag.id, ag.id
		if strings.Contains(path, "{action_id}") {
			params["action_id"] = f.newAction(t, f.org.ID, ag.id).ID
		}
	case strings.HasPrefix(path, "/api/v1/enrollment-keys/{id}"):
		k, _ := f.enrollmentKey(t, f.org.ID)
		params["id"] = k.ID
	case strings.HasPrefix(path, "/api/v1/blocklist/{id}"):
		params["id"] = f.newBlock(t, f.org.ID).ID
	default:
		return false
	}
	return true
}

// endpointTenantCases creates org B's endpoint records and returns, for
// TestTenantIsolation, B's IDs by route and the bodies of the routes that
// need one.
func (f *fixture) endpointTenantCases(t *testing.T, orgB string) (map[string][]string, map[string]any) {
	t.Helper()
	ag := f.newEndpoint(t, orgB)
	f.newAction(t, orgB, ag.id)
	key, _ := f.enrollmentKey(t, orgB)
	blk := f.newBlock(t, orgB)
	ids := map[string][]string{"/api/v1/enrollment-keys/{id}": {key.ID}, "/api/v1/blocklist/{id}": {blk.ID}}
	for _, rt := range f.srv.Routes() {
		// (The tenant test fills {id} only: {agent_id} and {action_id}
		// stay literal there; TestAgentIsolation covers those paths.)
		if strings.HasPrefix(rt.Path, "/api/v1/endpoints/{id}") || strings.Contains(rt.Path, "{agent_id}") {
			ids[rt.Path] = []string{ag.id}
		}
	}
	bodies := map[string]any{
		"PATCH /api/v1/endpoints/{id}":        map[string]any{"owner": "pwned"},
		"POST /api/v1/endpoints/{id}/actions": map[string]any{"type": "isolate", "reason": "pwned"},
	}
	return ids, bodies
}
