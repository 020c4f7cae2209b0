package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/vuln"
	"github.com/eventsec/eventsec/internal/vuln/vulnsvc"
)

// maxVulnUpload bounds one import request: osv.dev's per-ecosystem
// all.zip archives are tens to a few hundred megabytes. Uploads are
// spooled to disk, not held in memory.
const maxVulnUpload = 1 << 30

// vulnRoutes are the organisation-wide vulnerability views, the import of
// OSV data, and the organisation-wide configuration assessment (SCA)
// views. The per-endpoint tabs live with the endpoint routes.
func (s *Server) vulnRoutes() []route {
	const tag = "Vulnerabilities"
	const tagSCA = "Compliance (SCA)"
	listQuery := []queryParam{
		{"severity", "string", "comma-separated: critical, high, medium, low, unknown"},
		{"q", "string", "substring of the CVE, advisory ids, aliases, summary or package names"},
		{"cve", "string", "same as q"},
		{"package", "string", "only findings of this installed package (exact name)"},
		{"endpoint", "string", "only findings of this endpoint (id, name or hostname)"},
		{"limit", "integer", "1 to 500, default 50"}, {"offset", "integer", "default 0"},
	}
	read := func(path, summary, response string, h func(http.ResponseWriter, *http.Request, *call) error, q ...queryParam) route {
		return route{Method: "GET", Path: path, Perm: auth.PermEndpointsRead, Tag: tag, Summary: summary, Response: response, Status: 200, Handle: h, Query: q}
	}
	return []route{
		read("/api/v1/vulnerabilities", "Vulnerabilities affecting the organisation's endpoints, most severe first, one row per CVE", "VulnerabilityPage",
			s.listVulns, listQuery...),
		seedAlias(read("/vulnerabilities", "Alias of GET /api/v1/vulnerabilities (the seed's path; a browser navigating there gets the web app's page)",
			"VulnerabilityPage", s.listVulns, listQuery...)),
		read("/api/v1/vulnerabilities/stats", "Counts by severity, the most affected packages and endpoints", "VulnerabilityStats", s.vulnStats),
		read("/api/v1/vulnerabilities/db", "The vulnerability database: records per ecosystem, last import", "VulnerabilityDB", s.vulnDB),
		{Method: "POST", Path: "/api/v1/vulnerabilities/import", Perm: auth.PermVulnsWrite, Tag: tag,
			Summary: "Import OSV data: .json records or arrays, or osv.dev .zip archives (multipart field file, repeatable, or the raw body); a report per file (audited)",
			Body:    "OSVUpload", Response: "VulnerabilityImport", Status: 200, Handle: s.importVulns,
			Query: []queryParam{{"name", "string", "file name, for a raw body"}}},
		read("/api/v1/vulnerabilities/{id}", "One vulnerability (CVE or advisory id): its advisories and every affected endpoint with why", "VulnerabilityDetail", s.getVuln),

		{Method: "GET", Path: "/api/v1/sca", Perm: auth.PermEndpointsRead, Tag: tagSCA, Summary: "Configuration assessment across endpoints: the latest score per endpoint and policy, with the worst failing checks",
			Response: "SCAOverview", Status: 200, Handle: s.scaOverview, Query: []queryParam{{"policy", "string", "only this policy id"}}},
		{Method: "GET", Path: "/api/v1/sca/checks", Perm: auth.PermEndpointsRead, Tag: tagSCA, Summary: "Checks across endpoints: how many endpoints fail each, with its remediation",
			Response: "SCACheckList", Status: 200, Handle: s.scaChecks, Query: []queryParam{{"policy", "string", "only this policy id"},
				{"status", "string", "failing (default: checks failed by at least one endpoint) or all"}}},
	}
}

// seedAlias marks a seed path that is also a page of the web app.
func seedAlias(rt route) route {
	rt.UIOnNavigate = true
	return rt
}

// browserNavigation tells a page load (the address bar, a link, a reload)
// from an API call: browsers send Sec-Fetch-Mode: navigate, and ask for
// HTML first.
func browserNavigation(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Mode") == "navigate" {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.HasPrefix(accept, "text/html") || strings.Contains(accept, "application/xhtml+xml")
}

var errNoVulns = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "vulnerability management is not running on this server"}

func (s *Server) vulnSvc() (*vulnsvc.Service, error) {
	if s.o.Vulns == nil {
		return nil, errNoVulns
	}
	return s.o.Vulns, nil
}

// vulnError maps the vulnerability service's errors; the rest go to
// toHTTPError.
func vulnError(err error) error {
	if errors.Is(err, vulnsvc.ErrNotFound) {
		return &HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: "no endpoint of this organisation is affected by that vulnerability"}
	}
	return err
}

type vulnRowView struct {
	ID                string   `json:"id"`
	CVE               string   `json:"cve"`
	Advisories        []string `json:"advisories"`
	Aliases           []string `json:"aliases"`
	Summary           string   `json:"summary"`
	Severity          string   `json:"severity"`
	Score             float64  `json:"score"`
	Packages          []string `json:"packages"`
	FixedVersions     []string `json:"fixed_versions"`
	Ecosystems        []string `json:"ecosystems"`
	AffectedEndpoints int      `json:"affected_endpoints"`
	Findings          int      `json:"findings"`
}

func viewVulnRow(v vulnsvc.Vulnerability) vulnRowView {
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return vulnRowView{ID: v.ID, CVE: v.CVE, Advisories: nz(v.Advisories), Aliases: nz(v.Aliases), Summary: v.Summary,
		Severity: string(v.Severity), Score: v.Score, Packages: nz(v.Packages), FixedVersions: nz(v.FixedVersions),
		Ecosystems: nz(v.Ecosystems), AffectedEndpoints: v.Endpoints, Findings: v.Findings}
}

type importSummaryView struct {
	At         time.Time `json:"at"`
	Files      []any     `json:"files"`
	Records    int       `json:"records"`
	Added      int       `json:"added"`
	Updated    int       `json:"updated"`
	Removed    int       `json:"removed"`
	Errors     int       `json:"errors"`
	DurationMs int64     `json:"duration_ms"`
}

func viewVulnDB(in vulnsvc.Info) map[string]any {
	var last *importSummaryView
	if l := in.LastImport; l != nil {
		last = &importSummaryView{At: l.At, Records: l.Records, Added: l.Added, Updated: l.Updated, Removed: l.Removed,
			Errors: l.Errors, DurationMs: l.Duration.Milliseconds(), Files: []any{}}
		for _, f := range l.Files {
			last.Files = append(last.Files, map[string]any{"name": f.Name, "records": f.Records, "errors": f.Errors})
		}
	}
	eco := in.Ecosystems
	if eco == nil {
		eco = map[string]int{}
	}
	return map[string]any{"advisories": in.Advisories, "affected_packages": in.AffectedPackages, "ecosystems": eco,
		"unmatchable": in.Unmatchable, "last_modified": timeOrNil(in.LastModified), "updated_at": timeOrNil(in.UpdatedAt),
		"saved": in.Saved, "last_import": last}
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// parseSeverities reads severity=critical,high.
func parseSeverities(raw string) ([]vuln.Severity, error) {
	var out []vuln.Severity
	for part := range strings.SplitSeq(raw, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		sev := vuln.Severity(part)
		if sev.Rank() == 0 && sev != vuln.SeverityUnknown {
			return nil, badRequest("validation_failed", "severity", "severity must be critical, high, medium, low, none or unknown")
		}
		out = append(out, sev)
	}
	return out, nil
}

func (s *Server) listVulns(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.vulnSvc()
	if err != nil {
		return err
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
	sevs, err := parseSeverities(q.Get("severity"))
	if err != nil {
		return err
	}
	text := searchText(q)
	if text == "" {
		text = q.Get("cve")
	}
	page, err := svc.List(r.Context(), c.principal.OrgID, vulnsvc.Filter{Severities: sevs, Query: text, Package: q.Get("package"),
		Endpoint: q.Get("endpoint"), Limit: limit, Offset: offset})
	if err != nil {
		return vulnError(err)
	}
	items := make([]vulnRowView, 0, len(page.Items))
	for _, v := range page.Items {
		items = append(items, viewVulnRow(v))
	}
	info := svc.Info()
	out := map[string]any{"items": items, "total": page.Total, "computed_at": page.ComputedAt, "available": info.Advisories > 0,
		"database": map[string]any{"advisories": info.Advisories, "updated_at": timeOrNil(info.UpdatedAt)}}
	if info.Advisories == 0 {
		out["message"] = "no vulnerability data yet: import OSV files (osv.dev all.zip archives or JSON records)"
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getVuln(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.vulnSvc()
	if err != nil {
		return err
	}
	d, err := svc.Get(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return vulnError(err)
	}
	records := make([]map[string]any, 0, len(d.Records))
	for _, a := range d.Records {
		sev := make([]map[string]string, 0, len(a.Severity))
		for _, v := range a.Severity {
			sev = append(sev, map[string]string{"type": string(v.Type), "score": v.Score})
		}
		refs := make([]map[string]string, 0, len(a.References))
		for _, ref := range a.References {
			refs = append(refs, map[string]string{"type": string(ref.Type), "url": ref.URL})
		}
		pkgs := make([]map[string]any, 0, len(a.Affected))
		for _, ap := range a.Affected {
			pkgs = append(pkgs, map[string]any{"ecosystem": ap.Ecosystem, "name": ap.Name, "severity": string(ap.Severity),
				"score": ap.Score, "severity_source": ap.SeveritySource})
		}
		records = append(records, map[string]any{"id": a.ID, "aliases": orEmpty(a.Aliases), "related": orEmpty(a.Related),
			"summary": a.Summary, "details": a.Details, "published": timeOrNil(a.Published), "modified": timeOrNil(a.Modified),
			"severity": sev, "references": refs, "packages": pkgs})
	}
	affected := make([]map[string]any, 0, len(d.Affected))
	for _, a := range d.Affected {
		affected = append(affected, map[string]any{"endpoint_id": a.EndpointID, "endpoint_name": a.EndpointName, "hostname": a.Hostname,
			"platform": a.Platform, "platform_version": a.PlatformVersion, "advisory_id": a.AdvisoryID, "package": a.Package,
			"installed_version": a.InstalledVersion, "fixed_version": a.FixedVersion, "ecosystem": a.Ecosystem,
			"severity": string(a.Severity), "score": a.Score, "severity_source": a.SeveritySource, "reason": a.Reason})
	}
	writeJSON(w, http.StatusOK, map[string]any{"vulnerability": viewVulnRow(d.Vulnerability), "records": records, "affected": affected})
	return nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) vulnStats(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.vulnSvc()
	if err != nil {
		return err
	}
	sum, err := svc.Summary(r.Context(), c.principal.OrgID)
	if err != nil {
		return vulnError(err)
	}
	counts := func(cs []vulnsvc.Count, endpoint bool) []map[string]any {
		out := make([]map[string]any, 0, len(cs))
		for _, c := range cs {
			m := map[string]any{"name": c.Name, "vulnerabilities": c.Vulnerabilities, "findings": c.Findings, "severity": string(c.Severity)}
			if endpoint {
				m["id"], m["hostname"] = c.ID, c.Hostname
			} else {
				m["endpoints"] = c.Endpoints
			}
			out = append(out, m)
		}
		return out
	}
	bySev := func(m map[vuln.Severity]int) map[string]int {
		out := make(map[string]int, len(m))
		for k, v := range m {
			out[string(k)] = v
		}
		return out
	}
	writeJSON(w, http.StatusOK, map[string]any{"computed_at": sum.ComputedAt, "endpoints": sum.Endpoints,
		"endpoints_with_software": sum.WithSoftware, "affected_endpoints": sum.Affected, "vulnerabilities": sum.Vulnerabilities,
		"findings": sum.Findings, "by_severity": bySev(sum.BySeverity), "findings_by_severity": bySev(sum.FindingsBySeverity),
		"top_packages": counts(sum.TopPackages, false), "top_endpoints": counts(sum.TopEndpoints, true),
		"database": viewVulnDB(svc.Info())})
	return nil
}

func (s *Server) vulnDB(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.vulnSvc()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewVulnDB(svc.Info()))
	return nil
}

func (s *Server) importVulns(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.vulnSvc()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxVulnUpload)
	dir, err := os.MkdirTemp("", "eventsec-osv-upload-")
	if err != nil {
		return fmt.Errorf("cannot spool upload: %w", err)
	}
	defer os.RemoveAll(dir)
	var files []vulnsvc.ImportFile
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
				return vulnUploadError(err)
			}
			if part.FormName() != "file" {
				part.Close()
				continue
			}
			f, err := spoolUpload(dir, len(files), part.FileName(), part)
			part.Close()
			if err != nil {
				return vulnUploadError(err)
			}
			files = append(files, f)
		}
		if len(files) == 0 {
			return badRequest("validation_failed", "file", "send OSV files in the form field \"file\" (.json or .zip)")
		}
	} else {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "upload"
		}
		f, err := spoolUpload(dir, 0, name, r.Body)
		if err != nil {
			return vulnUploadError(err)
		}
		files = append(files, f)
	}
	res, err := svc.Import(r.Context(), files)
	if err != nil {
		return err
	}
	reports := make([]map[string]any, 0, len(res.Files))
	errCount := 0
	for _, f := range res.Files {
		errCount += len(f.Errors) + f.ErrorsDropped
		reports = append(reports, map[string]any{"name": f.Name, "documents": f.Files, "records": f.Records, "added": f.Added,
			"updated": f.Updated, "unchanged": f.Unchanged, "older": f.Older, "withdrawn": f.Withdrawn, "removed": f.Removed,
			"skipped": f.Skipped, "errors": viewFileErrors(f.Errors), "warnings": viewFileErrors(f.Warnings),
			"errors_dropped": f.ErrorsDropped, "warnings_dropped": f.WarningsDropped, "duration_ms": f.Duration.Milliseconds(),
			"error": f.Error})
	}
	out := map[string]any{"files": reports, "records": res.Records, "database": viewVulnDB(svc.Info())}
	if res.Records == 0 {
		return &HTTPError{Status: http.StatusBadRequest, Code: "nothing_imported", Field: "file",
			Msg: "no OSV record could be read from the upload; see details for each file", Details: out}
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, f.Name)
	}
	summary := fmt.Sprintf("imported %d OSV records from %s (%d errors); the database has %d advisories",
		res.Records, strings.Join(names, ", "), errCount, res.Stats.Advisories)
	if err := s.o.Store.Tx(r.Context(), func(rp store.Repos) error {
		_, err := rp.Audit().Append(r.Context(), store.AuditEntry{OrgID: c.principal.OrgID, Time: s.o.Now(), ActorID: c.principal.UserID,
			ActorEmail: c.principal.Email, Action: "vulnerabilities.import", TargetType: "vulnerability_db", TargetID: "osv",
			Summary: summary, ClientIP: c.meta.IP, RequestID: c.meta.RequestID})
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func viewFileErrors(in []vuln.FileError) []map[string]any {
	out := make([]map[string]any, 0, len(in))
	for _, e := range in {
		out = append(out, map[string]any{"file": e.File, "path": e.Path, "offset": e.Offset, "reason": e.Reason, "message": e.String()})
	}
	return out
}

// spoolUpload writes one uploaded file to dir. The name on disk keeps the
// kind the importer goes by (.zip when the content is a ZIP archive,
// .json otherwise); the report uses the uploaded name.
func spoolUpload(dir string, n int, name string, body io.Reader) (vulnsvc.ImportFile, error) {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		name = fmt.Sprintf("upload-%d", n+1)
	}
	var head [4]byte
	k, err := io.ReadFull(body, head[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return vulnsvc.ImportFile{}, err
	}
	ext := ".json"
	if bytes.HasPrefix(head[:k], []byte("PK")) {
		ext = ".zip"
	}
	path := filepath.Join(dir, fmt.Sprintf("%d%s", n, ext))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return vulnsvc.ImportFile{}, err
	}
	if _, err := f.Write(head[:k]); err != nil {
		f.Close()
		return vulnsvc.ImportFile{}, err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return vulnsvc.ImportFile{}, err
	}
	if err := f.Close(); err != nil {
		return vulnsvc.ImportFile{}, err
	}
	return vulnsvc.ImportFile{Name: name, Path: path}, nil
}

func vulnUploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Msg: fmt.Sprintf("an import may be at most %d bytes", int64(maxVulnUpload))}
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		return badRequest("upload_failed", "file", "the multipart headers are too large")
	}
	return badRequest("upload_failed", "file", "the upload was interrupted: %v", err)
}

// scaEndpoint is one endpoint's latest assessments, with their checks.
type scaEndpoint struct {
	agent    store.Agent
	policies []scaPolicy
}

type scaPolicy struct {
	res    store.SCAResult
	checks []wire.SCACheck
}

// orgSCA reads the latest assessment of every active endpoint of the org
// for every policy (or one).
func (s *Server) orgSCA(ctx context.Context, orgID, policy string) ([]scaEndpoint, error) {
	active := false
	var out []scaEndpoint
	for offset := 0; ; offset += 500 {
		agents, total, err := s.o.Store.Endpoints().Agents().List(ctx, orgID, store.AgentFilter{Revoked: &active, Limit: 500, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, a := range agents {
			latest, err := s.o.Store.Endpoints().SCA().Latest(ctx, orgID, a.ID)
			if err != nil {
				return nil, err
			}
			e := scaEndpoint{agent: a}
			for _, l := range latest {
				if policy != "" && l.PolicyID != policy {
					continue
				}
				full, err := s.o.Store.Endpoints().SCA().Get(ctx, orgID, a.ID, l.PolicyID)
				if err != nil {
					return nil, err
				}
				var rep wire.SCAReport
				if err := json.Unmarshal(full.Report, &rep); err != nil {
					s.log.Warn("unreadable assessment report", "agent", a.ID, "policy", l.PolicyID, "err", err)
				}
				e.policies = append(e.policies, scaPolicy{res: l, checks: rep.Checks})
			}
			out = append(out, e)
		}
		if len(agents) == 0 || offset+len(agents) >= total {
			return out, nil
		}
	}
}

// checkRank orders SCA check severities, worst first.
func checkRank(sev string) int {
	switch strings.ToLower(sev) {
	case "critical":
		return 5
	case "high":
		return 4
	case "medium", "moderate":
		return 3
	case "low":
		return 2
	case "info", "informational":
		return 1
	}
	return 0
}

func (s *Server) scaOverview(w http.ResponseWriter, r *http.Request, c *call) error {
	eps, err := s.orgSCA(r.Context(), c.principal.OrgID, r.URL.Query().Get("policy"))
	if err != nil {
		return err
	}
	type policyAcc struct {
		id, name      string
		endpoints     int
		scoreSum      float64
		passed, faild int
	}
	policies := map[string]*policyAcc{}
	endpoints := make([]map[string]any, 0, len(eps))
	assessed, failedChecks := 0, 0
	var scoreSum float64
	for _, e := range eps {
		ps := make([]map[string]any, 0, len(e.policies))
		var epScore float64
		epFailed := 0
		for _, p := range e.policies {
			var failing []wire.SCACheck
			for _, ch := range p.checks {
				if ch.Status == "fail" {
					failing = append(failing, ch)
				}
			}
			slices.SortStableFunc(failing, func(a, b wire.SCACheck) int { return cmp.Compare(checkRank(b.Severity), checkRank(a.Severity)) })
			worst := make([]map[string]string, 0, 5)
			for _, ch := range failing[:min(5, len(failing))] {
				worst = append(worst, map[string]string{"id": ch.ID, "title": ch.Title, "severity": ch.Severity})
			}
			ps = append(ps, map[string]any{"policy_id": p.res.PolicyID, "policy_name": p.res.PolicyName, "score": p.res.Score,
				"passed": p.res.Passed, "failed": p.res.Failed, "not_applicable": p.res.NotApplicable, "finished_at": p.res.FinishedAt,
				"worst_failing": worst})
			epScore += p.res.Score
			epFailed += p.res.Failed
			pa := policies[p.res.PolicyID]
			if pa == nil {
				pa = &policyAcc{id: p.res.PolicyID, name: p.res.PolicyName}
				policies[p.res.PolicyID] = pa
			}
			pa.endpoints++
			pa.scoreSum += p.res.Score
			pa.passed += p.res.Passed
			pa.faild += p.res.Failed
		}
		var score any // null: never assessed
		if len(e.policies) > 0 {
			assessed++
			avg := epScore / float64(len(e.policies))
			scoreSum += avg
			score = round1(avg)
			failedChecks += epFailed
		}
		endpoints = append(endpoints, map[string]any{"endpoint_id": e.agent.ID, "name": e.agent.Name, "hostname": e.agent.Hostname,
			"platform": e.agent.Platform, "platform_version": e.agent.PlatformVersion, "score": score, "failed": epFailed, "policies": ps})
	}
	// Worst first; endpoints never assessed last.
	slices.SortStableFunc(endpoints, func(a, b map[string]any) int {
		as, aok := a["score"].(float64)
		bs, bok := b["score"].(float64)
		switch {
		case aok && !bok:
			return -1
		case !aok && bok:
			return 1
		}
		return cmp.Or(cmp.Compare(as, bs), strings.Compare(a["name"].(string), b["name"].(string)))
	})
	pols := make([]map[string]any, 0, len(policies))
	for _, p := range policies {
		pols = append(pols, map[string]any{"policy_id": p.id, "policy_name": p.name, "endpoints": p.endpoints,
			"average_score": round1(p.scoreSum / float64(p.endpoints)), "passed": p.passed, "failed": p.faild})
	}
	slices.SortFunc(pols, func(a, b map[string]any) int {
		return strings.Compare(a["policy_name"].(string), b["policy_name"].(string))
	})
	var avg any
	if assessed > 0 {
		avg = round1(scoreSum / float64(assessed))
	}
	writeJSON(w, http.StatusOK, map[string]any{"endpoints": endpoints, "policies": pols,
		"summary": map[string]any{"endpoints": len(eps), "assessed": assessed, "average_score": avg, "failed_checks": failedChecks}})
	return nil
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func (s *Server) scaChecks(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	status := q.Get("status")
	if status != "" && status != "failing" && status != "all" {
		return badRequest("validation_failed", "status", "status must be failing or all")
	}
	eps, err := s.orgSCA(r.Context(), c.principal.OrgID, q.Get("policy"))
	if err != nil {
		return err
	}
	type ref struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type acc struct {
		PolicyID    string            `json:"policy_id"`
		PolicyName  string            `json:"policy_name"`
		CheckID     string            `json:"check_id"`
		Title       string            `json:"title"`
		Severity    string            `json:"severity"`
		Remediation string            `json:"remediation"`
		Rationale   string            `json:"rationale"`
		Compliance  map[string]string `json:"compliance"`
		Failing     int               `json:"failing"`
		Passing     int               `json:"passing"`
		Assessed    int               `json:"assessed"`
		Endpoints   []ref             `json:"failing_endpoints"`
	}
	checks := map[string]*acc{}
	for _, e := range eps {
		for _, p := range e.policies {
			for _, ch := range p.checks {
				k := p.res.PolicyID + "\x00" + ch.ID
				a := checks[k]
				if a == nil {
					a = &acc{PolicyID: p.res.PolicyID, PolicyName: p.res.PolicyName, CheckID: ch.ID, Title: ch.Title, Severity: ch.Severity,
						Remediation: ch.Remediation, Rationale: ch.Rationale, Compliance: ch.Compliance, Endpoints: []ref{}}
					if a.Compliance == nil {
						a.Compliance = map[string]string{}
					}
					checks[k] = a
				}
				switch ch.Status {
				case "fail":
					a.Failing++
					a.Assessed++
					// The list is for the UI: a sample, the count is exact.
					if len(a.Endpoints) < 50 {
						a.Endpoints = append(a.Endpoints, ref{e.agent.ID, e.agent.Name})
					}
				case "pass":
					a.Passing++
					a.Assessed++
				}
			}
		}
	}
	items := make([]*acc, 0, len(checks))
	for _, a := range checks {
		if status != "all" && a.Failing == 0 {
			continue
		}
		items = append(items, a)
	}
	slices.SortFunc(items, func(a, b *acc) int {
		return cmp.Or(cmp.Compare(b.Failing, a.Failing), cmp.Compare(checkRank(b.Severity), checkRank(a.Severity)),
			strings.Compare(a.PolicyID, b.PolicyID), strings.Compare(a.CheckID, b.CheckID))
	})
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items), "endpoints": len(eps)})
	return nil
}
