package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/endpoint"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/store"
)

// endpointRoutes are the management API of endpoints (agents), their
// enrollment keys, agent settings and the block list. The agent channel
// itself (enroll, heartbeat, ...) is mounted from endpoint.AgentMounts:
// agents authenticate with their own tokens.
func (s *Server) endpointRoutes() []route {
	const tag = "Endpoints"
	idRead := func(path, summary, response string, h func(http.ResponseWriter, *http.Request, *call) error, q ...queryParam) route {
		return route{Method: "GET", Path: path, Perm: auth.PermEndpointsRead, Tag: tag, Summary: summary, Response: response, Status: 200, Handle: h, Query: q}
	}
	return []route{
		idRead("/api/v1/endpoints", "List endpoints with their status and the organisation's counts", "EndpointList", s.listEndpoints,
			queryParam{"status", "string", "online, offline or revoked"}, queryParam{"os", "string", "linux, windows or darwin"},
			queryParam{"group", "string", "exact group"}, queryParam{"q", "string", "substring of name, hostname, owner, location; or an id"},
			queryParam{"limit", "integer", "1 to 500, default 50"}, queryParam{"offset", "integer", "default 0"}),
		idRead("/api/v1/endpoints/config", "The organisation's agent settings (what agents collect, what actions may do)", "EndpointSettings", s.getEndpointSettings),
		{Method: "PUT", Path: "/api/v1/endpoints/config", Perm: auth.PermEndpointsWrite, Tag: tag, Summary: "Replace the agent settings; agents fetch them at their next heartbeat (audited)",
			Request: "EndpointSettingsBody", Response: "EndpointSettings", Status: 200, Handle: s.putEndpointSettings},
		idRead("/api/v1/endpoints/{id}", "Get an endpoint", "Endpoint", s.getEndpoint),
		{Method: "PATCH", Path: "/api/v1/endpoints/{id}", Perm: auth.PermEndpointsWrite, Tag: tag, Summary: "Edit an endpoint's name, owner, location, group or tags (audited)",
			Request: "EndpointPatch", Response: "Endpoint", Status: 200, Handle: s.patchEndpoint},
		{Method: "DELETE", Path: "/api/v1/endpoints/{id}", Perm: auth.PermEndpointsWrite, Tag: tag, Summary: "Revoke an endpoint's agent at once; its records stay (audited)",
			Status: 204, Handle: s.revokeEndpoint},
		idRead("/api/v1/endpoints/{id}/metrics", "Resource history (CPU, memory, disk, network) over a time range", "EndpointMetrics", s.endpointMetrics,
			queryParam{"from", "string", "RFC 3339 or now-24h (default now-1h)"}, queryParam{"to", "string", "RFC 3339 or now (default now)"}),
		idRead("/api/v1/endpoints/{id}/inventory", "The latest full inventory: hardware, network, listening ports, processes, users, software", "Inventory", s.endpointInventory),
		idRead("/inventory/{agent_id}", "Alias of GET /api/v1/endpoints/{id}/inventory (the seed's path)", "Inventory", s.endpointInventory),
		idRead("/api/v1/endpoints/{id}/processes", "Processes of the latest inventory", "ProcessList", s.endpointProcesses,
			queryParam{"q", "string", "substring of name, executable, command line or user"}),
		idRead("/api/v1/endpoints/{id}/software", "Installed software of the latest inventory", "SoftwareList", s.endpointSoftware,
			queryParam{"q", "string", "substring of the package name"}),
		idRead("/api/v1/endpoints/{id}/vulnerabilities", "Known vulnerabilities of the installed software", "VulnerabilityList", s.endpointVulns),
		idRead("/api/v1/endpoints/{id}/sca", "Configuration assessment: the latest result per policy with its checks, and the score history", "SCAResults", s.endpointSCA),
		idRead("/sca/{agent_id}", "Alias of GET /api/v1/endpoints/{id}/sca (the seed's path)", "SCAResults", s.endpointSCA),
		idRead("/api/v1/endpoints/{id}/fim", "File integrity changes, newest first", "EventPage", s.endpointFIM,
			queryParam{"size", "integer", "1 to 500, default 50"}, queryParam{"cursor", "string", "next_cursor of the previous page"}),
		idRead("/api/v1/endpoints/{id}/alerts", "Alerts of the last 30 days about the endpoint's host", "AlertList", s.endpointAlerts,
			queryParam{"limit", "integer", "1 to 500, default 100"}),
		idRead("/api/v1/endpoints/{id}/actions", "Remote actions of the endpoint, newest first", "ActionList", s.listEndpointActions,
			queryParam{"limit", "integer", "1 to 500, default 100"}),
		{Method: "POST", Path: "/api/v1/endpoints/{id}/actions", Perm: auth.PermEndpointsRespond, Tag: tag,
			Summary: "Queue a remote action (isolate, release, kill_process, run_command, collect_file, restart_agent, reboot); audited",
			Request: "ActionCreate", Response: "Action", Status: 201, Handle: s.queueEndpointAction},
		{Method: "GET", Path: "/api/v1/endpoints/{id}/actions/{action_id}/file", Perm: auth.PermEndpointsRespond, Tag: tag,
			Summary: "Download the file a collect_file action collected", Status: 200, Handle: s.downloadCollected},

		{Method: "GET", Path: "/api/v1/enrollment-keys", Perm: auth.PermEndpointsWrite, Tag: tag, Summary: "List enrollment keys (revoked ones too)",
			Response: "EnrollmentKeyList", Status: 200, Handle: s.listEnrollmentKeys},
		{Method: "POST", Path: "/api/v1/enrollment-keys", Perm: auth.PermEndpointsWrite, Tag: tag, Summary: "Create an enrollment key; the key is in this response only (audited)",
			Request: "EnrollmentKeyCreate", Response: "EnrollmentKeyCreated", Status: 201, Handle: s.createEnrollmentKey},
		{Method: "DELETE", Path: "/api/v1/enrollment-keys/{id}", Perm: auth.PermEndpointsWrite, Tag: tag, Summary: "Revoke an enrollment key (enrolled agents keep working)",
			Status: 204, Handle: s.revokeEnrollmentKey},
		idRead("/api/v1/agents/downloads", "Agent binaries this server offers, by platform (download: GET /api/v1/agents/download/{platform})", "AgentDownloads", s.agentDownloads),

		idRead("/api/v1/blocklist", "The organisation's block list (IPs/CIDRs, domains, URLs, e-mail senders), delivered to agents", "BlockList", s.listBlocks),
		{Method: "POST", Path: "/api/v1/blocklist", Perm: auth.PermEndpointsRespond, Tag: tag, Summary: "Block an indicator (audited); agents receive it with their configuration",
			Request: "BlockCreate", Response: "Block", Status: 201, Handle: s.addBlock},
		{Method: "DELETE", Path: "/api/v1/blocklist/{id}", Perm: auth.PermEndpointsRespond, Tag: tag, Summary: "Remove a block-list entry (audited)",
			Status: 204, Handle: s.deleteBlock},
	}
}

var errNoEndpoints = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "endpoint management is not running on this server"}

// endpointError maps the endpoint service's errors; the rest go to
// toHTTPError.
func endpointError(err error) error {
	var ve *endpoint.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return &HTTPError{Status: http.StatusBadRequest, Code: "validation_failed", Field: ve.Field, Msg: ve.Message}
	case errors.Is(err, endpoint.ErrNotAllowed):
		return &HTTPError{Status: http.StatusForbidden, Code: "policy_refused", Msg: err.Error()}
	case errors.Is(err, store.ErrConflict):
		return &HTTPError{Status: http.StatusConflict, Code: "conflict", Msg: strings.TrimSuffix(err.Error(), ": "+store.ErrConflict.Error())}
	}
	return err
}

func endpointActor(c *call) endpoint.Actor {
	return endpoint.Actor{OrgID: c.principal.OrgID, UserID: c.principal.UserID, Email: c.principal.Email, ClientIP: c.meta.IP, RequestID: c.meta.RequestID}
}

// endpointID is the path's endpoint: {id}, or {agent_id} on the seed's paths.
func endpointID(r *http.Request) string {
	if id := r.PathValue("id"); id != "" {
		return id
	}
	return r.PathValue("agent_id")
}

type endpointView struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	Hostname        string           `json:"hostname"`
	Status          string           `json:"status"`
	OS              string           `json:"os"`
	Platform        string           `json:"platform"`
	PlatformVersion string           `json:"platform_version"`
	Arch            string           `json:"arch"`
	AgentVersion    string           `json:"agent_version"`
	Owner           string           `json:"owner"`
	Location        string           `json:"location"`
	Group           string           `json:"group"`
	Tags            []string         `json:"tags"`
	Isolated        bool             `json:"isolated"`
	ConfigVersion   int64            `json:"config_version"`
	LastSeen        *time.Time       `json:"last_seen"`
	LastIP          string           `json:"last_ip"`
	EnrolledAt      time.Time        `json:"enrolled_at"`
	UpdatedAt       time.Time        `json:"updated_at"`
	RevokedAt       *time.Time       `json:"revoked_at"`
	Facts           wire.HostFacts   `json:"facts"`
	Health          wire.AgentStatus `json:"health"`
}

func viewEndpoint(a endpoint.Agent) endpointView {
	tags := a.Tags
	if tags == nil {
		tags = []string{}
	}
	return endpointView{ID: a.ID, Name: a.Name, Hostname: a.Hostname, Status: a.Status, OS: a.OS, Platform: a.Platform,
		PlatformVersion: a.PlatformVersion, Arch: a.Arch, AgentVersion: a.AgentVersion, Owner: a.Owner, Location: a.Location,
		Group: a.Group, Tags: tags, Isolated: a.Isolated, ConfigVersion: a.ConfigVersion, LastSeen: a.LastSeen, LastIP: a.LastIP,
		EnrolledAt: a.EnrolledAt, UpdatedAt: a.UpdatedAt, RevokedAt: a.RevokedAt, Facts: a.Facts, Health: a.Health}
}

func (s *Server) listEndpoints(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	q := r.URL.Query()
	limit, err := queryInt(q, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	offset, err := queryInt(q, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	page, err := s.o.Endpoints.ListAgents(r.Context(), c.principal.OrgID, endpoint.ListFilter{Status: q.Get("status"), OS: q.Get("os"),
		Group: q.Get("group"), Query: searchText(q), Limit: limit, Offset: offset})
	if err != nil {
		return endpointError(err)
	}
	items := make([]endpointView, 0, len(page.Items))
	for _, a := range page.Items {
		items = append(items, viewEndpoint(a))
	}
	cn := page.Counts
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": page.Total, "counts": map[string]any{
		"active": cn.Active, "online": cn.Online, "offline": cn.Active - cn.Online, "revoked": cn.Revoked, "by_os": cn.ByOS, "by_group": cn.ByGroup}})
	return nil
}

func (s *Server) getEndpoint(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	a, err := s.o.Endpoints.GetAgent(r.Context(), c.principal.OrgID, endpointID(r))
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusOK, viewEndpoint(a))
	return nil
}

type endpointPatch struct {
	Name     *string   `json:"name"`
	Owner    *string   `json:"owner"`
	Location *string   `json:"location"`
	Group    *string   `json:"group"`
	Tags     *[]string `json:"tags"`
}

func (s *Server) patchEndpoint(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	var in endpointPatch
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	a, err := s.o.Endpoints.UpdateAgent(r.Context(), endpointActor(c), endpointID(r), endpoint.AgentPatch{Name: in.Name, Owner: in.Owner,
		Location: in.Location, Group: in.Group, Tags: in.Tags})
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusOK, viewEndpoint(a))
	return nil
}

func (s *Server) revokeEndpoint(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	if err := s.o.Endpoints.RevokeAgent(r.Context(), endpointActor(c), endpointID(r)); err != nil {
		return endpointError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type metricPoint struct {
	At            time.Time `json:"at"`
	CPUPercent    float64   `json:"cpu_percent"`
	MemUsedBytes  int64     `json:"mem_used_bytes"`
	MemTotalBytes int64     `json:"mem_total_bytes"`
	DiskUsedBytes int64     `json:"disk_used_bytes"`
	DiskTotal     int64     `json:"disk_total_bytes"`
	NetRxBytes    int64     `json:"net_rx_bytes"`
	NetTxBytes    int64     `json:"net_tx_bytes"`
	Load1         float64   `json:"load1"`
}

func (s *Server) endpointMetrics(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	now := s.o.Now()
	q := r.URL.Query()
	from, to, err := timeRange(q.Get, now)
	if err != nil {
		return err
	}
	if from.IsZero() {
		from = now.Add(-time.Hour)
	}
	if to.IsZero() {
		to = now
	}
	if !from.Before(to) {
		return badRequest("validation_failed", "from", "from must be before to")
	}
	series, err := s.o.Endpoints.Metrics(r.Context(), c.principal.OrgID, endpointID(r), from, to)
	if err != nil {
		return endpointError(err)
	}
	pts := make([]metricPoint, 0, len(series.Points))
	for _, p := range series.Points {
		pts = append(pts, metricPoint{At: p.At, CPUPercent: p.CPUPercent, MemUsedBytes: p.MemUsedBytes, MemTotalBytes: p.MemTotalBytes,
			DiskUsedBytes: p.DiskUsedBytes, DiskTotal: p.DiskTotal, NetRxBytes: p.NetRxBytes, NetTxBytes: p.NetTxBytes, Load1: p.Load1})
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "resolution_seconds": series.Resolution, "points": pts})
	return nil
}

func (s *Server) endpointInventory(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	inv, received, err := s.o.Endpoints.Inventory(r.Context(), c.principal.OrgID, endpointID(r))
	if errors.Is(err, store.ErrNotFound) {
		// The agent exists but has not sent an inventory yet.
		if _, gerr := s.o.Endpoints.GetAgent(r.Context(), c.principal.OrgID, endpointID(r)); gerr == nil {
			writeJSON(w, http.StatusOK, map[string]any{"received_at": nil, "inventory": nil})
			return nil
		}
	}
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"received_at": received, "inventory": inv})
	return nil
}

func (s *Server) endpointProcesses(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	ps, err := s.o.Endpoints.Processes(r.Context(), c.principal.OrgID, endpointID(r), searchText(r.URL.Query()))
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ps, "total": len(ps)})
	return nil
}

func (s *Server) endpointSoftware(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	sw, err := s.o.Endpoints.Software(r.Context(), c.principal.OrgID, endpointID(r), searchText(r.URL.Query()))
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": sw, "total": len(sw)})
	return nil
}

func (s *Server) endpointVulns(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	vs, err := s.o.Endpoints.Vulnerabilities(r.Context(), c.principal.OrgID, endpointID(r))
	if errors.Is(err, endpoint.ErrUnavailable) {
		writeJSON(w, http.StatusOK, map[string]any{"available": false, "items": []any{},
			"message": "vulnerability matching is not set up on this server: import vulnerability data first"})
		return nil
	}
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"available": true, "items": vs})
	return nil
}

func (s *Server) endpointSCA(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	v, err := s.o.Endpoints.SCA(r.Context(), c.principal.OrgID, endpointID(r))
	if err != nil {
		return endpointError(err)
	}
	type policy struct {
		PolicyID      string          `json:"policy_id"`
		PolicyName    string          `json:"policy_name"`
		FinishedAt    time.Time       `json:"finished_at"`
		ReceivedAt    time.Time       `json:"received_at"`
		Score         float64         `json:"score"`
		Passed        int             `json:"passed"`
		Failed        int             `json:"failed"`
		NotApplicable int             `json:"not_applicable"`
		Checks        []wire.SCACheck `json:"checks"`
	}
	type point struct {
		PolicyID   string    `json:"policy_id"`
		FinishedAt time.Time `json:"finished_at"`
		Score      float64   `json:"score"`
		Passed     int       `json:"passed"`
		Failed     int       `json:"failed"`
	}
	ps := make([]policy, 0, len(v.Policies))
	for _, p := range v.Policies {
		ps = append(ps, policy{p.PolicyID, p.PolicyName, p.FinishedAt, p.ReceivedAt, p.Score, p.Passed, p.Failed, p.NotApplicable, p.Checks})
	}
	hist := make([]point, 0, len(v.History))
	for _, h := range v.History {
		hist = append(hist, point{h.PolicyID, h.FinishedAt, h.Score, h.Passed, h.Failed})
	}
	writeJSON(w, http.StatusOK, map[string]any{"policies": ps, "history": hist})
	return nil
}

func (s *Server) endpointFIM(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	size, err := queryInt(r.URL.Query(), "size", 50, 1, 500)
	if err != nil {
		return err
	}
	page, err := s.o.Endpoints.FIM(r.Context(), c.principal.OrgID, endpointID(r), size, r.URL.Query().Get("cursor"))
	if errors.Is(err, endpoint.ErrUnavailable) {
		writeJSON(w, http.StatusOK, map[string]any{"items": []any{}, "total": 0, "next_cursor": nil})
		return nil
	}
	if err != nil {
		return storeError(endpointError(err))
	}
	items := page.Events
	if items == nil {
		items = []event.Event{}
	}
	var next *string
	if page.NextCursor != "" {
		next = &page.NextCursor
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": page.Total, "next_cursor": next})
	return nil
}

func (s *Server) endpointAlerts(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	limit, err := queryInt(r.URL.Query(), "limit", 100, 1, 500)
	if err != nil {
		return err
	}
	alerts, err := s.o.Endpoints.Alerts(r.Context(), c.principal.OrgID, endpointID(r), limit)
	if err != nil {
		return endpointError(err)
	}
	views := make([]detect.AlertView, 0, len(alerts))
	for _, a := range alerts {
		views = append(views, detect.AlertViewOf(a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": views, "total": len(views), "next_cursor": ""})
	return nil
}

type actionView struct {
	ID          string          `json:"id"`
	AgentID     string          `json:"agent_id"`
	Type        string          `json:"type"`
	Params      json.RawMessage `json:"params"`
	Reason      string          `json:"reason"`
	State       string          `json:"state"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
	ExpiresAt   time.Time       `json:"expires_at"`
	DeliveredAt *time.Time      `json:"delivered_at"`
	FinishedAt  *time.Time      `json:"finished_at"`
	ExitCode    int             `json:"exit_code"`
	Output      string          `json:"output"`
	Error       string          `json:"error"`
	File        *fileView       `json:"file"`
}

type fileView struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

func viewAction(a endpoint.Action) actionView {
	v := actionView{ID: a.ID, AgentID: a.AgentID, Type: a.Type, Params: json.RawMessage(a.Params), Reason: a.Reason, State: a.State,
		CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, ExpiresAt: a.ExpiresAt, DeliveredAt: a.DeliveredAt, FinishedAt: a.FinishedAt,
		ExitCode: a.ExitCode, Output: a.Output, Error: a.Error}
	if !json.Valid(v.Params) {
		v.Params = json.RawMessage("{}")
	}
	if a.File != "" {
		v.File = &fileView{Name: a.File, SHA256: a.FileSHA256, Size: a.FileSize}
	}
	return v
}

func (s *Server) listEndpointActions(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	limit, err := queryInt(r.URL.Query(), "limit", 100, 1, 500)
	if err != nil {
		return err
	}
	acts, err := s.o.Endpoints.ListActions(r.Context(), c.principal.OrgID, endpointID(r), limit)
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": mapSlice(acts, viewAction)})
	return nil
}

type actionCreate struct {
	Type   string          `json:"type"`
	Params json.RawMessage `json:"params"`
	Reason string          `json:"reason"`
}

func (s *Server) queueEndpointAction(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	var in actionCreate
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.Type == "" {
		return badRequest("validation_failed", "type", "type is required")
	}
	act, err := s.o.Endpoints.QueueAction(r.Context(), c.principal.OrgID, endpointID(r), endpointActor(c), in.Type, in.Params, in.Reason)
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusCreated, viewAction(act))
	return nil
}

func (s *Server) downloadCollected(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	f, act, err := s.o.Endpoints.OpenCollected(r.Context(), c.principal.OrgID, endpointID(r), r.PathValue("action_id"))
	if err != nil {
		return endpointError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+act.File+`"`)
	w.Header().Set("X-Checksum-SHA256", act.FileSHA256)
	http.ServeContent(w, r, act.File, fi.ModTime(), f)
	return nil
}

func (s *Server) getEndpointSettings(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	st, v, err := s.o.Endpoints.GetSettings(r.Context(), c.principal.OrgID)
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": v, "settings": st})
	return nil
}

func (s *Server) putEndpointSettings(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	var in endpoint.Settings
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	v, err := s.o.Endpoints.PutSettings(r.Context(), endpointActor(c), in)
	if err != nil {
		return endpointError(err)
	}
	st, _, err := s.o.Endpoints.GetSettings(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": v, "settings": st})
	return nil
}

type enrollKeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Uses       int64      `json:"uses"`
}

func viewEnrollKey(k store.EnrollmentKey) enrollKeyView {
	return enrollKeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt,
		RevokedAt: k.RevokedAt, LastUsedAt: k.LastUsedAt, Uses: k.Uses}
}

func (s *Server) listEnrollmentKeys(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	keys, err := s.o.Endpoints.ListKeys(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": mapSlice(keys, viewEnrollKey)})
	return nil
}

func (s *Server) createEnrollmentKey(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	var in struct {
		Name          string `json:"name"`
		ExpiresInDays int    `json:"expires_in_days"`
	}
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	k, secret, err := s.o.Endpoints.CreateKey(r.Context(), endpointActor(c), in.Name, in.ExpiresInDays)
	if err != nil {
		return endpointError(err)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, struct {
		enrollKeyView
		Key string `json:"key"`
	}{viewEnrollKey(k), secret})
	return nil
}

func (s *Server) revokeEnrollmentKey(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	if err := s.o.Endpoints.RevokeKey(r.Context(), endpointActor(c), r.PathValue("id")); err != nil {
		return endpointError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) agentDownloads(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	type dl struct {
		Platform  string     `json:"platform"`
		Available bool       `json:"available"`
		FileName  string     `json:"file_name"`
		URL       string     `json:"url"`
		Size      int64      `json:"size"`
		SHA256    string     `json:"sha256"`
		BuiltAt   *time.Time `json:"built_at"`
	}
	out := []dl{}
	for _, d := range s.o.Endpoints.Downloads() {
		v := dl{Platform: d.Platform, Available: d.Available, FileName: d.FileName, URL: "/api/v1/agents/download/" + d.Platform, Size: d.Size, SHA256: d.SHA256}
		if d.Available {
			t := d.ModTime.UTC()
			v.BuiltAt = &t
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type blockView struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Value     string     `json:"value"`
	Reason    string     `json:"reason"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func viewBlock(e endpoint.BlockEntry) blockView {
	return blockView{ID: e.ID, Kind: e.Kind, Value: e.Value, Reason: e.Reason, CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt, ExpiresAt: e.ExpiresAt}
}

func (s *Server) listBlocks(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	list, err := s.o.Endpoints.ListBlocks(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": mapSlice(list, viewBlock)})
	return nil
}

func (s *Server) addBlock(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	var in struct {
		Kind      string     `json:"kind"`
		Value     string     `json:"value"`
		Reason    string     `json:"reason"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	e, err := s.o.Endpoints.AddBlock(r.Context(), c.principal.OrgID, endpointActor(c),
		endpoint.BlockEntry{Kind: in.Kind, Value: in.Value, Reason: in.Reason, ExpiresAt: in.ExpiresAt})
	if err != nil {
		return endpointError(err)
	}
	writeJSON(w, http.StatusCreated, viewBlock(e))
	return nil
}

func (s *Server) deleteBlock(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Endpoints == nil {
		return errNoEndpoints
	}
	if err := s.o.Endpoints.DeleteBlock(r.Context(), endpointActor(c), r.PathValue("id")); err != nil {
		return endpointError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
