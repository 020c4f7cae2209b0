package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/live"
)

// intake hands an event submission to the ingest handler, scoped to the
// caller's org. The handler writes its own answer (202 once durable).
func (s *Server) intake(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Intake == nil {
		return errNoEventStore
	}
	s.o.Intake.ServeOrg(w, r, c.principal.OrgID)
	return nil
}

var errNoEventStore = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "the event store is not running on this server"}

// eventQuery reads the common search parameters.
func (s *Server) eventQuery(get func(string) string, severities []string) (eventstore.Query, error) {
	now := s.o.Now()
	q := eventstore.Query{Text: get("query")}
	if q.Text == "" {
		q.Text = get("q") // the other lists' name for it
	}
	if len(q.Text) > 4096 {
		return q, badRequest("validation_failed", "query", "query must be at most 4096 characters")
	}
	var err error
	if q.From, q.To, err = timeRange(get, now); err != nil {
		return q, err
	}
	for _, sv := range severities {
		for _, part := range strings.Split(sv, ",") {
			part = strings.TrimSpace(strings.ToLower(part))
			if part == "" {
				continue
			}
			if _, _, ok := event.SeverityRange(part); !ok {
				return q, badRequest("validation_failed", "severity", "severity must be a list of info, low, medium, high, critical (got %q)", part)
			}
			q.Severities = append(q.Severities, part)
		}
	}
	return q, nil
}

// eventOrder reads a search's order parameter: asc (oldest first) or
// desc (newest first); empty is def.
func eventOrder(v string, def eventstore.Order) (eventstore.Order, error) {
	o, err := eventstore.ParseOrder(strings.TrimSpace(v), def)
	if err != nil {
		return "", badRequest("validation_failed", "order", "order must be asc (oldest first) or desc (newest first), got %q", v)
	}
	return o, nil
}

func storeError(err error) error {
	if errors.Is(err, eventstore.ErrBadField) {
		// Before ErrBadQuery, which it also is: the fault is the field
		// asked for, not the search.
		return badRequest("validation_failed", "field", "%s", strings.TrimPrefix(err.Error(), eventstore.ErrBadField.Error()+": "))
	}
	if errors.Is(err, eventstore.ErrBadCursor) {
		return badRequest("validation_failed", "cursor", "%s", err.Error())
	}
	if errors.Is(err, eventstore.ErrBadQuery) {
		return badRequest("bad_query", "query", "%s", strings.TrimPrefix(err.Error(), eventstore.ErrBadQuery.Error()+": "))
	}
	if errors.Is(err, eventstore.ErrNotFound) {
		return errNotFound
	}
	return err
}

func (s *Server) searchEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Events == nil {
		return errNoEventStore
	}
	qv := r.URL.Query()
	q, err := s.eventQuery(qv.Get, qv["severity"])
	if err != nil {
		return err
	}
	if q.Size, err = queryInt(qv, "size", 50, 1, 1000); err != nil {
		return err
	}
	if q.Order, err = eventOrder(qv.Get("order"), eventstore.NewestFirst); err != nil {
		return err
	}
	q.Cursor = qv.Get("cursor")
	page, err := s.o.Events.Search(r.Context(), c.principal.OrgID, q)
	if err != nil {
		return storeError(err)
	}
	var next *string
	if page.NextCursor != "" {
		next = &page.NextCursor
	}
	items := page.Events
	if items == nil {
		items = []event.Event{}
	}
	writeJSON(w, http.StatusOK, struct {
		Items      []event.Event `json:"items"`
		Total      int64         `json:"total"`
		NextCursor *string       `json:"next_cursor"`
	}{items, page.Total, next})
	return nil
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Events == nil {
		return errNoEventStore
	}
	ev, err := s.o.Events.Get(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return storeError(err)
	}
	writeJSON(w, http.StatusOK, ev)
	return nil
}

// maxFieldName bounds a field name: ECS names are a few dozen characters.
const maxFieldName = 256

// eventTerms is a field's top values over a whole search, for the Events
// explorer's field list: the search's page shows a few events, this
// counts all of them.
func (s *Server) eventTerms(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Events == nil {
		return errNoEventStore
	}
	qv := r.URL.Query()
	field := strings.TrimSpace(qv.Get("field"))
	switch {
	case field == "":
		return badRequest("validation_failed", "field", "field is required, such as host.name")
	case len(field) > maxFieldName:
		return badRequest("validation_failed", "field", "field must be at most %d characters", maxFieldName)
	}
	q, err := s.eventQuery(qv.Get, qv["severity"])
	if err != nil {
		return err
	}
	size, err := queryInt(qv, "size", 5, 1, 100)
	if err != nil {
		return err
	}
	t, err := s.o.Events.Terms(r.Context(), c.principal.OrgID, q, field, size)
	if err != nil {
		return storeError(err)
	}
	writeJSON(w, http.StatusOK, struct {
		Field  string      `json:"field"`
		Terms  []termCount `json:"terms"`
		Events int64       `json:"events"`
	}{field, terms(t.Top), t.Events})
	return nil
}

type termCount struct {
	Term  string `json:"term"`
	Count int64  `json:"count"`
}

func terms(in []eventstore.TermCount) []termCount {
	out := make([]termCount, 0, len(in))
	for _, t := range in {
		out = append(out, termCount{t.Term, t.Count})
	}
	return out
}

// autoInterval picks a histogram interval giving about 60 buckets: a
// round one up to 30 days, then doubling, so that a span of years still
// gives a chart and not thousands of bars.
func autoInterval(from, to time.Time) time.Duration {
	// In seconds: a Duration saturates at 292 years, and from may be
	// older than that.
	span := to.Unix() - from.Unix()
	for _, d := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
		3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour} {
		if span/int64(d/time.Second) <= 60 {
			return d
		}
	}
	d := 30 * 24 * time.Hour
	for span/int64(d/time.Second) > 60 {
		d *= 2
	}
	return d
}

func (s *Server) eventStats(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Events == nil {
		return errNoEventStore
	}
	qv := r.URL.Query()
	q, err := s.eventQuery(qv.Get, qv["severity"])
	if err != nil {
		return err
	}
	// Without from, or without to, unbounded, as GET /api/v1/events
	// searches (events stamped in the future included): the store reads
	// the span of the stored events and picks the interval (when none is
	// asked for) from it. With from only, the interval is picked up to now.
	var interval time.Duration
	if !q.From.IsZero() {
		end := q.To
		if end.IsZero() {
			end = s.o.Now()
		}
		interval = autoInterval(q.From, end)
	}
	if v := qv.Get("interval"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return badRequest("validation_failed", "interval", "interval must be a duration of at least 1s, such as 1m or 1h")
		}
		if !q.From.IsZero() && !q.To.IsZero() && (q.To.Unix()-q.From.Unix())/int64(d/time.Second) > 10000 {
			return badRequest("validation_failed", "interval", "interval is too small for the time range (more than 10,000 buckets)")
		}
		interval = d
	}
	st, err := s.o.Events.Stats(r.Context(), c.principal.OrgID, q, interval)
	if err != nil {
		return storeError(err)
	}
	if interval == 0 {
		interval = st.Interval
	}
	if interval == 0 { // nothing stored: no buckets, and a round figure
		interval = time.Hour
	}
	var from, to any
	switch {
	case !q.From.IsZero():
		from = q.From
	case len(st.OverTime) > 0:
		from = st.OverTime[0].Start
	}
	switch {
	case !q.To.IsZero():
		to = q.To
	case len(st.OverTime) > 0:
		to = st.OverTime[len(st.OverTime)-1].Start.Add(interval)
	default:
		to = s.o.Now()
	}
	type bucket struct {
		Start      time.Time        `json:"start"`
		Count      int64            `json:"count"`
		BySeverity map[string]int64 `json:"by_severity"`
	}
	overTime := make([]bucket, 0, len(st.OverTime))
	for _, b := range st.OverTime {
		bs := b.BySeverity
		if bs == nil {
			bs = map[string]int64{}
		}
		overTime = append(overTime, bucket{b.Start, b.Count, bs})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"total": st.Total, "interval_seconds": int64(interval / time.Second), "from": from, "to": to,
		"over_time": overTime, "by_severity": terms(st.BySeverity), "by_category": terms(st.ByCategory),
		"by_dataset": terms(st.ByDataset), "by_input": terms(st.ByInput), "top_hosts": terms(st.TopHosts),
		"top_users": terms(st.TopUsers), "top_sources": terms(st.TopSources), "top_countries": terms(st.TopCountries),
	})
	return nil
}

var exportKinds = map[eventstore.Format]struct{ contentType, ext string }{
	eventstore.FormatNDJSON:  {"application/x-ndjson", "ndjson"},
	eventstore.FormatCSV:     {"text/csv; charset=utf-8", "csv"},
	eventstore.FormatParquet: {"application/vnd.apache.parquet", "parquet"},
}

type exportRequest struct {
	Query    string   `json:"query"`
	Severity []string `json:"severity"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Format   string   `json:"format"`
	Order    string   `json:"order"`
}

func (s *Server) exportEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Events == nil {
		return errNoEventStore
	}
	var in exportRequest
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	vals := map[string]string{"query": in.Query, "from": in.From, "to": in.To}
	q, err := s.eventQuery(func(k string) string { return vals[k] }, in.Severity)
	if err != nil {
		return err
	}
	if q.Order, err = eventOrder(in.Order, eventstore.OldestFirst); err != nil {
		return err
	}
	format := eventstore.Format(strings.ToLower(in.Format))
	if format == "" {
		format = eventstore.FormatNDJSON
	}
	kind, ok := exportKinds[format]
	if !ok {
		return badRequest("validation_failed", "format", "format must be ndjson, csv or parquet")
	}
	// The export streams: errors after the first byte cannot become a
	// status, so the store validates the query before writing anything.
	w.Header().Set("Content-Type", kind.contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="eventsec-events-%s.%s"`, s.o.Now().UTC().Format("20060102-150405"), kind.ext))
	w.Header().Set("Cache-Control", "no-store")
	cw := &countingWriter{w: w}
	n, err := s.o.Events.Export(r.Context(), c.principal.OrgID, q, format, cw)
	if err != nil {
		if cw.n == 0 {
			w.Header().Del("Content-Disposition")
			return storeError(err)
		}
		s.log.Error("export failed midway", "request_id", requestID(r), "events", n, "err", err)
		return nil
	}
	s.log.Info("export", "request_id", requestID(r), "org", c.principal.OrgID, "format", format, "events", n)
	return nil
}

// countingWriter knows whether anything was written yet.
type countingWriter struct {
	w http.ResponseWriter
	n int64
}

func (cw *countingWriter) Write(b []byte) (int, error) {
	n, err := cw.w.Write(b)
	cw.n += int64(n)
	return n, err
}

// Flush lets streaming exports reach the client as they go.
func (cw *countingWriter) Flush() {
	if f, ok := cw.w.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request, c *call) error {
	o, err := s.o.Auth.OrgSettings(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"org_id": o.ID, "org_name": o.Name, "retention_days": o.RetentionDays})
	return nil
}

type settingsPatch struct {
	RetentionDays *int `json:"retention_days"`
}

func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request, c *call) error {
	var in settingsPatch
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.RetentionDays == nil {
		return badRequest("validation_failed", "retention_days", "retention_days is required")
	}
	o, err := s.o.Auth.SetRetention(r.Context(), c.actor(), *in.RetentionDays)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"org_id": o.ID, "org_name": o.Name, "retention_days": o.RetentionDays})
	return nil
}

// threatmapSummary is the threat map's first paint: the latest located
// attacks and where attacks come from.
func (s *Server) threatmapSummary(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Events == nil {
		return errNoEventStore
	}
	qv := r.URL.Query()
	q, err := s.eventQuery(func(k string) string {
		if k == "query" {
			return ""
		}
		return qv.Get(k)
	}, nil)
	if err != nil {
		return err
	}
	if q.To.IsZero() {
		q.To = s.o.Now()
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-24 * time.Hour)
	}
	located := q
	located.Text = "source.geo.location.lat:* OR destination.geo.location.lat:*"
	located.Size = 200
	page, err := s.o.Events.Search(r.Context(), c.principal.OrgID, located)
	if err != nil {
		return storeError(err)
	}
	attacks := make([]live.Attack, 0, len(page.Events))
	for _, ev := range page.Events {
		if a, ok := live.AttackOf(ev); ok {
			attacks = append(attacks, a)
		}
	}
	all, err := s.o.Events.Stats(r.Context(), c.principal.OrgID, q, q.To.Sub(q.From))
	if err != nil {
		return storeError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"from": q.From, "to": q.To, "total": all.Total, "with_location": page.Total, "geoip": s.o.GeoLocates,
		"attacks": attacks, "top_source_countries": terms(all.TopCountries),
	})
	return nil
}
