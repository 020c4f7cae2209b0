package store

import (
	"context"
	"time"
)

// Indicator is a threat-intelligence indicator of compromise. Its Value is
// normalized for its Type (internal/intel). (OrgID, Source, Type, Value)
// is unique: the same value may come from several sources.
type Indicator struct {
	ID          string
	OrgID       string
	Type        string
	Value       string
	Confidence  int    // 0-100
	Severity    string // informational, low, medium, high, critical
	Source      string // "manual", an import's name, or "feed:<feed id>"
	FeedID      string // set for indicators a feed brought
	Tags        []string
	Description string
	// ExactOnly: a domain that matches the host itself, not names under it.
	ExactOnly bool
	FirstSeen time.Time
	LastSeen  time.Time
	ExpiresAt *time.Time // nil: never
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	// FeedSeenAt is the last feed run that listed it (feed indicators that
	// a run no longer lists expire).
	FeedSeenAt *time.Time
	// Sightings counts the events that matched it, live and retro-hunted.
	Sightings      int64
	LastSightingAt *time.Time
	// RetroStatus is the retro-hunt over stored events run when it was
	// added: "" (none), "pending", "done" or "failed"; RetroHits counts the
	// past events it found.
	RetroStatus string
	RetroHits   int64
	RetroAt     *time.Time
}

// IndicatorFilter narrows IntelStore.ListIndicators.
type IndicatorFilter struct {
	Type     string
	Source   string
	FeedID   string
	Severity string
	Tag      string
	// Query is a substring of the value or description, case-insensitive.
	Query string
	// Active keeps indicators not expired at Now (true) or expired (false).
	Active *bool
	Now    time.Time
	// Sort: "updated" (default, newest first), "value", "sightings".
	Sort   string
	Limit  int
	Offset int
}

// Sighting is one event that matched an indicator.
type Sighting struct {
	ID          string
	OrgID       string
	IndicatorID string
	EventID     string
	EventTime   time.Time
	Field       string // the event field that matched
	Value       string // the event's value
	MatchType   string // threat.enrichments.matched.type
	Origin      string // "live" or "retro"
	SeenAt      time.Time
	// IndicatorType and IndicatorValue are copied for listing.
	IndicatorType  string
	IndicatorValue string
}

// SightingFilter narrows IntelStore.ListSightings.
type SightingFilter struct {
	IndicatorID string
	Origin      string
	Since       time.Time // SeenAt at or after; zero = unbounded
	Limit       int
	Offset      int
}

// Feed is a subscription to an indicator feed fetched on a schedule.
type Feed struct {
	ID     string
	OrgID  string
	Name   string
	URL    string
	Format string // stix, misp, misp-feed, csv, plain
	// IntervalSeconds between runs.
	IntervalSeconds int
	Enabled         bool
	// Defaults given to the feed's indicators where the feed says nothing.
	Confidence int
	Severity   string
	Tags       []string
	// Conditional-request validators of the last successful fetch.
	ETag         string
	LastModified string
	// Status.
	LastRunAt     *time.Time
	LastSuccessAt *time.Time
	LastError     string
	LastCount     int // indicators in the last successful fetch
	Failures      int // consecutive failures (backoff)
	NextRunAt     time.Time
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// IntelStore keeps indicators, their sightings and feed subscriptions.
type IntelStore interface {
	CreateIndicator(ctx context.Context, in Indicator) error
	GetIndicator(ctx context.Context, orgID, id string) (Indicator, error)
	// FindIndicator looks an indicator up by its unique key.
	FindIndicator(ctx context.Context, orgID, source, typ, value string) (Indicator, error)
	ListIndicators(ctx context.Context, orgID string, f IndicatorFilter) ([]Indicator, int, error)
	// UpdateIndicator replaces every mutable field (not the sighting
	// counters, which only AddSightings moves).
	UpdateIndicator(ctx context.Context, in Indicator) error
	// DeleteIndicators deletes the org's indicators with these IDs (and
	// their sightings) and returns how many it deleted.
	DeleteIndicators(ctx context.Context, orgID string, ids []string) (int, error)
	// EachIndicator calls fn for every indicator of every org that has not
	// expired at now (matcher loading), in no particular order.
	EachIndicator(ctx context.Context, now time.Time, fn func(Indicator) error) error
	// CountIndicators counts the org's unexpired indicators by type.
	CountIndicators(ctx context.Context, orgID string, now time.Time) (map[string]int64, error)
	// ExpireFeedIndicators sets ExpiresAt to now on the feed's unexpired
	// indicators whose FeedSeenAt is before seenBefore, returning their IDs.
	ExpireFeedIndicators(ctx context.Context, orgID, feedID string, seenBefore, now time.Time) ([]string, error)
	// SetRetro records a retro-hunt's state on an indicator.
	SetRetro(ctx context.Context, orgID, id, status string, hits int64, at time.Time) error

	// AddSightings stores sightings, skipping those already stored for the
	// same (indicator, event), and moves each indicator's counter and last
	// sighting; it returns how many it added.
	AddSightings(ctx context.Context, ss []Sighting) (int, error)
	ListSightings(ctx context.Context, orgID string, f SightingFilter) ([]Sighting, int, error)

	CreateFeed(ctx context.Context, f Feed) error
	GetFeed(ctx context.Context, orgID, id string) (Feed, error)
	ListFeeds(ctx context.Context, orgID string) ([]Feed, error)
	// UpdateFeed replaces every field but the creation ones.
	UpdateFeed(ctx context.Context, f Feed) error
	// DeleteFeed deletes a feed; its indicators stay (they expire).
	DeleteFeed(ctx context.Context, orgID, id string) error
	// DueFeeds lists enabled feeds of every org whose NextRunAt is at or
	// before now.
	DueFeeds(ctx context.Context, now time.Time) ([]Feed, error)
}
