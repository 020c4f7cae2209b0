package intel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/store"
)

// ExternalChecker gives external verdicts for /threats/check (VirusTotal,
// OTX, AbuseIPDB, URLhaus: the sandbox's enrichment clients, wired in app).
type ExternalChecker interface {
	Name() string
	// Check asks the sources the org configured (API keys are per org);
	// each answers a verdict or an error of its own.
	Check(ctx context.Context, orgID string, t Type, value string) ([]Verdict, []ExternalIssue)
}

// Verdict is what an external source says of a value.
type Verdict struct {
	Source    string `json:"source"`
	Malicious bool   `json:"malicious"`
	Score     int    `json:"score"` // 0-100, the source's own scale mapped
	Summary   string `json:"summary"`
	Link      string `json:"link,omitempty"`
}

// Options configure a Service.
type Options struct {
	Store store.Store
	// Events is searched by retro-hunts and /threats/check (nil: neither
	// searches history).
	Events eventstore.Store
	// Hub receives sightings on the "threats" channel (optional).
	Hub *live.Hub
	// HTTPClient fetches feeds (default: a client with FeedTimeout).
	HTTPClient *http.Client
	// FeedTimeout bounds one feed fetch (default 60 s).
	FeedTimeout time.Duration
	// MaxFeedBytes bounds a feed document (default 64 MiB).
	MaxFeedBytes int64
	// RetroMaxEvents bounds the stored events a retro-hunt reads per
	// indicator (default 10,000).
	RetroMaxEvents int
	// RetroMaxPerImport bounds the new indicators of one import that are
	// retro-hunted (default 1,000): a million-line feed is matched going
	// forward, not searched back one value at a time.
	RetroMaxPerImport int
	// Enrichers give external verdicts in /threats/check.
	Enrichers []ExternalChecker
	Logger    *slog.Logger
	Now       func() time.Time
}

// Service is the threat-intelligence service: indicators and their
// matcher, imports, feeds, sightings and retro-hunts.
type Service struct {
	o   Options
	log *slog.Logger

	orgMu sync.Mutex // serialises writers of orgs
	orgs  atomic.Pointer[map[string]*Matcher]

	// writeMu serialises indicator writes with their matcher updates, so
	// that the matcher applies them in commit order.
	writeMu sync.Mutex

	sightings chan []store.Sighting
	retro     chan retroJob
	dropped   atomic.Int64
	matched   atomic.Int64
	pool      sync.Pool
	// feedsRunning maps the IDs of feeds being fetched to their *feedRunning.
	feedsRunning sync.Map
	// firstFeedPass is closed once Run's feed loop has run the feeds due
	// at its start (tests wait for it before creating feeds of their own).
	firstFeedPass chan struct{}
}

type retroJob struct {
	orgID string
	id    string
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// New builds the service and loads every org's unexpired indicators into
// the matcher.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("cannot create intel service: no store")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FeedTimeout <= 0 {
		o.FeedTimeout = 60 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.FeedTimeout}
	}
	if o.MaxFeedBytes <= 0 {
		o.MaxFeedBytes = 64 << 20
	}
	if o.RetroMaxEvents <= 0 {
		o.RetroMaxEvents = 10_000
	}
	if o.RetroMaxPerImport <= 0 {
		o.RetroMaxPerImport = 1000
	}
	s := &Service{o: o, log: o.Logger, sightings: make(chan []store.Sighting, 4096), retro: make(chan retroJob, 100_000), firstFeedPass: make(chan struct{})}
	s.pool.New = func() any { b := make([]Match, 0, maxMatches); return &b }
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload rebuilds every org's matcher from the store.
func (s *Service) Reload(ctx context.Context) error {
	start := time.Now()
	byOrg := map[string][]*Ref{}
	n := 0
	err := s.o.Store.Intel().EachIndicator(ctx, s.o.Now(), func(in store.Indicator) error {
		byOrg[in.OrgID] = append(byOrg[in.OrgID], refOf(in))
		n++
		return nil
	})
	if err != nil {
		return err
	}
	m := make(map[string]*Matcher, len(byOrg))
	for org, refs := range byOrg {
		m[org] = NewMatcher(refs)
	}
	s.orgMu.Lock()
	s.orgs.Store(&m)
	s.orgMu.Unlock()
	s.log.Info("intel indicators loaded", "indicators", n, "orgs", len(byOrg), "ms", time.Since(start).Milliseconds())
	return nil
}

func refOf(in store.Indicator) *Ref {
	r := &Ref{ID: in.ID, Type: Type(in.Type), Value: in.Value, Source: in.Source, Severity: in.Severity,
		Confidence: in.Confidence, ExactOnly: in.ExactOnly}
	if in.ExpiresAt != nil {
		r.Expires = max(in.ExpiresAt.UnixMilli(), 1)
	}
	return r
}

// matcher returns an org's matcher (nil when it has no indicators yet).
func (s *Service) matcher(orgID string) *Matcher {
	if m := s.orgs.Load(); m != nil {
		return (*m)[orgID]
	}
	return nil
}

// orgMatcher returns an org's matcher, creating it.
func (s *Service) orgMatcher(orgID string) *Matcher {
	if m := s.matcher(orgID); m != nil {
		return m
	}
	s.orgMu.Lock()
	defer s.orgMu.Unlock()
	old := s.orgs.Load()
	if m := (*old)[orgID]; m != nil {
		return m
	}
	next := make(map[string]*Matcher, len(*old)+1)
	for k, v := range *old {
		next[k] = v
	}
	m := NewMatcher(nil)
	next[orgID] = m
	s.orgs.Store(&next)
	return m
}

// Enrich matches an event against its org's indicators and annotates it
// (ingest.Enricher, on the ingest hot path: no I/O, no locks).
func (s *Service) Enrich(ev *event.Event) {
	m := s.matcher(ev.OrgID)
	if m == nil {
		return
	}
	now := ev.Ingested
	if now.IsZero() {
		now = time.Now()
	}
	bp := s.pool.Get().(*[]Match)
	ms := m.Match(ev, now, (*bp)[:0])
	if len(ms) > 0 {
		Annotate(ev, ms)
		s.matched.Add(1)
	}
	clear(ms)
	*bp = ms[:0]
	s.pool.Put(bp)
}

// Publish records sightings of committed events that matched (an
// ingest.Publisher). It never blocks: sightings wait in a queue written in
// batches; when the queue is full they are counted as dropped (the events
// keep their enrichment and the alert is raised regardless).
func (s *Service) Publish(stored []event.Event) {
	var out []store.Sighting
	now := s.o.Now()
	for i := range stored {
		ev := &stored[i]
		for _, m := range EventMatches(ev) {
			out = append(out, store.Sighting{ID: newID(), OrgID: ev.OrgID, IndicatorID: m.IndicatorID, EventID: ev.ID,
				EventTime: ev.Timestamp, Field: m.Field, Value: m.Atomic, MatchType: m.Type, Origin: "live", SeenAt: now})
		}
	}
	if len(out) == 0 {
		return
	}
	select {
	case s.sightings <- out:
	default:
		if s.dropped.Add(int64(len(out))) == int64(len(out)) {
			s.log.Warn("intel: sighting queue full; sightings dropped (events stay enriched)", "dropped", len(out))
		}
	}
}

// Stats are the service's counters.
type Stats struct {
	Indicators       int   `json:"indicators"`
	MatchedEvents    int64 `json:"matched_events"`
	DroppedSightings int64 `json:"dropped_sightings"`
}

// Stats returns the counters (Indicators: in the matcher, every org).
func (s *Service) Stats() Stats {
	st := Stats{MatchedEvents: s.matched.Load(), DroppedSightings: s.dropped.Load()}
	if m := s.orgs.Load(); m != nil {
		for _, x := range *m {
			st.Indicators += x.Len()
		}
	}
	return st
}

// Run runs the background work until ctx ends: writing sightings,
// fetching due feeds, retro-hunts and dropping expired indicators from the
// matcher.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.sightingLoop(ctx) }()
	go func() { defer wg.Done(); s.retroLoop(ctx) }()
	go func() { defer wg.Done(); s.feedLoop(ctx) }()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-t.C:
			s.sweepExpired()
		}
	}
}

// sweepExpired removes expired indicators from the matchers (they already
// stopped matching; this frees their memory).
func (s *Service) sweepExpired() {
	now := s.o.Now().UnixMilli()
	m := s.orgs.Load()
	if m == nil {
		return
	}
	for _, x := range *m {
		if ids := x.expired(now); len(ids) > 0 {
			x.Apply(nil, ids)
		}
	}
}

func (m *Matcher) expired(now int64) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, r := range m.baseRefs {
		if _, gone := m.dead[id]; !gone && r.Expires != 0 && now >= r.Expires {
			ids = append(ids, id)
		}
	}
	for id, r := range m.deltaRefs {
		if r.Expires != 0 && now >= r.Expires {
			ids = append(ids, id)
		}
	}
	return ids
}

func (s *Service) sightingLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var pending []store.Sighting
	flush := func(ctx context.Context) {
		if len(pending) == 0 {
			return
		}
		if err := s.recordSightings(ctx, pending); err != nil {
			s.log.Error("intel: cannot record sightings", "err", err, "sightings", len(pending))
			if len(pending) > 100_000 {
				pending = nil // the store is down for long: keep memory bounded
			}
			return
		}
		pending = nil
	}
	for {
		select {
		case <-ctx.Done():
			// Drain what is queued, then stop.
			for more := true; more; {
				select {
				case b := <-s.sightings:
					pending = append(pending, b...)
				default:
					more = false
				}
			}
			flush(context.WithoutCancel(ctx))
			return
		case b := <-s.sightings:
			pending = append(pending, b...)
			if len(pending) >= 1000 {
				flush(ctx)
			}
		case <-t.C:
			flush(ctx)
		}
	}
}

// recordSightings stores sightings (with the indicator's type and value
// copied) and pushes them to the "threats" channel.
func (s *Service) recordSightings(ctx context.Context, ss []store.Sighting) error {
	refs := map[string]*Ref{}
	for i := range ss {
		x := &ss[i]
		if r, ok := refs[x.IndicatorID]; ok {
			if r != nil {
				x.IndicatorType, x.IndicatorValue = string(r.Type), r.Value
			}
			continue
		}
		var found *Ref
		if m := s.matcher(x.OrgID); m != nil {
			m.mu.Lock()
			found = m.deltaRefs[x.IndicatorID]
			if found == nil {
				found = m.baseRefs[x.IndicatorID]
			}
			m.mu.Unlock()
		}
		refs[x.IndicatorID] = found
		if found != nil {
			x.IndicatorType, x.IndicatorValue = string(found.Type), found.Value
		}
	}
	var added int
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		var err error
		added, err = r.Intel().AddSightings(ctx, ss)
		return err
	})
	if err != nil {
		return err
	}
	if s.o.Hub != nil && added > 0 {
		for _, x := range ss {
			if s.o.Hub.Listening(x.OrgID, live.ChannelThreats) {
				s.o.Hub.Publish(x.OrgID, live.ChannelThreats, "sighting", SightingViewOf(x))
			}
		}
	}
	return nil
}

// SightingView is a sighting as the API shows it.
type SightingView struct {
	ID             string    `json:"id"`
	IndicatorID    string    `json:"indicator_id"`
	IndicatorType  string    `json:"indicator_type"`
	IndicatorValue string    `json:"indicator_value"`
	EventID        string    `json:"event_id"`
	EventTime      time.Time `json:"event_time"`
	Field          string    `json:"field"`
	Value          string    `json:"value"`
	MatchType      string    `json:"match_type"`
	Origin         string    `json:"origin"`
	SeenAt         time.Time `json:"seen_at"`
}

// SightingViewOf converts a stored sighting.
func SightingViewOf(x store.Sighting) SightingView {
	return SightingView{x.ID, x.IndicatorID, x.IndicatorType, x.IndicatorValue, x.EventID, x.EventTime.UTC(), x.Field, x.Value,
		x.MatchType, x.Origin, x.SeenAt.UTC()}
}

// Actor is who changes intel, for the audit log.
type Actor struct {
	OrgID, UserID, Email, ClientIP, RequestID string
}

func (s *Service) audit(ctx context.Context, r store.Repos, a Actor, action, targetType, targetID, summary string) error {
	if len(summary) > 1000 {
		summary = summary[:997] + "..."
	}
	_, err := r.Audit().Append(ctx, store.AuditEntry{OrgID: a.OrgID, Time: s.o.Now(), ActorID: a.UserID, ActorEmail: a.Email,
		Action: action, TargetType: targetType, TargetID: targetID, Summary: summary, ClientIP: a.ClientIP, RequestID: a.RequestID})
	return err
}

// IndicatorInput is an indicator as a user submits it. Nil/zero fields
// take defaults on create and stay unchanged on update.
type IndicatorInput struct {
	Type        string
	Value       string
	Confidence  *int
	Severity    string
	Source      string
	Tags        []string
	Description string
	ExactOnly   *bool
	FirstSeen   *time.Time
	LastSeen    *time.Time
	ExpiresAt   *time.Time
	// ClearExpiry removes an expiry on update.
	ClearExpiry bool
	// Description and Tags are replaced on update only when these are set.
	SetDescription, SetTags bool
}

// Defaults of new indicators.
const (
	DefaultConfidence = 50
	DefaultSeverity   = "medium"
	SourceManual      = "manual"
)

func validateMeta(conf *int, severity string, tags []string, desc string) error {
	if conf != nil && (*conf < 0 || *conf > 100) {
		return fieldErr("confidence", "must be from 0 to 100, not %d", *conf)
	}
	if severity != "" && SeverityRank(severity) < 0 {
		return fieldErr("severity", "%q is not one of %s", severity, strings.Join(Severities, ", "))
	}
	if len(tags) > 50 {
		return fieldErr("tags", "at most 50 tags")
	}
	for i, t := range tags {
		if strings.TrimSpace(t) == "" || len(t) > 100 {
			return fieldErr(fmt.Sprintf("tags[%d]", i), "a tag has 1 to 100 characters")
		}
	}
	if len(desc) > 4000 {
		return fieldErr("description", "at most 4000 characters")
	}
	return nil
}

// CreateIndicator validates, normalizes and stores a new indicator; it
// matches at once and a retro-hunt over stored events is queued.
func (s *Service) CreateIndicator(ctx context.Context, a Actor, in IndicatorInput) (store.Indicator, error) {
	t := Type(strings.ToLower(strings.TrimSpace(in.Type)))
	if t == "" {
		dt, ok := DetectType(in.Value)
		if !ok {
			return store.Indicator{}, fieldErr("type", "missing, and the value's type cannot be told")
		}
		t = dt
	}
	if !t.Valid() {
		return store.Indicator{}, fieldErr("type", "%q is not an indicator type (one of %s)", in.Type, typeList())
	}
	v, err := Normalize(t, in.Value)
	if err != nil {
		return store.Indicator{}, err
	}
	if err := validateMeta(in.Confidence, in.Severity, in.Tags, in.Description); err != nil {
		return store.Indicator{}, err
	}
	now := s.o.Now().UTC()
	src := strings.TrimSpace(in.Source)
	if src == "" {
		src = SourceManual
	}
	if strings.HasPrefix(src, "feed:") {
		return store.Indicator{}, fieldErr("source", "feed: sources belong to feeds")
	}
	x := store.Indicator{ID: newID(), OrgID: a.OrgID, Type: string(t), Value: v, Confidence: DefaultConfidence, Severity: DefaultSeverity,
		Source: src, Tags: cleanTags(in.Tags), Description: strings.TrimSpace(in.Description), FirstSeen: now, LastSeen: now,
		ExpiresAt: in.ExpiresAt, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if in.Confidence != nil {
		x.Confidence = *in.Confidence
	}
	if in.Severity != "" {
		x.Severity = in.Severity
	}
	if in.ExactOnly != nil {
		x.ExactOnly = *in.ExactOnly && t == TypeDomain
	}
	if in.FirstSeen != nil {
		x.FirstSeen = in.FirstSeen.UTC()
	}
	if in.LastSeen != nil {
		x.LastSeen = in.LastSeen.UTC()
	}
	if s.o.Events != nil {
		x.RetroStatus = "pending"
	}
	s.writeMu.Lock()
	err = s.o.Store.Tx(ctx, func(r store.Repos) error {
		if err := r.Intel().CreateIndicator(ctx, x); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("%w: value: %s %s from source %q is already an indicator", store.ErrConflict, t, v, src)
			}
			return err
		}
		return s.audit(ctx, r, a, "intel.indicator.create", "indicator", x.ID, fmt.Sprintf("indicator %s %s (%s)", t, v, x.Severity))
	})
	if err == nil {
		s.orgMatcher(a.OrgID).Apply([]*Ref{refOf(x)}, nil)
	}
	s.writeMu.Unlock()
	if err != nil {
		return store.Indicator{}, err
	}
	s.queueRetro(x)
	return x, nil
}

func cleanTags(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func (s *Service) queueRetro(x store.Indicator) {
	if s.o.Events == nil {
		return
	}
	select {
	case s.retro <- retroJob{x.OrgID, x.ID}:
	default:
		s.log.Warn("intel: retro-hunt queue full; indicator not hunted in history", "indicator", x.ID)
		_ = s.o.Store.Intel().SetRetro(context.Background(), x.OrgID, x.ID, "", 0, s.o.Now())
	}
}

// UpdateIndicator changes an indicator's value or context.
func (s *Service) UpdateIndicator(ctx context.Context, a Actor, id string, in IndicatorInput) (store.Indicator, error) {
	if err := validateMeta(in.Confidence, in.Severity, in.Tags, in.Description); err != nil {
		return store.Indicator{}, err
	}
	var out store.Indicator
	valueChanged := false
	s.writeMu.Lock()
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		x, err := r.Intel().GetIndicator(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if in.Type != "" || in.Value != "" {
			t := Type(x.Type)
			if in.Type != "" {
				t = Type(strings.ToLower(in.Type))
				if !t.Valid() {
					return fieldErr("type", "%q is not an indicator type (one of %s)", in.Type, typeList())
				}
			}
			raw := x.Value
			if in.Value != "" {
				raw = in.Value
			}
			v, err := Normalize(t, raw)
			if err != nil {
				return err
			}
			valueChanged = string(t) != x.Type || v != x.Value
			x.Type, x.Value = string(t), v
		}
		if in.Confidence != nil {
			x.Confidence = *in.Confidence
		}
		if in.Severity != "" {
			x.Severity = in.Severity
		}
		if in.SetTags {
			x.Tags = cleanTags(in.Tags)
		}
		if in.SetDescription {
			x.Description = strings.TrimSpace(in.Description)
		}
		if in.ExactOnly != nil {
			x.ExactOnly = *in.ExactOnly && x.Type == string(TypeDomain)
		}
		if in.ExpiresAt != nil {
			t := in.ExpiresAt.UTC()
			x.ExpiresAt = &t
		}
		if in.ClearExpiry {
			x.ExpiresAt = nil
		}
		if in.LastSeen != nil {
			x.LastSeen = in.LastSeen.UTC()
		}
		x.UpdatedAt = s.o.Now().UTC()
		if valueChanged && s.o.Events != nil {
			x.RetroStatus, x.RetroHits, x.RetroAt = "pending", 0, nil
		}
		if err := r.Intel().UpdateIndicator(ctx, x); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("%w: value: %s %s from source %q is already an indicator", store.ErrConflict, x.Type, x.Value, x.Source)
			}
			return err
		}
		out = x
		return s.audit(ctx, r, a, "intel.indicator.update", "indicator", x.ID, fmt.Sprintf("indicator %s %s", x.Type, x.Value))
	})
	if err == nil {
		s.orgMatcher(a.OrgID).Apply([]*Ref{refOf(out)}, nil)
	}
	s.writeMu.Unlock()
	if err != nil {
		return store.Indicator{}, err
	}
	if valueChanged {
		s.queueRetro(out)
	}
	return out, nil
}

// DeleteIndicators deletes indicators (and their sightings).
func (s *Service) DeleteIndicators(ctx context.Context, a Actor, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, fieldErr("ids", "give at least one indicator id")
	}
	if len(ids) > 10_000 {
		return 0, fieldErr("ids", "at most 10,000 ids per call")
	}
	var n int
	s.writeMu.Lock()
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		var err error
		if n, err = r.Intel().DeleteIndicators(ctx, a.OrgID, ids); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		target := ""
		if len(ids) == 1 {
			target = ids[0]
		}
		return s.audit(ctx, r, a, "intel.indicator.delete", "indicator", target, fmt.Sprintf("%d indicator(s) deleted", n))
	})
	if err == nil {
		s.orgMatcher(a.OrgID).Apply(nil, ids)
	}
	s.writeMu.Unlock()
	return n, err
}

// GetIndicator returns one of the org's indicators.
func (s *Service) GetIndicator(ctx context.Context, orgID, id string) (store.Indicator, error) {
	return s.o.Store.Intel().GetIndicator(ctx, orgID, id)
}

// ListIndicators lists the org's indicators.
func (s *Service) ListIndicators(ctx context.Context, orgID string, f store.IndicatorFilter) ([]store.Indicator, int, error) {
	if f.Now.IsZero() {
		f.Now = s.o.Now()
	}
	return s.o.Store.Intel().ListIndicators(ctx, orgID, f)
}

// ListSightings lists the org's sightings, newest first.
func (s *Service) ListSightings(ctx context.Context, orgID string, f store.SightingFilter) ([]store.Sighting, int, error) {
	return s.o.Store.Intel().ListSightings(ctx, orgID, f)
}

// Summary is the Threat Intel page's KPIs.
type Summary struct {
	Indicators      int64            `json:"indicators"`
	ByType          map[string]int64 `json:"by_type"`
	Feeds           int              `json:"feeds"`
	ActiveFeeds     int              `json:"active_feeds"`
	FailingFeeds    int              `json:"failing_feeds"`
	Sightings24h    int              `json:"sightings_24h"`
	DroppedSighting int64            `json:"dropped_sightings"`
}

// Summary counts the org's indicators by type, its feeds and the
// sightings of the last 24 hours.
func (s *Service) Summary(ctx context.Context, orgID string) (Summary, error) {
	now := s.o.Now()
	by, err := s.o.Store.Intel().CountIndicators(ctx, orgID, now)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{ByType: by, DroppedSighting: s.dropped.Load()}
	for _, n := range by {
		out.Indicators += n
	}
	feeds, err := s.o.Store.Intel().ListFeeds(ctx, orgID)
	if err != nil {
		return Summary{}, err
	}
	out.Feeds = len(feeds)
	for _, f := range feeds {
		if f.Enabled {
			out.ActiveFeeds++
			if f.LastError != "" {
				out.FailingFeeds++
			}
		}
	}
	if _, out.Sightings24h, err = s.o.Store.Intel().ListSightings(ctx, orgID, store.SightingFilter{Since: now.Add(-24 * time.Hour), Limit: 1}); err != nil {
		return Summary{}, err
	}
	return out, nil
}
