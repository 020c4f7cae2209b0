package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventsec/eventsec/internal/hunt"
	"github.com/eventsec/eventsec/internal/query/kql"
	"github.com/eventsec/eventsec/internal/store"
)

var errNoHunting = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "hunting is not running on this server"}

// kqlError maps query errors to the API's error body.
func kqlError(err error) error {
	if ke, ok := kql.AsError(err); ok {
		return &HTTPError{Status: http.StatusBadRequest, Code: ke.Code, Field: "query", Msg: ke.Message, Line: ke.Line, Column: ke.Column}
	}
	if errors.Is(err, hunt.ErrTimeout) {
		return &HTTPError{Status: http.StatusGatewayTimeout, Code: "query_timeout", Field: "query",
			Msg: "the query ran longer than the time limit: narrow the time range or add filters"}
	}
	return err
}

type kqlRequest struct {
	Query string `json:"query"`
	From  string `json:"from"`
	To    string `json:"to"`
	Limit int    `json:"limit"`
}

func (s *Server) runKQL(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Hunt == nil {
		return errNoHunting
	}
	var in kqlRequest
	if err := decodeJSON(w, r, hunt.MaxQueryBytes+4096, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Query) == "" {
		return badRequest("validation_failed", "query", "query is required")
	}
	if in.Limit < 0 || in.Limit > s.o.Hunt.MaxRows() {
		return badRequest("validation_failed", "limit", "limit must be from 1 to %d", s.o.Hunt.MaxRows())
	}
	if in.Limit == 0 {
		in.Limit = 500
	}
	now := s.o.Now()
	from, ok := parseTimeParam(in.From, now)
	if !ok {
		return badRequest("validation_failed", "from", "from must be an RFC 3339 time or relative like now-24h")
	}
	to, ok := parseTimeParam(in.To, now)
	if !ok {
		return badRequest("validation_failed", "to", "to must be an RFC 3339 time or relative like now")
	}
	if in.From == "" && in.To == "" {
		from, to = now.Add(-24*time.Hour), now
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return badRequest("validation_failed", "from", "from must be before to")
	}
	res, err := s.o.Hunt.Run(r.Context(), hunt.Request{OrgID: c.principal.OrgID, UserID: c.principal.UserID, Query: in.Query,
		From: from, To: to, Limit: in.Limit})
	if err != nil {
		return kqlError(err)
	}
	if res.Columns == nil {
		res.Columns = []kql.ResultColumn{}
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) checkKQL(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Hunt == nil {
		return errNoHunting
	}
	var in struct {
		Query string `json:"query"`
	}
	if err := decodeJSON(w, r, hunt.MaxQueryBytes+4096, &in); err != nil {
		return err
	}
	type problem struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
	}
	out := []problem{}
	for _, e := range s.o.Hunt.Check(r.Context(), c.principal.OrgID, in.Query) {
		out = append(out, problem{e.Code, e.Message, e.Line, e.Column})
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": len(out) == 0, "errors": out})
	return nil
}

func (s *Server) kqlSchema(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Hunt == nil {
		return errNoHunting
	}
	tables, err := s.o.Hunt.Schema(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tables": tables, "functions": kql.FunctionNames(), "aggregates": kql.AggregateNames(),
		"operators": kql.OperatorNames()})
	return nil
}

func (s *Server) kqlHistory(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, err := queryInt(r.URL.Query(), "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	runs, err := s.o.Store.Hunts().Runs(r.Context(), c.principal.OrgID, c.principal.UserID, limit)
	if err != nil {
		return err
	}
	type item struct {
		ID        string    `json:"id"`
		Query     string    `json:"query"`
		RanAt     time.Time `json:"ran_at"`
		Rows      int64     `json:"rows"`
		ElapsedMs int64     `json:"elapsed_ms"`
		Error     string    `json:"error"`
	}
	out := []item{}
	for _, x := range runs {
		out = append(out, item{x.ID, x.Query, x.RanAt, x.Rows, x.ElapsedMs, x.Error})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type savedQueryView struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	Query          string    `json:"query"`
	CreatedBy      string    `json:"created_by"`
	CreatedByEmail string    `json:"created_by_email"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func (s *Server) savedView(r *http.Request, c *call, q store.SavedQuery) savedQueryView {
	return savedQueryView{q.ID, q.Name, q.Description, q.Query, q.CreatedBy, s.userEmail(r, c, q.CreatedBy), q.CreatedAt, q.UpdatedAt}
}

func (s *Server) listSavedQueries(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := s.o.Store.Hunts().ListSaved(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	out := []savedQueryView{}
	for _, q := range list {
		if q.Language != store.LanguageSearch {
			out = append(out, s.savedView(r, c, q))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type savedQueryBody struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Query       string `json:"query"`
}

func (b *savedQueryBody) validate() error {
	b.Name, b.Description = strings.TrimSpace(b.Name), strings.TrimSpace(b.Description)
	switch {
	case b.Name == "":
		return badRequest("validation_failed", "name", "name is required")
	case len(b.Name) > 200:
		return badRequest("validation_failed", "name", "name must be at most 200 characters")
	case len(b.Description) > 2000:
		return badRequest("validation_failed", "description", "description must be at most 2000 characters")
	case strings.TrimSpace(b.Query) == "":
		return badRequest("validation_failed", "query", "query is required")
	case len(b.Query) > 64<<10:
		return badRequest("validation_failed", "query", "a saved query must be at most 64 KiB")
	}
	if _, err := kql.Parse(b.Query); err != nil {
		return kqlError(err)
	}
	return nil
}

func savedConflict(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return &HTTPError{Status: http.StatusConflict, Code: "conflict", Field: "name", Msg: "a saved query or saved search with this name already exists"}
	}
	return err
}

func (s *Server) createSavedQuery(w http.ResponseWriter, r *http.Request, c *call) error {
	var in savedQueryBody
	if err := decodeJSON(w, r, 128<<10, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	now := s.o.Now()
	q := store.SavedQuery{ID: uuid.Must(uuid.NewV7()).String(), OrgID: c.principal.OrgID, Name: in.Name, Description: in.Description,
		Language: store.LanguageKQL, Query: in.Query, Settings: "{}", CreatedBy: c.principal.UserID, CreatedAt: now, UpdatedAt: now}
	if err := s.saveAudited(r, c, q, "create", func(h store.HuntStore) error { return h.CreateSaved(r.Context(), q) }); err != nil {
		return savedConflict(err)
	}
	writeJSON(w, http.StatusCreated, s.savedView(r, c, q))
	return nil
}

func (s *Server) updateSavedQuery(w http.ResponseWriter, r *http.Request, c *call) error {
	var in savedQueryBody
	if err := decodeJSON(w, r, 128<<10, &in); err != nil {
		return err
	}
	q, err := s.savedOf(r, c, store.LanguageKQL)
	if err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	q.Name, q.Description, q.Query, q.UpdatedAt = in.Name, in.Description, in.Query, s.o.Now()
	if err := s.saveAudited(r, c, q, "update", func(h store.HuntStore) error { return h.UpdateSaved(r.Context(), q) }); err != nil {
		return savedConflict(err)
	}
	writeJSON(w, http.StatusOK, s.savedView(r, c, q))
	return nil
}
