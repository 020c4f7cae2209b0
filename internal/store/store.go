// Package store defines EventSec's state store: organisations, users, work
// groups, API keys, sessions and the audit log. Implementations live in
// sqlite/ (the embedded default) and postgres/ (at scale); both pass the
// conformance suite in storetest/.
//
// Every record carries an OrgID, and every method that reads or changes a
// tenant's record takes the org explicitly, so a caller cannot forget to scope.
package store

import (
	"context"
	"time"
)

// Store is a state store. Methods on the accessors run outside any
// transaction; Tx runs fn in one transaction and commits when fn returns nil.
type Store interface {
	Repos
	// Tx runs fn inside a single read-write transaction. A record read by
	// its Get inside fn (and the alert OpenByDedupKey returns) stays
	// locked until fn returns, so that a read-modify-write never undoes a
	// concurrent one: PostgreSQL locks the row (SELECT ... FOR UPDATE),
	// SQLite runs one write transaction at a time.
	Tx(ctx context.Context, fn func(Repos) error) error
	// TxLazy runs fn like Tx, but its commit does not wait for the disk.
	// It is as atomic as Tx's and survives a crash of the process; a
	// power failure or a crash of the operating system (with PostgreSQL,
	// of its server) may lose the latest such commits, never part of one,
	// until a Tx commits after them, which makes them durable too. Only
	// for writes the caller derives again from durable input when they
	// are lost: detection's alerts, stored with the checkpoint they move.
	TxLazy(ctx context.Context, fn func(Repos) error) error
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// Repos gives access to each kind of record.
type Repos interface {
	Orgs() OrgStore
	Users() UserStore
	Groups() GroupStore
	APIKeys() APIKeyStore
	Sessions() SessionStore
	Audit() AuditStore
	Rules() RuleStore
	Alerts() AlertStore
	Checkpoints() CheckpointStore
	Hunts() HuntStore
	Intel() IntelStore
	Endpoints() EndpointStore
	Incidents() IncidentStore
	Tasks() TaskStore
	Workplans() WorkplanStore
	Notes() NoteStore
	Playbooks() PlaybookStore
	Responses() ResponseStore
	Handovers() HandoverStore
	History() HistoryStore
	SLA() SLAStore
	Notify() NotifyStore
	Sandbox() SandboxStore
	Email() EmailStore
}

// Org is a tenant.
type Org struct {
	ID        string
	Name      string
	CreatedAt time.Time
	// RetentionDays: events older than this are deleted.
	RetentionDays int
}

// DefaultRetentionDays is an org's event retention until an admin sets it.
const DefaultRetentionDays = 30

// OrgStore keeps organisations.
type OrgStore interface {
	Create(ctx context.Context, o Org) error
	Get(ctx context.Context, id string) (Org, error)
	List(ctx context.Context) ([]Org, error)
	// Update replaces the org's mutable fields (name, retention).
	Update(ctx context.Context, o Org) error
}

// User is a person who logs in.
type User struct {
	ID                string
	OrgID             string
	Email             string // lower-case, unique across the platform
	Name              string
	Role              string
	Team              string
	Manager           string
	Computer          string
	MobilePhone       string
	PasswordHash      string
	Disabled          bool
	PlatformAdmin     bool
	FailedLogins      int
	LockedUntil       *time.Time
	LastLoginAt       *time.Time
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// UserFilter narrows UserStore.List.
type UserFilter struct {
	Query    string // substring of e-mail or name, case-insensitive
	Role     string
	Disabled *bool
	Limit    int
	Offset   int
}

// UserStore keeps users.
type UserStore interface {
	Create(ctx context.Context, u User) error
	Get(ctx context.Context, orgID, id string) (User, error)
	// GetByEmail looks a user up across all orgs, for login.
	GetByEmail(ctx context.Context, email string) (User, error)
	// GetAny looks a user up by ID across all orgs, for token validation.
	GetAny(ctx context.Context, id string) (User, error)
	List(ctx context.Context, orgID string, f UserFilter) ([]User, int, error)
	// Update replaces every mutable field of the user with u's.
	Update(ctx context.Context, u User) error
	Delete(ctx context.Context, orgID, id string) error
	// CountActiveAdmins counts the org's enabled users with role admin.
	CountActiveAdmins(ctx context.Context, orgID string) (int, error)
	// CountAll counts users across all orgs.
	CountAll(ctx context.Context) (int, error)
}

// Group is a work group of users.
type Group struct {
	ID          string
	OrgID       string
	Name        string
	Description string
	Members     []GroupMember
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupMember is a user as seen from a group.
type GroupMember struct {
	UserID string
	Email  string
	Name   string
	Role   string
}

// GroupStore keeps work groups and their members.
type GroupStore interface {
	Create(ctx context.Context, g Group) error
	Get(ctx context.Context, orgID, id string) (Group, error)
	List(ctx context.Context, orgID string) ([]Group, error)
	Update(ctx context.Context, g Group) error
	Delete(ctx context.Context, orgID, id string) error
	AddMember(ctx context.Context, orgID, groupID, userID string) error
	RemoveMember(ctx context.Context, orgID, groupID, userID string) error
}

// APIKey is a credential for integrations. Only the hash of the secret is kept.
type APIKey struct {
	ID         string
	OrgID      string
	Name       string
	Role       string
	Prefix     string // the first characters of the key, to recognise it
	Hash       string // hex SHA-256 of the whole key
	CreatedBy  string // user ID
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// APIKeyStore keeps API keys.
type APIKeyStore interface {
	Create(ctx context.Context, k APIKey) error
	Get(ctx context.Context, orgID, id string) (APIKey, error)
	List(ctx context.Context, orgID string) ([]APIKey, error)
	GetByHash(ctx context.Context, hash string) (APIKey, error)
	Revoke(ctx context.Context, orgID, id string, at time.Time) error
	TouchLastUsed(ctx context.Context, id string, at time.Time) error
}

// RefreshToken is one link of a rotating refresh-token chain (a session).
// Tokens of one login share a FamilyID; reuse of a rotated token revokes
// the family.
type RefreshToken struct {
	ID        string
	OrgID     string
	UserID    string
	FamilyID  string
	Hash      string // hex SHA-256 of the token
	CreatedAt time.Time
	ExpiresAt time.Time
	RotatedAt *time.Time
	RevokedAt *time.Time
	UserAgent string
	ClientIP  string
}

// SessionStore keeps refresh tokens.
type SessionStore interface {
	Create(ctx context.Context, t RefreshToken) error
	GetByHash(ctx context.Context, hash string) (RefreshToken, error)
	// MarkRotated records that the token was exchanged for a new one. It
	// fails with ErrConflict when the token was already rotated or revoked,
	// so two concurrent refreshes cannot both succeed.
	MarkRotated(ctx context.Context, id string, at time.Time) error
	RevokeFamily(ctx context.Context, familyID string, at time.Time) error
	RevokeUser(ctx context.Context, orgID, userID string, at time.Time) error
}

// AuditEntry is one line of an org's tamper-evident audit log. Seq, PrevHash
// and Hash are set by AuditStore.Append.
type AuditEntry struct {
	OrgID      string
	Seq        int64
	Time       time.Time
	ActorID    string
	ActorEmail string
	Action     string // e.g. "user.create"
	TargetType string
	TargetID   string
	Summary    string
	ClientIP   string
	RequestID  string
	PrevHash   string
	Hash       string
}

// AuditFilter narrows AuditStore.List. Results are newest first.
type AuditFilter struct {
	Actor      string // actor ID or e-mail
	Action     string // exact, or a prefix ending in "." such as "user."
	TargetType string
	TargetID   string
	Since      *time.Time
	Until      *time.Time
	BeforeSeq  int64 // 0: from the newest
	Limit      int
}

// AuditStore appends to and reads the audit hash chain.
type AuditStore interface {
	// Append links e to the org's chain and stores it; it returns e with
	// Seq, PrevHash and Hash set. Call it in the same transaction as the
	// change it records.
	Append(ctx context.Context, e AuditEntry) (AuditEntry, error)
	List(ctx context.Context, orgID string, f AuditFilter) ([]AuditEntry, error)
	// Walk calls fn for every entry of the org in chain order.
	Walk(ctx context.Context, orgID string, fn func(AuditEntry) error) error
	// Head returns the sequence number and hash of the org's newest entry
	// as recorded by Append (0 and "" for an empty chain).
	Head(ctx context.Context, orgID string) (int64, string, error)
}
