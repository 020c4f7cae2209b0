package store

import (
	"context"
	"time"
)

// Sandbox submission statuses.
const (
	SandboxQueued  = "queued"
	SandboxRunning = "running"
	SandboxDone    = "done"
	SandboxFailed  = "failed"
)

// SandboxSubmission is one sample (a file, URL, domain, IP or hash) sent
// to the sandbox and the state of its analysis.
type SandboxSubmission struct {
	ID    string
	OrgID string
	// Kind is file, url, domain, ip or hash.
	Kind string
	// Target is the file name as received, or the value analysed.
	Target string
	// SHA256 is the file's digest (files only): the sample's blob name.
	SHA256 string
	Size   int64
	// Status is queued, running, done or failed.
	Status   string
	Stage    string
	Progress int // 0-100
	Verdict  string
	Score    int
	// Report is the sandbox.Report as JSON (empty until done).
	Report []byte
	// External is the external verdicts as JSON (empty when none).
	External []byte
	Error    string
	// Source says how the sample came: "upload", "api", "endpoint:<id>".
	Source      string
	SubmittedBy string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	StartedAt   *time.Time
	FinishedAt  *time.Time
}

// SandboxFilter narrows SandboxStore.ListSubmissions. Results are newest
// first and carry no Report or External (use GetSubmission).
type SandboxFilter struct {
	Kind    string
	Verdict string
	Status  string
	// Query is a substring of the target or the SHA-256, case-insensitive.
	Query  string
	Limit  int
	Offset int
}

// SandboxRule is an org's YARA rule source, applied to every file analysis
// while Enabled.
type SandboxRule struct {
	ID          string
	OrgID       string
	Name        string // unique in the org
	Description string
	Source      string
	Enabled     bool
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// SandboxSettings is an org's sandbox configuration (external services and
// their API keys) as an opaque JSON document owned by the sandbox service.
type SandboxSettings struct {
	OrgID     string
	Data      []byte
	UpdatedBy string
	UpdatedAt time.Time
}

// SandboxStore keeps sandbox submissions, YARA rules and settings.
type SandboxStore interface {
	CreateSubmission(ctx context.Context, s SandboxSubmission) error
	GetSubmission(ctx context.Context, orgID, id string) (SandboxSubmission, error)
	// FindBySHA256 returns the org's newest submission of the file that did
	// not fail, or ErrNotFound.
	FindBySHA256(ctx context.Context, orgID, sha256 string) (SandboxSubmission, error)
	ListSubmissions(ctx context.Context, orgID string, f SandboxFilter) ([]SandboxSubmission, int, error)
	// UpdateSubmission replaces the mutable fields: status, stage,
	// progress, verdict, score, report, external, error, started and
	// finished times, updated time.
	UpdateSubmission(ctx context.Context, s SandboxSubmission) error
	DeleteSubmission(ctx context.Context, orgID, id string) error
	// CountBySHA256 counts the org's submissions of a file (to know when
	// its sample may be deleted).
	CountBySHA256(ctx context.Context, orgID, sha256 string) (int, error)
	// CountSHA256AllOrgs counts every org's submissions of a file: blobs
	// are shared by content.
	CountSHA256AllOrgs(ctx context.Context, sha256 string) (int, error)
	// Unfinished lists every org's queued and running submissions, oldest
	// first, so that a restart resumes them.
	Unfinished(ctx context.Context, limit int) ([]SandboxSubmission, error)

	CreateRule(ctx context.Context, r SandboxRule) error
	GetRule(ctx context.Context, orgID, id string) (SandboxRule, error)
	// ListRules lists the org's rules by name; enabledOnly keeps enabled ones.
	ListRules(ctx context.Context, orgID string, enabledOnly bool) ([]SandboxRule, error)
	UpdateRule(ctx context.Context, r SandboxRule) error
	DeleteRule(ctx context.Context, orgID, id string) error

	// GetSettings returns ErrNotFound until PutSettings was called.
	GetSettings(ctx context.Context, orgID string) (SandboxSettings, error)
	PutSettings(ctx context.Context, s SandboxSettings) error
}
