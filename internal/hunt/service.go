// Package hunt is the KQL hunting service: it lays Sentinel-style tables
// over the event store (and SecurityAlert over the alerts), runs queries
// with a time range, a row cap and a timeout, and keeps each user's query
// history and the org's saved queries.
package hunt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/query/kql"
	"github.com/eventsec/eventsec/internal/store"
)

// Events is what hunting needs of the event store.
type Events interface {
	// Relation is the org's events in [from, to] as a SQL relation; need
	// are prefilters the store may apply (see eventstore.TextNeed). The
	// tables it names stay readable until ctx is done (retention waits
	// for that before dropping one): ctx must end once the query ran.
	Relation(ctx context.Context, orgID string, from, to time.Time, need []eventstore.TextNeed) (eventstore.Relation, error)
	QuerySQL(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Options configure the service.
type Options struct {
	Store  store.Store
	Events Events
	// MaxRows caps a result (default 10,000); Request.Limit may ask fewer.
	MaxRows int
	// Timeout bounds a query (default 60 s).
	Timeout time.Duration
	// HistoryKeep is how many runs per user are kept (default 200).
	HistoryKeep int
	Logger      *slog.Logger
	Now         func() time.Time
}

// Service runs KQL.
type Service struct {
	o     Options
	views []kql.View
}

// New returns a service.
func New(o Options) *Service {
	if o.MaxRows <= 0 {
		o.MaxRows = 10_000
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.HistoryKeep <= 0 {
		o.HistoryKeep = 200
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	registerFunctions(o.Events, o.Logger)
	return &Service{o: o, views: viewDefs()}
}

// functionHost is an event store that takes SQL functions (DuckDB's).
type functionHost interface {
	RegisterFunctions(ctx context.Context, register func(conn *sql.Conn) error) error
}

// registered remembers the stores that have KQL's Go functions: they are
// registered once per database, whatever the number of services.
var registered sync.Map

// registerFunctions gives the event store KQL's Go functions (the series
// functions, parse_xml), which the compiled SQL calls. Without them only
// queries that use those functions fail, with the database's error.
func registerFunctions(ev Events, log *slog.Logger) {
	host, ok := ev.(functionHost)
	if !ok {
		return
	}
	if _, done := registered.LoadOrStore(host, true); done {
		return
	}
	if err := host.RegisterFunctions(context.Background(), kql.RegisterDuckDB); err != nil {
		registered.Delete(host)
		log.Error("cannot register KQL's functions on the event store: series functions and parse_xml will fail", "err", err)
	}
}

// MaxRows is the largest result the service returns.
func (s *Service) MaxRows() int { return s.o.MaxRows }

// catalog builds the tables of one query: every table reads only the
// org's events in [from, to] (further narrowed by the query's own time
// predicates).
func (s *Service) catalog(ctx context.Context, orgID string, from, to time.Time) (kql.Tables, error) {
	clamp := func(h kql.Hint) (time.Time, time.Time) {
		lo, hi := h.From, h.To
		if lo.IsZero() || (!from.IsZero() && from.After(lo)) {
			lo = from
		}
		if hi.IsZero() || (!to.IsZero() && to.Before(hi)) {
			hi = to
		}
		return lo, hi
	}
	tables := kql.Tables{}
	for _, v := range s.views {
		v := v
		v.Base = func(h kql.Hint) (kql.SQL, error) {
			lo, hi := clamp(h)
			if s.o.Events == nil {
				return kql.SQL{}, errors.New("the event store is not available")
			}
			r, err := s.o.Events.Relation(ctx, orgID, lo, hi, textNeeds(v, h.Terms))
			if err != nil {
				return kql.SQL{}, err
			}
			return kql.SQL{Text: r.SQL, Args: r.Args, Rows: r.Rows}, nil
		}
		t, err := v.Table()
		if err != nil {
			return nil, err
		}
		if err := tables.Add(t); err != nil {
			return nil, err
		}
	}
	alerts := &kql.TableDef{Name: "SecurityAlert", Doc: "EventSec's alerts", Columns: alertColumns, TimeColumn: "TimeGenerated",
		Source: func(h kql.Hint) (kql.SQL, error) {
			lo, hi := clamp(h)
			return s.alertsRelation(ctx, orgID, lo, hi)
		}}
	if err := tables.Add(alerts); err != nil {
		return nil, err
	}
	return tables, nil
}

// textNeeds turns a view's term hints into the event store's prefilters:
// hints on the columns that are the store's message or raw original.
func textNeeds(v kql.View, terms []kql.TermHint) []eventstore.TextNeed {
	var out []eventstore.TextNeed
	for _, t := range terms {
		for _, c := range v.Columns {
			if c.Name != t.Column {
				continue
			}
			switch c.Expr {
			case "message":
				out = append(out, eventstore.TextNeed{Field: "message", Any: t.Any})
			case "raw":
				out = append(out, eventstore.TextNeed{Field: "event.original", Any: t.Any})
			}
		}
	}
	return out
}

// maxAlertRows bounds the alerts one query reads.
const maxAlertRows = 50_000

// alertsRelation is the org's alerts last seen in [from, to] as a VALUES
// relation: every value a bound parameter.
func (s *Service) alertsRelation(ctx context.Context, orgID string, from, to time.Time) (kql.SQL, error) {
	f := store.AlertFilter{From: from, Limit: 500}
	if !to.IsZero() {
		f.To = to.Add(time.Millisecond) // the hint's bound is inclusive
	}
	var rows [][]any
	for len(rows) < maxAlertRows {
		page, _, err := s.o.Store.Alerts().List(ctx, orgID, f)
		if err != nil {
			return kql.SQL{}, err
		}
		for _, a := range page {
			rows = append(rows, alertRow(a))
		}
		if len(page) < f.Limit {
			break
		}
		f.AfterSeen, f.AfterID = page[len(page)-1].LastSeen, page[len(page)-1].ID
	}
	var b strings.Builder
	var args []any
	types := []string{"TIMESTAMP", "TIMESTAMP", "TIMESTAMP", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR",
		"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "JSON", "JSON", "BIGINT"}
	b.WriteString("(SELECT * FROM (VALUES ")
	if len(rows) == 0 {
		// One typed row filtered away: the relation keeps its column types.
		b.WriteByte('(')
		for i, t := range types {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("CAST(NULL AS " + t + ")")
		}
		b.WriteByte(')')
	}
	for r, row := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("CAST(? AS " + types[i] + ")")
			args = append(args, v)
		}
		b.WriteByte(')')
	}
	b.WriteString(") AS _alerts(")
	for i, c := range alertColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c.Name))
	}
	b.WriteString(")")
	if len(rows) == 0 {
		b.WriteString(" WHERE false")
	}
	b.WriteString(")")
	return kql.SQL{Text: b.String(), Args: args}, nil
}

func alertRow(a store.Alert) []any {
	entity := ""
	switch {
	case len(a.Entities.Hosts) > 0:
		entity = a.Entities.Hosts[0]
	case len(a.Entities.Users) > 0:
		entity = a.Entities.Users[0]
	}
	ext := map[string]any{"rule_id": a.RuleID, "rule_title": a.RuleTitle, "rule_kind": a.RuleKind, "count": a.Count,
		"dedup_key": a.DedupKey, "group": a.Group, "event_ids": a.EventIDs, "assignee": a.Assignee}
	return []any{a.LastSeen.UTC(), a.FirstSeen.UTC(), a.LastSeen.UTC(), a.ID, a.Title, a.Severity, a.Status, a.Description,
		"EventSec", "EventSec Detection", strings.Join(a.Tactics, ","), strings.Join(a.Techniques, ","), entity,
		jsonString(a.Entities), jsonString(ext), a.Count}
}

// Request is one query run.
type Request struct {
	OrgID, UserID string
	Query         string
	From, To      time.Time
	Limit         int
}

// Result is a query's answer.
type Result struct {
	Columns   []kql.ResultColumn `json:"columns"`
	Rows      [][]any            `json:"rows"`
	Stats     Stats              `json:"stats"`
	Truncated bool               `json:"truncated"`
	QueryID   string             `json:"query_id"`
}

// Stats describe a run.
type Stats struct {
	Rows      int   `json:"rows"`
	ElapsedMs int64 `json:"elapsed_ms"`
	Scanned   int64 `json:"scanned"`
}

// ErrTimeout is a query that ran out of time.
var ErrTimeout = errors.New("the query ran longer than the time limit")

// MaxQueryBytes bounds a query's text.
const MaxQueryBytes = 1 << 20

// Run parses, checks, compiles and runs a query, and records it in the
// user's history (failed runs too).
func (s *Service) Run(ctx context.Context, req Request) (Result, error) {
	start := time.Now()
	res, err := s.run(ctx, req)
	res.Stats.ElapsedMs = time.Since(start).Milliseconds()
	run := store.QueryRun{ID: uuid.Must(uuid.NewV7()).String(), OrgID: req.OrgID, UserID: req.UserID, Query: req.Query,
		RanAt: s.o.Now(), Rows: int64(len(res.Rows)), ElapsedMs: res.Stats.ElapsedMs}
	if err != nil {
		run.Error = err.Error()
		if len(run.Error) > 1000 {
			run.Error = run.Error[:1000]
		}
	}
	if len(run.Query) <= 64<<10 {
		if herr := s.o.Store.Hunts().AddRun(context.WithoutCancel(ctx), run, s.o.HistoryKeep); herr != nil {
			s.o.Logger.Warn("cannot record query history", "err", herr)
		} else {
			res.QueryID = run.ID
		}
	}
	return res, err
}

func (s *Service) run(ctx context.Context, req Request) (Result, error) {
	var res Result
	if len(req.Query) > MaxQueryBytes {
		return res, &kql.Error{Code: kql.CodeSyntax, Message: fmt.Sprintf("the query is %d bytes; the limit is %d", len(req.Query), MaxQueryBytes), Line: 1, Column: 1}
	}
	limit := req.Limit
	if limit <= 0 || limit > s.o.MaxRows {
		limit = s.o.MaxRows
	}
	q, err := kql.Parse(req.Query)
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	cat, err := s.catalog(ctx, req.OrgID, req.From, req.To)
	if err != nil {
		return res, err
	}
	out, err := runCompiled(ctx, s.o.Events, q, cat, s.o.Now(), limit)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return res, ErrTimeout
	}
	if err != nil {
		return res, err
	}
	res = out
	res.Stats.Rows = len(res.Rows)
	return res, nil
}

// Check parses and semantically checks a query without running it.
func (s *Service) Check(ctx context.Context, orgID, query string) []*kql.Error {
	if len(query) > MaxQueryBytes {
		return []*kql.Error{{Code: kql.CodeSyntax, Message: "the query is too long", Line: 1, Column: 1}}
	}
	cat, err := s.catalog(ctx, orgID, time.Time{}, time.Time{})
	if err != nil {
		return []*kql.Error{{Code: kql.CodeSemantic, Message: err.Error()}}
	}
	if err := kql.Check(query, cat); err != nil {
		if ke, ok := kql.AsError(err); ok {
			return []*kql.Error{ke}
		}
		return []*kql.Error{{Code: kql.CodeSemantic, Message: err.Error()}}
	}
	return nil
}

// SchemaTable is a table as the schema panel shows it.
type SchemaTable struct {
	Name    string         `json:"name"`
	Doc     string         `json:"doc"`
	Columns []SchemaColumn `json:"columns"`
}

// SchemaColumn is a column as the schema panel shows it.
type SchemaColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc,omitempty"`
}

// Schema lists the tables and their columns.
func (s *Service) Schema(ctx context.Context, orgID string) ([]SchemaTable, error) {
	cat, err := s.catalog(ctx, orgID, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	var out []SchemaTable
	for _, name := range cat.TableNames() {
		t, _ := cat.Table(name)
		st := SchemaTable{Name: t.Name, Doc: t.Doc}
		for _, c := range t.Columns {
			st.Columns = append(st.Columns, SchemaColumn{Name: c.Name, Type: c.Type.String(), Doc: c.Doc})
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// RunScheduled runs a scheduled rule's query over [from, to] for detection
// (not recorded in anyone's history).
func (s *Service) RunScheduled(ctx context.Context, orgID, query string, from, to time.Time, limit int) ([]string, [][]any, error) {
	res, err := s.run(ctx, Request{OrgID: orgID, Query: query, From: from, To: to, Limit: limit})
	if err != nil {
		return nil, nil, err
	}
	cols := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		cols[i] = c.Name
	}
	return cols, res.Rows, nil
}

// CheckSyntax parses a query and says where it is wrong (for scheduled
// rules' validation).
func CheckSyntax(query string) (line, column int, msg string, ok bool) {
	if _, err := kql.Parse(query); err != nil {
		if ke, isKQL := kql.AsError(err); isKQL {
			return ke.Line, ke.Column, ke.Message, false
		}
		return 1, 1, err.Error(), false
	}
	return 0, 0, "", true
}

// BenchCatalog returns an org's tables (for benchmarks of parse and
// compile alone).
func BenchCatalog(s *Service, orgID string) kql.Catalog {
	cat, err := s.catalog(context.Background(), orgID, time.Time{}, time.Time{})
	if err != nil {
		return kql.Tables{}
	}
	return cat
}
