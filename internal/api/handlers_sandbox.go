package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/sandbox/lab"
	"github.com/eventsec/eventsec/internal/store"
)

var errNoSandbox = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "the sandbox is not running on this server"}

// sandboxRoutes are the sandbox routes: submissions and reports, sample
// downloads, YARA rules and external-service settings.
func (s *Server) sandboxRoutes() []route {
	const tag = "Sandbox"
	r, w := auth.PermSandboxRead, auth.PermSandboxWrite
	return []route{
		{Method: "GET", Path: "/api/v1/sandbox/info", Perm: r, Tag: tag, Summary: "What this server's sandbox can do: YARA, size limit, encryption at rest",
			Response: "SandboxInfo", Status: 200, Handle: s.sandboxInfo},
		{Method: "POST", Path: "/api/v1/sandbox/submit", Perm: w, Tag: tag,
			Summary: "Submit a file (multipart field file, optional reanalyze) or a value (JSON {kind, value}); 202 at once, the analysis runs in the background",
			Body:    "SandboxSubmit", Response: "SandboxSubmission", Status: 202, Handle: s.sandboxSubmit},
		{Method: "GET", Path: "/api/v1/sandbox/submissions", Perm: r, Tag: tag, Summary: "List submissions, newest first (without reports)",
			Response: "SandboxSubmissionList", Status: 200, Handle: s.sandboxList, Query: []queryParam{
				{"kind", "string", "file, url, domain, ip or hash"}, {"verdict", "string", "clean, suspicious or malicious"},
				{"status", "string", "queued, running, done or failed"}, {"q", "string", "substring of the name/value or SHA-256"},
				{"limit", "integer", "1 to 500, default 50"}, {"offset", "integer", "default 0"}}},
		{Method: "GET", Path: "/api/v1/sandbox/submissions/{id}", Perm: r, Tag: tag, Summary: "A submission: status, progress and, when done, the report and external verdicts",
			Response: "SandboxSubmission", Status: 200, Handle: s.sandboxGet},
		{Method: "DELETE", Path: "/api/v1/sandbox/submissions/{id}", Perm: w, Tag: tag, Summary: "Delete a submission (its sample too when nothing else refers to it)",
			Status: 204, Handle: s.sandboxDelete},
		{Method: "GET", Path: "/api/v1/sandbox/submissions/{id}/download", Perm: w, Tag: tag,
			Summary: "Download the sample as a ZIP encrypted with the password \"infected\" (ZipCrypto)", Status: 200, Handle: s.sandboxDownload},
		{Method: "POST", Path: "/api/v1/sandbox/submissions/{id}/reanalyze", Perm: w, Tag: tag, Summary: "Analyse again (current YARA rules and external services)",
			Response: "SandboxSubmission", Status: 202, Handle: s.sandboxReanalyze},
		{Method: "GET", Path: "/api/v1/sandbox/submissions/{id}/endpoints", Perm: r, Tag: tag,
			Summary:  "Hosts whose events mention the sample's hashes (or the value), with first and last seen",
			Response: "SandboxSeen", Status: 200, Handle: s.sandboxSeen},
		{Method: "POST", Path: "/api/v1/sandbox/check", Perm: w, Tag: tag, Summary: "Ask the enabled external services about a hash, URL, domain or IP",
			Request: "SandboxCheck", Response: "SandboxCheckResult", Status: 200, Handle: s.sandboxCheck},

		{Method: "GET", Path: "/api/v1/sandbox/yara-rules", Perm: r, Tag: tag, Summary: "The organisation's YARA rules",
			Response: "YARARuleList", Status: 200, Handle: s.listYARARules},
		{Method: "POST", Path: "/api/v1/sandbox/yara-rules", Perm: w, Tag: tag, Summary: "Add a YARA rule (compiled on save: errors name the line)",
			Request: "YARARuleCreate", Response: "YARARule", Status: 201, Handle: s.createYARARule},
		{Method: "GET", Path: "/api/v1/sandbox/yara-rules/{id}", Perm: r, Tag: tag, Summary: "Get a YARA rule",
			Response: "YARARule", Status: 200, Handle: s.getYARARule},
		{Method: "PATCH", Path: "/api/v1/sandbox/yara-rules/{id}", Perm: w, Tag: tag, Summary: "Edit, enable or disable a YARA rule",
			Request: "YARARulePatch", Response: "YARARule", Status: 200, Handle: s.patchYARARule},
		{Method: "DELETE", Path: "/api/v1/sandbox/yara-rules/{id}", Perm: w, Tag: tag, Summary: "Delete a YARA rule",
			Status: 204, Handle: s.deleteYARARule},

		{Method: "GET", Path: "/api/v1/sandbox/settings", Perm: r, Tag: tag, Summary: "External services (API keys redacted)",
			Response: "SandboxSettings", Status: 200, Handle: s.sandboxSettings},
		{Method: "PUT", Path: "/api/v1/sandbox/settings", Perm: auth.PermSettingsWrite, Tag: tag,
			Summary: "Configure external services: API key (empty removes it), enabled, base URL, timeout",
			Request: "SandboxSettingsUpdate", Response: "SandboxSettings", Status: 200, Handle: s.putSandboxSettings},
		{Method: "POST", Path: "/api/v1/sandbox/settings/test", Perm: auth.PermSettingsWrite, Tag: tag,
			Summary: "Test an external service with a harmless lookup (with the given key, or the stored one)",
			Request: "SandboxServiceTest", Response: "SandboxServiceTestResult", Status: 200, Handle: s.testSandboxService},
	}
}

func (s *Server) sandboxSvc() (*lab.Service, error) {
	if s.o.Sandbox == nil {
		return nil, errNoSandbox
	}
	return s.o.Sandbox, nil
}

func sandboxActor(c *call) lab.Actor {
	return lab.Actor{UserID: c.principal.UserID, Email: c.principal.Email, ClientIP: c.meta.IP, RequestID: c.meta.RequestID}
}

// sandboxError maps the sandbox service's errors to the API's.
func sandboxError(err error) error {
	if err == nil {
		return nil
	}
	var fe *lab.FieldError
	switch {
	case errors.As(err, &fe):
		if d, ok := fe.Details.(error); ok && errors.Is(d, lab.ErrTooLarge) {
			return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "sample_too_large", Field: fe.Field, Msg: fe.Msg}
		}
		he := &HTTPError{Status: http.StatusBadRequest, Code: "validation_failed", Field: fe.Field, Msg: fe.Msg, Line: fe.Line}
		if fe.Line > 0 || fe.Details != nil {
			he.Code = "invalid_rule"
			he.Details = fe.Details
		}
		return he
	case errors.Is(err, lab.ErrNoSample):
		return &HTTPError{Status: http.StatusNotFound, Code: "no_sample", Msg: "this submission has no stored sample (only files do)"}
	case errors.Is(err, store.ErrConflict):
		msg := strings.TrimPrefix(err.Error(), store.ErrConflict.Error()+": ")
		if field, rest, ok := strings.Cut(msg, ": "); ok && !strings.Contains(field, " ") {
			return &HTTPError{Status: http.StatusConflict, Code: "conflict", Field: field, Msg: rest}
		}
	}
	return err
}

func (s *Server) sandboxInfo(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, svc.Info())
	return nil
}

// sandboxSubmitJSON is the JSON form of a submission.
type sandboxSubmitJSON struct {
	Kind      string `json:"kind"`
	Value     string `json:"value"`
	Reanalyze bool   `json:"reanalyze"`
}

func (s *Server) sandboxSubmit(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	var in lab.Input
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data") {
		if in, err = readSampleUpload(w, r, svc.MaxSampleSize()); err != nil {
			return err
		}
		in.Source = "upload"
	} else {
		var body sandboxSubmitJSON
		if err := decodeJSON(w, r, s.o.MaxBodyBytes, &body); err != nil {
			return err
		}
		if body.Kind == lab.KindFile {
			return badRequest("validation_failed", "kind", "send a file as multipart/form-data in the field \"file\"")
		}
		in = lab.Input{Kind: strings.ToLower(strings.TrimSpace(body.Kind)), Value: body.Value, Reanalyze: body.Reanalyze, Source: "api"}
	}
	sub, err := svc.Submit(r.Context(), c.principal.OrgID, sandboxActor(c), in)
	if err != nil {
		return sandboxError(err)
	}
	writeJSON(w, http.StatusAccepted, sub)
	return nil
}

// readSampleUpload reads the multipart fields file and reanalyze. The
// file is read by the service, which enforces the size limit; the body
// limit leaves room for the multipart framing.
func readSampleUpload(w http.ResponseWriter, r *http.Request, maxSample int64) (lab.Input, error) {
	in := lab.Input{Kind: lab.KindFile}
	r.Body = http.MaxBytesReader(w, r.Body, maxSample+(1<<20))
	mr, err := r.MultipartReader()
	if err != nil {
		return in, badRequest("validation_failed", "file", "cannot read the multipart body: %v", err)
	}
	tooLarge := &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "sample_too_large", Field: "file",
		Msg: fmt.Sprintf("the sample is larger than %d bytes", maxSample)}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return in, tooLarge
			}
			return in, badRequest("upload_failed", "file", "the upload was interrupted: %v", err)
		}
		switch part.FormName() {
		case "file":
			if in.Reader != nil {
				return in, badRequest("validation_failed", "file", "send one file per submission")
			}
			data, err := io.ReadAll(io.LimitReader(part, maxSample+1))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return in, tooLarge
				}
				return in, badRequest("upload_failed", "file", "the upload was interrupted: %v", err)
			}
			if int64(len(data)) > maxSample {
				return in, tooLarge
			}
			in.Name, in.Reader = part.FileName(), bytes.NewReader(data)
		case "reanalyze":
			b, _ := io.ReadAll(io.LimitReader(part, 16))
			in.Reanalyze, _ = strconv.ParseBool(strings.TrimSpace(string(b)))
		}
	}
	if in.Reader == nil {
		return in, badRequest("validation_failed", "file", "send the sample in the form field \"file\"")
	}
	return in, nil
}

func (s *Server) sandboxList(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.SandboxFilter{Kind: q.Get("kind"), Verdict: q.Get("verdict"), Status: q.Get("status"), Query: strings.TrimSpace(searchText(q))}
	if !sandboxOneOf(f.Kind, "", "file", "url", "domain", "ip", "hash") {
		return badRequest("validation_failed", "kind", "kind must be file, url, domain, ip or hash")
	}
	if !sandboxOneOf(f.Verdict, "", "clean", "suspicious", "malicious") {
		return badRequest("validation_failed", "verdict", "verdict must be clean, suspicious or malicious")
	}
	if !sandboxOneOf(f.Status, "", store.SandboxQueued, store.SandboxRunning, store.SandboxDone, store.SandboxFailed) {
		return badRequest("validation_failed", "status", "status must be queued, running, done or failed")
	}
	if f.Limit, err = sandboxIntParam(q.Get("limit"), "limit", 50, 1, 500); err != nil {
		return err
	}
	if f.Offset, err = sandboxIntParam(q.Get("offset"), "offset", 0, 0, 1<<30); err != nil {
		return err
	}
	items, total, err := svc.List(r.Context(), c.principal.OrgID, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
	return nil
}

func sandboxOneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func sandboxIntParam(v, name string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("validation_failed", name, "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

func (s *Server) sandboxGet(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	sub, err := svc.Get(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sub)
	return nil
}

func (s *Server) sandboxDelete(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), c.principal.OrgID, sandboxActor(c), r.PathValue("id")); err != nil {
		return sandboxError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) sandboxDownload(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	// Built in memory first: an error must still be able to become a
	// JSON answer instead of half an archive.
	var buf bytes.Buffer
	name, err := svc.Download(r.Context(), c.principal.OrgID, r.PathValue("id"), &buf)
	if err != nil {
		return sandboxError(err)
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("X-Archive-Password", lab.ZipPassword)
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w) // the client went away; nothing to do
	return nil
}

func (s *Server) sandboxReanalyze(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	sub, err := svc.Reanalyze(r.Context(), c.principal.OrgID, sandboxActor(c), r.PathValue("id"))
	if err != nil {
		return sandboxError(err)
	}
	writeJSON(w, http.StatusAccepted, sub)
	return nil
}

func (s *Server) sandboxSeen(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	seen, err := svc.SeenOn(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, seen)
	return nil
}

func (s *Server) sandboxCheck(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	var in sandboxSubmitJSON
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	if !sandboxOneOf(in.Kind, "hash", "url", "domain", "ip") {
		return badRequest("validation_failed", "kind", "kind must be hash, url, domain or ip")
	}
	v := strings.TrimSpace(in.Value)
	if v == "" || len(v) > 8192 {
		return badRequest("validation_failed", "value", "give the value to look up (at most 8192 bytes)")
	}
	verdicts := svc.Check(r.Context(), c.principal.OrgID, in.Kind, v)
	if verdicts == nil {
		verdicts = []lab.ExternalVerdict{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": in.Kind, "value": v, "verdicts": verdicts})
	return nil
}

// yaraRuleView is a YARA rule as the API shows it.
type yaraRuleView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Source      string `json:"source"`
	Enabled     bool   `json:"enabled"`
	// Compiled says whether the source was compiled on save (false in
	// builds without YARA).
	Compiled  bool   `json:"compiled"`
	CreatedBy string `json:"created_by"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func yaraRuleViewOf(r store.SandboxRule, compiled bool) yaraRuleView {
	return yaraRuleView{ID: r.ID, Name: r.Name, Description: r.Description, Source: r.Source, Enabled: r.Enabled, Compiled: compiled,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		UpdatedAt: r.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
}

// yaraRuleJSON is a rule as clients send it.
type yaraRuleJSON struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Source      *string `json:"source"`
	Enabled     *bool   `json:"enabled"`
}

func (j yaraRuleJSON) input() lab.RuleInput {
	return lab.RuleInput{Name: j.Name, Description: j.Description, Source: j.Source, Enabled: j.Enabled}
}

func (s *Server) listYARARules(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	rules, err := svc.ListRules(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	info := svc.Info()
	items := make([]yaraRuleView, 0, len(rules))
	for _, ru := range rules {
		items = append(items, yaraRuleViewOf(ru, info.YARAEnabled))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "yara_enabled": info.YARAEnabled, "message": info.YARAMessage})
	return nil
}

func (s *Server) createYARARule(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	var in yaraRuleJSON
	if err := decodeJSON(w, r, 512<<10, &in); err != nil {
		return err
	}
	ru, err := svc.CreateRule(r.Context(), c.principal.OrgID, sandboxActor(c), in.input())
	if err != nil {
		return sandboxError(err)
	}
	writeJSON(w, http.StatusCreated, yaraRuleViewOf(ru, svc.Info().YARAEnabled))
	return nil
}

func (s *Server) getYARARule(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	ru, err := svc.GetRule(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, yaraRuleViewOf(ru, svc.Info().YARAEnabled))
	return nil
}

func (s *Server) patchYARARule(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	var in yaraRuleJSON
	if err := decodeJSON(w, r, 512<<10, &in); err != nil {
		return err
	}
	ru, err := svc.UpdateRule(r.Context(), c.principal.OrgID, sandboxActor(c), r.PathValue("id"), in.input())
	if err != nil {
		return sandboxError(err)
	}
	writeJSON(w, http.StatusOK, yaraRuleViewOf(ru, svc.Info().YARAEnabled))
	return nil
}

func (s *Server) deleteYARARule(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	if err := svc.DeleteRule(r.Context(), c.principal.OrgID, sandboxActor(c), r.PathValue("id")); err != nil {
		return sandboxError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) sandboxSettings(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	v, err := svc.Settings(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// sandboxServiceJSON is one service's settings as clients send them.
type sandboxServiceJSON struct {
	Enabled        *bool   `json:"enabled"`
	APIKey         *string `json:"api_key"`
	BaseURL        *string `json:"base_url"`
	TimeoutSeconds *int    `json:"timeout_seconds"`
}

func (s *Server) putSandboxSettings(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	var in struct {
		Services map[string]sandboxServiceJSON `json:"services"`
	}
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.Services == nil {
		return badRequest("validation_failed", "services", "give services: an object by service name")
	}
	up := make(map[string]lab.ServiceUpdate, len(in.Services))
	for name, v := range in.Services {
		up[name] = lab.ServiceUpdate{Enabled: v.Enabled, APIKey: v.APIKey, BaseURL: v.BaseURL, TimeoutSeconds: v.TimeoutSeconds}
	}
	v, err := svc.UpdateSettings(r.Context(), c.principal.OrgID, sandboxActor(c), up)
	if err != nil {
		return sandboxError(err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) testSandboxService(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.sandboxSvc()
	if err != nil {
		return err
	}
	var in struct {
		Service string `json:"service"`
		APIKey  string `json:"api_key"`
	}
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	res, err := svc.TestService(r.Context(), c.principal.OrgID, in.Service, in.APIKey)
	if err != nil {
		return sandboxError(err)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
