// Package endpoint is the server side of the EventSec agent: enrollment
// keys and enrollment, the agents' credentials, heartbeats (kept in memory
// and flushed in batches), inventory, resource history, configuration
// assessments, the events agents send (handed to the ingest pipeline),
// remote actions (queued → delivered → done/failed/expired), the orgs'
// agent settings and block lists. The agent channel's HTTP handler
// (AgentHandler) speaks the protocol of internal/agent/wire; the
// management API lives in internal/api.
package endpoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/store"
)

// ChannelEndpoints is the live channel on which agent and action changes
// are pushed ("agent" and "action" messages).
const ChannelEndpoints = "endpoints"

// Intake makes agent events durable: the ingest pipeline
// (*ingest.Pipeline) satisfies it.
type Intake interface {
	// Submit returns once the events are durable (or fails with
	// ingest.ErrOverloaded at once).
	Submit(ctx context.Context, evs []event.Event, listener string) (ingest.Result, error)
	Normalizer() *normalize.Normalizer
}

var _ Intake = (*ingest.Pipeline)(nil)

// Vulnerability is one known vulnerability of an installed package.
type Vulnerability struct {
	ID               string   `json:"id"`
	Aliases          []string `json:"aliases,omitempty"`
	Summary          string   `json:"summary,omitempty"`
	Severity         string   `json:"severity"`
	Score            float64  `json:"score,omitempty"`
	Package          string   `json:"package"`
	InstalledVersion string   `json:"installed_version"`
	FixedVersion     string   `json:"fixed_version,omitempty"`
	Ecosystem        string   `json:"ecosystem,omitempty"`
	// Reason says why it matched (which range of which advisory).
	Reason string `json:"reason,omitempty"`
}

// VulnMatcher finds the vulnerabilities of a host's packages (the
// internal/vuln database, adapted by the wiring).
type VulnMatcher interface {
	Match(ctx context.Context, pkgs []wire.Package, facts wire.HostFacts) ([]Vulnerability, error)
}

// Options configure a Service.
type Options struct {
	Store store.Store // required
	// Intake receives the agents' events (nil: POST events answers 503).
	Intake Intake
	// Events is searched for an endpoint's FIM changes (optional).
	Events eventstore.Store
	// Hub receives agent and action changes on ChannelEndpoints (optional).
	Hub *live.Hub
	// Vulns matches installed software against advisories (optional).
	Vulns VulnMatcher
	// OnCollected receives every file a collect_file action brought back
	// (the sandbox analyses it); optional.
	OnCollected func(ctx context.Context, orgID, agentID, name string, r io.Reader) error
	// AgentsDir holds the agent binaries served for download.
	AgentsDir string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the agent's address.
	TrustedProxies []netip.Prefix
	// FilesDir keeps files collected from endpoints (collect_file).
	FilesDir string
	// FlushInterval: heartbeats are kept in memory and written in one
	// transaction this often (default 5 s).
	FlushInterval time.Duration
	// CredentialTTL: an agent's credential is re-read from the store this
	// often, so that a revocation made by another server is seen (default
	// 60 s; revocations made by this server apply at once).
	CredentialTTL time.Duration
	// ActionTTL: an action not delivered by then expires (default 1 h).
	ActionTTL time.Duration
	// ResultTimeout: a delivered action without a result by then fails
	// (default 2 h).
	ResultTimeout time.Duration
	// MaxWait bounds a long poll for actions (default 60 s).
	MaxWait time.Duration
	// MetricsRawKeep is how long one-minute metrics are kept before they
	// are averaged into 15-minute points (default 24 h); MetricsKeep is
	// how long those are kept (default 7 days).
	MetricsRawKeep, MetricsKeep time.Duration
	Registerer                  prometheus.Registerer
	Logger                      *slog.Logger
	Now                         func() time.Time
}

// Actor is who changes endpoint records, for the audit log.
type Actor struct {
	OrgID, UserID, Email, ClientIP, RequestID string
}

// SystemActor is the server itself (expiry, automatic responses).
func SystemActor(orgID, what string) Actor {
	return Actor{OrgID: orgID, UserID: "system", Email: what}
}

// Service is the endpoint service. It is safe for concurrent use.
type Service struct {
	o   Options
	st  store.Store
	log *slog.Logger
	m   *metrics

	mu    sync.Mutex            // guards creds, live and cfgVersions
	creds map[string]*credEntry // by token prefix
	live  map[string]*liveState // by agent ID
	// cfgVersions is each org's configuration version (0: never set).
	cfgVersions map[string]int64
	cfgCache    sync.Map // org ID → *cachedConfig

	flushMu sync.Mutex // serialises flushes

	// badAuth limits the log and audit lines written for bad credentials.
	badAuth *rate.Limiter
	hashes  hashCache
}

// New returns a service; call Run for its background work.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("cannot create endpoint service: no store")
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 5 * time.Second
	}
	if o.CredentialTTL <= 0 {
		o.CredentialTTL = time.Minute
	}
	if o.ActionTTL <= 0 {
		o.ActionTTL = time.Hour
	}
	if o.ResultTimeout <= 0 {
		o.ResultTimeout = 2 * time.Hour
	}
	if o.MaxWait <= 0 {
		o.MaxWait = time.Minute
	}
	if o.MetricsRawKeep <= 0 {
		o.MetricsRawKeep = 24 * time.Hour
	}
	if o.MetricsKeep <= 0 {
		o.MetricsKeep = 7 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{o: o, st: o.Store, log: o.Logger.With("component", "endpoint"), m: newMetrics(o.Registerer),
		creds: map[string]*credEntry{}, live: map[string]*liveState{}, badAuth: rate.NewLimiter(rate.Every(time.Second), 10)}
	vs, err := o.Store.Endpoints().Settings().Versions(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot start endpoint service: %w", err)
	}
	s.cfgVersions = vs
	return s, nil
}

// Run flushes heartbeats, expires actions and rolls metrics up until ctx
// ends; then it flushes what is left.
func (s *Service) Run(ctx context.Context) error {
	flush := time.NewTicker(s.o.FlushInterval)
	defer flush.Stop()
	expire := time.NewTicker(15 * time.Second)
	defer expire.Stop()
	rollup := time.NewTicker(time.Hour)
	defer rollup.Stop()
	s.maintainMetrics(ctx)
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			return s.Flush(fctx, true)
		case <-flush.C:
			if err := s.Flush(ctx, false); err != nil && ctx.Err() == nil {
				s.log.Error("cannot flush heartbeats; retrying", "err", err)
			}
		case <-expire.C:
			s.ExpireActions(ctx)
		case <-rollup.C:
			s.maintainMetrics(ctx)
		}
	}
}

// maintainMetrics averages old one-minute samples into 15-minute points
// and drops what is past retention.
func (s *Service) maintainMetrics(ctx context.Context) {
	now := s.o.Now()
	m := s.st.Endpoints().Metrics()
	if _, err := m.Rollup(ctx, resMinute, resQuarter, now.Add(-s.o.MetricsRawKeep)); err != nil && ctx.Err() == nil {
		s.log.Warn("cannot roll metrics up", "err", err)
	}
	if _, err := m.DeleteBefore(ctx, resQuarter, now.Add(-s.o.MetricsKeep)); err != nil && ctx.Err() == nil {
		s.log.Warn("cannot delete old metrics", "err", err)
	}
}

// audit appends to the org's audit log inside the caller's transaction.
func (s *Service) audit(ctx context.Context, r store.Repos, a Actor, action, targetType, targetID, summary string) error {
	if len(summary) > 1000 {
		summary = summary[:997] + "..."
	}
	_, err := r.Audit().Append(ctx, store.AuditEntry{OrgID: a.OrgID, Time: s.o.Now(), ActorID: a.UserID, ActorEmail: a.Email,
		Action: action, TargetType: targetType, TargetID: targetID, Summary: summary, ClientIP: a.ClientIP, RequestID: a.RequestID})
	return err
}

// publish pushes a change to the org's live subscribers.
func (s *Service) publish(orgID, typ string, item any) {
	if s.o.Hub == nil || !s.o.Hub.Listening(orgID, ChannelEndpoints) {
		return
	}
	s.o.Hub.Publish(orgID, ChannelEndpoints, typ, item)
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }
