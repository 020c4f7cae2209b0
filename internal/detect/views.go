package detect

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/detect/attack"
	"github.com/eventsec/eventsec/internal/store"
)

// TacticView is an ATT&CK tactic as the API shows it.
type TacticView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Shortname string `json:"shortname"`
	// Replaces is the retired shortname the rule is tagged with
	// ("defense-evasion") when this tactic stands for it.
	Replaces string `json:"replaces,omitempty"`
}

// TechniqueView is an ATT&CK technique as the API shows it.
type TechniqueView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Replaces is the revoked ID the rule or alert is tagged with
	// ("T1562.001") when this technique replaced it.
	Replaces string `json:"replaces,omitempty"`
	// Status is "deprecated" for a technique ATT&CK withdrew without a
	// replacement; omitted for an active one.
	Status string `json:"status,omitempty"`
}

func techniqueView(t attack.MappedTechnique) TechniqueView {
	v := TechniqueView{ID: t.ID, Name: t.FullName(), Replaces: t.Tagged}
	if t.Status != attack.Active {
		v.Status = t.Status.String()
	}
	return v
}

// AttackView is a rule's ATT&CK mapping.
type AttackView struct {
	Tactics    []TacticView    `json:"tactics"`
	Techniques []TechniqueView `json:"techniques"`
}

// AttackOf resolves a rule's tags against the current matrix: a revoked
// technique or retired tactic shows as what replaced it (attack.MapTags).
func AttackOf(tags []string) AttackView {
	tactics, techniques, _ := attack.MapTags(tags)
	v := AttackView{Tactics: []TacticView{}, Techniques: []TechniqueView{}}
	for _, t := range tactics {
		v.Tactics = append(v.Tactics, TacticView{t.ID, t.Name, t.Shortname, t.Tagged})
	}
	for _, t := range techniques {
		v.Techniques = append(v.Techniques, techniqueView(t))
	}
	return v
}

// LogsourceView is a rule's Sigma logsource.
type LogsourceView struct {
	Product  string `json:"product"`
	Category string `json:"category"`
	Service  string `json:"service"`
}

// StatsView is what a rule did.
type StatsView struct {
	Matches int64 `json:"matches"`
	Alerts  int64 `json:"alerts"`
	// EvalNsPerEvent is the rule's own average evaluation time per event
	// of its org, measured on a sample of the events (EvalSamples of
	// them); 0 until the first sample is written.
	EvalNsPerEvent float64    `json:"eval_ns_per_event"`
	EvalSamples    int64      `json:"eval_samples"`
	LastMatchAt    *time.Time `json:"last_match_at"`
}

// ExceptionView is a rule exception as the API shows it. Field,
// Operator, Value and Values repeat the condition of an exception that
// has exactly one, for clients of the single-condition API.
type ExceptionView struct {
	ID         string                     `json:"id"`
	RuleID     string                     `json:"rule_id"`
	Conditions []store.ExceptionCondition `json:"conditions"`
	Field      string                     `json:"field,omitempty"`
	Operator   string                     `json:"operator,omitempty"`
	Value      string                     `json:"value,omitempty"`
	Values     []string                   `json:"values,omitempty"`
	Reason     string                     `json:"reason"`
	Owner      string                     `json:"owner"`
	OwnerEmail string                     `json:"owner_email"`
	// OwnerName is who the owner is to a person: a user's display name
	// (their address when they have none), an API key's name, or
	// EventSec itself for the system; "" when the owner is gone.
	OwnerName string     `json:"owner_name"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
	Expired   bool       `json:"expired"`
}

// ExceptionOwner is who owns an exception, as ExceptionView shows it.
type ExceptionOwner struct{ Email, Name string }

// ExceptionViewOf renders an exception.
func ExceptionViewOf(x store.RuleException, owner ExceptionOwner, now time.Time) ExceptionView {
	v := ExceptionView{ID: x.ID, RuleID: x.RuleID, Conditions: x.Conditions, Reason: x.Reason,
		Owner: x.Owner, OwnerEmail: owner.Email, OwnerName: owner.Name, ExpiresAt: x.ExpiresAt, CreatedAt: x.CreatedAt,
		Expired: x.ExpiresAt != nil && !now.Before(*x.ExpiresAt)}
	if v.Conditions == nil {
		v.Conditions = []store.ExceptionCondition{}
	}
	if len(x.Conditions) == 1 {
		c := x.Conditions[0]
		v.Field, v.Operator, v.Value, v.Values = c.Field, c.Operator, c.Value, c.Values
	}
	return v
}

// RuleView is a rule as the API shows it.
type RuleView struct {
	ID               string `json:"id"`
	Title            string `json:"title"`
	Description      string `json:"description"`
	Author           string `json:"author"`
	Format           string `json:"format"`
	Kind             string `json:"kind"`
	Source           string `json:"source,omitempty"`
	Status           string `json:"status"`
	Level            string `json:"level"`
	SeverityOverride string `json:"severity_override"`
	// AlertGroupBy are the fields that key the rule's alerts ([]: the
	// default, host, user and source address); AlertWindowMinutes how far
	// apart repeats fold (0: the default, 24 hours).
	AlertGroupBy       []string `json:"alert_group_by"`
	AlertWindowMinutes int64    `json:"alert_window_minutes"`
	Enabled            bool     `json:"enabled"`
	Pack               string   `json:"pack"`
	// ImportedFrom is where an import last took the rule from
	// (ARCHIVE:FILE); "" for a rule written in EventSec.
	ImportedFrom   string        `json:"imported_from"`
	Logsource      LogsourceView `json:"logsource"`
	Tags           []string      `json:"tags"`
	Attack         AttackView    `json:"attack"`
	References     []string      `json:"references"`
	FalsePositives []string      `json:"falsepositives"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	CreatedBy      string        `json:"created_by"`
	Stats          StatsView     `json:"stats"`
	// Runnable is false when the rule cannot run in this org as it is
	// (Problem says why, e.g. a placeholder without values).
	Runnable   bool            `json:"runnable"`
	Problem    string          `json:"problem,omitempty"`
	Exceptions []ExceptionView `json:"exceptions,omitempty"`
	// Feeds are the correlations of the org's other enabled rules that
	// count one of this rule's documents; Feed.Silenced says that
	// document raises no alert of its own (none sets generate: true).
	Feeds []Feed `json:"feeds"`
	// Documents are the documents of the rule's file (a single rule's
	// view only); Document is the one asked for, when the rule was found
	// by the id or name of a document that is not its first.
	Documents []DocumentView `json:"documents,omitempty"`
	Document  string         `json:"document,omitempty"`
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// RuleViewOf renders a rule; problem is why it does not run ("" when it
// does), withSource includes its source text.
func RuleViewOf(r store.Rule, st store.RuleStats, problem string, withSource bool) RuleView {
	v := RuleView{ID: r.ID, Title: r.Title, Description: r.Description, Author: r.Author, Format: r.Format, Kind: r.Kind,
		Status: r.Status, Level: r.Level, SeverityOverride: r.SeverityOverride, Enabled: r.Enabled, Pack: r.Pack, ImportedFrom: r.ImportedFrom,
		Logsource: LogsourceView{r.Product, r.Category, r.Service}, Tags: orEmpty(r.Tags), Attack: AttackOf(r.Tags),
		References: orEmpty(r.References), FalsePositives: orEmpty(r.FalsePositives), CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, CreatedBy: r.CreatedBy,
		Stats:    StatsView{Matches: st.Matches, Alerts: st.Alerts, LastMatchAt: st.LastMatchAt, EvalSamples: st.EvalSamples},
		Runnable: problem == "", Problem: problem,
		AlertGroupBy: orEmpty(r.AlertGroupBy), AlertWindowMinutes: int64(r.AlertWindow / time.Minute), Feeds: []Feed{}}
	if st.EvalSamples > 0 {
		v.Stats.EvalNsPerEvent = float64(st.EvalNanos) / float64(st.EvalSamples)
	}
	if withSource {
		v.Source = r.Source
	}
	return v
}

// RuleFilter narrows a rules list.
type RuleFilter struct {
	Query, Status, Level, Tactic, Technique, Product, Category, Service, Pack, Kind string
	Enabled                                                                         *bool
}

// Match reports whether the rule passes the filter.
func (f RuleFilter) Match(r store.Rule) bool {
	eq := func(want, have string) bool { return want == "" || strings.EqualFold(want, have) }
	if !eq(f.Status, r.Status) || !eq(f.Level, r.Level) || !eq(f.Product, r.Product) || !eq(f.Category, r.Category) ||
		!eq(f.Service, r.Service) || !eq(f.Pack, r.Pack) || !eq(f.Kind, r.Kind) {
		return false
	}
	if f.Enabled != nil && *f.Enabled != r.Enabled {
		return false
	}
	if f.Query != "" {
		q := strings.ToLower(f.Query)
		if !strings.Contains(strings.ToLower(r.Title), q) && !strings.Contains(strings.ToLower(r.Description), q) &&
			!strings.Contains(strings.ToLower(r.ID), q) && !slices.ContainsFunc(r.Tags, func(t string) bool { return strings.Contains(strings.ToLower(t), q) }) {
			return false
		}
	}
	if f.Tactic != "" || f.Technique != "" {
		tactics, techniques, _ := attack.MapTags(r.Tags)
		if f.Tactic != "" && !slices.ContainsFunc(tactics, func(t attack.MappedTactic) bool {
			return strings.EqualFold(t.ID, f.Tactic) || strings.EqualFold(t.Shortname, f.Tactic) || strings.EqualFold(t.Tagged, f.Tactic)
		}) {
			return false
		}
		within := func(id string) bool {
			return id != "" && (strings.EqualFold(id, f.Technique) || strings.HasPrefix(strings.ToUpper(id), strings.ToUpper(f.Technique)+"."))
		}
		if f.Technique != "" && !slices.ContainsFunc(techniques, func(t attack.MappedTechnique) bool {
			// A technique filter includes its sub-techniques, and finds a
			// rule by the revoked ID it is tagged with too.
			return within(t.ID) || within(t.Tagged)
		}) {
			return false
		}
	}
	return true
}

// Facets counts rules per value of the list's filter dimensions.
func Facets(rules []store.Rule) map[string]map[string]int {
	out := map[string]map[string]int{"level": {}, "status": {}, "pack": {}, "product": {}, "category": {}, "service": {}, "tactic": {}, "kind": {}, "enabled": {}}
	inc := func(k, v string) {
		if v != "" {
			out[k][v]++
		}
	}
	for _, r := range rules {
		inc("level", r.Level)
		inc("status", r.Status)
		inc("pack", r.Pack)
		inc("product", r.Product)
		inc("category", r.Category)
		inc("service", r.Service)
		inc("kind", r.Kind)
		inc("enabled", map[bool]string{true: "true", false: "false"}[r.Enabled])
		tactics, _, _ := attack.MapTags(r.Tags)
		for _, t := range tactics {
			inc("tactic", t.Shortname)
		}
	}
	return out
}

// CoverageTechnique is one cell of the ATT&CK matrix.
type CoverageTechnique struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Rules   int    `json:"rules"`
	Enabled int    `json:"enabled"`
}

// CoverageTactic is one column of the ATT&CK matrix.
type CoverageTactic struct {
	ID         string              `json:"id"`
	Shortname  string              `json:"shortname"`
	Name       string              `json:"name"`
	Techniques []CoverageTechnique `json:"techniques"`
}

// Coverage is the ATT&CK matrix with rule counts.
type Coverage struct {
	Tactics           []CoverageTactic `json:"tactics"`
	TechniquesTotal   int              `json:"techniques_total"`
	TechniquesCovered int              `json:"techniques_covered"`
}

// CoverageOf counts, per ATT&CK technique of the Enterprise matrix, the
// rules tagged with it or one of its sub-techniques, and how many of them
// are enabled. A rule tagged with a revoked technique counts for the one
// that replaced it (attack.MapTags): rules written for an older matrix
// cover what they detect.
func CoverageOf(rules []store.Rule) Coverage {
	type count struct{ rules, enabled int }
	per := map[string]*count{}
	for _, r := range rules {
		_, techniques, _ := attack.MapTags(r.Tags)
		seen := map[string]bool{}
		for _, t := range techniques {
			id := strings.ToUpper(t.ID)
			if i := strings.IndexByte(id, '.'); i > 0 {
				id = id[:i]
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			c := per[id]
			if c == nil {
				c = &count{}
				per[id] = c
			}
			c.rules++
			if r.Enabled {
				c.enabled++
			}
		}
	}
	var cov Coverage
	covered := map[string]bool{}
	all := map[string]bool{}
	for _, ta := range attack.Tactics() {
		ct := CoverageTactic{ID: ta.ID, Shortname: ta.Shortname, Name: ta.Name, Techniques: []CoverageTechnique{}}
		for _, te := range attack.TechniquesOf(ta.ID) {
			c := per[te.ID]
			cell := CoverageTechnique{ID: te.ID, Name: te.Name}
			if c != nil {
				cell.Rules, cell.Enabled = c.rules, c.enabled
				if c.enabled > 0 {
					covered[te.ID] = true
				}
			}
			all[te.ID] = true
			ct.Techniques = append(ct.Techniques, cell)
		}
		sort.Slice(ct.Techniques, func(i, j int) bool { return ct.Techniques[i].ID < ct.Techniques[j].ID })
		cov.Tactics = append(cov.Tactics, ct)
	}
	cov.TechniquesTotal, cov.TechniquesCovered = len(all), len(covered)
	return cov
}

// AlertView is an alert as the API and the live channel show it.
type AlertView struct {
	ID        string `json:"id"`
	RuleID    string `json:"rule_id"`
	RuleTitle string `json:"rule_title"`
	RuleKind  string `json:"rule_kind"`
	// RuleDocumentID and RuleName are the document of the rule's file
	// that raised the alert (a correlation, or one of its base rules);
	// "" for alerts raised before they were recorded.
	RuleDocumentID string              `json:"rule_document_id"`
	RuleName       string              `json:"rule_name"`
	Severity       string              `json:"severity"`
	Status         string              `json:"status"`
	Title          string              `json:"title"`
	Description    string              `json:"description"`
	Tactics        []TacticView        `json:"tactics"`
	Techniques     []TechniqueView     `json:"techniques"`
	Entities       store.AlertEntities `json:"entities"`
	Group          map[string]string   `json:"group"`
	EventIDs       []string            `json:"event_ids"`
	Count          int64               `json:"count"`
	DedupKey       string              `json:"dedup_key"`
	FirstSeen      time.Time           `json:"first_seen"`
	LastSeen       time.Time           `json:"last_seen"`
	CreatedAt      time.Time           `json:"created_at"`
	UpdatedAt      time.Time           `json:"updated_at"`
	Assignee       string              `json:"assignee"`
}

// View renders an alert.
func (s *Service) View(a store.Alert) AlertView { return AlertViewOf(a) }

// AlertViewOf renders an alert.
func AlertViewOf(a store.Alert) AlertView {
	v := AlertView{ID: a.ID, RuleID: a.RuleID, RuleTitle: a.RuleTitle, RuleKind: a.RuleKind,
		RuleDocumentID: a.RuleDocumentID, RuleName: a.RuleName, Severity: a.Severity,
		Status: a.Status, Title: a.Title, Description: a.Description, Entities: a.Entities, Group: a.Group,
		EventIDs: orEmpty(a.EventIDs), Count: a.Count, DedupKey: a.DedupKey, FirstSeen: a.FirstSeen, LastSeen: a.LastSeen,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Assignee: a.Assignee,
		Tactics: []TacticView{}, Techniques: []TechniqueView{}}
	for _, id := range a.Tactics {
		if t, ok := attack.TacticByID(id); ok {
			v.Tactics = append(v.Tactics, TacticView{ID: t.ID, Name: t.Name, Shortname: t.Shortname})
		} else {
			v.Tactics = append(v.Tactics, TacticView{ID: id, Name: id})
		}
	}
	for _, id := range a.Techniques {
		// An alert raised before its technique was revoked shows the
		// technique that replaced it.
		if t, ok := attack.TechniqueByID(id); ok {
			m := attack.MappedTechnique{Technique: t}
			if cur, ok := attack.Current(t); ok && cur.ID != t.ID {
				m = attack.MappedTechnique{Technique: cur, Tagged: t.ID}
			}
			v.Techniques = append(v.Techniques, techniqueView(m))
		} else {
			v.Techniques = append(v.Techniques, TechniqueView{ID: id, Name: id})
		}
	}
	if v.Group == nil {
		v.Group = map[string]string{}
	}
	en := &v.Entities
	en.Hosts, en.Users, en.IPs, en.Processes, en.Files, en.Domains = orEmpty(en.Hosts), orEmpty(en.Users), orEmpty(en.IPs),
		orEmpty(en.Processes), orEmpty(en.Files), orEmpty(en.Domains)
	return v
}

// RuleSorts are the orders of the rules list: "title" (the default, A to
// Z), and, most first, "level" (critical first), "matches", "alerts",
// "eval_time" (the sampled time per event), "last_match" (latest first)
// and "updated".
var RuleSorts = []string{"title", "level", "matches", "alerts", "eval_time", "last_match", "updated"}

// levelRank orders levels from critical down; an unknown level last.
func levelRank(l string) int {
	switch strings.ToLower(l) {
	case "critical":
		return 0
	case "high":
		return 1
	case "medium":
		return 2
	case "low":
		return 3
	case "informational":
		return 4
	}
	return 5
}

// SortRules orders rules by one of RuleSorts; ties go by title, then id.
// It reports false for a sort it does not know.
func SortRules(rules []store.Rule, stats map[string]store.RuleStats, by string) bool {
	perEvent := func(st store.RuleStats) float64 {
		if st.EvalSamples == 0 {
			return -1 // never sampled: after a measured zero
		}
		return float64(st.EvalNanos) / float64(st.EvalSamples)
	}
	lastMatch := func(st store.RuleStats) int64 {
		if st.LastMatchAt == nil {
			return math.MinInt64
		}
		return st.LastMatchAt.UnixNano()
	}
	var key func(a, b store.Rule) int
	switch by {
	case "", "title":
		key = func(a, b store.Rule) int { return 0 }
	case "level":
		key = func(a, b store.Rule) int { return cmp.Compare(levelRank(a.Level), levelRank(b.Level)) }
	case "matches":
		key = func(a, b store.Rule) int { return cmp.Compare(stats[b.ID].Matches, stats[a.ID].Matches) }
	case "alerts":
		key = func(a, b store.Rule) int { return cmp.Compare(stats[b.ID].Alerts, stats[a.ID].Alerts) }
	case "eval_time":
		key = func(a, b store.Rule) int { return cmp.Compare(perEvent(stats[b.ID]), perEvent(stats[a.ID])) }
	case "last_match":
		key = func(a, b store.Rule) int { return cmp.Compare(lastMatch(stats[b.ID]), lastMatch(stats[a.ID])) }
	case "updated":
		key = func(a, b store.Rule) int { return b.UpdatedAt.Compare(a.UpdatedAt) }
	default:
		return false
	}
	slices.SortStableFunc(rules, func(a, b store.Rule) int {
		if c := key(a, b); c != 0 {
			return c
		}
		if c := strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return true
}
