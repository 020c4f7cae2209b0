package store

import (
	"context"
	"time"
)

// Alert verdicts.
const (
	VerdictTruePositive  = "true_positive"
	VerdictBenign        = "benign"
	VerdictFalsePositive = "false_positive"
)

// Escalation is an alert handed to another user or work group.
type Escalation struct {
	ToUser  string    `json:"to_user,omitempty"`
	ToGroup string    `json:"to_group,omitempty"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// AlertBulkSet is one change applied to many alerts; nil fields are left
// alone. The *At times are set only where still empty (first
// acknowledgement, first resolution).
type AlertBulkSet struct {
	Status         *string
	Verdict        *string
	Assignee       *string
	AssigneeGroup  *string
	Escalation     *Escalation
	AcknowledgedAt *time.Time
	ResolvedAt     *time.Time
	// Delete moves the alerts to the trash (DeletedAt, DeletedBy);
	// Restore takes them out.
	Delete    bool
	DeletedBy string
	Restore   bool
	UpdatedAt time.Time
}

// RelatedAlert is an alert and the entities it shares with another.
type RelatedAlert struct {
	Alert  Alert
	Shared []Entity
}

// Entity is a host, user or IP an alert is about.
type Entity struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// EntityGroup is a set of alerts sharing one entity.
type EntityGroup struct {
	Entity   Entity
	AlertIDs []string
}

// AlertTiming is what SOC metrics need of an alert.
type AlertTiming struct {
	Severity, Status, Verdict, Assignee, AssigneeGroup string
	CreatedAt                                          time.Time
	AcknowledgedAt, ResolvedAt                         *time.Time
}

// Incident statuses.
const (
	IncidentOpen       = "open"
	IncidentInProgress = "in_progress"
	IncidentContained  = "contained"
	IncidentResolved   = "resolved"
	IncidentClosed     = "closed"
)

// Incident is a case run to closure by the team.
type Incident struct {
	ID          string
	OrgID       string
	Number      int64
	Title       string
	Description string
	Severity    string
	Status      string
	Verdict     string
	Owner       string
	Group       string
	Tags        []string
	PlaybookID  string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time

	AcknowledgedAt, ResolvedAt, ClosedAt, DeletedAt *time.Time
}

// IncidentFilter narrows IncidentStore.List (newest update first).
type IncidentFilter struct {
	Statuses   []string
	Severities []string
	Owner      string
	Unowned    bool
	Group      string
	Query      string
	AfterAt    time.Time
	AfterID    string
	Limit      int
}

// TimelineEntry is one line of an incident's timeline.
type TimelineEntry struct {
	ID, OrgID, IncidentID string
	At                    time.Time
	Kind                  string // auto or manual
	Actor                 string
	Message               string
	Detail                string
}

// Observable is a piece of evidence attached to an incident.
type Observable struct {
	ID, OrgID, IncidentID string
	Type, Value           string
	Description           string
	IOC                   bool
	CreatedBy             string
	CreatedAt             time.Time
}

// IncidentStore keeps incidents, their timelines and observables.
type IncidentStore interface {
	// Create stores the incident with the org's next number and returns it.
	Create(ctx context.Context, in Incident) (Incident, error)
	Get(ctx context.Context, orgID, id string) (Incident, error)
	Update(ctx context.Context, in Incident) error
	List(ctx context.Context, orgID string, f IncidentFilter) ([]Incident, int64, error)
	// AlertCounts returns how many alerts each incident holds.
	AlertCounts(ctx context.Context, orgID string, ids []string) (map[string]int64, error)
	AddTimeline(ctx context.Context, e TimelineEntry) error
	Timeline(ctx context.Context, orgID, incidentID string) ([]TimelineEntry, error)
	AddObservable(ctx context.Context, o Observable) error
	Observables(ctx context.Context, orgID, incidentID string) ([]Observable, error)
	DeleteObservable(ctx context.Context, orgID, incidentID, id string) error
	// Timings returns incidents created in [from, to).
	Timings(ctx context.Context, orgID string, from, to time.Time) ([]Incident, error)
}

// Task statuses.
const (
	TaskTodo       = "todo"
	TaskInProgress = "in_progress"
	TaskBlocked    = "blocked"
	TaskDone       = "done"
	TaskSkipped    = "skipped"
)

// Task is a piece of work in an incident or a workplan.
type Task struct {
	ID, OrgID              string
	IncidentID, WorkplanID string
	Title, Description     string
	Status                 string
	Assignee               string
	DueAt                  *time.Time
	Position               int64
	PlaybookStep           *int
	Action                 string // JSON of the automated action, "" for manual steps
	CreatedBy              string
	CreatedAt, UpdatedAt   time.Time
	CompletedAt            *time.Time
}

// TaskFilter narrows TaskStore.List.
type TaskFilter struct {
	IncidentID, WorkplanID, Assignee string
	Statuses                         []string
}

// TaskStore keeps tasks.
type TaskStore interface {
	Create(ctx context.Context, t Task) error
	Get(ctx context.Context, orgID, id string) (Task, error)
	Update(ctx context.Context, t Task) error
	Delete(ctx context.Context, orgID, id string) error
	List(ctx context.Context, orgID string, f TaskFilter) ([]Task, error)
}

// WorkplanLink ties a workplan to an alert or an incident.
type WorkplanLink struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Workplan is a plan of tasks.
type Workplan struct {
	ID, OrgID          string
	Title, Description string
	Owner, Group       string
	Status             string
	DueAt              *time.Time
	Links              []WorkplanLink
	CreatedBy          string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// WorkplanStore keeps workplans.
type WorkplanStore interface {
	Create(ctx context.Context, w Workplan) error
	Get(ctx context.Context, orgID, id string) (Workplan, error)
	Update(ctx context.Context, w Workplan) error
	Delete(ctx context.Context, orgID, id string) error
	List(ctx context.Context, orgID string) ([]Workplan, error)
}

// Note is a war-room note on an alert or an incident.
type Note struct {
	ID, OrgID            string
	ObjectType, ObjectID string
	Author               string
	Body                 string
	Mentions             []string // user ids
	CreatedAt, UpdatedAt time.Time
}

// Attachment is a file attached to an object (its bytes live in the blob
// store under the data dir, by SHA-256).
type Attachment struct {
	ID, OrgID            string
	ObjectType, ObjectID string
	NoteID               string
	Name, ContentType    string
	Size                 int64
	SHA256               string
	UploadedBy           string
	CreatedAt            time.Time
}

// NoteRoom summarises the notes of one object.
type NoteRoom struct {
	ObjectType, ObjectID string
	Count                int64
	LastAt               time.Time
}

// NoteStore keeps war-room notes and attachments.
type NoteStore interface {
	Create(ctx context.Context, n Note) error
	Get(ctx context.Context, orgID, id string) (Note, error)
	Update(ctx context.Context, n Note) error
	Delete(ctx context.Context, orgID, id string) error
	List(ctx context.Context, orgID, objectType, objectID string) ([]Note, error)
	Rooms(ctx context.Context, orgID string, limit int) ([]NoteRoom, error)
	CreateAttachment(ctx context.Context, a Attachment) error
	GetAttachment(ctx context.Context, orgID, id string) (Attachment, error)
	// Attachments lists an object's attachments.
	Attachments(ctx context.Context, orgID, objectType, objectID string) ([]Attachment, error)
	// LinkAttachments ties attachments of the same object to a note.
	LinkAttachments(ctx context.Context, orgID, objectType, objectID, noteID string, ids []string) error
}

// PlaybookStep is one step of a playbook.
type PlaybookStep struct {
	Title       string          `json:"title" yaml:"title"`
	Description string          `json:"description" yaml:"description"`
	Kind        string          `json:"kind" yaml:"kind"` // manual or action
	Action      *PlaybookAction `json:"action,omitempty" yaml:"action,omitempty"`
}

// PlaybookAction is an automated step: a containment action whose target
// is taken from the incident's observables of a kind.
type PlaybookAction struct {
	Type       string `json:"type" yaml:"type"`
	TargetFrom string `json:"target_from,omitempty" yaml:"target_from,omitempty"`
}

// Playbook is an org's custom response playbook (built-in ones ship in
// the binary).
type Playbook struct {
	ID, OrgID            string
	Name, Description    string
	Category             string
	SeverityHint         string
	Steps                []PlaybookStep
	CreatedBy            string
	CreatedAt, UpdatedAt time.Time
}

// PlaybookStore keeps custom playbooks.
type PlaybookStore interface {
	Create(ctx context.Context, p Playbook) error
	Get(ctx context.Context, orgID, id string) (Playbook, error)
	Update(ctx context.Context, p Playbook) error
	Delete(ctx context.Context, orgID, id string) error
	List(ctx context.Context, orgID string) ([]Playbook, error)
}

// Response action statuses.
const (
	ActionDone      = "done"
	ActionQueued    = "queued"
	ActionDelivered = "delivered"
	ActionFailed    = "failed"
)

// ResponseAction is a containment action taken from an alert or incident.
type ResponseAction struct {
	ID, OrgID           string
	Type, Target        string
	Params              string // JSON object
	Reason              string
	AlertID, IncidentID string
	Status, Result      string
	// ExternalID is the endpoint action executing it, if any.
	ExternalID           string
	Actor                string
	CreatedAt, UpdatedAt time.Time
}

// ResponseStore keeps response actions.
type ResponseStore interface {
	Create(ctx context.Context, a ResponseAction) error
	Get(ctx context.Context, orgID, id string) (ResponseAction, error)
	Update(ctx context.Context, a ResponseAction) error
	// List filters by alert and/or incident (both empty: all), newest first.
	List(ctx context.Context, orgID, alertID, incidentID string, limit int) ([]ResponseAction, error)
	ByExternalID(ctx context.Context, orgID, externalID string) (ResponseAction, error)
}

// Handover statuses.
const (
	HandoverDraft  = "draft"
	HandoverSent   = "sent"
	HandoverFailed = "failed"
)

// Handover is a shift handover report.
type Handover struct {
	ID, OrgID     string
	Group         string
	Author        string
	Subject, Body string
	Recipients    []string
	ChannelID     string
	Status, Error string
	Snapshot      string // JSON counts of what it covered
	SentAt        *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// HandoverStore keeps handovers.
type HandoverStore interface {
	Create(ctx context.Context, h Handover) error
	Get(ctx context.Context, orgID, id string) (Handover, error)
	Update(ctx context.Context, h Handover) error
	List(ctx context.Context, orgID string, limit int) ([]Handover, error)
}

// HistoryEntry is one change to an object, for its own history view (the
// audit log holds the same changes org-wide, hash-chained).
type HistoryEntry struct {
	ID, OrgID            string
	ObjectType, ObjectID string
	At                   time.Time
	Actor                string
	Action               string
	Detail               string
}

// HistoryStore keeps object histories.
type HistoryStore interface {
	Add(ctx context.Context, entries ...HistoryEntry) error
	List(ctx context.Context, orgID, objectType, objectID string) ([]HistoryEntry, error)
}

// SLAPolicy is how fast alerts and incidents of a severity must be
// acknowledged and resolved.
type SLAPolicy struct {
	Severity       string
	AckMinutes     int
	ResolveMinutes int
}

// SLAStore keeps SLA policies per org.
type SLAStore interface {
	// Get returns the org's policies (none stored: empty).
	Get(ctx context.Context, orgID string) ([]SLAPolicy, error)
	Put(ctx context.Context, orgID string, p []SLAPolicy) error
}
