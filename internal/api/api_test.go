package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/endpoint"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/hunt"
	"github.com/eventsec/eventsec/internal/incident"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/file"
	"github.com/eventsec/eventsec/internal/ingest/httpjson"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/notify"
	"github.com/eventsec/eventsec/internal/sandbox/lab"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/eventsec/eventsec/internal/api"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqldb"
	"github.com/eventsec/eventsec/internal/store/sqlite"
	"github.com/eventsec/eventsec/internal/vuln/vulnsvc"
)

// Passwords of the test accounts. They meet the policy and contain none of
// the e-mail names used below.
const (
	adminEmail = "admin@a.test"
	adminPass  = "Bootstrap-Passw0rd!"
	userPass   = "Quiet-Harbor-71-Lamp"
	otherPass  = "Velvet-Comet-38-Rain"
)

// clock is real time plus an offset the test can move forward, shared by
// the auth service and the API so that expiry and lockouts can be tested
// without sleeping.
type clock struct {
	mu  sync.Mutex // guards off
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// fixture is a real server: SQLite in a temp dir, the auth service, the API
// behind httptest, and a bootstrapped org whose admin is platform admin.
type fixture struct {
	ctx    context.Context
	st     *sqldb.DB
	svc    *auth.Service
	signer *auth.Signer
	key    []byte
	srv    *api.Server
	ts     *httptest.Server
	clock  *clock
	org    store.Org
	admin  store.User // the bootstrap admin (platform admin)
	events *duckdb.Store
	pipe   *ingest.Pipeline
	hub    *live.Hub
	det    *detect.Service
	// endpoints is the endpoint service (agents), with the agent channel mounted.
	endpoints *endpoint.Service
	inc       *incident.Service
	seq       atomic.Int64
	// vulns is the vulnerability service, also the endpoint service's matcher.
	vulns *vulnsvc.Service
	// walkCase are case records the route walk shares.
	walkCase *caseRecords
	// sandbox is the sandbox service, its workers running.
	sandbox *lab.Service
}

type fixtureConfig struct {
	auth func(*auth.Options)
	api  func(*api.Options)
}

func newFixture(t *testing.T, cfg ...fixtureConfig) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := []byte("0123456789abcdef0123456789abcdef-test-key")
	signer, err := auth.NewSigner(key, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	ao := auth.Options{Store: st, Signer: signer, Now: clk.Now, LoginRatePerIP: rate.Inf, LoginBurstPerIP: 1}
	po := api.Options{Store: st, Now: clk.Now, Version: "test"}
	for _, c := range cfg {
		if c.auth != nil {
			c.auth(&ao)
		}
		if c.api != nil {
			c.api(&po)
		}
	}
	svc := auth.NewService(ao)
	po.Auth = svc
	out, created, err := svc.Bootstrap(ctx, "Org A", adminEmail, adminPass)
	if err != nil || !created {
		t.Fatalf("bootstrap: created=%v err=%v", created, err)
	}
	// The real event side: a DuckDB event store, the ingest pipeline and
	// its HTTP handler, and the live hub.
	events, err := duckdb.Open(ctx, duckdb.Options{Dir: filepath.Join(t.TempDir(), "events")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	hub := live.NewHub(nil)
	norm := normalize.New(normalize.Options{})
	det, err := detect.New(ctx, detect.Options{Store: st, Events: events, Hub: hub, Normalizer: norm, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	detCtx, stopDet := context.WithCancel(context.Background())
	detDone := make(chan struct{})
	go func() { defer close(detDone); det.Run(detCtx) }()
	t.Cleanup(func() { stopDet(); <-detDone })
	intelSvc := newIntelService(t, st, events, hub)
	pipe, err := ingest.New(ingest.Options{Sink: events, Normalizer: norm, Enricher: intelSvc, Publisher: intelPublisher{hubPublisher{hub, det}, intelSvc}})
	if err != nil {
		t.Fatal(err)
	}
	intake, err := httpjson.New(httpjson.Options{Pipeline: pipe})
	if err != nil {
		t.Fatal(err)
	}
	if po.Events == nil {
		po.Events = events
	}
	if po.Intake == nil {
		po.Intake = intake
	}
	if po.Hub == nil {
		po.Hub = hub
	}
	if po.Detect == nil {
		po.Detect = det
	}
	if po.Hunt == nil {
		po.Hunt = hunt.New(hunt.Options{Store: st, Events: events, Now: clk.Now})
	}
	if po.Intel == nil {
		po.Intel = intelSvc
	}
	if po.Incidents == nil {
		po.Incidents = incident.New(incident.Options{Store: st, Hub: hub, Now: clk.Now, BlobDir: filepath.Join(t.TempDir(), "blobs")})
	}
	if po.Notify == nil {
		d, err := notify.NewDispatcher(notify.Options{Store: st.Notify(), Clock: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		po.Notify = d
	}
	if po.Importer == nil {
		po.Importer = func(ctx context.Context, paths []string, orgID string, format normalize.Format, oldBefore time.Time) (file.Summary, error) {
			return file.Import(ctx, paths, file.Options{Pipeline: pipe, OrgID: orgID, Format: format, OldBefore: oldBefore})
		}
	}
	vulns := withVulns(t, &po, st)
	endpoints := withEndpoints(t, &po, st, events, pipe, hub, clk.Now)
	if po.Sandbox == nil {
		po.Sandbox = newSandboxService(t, st, events, hub)
	}
	withEmail(t, &po, st, pipe)
	srv := api.New(po)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &fixture{ctx: ctx, st: st, svc: svc, signer: signer, key: key, srv: srv, ts: ts, clock: clk, org: out.Org, admin: out.Admin,
		events: events, pipe: pipe, hub: hub, det: det, endpoints: endpoints, inc: po.Incidents, sandbox: po.Sandbox, vulns: vulns}
}

type hubPublisher struct {
	h *live.Hub
	d *detect.Service
}

func (p hubPublisher) Publish(stored []event.Event) {
	p.h.PublishEvents(stored)
	p.d.Publish(stored)
}

// ingestFor stores events for an org through the real pipeline and returns
// their IDs.
func (f *fixture) ingestFor(t *testing.T, orgID string, lines ...string) []string {
	t.Helper()
	evs := make([]event.Event, 0, len(lines))
	n := normalize.New(normalize.Options{})
	for _, l := range lines {
		evs = append(evs, n.Normalize(normalize.Input{OrgID: orgID, Input: "test", Received: time.Now(), Raw: []byte(l)}))
	}
	res, err := f.pipe.Submit(f.ctx, evs, "test")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(evs))
	for _, ev := range evs {
		ids = append(ids, ev.ID)
	}
	if res.Stored+res.Duplicates != len(evs) {
		t.Fatalf("ingest: %+v", res)
	}
	return ids
}

// request is one HTTP call to the fixture's server.
type request struct {
	Method, Path string
	// Body is sent as is when a string or []byte, JSON-encoded otherwise;
	// nil sends no body.
	Body any
	// CT is the Content-Type; application/json when a body is set and CT is "".
	CT      string
	Token   string // sent as "Authorization: Bearer <Token>"
	Header  map[string]string
	Cookies []*http.Cookie
	// Want5xx marks a call whose server error is expected (readiness).
	Want5xx bool
}

type response struct {
	Status  int
	Header  http.Header
	Body    []byte
	Cookies []*http.Cookie
}

// code is the error code of the body, "" when it is no error body.
func (r response) code() string {
	var e apiError
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.Status, bytes.TrimSpace(r.Body)) }

// do sends the request. Every response must carry X-Request-ID and none may
// be a 5xx: both are checked here, for every call of every test.
func (f *fixture) do(t *testing.T, rq request) response {
	t.Helper()
	var body io.Reader
	switch b := rq.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(f.ctx, rq.Method, f.ts.URL+rq.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	if rq.Body != nil {
		ct := rq.CT
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if rq.Token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.Token)
	}
	for k, v := range rq.Header {
		req.Header.Set(k, v)
	}
	for _, c := range rq.Cookies {
		req.AddCookie(c)
	}
	res, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.Method, rq.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", rq.Method, rq.Path, err)
	}
	out := response{Status: res.StatusCode, Header: res.Header, Body: raw, Cookies: res.Cookies()}
	if res.StatusCode >= 500 && !rq.Want5xx {
		t.Errorf("%s %s: server error %s", rq.Method, rq.Path, out)
	}
	if res.Header.Get("X-Request-ID") == "" {
		t.Errorf("%s %s: no X-Request-ID in the response", rq.Method, rq.Path)
	}
	return out
}

func (f *fixture) get(t *testing.T, path, token string) response {
	t.Helper()
	return f.do(t, request{Method: "GET", Path: path, Token: token})
}

func (f *fixture) send(t *testing.T, method, path, token string, body any) response {
	t.Helper()
	return f.do(t, request{Method: method, Path: path, Token: token, Body: body})
}

// decode unmarshals a response body that must be JSON.
func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("response is not the expected JSON (%v): %s", err, r)
	}
	return v
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// wantError checks an error response's status, code and field.
func wantError(t *testing.T, r response, status int, code, field string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %d, want %d (%s)", r.Status, status, r)
		return
	}
	var e apiError
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Errorf("error body is not JSON: %s", r)
		return
	}
	if e.Error.Code != code || e.Error.Field != field {
		t.Errorf("error = {code %q, field %q}, want {code %q, field %q} (%s)", e.Error.Code, e.Error.Field, code, field, r)
	}
	if e.Error.Message == "" {
		t.Errorf("error without a message: %s", r)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q", ct)
	}
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d (%s)", r.Status, status, r)
	}
}

type userJSON struct {
	ID            string `json:"id"`
	OrgID         string `json:"org_id"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	Role          string `json:"role"`
	Team          string `json:"team"`
	MobilePhone   string `json:"mobile_phone"`
	Disabled      bool   `json:"disabled"`
	PlatformAdmin bool   `json:"platform_admin"`
	Locked        bool   `json:"locked"`
}

type meJSON struct {
	userJSON
	Permissions []string `json:"permissions"`
	AuthMethod  string   `json:"auth_method"`
}

type session struct {
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	TokenType    string   `json:"token_type"`
	ExpiresIn    int      `json:"expires_in"`
	CSRFToken    string   `json:"csrf_token"`
	User         userJSON `json:"user"`
	cookies      []*http.Cookie
}

type keyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedBy  string     `json:"created_by"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Key        string     `json:"key"`
}

type groupJSON struct {
	ID      string `json:"id"`
	OrgID   string `json:"org_id"`
	Name    string `json:"name"`
	Members []struct {
		ID string `json:"id"`
	} `json:"members"`
}

type auditJSON struct {
	Seq        int64     `json:"seq"`
	Time       time.Time `json:"time"`
	ActorID    string    `json:"actor_id"`
	ActorEmail string    `json:"actor_email"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	Summary    string    `json:"summary"`
	IP         string    `json:"ip"`
	RequestID  string    `json:"request_id"`
}

type auditPage struct {
	Items      []auditJSON `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

type list[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

// login signs in through the API and fails the test unless it works.
func (f *fixture) login(t *testing.T, email, password string) session {
	t.Helper()
	r := f.send(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
	wantStatus(t, r, http.StatusOK)
	s := decode[session](t, r)
	s.cookies = r.Cookies
	if s.AccessToken == "" || s.RefreshToken == "" || s.TokenType != "Bearer" {
		t.Fatalf("login answered an incomplete session: %s", r)
	}
	return s
}

func (f *fixture) refresh(t *testing.T, token string) response {
	t.Helper()
	return f.send(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": token})
}

// system is the actor the tests use to set up records without the API.
func (f *fixture) system(orgID string) auth.Actor { return auth.SystemActor(orgID, "test-setup") }

// newUser creates a user in org A with userPass (one argon2 hash).
func (f *fixture) newUser(t *testing.T, email string, role auth.Role) store.User {
	t.Helper()
	return f.newUserIn(t, f.org.ID, email, role)
}

func (f *fixture) newUserIn(t *testing.T, orgID, email string, role auth.Role) store.User {
	t.Helper()
	u, err := f.svc.CreateUser(f.ctx, f.system(orgID), auth.UserInput{Email: email, Name: "User " + email, Role: string(role), Password: userPass})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// newKey creates an API key in org A and returns it with its secret.
func (f *fixture) newKey(t *testing.T, role auth.Role, days int) (store.APIKey, string) {
	t.Helper()
	k, secret, err := f.svc.CreateAPIKey(f.ctx, f.system(f.org.ID), fmt.Sprintf("key-%s-%d", role, f.seq.Add(1)), string(role), days)
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

func (f *fixture) newGroup(t *testing.T, orgID string, members ...string) store.Group {
	t.Helper()
	g, err := f.svc.CreateGroup(f.ctx, f.system(orgID), auth.GroupInput{Name: fmt.Sprintf("group-%d", f.seq.Add(1)), MemberIDs: members})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (f *fixture) user(t *testing.T, orgID, id string) store.User {
	t.Helper()
	u, err := f.st.Users().Get(f.ctx, orgID, id)
	if err != nil {
		t.Fatalf("get user %s: %v", id, err)
	}
	return u
}

func (f *fixture) auditHead(t *testing.T, orgID string) int64 {
	t.Helper()
	seq, _, err := f.st.Audit().Head(f.ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// auditEntries reads the org's whole audit log through the store.
func (f *fixture) auditEntries(t *testing.T, orgID string, filter store.AuditFilter) []store.AuditEntry {
	t.Helper()
	filter.Limit = 500
	es, err := f.st.Audit().List(f.ctx, orgID, filter)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// auditFilter selects one action on one target.
func auditFilter(action, targetID string) store.AuditFilter {
	return store.AuditFilter{Action: action, TargetID: targetID}
}

// TestRoutePermissionWalk calls every route of the table as every kind of
// caller and checks that the permission table alone decides who gets in.
func TestRoutePermissionWalk(t *testing.T) {
	f := newFixture(t)
	routes := f.srv.Routes()
	if len(routes) == 0 {
		t.Fatal("no routes")
	}

	// Every permission a route names must be one the table knows, and admin
	// must hold it (PermPlatform aside): a new route with a new permission
	// fails here until the table grants it.
	known := map[auth.Permission]bool{auth.PermPlatform: true}
	for _, r := range auth.APIKeyRoles {
		for _, p := range auth.RolePermissions(r) {
			known[p] = true
		}
	}
	for _, rt := range routes {
		if rt.Perm == "" {
			continue
		}
		if !known[rt.Perm] {
			t.Errorf("%s %s needs permission %q, which no role holds", rt.Method, rt.Path, rt.Perm)
		}
		if rt.Perm != auth.PermPlatform && !auth.Can(auth.RoleAdmin, false, rt.Perm) {
			t.Errorf("%s %s needs permission %q, which admin lacks", rt.Method, rt.Path, rt.Perm)
		}
	}

	type principal struct {
		name     string
		token    string
		role     auth.Role
		platform bool
		apiKey   bool
	}
	principals := []principal{{name: "anonymous"}}
	pa := f.login(t, adminEmail, adminPass)
	principals = append(principals, principal{name: "platform-admin", token: pa.AccessToken, role: auth.RoleAdmin, platform: true})
	for _, role := range auth.Roles {
		email := string(role) + ".user@a.test"
		f.newUser(t, email, role)
		s := f.login(t, email, userPass)
		principals = append(principals, principal{name: string(role), token: s.AccessToken, role: role})
	}
	for _, role := range auth.APIKeyRoles {
		_, secret := f.newKey(t, role, 0)
		principals = append(principals, principal{name: "key-" + string(role), token: secret, role: role, apiKey: true})
	}
	target := f.newUser(t, "target@a.test", auth.RoleAnalyst)

	// Routes that act on "my" user record refuse API keys, which have none.
	userOnly := map[string]bool{"PATCH /api/v1/me": true, "POST /api/v1/me/password": true}

	eventID := f.ingestFor(t, f.org.ID, `{"message":"walk event"}`)[0]

	// pathFor fills the route's parameters with records of org A that the
	// call may change or delete without disturbing the rest of the walk.
	pathFor := func(t *testing.T, rt api.RouteInfo, allowed bool) string {
		t.Helper()
		params := map[string]string{}
		switch {
		case strings.HasPrefix(rt.Path, "/api/v1/users/{id}"):
			params["id"] = target.ID
			if rt.Method == "DELETE" && allowed {
				params["id"] = f.newUser(t, fmt.Sprintf("victim%d@a.test", f.seq.Add(1)), auth.RoleViewer).ID
			}
		case strings.HasPrefix(rt.Path, "/api/v1/groups/{id}/members/{user_id}"):
			var g store.Group
			if rt.Method == "DELETE" {
				g = f.newGroup(t, f.org.ID, target.ID)
			} else {
				g = f.newGroup(t, f.org.ID)
			}
			params["id"], params["user_id"] = g.ID, target.ID
		case strings.HasPrefix(rt.Path, "/api/v1/groups/{id}"):
			params["id"] = f.newGroup(t, f.org.ID).ID
		case strings.HasPrefix(rt.Path, "/api/v1/api-keys/{id}"):
			k, _ := f.newKey(t, auth.RoleViewer, 0)
			params["id"] = k.ID
		case strings.HasSuffix(rt.Path, "events/{id}"):
			params["id"] = eventID
		case strings.HasPrefix(rt.Path, "/api/v1/rules/{id}"), strings.HasPrefix(rt.Path, "/api/alerts/rules/{id}"):
			params["id"] = f.newRule(t, f.org.ID).ID
			if strings.HasSuffix(rt.Path, "{exception_id}") {
				params["exception_id"] = f.newException(t, f.org.ID, params["id"]).ID
			}
		case strings.HasPrefix(rt.Path, "/api/v1/search/kql/saved/{id}"):
			params["id"] = f.newSavedQuery(t, f.org.ID).ID
		case strings.HasPrefix(rt.Path, "/api/v1/events/saved/{id}"):
			params["id"] = f.newSavedSearch(t, f.org.ID).ID
		case strings.HasPrefix(rt.Path, "/api/v1/retrohunts/{id}"):
			params["id"] = f.newRetroHunt(t, f.org.ID).ID
		case strings.HasPrefix(rt.Path, "/api/v1/alerts/{id}"):
			params["id"] = f.newAlert(t, f.org.ID).ID
		case f.endpointParams(t, rt.Path, params):
		case f.vulnParams(t, rt.Path, params):
		case f.incidentParams(t, rt.Method, rt.Path, allowed, params):
		case f.intelParams(t, rt.Path, params):
		case f.sandboxParams(t, rt.Path, params):
		case f.emailParams(t, rt.Path, params):
		}
		p := regexp.MustCompile(`\{([a-z_]+)\}`).ReplaceAllStringFunc(rt.Path, func(m string) string {
			v, ok := params[strings.Trim(m, "{}")]
			if !ok {
				t.Fatalf("the walk does not know how to fill %s in %s %s: teach pathFor", m, rt.Method, rt.Path)
			}
			return v
		})
		return p
	}

	for _, rt := range routes {
		for _, p := range principals {
			t.Run(rt.Method+" "+rt.Path+" as "+p.name, func(t *testing.T) {
				allowed := rt.Perm == "" || (p.token != "" && auth.Can(p.role, p.platform, rt.Perm))
				rq := request{Method: rt.Method, Path: pathFor(t, rt, allowed), Token: p.token}
				if rt.Method == "POST" || rt.Method == "PATCH" || rt.Method == "PUT" {
					rq.Body = "{}"
				}
				r := f.do(t, rq)
				switch {
				case rt.Perm == "":
					// Public: bad input may be refused, missing credentials may not.
					if r.Status == http.StatusForbidden || r.code() == "unauthenticated" {
						t.Errorf("public route refused the caller: %s", r)
					}
				case p.token == "":
					wantError(t, r, http.StatusUnauthorized, "unauthenticated", "")
					if r.Header.Get("WWW-Authenticate") == "" {
						t.Error("401 without WWW-Authenticate")
					}
				case !allowed:
					wantError(t, r, http.StatusForbidden, "forbidden", "")
					if msg := decode[apiError](t, r).Error.Message; !strings.Contains(msg, string(rt.Perm)) {
						t.Errorf("403 message %q does not name the permission %s", msg, rt.Perm)
					}
				case p.apiKey && userOnly[rt.Method+" "+rt.Path]:
					wantError(t, r, http.StatusForbidden, "forbidden", "")
				default:
					// not_author: the role may, but this record is someone
					// else's (a war-room note).
					if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden && r.code() != "not_author" {
						t.Errorf("role %s holds %s but was refused: %s", p.role, rt.Perm, r)
					}
				}
			})
		}
	}

	// The walk refused or answered every call without touching the target.
	if got := f.user(t, f.org.ID, target.ID); got.Disabled || got.Role != target.Role || got.PasswordHash != target.PasswordHash {
		t.Errorf("the walk changed the target user: %+v", got)
	}
}

// TestOpenAPIDocumentsEveryRoute checks that the served document is
// OpenAPI 3.1 and lists every route under its method with its permission.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	f := newFixture(t)
	r := f.get(t, "/api/openapi.json", "")
	wantStatus(t, r, http.StatusOK)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
		Comps   struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	// The served document and Document() agree.
	raw, err := json.Marshal(f.srv.Document())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(r.Body), raw) {
		var a, b any
		_ = json.Unmarshal(r.Body, &a)
		_ = json.Unmarshal(raw, &b)
		if !reflect.DeepEqual(a, b) {
			t.Error("/api/openapi.json differs from Document()")
		}
	}
	documented := 0
	for _, rt := range f.srv.Routes() {
		op, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s is not in the OpenAPI document", rt.Method, rt.Path)
			continue
		}
		documented++
		if rt.Perm != "" {
			if op["x-permission"] != string(rt.Perm) {
				t.Errorf("%s %s: x-permission = %v, want %s", rt.Method, rt.Path, op["x-permission"], rt.Perm)
			}
		} else if sec, ok := op["security"].([]any); !ok || len(sec) != 0 {
			t.Errorf("%s %s is public but the document asks for credentials: %v", rt.Method, rt.Path, op["security"])
		}
		if op["operationId"] == "" || op["responses"] == nil {
			t.Errorf("%s %s: incomplete operation %v", rt.Method, rt.Path, op)
		}
		// Every schema an operation references exists.
		opRaw, _ := json.Marshal(op)
		for _, m := range regexp.MustCompile(`#/components/schemas/([A-Za-z]+)`).FindAllStringSubmatch(string(opRaw), -1) {
			if _, ok := doc.Comps.Schemas[m[1]]; !ok {
				t.Errorf("%s %s references missing schema %s", rt.Method, rt.Path, m[1])
			}
		}
	}
	// And nothing stale: every /api/v1 operation is a route.
	routes := map[string]bool{}
	for _, rt := range f.srv.Routes() {
		routes[strings.ToLower(rt.Method)+" "+rt.Path] = true
	}
	for path, ops := range doc.Paths {
		for m := range ops {
			if strings.HasPrefix(path, "/api/") && !routes[m+" "+path] {
				t.Errorf("the document lists %s %s, which is no route", m, path)
			}
		}
	}
	if documented != len(f.srv.Routes()) {
		t.Errorf("documented %d of %d routes", documented, len(f.srv.Routes()))
	}
}

// TestOperationalEndpoints covers health, readiness, metrics, request IDs
// and the JSON 404 for unknown API paths.
func TestOperationalEndpoints(t *testing.T) {
	f := newFixture(t)

	r := f.get(t, "/healthz", "")
	wantStatus(t, r, http.StatusOK)
	if decode[map[string]any](t, r)["status"] != "ok" {
		t.Errorf("healthz: %s", r)
	}
	r = f.get(t, "/readyz", "")
	wantStatus(t, r, http.StatusOK)

	s := f.login(t, adminEmail, adminPass)
	wantStatus(t, f.get(t, "/api/v1/me", s.AccessToken), http.StatusOK)
	wantStatus(t, f.get(t, "/api/v1/users/does-not-exist", s.AccessToken), http.StatusNotFound)
	r = f.get(t, "/metrics", "")
	wantStatus(t, r, http.StatusOK)
	for _, want := range []string{
		`eventsec_http_requests_total{code="200",method="GET",route="/api/v1/me"} 1`,
		`eventsec_http_requests_total{code="200",method="POST",route="/api/v1/auth/login"} 1`,
		// The route label is the pattern, never the raw path.
		`eventsec_http_requests_total{code="404",method="GET",route="/api/v1/users/{id}"} 1`,
		`eventsec_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me",le="+Inf"} 1`,
	} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(r.Body), "does-not-exist") {
		t.Error("a raw path leaked into a metric label")
	}

	t.Run("unknown API path is a JSON 404", func(t *testing.T) {
		for _, p := range []string{"/api/v1/nope", "/api/v2/users", "/api/"} {
			wantError(t, f.get(t, p, ""), http.StatusNotFound, "not_found", "")
		}
		// A known path with a method it does not serve is not the web app either.
		r := f.do(t, request{Method: "DELETE", Path: "/api/v1/me", Token: s.AccessToken})
		if r.Status < 400 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("DELETE /api/v1/me: %s", r)
		}
	})

	t.Run("request ID", func(t *testing.T) {
		seen := map[string]bool{}
		for _, p := range []string{"/healthz", "/metrics", "/api/v1/me", "/api/nope", "/", "/api/openapi.json"} {
			id := f.get(t, p, "").Header.Get("X-Request-ID")
			if id == "" || seen[id] {
				t.Errorf("%s: X-Request-ID %q missing or repeated", p, id)
			}
			seen[id] = true
		}
		// A sane ID from a proxy is kept; a hostile one is replaced.
		r := f.do(t, request{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-ID": "proxy-abc-123"}})
		if got := r.Header.Get("X-Request-ID"); got != "proxy-abc-123" {
			t.Errorf("sane request ID replaced by %q", got)
		}
		r = f.do(t, request{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-ID": strings.Repeat("x", 65)}})
		if got := r.Header.Get("X-Request-ID"); len(got) > 64 || got == "" {
			t.Errorf("over-long request ID kept: %q", got)
		}
	})

	t.Run("security headers", func(t *testing.T) {
		r := f.get(t, "/api/v1/me", s.AccessToken)
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("CSP = %q", r.Header.Get("Content-Security-Policy"))
		}
	})

	t.Run("readyz fails when the store is gone", func(t *testing.T) {
		if err := f.st.Close(); err != nil {
			t.Fatal(err)
		}
		r := f.do(t, request{Method: "GET", Path: "/readyz", Want5xx: true})
		wantStatus(t, r, http.StatusServiceUnavailable)
		body := decode[struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}](t, r)
		if body.Status != "unavailable" || body.Checks["state_store"] != "unreachable" {
			t.Errorf("readyz: %s", r)
		}
		if strings.Contains(string(r.Body), "closed") {
			t.Errorf("readyz leaks the driver's error: %s", r)
		}
		wantStatus(t, f.get(t, "/healthz", ""), http.StatusOK)
	})
}

// sortedIDs is a helper for comparing sets of records.
func sortedIDs[T any](items []T, id func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, id(it))
	}
	slices.Sort(out)
	return out
}

// ruleSource is a valid Sigma rule with the given id.
func ruleSource(id string) string {
	return "title: Walk rule " + id + "\nid: " + id + "\nlevel: medium\nlogsource:\n  product: windows\n  category: process_creation\n" +
		"detection:\n  sel:\n    Image|endswith: '\\\\walk.exe'\n  condition: sel\n"
}

func (f *fixture) newRule(t *testing.T, orgID string) store.Rule {
	t.Helper()
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.seq.Add(1))
	r, err := f.det.Create(f.ctx, detect.Actor{OrgID: orgID, UserID: "system", Email: "test"}, detect.RuleInput{Source: ruleSource(id)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) newException(t *testing.T, orgID, ruleID string) store.RuleException {
	t.Helper()
	x, _, err := f.det.AddException(f.ctx, detect.Actor{OrgID: orgID, UserID: "system", Email: "test"}, ruleID,
		detect.ExceptionInput{Field: "host.name", Operator: "equals", Value: "lab", Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func (f *fixture) newAlert(t *testing.T, orgID string) store.Alert {
	t.Helper()
	now := f.clock.Now()
	a := store.Alert{ID: fmt.Sprintf("alert-%d", f.seq.Add(1)), OrgID: orgID, RuleID: "r", RuleTitle: "R", RuleKind: "detection",
		Severity: "high", Status: store.AlertNew, Title: "Test alert", Count: 1, DedupKey: fmt.Sprintf("k%d", f.seq.Add(1)),
		FirstSeen: now, LastSeen: now, CreatedAt: now, UpdatedAt: now}
	if err := f.st.Alerts().Create(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// caseRecords are one org's case-management records, for isolation tests.
type caseRecords struct {
	incident, alert, observable, task, playbook, note, attachment, workplan, handover, channel, delivery string
}

func (f *fixture) newCaseRecords(t *testing.T, orgID, userID string, alert store.Alert) caseRecords {
	t.Helper()
	a := incident.Actor{OrgID: orgID, UserID: userID, Email: "test@" + orgID, Admin: true}
	d, err := f.inc.CreateIncident(f.ctx, a, incident.IncidentInput{Title: "Case of " + orgID, Severity: "high", AlertIDs: []string{alert.ID}})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := f.inc.AddObservable(f.ctx, a, d.ID, incident.ObservableInput{Type: "ip", Value: "192.0.2.77"})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := f.inc.CreateTask(f.ctx, a, d.ID, "", incident.TaskInput{Title: "Task of " + orgID})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := f.inc.SavePlaybook(f.ctx, a, "", incident.Playbook{Name: "Mine", Steps: []store.PlaybookStep{{Title: "Step"}}})
	if err != nil {
		t.Fatal(err)
	}
	att, err := f.inc.Upload(f.ctx, a, "incident", d.ID, "notes.txt", strings.NewReader("secret notes of "+orgID))
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.inc.AddNote(f.ctx, a, "incident", d.ID, "note of "+orgID, []string{att.ID})
	if err != nil {
		t.Fatal(err)
	}
	title := "Plan of " + orgID
	w, err := f.inc.SaveWorkplan(f.ctx, a, "", incident.WorkplanInput{Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	subject, to := "Handover of "+orgID, []string{"x@example.org"}
	h, err := f.inc.SaveHandover(f.ctx, a, "", incident.HandoverInput{Subject: &subject, Recipients: &to})
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	ch := store.NotifyChannel{ID: fmt.Sprintf("ch-%d", f.seq.Add(1)), OrgID: orgID, Name: fmt.Sprintf("hook %d", f.seq.Add(1)), Kind: "webhook",
		Enabled: true, Config: []byte(`{"url":"http://127.0.0.1:9/hook"}`), CreatedAt: now, UpdatedAt: now}
	if err := f.st.Notify().Create(f.ctx, ch); err != nil {
		t.Fatal(err)
	}
	dl := store.NotifyDelivery{ID: fmt.Sprintf("dl-%d", f.seq.Add(1)), OrgID: orgID, ChannelID: ch.ID, ChannelName: ch.Name, Kind: "webhook",
		Event: "test", Title: "t", Severity: "low", Payload: []byte(`{}`), Status: store.DeliveryFailed, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
	if err := f.st.Notify().CreateDeliveries(f.ctx, []store.NotifyDelivery{dl}); err != nil {
		t.Fatal(err)
	}
	return caseRecords{channel: ch.ID, delivery: dl.ID, incident: d.ID, alert: alert.ID, observable: ob.ID, task: tk.ID, playbook: pb.ID, note: n.ID, attachment: att.ID, workplan: w.ID, handover: h.ID}
}

func (f *fixture) newRetroHunt(t *testing.T, orgID string) detect.RetroHunt {
	t.Helper()
	r := f.newRule(t, orgID)
	j, err := f.det.StartRetroHunt(f.ctx, detect.Actor{OrgID: orgID, UserID: "system", Email: "test"}, r.ID, time.Time{}, time.Time{}, false)
	if err != nil {
		t.Fatal(err)
	}
	// Wait for it to end: only a few may run at once per organisation,
	// and a walk over every route and principal makes many.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cur, err := f.det.RetroHunt(orgID, j.ID); err != nil || cur.FinishedAt != nil {
			return j
		}
	}
	t.Fatalf("retro-hunt %s still running after 30 s", j.ID)
	return j
}

func (f *fixture) newSavedQuery(t *testing.T, orgID string) store.SavedQuery {
	t.Helper()
	now := f.clock.Now()
	q := store.SavedQuery{ID: fmt.Sprintf("sq-%d", f.seq.Add(1)), OrgID: orgID, Name: fmt.Sprintf("Saved %d", f.seq.Add(1)),
		Language: store.LanguageKQL, Query: "events | take 1", Settings: "{}", CreatedBy: "system", CreatedAt: now, UpdatedAt: now}
	if err := f.st.Hunts().CreateSaved(f.ctx, q); err != nil {
		t.Fatal(err)
	}
	return q
}

// newSavedSearch stores a saved search of the Events explorer.
func (f *fixture) newSavedSearch(t *testing.T, orgID string) store.SavedQuery {
	t.Helper()
	now := f.clock.Now()
	q := store.SavedQuery{ID: fmt.Sprintf("ss-%d", f.seq.Add(1)), OrgID: orgID, Name: fmt.Sprintf("Search %d", f.seq.Add(1)),
		Language: store.LanguageSearch, Query: "user.name:root", Settings: `{"range":"7d"}`, CreatedBy: "system", CreatedAt: now, UpdatedAt: now}
	if err := f.st.Hunts().CreateSaved(f.ctx, q); err != nil {
		t.Fatal(err)
	}
	return q
}
