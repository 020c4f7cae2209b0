package store

import (
	"context"
	"time"
)

// EndpointStore keeps what the endpoint service knows about the orgs'
// agents. It is split by kind of record so that no interface grows to
// dozens of methods.
type EndpointStore interface {
	Keys() EnrollmentKeyStore
	Agents() AgentStore
	Inventory() InventoryStore
	Metrics() MetricStore
	SCA() SCAStore
	Actions() AgentActionStore
	Settings() EndpointSettingsStore
	BlockList() BlockListStore
}

// EnrollmentKey lets agents join an org. Only the hash of the secret is
// kept; the secret is shown once.
type EnrollmentKey struct {
	ID         string
	OrgID      string
	Name       string
	Prefix     string // the first characters of the key, to recognise it
	Hash       string // hex SHA-256 of the whole key
	CreatedBy  string // user ID
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
	Uses       int64 // agents enrolled with it
}

// EnrollmentKeyStore keeps enrollment keys.
type EnrollmentKeyStore interface {
	Create(ctx context.Context, k EnrollmentKey) error
	Get(ctx context.Context, orgID, id string) (EnrollmentKey, error)
	// List returns the org's keys, newest first, revoked ones too.
	List(ctx context.Context, orgID string) ([]EnrollmentKey, error)
	// GetByHash looks a key up across orgs, for enrollment.
	GetByHash(ctx context.Context, hash string) (EnrollmentKey, error)
	Revoke(ctx context.Context, orgID, id string, at time.Time) error
	// Used counts one enrollment with the key.
	Used(ctx context.Context, orgID, id string, at time.Time) error
}

// Agent is one enrolled endpoint. Facts, Health are JSON documents of the
// agent protocol (wire.HostFacts, wire.AgentStatus): the store keeps them
// opaque so that it does not depend on the protocol's version.
type Agent struct {
	ID              string
	OrgID           string
	Name            string
	Hostname        string // lower-case, for lookups by host
	OS              string
	Platform        string
	PlatformVersion string
	Arch            string
	AgentVersion    string
	Facts           string
	// TokenPrefix finds the agent from its credential; TokenHash is the
	// hex SHA-256 of the whole token.
	TokenPrefix     string
	TokenHash       string
	EnrollmentKeyID string
	Owner           string
	Location        string
	Group           string
	Tags            []string
	Isolated        bool
	ConfigVersion   int64 // the version the agent last reported
	Health          string
	LastSeen        *time.Time
	LastIP          string
	EnrolledAt      time.Time
	UpdatedAt       time.Time
	RevokedAt       *time.Time
}

// AgentFilter narrows AgentStore.List. Results are ordered by name.
type AgentFilter struct {
	OS    string
	Group string
	// Query is a substring of the name, hostname, owner, location or the
	// ID, case-insensitive.
	Query string
	// Revoked selects revoked (true) or active (false) agents; nil both.
	Revoked *bool
	// SeenSince keeps agents seen at or after it; SeenBefore those never
	// seen or seen before it.
	SeenSince  *time.Time
	SeenBefore *time.Time
	Limit      int
	Offset     int
}

// AgentSeen is what a heartbeat changes, flushed in batches.
type AgentSeen struct {
	OrgID         string
	ID            string
	At            time.Time
	IP            string
	AgentVersion  string
	Isolated      bool
	ConfigVersion int64
	Health        string
}

// AgentStore keeps agents.
type AgentStore interface {
	Create(ctx context.Context, a Agent) error
	Get(ctx context.Context, orgID, id string) (Agent, error)
	// GetByTokenPrefix looks an agent up across orgs, to authenticate it.
	GetByTokenPrefix(ctx context.Context, prefix string) (Agent, error)
	List(ctx context.Context, orgID string, f AgentFilter) ([]Agent, int, error)
	// ByHostname returns the org's agents whose hostname is host
	// (case-insensitive), active ones first, most recently seen first.
	ByHostname(ctx context.Context, orgID, host string) ([]Agent, error)
	// Update replaces the mutable fields: name, facts and what is derived
	// from them, owner, location, group, tags, updated_at.
	Update(ctx context.Context, a Agent) error
	// Seen records heartbeats; agents that no longer exist are skipped.
	Seen(ctx context.Context, seen []AgentSeen) error
	Revoke(ctx context.Context, orgID, id string, at time.Time) error
	// Count counts the org's agents by OS among active ones, and the
	// active ones seen since the time.
	Count(ctx context.Context, orgID string, seenSince time.Time) (AgentCounts, error)
}

// AgentCounts summarise an org's agents.
type AgentCounts struct {
	Active  int
	Online  int
	Revoked int
	ByOS    map[string]int
	ByGroup map[string]int
}

// Inventory is the latest snapshot an agent sent.
type Inventory struct {
	OrgID       string
	AgentID     string
	CollectedAt time.Time
	ReceivedAt  time.Time
	// Snapshot is the wire.Inventory as JSON.
	Snapshot []byte
	Software []Software
}

// Software is one installed package of one agent.
type Software struct {
	OrgID      string
	AgentID    string
	Name       string
	Version    string
	Source     string
	SourceName string
	Arch       string
	Vendor     string
}

// SoftwareFilter narrows InventoryStore.Software.
type SoftwareFilter struct {
	AgentID string // "" = every agent of the org
	Name    string // exact, case-insensitive
	Query   string // substring of the name
	Limit   int
}

// InventoryStore keeps the latest inventory of each agent and the
// software list, queryable across the org.
type InventoryStore interface {
	// Put replaces the agent's snapshot and software list.
	Put(ctx context.Context, inv Inventory) error
	// Get returns the snapshot (Software is not filled).
	Get(ctx context.Context, orgID, agentID string) (Inventory, error)
	Software(ctx context.Context, orgID string, f SoftwareFilter) ([]Software, error)
}

// MetricSample is one resource sample, or the average of the samples of
// one bucket (Resolution seconds, 0 for a raw sample).
type MetricSample struct {
	OrgID         string
	AgentID       string
	At            time.Time
	Resolution    int
	CPUPercent    float64
	MemUsedBytes  int64
	MemTotalBytes int64
	DiskUsedBytes int64
	DiskTotal     int64
	NetRxBytes    int64
	NetTxBytes    int64
	Load1         float64
}

// MetricStore keeps the agents' resource history.
type MetricStore interface {
	// Add stores samples; a sample already stored (same agent,
	// resolution and time) is kept as it was.
	Add(ctx context.Context, samples []MetricSample) error
	// Range returns the agent's samples of a resolution in [from, to), oldest first.
	Range(ctx context.Context, orgID, agentID string, resolution int, from, to time.Time) ([]MetricSample, error)
	// Rollup averages the samples of resolution from older than before
	// into buckets of resolution to, then deletes them.
	Rollup(ctx context.Context, from, to int, before time.Time) (int64, error)
	// DeleteBefore drops samples of a resolution older than before.
	DeleteBefore(ctx context.Context, resolution int, before time.Time) (int64, error)
}

// SCAResult is an agent's latest assessment against one policy.
type SCAResult struct {
	OrgID         string
	AgentID       string
	PolicyID      string
	PolicyName    string
	FinishedAt    time.Time
	ReceivedAt    time.Time
	Hash          string
	Score         float64
	Passed        int
	Failed        int
	NotApplicable int
	// Report is the wire.SCAReport as JSON.
	Report []byte
}

// SCAScore is one point of a policy's score history.
type SCAScore struct {
	PolicyID   string
	FinishedAt time.Time
	Score      float64
	Passed     int
	Failed     int
}

// SCAStore keeps assessment results.
type SCAStore interface {
	// Put replaces the latest result of (agent, policy) and appends to
	// the score history.
	Put(ctx context.Context, r SCAResult) error
	// Latest lists the agent's latest result per policy (Report is not
	// filled), by policy name.
	Latest(ctx context.Context, orgID, agentID string) ([]SCAResult, error)
	Get(ctx context.Context, orgID, agentID, policyID string) (SCAResult, error)
	// History returns the agent's scores, oldest first, at most limit of
	// the newest.
	History(ctx context.Context, orgID, agentID string, limit int) ([]SCAScore, error)
}

// Agent action states.
const (
	AgentActionQueued    = "queued"
	AgentActionDelivered = "delivered"
	AgentActionDone      = "done"
	AgentActionFailed    = "failed"
	AgentActionExpired   = "expired"
)

// AgentAction is a remote action for one agent.
type AgentAction struct {
	ID          string
	OrgID       string
	AgentID     string
	Type        string
	Params      string // JSON
	Reason      string
	State       string
	CreatedBy   string // user ID, or "system"
	CreatedAt   time.Time
	ExpiresAt   time.Time
	DeliveredAt *time.Time
	FinishedAt  *time.Time
	ExitCode    int
	Output      string
	Error       string
	// File names the collected file (collect_file), stored by the
	// service; FileSHA256 and FileSize describe it.
	File       string
	FileSHA256 string
	FileSize   int64
}

// AgentActionStore keeps actions and moves them through their states.
type AgentActionStore interface {
	Create(ctx context.Context, a AgentAction) error
	Get(ctx context.Context, orgID, id string) (AgentAction, error)
	// List returns the agent's actions, newest first.
	List(ctx context.Context, orgID, agentID string, limit int) ([]AgentAction, error)
	// Deliver marks up to max of the agent's queued, unexpired actions
	// delivered and returns them, oldest first.
	Deliver(ctx context.Context, orgID, agentID string, now time.Time, max int) ([]AgentAction, error)
	// Finish records the result of a delivered action of the agent; it
	// fails with ErrConflict when the action is in another state and
	// ErrNotFound when it is not the agent's.
	Finish(ctx context.Context, a AgentAction) error
	// SetFile records a collected file on a delivered or finished action.
	SetFile(ctx context.Context, orgID, agentID, id, file, sha string, size int64) error
	// Expire marks queued actions past their expiry expired, and
	// delivered ones delivered before staleBefore failed; it returns them.
	Expire(ctx context.Context, now, staleBefore time.Time) ([]AgentAction, error)
	// Pending counts the agent's queued actions.
	Pending(ctx context.Context, orgID, agentID string) (int, error)
}

// EndpointSettings are an org's agent settings. Version increases with
// every change (of the settings or of the block list) so that agents know
// to fetch their configuration again.
type EndpointSettings struct {
	OrgID     string
	Version   int64
	Settings  []byte // JSON, owned by the endpoint service
	UpdatedBy string
	UpdatedAt time.Time
}

// EndpointSettingsStore keeps the orgs' agent settings.
type EndpointSettingsStore interface {
	// Get returns the org's settings (ErrNotFound when never set).
	Get(ctx context.Context, orgID string) (EndpointSettings, error)
	// Put stores new settings with Version one above the stored one and
	// returns it.
	Put(ctx context.Context, s EndpointSettings) (int64, error)
	// Bump raises the version without changing the settings.
	Bump(ctx context.Context, orgID string, at time.Time) (int64, error)
	// Versions returns every org's current version.
	Versions(ctx context.Context) (map[string]int64, error)
}

// Block list entry kinds.
const (
	BlockIP     = "ip" // address or CIDR
	BlockDomain = "domain"
	BlockURL    = "url"
	BlockEmail  = "email" // a sender address or @domain
)

// BlockEntry is one blocked indicator.
type BlockEntry struct {
	ID        string
	OrgID     string
	Kind      string
	Value     string // canonical form; unique per org and kind
	Reason    string
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt *time.Time
}

// BlockListStore keeps the orgs' block lists.
type BlockListStore interface {
	Add(ctx context.Context, e BlockEntry) error
	// List returns the org's entries, newest first.
	List(ctx context.Context, orgID string) ([]BlockEntry, error)
	Get(ctx context.Context, orgID, id string) (BlockEntry, error)
	Delete(ctx context.Context, orgID, id string) error
}
