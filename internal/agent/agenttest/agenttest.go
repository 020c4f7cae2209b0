// Package agenttest is an in-memory EventSec server speaking the agent wire
// protocol over real HTTP, for the agent's tests and the footprint bench.
// It checks what the real server checks (protocol header, bearer token,
// strict JSON, gzip bodies) and records everything it receives. It stores
// each event batch once, by BatchID, as the real server must.
package agenttest

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// Server is the fake-free test server: a real net/http server with the
// protocol's routes.
type Server struct {
	*httptest.Server

	mu            sync.Mutex // guards everything below
	enrollmentKey string
	token         string
	agentID       string
	config        wire.Config
	revoked       bool
	down          bool
	enrolls       int
	heartbeats    []wire.Heartbeat
	inventories   []wire.Inventory
	batchIDs      map[string]bool
	batchOrder    []string
	duplicates    int
	events        []wire.Event
	sca           []wire.SCAReport
	queue         []wire.Action
	results       map[string]wire.ActionResult
	uploads       map[string]Upload
	gzipBodies    int
	changed       chan struct{} // closed and replaced on every change
}

// Upload is a received collect_file body.
type Upload struct {
	Name, SHA256 string
	Body         []byte
}

// New starts a server that accepts enrollmentKey and hands out config.
func New(enrollmentKey string, config wire.Config) *Server {
	s := &Server{
		enrollmentKey: enrollmentKey, token: "tok-" + fmt.Sprint(time.Now().UnixNano()), agentID: "agent-1",
		config: config, batchIDs: map[string]bool{}, results: map[string]wire.ActionResult{},
		uploads: map[string]Upload{}, changed: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+wire.PathEnroll, s.enroll)
	mux.HandleFunc("POST "+wire.PathHeartbeat, s.auth(s.heartbeat))
	mux.HandleFunc("GET "+wire.PathConfig, s.auth(s.getConfig))
	mux.HandleFunc("POST "+wire.PathInventory, s.auth(s.inventory))
	mux.HandleFunc("POST "+wire.PathEvents, s.auth(s.eventsH))
	mux.HandleFunc("POST "+wire.PathSCA, s.auth(s.scaH))
	mux.HandleFunc("GET "+wire.PathActions, s.auth(s.actions))
	mux.HandleFunc("POST "+wire.PathActionResult, s.auth(s.result))
	mux.HandleFunc("POST "+wire.PathUpload, s.auth(s.upload))
	s.Server = httptest.NewServer(s.gate(mux))
	return s
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	var e wire.Error
	e.Error.Code, e.Error.Message = code, msg
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e) //nolint:errcheck // test server
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v) //nolint:errcheck // test server
}

// gate answers 503 while the server is "down" and 426 without the
// protocol header.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.down
		s.mu.Unlock()
		if down {
			writeErr(w, http.StatusServiceUnavailable, "unavailable", "server is down")
			return
		}
		if r.Header.Get(wire.HeaderProtocol) != wire.Version {
			writeErr(w, http.StatusUpgradeRequired, "protocol", "unsupported agent protocol")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok := !s.revoked && r.Header.Get("Authorization") == "Bearer "+s.token
		s.mu.Unlock()
		if !ok {
			writeErr(w, http.StatusUnauthorized, "unauthorized", "agent credential refused")
			return
		}
		h(w, r)
	}
}

// decode reads a (possibly gzip) JSON body strictly.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	var body io.Reader = http.MaxBytesReader(w, r.Body, 64<<20)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			writeErr(w, http.StatusBadRequest, "bad_gzip", err.Error())
			return false
		}
		defer zr.Close()
		body = zr
		s.mu.Lock()
		s.gzipBodies++
		s.mu.Unlock()
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_json", err.Error())
		return false
	}
	return true
}

func (s *Server) touch() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	var req wire.EnrollRequest
	if !s.decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.EnrollmentKey != s.enrollmentKey || req.Facts.Hostname == "" {
		writeErr(w, http.StatusForbidden, "bad_enrollment_key", "enrollment key refused")
		return
	}
	s.enrolls++
	s.touch()
	writeJSON(w, wire.EnrollResponse{AgentID: s.agentID, OrgID: "org-1", Token: s.token, Config: s.config})
}

func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request) {
	var hb wire.Heartbeat
	if !s.decode(w, r, &hb) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeats = append(s.heartbeats, hb)
	s.touch()
	writeJSON(w, wire.HeartbeatResponse{ServerTime: time.Now().UTC(), ConfigVersion: s.config.Version, PendingActions: len(s.queue)})
}

func (s *Server) getConfig(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, s.config)
}

func (s *Server) inventory(w http.ResponseWriter, r *http.Request) {
	var inv wire.Inventory
	if !s.decode(w, r, &inv) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inventories = append(s.inventories, inv)
	s.touch()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) eventsH(w http.ResponseWriter, r *http.Request) {
	var b wire.EventBatch
	if !s.decode(w, r, &b) {
		return
	}
	if b.BatchID == "" {
		writeErr(w, http.StatusBadRequest, "no_batch_id", "batch_id is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.batchIDs[b.BatchID] {
		s.duplicates++
		writeJSON(w, wire.EventBatchResponse{Accepted: len(b.Events), Duplicate: true})
		return
	}
	s.batchIDs[b.BatchID] = true
	s.batchOrder = append(s.batchOrder, b.BatchID)
	s.events = append(s.events, b.Events...)
	s.touch()
	writeJSON(w, wire.EventBatchResponse{Accepted: len(b.Events)})
}

func (s *Server) scaH(w http.ResponseWriter, r *http.Request) {
	var rep wire.SCAReport
	if !s.decode(w, r, &rep) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sca = append(s.sca, rep)
	s.touch()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) actions(w http.ResponseWriter, r *http.Request) {
	wait, _ := time.ParseDuration(r.URL.Query().Get("wait"))
	deadline := time.Now().Add(min(wait, 30*time.Second))
	for {
		s.mu.Lock()
		if len(s.queue) > 0 || !time.Now().Before(deadline) {
			list := wire.ActionList{Actions: s.queue}
			if list.Actions == nil {
				list.Actions = []wire.Action{}
			}
			s.queue = nil
			s.mu.Unlock()
			writeJSON(w, list)
			return
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) result(w http.ResponseWriter, r *http.Request) {
	var res wire.ActionResult
	if !s.decode(w, r, &res) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results[r.PathValue("id")] = res
	s.touch()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 256<<20))
	if err != nil {
		writeErr(w, http.StatusBadRequest, "bad_body", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploads[r.PathValue("id")] = Upload{Name: r.Header.Get(wire.HeaderFileName), SHA256: r.Header.Get(wire.HeaderFileSHA256), Body: b}
	s.touch()
	w.WriteHeader(http.StatusNoContent)
}

// Queue adds an action for the agent.
func (s *Server) Queue(a wire.Action) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	s.queue = append(s.queue, a)
	s.touch()
}

// SetConfig replaces the config and bumps its version.
func (s *Server) SetConfig(c wire.Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Version = s.config.Version + 1
	s.config = c
	s.touch()
}

// Config returns the current config.
func (s *Server) Config() wire.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.config
}

// SetDown makes every call answer 503 (true) or work again (false).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Revoke refuses the agent's credential from now on.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// Snapshot is a copy of what the server has received.
type Snapshot struct {
	Enrolls     int
	Heartbeats  []wire.Heartbeat
	Inventories []wire.Inventory
	Events      []wire.Event
	BatchIDs    []string
	Duplicates  int
	SCA         []wire.SCAReport
	Results     map[string]wire.ActionResult
	Uploads     map[string]Upload
	GzipBodies  int
}

// Snapshot copies the received data.
func (s *Server) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{
		Enrolls: s.enrolls, Heartbeats: append([]wire.Heartbeat(nil), s.heartbeats...),
		Inventories: append([]wire.Inventory(nil), s.inventories...), Events: append([]wire.Event(nil), s.events...),
		BatchIDs: append([]string(nil), s.batchOrder...), Duplicates: s.duplicates, SCA: append([]wire.SCAReport(nil), s.sca...),
		Results: map[string]wire.ActionResult{}, Uploads: map[string]Upload{}, GzipBodies: s.gzipBodies,
	}
	for k, v := range s.results {
		snap.Results[k] = v
	}
	for k, v := range s.uploads {
		snap.Uploads[k] = v
	}
	return snap
}

// WaitFor blocks until cond holds on a snapshot or timeout passes, and
// reports whether it held.
func (s *Server) WaitFor(timeout time.Duration, cond func(Snapshot) bool) bool {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond(s.Snapshot()) {
			return true
		}
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			return cond(s.Snapshot())
		}
	}
}

// Lines returns the Raw text of "log" events, in arrival order.
func (snap Snapshot) Lines() []string {
	var out []string
	for _, e := range snap.Events {
		if e.Kind == "log" {
			out = append(out, e.Raw)
		}
	}
	return out
}

// Kind returns the events of one kind.
func (snap Snapshot) Kind(kind string) []wire.Event {
	var out []wire.Event
	for _, e := range snap.Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}
