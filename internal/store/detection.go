package store

import (
	"context"
	"time"
)

// Rule is a detection rule as the user wrote it (Sigma YAML or a JSON
// rule), with the metadata the rules list filters on. The detection
// engine compiles Source; the other fields are derived from it when it is
// saved.
type Rule struct {
	ID          string
	OrgID       string
	Title       string
	Description string
	Author      string
	// Format is "sigma" or "json".
	Format string
	// Kind is "detection", "correlation", "threshold" or "filter".
	Kind   string
	Source string
	// SourceHash is the hex SHA-256 of Source: an import recognises
	// unchanged rules by it.
	SourceHash       string
	Status           string
	Level            string
	SeverityOverride string
	// AlertGroupBy are the fields whose values key the rule's alerts: a
	// repeat with the same values folds into the open alert. Empty: the
	// default key, the event's host, user and source address.
	AlertGroupBy []string
	// AlertWindow is how far apart in event time repeats still fold into
	// one alert. Zero: detection's default (24 hours).
	AlertWindow time.Duration
	Enabled     bool
	// Pack says where the rule came from: "sigmahq", "eventsec" or
	// "custom".
	Pack string
	// ImportedFrom is where an import last took the rule from: the
	// archive or directory and the rule's file in it ("" for a rule
	// written in EventSec).
	ImportedFrom string
	// ImportedHash is the SourceHash the rule had when an import last
	// wrote it ("" for a rule written in EventSec): equal to SourceHash
	// while nobody has edited the rule since.
	ImportedHash   string
	Product        string
	Category       string
	Service        string
	Tags           []string
	References     []string
	FalsePositives []string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// RuleStats counts what a rule did.
type RuleStats struct {
	RuleID      string
	Matches     int64
	Alerts      int64
	LastMatchAt *time.Time
	// EvalNanos is the time spent evaluating the rule on sampled events,
	// EvalSamples how many sampled events of its org it was loaded for:
	// their ratio is the rule's average cost per event.
	EvalNanos   int64
	EvalSamples int64
}

// Placeholder is an org's values of a Sigma placeholder (%name%, used by
// the expand modifier): a rule using it matches any of the values.
type Placeholder struct {
	Name      string // without the percent signs
	Values    []string
	UpdatedBy string // user ID
	UpdatedAt time.Time
}

// RuleException suppresses a rule's matches for which every one of its
// conditions holds, until it expires. Owner and reason are mandatory:
// tuning is accountable.
type RuleException struct {
	ID     string
	OrgID  string
	RuleID string
	// Conditions are AND-ed; an exception has at least one.
	Conditions []ExceptionCondition
	Reason     string
	Owner      string // user ID
	ExpiresAt  *time.Time
	CreatedAt  time.Time
}

// ExceptionCondition is one test of an exception on an event field. Value
// is the operand of the single-value operators (equals, contains, regex...),
// Values the list of in and not_in; exists and not_exists take neither.
// The JSON form is how the store keeps it.
type ExceptionCondition struct {
	Field    string   `json:"field"`
	Operator string   `json:"operator"`
	Value    string   `json:"value,omitempty"`
	Values   []string `json:"values,omitempty"`
}

// RuleStore keeps rules, their exceptions and statistics.
type RuleStore interface {
	Create(ctx context.Context, r Rule) error
	Get(ctx context.Context, orgID, id string) (Rule, error)
	// List returns every rule of the org, ordered by title. The detection
	// engine keeps them all compiled, so the API filters in memory.
	List(ctx context.Context, orgID string) ([]Rule, error)
	// Update replaces every mutable field of the rule with r's.
	Update(ctx context.Context, r Rule) error
	Delete(ctx context.Context, orgID, id string) error

	CreateException(ctx context.Context, e RuleException) error
	// Exceptions lists the org's exceptions, of one rule when ruleID is
	// not empty.
	Exceptions(ctx context.Context, orgID, ruleID string) ([]RuleException, error)
	DeleteException(ctx context.Context, orgID, ruleID, id string) error

	// AddStats adds to the rule's counters (creating them).
	AddStats(ctx context.Context, orgID string, s RuleStats) error
	// Stats returns the counters of every rule of the org that has some.
	Stats(ctx context.Context, orgID string) ([]RuleStats, error)

	// Placeholders returns the org's placeholders, ordered by name.
	Placeholders(ctx context.Context, orgID string) ([]Placeholder, error)
	// SetPlaceholders replaces all of the org's placeholders with ps.
	SetPlaceholders(ctx context.Context, orgID string, ps []Placeholder) error
}

// Alert statuses.
const (
	AlertNew          = "new"
	AlertAcknowledged = "acknowledged"
	AlertInProgress   = "in_progress"
	AlertEscalated    = "escalated"
	AlertResolved     = "resolved"
	AlertClosed       = "closed"
)

// Alert is what a rule raised. Repeats with the same DedupKey while the
// alert is open are folded into it (Count, LastSeen, EventIDs).
type Alert struct {
	ID        string
	OrgID     string
	RuleID    string
	RuleTitle string
	RuleKind  string
	// RuleDocumentID and RuleName are the document of the rule (file)
	// that raised the alert: a Sigma file may hold a base rule and its
	// correlations, each with its own id and title. The id is the
	// document's Sigma id (else its name); "" for alerts stored before
	// documents were recorded.
	RuleDocumentID string
	RuleName       string
	Severity       string
	Status         string
	Title          string
	Description    string
	Tactics        []string // ATT&CK tactic IDs (TA0002)
	Techniques     []string // ATT&CK technique IDs (T1059.001)
	Entities       AlertEntities
	Group          map[string]string
	EventIDs       []string
	Count          int64
	DedupKey       string
	Assignee       string
	FirstSeen      time.Time
	LastSeen       time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// Triage (see response.go): the work group it is assigned to, the
	// analyst's verdict, the last escalation, the incident it belongs to,
	// and when it was first acknowledged, resolved and (recoverably) deleted.
	AssigneeGroup  string
	Verdict        string
	Escalation     *Escalation
	IncidentID     string
	AcknowledgedAt *time.Time
	ResolvedAt     *time.Time
	DeletedAt      *time.Time
	DeletedBy      string
}

// AlertEntities are the things an alert is about.
type AlertEntities struct {
	Hosts     []string `json:"hosts"`
	Users     []string `json:"users"`
	IPs       []string `json:"ips"`
	Processes []string `json:"processes"`
	Files     []string `json:"files"`
	Domains   []string `json:"domains"`
	// UserDomains is the domain of each of Users that its events named
	// one of (user.domain beside user.name): a Windows account reads
	// CORP\alice, while Users keeps the bare name that events are
	// searched and alerts related by.
	UserDomains map[string]string `json:"user_domains,omitempty"`
}

// Alert times a filter's range and a list's order can be on.
const (
	AlertTimeLastSeen  = "last_seen"
	AlertTimeFirstSeen = "first_seen"
	AlertTimeCreated   = "created" // when the alert was raised
)

// AlertFilter narrows AlertStore.List. Results are newest LastSeen first
// unless Sort says otherwise.
type AlertFilter struct {
	Statuses   []string
	Severities []string
	RuleID     string
	Query      string // substring of the title, the rule's title or an entity (host, user, IP...), case-insensitive
	// From and To bound TimeField: AlertTimeLastSeen ("", the default)
	// or AlertTimeCreated.
	From, To  time.Time
	TimeField string
	// Assignee is a user id; Unassigned asks for alerts with none.
	Assignee   string
	Unassigned bool
	Group      string
	Verdicts   []string
	// IncidentID is an incident's id; NoIncident asks for alerts in none.
	IncidentID string
	NoIncident bool
	// Deleted lists the trash (deleted alerts) instead of live ones.
	Deleted bool
	// Sort is the time the list is ordered by, newest first:
	// AlertTimeLastSeen ("", the default), AlertTimeFirstSeen or
	// AlertTimeCreated.
	Sort string
	// After continues from the last alert of the previous page (AfterSeen
	// is its time that Sort orders by).
	AfterSeen time.Time
	AfterID   string
	Limit     int
}

// AlertCountCap bounds the total AlertStore.List counts.
const AlertCountCap = 1000

// AlertCount is a value and how many alerts have it.
type AlertCount struct {
	Key   string
	Title string
	Count int64
}

// AlertStats summarises the org's alerts.
type AlertStats struct {
	Total      int64
	Open       int64
	BySeverity []AlertCount
	ByStatus   []AlertCount
	TopRules   []AlertCount
}

// AlertStore keeps alerts.
type AlertStore interface {
	Create(ctx context.Context, a Alert) error
	Get(ctx context.Context, orgID, id string) (Alert, error)
	// Update replaces every mutable field of the alert with a's.
	Update(ctx context.Context, a Alert) error
	// Fold stores a repeat folded into the alert: its count, first and
	// last seen, event IDs, entities and description (the fields
	// detection owns), and
	// indexes the entities in added (those the repeat brought). The
	// analyst's fields (status, assignee, verdict...) are left as they are.
	Fold(ctx context.Context, a Alert, added AlertEntities) error
	// List returns a page and the number of matching alerts, counted up to
	// AlertCountCap+1 (more than AlertCountCap means "at least that many").
	List(ctx context.Context, orgID string, f AlertFilter) ([]Alert, int64, error)
	// OpenByDedupKey returns the newest alert of the org with the key that
	// is not resolved or closed and whose activity (first_seen to
	// last_seen) reaches into [from, to] (a zero bound is open), or
	// ErrNotFound.
	OpenByDedupKey(ctx context.Context, orgID, key string, from, to time.Time) (Alert, error)
	// Stats counts the alerts f selects (its page and order fields aside).
	Stats(ctx context.Context, orgID string, f AlertFilter) (AlertStats, error)

	// ListByIDs returns the org's alerts among ids (any order; unknown ids
	// are left out).
	ListByIDs(ctx context.Context, orgID string, ids []string) ([]Alert, error)
	// MatchingIDs returns the ids of up to limit alerts that f selects
	// (its page and order fields aside), in no set order.
	MatchingIDs(ctx context.Context, orgID string, f AlertFilter, limit int) ([]string, error)
	// Count counts the alerts f selects (its page and order fields aside),
	// exactly.
	Count(ctx context.Context, orgID string, f AlertFilter) (int64, error)
	// BulkSet applies one change to many alerts in set-based statements
	// and returns how many changed.
	BulkSet(ctx context.Context, orgID string, ids []string, set AlertBulkSet) (int64, error)
	// Related returns alerts sharing a host, user or IP with the alert,
	// last seen within window of it (the alert itself excluded).
	Related(ctx context.Context, orgID, id string, window time.Duration, limit int) ([]RelatedAlert, error)
	// ByEntity returns live, open alerts not in an incident, seen since,
	// grouped by a shared entity with at least two alerts.
	SharedEntities(ctx context.Context, orgID string, since time.Time, limit int) ([]EntityGroup, error)
	// CountByEntity counts live alerts about a host, user or IP.
	CountByEntity(ctx context.Context, orgID, kind, value string) (int64, error)
	// Timings returns the workflow times of alerts created in [from, to).
	Timings(ctx context.Context, orgID string, from, to time.Time) ([]AlertTiming, error)
	// PurgeDeleted removes alerts deleted before the time for good.
	PurgeDeleted(ctx context.Context, before time.Time) (int64, error)
}

// CheckpointStore keeps stream consumers' positions.
type CheckpointStore interface {
	// Get returns the checkpoint (0 when never set).
	Get(ctx context.Context, name string) (int64, error)
	Set(ctx context.Context, name string, seq int64, at time.Time) error
}
