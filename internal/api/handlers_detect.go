package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/incident"
	"github.com/eventsec/eventsec/internal/query/lucene"
	"github.com/eventsec/eventsec/internal/store"
)

var errNoDetection = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "detection is not running on this server"}

// maxRuleBody bounds a rule create/update/validate/test body (the source
// plus sample events).
const maxRuleBody = 8 << 20

// maxPackBytes bounds an uploaded rule pack (compressed).
const maxPackBytes = 64 << 20

func (c *call) detectActor() detect.Actor {
	return detect.Actor{OrgID: c.principal.OrgID, UserID: c.principal.UserID, Email: c.principal.Email,
		ClientIP: c.meta.IP, RequestID: c.meta.RequestID}
}

func (s *Server) detectSvc() (*detect.Service, error) {
	if s.o.Detect == nil {
		return nil, errNoDetection
	}
	return s.o.Detect, nil
}

func boolParam(q url.Values, name string) (*bool, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, badRequest("validation_failed", name, "%s must be true or false", name)
	}
	return &b, nil
}

// ruleFilter reads the rules list's filter parameters, which the export
// takes too; their values are checked against the org's rules
// (detect.RuleFilter.Check) once those are read.
func ruleFilter(q url.Values) (detect.RuleFilter, *bool, error) {
	enabled, err := boolParam(q, "enabled")
	if err != nil {
		return detect.RuleFilter{}, nil, err
	}
	runnable, err := boolParam(q, "runnable")
	if err != nil {
		return detect.RuleFilter{}, nil, err
	}
	f := detect.RuleFilter{Query: searchText(q), Status: q.Get("status"), Level: q.Get("level"), Tactic: q.Get("tactic"),
		Technique: q.Get("technique"), Product: q.Get("product"), Category: q.Get("category"), Service: q.Get("service"),
		Pack: q.Get("pack"), Kind: q.Get("kind"), Enabled: enabled}
	return f, runnable, nil
}

// selectRules is the org's rules that pass the filter (and runnable, when
// set), in the order given, after checking the filter's values.
func selectRules(d *detect.Service, orgID string, rules []store.Rule, f detect.RuleFilter, runnable *bool) ([]store.Rule, error) {
	if err := f.Check(rules); err != nil {
		return nil, err
	}
	var problems map[string]string
	if runnable != nil {
		problems = d.Problems(orgID)
	}
	var hits []store.Rule
	for _, rule := range rules {
		if f.Match(rule) && (runnable == nil || *runnable == (problems[rule.ID] == "")) {
			hits = append(hits, rule)
		}
	}
	return hits, nil
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := queryInt(q, "limit", 100, 1, 500)
	if err != nil {
		return err
	}
	offset, err := queryInt(q, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	f, runnable, err := ruleFilter(q)
	if err != nil {
		return err
	}
	rules, stats, err := d.Rules(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	if err := f.Check(rules); err != nil {
		return err
	}
	if !detect.SortRules(rules, stats, q.Get("sort")) {
		return badRequest("validation_failed", "sort", "sort must be one of %s", strings.Join(detect.RuleSorts, ", "))
	}
	problems := d.Problems(c.principal.OrgID)
	hits, err := selectRules(d, c.principal.OrgID, rules, f, runnable)
	if err != nil {
		return err
	}
	feeds := d.CrossFeeds(c.principal.OrgID)
	out := []detect.RuleView{}
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		v := detect.RuleViewOf(hits[i], stats[hits[i].ID], problems[hits[i].ID], false)
		if f := feeds[hits[i].ID]; f != nil {
			v.Feeds = f
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": out, "total": len(hits), "facets": detect.Facets(rules)})
	return nil
}

// exportRules streams the rules the list's filters select as a ZIP of
// their sources with a manifest of their state (detect.WriteExport),
// which POST /api/v1/rules/import takes back.
func (s *Server) exportRules(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	f, runnable, err := ruleFilter(r.URL.Query())
	if err != nil {
		return err
	}
	rules, _, err := d.Rules(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	hits, err := selectRules(d, c.principal.OrgID, rules, f, runnable)
	if err != nil {
		return err
	}
	exc, err := detect.ExportExceptions(r.Context(), s.o.Store, c.principal.OrgID, hits)
	if err != nil {
		return err
	}
	now := s.o.Now()
	desc := f.String()
	if runnable != nil {
		desc += fmt.Sprintf(" runnable=%t", *runnable)
	}
	name := "eventsec-rules-" + now.UTC().Format("20060102-150405") + ".zip"
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Rule-Count", strconv.Itoa(len(hits)))
	w.WriteHeader(http.StatusOK)
	if err := detect.WriteExport(w, hits, exc, desc, now); err != nil {
		// The headers are sent: a failure now (the client went away) can
		// only be logged.
		s.log.Error("rules export failed midway", "request_id", requestID(r), "rules", len(hits), "err", err)
		return nil
	}
	s.log.Info("rules export", "request_id", requestID(r), "org", c.principal.OrgID, "rules", len(hits))
	return nil
}

// bulkRules enables, disables or deletes the rules selected by ids or by
// the list's filter, in one change (detect.Service.Bulk).
func (s *Server) bulkRules(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	var in struct {
		Action string   `json:"action"`
		IDs    []string `json:"ids"`
		Filter *struct {
			Q         string `json:"q"`
			Status    string `json:"status"`
			Level     string `json:"level"`
			Tactic    string `json:"tactic"`
			Technique string `json:"technique"`
			Product   string `json:"product"`
			Category  string `json:"category"`
			Service   string `json:"service"`
			Pack      string `json:"pack"`
			Kind      string `json:"kind"`
			Enabled   *bool  `json:"enabled"`
			Runnable  *bool  `json:"runnable"`
		} `json:"filter"`
		Confirm *int `json:"confirm"`
	}
	if err := decodeJSON(w, r, 1<<20, &in); err != nil {
		return err
	}
	q := detect.BulkRequest{Action: in.Action, IDs: in.IDs, Confirm: in.Confirm}
	if in.Filter != nil {
		x := in.Filter
		q.Filter = &detect.RuleFilter{Query: x.Q, Status: x.Status, Level: x.Level, Tactic: x.Tactic, Technique: x.Technique,
			Product: x.Product, Category: x.Category, Service: x.Service, Pack: x.Pack, Kind: x.Kind, Enabled: x.Enabled}
		q.Runnable = x.Runnable
	}
	res, err := d.Bulk(r.Context(), c.detectActor(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

type ruleBody struct {
	Format  string `json:"format"`
	Source  string `json:"source"`
	Enabled *bool  `json:"enabled"`
	// object: the body was the JSON rule itself, which is Source as
	// sent: errors name their JSON path as the field.
	object bool
}

// ruleError is what a client sees of a rule that does not compile. When
// it sent a JSON rule object, the field is the first problem's JSON path
// (conditions[0].operator); the line and column are those of the body
// it sent, which is the rule's source.
func ruleError(rb ruleBody, err error) error {
	var ire *detect.InvalidRuleError
	if !errors.As(err, &ire) {
		return err
	}
	he := toHTTPError(ire)
	if len(ire.Problems) > 0 && ire.Problems[0].Path != "" {
		he.Field = ire.Problems[0].Path
		if rb.object {
			he.Msg = ire.Problems[0].Path + ": " + strings.TrimPrefix(ire.Problems[0].Message, ire.Problems[0].Path+": ")
		}
	}
	return he
}

// savedRule is a created or updated rule with what its author should
// know that did not stop it from being saved.
type savedRule struct {
	detect.RuleView
	Warnings []detect.RuleError `json:"warnings"`
}

func (s *Server) savedRuleView(r *http.Request, c *call, d *detect.Service, rule store.Rule) (savedRule, error) {
	v, err := s.ruleView(r, c, d, rule)
	if err != nil {
		return savedRule{}, err
	}
	out := savedRule{RuleView: v, Warnings: []detect.RuleError{}}
	if u, problems := detect.Compile(rule.Format, rule.Source, ""); len(problems) == 0 {
		if out.Warnings, err = d.Warnings(r.Context(), c.principal.OrgID, u); err != nil {
			return savedRule{}, err
		}
	}
	return out, nil
}

// ruleSource accepts {"format","source"} or, for JSON rules, the rule
// object itself (the seed's POST /api/alerts/rules body).
func readRuleBody(w http.ResponseWriter, r *http.Request) (ruleBody, error) {
	var raw map[string]json.RawMessage
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRuleBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ruleBody{}, &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Msg: fmt.Sprintf("request body is larger than %d bytes", maxRuleBody)}
		}
		return ruleBody{}, badRequest("invalid_json", "", "cannot read request body")
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return ruleBody{}, jsonError(body, err)
	}
	if _, hasSource := raw["source"]; !hasSource {
		if _, isJSONRule := raw["conditions"]; isJSONRule {
			// The rule is stored as sent, byte for byte: its export is what
			// its author wrote, and its errors are at their places in it.
			// "enabled" sets the new rule's state; it stays in the source,
			// which the rule's reader ignores.
			var enabled *bool
			if e, ok := raw["enabled"]; ok {
				var b bool
				if json.Unmarshal(e, &b) == nil {
					enabled = &b
				}
			}
			return ruleBody{Format: detect.FormatJSON, Source: string(body), Enabled: enabled, object: true}, nil
		}
		return ruleBody{}, badRequest("validation_failed", "source", "source is required: the rule's Sigma YAML or JSON text")
	}
	var rb ruleBody
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rb); err != nil {
		return rb, jsonError(body, err)
	}
	if rb.Format != "" && rb.Format != detect.FormatSigma && rb.Format != detect.FormatJSON && rb.Format != detect.FormatKQL {
		return rb, badRequest("validation_failed", "format", "format must be sigma, json or kql")
	}
	return rb, nil
}

func (s *Server) ruleView(r *http.Request, c *call, d *detect.Service, rule store.Rule) (detect.RuleView, error) {
	_, stats, err := d.Rules(r.Context(), c.principal.OrgID)
	if err != nil {
		return detect.RuleView{}, err
	}
	v := detect.RuleViewOf(rule, stats[rule.ID], d.Problems(c.principal.OrgID)[rule.ID], true)
	if f := d.CrossFeeds(c.principal.OrgID)[rule.ID]; f != nil {
		v.Feeds = f
	}
	v.Documents = d.Documents(c.principal.OrgID, rule)
	exc, err := d.Exceptions(r.Context(), c.principal.OrgID, rule.ID)
	if err != nil {
		return v, err
	}
	v.Exceptions = []detect.ExceptionView{}
	now := s.o.Now()
	owners := map[string]detect.ExceptionOwner{}
	for _, x := range exc {
		v.Exceptions = append(v.Exceptions, detect.ExceptionViewOf(x, s.exceptionOwner(r, c, owners, x.Owner), now))
	}
	return v, nil
}

// exceptionOwner says who an exception's owner is (known caches the
// answers of one request): a user of the org, an API key ("apikey:ID", as
// a key's principal is recorded) or the system ("system": the CLI, the
// built-in pack).
func (s *Server) exceptionOwner(r *http.Request, c *call, known map[string]detect.ExceptionOwner, id string) detect.ExceptionOwner {
	if o, ok := known[id]; ok {
		return o
	}
	var o detect.ExceptionOwner
	switch {
	case id == "system":
		o.Name = "EventSec (system)"
	case strings.HasPrefix(id, "apikey:"):
		if k, err := s.o.Store.APIKeys().Get(r.Context(), c.principal.OrgID, strings.TrimPrefix(id, "apikey:")); err == nil {
			o.Name = "API key " + k.Name
		}
	default:
		if u, err := s.o.Store.Users().Get(r.Context(), c.principal.OrgID, id); err == nil {
			o.Email, o.Name = u.Email, u.Name
			if strings.TrimSpace(o.Name) == "" {
				o.Name = u.Email
			}
		}
	}
	known[id] = o
	return o
}

func (s *Server) userEmail(r *http.Request, c *call, id string) string {
	u, err := s.o.Store.Users().Get(r.Context(), c.principal.OrgID, id)
	if err != nil {
		return ""
	}
	return u.Email
}

func (s *Server) createRule(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	rb, err := readRuleBody(w, r)
	if err != nil {
		return err
	}
	rule, err := d.Create(r.Context(), c.detectActor(), detect.RuleInput{Format: rb.Format, Source: rb.Source, Enabled: rb.Enabled})
	if err != nil {
		return saveRuleError(rb, err)
	}
	v, err := s.savedRuleView(r, c, d, rule)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// saveRuleError maps a failed create or update: a rule that does not
// compile (400, located), an id or Sigma name another rule has (409
// naming it: field "name" for a name).
func saveRuleError(rb ruleBody, err error) error {
	var de *detect.DuplicateError
	if errors.As(err, &de) {
		field := "source"
		if de.Name {
			field = "name"
		}
		return &HTTPError{Status: http.StatusConflict, Code: "duplicate_rule", Field: field, Msg: de.Error(), Line: de.Line, Column: de.Column}
	}
	if errors.Is(err, store.ErrConflict) {
		return &HTTPError{Status: http.StatusConflict, Code: "duplicate_rule", Field: "source", Msg: strings.TrimPrefix(err.Error(), store.ErrConflict.Error()+": ")}
	}
	return ruleError(rb, err)
}

func (s *Server) getRule(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	// An alert names the document of a file that raised it: a
	// correlation's id finds the rule (file) that holds it.
	rule, doc, err := d.FindRule(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.ruleView(r, c, d, rule)
	if err != nil {
		return err
	}
	v.Document = doc
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) updateRule(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	rb, err := readRuleBody(w, r)
	if err != nil {
		return err
	}
	rule, err := d.Update(r.Context(), c.detectActor(), r.PathValue("id"), detect.RuleInput{Format: rb.Format, Source: rb.Source, Enabled: rb.Enabled})
	if err != nil {
		return saveRuleError(rb, err)
	}
	v, err := s.savedRuleView(r, c, d, rule)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) patchRule(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	var in struct {
		Enabled          *bool     `json:"enabled"`
		SeverityOverride *string   `json:"severity_override"`
		AlertGroupBy     *[]string `json:"alert_group_by"`
		// A number, not an int64: 1.5 is refused as not whole minutes,
		// rather than as "not a number".
		AlertWindowMinutes *float64 `json:"alert_window_minutes"`
	}
	if err := decodeJSON(w, r, 4096, &in); err != nil {
		return err
	}
	p := detect.RulePatch{Enabled: in.Enabled, SeverityOverride: in.SeverityOverride, AlertGroupBy: in.AlertGroupBy}
	if m := in.AlertWindowMinutes; m != nil {
		if *m < 0 || *m > float64(detect.MaxAlertWindow/time.Minute) || *m != math.Trunc(*m) {
			return badRequest("validation_failed", "alert_window_minutes", "alert_window_minutes must be a whole number of minutes from 0 (the default) to %d (got %v)",
				int64(detect.MaxAlertWindow/time.Minute), *m)
		}
		w := time.Duration(*m) * time.Minute
		p.AlertWindow = &w
	}
	rule, err := d.Patch(r.Context(), c.detectActor(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	v, err := s.ruleView(r, c, d, rule)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	if err := d.Delete(r.Context(), c.detectActor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) validateRule(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct {
		Format string `json:"format"`
		Source string `json:"source"`
		// RuleID is the rule being edited ("" for a new rule): its own id
		// and names are no duplicates.
		RuleID string `json:"rule_id"`
	}
	if err := decodeJSON(w, r, maxRuleBody, &in); err != nil {
		return err
	}
	if in.Format == "" {
		in.Format = detect.GuessFormat(in.Source)
	}
	if in.Format != detect.FormatSigma && in.Format != detect.FormatJSON && in.Format != detect.FormatKQL {
		return badRequest("validation_failed", "format", "format must be sigma, json or kql")
	}
	u, problems := detect.Compile(in.Format, in.Source, "")
	d, derr := s.detectSvc()
	if in.RuleID != "" && derr == nil {
		if _, err := d.Get(r.Context(), c.principal.OrgID, in.RuleID); errors.Is(err, store.ErrNotFound) {
			return badRequest("validation_failed", "rule_id", "rule_id: no rule %q in this organisation (omit it for a new rule)", in.RuleID)
		} else if err != nil {
			return err
		}
	}
	if len(problems) == 0 && derr == nil {
		// A rule that compiles may still name notification channels the
		// organisation lacks, or have an id or name another rule has:
		// saving it would be refused the same way.
		errs, _, err := d.ActionProblems(r.Context(), c.principal.OrgID, u)
		if err != nil {
			return err
		}
		problems = append(d.SaveProblems(c.principal.OrgID, u, in.RuleID), errs...)
	}
	out := map[string]any{"valid": len(problems) == 0, "errors": []detect.RuleError{}, "warnings": []detect.RuleError{}, "rule": nil}
	if len(problems) > 0 {
		out["errors"] = problems
	} else {
		if derr == nil {
			w, err := d.Warnings(r.Context(), c.principal.OrgID, u)
			if err != nil {
				return err
			}
			out["warnings"] = w
		} else if len(u.Warnings) > 0 {
			out["warnings"] = u.Warnings
		}
		rule := store.Rule{ID: u.ID, Title: u.Title, Description: u.Description, Author: u.Author, Format: u.Format, Kind: u.Kind,
			Status: u.Status, Level: u.Level, Product: u.Product, Category: u.Category, Service: u.Service, Tags: u.Tags,
			References: u.References, FalsePositives: u.FalsePositives, Enabled: true}
		out["rule"] = detect.RuleViewOf(rule, store.RuleStats{}, "", false)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type testBody struct {
	Format string            `json:"format"`
	Source string            `json:"source"`
	From   string            `json:"from"`
	To     string            `json:"to"`
	Events []json.RawMessage `json:"events"`
	Limit  int               `json:"limit"`
}

func (s *Server) testRule(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	var in testBody
	if err := decodeJSON(w, r, maxRuleBody, &in); err != nil {
		return err
	}
	// A saved rule's alert grouping and fold window count its alerts as
	// live detection does, also when the test gives an edited source.
	var saved *store.Rule
	if id := r.PathValue("id"); id != "" {
		rule, err := d.Get(r.Context(), c.principal.OrgID, id)
		if err != nil {
			return err
		}
		saved = &rule
		if in.Source == "" {
			in.Format, in.Source = rule.Format, rule.Source
		}
	}
	if strings.TrimSpace(in.Source) == "" {
		return badRequest("validation_failed", "source", "source is required for an unsaved rule")
	}
	if in.Format == "" {
		in.Format = detect.GuessFormat(in.Source)
	}
	u, problems := detect.Compile(in.Format, in.Source, "")
	if len(problems) > 0 {
		return &detect.InvalidRuleError{Problems: problems}
	}
	if in.Limit < 0 || in.Limit > 1000 {
		return badRequest("validation_failed", "limit", "limit must be from 1 to 1000")
	}
	ti := detect.TestInput{Events: in.Events, Limit: in.Limit, Rule: saved}
	now := s.o.Now()
	var ok bool
	if ti.From, ok = parseTimeParam(in.From, now); !ok {
		return badRequest("validation_failed", "from", "from must be an RFC 3339 time or relative like now-24h")
	}
	if ti.To, ok = parseTimeParam(in.To, now); !ok {
		return badRequest("validation_failed", "to", "to must be an RFC 3339 time or relative like now")
	}
	if len(in.Events) == 0 && in.Events != nil {
		return badRequest("validation_failed", "events", "events is empty: give sample events, or omit it to backtest over stored events")
	}
	if len(in.Events) == 0 && s.o.Events == nil {
		return errNoEventStore
	}
	res, err := d.Test(r.Context(), c.principal.OrgID, u, ti)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) importRules(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPackBytes)
	var data []byte
	name := ""
	pack := r.URL.Query().Get("pack")
	disabled := r.URL.Query().Get("disabled")
	overwrite := r.URL.Query().Get("overwrite")
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if strings.HasPrefix(ct, "multipart/form-data") {
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
				return packReadError(err)
			}
			switch part.FormName() {
			case "file":
				name = part.FileName()
				if data, err = io.ReadAll(part); err != nil {
					return packReadError(err)
				}
			case "pack":
				b, _ := io.ReadAll(io.LimitReader(part, 64))
				pack = strings.TrimSpace(string(b))
			case "disabled":
				b, _ := io.ReadAll(io.LimitReader(part, 16))
				disabled = strings.TrimSpace(string(b))
			case "overwrite":
				b, _ := io.ReadAll(io.LimitReader(part, 16))
				overwrite = strings.TrimSpace(string(b))
			}
		}
		if data == nil {
			return badRequest("validation_failed", "file", "send the rule pack in the form field \"file\" (a ZIP, .yml or .json)")
		}
	} else {
		if data, err = io.ReadAll(r.Body); err != nil {
			return packReadError(err)
		}
		name = r.URL.Query().Get("name")
	}
	switch pack {
	case "":
		pack = "custom"
	case "custom", "sigmahq", "eventsec":
	default:
		return badRequest("validation_failed", "pack", "pack must be custom, sigmahq or eventsec")
	}
	if len(data) == 0 {
		return badRequest("validation_failed", "file", "the file is empty")
	}
	off, err := boolParam(url.Values{"disabled": {disabled}}, "disabled")
	if err != nil {
		return err
	}
	over, err := boolParam(url.Values{"overwrite": {overwrite}}, "overwrite")
	if err != nil {
		return err
	}
	files, skipped, err := detect.ReadZip(data, name)
	if err != nil {
		return err
	}
	rep, err := d.Import(r.Context(), c.detectActor(), files, detect.ImportOptions{Pack: pack, Disabled: off != nil && *off,
		Overwrite: over != nil && *over, Origin: uploadName(name), Skipped: skipped})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// uploadName is an uploaded file's name without the client's folders
// (some browsers send them), which an import records as where its rules
// came from.
func uploadName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

func packReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Msg: fmt.Sprintf("a rule pack may be at most %d bytes", int64(maxPackBytes))}
	}
	return badRequest("upload_failed", "file", "the upload was interrupted: %v", err)
}

func (s *Server) ruleCoverage(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	rules, _, err := d.Rules(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, detect.CoverageOf(rules))
	return nil
}

func (s *Server) getPlaceholders(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	v, err := d.Placeholders(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) putPlaceholders(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	var in struct {
		Placeholders []struct {
			Name   string   `json:"name"`
			Values []string `json:"values"`
		} `json:"placeholders"`
	}
	// 100 placeholders of 1,000 values of up to 1 KiB would be 100 MiB;
	// a real set is small, so the body is bounded well below that.
	if err := decodeJSON(w, r, 4<<20, &in); err != nil {
		return err
	}
	if in.Placeholders == nil {
		return badRequest("validation_failed", "placeholders", "placeholders is required (an empty list removes them all)")
	}
	ps := make([]detect.PlaceholderInput, len(in.Placeholders))
	for i, p := range in.Placeholders {
		ps[i] = detect.PlaceholderInput{Name: p.Name, Values: p.Values}
	}
	v, err := d.SetPlaceholders(r.Context(), c.detectActor(), ps)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) listExceptions(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	exc, err := d.Exceptions(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := []detect.ExceptionView{}
	now := s.o.Now()
	owners := map[string]detect.ExceptionOwner{}
	for _, x := range exc {
		out = append(out, detect.ExceptionViewOf(x, s.exceptionOwner(r, c, owners, x.Owner), now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"exceptions": out})
	return nil
}

func (s *Server) createException(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	var in exceptionBody
	if err := decodeJSON(w, r, maxExceptionBody, &in); err != nil {
		return err
	}
	exp, err := expiresAt(in.ExpiresAt, "expires_at", s.o.Now())
	if err != nil {
		return err
	}
	x, warnings, err := d.AddException(r.Context(), c.detectActor(), r.PathValue("id"), detect.ExceptionInput{Field: in.Field, Operator: in.Operator,
		Value: in.Value, Values: in.Values, Conditions: in.Conditions, Reason: in.Reason, ExpiresAt: exp})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		detect.ExceptionView
		Warnings []string `json:"warnings,omitempty"`
	}{detect.ExceptionViewOf(x, s.exceptionOwner(r, c, map[string]detect.ExceptionOwner{}, x.Owner), s.o.Now()), warnings})
	return nil
}

// exceptionBody is a new exception as the API takes it, on a rule and
// while resolving an alert: conditions, or the one condition of field,
// operator and value (values) that the API took before exceptions had
// several.
type exceptionBody struct {
	Field      string                     `json:"field"`
	Operator   string                     `json:"operator"`
	Value      string                     `json:"value"`
	Values     []string                   `json:"values"`
	Conditions []store.ExceptionCondition `json:"conditions"`
	Reason     string                     `json:"reason"`
	ExpiresAt  *string                    `json:"expires_at"`
}

// maxExceptionBody bounds a new exception: 20 conditions, lists of values
// included.
const maxExceptionBody = 256 << 10

// expiresAt reads an expiry as the API reads times elsewhere
// (lucene.ParseTime): an RFC 3339 time, a date, which lasts to the end
// of that day (UTC), or relative to now ("now+7d"); null or absent for
// none. A bad value is a validation error naming the field with an
// example, not a JSON syntax error; a time that is not in the future
// says so.
func expiresAt(v *string, field string, now time.Time) (*time.Time, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return nil, nil
	}
	s := strings.TrimSpace(*v)
	// hi: the end of a date's day (the next midnight), the instant
	// itself otherwise.
	_, t, err := lucene.ParseTime(s, now)
	if err != nil {
		return nil, badRequest("validation_failed", field, "%s must be an RFC 3339 time such as %s, a date such as %s (to the end of that day, UTC), or relative like now+7d (got %q)",
			field, now.Add(7*24*time.Hour).UTC().Format(time.RFC3339), now.AddDate(0, 0, 7).UTC().Format(time.DateOnly), s)
	}
	if !t.After(now) {
		return nil, badRequest("validation_failed", field, "%s must be in the future (got %q, which is %s)", field, s, t.UTC().Format(time.RFC3339))
	}
	return &t, nil
}

func (s *Server) deleteException(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	if err := d.DeleteException(r.Context(), c.detectActor(), r.PathValue("id"), r.PathValue("exception_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// alertCursor is last_seen (unix ms) and id of the previous page's last alert.
func parseAlertCursor(v string) (time.Time, string, bool) {
	ms, id, ok := strings.Cut(v, "_")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" || len(id) > 64 {
		return time.Time{}, "", false
	}
	return time.UnixMilli(n).UTC(), id, true
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(strings.ToLower(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) alertFilter(q url.Values) (store.AlertFilter, error) {
	f := store.AlertFilter{Statuses: splitList(q.Get("status")), Severities: splitList(q.Get("severity")), RuleID: q.Get("rule"), Query: searchText(q)}
	for _, st := range f.Statuses {
		if !contains(detect.AlertStatuses, st) {
			return f, badRequest("validation_failed", "status", "status must be a list of %s (got %q)", strings.Join(detect.AlertStatuses, ", "), st)
		}
	}
	for _, sv := range f.Severities {
		if !contains(detect.Levels, sv) {
			return f, badRequest("validation_failed", "severity", "severity must be a list of %s (got %q)", strings.Join(detect.Levels, ", "), sv)
		}
	}
	if len(f.Query) > 200 {
		return f, badRequest("validation_failed", "q", "q must be at most 200 characters")
	}
	f.Verdicts = splitList(q.Get("verdict"))
	for _, v := range f.Verdicts {
		if !contains(incident.Verdicts, v) {
			return f, badRequest("validation_failed", "verdict", "verdict must be a list of %s (got %q)", strings.Join(incident.Verdicts, ", "), v)
		}
	}
	f.Group = q.Get("group")
	switch v := q.Get("incident"); v {
	case "":
	case "none":
		f.NoIncident = true
	default:
		f.IncidentID = v
	}
	switch v := q.Get("sort"); v {
	case "", "last_seen", "severity":
	case store.AlertTimeFirstSeen, store.AlertTimeCreated:
		f.Sort = v
	default:
		return f, badRequest("validation_failed", "sort", "sort must be last_seen, created, first_seen or severity (got %q)", v)
	}
	// The range is on last_seen by default, as it always was; the queue
	// asks for created ("when raised").
	switch v := q.Get("time_field"); v {
	case "", store.AlertTimeLastSeen:
	case store.AlertTimeCreated:
		f.TimeField = v
	default:
		return f, badRequest("validation_failed", "time_field", "time_field must be last_seen or created (got %q)", v)
	}
	switch v := q.Get("deleted"); v {
	case "", "false":
	case "true":
		f.Deleted = true
	default:
		return f, badRequest("validation_failed", "deleted", "deleted must be true or false")
	}
	var err error
	f.From, f.To, err = timeRange(q.Get, s.o.Now())
	return f, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	f, err := s.alertFilter(q)
	if err != nil {
		return err
	}
	if f.Deleted && !c.principal.Can(auth.PermAlertsDelete) {
		return &HTTPError{Status: http.StatusForbidden, Code: "forbidden", Msg: "only admins see deleted alerts"}
	}
	assigneeFilter(&f, q.Get("assignee"), c.principal.UserID)
	if f.Limit, err = queryInt(q, "limit", 50, 1, 500); err != nil {
		return err
	}
	if q.Get("sort") == "severity" {
		return s.writeAlertsBySeverity(w, r, c, f, q.Get("cursor"))
	}
	if cur := q.Get("cursor"); cur != "" {
		var ok bool
		if f.AfterSeen, f.AfterID, ok = parseAlertCursor(cur); !ok {
			return badRequest("validation_failed", "cursor", "cursor must be the next_cursor of a previous page")
		}
	}
	return s.writeAlerts(w, r, c, f)
}

// writeAlertsBySeverity lists alerts most severe first, newest first
// within a severity: one keyed read per severity (each walks the store's
// last_seen order), so that a large queue is never sorted whole. Its
// cursor is SEVERITY:MS_ID.
// assigneeFilter reads the list's assignee parameter: a user id, me (the
// caller) or none (unassigned).
func assigneeFilter(f *store.AlertFilter, a, me string) {
	switch a {
	case "":
	case "me":
		f.Assignee = me
	case "none":
		f.Unassigned = true
	default:
		f.Assignee = a
	}
}

func (s *Server) writeAlertsBySeverity(w http.ResponseWriter, r *http.Request, c *call, f store.AlertFilter, cursor string) error {
	order := slices.Clone(detect.Levels)
	slices.Reverse(order) // critical first
	if len(f.Severities) > 0 {
		order = slices.DeleteFunc(order, func(l string) bool { return !contains(f.Severities, l) })
	}
	start := 0
	var after store.AlertFilter
	if cursor != "" {
		sev, rest, ok := strings.Cut(cursor, ":")
		i := slices.Index(order, sev)
		if ok {
			after.AfterSeen, after.AfterID, ok = parseAlertCursor(rest)
		}
		if !ok || i < 0 {
			return badRequest("validation_failed", "cursor", "cursor must be the next_cursor of a previous page")
		}
		start = i
	}
	count := f
	count.Limit = 1
	_, total, err := s.o.Store.Alerts().List(r.Context(), c.principal.OrgID, count)
	if err != nil {
		return err
	}
	var alerts []store.Alert
	next := ""
	for i := start; i < len(order) && len(alerts) < f.Limit; i++ {
		g := f
		g.Severities = []string{order[i]}
		g.Limit = f.Limit - len(alerts)
		if i == start {
			g.AfterSeen, g.AfterID = after.AfterSeen, after.AfterID
		}
		page, _, err := s.o.Store.Alerts().List(r.Context(), c.principal.OrgID, g)
		if err != nil {
			return err
		}
		alerts = append(alerts, page...)
		if len(alerts) == f.Limit {
			last := alerts[len(alerts)-1]
			next = order[i] + ":" + strconv.FormatInt(last.LastSeen.UnixMilli(), 10) + "_" + last.ID
		}
	}
	out, err := s.alertViews(r, c, alerts)
	if err != nil {
		return err
	}
	capped := total > store.AlertCountCap
	if capped {
		total = store.AlertCountCap
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out, "total": total, "total_capped": capped, "next_cursor": next})
	return nil
}

// activeAlerts serves the seed's GET /api/alerts/active: alerts still open.
func (s *Server) activeAlerts(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	f, err := s.alertFilter(q)
	if err != nil {
		return err
	}
	if len(f.Statuses) == 0 {
		f.Statuses = []string{store.AlertNew, store.AlertAcknowledged, store.AlertInProgress, store.AlertEscalated}
	}
	if f.Limit, err = queryInt(q, "limit", 50, 1, 500); err != nil {
		return err
	}
	return s.writeAlerts(w, r, c, f)
}

func (s *Server) writeAlerts(w http.ResponseWriter, r *http.Request, c *call, f store.AlertFilter) error {
	alerts, total, err := s.o.Store.Alerts().List(r.Context(), c.principal.OrgID, f)
	if err != nil {
		return err
	}
	out, err := s.alertViews(r, c, alerts)
	if err != nil {
		return err
	}
	next := ""
	if len(alerts) == f.Limit {
		last := alerts[len(alerts)-1]
		at := last.LastSeen
		switch f.Sort {
		case store.AlertTimeFirstSeen:
			at = last.FirstSeen
		case store.AlertTimeCreated:
			at = last.CreatedAt
		}
		next = strconv.FormatInt(at.UnixMilli(), 10) + "_" + last.ID
	}
	// The total is counted up to store.AlertCountCap: beyond it the answer
	// says "more than" (total_capped) instead of counting a million rows.
	capped := total > store.AlertCountCap
	if capped {
		total = store.AlertCountCap
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out, "total": total, "total_capped": capped, "next_cursor": next})
	return nil
}

// alertViews renders alerts with their triage fields when case management
// runs, else as detection shows them.
func (s *Server) alertViews(r *http.Request, c *call, alerts []store.Alert) (any, error) {
	if s.o.Incidents != nil {
		return s.o.Incidents.AlertViews(r.Context(), c.principal.OrgID, alerts)
	}
	out := make([]detect.AlertView, 0, len(alerts))
	for _, a := range alerts {
		out = append(out, detect.AlertViewOf(a))
	}
	return out, nil
}

// visibleAlert is the alert of the request's path, as the caller may see
// it: a deleted one only with the permission to delete (and restore).
func (s *Server) visibleAlert(r *http.Request, c *call) (store.Alert, error) {
	a, err := s.o.Store.Alerts().Get(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return a, err
	}
	if a.DeletedAt != nil && !c.principal.Can(auth.PermAlertsDelete) {
		return store.Alert{}, errNotFound
	}
	return a, nil
}

// alertEvents pages through all of an alert's events (detect.AlertEvents).
func (s *Server) alertEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	if s.o.Events == nil {
		return errNoEventStore
	}
	size, err := queryInt(r.URL.Query(), "size", 100, 1, 1000)
	if err != nil {
		return err
	}
	a, err := s.visibleAlert(r, c)
	if err != nil {
		return err
	}
	page, err := d.AlertEvents(r.Context(), c.principal.OrgID, a, r.URL.Query().Get("cursor"), size)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getAlert(w http.ResponseWriter, r *http.Request, c *call) error {
	a, err := s.visibleAlert(r, c)
	if err != nil {
		return err
	}
	views, err := s.alertViews(r, c, []store.Alert{a})
	if err != nil {
		return err
	}
	var view any
	switch vs := views.(type) {
	case []incident.AlertView:
		view = vs[0]
	case []detect.AlertView:
		view = vs[0]
	}
	body, err := json.Marshal(view)
	if err != nil {
		return err
	}
	v := map[string]any{}
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	events := []any{}
	if s.o.Events != nil {
		ids := a.EventIDs
		if len(ids) > 50 {
			ids = ids[len(ids)-50:]
		}
		for _, id := range ids {
			ev, err := s.o.Events.Get(r.Context(), c.principal.OrgID, id)
			if err != nil {
				continue // removed by retention
			}
			events = append(events, ev)
		}
	}
	v["events"] = events
	if s.o.Incidents != nil {
		acts, err := s.o.Incidents.Actions(r.Context(), c.principal.OrgID, a.ID, "", 100)
		if err != nil {
			return err
		}
		v["actions"] = acts
		notes, err := s.o.Store.Notes().List(r.Context(), c.principal.OrgID, "alert", a.ID)
		if err != nil {
			return err
		}
		v["notes"] = len(notes)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) patchAlert(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Incidents != nil {
		var in struct {
			Status          *string        `json:"status"`
			Assignee        *string        `json:"assignee"`
			AssigneeGroup   *string        `json:"assignee_group"`
			Verdict         *string        `json:"verdict"`
			Comment         string         `json:"comment"`
			CreateException *exceptionBody `json:"create_exception"`
		}
		if err := decodeJSON(w, r, 64<<10+maxExceptionBody, &in); err != nil {
			return err
		}
		p := incident.AlertPatch{Status: in.Status, Assignee: in.Assignee, AssigneeGroup: in.AssigneeGroup, Verdict: in.Verdict, Comment: in.Comment}
		if ex := in.CreateException; ex != nil {
			exp, err := expiresAt(ex.ExpiresAt, "create_exception.expires_at", s.o.Now())
			if err != nil {
				return err
			}
			p.CreateException = &incident.ExceptionRequest{Field: ex.Field, Operator: ex.Operator, Value: ex.Value, Values: ex.Values,
				Conditions: ex.Conditions, Reason: ex.Reason, ExpiresAt: exp}
		}
		v, err := s.o.Incidents.PatchAlert(r.Context(), c.incActor(), r.PathValue("id"), p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	var in struct {
		Status   *string `json:"status"`
		Assignee *string `json:"assignee"`
	}
	if err := decodeJSON(w, r, 4096, &in); err != nil {
		return err
	}
	a, err := d.UpdateAlert(r.Context(), c.detectActor(), r.PathValue("id"), detect.AlertPatch{Status: in.Status, Assignee: in.Assignee})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, detect.AlertViewOf(a))
	return nil
}

func (s *Server) alertStats(w http.ResponseWriter, r *http.Request, c *call) error {
	// The list's filters, so that the counts describe the list shown.
	q := r.URL.Query()
	f, err := s.alertFilter(q)
	if err != nil {
		return err
	}
	if f.Deleted && !c.principal.Can(auth.PermAlertsDelete) {
		return &HTTPError{Status: http.StatusForbidden, Code: "forbidden", Msg: "only admins see deleted alerts"}
	}
	assigneeFilter(&f, q.Get("assignee"), c.principal.UserID)
	st, err := s.o.Store.Alerts().Stats(r.Context(), c.principal.OrgID, f)
	if err != nil {
		return err
	}
	counts := func(l []store.AlertCount) map[string]int64 {
		m := map[string]int64{}
		for _, x := range l {
			m[x.Key] = x.Count
		}
		return m
	}
	type topRule struct {
		RuleID string `json:"rule_id"`
		Title  string `json:"title"`
		Count  int64  `json:"count"`
	}
	top := []topRule{}
	for _, x := range st.TopRules {
		top = append(top, topRule{x.Key, x.Title, x.Count})
	}
	sort.SliceStable(top, func(i, j int) bool { return top[i].Count > top[j].Count })
	writeJSON(w, http.StatusOK, map[string]any{"total": st.Total, "open": st.Open, "by_severity": counts(st.BySeverity),
		"by_status": counts(st.ByStatus), "top_rules": top})
	return nil
}

func (s *Server) startRetroHunt(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	if s.o.Events == nil {
		return errNoEventStore
	}
	var in struct {
		From        string `json:"from"`
		To          string `json:"to"`
		RaiseAlerts bool   `json:"raise_alerts"`
	}
	if err := decodeJSON(w, r, 4096, &in); err != nil {
		return err
	}
	now := s.o.Now()
	from, ok := parseTimeParam(in.From, now)
	if !ok {
		return badRequest("validation_failed", "from", "from must be an RFC 3339 time or relative like now-7d")
	}
	to, ok := parseTimeParam(in.To, now)
	if !ok {
		return badRequest("validation_failed", "to", "to must be an RFC 3339 time or relative like now")
	}
	j, err := d.StartRetroHunt(r.Context(), c.detectActor(), r.PathValue("id"), from, to, in.RaiseAlerts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, j)
	return nil
}

func (s *Server) listRetroHunts(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	limit, err := queryInt(r.URL.Query(), "limit", 1000, 1, 1000)
	if err != nil {
		return err
	}
	jobs := d.RetroHunts(c.principal.OrgID)
	writeJSON(w, http.StatusOK, map[string]any{"retrohunts": jobs[:min(limit, len(jobs))]})
	return nil
}

func (s *Server) getRetroHunt(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	j, err := d.RetroHunt(c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (s *Server) cancelRetroHunt(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.detectSvc()
	if err != nil {
		return err
	}
	j, err := d.CancelRetroHunt(c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}
