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

// SavedQuery is a named KQL query shared with the org.
type SavedQuery struct {
	ID          string
	OrgID       string
	Name        string
	Description string
	Query       string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

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
