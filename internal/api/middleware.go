package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/suggest"
)

type ctxKey int

const requestIDKey ctxKey = iota

// Cookie names of the browser session.
const (
	cookieAccess  = "es_access"
	cookieRefresh = "es_refresh"
	cookieCSRF    = "es_csrf"
	headerCSRF    = "X-CSRF-Token"
)

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(b)
}

// withRequestID gives every request an ID (or keeps a sane one sent by a
// proxy) and returns it in X-Request-ID.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "+
			"script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (sr *statusRecorder) WriteHeader(code int) {
	if sr.status == 0 {
		sr.status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

func (sr *statusRecorder) Write(b []byte) (int, error) {
	if sr.status == 0 {
		sr.status = http.StatusOK
	}
	return sr.ResponseWriter.Write(b)
}

func (sr *statusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// observe logs and measures a request under its route label, and turns a
// panic into a 500 without killing the server.
func (s *Server) observe(label string, w http.ResponseWriter, r *http.Request, fn func(w http.ResponseWriter)) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", "request_id", requestID(r), "route", label, "panic", fmt.Sprint(p))
			if rec.status == 0 {
				s.writeError(rec, r, &HTTPError{Status: http.StatusInternalServerError, Code: "internal", Msg: "internal error; the server log has details under this request's ID"})
			}
		}
		d := time.Since(start)
		s.metrics.observe(r.Method, label, rec.status, d)
		lvl := slog.LevelDebug
		switch {
		case backPressure(rec):
			// Expected under load, and answered to every sender at once:
			// one WARN line per route every 10 s says how many there were.
			if ok, more := s.backPressureLimiter(label).Allow(time.Now()); ok {
				s.log.Warn("telling senders to back off", "route", label, "status", rec.status,
					"retry_after", rec.Header().Get("Retry-After"), "client_ip", s.clientIP(r), "more_since_last_log", more)
			}
		case rec.status >= 500:
			lvl = slog.LevelError
		case label != "/healthz" && label != "/metrics" && label != "/readyz" && label != "/":
			lvl = slog.LevelInfo
		}
		s.log.Log(r.Context(), lvl, "request", "request_id", requestID(r), "method", r.Method, "route", label,
			"path", r.URL.Path, "status", rec.status, "duration_ms", float64(d.Microseconds())/1000, "client_ip", s.clientIP(r))
	}()
	fn(rec)
}

// backPressure reports whether a response told its client to back off
// and retry (429 or 503 with Retry-After: an overloaded ingest pipeline,
// a busy store), as opposed to a failure.
func backPressure(rec *statusRecorder) bool {
	return (rec.status == http.StatusTooManyRequests || rec.status == http.StatusServiceUnavailable) &&
		rec.Header().Get("Retry-After") != ""
}

func (s *Server) backPressureLimiter(label string) *ingest.LogLimiter {
	s.backPressureMu.Lock()
	defer s.backPressureMu.Unlock()
	l, ok := s.backPressure[label]
	if !ok {
		if s.backPressure == nil {
			s.backPressure = map[string]*ingest.LogLimiter{}
		}
		l = &ingest.LogLimiter{}
		s.backPressure[label] = l
	}
	return l
}

// plain wraps a non-API handler (health, metrics, UI) with observation.
func (s *Server) plain(label string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.observe(label, w, r, func(w http.ResponseWriter) { h(w, r) })
	})
}

// wrap turns a route into a handler: observe, authenticate, check CSRF
// and the route's permission, run, and map any error.
func (s *Server) wrap(rt route) http.Handler {
	qc := newQueryCheck(rt)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.observe(rt.Path, w, r, func(w http.ResponseWriter) {
			if rt.UIOnNavigate && browserNavigation(r) {
				s.serveUI(w, r)
				return
			}
			c := &call{meta: auth.ClientMeta{IP: s.clientIP(r), UserAgent: r.UserAgent(), RequestID: requestID(r)}}
			if rt.Perm != "" {
				if err := s.authenticate(r, c, rt.TokenInQuery); err != nil {
					s.writeError(w, r, err)
					return
				}
				if !c.principal.Can(rt.Perm) {
					s.writeError(w, r, &HTTPError{Status: http.StatusForbidden, Code: "forbidden",
						Msg: fmt.Sprintf("your role (%s) does not allow this: it needs the %s permission", c.principal.Role, rt.Perm)})
					return
				}
			}
			if err := qc.check(r.URL.Query()); err != nil {
				s.writeError(w, r, err)
				return
			}
			if err := rt.Handle(w, r, c); err != nil {
				s.writeError(w, r, err)
			}
		})
	})
}

// queryAliases are the other names a declared query parameter answers
// to (see searchText and queryInt).
var queryAliases = map[string]string{"q": "query", "query": "q", "limit": "size", "size": "limit"}

// checkQueryParams refuses a query parameter the route does not declare:
// a misspelt filter (?serverity=high) would otherwise be ignored, and an
// analyst would read an unfiltered list as a filtered one. Elasticsearch
// refuses unknown URL parameters the same way.
func checkQueryParams(rt route, q url.Values) *HTTPError { return newQueryCheck(rt).check(q) }

// queryCheck is what checkQueryParams needs of a route, built once per
// route (wrap) rather than per request.
type queryCheck struct {
	rt    route
	known map[string]bool
	names []string // declared, in order
}

func newQueryCheck(rt route) queryCheck {
	qc := queryCheck{rt: rt, known: map[string]bool{}}
	for _, p := range rt.Query {
		qc.known[p.Name] = true
		if a := queryAliases[p.Name]; a != "" {
			qc.known[a] = true
		}
		qc.names = append(qc.names, p.Name)
	}
	if rt.TokenInQuery {
		qc.known["token"] = true
	}
	return qc
}

func (qc queryCheck) check(q url.Values) *HTTPError {
	var unknown []string
	for k := range q {
		if !qc.known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	rt, names := qc.rt, qc.names
	slices.Sort(unknown)
	name := unknown[0]
	msg := fmt.Sprintf("unknown query parameter %q", name)
	if len(unknown) > 1 {
		msg = fmt.Sprintf("unknown query parameters %s", quoteList(unknown))
	}
	if guess := suggest.Closest(name, names); guess != "" && len(unknown) == 1 {
		msg += fmt.Sprintf(" (did you mean %q?)", guess)
	}
	if len(names) == 0 {
		msg += fmt.Sprintf(": %s %s takes none", rt.Method, rt.Path)
	} else {
		msg += fmt.Sprintf(": %s %s takes %s", rt.Method, rt.Path, strings.Join(names, ", "))
	}
	return badRequest("unknown_parameter", name, "%s", msg)
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// authenticate resolves the caller from the Authorization header or, for
// the web UI, the session cookie; cookie requests that change state must
// carry the CSRF token.
func (s *Server) authenticate(r *http.Request, c *call, tokenInQuery bool) error {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return &HTTPError{Status: http.StatusUnauthorized, Code: "invalid_token", Msg: "the Authorization header must be \"Bearer <token>\""}
		}
		cred = strings.TrimSpace(tok)
	} else if tok := r.URL.Query().Get("token"); tokenInQuery && tok != "" {
		cred = tok
	} else if ck, err := r.Cookie(cookieAccess); err == nil && ck.Value != "" {
		cred = ck.Value
		c.viaCookie = true
	}
	if cred == "" {
		return errUnauthenticated
	}
	if c.viaCookie && !safeMethod(r.Method) && !csrfOK(r) {
		return errCSRF
	}
	p, err := s.o.Auth.Authenticate(r.Context(), cred)
	if err != nil {
		return err
	}
	c.principal = p
	return nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrfOK checks the double-submit token: header equals cookie.
func csrfOK(r *http.Request) bool {
	ck, err := r.Cookie(cookieCSRF)
	h := r.Header.Get(headerCSRF)
	return err == nil && ck.Value != "" && h != "" && subtle.ConstantTimeCompare([]byte(ck.Value), []byte(h)) == 1
}

// clientIP is the peer address, or the address a trusted proxy reports.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || len(s.o.TrustedProxies) == 0 || !trusted(s.o.TrustedProxies, peer) {
		return host
	}
	// Walk X-Forwarded-For from the right: the first untrusted hop is the client.
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !trusted(s.o.TrustedProxies, a) {
			return a.String()
		}
	}
	return host
}

func trusted(nets []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// statusClientClosedRequest is nginx's status for a request whose client
// left before the answer.
const statusClientClosedRequest = 499

// writeError sends the error body; internal errors are logged with the
// request ID and never shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	he := toHTTPError(err)
	if he.Status >= 500 && r.Context().Err() != nil {
		// The client went away (a closed tab, a cancelled search) and the
		// store gave up its work: not a server failure. 499, as nginx
		// names it, logged at INFO by observe, so that no one is paged.
		he = &HTTPError{Status: statusClientClosedRequest, Code: "client_closed_request", Msg: "the client closed the request"}
	}
	if he.Status >= 500 {
		s.log.Error("request failed", "request_id", requestID(r), "path", r.URL.Path, "err", err)
	}
	if he.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.RetryAfter))
	}
	if he.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="eventsec"`)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		he = &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Msg: "request body is too large"}
	}
	writeJSON(w, he.Status, errorBody{Error: errorDetail{Code: he.Code, Message: he.Msg, Field: he.Field, Line: he.Line, Column: he.Column}, Errors: he.Details})
}
