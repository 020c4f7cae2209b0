package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/query/lucene"
	"github.com/eventsec/eventsec/internal/store"
)

// A saved search is what the Events explorer shows, named and shared with
// the organisation: the query, the time range, the severities and the
// columns. It is kept with the saved KQL queries (language "search").

// searchRanges are the explorer's time range presets ("all" is all time:
// a search without a start); web/src/events/searchState.ts has the same list.
var searchRanges = []string{"15m", "1h", "24h", "7d", "30d", "90d", "1y", "all"}

// maxSearchColumns bounds a saved search's columns.
const maxSearchColumns = 40

var columnName = regexp.MustCompile(`^[A-Za-z0-9_@][A-Za-z0-9_@.\-]{0,199}$`)

// searchSettings are a saved search's settings as stored (JSON).
type searchSettings struct {
	Range    string   `json:"range,omitempty"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
	Severity []string `json:"severity,omitempty"`
	Columns  []string `json:"columns,omitempty"`
}

// savedSearchBody is what a saved search holds, as sent and as shown.
type savedSearchBody struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Query       string   `json:"query"`
	Range       string   `json:"range"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	Severity    []string `json:"severity"`
	Columns     []string `json:"columns"`
}

type savedSearchView struct {
	ID string `json:"id"`
	savedSearchBody
	CreatedBy      string    `json:"created_by"`
	CreatedByEmail string    `json:"created_by_email"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func (s *Server) savedSearchView(r *http.Request, c *call, q store.SavedQuery) savedSearchView {
	var st searchSettings
	_ = json.Unmarshal([]byte(q.Settings), &st) // written by validate: a settings object
	v := savedSearchView{ID: q.ID, savedSearchBody: savedSearchBody{Name: q.Name, Description: q.Description, Query: q.Query,
		Range: st.Range, From: st.From, To: st.To, Severity: st.Severity, Columns: st.Columns},
		CreatedBy: q.CreatedBy, CreatedByEmail: s.userEmail(r, c, q.CreatedBy), CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}
	if v.Severity == nil {
		v.Severity = []string{}
	}
	if v.Columns == nil {
		v.Columns = []string{}
	}
	return v
}

// validate checks the body and returns its settings as JSON.
func (b *savedSearchBody) validate() (string, error) {
	b.Name, b.Description, b.Query = strings.TrimSpace(b.Name), strings.TrimSpace(b.Description), strings.TrimSpace(b.Query)
	switch {
	case b.Name == "":
		return "", badRequest("validation_failed", "name", "name is required")
	case len(b.Name) > 200:
		return "", badRequest("validation_failed", "name", "name must be at most 200 characters")
	case len(b.Description) > 2000:
		return "", badRequest("validation_failed", "description", "description must be at most 2000 characters")
	case len(b.Query) > 64<<10:
		return "", badRequest("validation_failed", "query", "a saved search must be at most 64 KiB")
	}
	// An empty query is every event; any other must parse.
	if _, err := lucene.Parse(b.Query); err != nil {
		return "", badRequest("bad_query", "query", "%s", err.Error())
	}
	st := searchSettings{Range: b.Range}
	switch {
	case b.From != "" || b.To != "":
		if b.Range != "" {
			return "", badRequest("validation_failed", "range", "give either range (a preset) or from and to, not both")
		}
		from, err := time.Parse(time.RFC3339Nano, b.From)
		if err != nil {
			return "", badRequest("validation_failed", "from", "from must be an RFC 3339 time, with to")
		}
		to, err := time.Parse(time.RFC3339Nano, b.To)
		if err != nil {
			return "", badRequest("validation_failed", "to", "to must be an RFC 3339 time, with from")
		}
		if !from.Before(to) {
			return "", badRequest("validation_failed", "to", "to must be after from")
		}
		st.From, st.To = from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano)
	case b.Range != "" && !slices.Contains(searchRanges, b.Range):
		return "", badRequest("validation_failed", "range", "range must be one of %s", strings.Join(searchRanges, ", "))
	}
	for i, sev := range b.Severity {
		if _, _, ok := event.SeverityRange(sev); !ok {
			return "", badRequest("validation_failed", "severity", "severity[%d] %q is not info, low, medium, high or critical", i, sev)
		}
		if !slices.Contains(st.Severity, strings.ToLower(sev)) {
			st.Severity = append(st.Severity, strings.ToLower(sev))
		}
	}
	if len(b.Columns) > maxSearchColumns {
		return "", badRequest("validation_failed", "columns", "at most %d columns", maxSearchColumns)
	}
	for i, col := range b.Columns {
		if !columnName.MatchString(col) {
			return "", badRequest("validation_failed", "columns", "columns[%d] %q is not a field name", i, col)
		}
		if !slices.Contains(st.Columns, col) {
			st.Columns = append(st.Columns, col)
		}
	}
	out, err := json.Marshal(st)
	return string(out), err
}

// saveAudited runs a change of a saved search or KQL query and writes it
// to the audit log in the same transaction: the organisation's searches
// are shared, and who changed the one a team relies on is asked.
func (s *Server) saveAudited(r *http.Request, c *call, q store.SavedQuery, action string, change func(store.HuntStore) error) error {
	kind := "saved_query"
	if q.Language == store.LanguageSearch {
		kind = "saved_search"
	}
	return s.o.Store.Tx(r.Context(), func(rp store.Repos) error {
		if err := change(rp.Hunts()); err != nil {
			return err
		}
		_, err := rp.Audit().Append(r.Context(), store.AuditEntry{OrgID: c.principal.OrgID, Time: s.o.Now(), ActorID: c.principal.UserID,
			ActorEmail: c.principal.Email, Action: kind + "." + action, TargetType: kind, TargetID: q.ID, Summary: q.Name,
			ClientIP: c.meta.IP, RequestID: c.meta.RequestID})
		return err
	})
}

func savedSearchConflict(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return &HTTPError{Status: http.StatusConflict, Code: "conflict", Field: "name", Msg: "a saved search or saved KQL query with this name already exists"}
	}
	return err
}

// savedOf reads a saved query of the org in the language, as not found
// when it is in the other one.
func (s *Server) savedOf(r *http.Request, c *call, language string) (store.SavedQuery, error) {
	q, err := s.o.Store.Hunts().GetSaved(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return q, err
	}
	if (q.Language == store.LanguageSearch) != (language == store.LanguageSearch) {
		return q, errNotFound
	}
	return q, nil
}

func (s *Server) listSavedSearches(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := s.o.Store.Hunts().ListSaved(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	out := []savedSearchView{}
	for _, q := range list {
		if q.Language == store.LanguageSearch {
			out = append(out, s.savedSearchView(r, c, q))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (s *Server) createSavedSearch(w http.ResponseWriter, r *http.Request, c *call) error {
	var in savedSearchBody
	if err := decodeJSON(w, r, 128<<10, &in); err != nil {
		return err
	}
	settings, err := in.validate()
	if err != nil {
		return err
	}
	now := s.o.Now()
	q := store.SavedQuery{ID: uuid.Must(uuid.NewV7()).String(), OrgID: c.principal.OrgID, Name: in.Name, Description: in.Description,
		Language: store.LanguageSearch, Query: in.Query, Settings: settings, CreatedBy: c.principal.UserID, CreatedAt: now, UpdatedAt: now}
	if err := s.saveAudited(r, c, q, "create", func(h store.HuntStore) error { return h.CreateSaved(r.Context(), q) }); err != nil {
		return savedSearchConflict(err)
	}
	writeJSON(w, http.StatusCreated, s.savedSearchView(r, c, q))
	return nil
}

func (s *Server) updateSavedSearch(w http.ResponseWriter, r *http.Request, c *call) error {
	var in savedSearchBody
	if err := decodeJSON(w, r, 128<<10, &in); err != nil {
		return err
	}
	q, err := s.savedOf(r, c, store.LanguageSearch)
	if err != nil {
		return err
	}
	settings, err := in.validate()
	if err != nil {
		return err
	}
	q.Name, q.Description, q.Query, q.Settings, q.UpdatedAt = in.Name, in.Description, in.Query, settings, s.o.Now()
	if err := s.saveAudited(r, c, q, "update", func(h store.HuntStore) error { return h.UpdateSaved(r.Context(), q) }); err != nil {
		return savedSearchConflict(err)
	}
	writeJSON(w, http.StatusOK, s.savedSearchView(r, c, q))
	return nil
}

// deleteSaved deletes a saved query of the language (a search, or a KQL
// query), as not found when the ID is one of the other language's.
func (s *Server) deleteSaved(language string) func(http.ResponseWriter, *http.Request, *call) error {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		q, err := s.savedOf(r, c, language)
		if err != nil {
			return err
		}
		if err := s.saveAudited(r, c, q, "delete", func(h store.HuntStore) error { return h.DeleteSaved(r.Context(), q.OrgID, q.ID) }); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
