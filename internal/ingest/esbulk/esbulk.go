// Package esbulk is an Elasticsearch-compatible ingest endpoint: the
// handshake requests Filebeat, Fluent Bit, Vector, Logstash and the
// Elasticsearch clients make before sending (cluster info, license,
// templates, ILM policies, ingest pipelines: answered as accepted no-ops),
// and the _bulk API with Elasticsearch's response shapes and per-item
// statuses. The event store is append-only: delete and update actions are
// refused per item.
package esbulk

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/ingest"
)

// Options configure a Handler.
type Options struct {
	Pipeline *ingest.Pipeline // required
	// Authenticate maps a credential to its org: the password of HTTP
	// Basic auth (the user name is ignored), the key of an
	// "ApiKey base64(id:key)" header, or a Bearer token. It returns an
	// error wrapping ingest.ErrUnauthorized for bad credentials (401),
	// ingest.ErrForbidden for a credential whose role may not send
	// events (403 naming the permission); any other error is a 500.
	Authenticate func(ctx context.Context, token string) (orgID string, err error)
	// Prefix is the path the handler is mounted under ("" on a port of
	// its own, e.g. "/es" on the API port); it is stripped.
	Prefix string
	// Version is the Elasticsearch version reported (default "8.17.0"):
	// shippers check it. Beats 8.x before 8.11 refuse an older server
	// than themselves; Vector and Logstash pick their protocol from it.
	Version string
	// ClusterName is reported by GET / (default "eventsec").
	ClusterName string
	// MaxBodyBytes bounds a bulk request after decompression (default
	// 32 MiB: Logstash sends up to 20 MiB).
	MaxBodyBytes int64
	// MaxDepth bounds JSON nesting of a document (default
	// ingest.DefaultMaxDepth).
	MaxDepth int
	// MaxItems bounds the actions of one bulk request (default 100,000):
	// a body of tiny documents would otherwise cost far more memory as
	// events than as bytes.
	MaxItems int
	// Listener is the metrics label (default "esbulk").
	Listener string
	Logger   *slog.Logger
}

// Handler serves the Elasticsearch-compatible API.
type Handler struct {
	o    Options
	p    *ingest.Pipeline
	c    *ingest.Counters
	log  *slog.Logger
	uuid string
}

// New returns a handler.
func New(o Options) (*Handler, error) {
	if o.Pipeline == nil || o.Authenticate == nil {
		return nil, errors.New("cannot create Elasticsearch bulk handler: a pipeline and an Authenticate function are required")
	}
	o.Prefix = strings.TrimSuffix(o.Prefix, "/")
	if o.Version == "" {
		o.Version = "8.17.0"
	}
	if o.ClusterName == "" {
		o.ClusterName = "eventsec"
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 32 << 20
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = ingest.DefaultMaxDepth
	}
	if o.MaxItems <= 0 {
		o.MaxItems = 100_000
	}
	if o.Listener == "" {
		o.Listener = "esbulk"
	}
	if o.Logger == nil {
		o.Logger = o.Pipeline.Logger()
	}
	sum := sha256.Sum256([]byte(o.ClusterName))
	h := &Handler{o: o, p: o.Pipeline, c: o.Pipeline.Counters(o.Listener),
		log: o.Logger.With("component", "ingest.esbulk"), uuid: base64.RawURLEncoding.EncodeToString(sum[:16])}
	h.c.Expect(ingest.Reasons{
		Rejected: []string{ingest.ReasonUnknownAction, ingest.ReasonUnsupportedAction, ingest.ReasonInvalidJSON,
			ingest.ReasonNotObject, ingest.ReasonTooDeep, ingest.ReasonEmptyObject},
		Refused: []string{ingest.ReasonUnauthorized, ingest.ReasonForbidden, ingest.ReasonBadRequest, ingest.ReasonTooLarge,
			ingest.ReasonBadEncoding, ingest.ReasonReadError, ingest.ReasonNoData, ingest.ReasonOverloaded},
	})
	return h, nil
}

// ServeHTTP authenticates and routes a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every response says it comes from Elasticsearch: the official
	// clients (and Logstash) refuse to talk to a server that does not.
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	path := r.URL.Path
	if h.o.Prefix != "" {
		if path != h.o.Prefix && !strings.HasPrefix(path, h.o.Prefix+"/") {
			h.error(w, r, http.StatusNotFound, "resource_not_found_exception", "no handler found for uri ["+path+"]")
			return
		}
		path = strings.TrimPrefix(path, h.o.Prefix)
	}
	org, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) == 1 && parts[0] == "" {
		parts = nil
	}
	h.route(w, r, org, parts)
}

func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	token := credential(r.Header.Get("Authorization"))
	if token == "" {
		h.c.Refused(ingest.ReasonUnauthorized)
		h.unauthorized(w, r, "missing authentication credentials for REST request ["+r.URL.Path+"]")
		return "", false
	}
	org, err := h.o.Authenticate(r.Context(), token)
	switch {
	case err == nil && org == "":
		h.log.Error("cannot check Elasticsearch credentials", "err", errors.New("the credential's org is empty"))
		h.error(w, r, http.StatusInternalServerError, "exception", "internal error; the server log has details")
	case err == nil:
		return org, true
	case errors.Is(err, ingest.ErrForbidden):
		// Authenticated, but not allowed: Elasticsearch's 403, which
		// shippers report as a permission problem rather than a bad
		// password.
		h.c.Refused(ingest.ReasonForbidden)
		h.error(w, r, http.StatusForbidden, "security_exception",
			fmt.Sprintf("action [%s %s] is unauthorized for this API key: sending events needs the events:write permission (give the key the ingest role)",
				r.Method, r.URL.Path))
	case errors.Is(err, ingest.ErrUnauthorized), errors.Is(err, ingest.ErrDisabled):
		h.c.Refused(ingest.ReasonUnauthorized)
		h.unauthorized(w, r, "unable to authenticate with provided credentials")
	default:
		h.log.Error("cannot check Elasticsearch credentials", "err", err)
		h.error(w, r, http.StatusInternalServerError, "exception", "internal error; the server log has details")
	}
	return "", false
}

// credential extracts the secret of an Authorization header.
func credential(a string) string {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(a), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "basic":
		if b, err := base64.StdEncoding.DecodeString(rest); err == nil {
			if _, pw, ok := strings.Cut(string(b), ":"); ok {
				return pw
			}
		}
	case "apikey":
		// Elasticsearch API keys travel as base64("id:key"); accept the
		// bare key too.
		if b, err := base64.StdEncoding.DecodeString(rest); err == nil {
			if _, key, ok := strings.Cut(string(b), ":"); ok && key != "" {
				return key
			}
		}
		return rest
	case "bearer":
		return rest
	}
	return ""
}

func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request, reason string) {
	w.Header().Add("WWW-Authenticate", `Basic realm="security" charset="UTF-8"`)
	w.Header().Add("WWW-Authenticate", "ApiKey")
	w.Header().Add("WWW-Authenticate", "Bearer")
	h.error(w, r, http.StatusUnauthorized, "security_exception", reason)
}

// route dispatches on the path segments (prefix removed).
func (h *Handler) route(w http.ResponseWriter, r *http.Request, org string, parts []string) {
	m := r.Method
	seg := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	switch {
	case len(parts) == 0:
		switch m {
		case http.MethodGet:
			h.info(w, r)
		case http.MethodHead:
			w.WriteHeader(http.StatusOK)
		default:
			h.methodNotAllowed(w, r)
		}
	case seg(len(parts)-1) == "_bulk" && len(parts) <= 2:
		if m != http.MethodPost && m != http.MethodPut {
			h.methodNotAllowed(w, r)
			return
		}
		index := ""
		if len(parts) == 2 {
			index = parts[0]
		}
		h.bulk(w, r, org, index)
	case len(parts) >= 2 && (seg(1) == "_doc" || seg(1) == "_create") && len(parts) <= 3 && !strings.HasPrefix(seg(0), "_"):
		if m != http.MethodPost && m != http.MethodPut {
			h.methodNotAllowed(w, r)
			return
		}
		h.single(w, r, org, seg(0), seg(2), seg(1) == "_create")
	case seg(0) == "_license":
		h.writeJSON(w, r, http.StatusOK, map[string]any{"license": h.license()})
	case seg(0) == "_xpack":
		h.writeJSON(w, r, http.StatusOK, map[string]any{
			"build":   map[string]any{"hash": "eventsec", "date": "2024-12-11T00:00:00.000Z"},
			"license": map[string]any{"uid": h.uuid, "type": "basic", "mode": "basic", "status": "active"},
			"features": map[string]any{
				"security": map[string]any{"available": true, "enabled": true},
				"ilm":      map[string]any{"available": true, "enabled": true},
			},
			"tagline": "You know, for X",
		})
	case seg(0) == "_cluster" && seg(1) == "health":
		h.writeJSON(w, r, http.StatusOK, map[string]any{
			"cluster_name": h.o.ClusterName, "status": "green", "timed_out": false,
			"number_of_nodes": 1, "number_of_data_nodes": 1, "active_primary_shards": 1, "active_shards": 1,
			"relocating_shards": 0, "initializing_shards": 0, "unassigned_shards": 0, "delayed_unassigned_shards": 0,
			"number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
			"active_shards_percent_as_number": 100.0,
		})
	case seg(0) == "_nodes":
		h.writeJSON(w, r, http.StatusOK, map[string]any{
			"_nodes":       map[string]int{"total": 1, "successful": 1, "failed": 0},
			"cluster_name": h.o.ClusterName,
			"nodes": map[string]any{h.uuid: map[string]any{
				"name": h.o.ClusterName, "version": h.o.Version, "roles": []string{"data", "ingest", "master"},
				"http": map[string]any{"publish_address": r.Host},
			}},
		})
	case seg(0) == "_security" && seg(1) == "_authenticate":
		h.writeJSON(w, r, http.StatusOK, map[string]any{
			"username": "eventsec-ingest", "roles": []string{"ingest"}, "enabled": true,
			"authentication_realm": map[string]string{"name": "_es_api_key", "type": "_es_api_key"},
			"lookup_realm":         map[string]string{"name": "_es_api_key", "type": "_es_api_key"},
			"authentication_type":  "api_key", "metadata": map[string]any{}, "full_name": nil, "email": nil,
		})
	case seg(0) == "_index_template" || seg(0) == "_component_template" || seg(0) == "_template":
		h.setupObject(w, r, seg(0), seg(1))
	case seg(0) == "_ilm" && seg(1) == "policy":
		h.setupObject(w, r, "_ilm", seg(2))
	case seg(0) == "_ingest" && seg(1) == "pipeline":
		h.setupObject(w, r, "_ingest", seg(2))
	case seg(0) == "_data_stream":
		h.setupObject(w, r, "_data_stream", seg(1))
	case seg(0) == "_alias" || seg(1) == "_alias" || seg(1) == "_aliases" || seg(0) == "_aliases":
		h.setupObject(w, r, "_alias", seg(len(parts)-1))
	case seg(len(parts)-1) == "_refresh" || seg(len(parts)-1) == "_flush":
		h.writeJSON(w, r, http.StatusOK, map[string]any{"_shards": map[string]int{"total": 1, "successful": 1, "failed": 0}})
	case seg(len(parts)-1) == "_mapping" || seg(len(parts)-1) == "_settings":
		h.setupObject(w, r, "_mapping", seg(0))
	case len(parts) == 1 && !strings.HasPrefix(seg(0), "_"):
		h.setupObject(w, r, "_index", seg(0))
	default:
		h.log.Debug("unsupported Elasticsearch API", "method", m, "path", r.URL.Path)
		h.error(w, r, http.StatusBadRequest, "illegal_argument_exception",
			fmt.Sprintf("no handler found for uri [%s] and method [%s]: EventSec implements the ingest APIs only", r.URL.Path, m))
	}
}

func (h *Handler) info(w http.ResponseWriter, r *http.Request) {
	h.writeJSON(w, r, http.StatusOK, map[string]any{
		"name":         h.o.ClusterName,
		"cluster_name": h.o.ClusterName,
		"cluster_uuid": h.uuid,
		"version": map[string]any{
			"number":                              h.o.Version,
			"build_flavor":                        "default",
			"build_type":                          "tar",
			"build_hash":                          "eventsec",
			"build_date":                          "2024-12-11T00:00:00.000Z",
			"build_snapshot":                      false,
			"lucene_version":                      "9.12.0",
			"minimum_wire_compatibility_version":  "7.17.0",
			"minimum_index_compatibility_version": "7.0.0",
		},
		"tagline": "You Know, for Search",
	})
}

func (h *Handler) license() map[string]any {
	return map[string]any{
		"status": "active", "uid": h.uuid, "type": "basic", "mode": "basic",
		"issue_date": "2024-01-01T00:00:00.000Z", "issue_date_in_millis": int64(1704067200000),
		"max_nodes": 1000, "max_resource_units": nil, "issued_to": h.o.ClusterName, "issuer": "elasticsearch",
		"start_date_in_millis": -1,
	}
}

// setupObject answers the set-up requests shippers make before sending
// (templates, ILM policies, pipelines, data streams, aliases, indices):
// everything exists and every change is acknowledged. EventSec keeps
// events in its own schema; these objects have no effect.
func (h *Handler) setupObject(w http.ResponseWriter, r *http.Request, kind, name string) {
	switch r.Method {
	case http.MethodHead:
		w.WriteHeader(http.StatusOK)
		return
	case http.MethodPut, http.MethodPost, http.MethodDelete:
		if kind == "_index" && r.Method == http.MethodPut {
			h.writeJSON(w, r, http.StatusOK, map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": name})
			return
		}
		h.writeJSON(w, r, http.StatusOK, map[string]any{"acknowledged": true})
		return
	case http.MethodGet:
	default:
		h.methodNotAllowed(w, r)
		return
	}
	if name == "" || strings.ContainsAny(name, "*,") {
		name = "eventsec"
	}
	var body any
	switch kind {
	case "_index_template":
		body = map[string]any{"index_templates": []any{map[string]any{"name": name, "index_template": map[string]any{
			"index_patterns": []string{name + "*"}, "composed_of": []string{}, "data_stream": map[string]any{}}}}}
	case "_component_template":
		body = map[string]any{"component_templates": []any{map[string]any{"name": name, "component_template": map[string]any{"template": map[string]any{}}}}}
	case "_ilm":
		body = map[string]any{name: map[string]any{"version": 1, "modified_date": "2024-01-01T00:00:00.000Z",
			"policy": map[string]any{"phases": map[string]any{"hot": map[string]any{"min_age": "0ms", "actions": map[string]any{}}}}}}
	case "_ingest":
		body = map[string]any{name: map[string]any{"description": "accepted by EventSec; not applied", "processors": []any{}}}
	case "_data_stream":
		body = map[string]any{"data_streams": []any{map[string]any{"name": name, "timestamp_field": map[string]string{"name": "@timestamp"},
			"indices": []any{}, "generation": 1, "status": "GREEN", "template": name}}}
	default: // _template, _alias, _mapping, _index
		body = map[string]any{name: map[string]any{"aliases": map[string]any{}, "mappings": map[string]any{}, "settings": map[string]any{}}}
	}
	h.writeJSON(w, r, http.StatusOK, body)
}

func (h *Handler) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	h.error(w, r, http.StatusMethodNotAllowed, "illegal_argument_exception",
		fmt.Sprintf("Incorrect HTTP method for uri [%s] and method [%s]", r.URL.Path, r.Method))
}

// error writes Elasticsearch's error shape.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, status int, typ, reason string) {
	cause := map[string]any{"type": typ, "reason": reason}
	h.writeJSON(w, r, status, map[string]any{
		"error":  map[string]any{"root_cause": []any{cause}, "type": typ, "reason": reason},
		"status": status,
	})
}

func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		h.log.Error("cannot encode response", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":{"type":"exception","reason":"internal error"},"status":500}`)
	}
	h.writeBody(w, r, status, append(b, '\n'))
}

func (h *Handler) writeBody(w http.ResponseWriter, r *http.Request, status int, b []byte) {
	ct := "application/json; charset=UTF-8"
	// Clients in compatibility mode ask for and check the vendor type.
	if a := r.Header.Get("Accept"); strings.Contains(a, "vnd.elasticsearch+json") {
		ct = "application/vnd.elasticsearch+json;compatible-with=" + h.o.Version[:strings.IndexByte(h.o.Version+".", '.')]
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

func retryAfter(p *ingest.Pipeline) string {
	return strconv.Itoa(max(1, int(p.RetryAfter().Round(time.Second)/time.Second)))
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	simple := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			simple = false
			break
		}
	}
	if simple {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s)
	return append(b, q...)
}
