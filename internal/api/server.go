// Package api is EventSec's HTTP edge: one route table, thin handlers over
// the domain services, one place that maps errors to statuses, and the
// OpenAPI document generated from the same table.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/email"
	"github.com/eventsec/eventsec/internal/endpoint"
	"github.com/eventsec/eventsec/internal/hunt"
	"github.com/eventsec/eventsec/internal/incident"
	"github.com/eventsec/eventsec/internal/intel"
	"github.com/eventsec/eventsec/internal/notify"
	"github.com/eventsec/eventsec/internal/sandbox/lab"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/file"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/vuln/vulnsvc"
)

// Options configures a Server.
type Options struct {
	Auth   *auth.Service
	Store  store.Store
	Logger *slog.Logger
	// UI is the built web app (web/dist); nil serves a short notice instead.
	UI fs.FS
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// SecureCookies sets the Secure attribute on session cookies.
	SecureCookies bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Registerer receives the HTTP metrics; Gatherer serves /metrics.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	Version    string
	// Events is the event store (search, stats, export); nil answers 503.
	Events eventstore.Store
	// GeoLocates says a GeoIP city or country database is configured, so
	// public addresses get a location (the Threat Map explains its
	// empty state with it).
	GeoLocates bool
	// Intake receives POST /api/v1/events (the ingest pipeline's HTTP
	// handler) for the caller's org.
	Intake interface {
		ServeOrg(w http.ResponseWriter, r *http.Request, orgID string)
	}
	// Mounts are handlers with their own authentication and wire format
	// (Splunk HEC, Elasticsearch bulk), by ServeMux pattern.
	Mounts map[string]http.Handler
	// Importer imports files into an org (POST /api/v1/events/import).
	// oldBefore, when set, counts the events dated before it (Summary.Old).
	Importer func(ctx context.Context, paths []string, orgID string, format normalize.Format, oldBefore time.Time) (file.Summary, error)
	// Detect is the detection service (rules, tests, imports); nil
	// answers 503 on its routes.
	Detect *detect.Service
	// Hunt runs KQL (the hunting workbench); nil answers 503 on its routes.
	Hunt *hunt.Service
	// Endpoints manages agents (endpoint management API); nil answers 503.
	Endpoints *endpoint.Service
	// Vulns is vulnerability management (OSV import, the organisation's
	// vulnerabilities); nil answers 503 on its routes.
	Vulns *vulnsvc.Service
	// Intel is threat intelligence (indicators, feeds, sightings, check);
	// nil answers 503 on its routes.
	Intel *intel.Service
	// Incidents is case management (triage, incidents, war room,
	// workplans, handovers, SLA); nil answers 503 on its routes.
	Incidents *incident.Service
	// Notify delivers notifications (channel tests, retries); nil answers
	// 503 on those routes.
	Notify *notify.Dispatcher
	// Email is e-mail analysis (reports, quarantine, mailboxes); nil
	// answers 503 on its routes.
	Email *email.Service
	// Sandbox is the sandbox service (submissions, reports, YARA rules,
	// external services); nil answers 503 on its routes.
	Sandbox *lab.Service
	// Hub fans live messages out to WebSocket subscribers.
	Hub *live.Hub
	// Filter compiles a search-syntax filter for live subscriptions.
	Filter func(query string) (func(event.Event) bool, error)
	// RefreshTTL is the lifetime of the refresh-token cookie.
	RefreshTTL time.Duration
	Now        func() time.Time
}

// Server is the HTTP API, the web UI and the operational endpoints.
type Server struct {
	o       Options
	log     *slog.Logger
	routes  []route
	handler http.Handler
	metrics *httpMetrics

	// sockets counts the open live WebSockets of each principal.
	socketsMu sync.Mutex
	sockets   map[string]int

	// backPressure limits the log of back-pressure answers, per route.
	backPressureMu sync.Mutex // guards backPressure
	backPressure   map[string]*ingest.LogLimiter
}

// route is one entry of the route table.
type route struct {
	Method string
	Path   string // a net/http ServeMux pattern path, e.g. /api/v1/users/{id}
	// Perm is the permission the caller needs; "" for public routes.
	Perm    auth.Permission
	Summary string
	Tag     string
	// Request and Response name OpenAPI schemas ("" for none).
	Request  string
	Response string
	Status   int // success status
	Query    []queryParam
	// TokenInQuery lets the credential come as ?token= (WebSockets, which
	// browsers cannot give headers).
	TokenInQuery bool
	// Messages names the OpenAPI schemas of a WebSocket's messages.
	Messages []string
	// UIOnNavigate: a browser navigating to the path (a seed alias that is
	// also a page of the web app, e.g. /vulnerabilities) gets the web app.
	UIOnNavigate bool
	// Body, when set, describes a request body that is not JSON.
	Body   string
	Handle func(w http.ResponseWriter, r *http.Request, c *call) error
}

type queryParam struct {
	Name, Type, Help string
}

// call is what a handler knows about its request.
type call struct {
	principal auth.Principal // zero for public routes
	meta      auth.ClientMeta
	viaCookie bool
}

func (c *call) actor() auth.Actor { return auth.Actor{Principal: c.principal, ClientMeta: c.meta} }

// New builds the server and its route table.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RefreshTTL == 0 {
		o.RefreshTTL = 7 * 24 * time.Hour
	}
	if o.Registerer == nil {
		reg := prometheus.NewRegistry()
		o.Registerer, o.Gatherer = reg, reg
	}
	s := &Server{o: o, log: o.Logger.With("component", "api")}
	s.metrics = newHTTPMetrics(o.Registerer)
	s.routes = s.routeTable()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
	}
	mux.Handle("GET /healthz", s.plain("/healthz", s.healthz))
	mux.Handle("GET /readyz", s.plain("/readyz", s.readyz))
	mux.Handle("GET /metrics", s.plain("/metrics", s.metricsHandler().ServeHTTP))
	mux.Handle("GET /api/openapi.json", s.plain("/api/openapi.json", s.openapi))
	mux.Handle("GET /api/docs", s.plain("/api/docs", s.docsPage))
	mux.Handle("GET /api/docs/init.js", s.plain("/api/docs/init.js", s.docsScript))
	for pattern, h := range o.Mounts {
		mux.Handle(pattern, s.plain(pattern, h.ServeHTTP))
	}
	// Any other /api/ path is a JSON 404, never the web app.
	mux.Handle("/api/", s.plain("/api/*", func(w http.ResponseWriter, r *http.Request) {
		if allow := s.allowedMethods(r.URL.Path); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, &HTTPError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
				Msg: fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))})
			return
		}
		msg := "no such API endpoint: " + r.Method + " " + r.URL.Path
		// A trailing slash (an empty ID, as in /api/v1/retrohunts/) is no
		// route; say which one was likely meant.
		if trimmed := strings.TrimRight(r.URL.Path, "/"); trimmed != r.URL.Path && slices.Contains(s.allowedMethods(trimmed), r.Method) {
			msg += "; did you mean " + r.Method + " " + trimmed + "?"
		}
		s.writeError(w, r, &HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: msg})
	}))
	mux.Handle("/", s.plain("/", s.serveUI))
	s.handler = s.withRequestID(s.securityHeaders(mux))
	return s
}

// allowedMethods lists the methods the route table has for a path, so
// that a wrong method gets 405 with Allow instead of 404. A trailing
// slash is a segment of its own, empty, which no route has: trimming it
// once made GET /api/v1/retrohunts/ match GET /api/v1/retrohunts and
// answer "GET is not allowed; use GET".
func (s *Server) allowedMethods(path string) []string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var out []string
	for _, rt := range s.routes {
		pat := strings.Split(strings.TrimPrefix(rt.Path, "/"), "/")
		if len(pat) != len(segs) {
			continue
		}
		match := true
		for i, p := range pat {
			if !(strings.HasPrefix(p, "{") && segs[i] != "") && p != segs[i] {
				match = false
				break
			}
		}
		if match && !slices.Contains(out, rt.Method) {
			out = append(out, rt.Method)
		}
	}
	return out
}

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// RouteInfo describes a route, for tests and documentation.
type RouteInfo struct {
	Method, Path string
	Perm         auth.Permission
}

// Routes lists the API route table.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.routes))
	for _, r := range s.routes {
		out = append(out, RouteInfo{Method: r.Method, Path: r.Path, Perm: r.Perm})
	}
	return out
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	status := http.StatusOK
	if err := s.o.Store.Ping(ctx); err != nil {
		s.log.Warn("readiness: state store unreachable", "err", err)
		checks["state_store"] = "unreachable"
		status = http.StatusServiceUnavailable
	} else {
		checks["state_store"] = "ok"
	}
	overall := "ok"
	if status != http.StatusOK {
		overall = "unavailable"
	}
	writeJSON(w, status, map[string]any{"status": overall, "checks": checks})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing to do
}
