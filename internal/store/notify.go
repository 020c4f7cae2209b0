package store

import (
	"context"
	"time"
)

// NotifyChannel is a destination for notifications (an SMTP relay, a Slack
// or Teams webhook, a PagerDuty service, a generic webhook). The store
// keeps Config as the kind's JSON, secrets included; package notify gives
// it a type, validates it and redacts it for API responses.
type NotifyChannel struct {
	ID    string
	OrgID string
	Name  string // unique in the org; rule actions may name a channel
	// Kind is "email", "slack", "teams", "pagerduty" or "webhook".
	Kind    string
	Enabled bool
	// MinSeverity: messages below it are not routed here ("" = all).
	MinSeverity string
	// Events this channel wants (e.g. "alert.raised"); empty = all.
	Events []string
	// Groups: work-group IDs whose alerts this channel wants; empty = any.
	Groups    []string
	Config    []byte
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// NotifyDelivery is one message to one channel, and the record of trying
// to send it: the delivery log.
type NotifyDelivery struct {
	ID    string
	OrgID string
	// ChannelID is the stored channel's ID, or "adhoc-<hash>" for a rule
	// action that carried its own configuration (kept in AdHocConfig).
	ChannelID   string
	ChannelName string
	Kind        string
	AdHocConfig []byte
	Event       string
	Title       string
	Severity    string
	// RefID is the alert's or incident's ID ("" for tests).
	RefID string
	// Payload is the message as JSON; it is rendered for the channel at
	// send time.
	Payload       []byte
	Status        string
	Attempts      int
	LastError     string
	ResponseCode  int // HTTP status or SMTP reply code of the last attempt
	NextAttemptAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	SentAt        *time.Time
}

// DeliveryFilter narrows NotifyStore.Deliveries. Results are newest first.
type DeliveryFilter struct {
	ChannelID string
	Status    string
	RefID     string
	// BeforeCreated and BeforeID continue after the last delivery of the
	// previous page (zero: from the newest).
	BeforeCreated time.Time
	BeforeID      string
	Limit         int
}

// ClaimRequest asks NotifyStore.Claim for due deliveries.
type ClaimRequest struct {
	// Now: deliveries whose NextAttemptAt is at or before it are due.
	Now time.Time
	// Until is the claimed deliveries' new NextAttemptAt: if the claimer
	// dies, they are due again then.
	Until time.Time
	// Limit bounds the deliveries returned, PerChannel those of one channel.
	Limit      int
	PerChannel int
	// SkipChannels are channel IDs not to claim from (already busy).
	SkipChannels []string
}

// NotifyStore keeps notification channels and the delivery log.
type NotifyStore interface {
	Create(ctx context.Context, c NotifyChannel) error
	// Get returns the org's channel (ErrNotFound for another org's ID).
	Get(ctx context.Context, orgID, id string) (NotifyChannel, error)
	// List returns the org's channels by name.
	List(ctx context.Context, orgID string) ([]NotifyChannel, error)
	// Update replaces every mutable field of the channel with c's.
	Update(ctx context.Context, c NotifyChannel) error
	Delete(ctx context.Context, orgID, id string) error

	// CreateDeliveries stores new deliveries, all or none (up to 500; call
	// it in a transaction for more).
	CreateDeliveries(ctx context.Context, ds []NotifyDelivery) error
	// Claim returns pending deliveries that are due, oldest due first, at
	// most PerChannel of one channel, and moves their NextAttemptAt to
	// Until in the same statement, so two dispatchers never claim the same
	// delivery.
	Claim(ctx context.Context, r ClaimRequest) ([]NotifyDelivery, error)
	// UpdateDelivery records an attempt: status, attempts, last error,
	// response code, next attempt and sent times.
	UpdateDelivery(ctx context.Context, d NotifyDelivery) error
	GetDelivery(ctx context.Context, orgID, id string) (NotifyDelivery, error)
	Deliveries(ctx context.Context, orgID string, f DeliveryFilter) ([]NotifyDelivery, error)
	// Backlog counts pending deliveries across orgs, and those of them due
	// at now (the queue's depth and how far behind the senders are).
	Backlog(ctx context.Context, now time.Time) (pending, due int64, err error)
	// PruneDeliveries deletes sent and failed deliveries created before
	// the time, across orgs, and returns how many.
	PruneDeliveries(ctx context.Context, before time.Time) (int64, error)
}
