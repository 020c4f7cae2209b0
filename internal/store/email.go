package store

import (
	"context"
	"time"
)

// EmailReport is one analysed e-mail message. Report is the full analysis
// as JSON (package email gives it a type); the other fields are what lists
// and filters need.
type EmailReport struct {
	ID        string
	OrgID     string
	MessageID string
	Subject   string
	FromAddr  string
	FromName  string
	// Verdict is clean, suspicious, phishing or malicious; Score 0..100.
	Verdict string
	Score   int
	// Source is "upload", or "mailbox" for a polled message (MailboxID set).
	Source    string
	MailboxID string
	SHA256    string // of the raw message
	Size      int64
	Report    []byte
	CreatedBy string
	CreatedAt time.Time
}

// EmailReportFilter narrows EmailStore.ListReports. Results are newest first.
type EmailReportFilter struct {
	Verdict   string
	MailboxID string
	Query     string // substring of subject or sender, case-insensitive
	Limit     int
	Offset    int
}

// Quarantine statuses.
const (
	QuarantineHeld     = "quarantined"
	QuarantineReleased = "released"
)

// QuarantineItem is a message kept aside because of its verdict. The raw
// message is a content-addressed blob (SHA256) under the data directory.
type QuarantineItem struct {
	ID         string
	OrgID      string
	ReportID   string
	SHA256     string
	Size       int64
	Subject    string
	FromAddr   string
	Recipients []string
	Verdict    string
	Score      int
	MailboxID  string
	Status     string
	ReleasedBy string
	ReleasedAt *time.Time
	CreatedAt  time.Time
}

// QuarantineFilter narrows EmailStore.ListQuarantine. Newest first.
type QuarantineFilter struct {
	Status string
	Limit  int
	Offset int
}

// Mailbox is a mailbox EmailStore polls for new messages: IMAP, Gmail or
// Microsoft Graph. Config is the kind's JSON, secrets included; package
// email types and redacts it. The rest is the poller's state.
type Mailbox struct {
	ID      string
	OrgID   string
	Name    string
	Kind    string // imap, gmail or graph
	Enabled bool
	Config  []byte
	// IntervalSeconds between polls.
	IntervalSeconds int
	// IMAP: the folder's UIDVALIDITY and the last UID processed.
	UIDValidity uint32
	LastUID     uint32
	// Cursor is the API connectors' position (a time or history marker).
	Cursor     string
	LastPollAt *time.Time
	LastError  string
	LastCount  int
	NextPollAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// MailboxState is what one poll records.
type MailboxState struct {
	UIDValidity uint32
	LastUID     uint32
	Cursor      string
	LastPollAt  time.Time
	LastError   string
	LastCount   int
	NextPollAt  time.Time
}

// EmailStore keeps analysed messages, the quarantine, mailboxes and the
// org's e-mail policy.
type EmailStore interface {
	CreateReport(ctx context.Context, r EmailReport) error
	GetReport(ctx context.Context, orgID, id string) (EmailReport, error)
	// ListReports returns a page (Report left empty) and the total.
	ListReports(ctx context.Context, orgID string, f EmailReportFilter) ([]EmailReport, int, error)

	CreateQuarantine(ctx context.Context, q QuarantineItem) error
	GetQuarantine(ctx context.Context, orgID, id string) (QuarantineItem, error)
	ListQuarantine(ctx context.Context, orgID string, f QuarantineFilter) ([]QuarantineItem, int, error)
	// ReleaseQuarantine marks a held item released; ErrConflict when it
	// was released already.
	ReleaseQuarantine(ctx context.Context, orgID, id, by string, at time.Time) error
	DeleteQuarantine(ctx context.Context, orgID, id string) error
	// CountQuarantineBlob counts the org's items that keep a raw message.
	CountQuarantineBlob(ctx context.Context, orgID, sha256 string) (int, error)

	CreateMailbox(ctx context.Context, m Mailbox) error
	GetMailbox(ctx context.Context, orgID, id string) (Mailbox, error)
	ListMailboxes(ctx context.Context, orgID string) ([]Mailbox, error)
	// UpdateMailbox replaces the settings (name, kind, enabled, config,
	// interval, next poll); the poll state stays.
	UpdateMailbox(ctx context.Context, m Mailbox) error
	// ResetMailboxState forgets the poll position (a changed folder or
	// account starts over).
	ResetMailboxState(ctx context.Context, orgID, id string) error
	DeleteMailbox(ctx context.Context, orgID, id string) error
	SaveMailboxState(ctx context.Context, orgID, id string, s MailboxState) error
	// DueMailboxes returns enabled mailboxes of every org whose next poll
	// is at or before now.
	DueMailboxes(ctx context.Context, now time.Time, limit int) ([]Mailbox, error)

	// Policy returns the org's e-mail policy JSON ("" when never set).
	Policy(ctx context.Context, orgID string) ([]byte, error)
	PutPolicy(ctx context.Context, orgID string, policy []byte, at time.Time) error
}
