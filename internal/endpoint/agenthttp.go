package endpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/store"
)

// Body limits of the agent channel (after decompression).
const (
	maxSmallBody     = 256 << 10
	maxInventoryBody = 64 << 20
	maxEventsBody    = 32 << 20
	maxSCABody       = 16 << 20
)

// AgentMounts returns the agent channel's handlers by ServeMux pattern,
// for api.Options.Mounts: they authenticate agents themselves (agent
// tokens, not user credentials) and speak the wire protocol.
func (s *Service) AgentMounts() map[string]http.Handler {
	return map[string]http.Handler{
		"POST " + wire.PathEnroll:                s.agentRoute(false, s.serveEnroll),
		"POST " + wire.PathHeartbeat:             s.agentRoute(true, s.serveHeartbeat),
		"GET " + wire.PathConfig:                 s.agentRoute(true, s.serveConfig),
		"POST " + wire.PathInventory:             s.agentRoute(true, s.serveInventory),
		"POST " + wire.PathEvents:                s.agentRoute(true, s.serveEvents),
		"POST " + wire.PathSCA:                   s.agentRoute(true, s.serveSCA),
		"GET " + wire.PathActions:                s.agentRoute(true, s.servePoll),
		"POST " + wire.PathActionResult:          s.agentRoute(true, s.serveResult),
		"POST " + wire.PathUpload:                s.agentRoute(true, s.serveUpload),
		"GET /api/v1/agents/download/{platform}": http.HandlerFunc(s.serveDownload),
	}
}

// agentHandler serves one agent-channel request for an authenticated
// agent (c is zero for enrollment).
type agentHandler func(w http.ResponseWriter, r *http.Request, c Credential) error

// agentRoute checks the protocol version and, when auth is set, the
// agent's bearer token, then runs h and maps its error.
func (s *Service) agentRoute(auth bool, h agentHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get(wire.HeaderProtocol); v != wire.Version {
			writeWireError(w, http.StatusUpgradeRequired, "unsupported_protocol",
				fmt.Sprintf("this server speaks agent protocol %s; send %s: %s (got %q): upgrade the agent or the server", wire.Version, wire.HeaderProtocol, wire.Version, v))
			return
		}
		var c Credential
		if auth {
			scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="eventsec-agent"`)
				writeWireError(w, http.StatusUnauthorized, "unauthenticated", "send the agent's token as \"Authorization: Bearer <token>\"")
				return
			}
			var err error
			if c, err = s.Authenticate(r.Context(), strings.TrimSpace(tok), s.clientIP(r)); err != nil {
				s.writeAgentError(w, r, err)
				return
			}
		}
		if err := h(w, r, c); err != nil {
			s.writeAgentError(w, r, err)
		}
	})
}

func writeWireError(w http.ResponseWriter, status int, code, msg string) {
	var e wire.Error
	e.Error.Code, e.Error.Message = code, msg
	writeWire(w, status, e)
}

func writeWire(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the agent went away; it retries
}

// writeAgentError maps the service's errors to the wire's error body.
func (s *Service) writeAgentError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		writeWireError(w, http.StatusBadRequest, "validation_failed", ve.Error())
	case errors.Is(err, ErrRevoked):
		w.Header().Set("WWW-Authenticate", `Bearer realm="eventsec-agent"`)
		writeWireError(w, http.StatusUnauthorized, "agent_revoked", "this agent was revoked by an administrator: enroll it again with a new enrollment key")
	case errors.Is(err, ErrKeyRevoked):
		writeWireError(w, http.StatusUnauthorized, "enrollment_key_revoked", "the enrollment key was revoked or has expired: ask for a new one")
	case errors.Is(err, ErrUnauthorized):
		w.Header().Set("WWW-Authenticate", `Bearer realm="eventsec-agent"`)
		code := "invalid_agent_token"
		if r.URL.Path == wire.PathEnroll {
			code = "invalid_enrollment_key"
		}
		writeWireError(w, http.StatusUnauthorized, code, "the credential is not valid on this server")
	case errors.Is(err, store.ErrNotFound):
		writeWireError(w, http.StatusNotFound, "not_found", "no such action for this agent")
	case errors.Is(err, store.ErrConflict):
		writeWireError(w, http.StatusConflict, "conflict", "the action is not in a state that accepts this: "+err.Error())
	case errors.Is(err, ingest.ErrOverloaded):
		w.Header().Set("Retry-After", "2")
		writeWireError(w, http.StatusTooManyRequests, "overloaded", "the server is ingesting as fast as it can: retry after 2 seconds")
	case errors.Is(err, ingest.ErrBodyTooLarge):
		writeWireError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the request body is too large: send smaller batches")
	case errors.Is(err, ingest.ErrBadEncoding):
		writeWireError(w, http.StatusUnsupportedMediaType, "unsupported_encoding", err.Error())
	case errors.Is(err, ErrUnavailable):
		w.Header().Set("Retry-After", "30")
		writeWireError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
	case r.Context().Err() != nil:
		// The agent went away; nobody reads the answer.
	default:
		s.log.Error("agent request failed", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		writeWireError(w, http.StatusServiceUnavailable, "internal", "the server could not handle this request; nothing was acknowledged: retry later")
	}
}

// decodeWire reads a JSON body. Unknown fields are ignored: a newer agent
// may send fields this server does not know yet (the protocol only grows).
func decodeWire(r *http.Request, max int64, dst any) error {
	body, err := ingest.ReadBody(r, max)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return invalid("body", "malformed JSON: %v", err)
	}
	return nil
}

func (s *Service) serveEnroll(w http.ResponseWriter, r *http.Request, _ Credential) error {
	var req wire.EnrollRequest
	if err := decodeWire(r, 64<<10, &req); err != nil {
		return err
	}
	resp, err := s.Enroll(r.Context(), req, s.clientIP(r))
	if err != nil {
		return err
	}
	writeWire(w, http.StatusCreated, resp)
	return nil
}

func (s *Service) serveHeartbeat(w http.ResponseWriter, r *http.Request, c Credential) error {
	var hb wire.Heartbeat
	if err := decodeWire(r, maxSmallBody, &hb); err != nil {
		return err
	}
	resp, err := s.Heartbeat(r.Context(), c, hb, s.clientIP(r))
	if err != nil {
		return err
	}
	writeWire(w, http.StatusOK, resp)
	return nil
}

func (s *Service) serveConfig(w http.ResponseWriter, r *http.Request, c Credential) error {
	cfg, err := s.AgentConfig(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	writeWire(w, http.StatusOK, cfg)
	return nil
}

func (s *Service) serveInventory(w http.ResponseWriter, r *http.Request, c Credential) error {
	var inv wire.Inventory
	if err := decodeWire(r, maxInventoryBody, &inv); err != nil {
		return err
	}
	if err := s.PutInventory(r.Context(), c, inv); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) serveEvents(w http.ResponseWriter, r *http.Request, c Credential) error {
	var b wire.EventBatch
	if err := decodeWire(r, maxEventsBody, &b); err != nil {
		return err
	}
	resp, err := s.IngestEvents(r.Context(), c, b)
	if err != nil {
		return err
	}
	writeWire(w, http.StatusOK, resp)
	return nil
}

func (s *Service) serveSCA(w http.ResponseWriter, r *http.Request, c Credential) error {
	var rep wire.SCAReport
	if err := decodeWire(r, maxSCABody, &rep); err != nil {
		return err
	}
	if err := s.PutSCA(r.Context(), c, rep); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// parseWait reads ?wait= as a Go duration ("25s") or seconds ("25").
func parseWait(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, invalid("wait", "wait must be a duration such as 25s")
	}
	return d, nil
}

func (s *Service) servePoll(w http.ResponseWriter, r *http.Request, c Credential) error {
	wait, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		return err
	}
	acts, err := s.PollActions(r.Context(), c, wait)
	if err != nil {
		return err
	}
	if r.Context().Err() != nil {
		return nil
	}
	writeWire(w, http.StatusOK, wire.ActionList{Actions: acts})
	return nil
}

func (s *Service) serveResult(w http.ResponseWriter, r *http.Request, c Credential) error {
	var res wire.ActionResult
	if err := decodeWire(r, maxOutput*2+(64<<10), &res); err != nil {
		return err
	}
	if _, err := s.ReportResult(r.Context(), c, r.PathValue("id"), res); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) serveUpload(w http.ResponseWriter, r *http.Request, c Credential) error {
	act, err := s.SaveUpload(r.Context(), c, r.PathValue("id"), r.Header.Get(wire.HeaderFileName), r.Header.Get(wire.HeaderFileSHA256), r.Body)
	if err != nil {
		return err
	}
	writeWire(w, http.StatusCreated, map[string]any{"file": act.File, "sha256": act.FileSHA256, "size": act.FileSize})
	return nil
}

// serveDownload serves an agent binary. It is public: a machine fetches
// the agent before it has any credential (the enrollment key is what
// lets it join).
func (s *Service) serveDownload(w http.ResponseWriter, r *http.Request) {
	f, d, err := s.OpenBinary(r.PathValue("platform"))
	if err != nil {
		if errors.Is(err, ErrAgentNotBuilt) {
			writeWireError(w, http.StatusNotFound, "agent_not_built", strings.TrimPrefix(err.Error(), ErrAgentNotBuilt.Error()+": "))
			return
		}
		s.log.Error("cannot serve agent binary", "err", err)
		writeWireError(w, http.StatusInternalServerError, "internal", "cannot read the agent binary")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.FileName+`"`)
	if d.SHA256 != "" {
		w.Header().Set("X-Checksum-SHA256", d.SHA256)
	}
	http.ServeContent(w, r, d.FileName, d.ModTime, f)
}

// clientIP is the agent's address: the peer, or what a trusted proxy
// reports in X-Forwarded-For.
func (s *Service) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !trusted(s.o.TrustedProxies, peer) {
		return host
	}
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
