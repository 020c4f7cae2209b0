package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/detect/attack"
	"github.com/eventsec/eventsec/internal/store"
)

// FormatKQL is a scheduled KQL rule, as Sentinel's scheduled analytics
// rules: every Frequency it runs its query over the last Period and
// raises an alert when the query returns at least Threshold rows.
const FormatKQL = "kql"

// KindScheduled is the kind of KQL rules.
const KindScheduled = "scheduled"

// ScheduledRule is a parsed KQL rule.
type ScheduledRule struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Severity    string   `json:"severity"`
	Tags        []string `json:"tags"`
	Query       string   `json:"query"`
	// FrequencyMinutes: how often it runs (default 5); PeriodMinutes: the
	// time range each run reads, ending now (default the frequency).
	FrequencyMinutes int `json:"frequency_minutes"`
	PeriodMinutes    int `json:"period_minutes"`
	// Threshold: the fewest rows that raise an alert (default 1).
	Threshold int `json:"threshold"`
}

// CheckKQL parses a scheduled rule's query and says where it is wrong.
// The server sets it to the KQL parser; when nil, queries are checked when
// they first run.
var CheckKQL func(query string) (line, column int, msg string, ok bool)

// QueryRunner runs KQL for scheduled rules (the hunting service).
type QueryRunner interface {
	RunScheduled(ctx context.Context, orgID, query string, from, to time.Time, limit int) (columns []string, rows [][]any, err error)
}

func compileKQLRule(source, file string) (*Unit, []RuleError) {
	dec := json.NewDecoder(bytes.NewReader([]byte(source)))
	dec.DisallowUnknownFields()
	var r ScheduledRule
	if err := dec.Decode(&r); err != nil {
		return nil, []RuleError{{File: file, Line: 1, Column: 1, Message: "invalid KQL rule: " + strings.TrimPrefix(err.Error(), "json: ")}}
	}
	bad := func(msg string) (*Unit, []RuleError) {
		return nil, []RuleError{{File: file, Line: 1, Column: 1, Message: msg}}
	}
	r.Name = strings.TrimSpace(r.Name)
	r.Severity = strings.ToLower(strings.TrimSpace(r.Severity))
	switch {
	case r.Name == "":
		return bad(`"name" is required`)
	case strings.TrimSpace(r.Query) == "":
		return bad(`"query" is required`)
	case r.FrequencyMinutes < 0 || r.FrequencyMinutes > 7*24*60:
		return bad(`"frequency_minutes" must be from 1 to 10080`)
	case r.PeriodMinutes < 0 || r.PeriodMinutes > 14*24*60:
		return bad(`"period_minutes" must be from 1 to 20160 (14 days)`)
	case r.Threshold < 0:
		return bad(`"threshold" must be at least 1`)
	}
	if r.Severity == "" {
		r.Severity = "medium"
	}
	if !contains(Levels, r.Severity) {
		return bad(fmt.Sprintf(`"severity": %q is not one of %s`, r.Severity, strings.Join(Levels, ", ")))
	}
	if r.FrequencyMinutes == 0 {
		r.FrequencyMinutes = 5
	}
	if r.PeriodMinutes == 0 {
		r.PeriodMinutes = r.FrequencyMinutes
	}
	if r.Threshold == 0 {
		r.Threshold = 1
	}
	if CheckKQL != nil {
		if line, col, msg, ok := CheckKQL(r.Query); !ok {
			// Positions inside the query, which the editor shows as is.
			return nil, []RuleError{{File: file, Line: line, Column: col, Message: "query: " + msg}}
		}
	}
	if r.ID == "" {
		r.ID = "kql-" + SourceHash(strings.ToLower(r.Name))[:16]
	}
	u := &Unit{Format: FormatKQL, Kind: KindScheduled, ID: r.ID, Title: r.Name, Description: r.Description, Level: r.Severity,
		Tags: r.Tags, Source: source, Hash: SourceHash(source), Alerting: map[string]bool{r.ID: true}, KQL: &r}
	return u, nil
}

// runScheduled runs the due scheduled rules of every org; it is called
// every few seconds by Run. A run's window ends at the scheduled time, so a
// late tick does not skip events.
func (s *Service) runScheduled(ctx context.Context) {
	if s.o.Queries == nil {
		return
	}
	now := s.o.Now()
	for _, e := range s.engines() {
		e.mu.RLock()
		var due []*loaded
		for _, l := range e.units {
			if l.rule.Enabled && l.unit.KQL != nil {
				due = append(due, l)
			}
		}
		e.mu.RUnlock()
		for _, l := range due {
			if ctx.Err() != nil {
				return
			}
			sr := l.unit.KQL
			freq := time.Duration(sr.FrequencyMinutes) * time.Minute
			s.schedMu.Lock()
			last := s.lastRun[e.orgID+"\x00"+l.rule.ID]
			s.schedMu.Unlock()
			if last.IsZero() {
				// First sight (start or new rule): run now.
				last = now.Add(-freq)
			}
			if now.Sub(last) < freq {
				continue
			}
			end := last.Add(freq)
			start := end.Add(-time.Duration(sr.PeriodMinutes) * time.Minute)
			s.runOne(ctx, e.orgID, l, start, end)
			s.schedMu.Lock()
			s.lastRun[e.orgID+"\x00"+l.rule.ID] = end
			s.schedMu.Unlock()
		}
	}
}

// entityColumns are result columns whose values become alert entities.
var entityColumns = map[string]string{
	"computer": "hosts", "hostname": "hosts", "devicename": "hosts", "host": "hosts", "host_name": "hosts",
	"account": "users", "username": "users", "user": "users", "accountname": "users", "userprincipalname": "users",
	"targetusername": "users", "user_name": "users",
	"ipaddress": "ips", "sourceip": "ips", "source_ip": "ips", "remoteip": "ips", "clientip": "ips", "destinationip": "ips", "ip": "ips",
	"processname": "processes", "filename": "processes", "newprocessname": "processes", "image": "processes",
	"domain": "domains", "remoteurl": "domains", "urldomain": "domains",
}

func (s *Service) runOne(ctx context.Context, orgID string, l *loaded, from, to time.Time) {
	sr := l.unit.KQL
	cols, rows, err := s.o.Queries.RunScheduled(ctx, orgID, sr.Query, from, to, 1000)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			s.o.Logger.Warn("scheduled KQL rule failed", "org", orgID, "rule", l.rule.ID, "err", err)
		}
		return
	}
	l.matches.Add(int64(len(rows)))
	if len(rows) < sr.Threshold {
		return
	}
	now := s.o.Now()
	severity := sr.Severity
	if o := l.rule.SeverityOverride; o != "" {
		severity = o
	}
	tactics, techniques, _ := attack.MapTags(sr.Tags)
	a := store.Alert{ID: newID(), OrgID: orgID, RuleID: l.rule.ID, RuleTitle: l.rule.Title, RuleKind: KindScheduled,
		RuleDocumentID: l.rule.ID, RuleName: sr.Name,
		Severity: severity, Status: store.AlertNew, Title: fmt.Sprintf("%s (%d rows)", sr.Name, len(rows)),
		Description: strings.TrimSpace(sr.Description + "\n" + fmt.Sprintf("The query returned %d rows between %s and %s.",
			len(rows), from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))),
		Group: map[string]string{}, Count: 1, FirstSeen: from, LastSeen: to, CreatedAt: now, UpdatedAt: now,
		DedupKey: dedupKey(l.rule.ID, "scheduled")}
	for _, t := range tactics {
		a.Tactics = append(a.Tactics, t.ID)
	}
	for _, t := range techniques {
		a.Techniques = append(a.Techniques, t.ID)
	}
	for i, c := range cols {
		kind := entityColumns[strings.ToLower(c)]
		for _, row := range rows {
			if i < len(row) {
				if v, ok := row[i].(string); ok {
					addEntity(&a.Entities, kind, v)
				}
			}
		}
		if strings.EqualFold(c, "EventSecId") {
			for _, row := range rows {
				if v, ok := row[i].(string); ok && len(a.EventIDs) < maxAlertEvents {
					a.EventIDs = append(a.EventIDs, v)
				}
			}
		}
	}
	d := &doc{unit: l, id: l.rule.ID, title: sr.Name, level: severity, tags: sr.Tags}
	if err := s.commitAlerts(ctx, []store.Alert{a}, []*doc{d}); err != nil {
		s.o.Logger.Error("cannot store a scheduled rule's alert", "org", orgID, "rule", l.rule.ID, "err", err)
	}
}
