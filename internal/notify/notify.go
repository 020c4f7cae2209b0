// Package notify delivers alerts, incident events and test messages to the
// tools teams live in: e-mail (SMTP), Slack, Microsoft Teams, PagerDuty
// (Events API v2) and signed generic webhooks.
//
// A Message is routed (Route) to an org's Channels and to the channels its
// rule's actions name. The Dispatcher writes one pending delivery per
// target to the state store and returns; its workers send them later,
// retry with exponential backoff, and record every outcome in the delivery
// log. The store is the queue, so a restart resumes where it stopped.
package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// Kind is a channel type.
type Kind string

// Channel kinds.
const (
	KindEmail     Kind = "email"
	KindSlack     Kind = "slack"
	KindTeams     Kind = "teams"
	KindPagerDuty Kind = "pagerduty"
	KindWebhook   Kind = "webhook"
)

// Kinds lists every channel kind.
var Kinds = []Kind{KindEmail, KindSlack, KindTeams, KindPagerDuty, KindWebhook}

func (k Kind) valid() bool { return slices.Contains(Kinds, k) }

// Message events.
const (
	EventAlertRaised     = "alert.raised"
	EventAlertUpdated    = "alert.updated"
	EventAlertResolved   = "alert.resolved"
	EventIncidentCreated = "incident.created"
	EventIncidentUpdated = "incident.updated"
	EventTest            = "test"
)

// Events lists every message event, for the channel settings form.
var Events = []string{EventAlertRaised, EventAlertUpdated, EventAlertResolved, EventIncidentCreated,
	EventIncidentUpdated, EventTest}

// Message actions, as PagerDuty names them; the other kinds show them.
const (
	ActionTrigger     = "trigger"
	ActionAcknowledge = "acknowledge"
	ActionResolve     = "resolve"
)

// Severities, lowest first: EventSec's alert severities.
var Severities = []string{"informational", "low", "medium", "high", "critical"}

// severityRank orders severities; -1 for an unknown one.
func severityRank(s string) int { return slices.Index(Severities, normSeverity(s)) }

// normSeverity accepts the spellings rules use ("info", "High").
func normSeverity(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "info", "information":
		return "informational"
	case "crit":
		return "critical"
	}
	return s
}

// Field is one labelled value shown with a message, in order.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Message is what is announced, before it is rendered for a channel.
type Message struct {
	Event    string `json:"event"`
	Title    string `json:"title"`
	Summary  string `json:"summary,omitempty"`
	Severity string `json:"severity"`
	// Link opens the alert or incident in EventSec.
	Link string `json:"link,omitempty"`
	// DedupKey ties the messages about one thing together (PagerDuty
	// dedup_key); default "eventsec:alert:<id>" or "eventsec:incident:<id>".
	DedupKey string `json:"dedup_key,omitempty"`
	// Action is trigger, acknowledge or resolve (default from Event).
	Action  string `json:"action"`
	OrgID   string `json:"org_id"`
	OrgName string `json:"org_name,omitempty"`
	// Group is the work-group ID the alert or incident is assigned to;
	// channels limited to groups only get their groups' messages.
	Group      string `json:"group,omitempty"`
	AlertID    string `json:"alert_id,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
	// Source, Component and Class fill PagerDuty's fields of the same
	// names (source defaults to "eventsec").
	Source    string    `json:"source,omitempty"`
	Component string    `json:"component,omitempty"`
	Class     string    `json:"class,omitempty"`
	Time      time.Time `json:"time"`
	Fields    []Field   `json:"fields,omitempty"`
	// To, for an e-mail, replaces the channel's recipients (a rule
	// action's "recipients").
	To []string `json:"to,omitempty"`
}

// normalize fills defaults and canonical spellings.
func (m Message) normalize(now time.Time) Message {
	m.Severity = normSeverity(m.Severity)
	if severityRank(m.Severity) < 0 {
		m.Severity = "medium"
	}
	if m.Event == "" {
		m.Event = EventAlertRaised
	}
	if m.Action == "" {
		m.Action = ActionTrigger
		if m.Event == EventAlertResolved {
			m.Action = ActionResolve
		}
	}
	if m.DedupKey == "" {
		switch {
		case m.AlertID != "":
			m.DedupKey = "eventsec:alert:" + m.AlertID
		case m.IncidentID != "":
			m.DedupKey = "eventsec:incident:" + m.IncidentID
		}
	}
	if m.Time.IsZero() {
		m.Time = now
	}
	m.Time = m.Time.UTC()
	if m.Title == "" {
		m.Title = m.Event
	}
	return m
}

// refID is the alert's or incident's ID, for the delivery log.
func (m Message) refID() string {
	if m.AlertID != "" {
		return m.AlertID
	}
	return m.IncidentID
}

// Channel is a configured destination with its routing filters.
type Channel struct {
	ID      string `json:"id"`
	OrgID   string `json:"org_id"`
	Name    string `json:"name"`
	Kind    Kind   `json:"kind"`
	Enabled bool   `json:"enabled"`
	// MinSeverity: less severe messages are not routed here ("" = all).
	MinSeverity string `json:"min_severity"`
	// Events this channel wants; empty = all.
	Events []string `json:"events"`
	// Groups: work-group IDs whose messages this channel wants; empty = any.
	Groups    []string  `json:"groups"`
	Config    Config    `json:"config"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// UnmarshalJSON decodes a channel strictly (unknown fields are refused),
// giving Config the type its kind says. It applies the kind's defaults but
// does not validate: call Validate (after KeepSecrets on an update).
func (c *Channel) UnmarshalJSON(b []byte) error {
	type plain Channel
	var raw struct {
		plain
		Config json.RawMessage `json:"config"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("cannot decode channel: %w", err)
	}
	*c = Channel(raw.plain)
	c.Kind = Kind(strings.ToLower(strings.TrimSpace(string(c.Kind))))
	if !c.Kind.valid() {
		return fieldErr("kind", "must be one of email, slack, teams, pagerduty, webhook")
	}
	cfg, err := DecodeConfig(c.Kind, raw.Config)
	if err != nil {
		return err
	}
	c.Config = cfg
	return nil
}

// Validate checks the channel and its configuration; the error is a
// *FieldError naming the first bad field.
func (c Channel) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return fieldErr("name", "is required")
	}
	if len(c.Name) > 200 {
		return fieldErr("name", "is longer than 200 characters")
	}
	if !c.Kind.valid() {
		return fieldErr("kind", "must be one of email, slack, teams, pagerduty, webhook")
	}
	if c.Config == nil {
		return fieldErr("config", "is required")
	}
	if c.Config.Kind() != c.Kind {
		return fieldErr("config", "is a %s configuration, the channel is %s", c.Config.Kind(), c.Kind)
	}
	if c.MinSeverity != "" && severityRank(c.MinSeverity) < 0 {
		return fieldErr("min_severity", "must be one of %s", strings.Join(Severities, ", "))
	}
	for i, e := range c.Events {
		if !slices.Contains(Events, e) {
			return fieldErr(fmt.Sprintf("events[%d]", i), "unknown event %q", e)
		}
	}
	for i, g := range c.Groups {
		if strings.TrimSpace(g) == "" {
			return fieldErr(fmt.Sprintf("groups[%d]", i), "is empty")
		}
	}
	if err := c.Config.Validate(); err != nil {
		return err
	}
	return nil
}

// Redacted returns the channel with its secrets blanked, for API
// responses.
func (c Channel) Redacted() Channel {
	if c.Config != nil {
		c.Config = c.Config.Redacted()
	}
	return c
}

// KeepSecrets fills the secrets c leaves blank from prev, the stored
// channel, when both are of the same kind: a client edits a channel it
// received redacted without sending the secrets back.
func (c Channel) KeepSecrets(prev Channel) Channel {
	if c.Config != nil && prev.Config != nil && c.Config.Kind() == prev.Config.Kind() {
		c.Config = c.Config.keepSecrets(prev.Config)
	}
	return c
}

// FromStore gives a stored channel its typed configuration.
func FromStore(sc store.NotifyChannel) (Channel, error) {
	c := Channel{ID: sc.ID, OrgID: sc.OrgID, Name: sc.Name, Kind: Kind(sc.Kind), Enabled: sc.Enabled,
		MinSeverity: sc.MinSeverity, Events: sc.Events, Groups: sc.Groups, CreatedBy: sc.CreatedBy,
		CreatedAt: sc.CreatedAt, UpdatedAt: sc.UpdatedAt}
	cfg, err := DecodeConfig(c.Kind, sc.Config)
	if err != nil {
		return c, fmt.Errorf("cannot read channel %s: %w", sc.ID, err)
	}
	c.Config = cfg
	return c, nil
}

// ToStore encodes the channel for the store.
func (c Channel) ToStore() (store.NotifyChannel, error) {
	sc := store.NotifyChannel{ID: c.ID, OrgID: c.OrgID, Name: strings.TrimSpace(c.Name), Kind: string(c.Kind),
		Enabled: c.Enabled, MinSeverity: normSeverity(c.MinSeverity), Events: c.Events, Groups: c.Groups,
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c.Config == nil {
		return sc, fieldErr("config", "is required")
	}
	b, err := json.Marshal(c.Config)
	if err != nil {
		return sc, fmt.Errorf("cannot encode channel config: %w", err)
	}
	sc.Config = b
	return sc, nil
}

// wants reports whether the channel's filters let msg through.
func (c Channel) wants(msg Message) bool {
	if !c.Enabled {
		return false
	}
	if c.MinSeverity != "" && severityRank(msg.Severity) < severityRank(c.MinSeverity) {
		return false
	}
	if len(c.Events) > 0 && !slices.Contains(c.Events, msg.Event) {
		return false
	}
	if len(c.Groups) > 0 && !slices.Contains(c.Groups, msg.Group) {
		return false
	}
	return true
}
