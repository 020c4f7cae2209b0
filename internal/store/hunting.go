package store

import (
	"context"
	"time"
)

// QueryRun is one KQL query a user ran.
type QueryRun struct {
	ID        string
	OrgID     string
	UserID    string
	Query     string
	RanAt     time.Time
	Rows      int64
	ElapsedMs int64
	Error     string // "" when it succeeded
}

// SavedQuery is a named query shared with the org: a KQL query of the
// hunting workbench, or a search of the Events explorer. Names are unique
// in the org across both.
type SavedQuery struct {
	ID          string
	OrgID       string
	Name        string
	Description string
	// Language is LanguageKQL (also "", as stored before searches could
	// be saved) or LanguageSearch.
	Language string
	Query    string
	// Settings (a search's) are the rest of what the explorer shows, as
	// a JSON object: time range, severities, columns.
	Settings  string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// The languages of saved queries.
const (
	LanguageKQL    = "kql"
	LanguageSearch = "search"
)

// HuntStore keeps query history and saved queries.
type HuntStore interface {
	// AddRun records a run and keeps only the user's newest keep runs.
	AddRun(ctx context.Context, r QueryRun, keep int) error
	// Runs lists the user's runs, newest first.
	Runs(ctx context.Context, orgID, userID string, limit int) ([]QueryRun, error)
	CreateSaved(ctx context.Context, q SavedQuery) error
	GetSaved(ctx context.Context, orgID, id string) (SavedQuery, error)
	// ListSaved lists the org's saved queries by name.
	ListSaved(ctx context.Context, orgID string) ([]SavedQuery, error)
	UpdateSaved(ctx context.Context, q SavedQuery) error
	DeleteSaved(ctx context.Context, orgID, id string) error
}
