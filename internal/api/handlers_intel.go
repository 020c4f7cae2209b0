package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/intel"
	"github.com/eventsec/eventsec/internal/store"
)

var errNoIntel = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "threat intel is not running on this server"}

// maxIntelImportBytes bounds one imported indicator document.
const maxIntelImportBytes = 64 << 20

// intelRoutes are the threat-intel routes: the seed's /api/threats/* and
// /api/v1/intel/*.
func (s *Server) intelRoutes() []route {
	const tag = "Threat intel"
	listQuery := []queryParam{{"type", "string", "indicator type"}, {"source", "string", "exact source (manual, an import's name, feed:<id>)"},
		{"feed_id", "string", "a feed's indicators"}, {"severity", "string", "informational, low, medium, high, critical"},
		{"tag", "string", "one tag"}, {"q", "string", "substring of the value or description"},
		{"active", "boolean", "true: not expired; false: expired"}, {"sort", "string", "updated (default), value, sightings"},
		{"limit", "integer", "1 to 500, default 50"}, {"offset", "integer", "default 0"}}
	r, w := auth.PermIntelRead, auth.PermIntelWrite
	return []route{
		{Method: "GET", Path: "/api/threats/indicators", Perm: r, Tag: tag, Summary: "List threat indicators (the seed's path; same as /api/v1/intel/indicators)",
			Response: "IndicatorList", Status: 200, Handle: s.listIndicators, Query: listQuery},
		{Method: "POST", Path: "/api/threats/indicators", Perm: w, Tag: tag, Summary: "Add a threat indicator (the seed's path)",
			Request: "IndicatorCreate", Response: "Indicator", Status: 201, Handle: s.createIndicator},
		{Method: "GET", Path: "/api/threats/patterns", Perm: r, Tag: tag, Summary: "Security patterns: the enabled detection rules with their ATT&CK mapping, and the indicator types matched at ingest",
			Response: "PatternList", Status: 200, Handle: s.threatPatterns},
		{Method: "POST", Path: "/api/threats/check", Perm: r, Tag: tag, Summary: "Check values: matching indicators, sightings, stored events mentioning them, external verdicts",
			Request: "ThreatCheck", Response: "ThreatCheckResult", Status: 200, Handle: s.threatCheck},

		{Method: "GET", Path: "/api/v1/intel/summary", Perm: r, Tag: tag, Summary: "Indicators by type, feeds, sightings of the last 24 hours",
			Response: "IntelSummary", Status: 200, Handle: s.intelSummary},
		{Method: "GET", Path: "/api/v1/intel/indicators", Perm: r, Tag: tag, Summary: "List indicators with filters and paging",
			Response: "IndicatorList", Status: 200, Handle: s.listIndicators, Query: listQuery},
		{Method: "POST", Path: "/api/v1/intel/indicators", Perm: w, Tag: tag, Summary: "Add an indicator; it matches at once and stored events are retro-hunted",
			Request: "IndicatorCreate", Response: "Indicator", Status: 201, Handle: s.createIndicator},
		{Method: "POST", Path: "/api/v1/intel/indicators/delete", Perm: w, Tag: tag, Summary: "Delete several indicators (and their sightings)",
			Request: "IndicatorBulkDelete", Response: "IndicatorBulkDeleted", Status: 200, Handle: s.bulkDeleteIndicators},
		{Method: "GET", Path: "/api/v1/intel/indicators/{id}", Perm: r, Tag: tag, Summary: "Get an indicator with its sighting counts and retro-hunt result",
			Response: "Indicator", Status: 200, Handle: s.getIndicator},
		{Method: "PATCH", Path: "/api/v1/intel/indicators/{id}", Perm: w, Tag: tag, Summary: "Edit an indicator (null expires_at removes the expiry)",
			Request: "IndicatorPatch", Response: "Indicator", Status: 200, Handle: s.patchIndicator},
		{Method: "DELETE", Path: "/api/v1/intel/indicators/{id}", Perm: w, Tag: tag, Summary: "Delete an indicator and its sightings",
			Status: 204, Handle: s.deleteIndicator},
		{Method: "POST", Path: "/api/v1/intel/indicators/{id}/retrohunt", Perm: w, Tag: tag, Summary: "Search stored events for the indicator again and record past sightings",
			Response: "Indicator", Status: 200, Handle: s.retroHuntIndicator},
		{Method: "POST", Path: "/api/v1/intel/import", Perm: w, Tag: tag,
			Summary: "Import indicators: STIX 2.1 bundle, MISP event JSON, CSV or a plain list (multipart field file, or the raw body); a report per record",
			Body:    "IntelImport", Response: "IntelImportReport", Status: 200, Handle: s.importIndicators, Query: []queryParam{
				{"format", "string", "stix, misp, csv or plain; detected when empty"}, {"name", "string", "file name, for the report (raw body)"},
				{"source", "string", "source name (default import); re-importing a source updates it"},
				{"confidence", "integer", "default confidence 0-100"}, {"severity", "string", "default severity"},
				{"tags", "string", "comma-separated tags added to every indicator"}, {"type", "string", "force the type of a plain list's values"}}},
		{Method: "GET", Path: "/api/v1/intel/export", Perm: r, Tag: tag, Summary: "Export indicators as a STIX 2.1 bundle or CSV (same filters as the list)",
			Status: 200, Handle: s.exportIndicators, Query: append([]queryParam{{"format", "string", "stix (default) or csv"}}, listQuery[:7]...)},
		{Method: "GET", Path: "/api/v1/intel/sightings", Perm: r, Tag: tag, Summary: "Events that matched indicators (live and retro-hunted), newest first",
			Response: "SightingList", Status: 200, Handle: s.listSightings, Query: []queryParam{{"indicator_id", "string", "one indicator's"},
				{"origin", "string", "live or retro"}, {"since", "string", "RFC 3339 or now-24h"}, {"limit", "integer", "1 to 500, default 50"},
				{"offset", "integer", "default 0"}}},
		{Method: "GET", Path: "/api/v1/intel/feeds", Perm: r, Tag: tag, Summary: "Feed subscriptions with their status",
			Response: "FeedList", Status: 200, Handle: s.listFeeds},
		{Method: "POST", Path: "/api/v1/intel/feeds", Perm: w, Tag: tag, Summary: "Subscribe to a feed (fetched at once, then every interval, with conditional requests)",
			Request: "FeedCreate", Response: "Feed", Status: 201, Handle: s.createFeed},
		{Method: "GET", Path: "/api/v1/intel/feeds/{id}", Perm: r, Tag: tag, Summary: "Get a feed and its status",
			Response: "Feed", Status: 200, Handle: s.getFeed},
		{Method: "PATCH", Path: "/api/v1/intel/feeds/{id}", Perm: w, Tag: tag, Summary: "Change a feed (name, URL, format, interval, enabled, defaults)",
			Request: "FeedPatch", Response: "Feed", Status: 200, Handle: s.patchFeed},
		{Method: "DELETE", Path: "/api/v1/intel/feeds/{id}", Perm: w, Tag: tag, Summary: "Unsubscribe; the feed's indicators expire",
			Status: 204, Handle: s.deleteFeed},
		{Method: "POST", Path: "/api/v1/intel/feeds/{id}/run", Perm: w, Tag: tag, Summary: "Fetch a feed now and answer with the run's result",
			Response: "FeedRun", Status: 200, Handle: s.runFeed},
	}
}

// intelError maps the intel service's errors to the API's.
func intelError(err error) error {
	if err == nil {
		return nil
	}
	var fe *intel.FieldError
	switch {
	case errors.As(err, &fe):
		return &HTTPError{Status: http.StatusBadRequest, Code: "validation_failed", Field: fe.Field, Msg: fe.Error()}
	case errors.Is(err, intel.ErrInvalid):
		return &HTTPError{Status: http.StatusBadRequest, Code: "validation_failed", Msg: strings.TrimPrefix(err.Error(), "invalid: ")}
	case errors.Is(err, store.ErrConflict):
		msg := strings.TrimPrefix(err.Error(), store.ErrConflict.Error()+": ")
		field, rest, ok := strings.Cut(msg, ": ")
		if !ok || strings.ContainsAny(field, " ") {
			return err
		}
		return &HTTPError{Status: http.StatusConflict, Code: "conflict", Field: field, Msg: rest}
	}
	return err
}

func (s *Server) intelSvc() (*intel.Service, error) {
	if s.o.Intel == nil {
		return nil, errNoIntel
	}
	return s.o.Intel, nil
}

func intelActor(c *call) intel.Actor {
	return intel.Actor{OrgID: c.principal.OrgID, UserID: c.principal.UserID, Email: c.principal.Email,
		ClientIP: c.meta.IP, RequestID: c.meta.RequestID}
}

// indicatorView is an indicator as the API shows it.
type indicatorView struct {
	ID             string     `json:"id"`
	Type           string     `json:"type"`
	Value          string     `json:"value"`
	Confidence     int        `json:"confidence"`
	Severity       string     `json:"severity"`
	Source         string     `json:"source"`
	FeedID         string     `json:"feed_id"`
	Tags           []string   `json:"tags"`
	Description    string     `json:"description"`
	ExactOnly      bool       `json:"exact_only"`
	FirstSeen      time.Time  `json:"first_seen"`
	LastSeen       time.Time  `json:"last_seen"`
	ExpiresAt      *time.Time `json:"expires_at"`
	Active         bool       `json:"active"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Sightings      int64      `json:"sightings"`
	LastSightingAt *time.Time `json:"last_sighting_at"`
	RetroStatus    string     `json:"retro_status"`
	RetroHits      int64      `json:"retro_hits"`
	RetroAt        *time.Time `json:"retro_at"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *Server) indicatorViewOf(in store.Indicator) indicatorView {
	tags := in.Tags
	if tags == nil {
		tags = []string{}
	}
	return indicatorView{ID: in.ID, Type: in.Type, Value: in.Value, Confidence: in.Confidence, Severity: in.Severity, Source: in.Source,
		FeedID: in.FeedID, Tags: tags, Description: in.Description, ExactOnly: in.ExactOnly, FirstSeen: in.FirstSeen.UTC(),
		LastSeen: in.LastSeen.UTC(), ExpiresAt: utcPtr(in.ExpiresAt), Active: in.ExpiresAt == nil || in.ExpiresAt.After(s.o.Now()),
		CreatedBy: in.CreatedBy, CreatedAt: in.CreatedAt.UTC(), UpdatedAt: in.UpdatedAt.UTC(), Sightings: in.Sightings,
		LastSightingAt: utcPtr(in.LastSightingAt), RetroStatus: in.RetroStatus, RetroHits: in.RetroHits, RetroAt: utcPtr(in.RetroAt)}
}

func indicatorFilter(q map[string][]string) (store.IndicatorFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	f := store.IndicatorFilter{Type: get("type"), Source: get("source"), FeedID: get("feed_id"), Severity: get("severity"),
		Tag: get("tag"), Query: get("q"), Sort: get("sort")}
	if f.Type != "" && !intel.Type(f.Type).Valid() {
		return f, badRequest("validation_failed", "type", "type must be one of the indicator types")
	}
	if f.Severity != "" && intel.SeverityRank(f.Severity) < 0 {
		return f, badRequest("validation_failed", "severity", "severity must be informational, low, medium, high or critical")
	}
	switch f.Sort {
	case "", "updated", "value", "sightings":
	default:
		return f, badRequest("validation_failed", "sort", "sort must be updated, value or sightings")
	}
	switch get("active") {
	case "":
	case "true":
		t := true
		f.Active = &t
	case "false":
		t := false
		f.Active = &t
	default:
		return f, badRequest("validation_failed", "active", "active must be true or false")
	}
	return f, nil
}

func (s *Server) listIndicators(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	f, err := indicatorFilter(r.URL.Query())
	if err != nil {
		return err
	}
	if f.Limit, err = queryInt(r.URL.Query(), "limit", 50, 1, 500); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r.URL.Query(), "offset", 0, 0, 1<<30); err != nil {
		return err
	}
	f.Now = s.o.Now()
	list, total, err := svc.ListIndicators(r.Context(), c.principal.OrgID, f)
	if err != nil {
		return err
	}
	out := make([]indicatorView, 0, len(list))
	for _, in := range list {
		out = append(out, s.indicatorViewOf(in))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total})
	return nil
}

// indicatorBody is an indicator as created or patched. expires_at is raw
// so that a patch can tell null (remove the expiry) from absent.
type indicatorBody struct {
	Type        string          `json:"type"`
	Value       string          `json:"value"`
	Confidence  *int            `json:"confidence"`
	Severity    string          `json:"severity"`
	Source      string          `json:"source"`
	Tags        *[]string       `json:"tags"`
	Description *string         `json:"description"`
	ExactOnly   *bool           `json:"exact_only"`
	ExpiresAt   json.RawMessage `json:"expires_at"`
	LastSeen    *time.Time      `json:"last_seen"`
}

func (b *indicatorBody) input() (intel.IndicatorInput, error) {
	in := intel.IndicatorInput{Type: b.Type, Value: b.Value, Confidence: b.Confidence, Severity: b.Severity, Source: b.Source,
		ExactOnly: b.ExactOnly, LastSeen: b.LastSeen}
	if b.Tags != nil {
		in.Tags, in.SetTags = *b.Tags, true
	}
	if b.Description != nil {
		in.Description, in.SetDescription = *b.Description, true
	}
	if len(b.ExpiresAt) > 0 {
		if string(bytes.TrimSpace(b.ExpiresAt)) == "null" {
			in.ClearExpiry = true
		} else {
			var t time.Time
			if err := json.Unmarshal(b.ExpiresAt, &t); err != nil {
				return in, badRequest("validation_failed", "expires_at", "expires_at must be an RFC 3339 time or null")
			}
			in.ExpiresAt = &t
		}
	}
	return in, nil
}

func (s *Server) createIndicator(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	var b indicatorBody
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &b); err != nil {
		return err
	}
	if strings.TrimSpace(b.Value) == "" {
		return badRequest("validation_failed", "value", "value is required")
	}
	in, err := b.input()
	if err != nil {
		return err
	}
	x, err := svc.CreateIndicator(r.Context(), intelActor(c), in)
	if err != nil {
		return intelError(err)
	}
	writeJSON(w, http.StatusCreated, s.indicatorViewOf(x))
	return nil
}

func (s *Server) getIndicator(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	x, err := svc.GetIndicator(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.indicatorViewOf(x))
	return nil
}

func (s *Server) patchIndicator(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	var b indicatorBody
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &b); err != nil {
		return err
	}
	if b.Source != "" {
		return badRequest("validation_failed", "source", "an indicator's source cannot change")
	}
	in, err := b.input()
	if err != nil {
		return err
	}
	x, err := svc.UpdateIndicator(r.Context(), intelActor(c), r.PathValue("id"), in)
	if err != nil {
		return intelError(err)
	}
	writeJSON(w, http.StatusOK, s.indicatorViewOf(x))
	return nil
}

func (s *Server) deleteIndicator(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	if _, err := svc.DeleteIndicators(r.Context(), intelActor(c), []string{r.PathValue("id")}); err != nil {
		return intelError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) bulkDeleteIndicators(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	var b struct {
		IDs []string `json:"ids"`
	}
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &b); err != nil {
		return err
	}
	n, err := svc.DeleteIndicators(r.Context(), intelActor(c), b.IDs)
	if errors.Is(err, store.ErrNotFound) {
		n, err = 0, nil // none of them exists (any more): nothing to do
	}
	if err != nil {
		return intelError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": n})
	return nil
}

func (s *Server) retroHuntIndicator(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	if s.o.Events == nil {
		return errNoEventStore
	}
	id := r.PathValue("id")
	if err := svc.RetroHunt(r.Context(), c.principal.OrgID, id); err != nil {
		return intelError(err)
	}
	x, err := svc.GetIndicator(r.Context(), c.principal.OrgID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.indicatorViewOf(x))
	return nil
}

func (s *Server) importIndicators(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxIntelImportBytes)
	q := r.URL.Query()
	opts := map[string]string{}
	for _, k := range []string{"format", "name", "source", "confidence", "severity", "tags", "type"} {
		opts[k] = q.Get(k)
	}
	var data []byte
	readErr := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Msg: fmt.Sprintf("an import may be at most %d bytes", maxIntelImportBytes)}
		}
		return badRequest("upload_failed", "file", "the upload was interrupted: %v", err)
	}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data") {
		mr, err := r.MultipartReader()
		if err != nil {
			return badRequest("validation_failed", "file", "cannot read the multipart body: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return readErr(err)
			}
			name := part.FormName()
			if name == "file" {
				if opts["name"] == "" {
					opts["name"] = part.FileName()
				}
				if data, err = io.ReadAll(part); err != nil {
					return readErr(err)
				}
				continue
			}
			if _, ok := opts[name]; ok {
				b, _ := io.ReadAll(io.LimitReader(part, 1024))
				opts[name] = strings.TrimSpace(string(b))
			}
		}
		if data == nil {
			return badRequest("validation_failed", "file", "send the document in the form field \"file\"")
		}
	} else if data, err = io.ReadAll(r.Body); err != nil {
		return readErr(err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return badRequest("validation_failed", "file", "the document is empty")
	}
	req := intel.ImportRequest{Format: intel.Format(opts["format"]), Name: filepath.Base(opts["name"]), Data: data, Source: opts["source"],
		Severity: opts["severity"], Type: intel.Type(opts["type"])}
	if req.Name == "." || req.Name == "/" || req.Name == "" {
		req.Name = "upload"
	}
	switch req.Format {
	case "", intel.FormatSTIX, intel.FormatMISP, intel.FormatCSV, intel.FormatPlain:
	default:
		return badRequest("validation_failed", "format", "format must be stix, misp, csv or plain")
	}
	if v := opts["confidence"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("validation_failed", "confidence", "confidence must be a number from 0 to 100")
		}
		req.Confidence = &n
	}
	if v := opts["tags"]; v != "" {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				req.Tags = append(req.Tags, t)
			}
		}
	}
	rep, err := svc.Import(r.Context(), intelActor(c), req)
	if err != nil {
		return intelError(err)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) exportIndicators(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "stix"
	}
	if format != "stix" && format != "csv" {
		return badRequest("validation_failed", "format", "format must be stix or csv")
	}
	f, err := indicatorFilter(r.URL.Query())
	if err != nil {
		return err
	}
	f.Sort, f.Now = "value", s.o.Now()
	var all []store.Indicator
	for f.Offset = 0; ; f.Offset += 1000 {
		f.Limit = 1000
		page, _, err := svc.ListIndicators(r.Context(), c.principal.OrgID, f)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < 1000 {
			break
		}
	}
	stamp := s.o.Now().UTC().Format("20060102-150405")
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="eventsec-indicators-`+stamp+`.csv"`)
		return intel.ExportCSV(w, all)
	}
	w.Header().Set("Content-Type", "application/stix+json;version=2.1")
	w.Header().Set("Content-Disposition", `attachment; filename="eventsec-indicators-`+stamp+`.json"`)
	return intel.ExportSTIX(w, all)
}

func (s *Server) listSightings(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.SightingFilter{IndicatorID: q.Get("indicator_id"), Origin: q.Get("origin")}
	if f.Origin != "" && f.Origin != "live" && f.Origin != "retro" {
		return badRequest("validation_failed", "origin", "origin must be live or retro")
	}
	if v := q.Get("since"); v != "" {
		t, ok := parseTimeParam(v, s.o.Now())
		if !ok {
			return badRequest("validation_failed", "since", "since must be an RFC 3339 time or relative like now-24h")
		}
		f.Since = t
	}
	if f.Limit, err = queryInt(q, "limit", 50, 1, 500); err != nil {
		return err
	}
	if f.Offset, err = queryInt(q, "offset", 0, 0, 1<<30); err != nil {
		return err
	}
	list, total, err := svc.ListSightings(r.Context(), c.principal.OrgID, f)
	if err != nil {
		return err
	}
	out := make([]intel.SightingView, 0, len(list))
	for _, x := range list {
		out = append(out, intel.SightingViewOf(x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total})
	return nil
}

func (s *Server) intelSummary(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	sum, err := svc.Summary(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	byType := map[string]int64{}
	for _, t := range intel.Types {
		byType[string(t)] = sum.ByType[string(t)]
	}
	sum.ByType = byType
	writeJSON(w, http.StatusOK, sum)
	return nil
}

type checkBody struct {
	Value  string   `json:"value"`
	Values []string `json:"values"`
}

func (s *Server) threatCheck(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	var b checkBody
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &b); err != nil {
		return err
	}
	values := b.Values
	if strings.TrimSpace(b.Value) != "" {
		values = append([]string{b.Value}, values...)
	}
	var clean []string
	for i, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			return badRequest("validation_failed", fmt.Sprintf("values[%d]", i), "a value is empty")
		}
		if len(v) > intel.MaxValueLen {
			return badRequest("validation_failed", fmt.Sprintf("values[%d]", i), "a value has at most %d bytes", intel.MaxValueLen)
		}
		clean = append(clean, v)
	}
	if len(clean) == 0 {
		return badRequest("validation_failed", "value", "give value or values")
	}
	res, err := svc.Check(r.Context(), c.principal.OrgID, clean)
	if err != nil {
		return intelError(err)
	}
	type checkIndicator struct {
		indicatorView
		Match string `json:"match"`
	}
	type result struct {
		intel.CheckResult
		Indicators []checkIndicator `json:"indicators"`
	}
	out := make([]result, 0, len(res))
	known := false
	for _, x := range res {
		rr := result{CheckResult: x, Indicators: []checkIndicator{}}
		for _, ci := range x.Indicators {
			rr.Indicators = append(rr.Indicators, checkIndicator{s.indicatorViewOf(ci.Indicator), ci.Match})
		}
		known = known || x.Known
		out = append(out, rr)
	}
	writeJSON(w, http.StatusOK, map[string]any{"known": known, "results": out})
	return nil
}

// threatPatterns answers the seed's "security patterns": what EventSec
// detects, as its enabled rules mapped to ATT&CK, and which indicator
// types are matched against which event fields at ingest.
func (s *Server) threatPatterns(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := s.intelSvc(); err != nil {
		return err
	}
	type pattern struct {
		ID         string                 `json:"id"`
		Title      string                 `json:"title"`
		Level      string                 `json:"level"`
		Kind       string                 `json:"kind"`
		Pack       string                 `json:"pack"`
		Tactics    []detect.TacticView    `json:"tactics"`
		Techniques []detect.TechniqueView `json:"techniques"`
	}
	items := []pattern{}
	byTactic := map[string]int{}
	if s.o.Detect != nil {
		rules, _, err := s.o.Detect.Rules(r.Context(), c.principal.OrgID)
		if err != nil {
			return err
		}
		for _, ru := range rules {
			if !ru.Enabled {
				continue
			}
			av := detect.AttackOf(ru.Tags)
			if len(av.Tactics) == 0 && len(av.Techniques) == 0 {
				continue
			}
			level := ru.Level
			if ru.SeverityOverride != "" {
				level = ru.SeverityOverride
			}
			items = append(items, pattern{ru.ID, ru.Title, level, ru.Kind, ru.Pack, av.Tactics, av.Techniques})
			for _, t := range av.Tactics {
				byTactic[t.Name]++
			}
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Title < items[j].Title })
	type fieldKind struct {
		Type   string   `json:"type"`
		Fields []string `json:"fields"`
	}
	fieldsOf := map[string][]string{}
	for _, mf := range intel.MatchFields {
		for _, t := range intel.TypesForField(mf.Field) {
			fieldsOf[string(t)] = append(fieldsOf[string(t)], mf.Field)
		}
	}
	indicatorTypes := []fieldKind{}
	for _, t := range intel.Types {
		f := fieldsOf[string(t)]
		if f == nil {
			f = []string{}
		}
		indicatorTypes = append(indicatorTypes, fieldKind{string(t), f})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items), "by_tactic": byTactic, "indicator_types": indicatorTypes})
	return nil
}

// feedView is a feed subscription as the API shows it.
type feedView struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	URL             string     `json:"url"`
	Format          string     `json:"format"`
	IntervalSeconds int        `json:"interval_seconds"`
	Enabled         bool       `json:"enabled"`
	Confidence      int        `json:"confidence"`
	Severity        string     `json:"severity"`
	Tags            []string   `json:"tags"`
	Status          string     `json:"status"` // never_run, ok, failing, disabled
	LastRunAt       *time.Time `json:"last_run_at"`
	LastSuccessAt   *time.Time `json:"last_success_at"`
	LastError       string     `json:"last_error"`
	LastCount       int        `json:"last_count"`
	Failures        int        `json:"failures"`
	NextRunAt       time.Time  `json:"next_run_at"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func feedViewOf(f store.Feed) feedView {
	status := "ok"
	switch {
	case !f.Enabled:
		status = "disabled"
	case f.LastError != "":
		status = "failing"
	case f.LastRunAt == nil:
		status = "never_run"
	}
	tags := f.Tags
	if tags == nil {
		tags = []string{}
	}
	return feedView{ID: f.ID, Name: f.Name, URL: f.URL, Format: f.Format, IntervalSeconds: f.IntervalSeconds, Enabled: f.Enabled,
		Confidence: f.Confidence, Severity: f.Severity, Tags: tags, Status: status, LastRunAt: utcPtr(f.LastRunAt),
		LastSuccessAt: utcPtr(f.LastSuccessAt), LastError: f.LastError, LastCount: f.LastCount, Failures: f.Failures,
		NextRunAt: f.NextRunAt.UTC(), CreatedBy: f.CreatedBy, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC()}
}

type feedBody struct {
	Name            *string   `json:"name"`
	URL             *string   `json:"url"`
	Format          *string   `json:"format"`
	IntervalSeconds *int      `json:"interval_seconds"`
	Enabled         *bool     `json:"enabled"`
	Confidence      *int      `json:"confidence"`
	Severity        string    `json:"severity"`
	Tags            *[]string `json:"tags"`
}

func (b feedBody) input() intel.FeedInput {
	in := intel.FeedInput{Name: b.Name, URL: b.URL, Format: b.Format, IntervalSeconds: b.IntervalSeconds, Enabled: b.Enabled,
		Confidence: b.Confidence, Severity: b.Severity}
	if b.Tags != nil {
		in.Tags, in.SetTags = *b.Tags, true
	}
	return in
}

func (s *Server) listFeeds(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	list, err := svc.ListFeeds(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	out := make([]feedView, 0, len(list))
	for _, f := range list {
		out = append(out, feedViewOf(f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (s *Server) createFeed(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	var b feedBody
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &b); err != nil {
		return err
	}
	f, err := svc.CreateFeed(r.Context(), intelActor(c), b.input())
	if err != nil {
		return intelError(err)
	}
	writeJSON(w, http.StatusCreated, feedViewOf(f))
	return nil
}

func (s *Server) getFeed(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	f, err := svc.GetFeed(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, feedViewOf(f))
	return nil
}

func (s *Server) patchFeed(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	var b feedBody
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &b); err != nil {
		return err
	}
	f, err := svc.UpdateFeed(r.Context(), intelActor(c), r.PathValue("id"), b.input())
	if err != nil {
		return intelError(err)
	}
	writeJSON(w, http.StatusOK, feedViewOf(f))
	return nil
}

func (s *Server) deleteFeed(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	if err := svc.DeleteFeed(r.Context(), intelActor(c), r.PathValue("id")); err != nil {
		return intelError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) runFeed(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.intelSvc()
	if err != nil {
		return err
	}
	run, err := svc.RunFeed(r.Context(), intelActor(c), r.PathValue("id"))
	if err != nil {
		return intelError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"feed": feedViewOf(run.Feed), "not_modified": run.NotModified, "indicators": run.Indicators,
		"created": run.Created, "updated": run.Updated, "expired": run.Expired, "error_count": run.ErrorCount, "errors": run.Errors,
		"error": run.Error})
	return nil
}
