// Package detect is EventSec's detection service: it keeps every org's
// rules (Sigma, Sigma correlations and filters, JSON rules) compiled,
// evaluates the committed event stream against them in commit order,
// turns matches into deduplicated alerts, and checkpoints its position in
// the same transaction as the alerts, so that a crash neither loses nor
// duplicates them. It also validates, tests (backtest over stored events
// or samples) and imports rules.
package detect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/detect/jsonrule"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/store"
)

// Options configure a Service.
type Options struct {
	Store  store.Store
	Events eventstore.Store
	Hub    *live.Hub // optional: live alert push
	// Normalizer turns pasted sample events into events, as ingest does.
	Normalizer *normalize.Normalizer
	// StateDir keeps the correlation state snapshot ("" = not kept).
	StateDir string
	// SnapshotEvery is how often correlation state is saved (default 30 s).
	SnapshotEvery time.Duration
	// FoldWindow: a repeat is folded into an open alert with the same
	// deduplication key whose last repeat is at most this old (default 24 h).
	FoldWindow time.Duration
	// MaxGroups bounds each org's open correlation groups (default 1,000,000).
	MaxGroups int
	// EvalSampleEvery: one event in this many has each of its candidate
	// rules timed, for the rules' own evaluation time (default 1024;
	// negative: never).
	EvalSampleEvery int
	// EvalFlushEvery is how often the sampled times are written to the
	// rule statistics (default 1 minute; they cost a row per rule, in a
	// transaction of their own, and are written at shutdown too).
	EvalFlushEvery time.Duration
	// Queries runs scheduled KQL rules (nil: they do not run).
	Queries QueryRunner
	// Builtin is EventSec's own rule pack, installed in every org.
	Builtin    []ImportFile
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	Now        func() time.Time
	// OnAlert is called for every new alert inside the transaction that
	// stores it, with the rule's actions (JSON rules): what it writes
	// (notification deliveries) is durable exactly when the alert is. An
	// error aborts and retries the whole commit.
	OnAlert func(ctx context.Context, r store.Repos, a store.Alert, actions []jsonrule.Action) error
	// FirstStartAfter is where the stream begins on the very first start
	// (no checkpoint yet): the events after this seq are evaluated. The
	// server gives the event store's last seq from before its listeners
	// opened, so that nothing received at start-up is skipped. Nil: the
	// store's last seq when Run starts (history before it is for
	// backtests and retro-hunts).
	FirstStartAfter *int64
}

// Service is the detection service.
type Service struct {
	o  Options
	in chan []event.Event
	m  *metrics

	mu    sync.RWMutex
	org   map[string]*orgEngine
	hunts hunts

	schedMu sync.Mutex
	lastRun map[string]time.Time // org\x00rule -> end of its last window
	// changeMu serialises rule changes per service (they rebuild an org's
	// matcher).
	changeMu sync.Mutex

	// sampleEvery is Options.EvalSampleEvery (0: off); evalSeq counts
	// evaluated events to pick the sampled ones.
	sampleEvery uint64
	evalSeq     atomic.Uint64

	// ready is closed once Run knows where the stream starts: events
	// committed after that are evaluated.
	ready     chan struct{}
	readyOnce sync.Once

	// alertEngines keeps the engines AlertEvents built, so that paging
	// through an alert's events does not compile its rule each time.
	alertEngines alertEngineCache
}

// Ready is closed once Run has read its position in the event stream.
// On the very first start detection begins with the events committed
// from then on, so a caller that must have its next events evaluated
// (a test, a start-up sequence) waits for it.
func (s *Service) Ready() <-chan struct{} { return s.ready }

// DefaultEvalSampleEvery is how many events pass between two whose rules
// are timed one by one, unless Options say otherwise.
const DefaultEvalSampleEvery = 1024

// ErrInvalid wraps problems with what a caller asked for.
var ErrInvalid = errors.New("invalid")

// InvalidRuleError carries every problem found in a rule's source.
type InvalidRuleError struct{ Problems []RuleError }

func (e *InvalidRuleError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid rule"
	}
	return "invalid rule: " + e.Problems[0].Error()
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// New returns a service with every org's rules loaded.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SnapshotEvery <= 0 {
		o.SnapshotEvery = 30 * time.Second
	}
	if o.FoldWindow <= 0 {
		o.FoldWindow = 24 * time.Hour
	}
	if o.MaxGroups <= 0 {
		o.MaxGroups = 1_000_000
	}
	if o.EvalSampleEvery == 0 {
		o.EvalSampleEvery = DefaultEvalSampleEvery
	}
	if o.EvalFlushEvery <= 0 {
		o.EvalFlushEvery = time.Minute
	}
	s := &Service{o: o, in: make(chan []event.Event, 1024), m: newMetrics(o.Registerer), org: map[string]*orgEngine{},
		lastRun: map[string]time.Time{}, ready: make(chan struct{})}
	if o.EvalSampleEvery > 0 {
		s.sampleEvery = uint64(o.EvalSampleEvery)
	}
	orgs, err := o.Store.Orgs().List(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	n := 0
	for _, org := range orgs {
		c, err := s.load(ctx, org.ID)
		if err != nil {
			return nil, err
		}
		n += c
	}
	o.Logger.Info("detection rules loaded", "rules", n, "orgs", len(orgs), "ms", time.Since(start).Milliseconds())
	return s, nil
}

// load compiles every rule of an org.
func (s *Service) load(ctx context.Context, orgID string) (int, error) {
	rules, err := s.o.Store.Rules().List(ctx, orgID)
	if err != nil {
		return 0, err
	}
	exc, err := s.o.Store.Rules().Exceptions(ctx, orgID, "")
	if err != nil {
		return 0, err
	}
	ph, err := s.o.Store.Rules().Placeholders(ctx, orgID)
	if err != nil {
		return 0, err
	}
	e := s.engine(orgID, true)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.placeholders = placeholderMap(ph)
	for _, r := range rules {
		u, problems := Compile(r.Format, r.Source, r.ID)
		if len(problems) > 0 {
			// Stored rules were valid when saved; a rule the engine no
			// longer accepts is reported and skipped, not fatal.
			s.o.Logger.Warn("detection: stored rule does not compile; skipped", "org", orgID, "rule", r.ID, "err", problems[0].Error())
			continue
		}
		e.units[r.ID] = &loaded{rule: r, unit: u}
	}
	for _, x := range exc {
		cx, err := compileException(x)
		if err != nil {
			s.o.Logger.Warn("detection: stored exception does not compile; skipped", "org", orgID, "exception", x.ID, "err", err)
			continue
		}
		e.exceptions[x.RuleID] = append(e.exceptions[x.RuleID], cx)
	}
	for _, p := range e.rebuild() {
		s.o.Logger.Warn("detection: rule not loaded", "org", orgID, "rule", p.File, "err", p.Message)
	}
	return len(e.units), nil
}

// engine returns the org's engine, creating it when create is set.
func (s *Service) engine(orgID string, create bool) *orgEngine {
	s.mu.RLock()
	e := s.org[orgID]
	s.mu.RUnlock()
	if e != nil || !create {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e = s.org[orgID]; e == nil {
		e = newOrgEngine(orgID, s.o.MaxGroups)
		s.org[orgID] = e
	}
	return e
}

func (s *Service) engines() []*orgEngine {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*orgEngine, 0, len(s.org))
	for _, e := range s.org {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].orgID < out[j].orgID })
	return out
}

// Actor is who changes rules, for the audit log.
type Actor struct {
	OrgID, UserID, Email, ClientIP, RequestID string
}

func (s *Service) audit(ctx context.Context, r store.Repos, a Actor, action, targetType, targetID, summary string) error {
	if len(summary) > 1000 {
		summary = summary[:997] + "..."
	}
	return s.auditFull(ctx, r, a, action, targetType, targetID, summary)
}

// auditFull appends an audit entry with its summary as long as it is.
func (s *Service) auditFull(ctx context.Context, r store.Repos, a Actor, action, targetType, targetID, summary string) error {
	_, err := r.Audit().Append(ctx, store.AuditEntry{OrgID: a.OrgID, Time: s.o.Now(), ActorID: a.UserID, ActorEmail: a.Email,
		Action: action, TargetType: targetType, TargetID: targetID, Summary: summary, ClientIP: a.ClientIP, RequestID: a.RequestID})
	return err
}

// RuleInput is a rule as a user submits it.
type RuleInput struct {
	Format  string
	Source  string
	Enabled *bool
	Pack    string
}

// storeRule fills a store.Rule from a compiled unit.
func storeRule(orgID string, u *Unit) store.Rule {
	return store.Rule{ID: u.ID, OrgID: orgID, Title: u.Title, Description: u.Description, Author: u.Author,
		Format: u.Format, Kind: u.Kind, Source: u.Source, SourceHash: u.Hash, Status: u.Status, Level: u.Level,
		Product: u.Product, Category: u.Category, Service: u.Service, Tags: u.Tags, References: u.References,
		FalsePositives: u.FalsePositives}
}

// DuplicateError is a rule whose id or Sigma name another stored rule of
// the org already has. It is a store.ErrConflict (errors.Is).
type DuplicateError struct {
	// Name: the clash is a Sigma name, not an id.
	Name                           bool
	Value                          string
	OtherID, OtherTitle, OtherPack string
	// Line and Column locate the id or name in the source (0 if unknown).
	Line, Column int
}

func (e *DuplicateError) Error() string {
	if e.Name {
		return fmt.Sprintf("name %q is already used by rule %q (%s, pack %s): Sigma names must be unique in an organisation, since correlations reference rules by them; rename one",
			e.Value, e.OtherTitle, e.OtherID, e.OtherPack)
	}
	return fmt.Sprintf("duplicate rule id %s: already used by rule %q of pack %s", e.Value, e.OtherTitle, e.OtherPack)
}

// Is makes errors.Is(err, store.ErrConflict) hold.
func (e *DuplicateError) Is(target error) bool { return target == store.ErrConflict }

// checkIDs refuses a unit one of whose document ids or Sigma names
// belongs to another stored rule of the org (self is the rule being
// updated). Names are checked as ids are: a correlation that references a
// name must bind to one rule.
func (e *orgEngine) checkIDs(u *Unit, self string) error {
	for _, r := range unitRefs(u) {
		for rid, l := range e.units {
			if rid != self && l.unit.answers(r.value) {
				at := u.refError("", r.value, "")
				return &DuplicateError{Name: r.name, Value: r.value, OtherID: rid, OtherTitle: l.rule.Title, OtherPack: l.rule.Pack,
					Line: at.Line, Column: at.Column}
			}
		}
	}
	return nil
}

// SaveProblems are the errors saving a compiled rule would meet although
// it compiles, each at the id: or name: it concerns, for the editor to
// show while the rule is written: an id or Sigma name another stored
// rule of the org has, and, for an edit (self is the rule's id; "" for a
// new rule), an id that is not the rule's.
func (s *Service) SaveProblems(orgID string, u *Unit, self string) []RuleError {
	out := []RuleError{}
	if self != "" && u.ID != self {
		out = append(out, u.refError("", u.ID, fmt.Sprintf("the source's id %s differs from the rule's id %s: create a new rule to change the id", u.ID, self)))
	}
	e := s.engine(orgID, false)
	if e == nil {
		return out
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	ids := slices.Sorted(maps.Keys(e.units)) // the same answer every time
	for _, r := range unitRefs(u) {
		for _, rid := range ids {
			l := e.units[rid]
			if rid == self || !l.unit.answers(r.value) {
				continue
			}
			at := u.refError("", r.value, "")
			de := &DuplicateError{Name: r.name, Value: r.value, OtherID: rid, OtherTitle: l.rule.Title, OtherPack: l.rule.Pack, Line: at.Line, Column: at.Column}
			out = append(out, RuleError{Line: at.Line, Column: at.Column, Message: de.Error()})
			break
		}
	}
	return out
}

// Create saves a new rule and starts evaluating it.
func (s *Service) Create(ctx context.Context, a Actor, in RuleInput) (store.Rule, error) {
	format := in.Format
	if format == "" {
		format = GuessFormat(in.Source)
	}
	u, problems := Compile(format, in.Source, "")
	if len(problems) > 0 {
		return store.Rule{}, &InvalidRuleError{problems}
	}
	if err := s.checkActions(ctx, a.OrgID, u); err != nil {
		return store.Rule{}, err
	}
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	e := s.engine(a.OrgID, true)
	e.mu.RLock()
	err := e.checkIDs(u, "")
	e.mu.RUnlock()
	if err != nil {
		return store.Rule{}, err
	}
	now := s.o.Now()
	r := storeRule(a.OrgID, u)
	r.Enabled = in.Enabled == nil || *in.Enabled
	r.Pack = in.Pack
	if r.Pack == "" {
		r.Pack = "custom"
	}
	r.CreatedBy, r.CreatedAt, r.UpdatedAt = a.UserID, now, now
	err = s.o.Store.Tx(ctx, func(rp store.Repos) error {
		if err := rp.Rules().Create(ctx, r); err != nil {
			return err
		}
		return s.audit(ctx, rp, a, "rule.create", "rule", r.ID, fmt.Sprintf("created %s rule %q (%s)", r.Kind, r.Title, r.Level))
	})
	if err != nil {
		return store.Rule{}, err
	}
	s.install(e, r, u)
	return r, nil
}

// install puts a saved rule into the org's engine.
func (s *Service) install(e *orgEngine, r store.Rule, u *Unit) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.units[r.ID] = &loaded{rule: r, unit: u}
	for _, p := range e.rebuild() {
		s.o.Logger.Warn("detection: rule not loaded", "org", e.orgID, "rule", p.File, "err", p.Message)
	}
}

// Get returns a stored rule.
func (s *Service) Get(ctx context.Context, orgID, id string) (store.Rule, error) {
	return s.o.Store.Rules().Get(ctx, orgID, id)
}

// Update replaces a rule's source. The rule keeps its ID (the path's),
// whatever the new source says.
func (s *Service) Update(ctx context.Context, a Actor, id string, in RuleInput) (store.Rule, error) {
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	old, err := s.o.Store.Rules().Get(ctx, a.OrgID, id)
	if err != nil {
		return store.Rule{}, err
	}
	format := in.Format
	if format == "" {
		format = old.Format
	}
	u, problems := Compile(format, in.Source, "")
	if len(problems) > 0 {
		return store.Rule{}, &InvalidRuleError{problems}
	}
	if u.ID != id {
		return store.Rule{}, &InvalidRuleError{[]RuleError{u.refError("", u.ID, fmt.Sprintf("the source's id %s differs from the rule's id %s: create a new rule to change the id", u.ID, id))}}
	}
	if err := s.checkActions(ctx, a.OrgID, u); err != nil {
		return store.Rule{}, err
	}
	e := s.engine(a.OrgID, true)
	e.mu.RLock()
	err = e.checkIDs(u, id)
	e.mu.RUnlock()
	if err != nil {
		return store.Rule{}, err
	}
	r := storeRule(a.OrgID, u)
	r.Enabled, r.SeverityOverride, r.Pack, r.CreatedBy, r.CreatedAt = old.Enabled, old.SeverityOverride, old.Pack, old.CreatedBy, old.CreatedAt
	r.AlertGroupBy, r.AlertWindow, r.ImportedFrom, r.ImportedHash = old.AlertGroupBy, old.AlertWindow, old.ImportedFrom, old.ImportedHash
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if old.Pack != "custom" && old.SourceHash != r.SourceHash {
		// An edited pack rule is the org's own from now on: a later pack
		// import must not overwrite the edit.
		r.Pack = "custom"
	}
	r.UpdatedAt = s.o.Now()
	err = s.o.Store.Tx(ctx, func(rp store.Repos) error {
		if err := rp.Rules().Update(ctx, r); err != nil {
			return err
		}
		return s.audit(ctx, rp, a, "rule.update", "rule", r.ID, fmt.Sprintf("updated rule %q", r.Title))
	})
	if err != nil {
		return store.Rule{}, err
	}
	s.install(e, r, u)
	return r, nil
}

// RulePatch is what Patch changes; nil fields stay as they are.
type RulePatch struct {
	Enabled          *bool
	SeverityOverride *string
	// AlertGroupBy: the fields whose values key the rule's alerts (at
	// most MaxAlertGroupBy); empty for the default key.
	AlertGroupBy *[]string
	// AlertWindow: how far apart repeats fold (up to MaxAlertWindow); 0
	// for the default.
	AlertWindow *time.Duration
}

// Limits of a rule's alert grouping.
const (
	MaxAlertGroupBy = 5
	MaxAlertWindow  = 30 * 24 * time.Hour
)

// validGroupField is the form of a field an alert can be grouped by: an
// event field's flattened name, a Sigma field name or a JSON rule's.
var validGroupField = regexp.MustCompile(`^[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,127}$`)

func (p RulePatch) check() error {
	if p.SeverityOverride != nil && *p.SeverityOverride != "" && !contains(Levels, *p.SeverityOverride) {
		return fmt.Errorf("%w: severity_override: %q is not one of %s", ErrInvalid, *p.SeverityOverride, strings.Join(Levels, ", "))
	}
	if p.AlertGroupBy != nil {
		by := *p.AlertGroupBy
		if len(by) > MaxAlertGroupBy {
			return fmt.Errorf("%w: alert_group_by: at most %d fields, not %d", ErrInvalid, MaxAlertGroupBy, len(by))
		}
		for i, f := range by {
			if !validGroupField.MatchString(f) {
				return fmt.Errorf("%w: alert_group_by[%d]: %q is not a field name (letters, digits, _ . @ -, up to 128)", ErrInvalid, i, f)
			}
			if slices.Contains(by[:i], f) {
				return fmt.Errorf("%w: alert_group_by[%d]: %q is named twice", ErrInvalid, i, f)
			}
		}
	}
	if p.AlertWindow != nil && (*p.AlertWindow < 0 || *p.AlertWindow > MaxAlertWindow || *p.AlertWindow%time.Minute != 0) {
		return fmt.Errorf("%w: alert_window_minutes: must be whole minutes from 0 (the default) to %d", ErrInvalid, int(MaxAlertWindow/time.Minute))
	}
	return nil
}

// Patch changes a rule's state: enabled, severity override and alert
// grouping.
func (s *Service) Patch(ctx context.Context, a Actor, id string, p RulePatch) (store.Rule, error) {
	if err := p.check(); err != nil {
		return store.Rule{}, err
	}
	enabled, severity := p.Enabled, p.SeverityOverride
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	r, err := s.o.Store.Rules().Get(ctx, a.OrgID, id)
	if err != nil {
		return r, err
	}
	var what []string
	if enabled != nil && *enabled != r.Enabled {
		r.Enabled = *enabled
		what = append(what, map[bool]string{true: "enabled", false: "disabled"}[r.Enabled])
	}
	if severity != nil && *severity != r.SeverityOverride {
		r.SeverityOverride = *severity
		if r.SeverityOverride == "" {
			what = append(what, "severity override removed")
		} else {
			what = append(what, "severity overridden to "+r.SeverityOverride)
		}
	}
	if p.AlertGroupBy != nil && len(*p.AlertGroupBy) > 0 && r.Kind == KindScheduled {
		return r, fmt.Errorf("%w: alert_group_by: a scheduled query raises one alert per run, keyed by the rule: group in its query (summarize ... by)", ErrInvalid)
	}
	if p.AlertGroupBy != nil && !slices.Equal(*p.AlertGroupBy, r.AlertGroupBy) {
		r.AlertGroupBy = nil
		if len(*p.AlertGroupBy) > 0 {
			r.AlertGroupBy = slices.Clone(*p.AlertGroupBy)
			what = append(what, "alerts grouped by "+strings.Join(r.AlertGroupBy, ", "))
		} else {
			what = append(what, "alerts grouped by host, user and source address (the default)")
		}
	}
	if p.AlertWindow != nil && *p.AlertWindow != r.AlertWindow {
		r.AlertWindow = *p.AlertWindow
		if r.AlertWindow == 0 {
			what = append(what, fmt.Sprintf("alert window back to the default (%s)", s.o.FoldWindow))
		} else {
			what = append(what, fmt.Sprintf("alert window %s", r.AlertWindow))
		}
	}
	if len(what) == 0 {
		return r, nil
	}
	r.UpdatedAt = s.o.Now()
	err = s.o.Store.Tx(ctx, func(rp store.Repos) error {
		if err := rp.Rules().Update(ctx, r); err != nil {
			return err
		}
		return s.audit(ctx, rp, a, "rule.update", "rule", r.ID, fmt.Sprintf("rule %q: %s", r.Title, strings.Join(what, ", ")))
	})
	if err != nil {
		return r, err
	}
	e := s.engine(a.OrgID, true)
	e.mu.Lock()
	if l := e.units[id]; l != nil {
		if r.Enabled != l.rule.Enabled {
			l.marked = false // sampling restarts with the change
		}
		l.rule = r
		e.rebuild()
	}
	e.mu.Unlock()
	return r, nil
}

// Delete removes a rule, its exceptions and statistics.
func (s *Service) Delete(ctx context.Context, a Actor, id string) error {
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	r, err := s.o.Store.Rules().Get(ctx, a.OrgID, id)
	if err != nil {
		return err
	}
	err = s.o.Store.Tx(ctx, func(rp store.Repos) error {
		if err := rp.Rules().Delete(ctx, a.OrgID, id); err != nil {
			return err
		}
		return s.audit(ctx, rp, a, "rule.delete", "rule", id, fmt.Sprintf("deleted rule %q", r.Title))
	})
	if err != nil {
		return err
	}
	e := s.engine(a.OrgID, true)
	e.mu.Lock()
	delete(e.units, id)
	delete(e.exceptions, id)
	e.rebuild()
	e.mu.Unlock()
	return nil
}

// AddException tunes a rule: matches for which every condition holds
// are suppressed until the exception expires. The warnings name
// conditions whose field EventSec's events are not known to have (the
// exception is created all the same).
func (s *Service) AddException(ctx context.Context, a Actor, ruleID string, in ExceptionInput) (store.RuleException, []string, error) {
	x := store.RuleException{ID: newID(), OrgID: a.OrgID, RuleID: ruleID, Reason: strings.TrimSpace(in.Reason),
		Owner: a.UserID, ExpiresAt: in.ExpiresAt, CreatedAt: s.o.Now()}
	conds, err := in.CheckConditions()
	if err != nil {
		return x, nil, err
	}
	x.Conditions = conds
	switch {
	case x.Reason == "":
		return x, nil, fmt.Errorf("%w: reason: required (say why the matches are benign)", ErrInvalid)
	case x.ExpiresAt != nil && !x.ExpiresAt.After(x.CreatedAt):
		return x, nil, fmt.Errorf("%w: expires_at: must be in the future", ErrInvalid)
	}
	cx, err := compileException(x)
	if err != nil {
		return x, nil, fmt.Errorf("%w: conditions: %v", ErrInvalid, err)
	}
	// Read before the lock: it may read an event, and is advice only.
	warnings := s.exceptionWarnings(ctx, a.OrgID, ruleID, x.Conditions, in.single())
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	r, err := s.o.Store.Rules().Get(ctx, a.OrgID, ruleID)
	if err != nil {
		return x, nil, err
	}
	err = s.o.Store.Tx(ctx, func(rp store.Repos) error {
		if err := rp.Rules().CreateException(ctx, x); err != nil {
			return err
		}
		exp := "never expires"
		if x.ExpiresAt != nil {
			exp = "expires " + x.ExpiresAt.UTC().Format(time.RFC3339)
		}
		// Every condition in full, however long: the entry is what
		// accounts for the alerts the exception suppresses.
		return s.auditFull(ctx, rp, a, "rule.exception.create", "rule", ruleID,
			fmt.Sprintf("rule %q: exception %s (%s); reason: %s", r.Title, DescribeConditions(x.Conditions), exp, x.Reason))
	})
	if err != nil {
		return x, nil, err
	}
	e := s.engine(a.OrgID, true)
	e.mu.Lock()
	e.exceptions[ruleID] = append(e.exceptions[ruleID], cx)
	e.gen++ // engines built for tests and alert event lists copied the old ones
	e.mu.Unlock()
	return x, warnings, nil
}

// Exceptions lists a rule's exceptions.
func (s *Service) Exceptions(ctx context.Context, orgID, ruleID string) ([]store.RuleException, error) {
	if _, err := s.o.Store.Rules().Get(ctx, orgID, ruleID); err != nil {
		return nil, err
	}
	return s.o.Store.Rules().Exceptions(ctx, orgID, ruleID)
}

// DeleteException removes an exception.
func (s *Service) DeleteException(ctx context.Context, a Actor, ruleID, id string) error {
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	err := s.o.Store.Tx(ctx, func(rp store.Repos) error {
		if err := rp.Rules().DeleteException(ctx, a.OrgID, ruleID, id); err != nil {
			return err
		}
		return s.audit(ctx, rp, a, "rule.exception.delete", "rule", ruleID, "deleted exception "+id)
	})
	if err != nil {
		return err
	}
	e := s.engine(a.OrgID, true)
	e.mu.Lock()
	list := e.exceptions[ruleID][:0]
	for _, x := range e.exceptions[ruleID] {
		if x.ID != id {
			list = append(list, x)
		}
	}
	e.exceptions[ruleID] = list
	e.gen++
	e.mu.Unlock()
	return nil
}

// Rules returns the org's rules as loaded (without their source), with
// live statistics merged from the store.
func (s *Service) Rules(ctx context.Context, orgID string) ([]store.Rule, map[string]store.RuleStats, error) {
	rules, err := s.o.Store.Rules().List(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.o.Store.Rules().Stats(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	stats := make(map[string]store.RuleStats, len(st))
	for _, x := range st {
		stats[x.RuleID] = x
	}
	return rules, stats, nil
}

// Problems says why enabled rules of the org do not run (placeholders
// without values, correlations missing their base rules), by rule ID.
func (s *Service) Problems(orgID string) map[string]string {
	e := s.engine(orgID, false)
	if e == nil {
		return map[string]string{}
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make(map[string]string, len(e.problems))
	for id, p := range e.problems {
		out[id] = p
	}
	// Disabled rules are not compiled: say now what would stop them.
	for id, l := range e.units {
		if l.rule.Enabled {
			continue
		}
		for _, name := range unitPlaceholders(l.unit) {
			if _, ok := e.placeholders[name]; !ok {
				out[id] = placeholderProblem(name)
				break
			}
		}
		if _, have := out[id]; !have {
			if miss := missingRefs(l.unit, func(r string) bool { return e.known[r] }); len(miss) > 0 {
				out[id] = "not runnable: " + miss[0].Message
			}
		}
	}
	return out
}

// ReferenceWarnings says which rules a compiled (unsaved) rule's
// correlations reference that the org does not have: it would be stored
// but could not fire until they are added. The editor shows them while
// the rule is written, as the create answer does.
func (s *Service) ReferenceWarnings(orgID string, u *Unit) []RuleError {
	var known map[string]bool
	if e := s.engine(orgID, false); e != nil {
		e.mu.RLock()
		known = e.known
		e.mu.RUnlock()
	}
	out := missingRefs(u, func(r string) bool { return known[r] })
	if out == nil {
		out = []RuleError{}
	}
	return out
}

// Warnings are everything to tell the author of a compiled rule that does
// not stop it from being saved: its metadata warnings, placeholders
// without values, correlations referencing rules the org lacks.
func (s *Service) Warnings(ctx context.Context, orgID string, u *Unit) ([]RuleError, error) {
	out := append([]RuleError{}, u.Warnings...)
	out = append(out, s.PlaceholderWarnings(orgID, u)...)
	out = append(out, s.ReferenceWarnings(orgID, u)...)
	out = append(out, s.silenceWarnings(orgID, u)...)
	_, warn, err := s.ActionProblems(ctx, orgID, u)
	if err != nil {
		return nil, err
	}
	return append(out, warn...), nil
}

// orgChannels lists the org's notification channels as rule actions
// refer to them.
func (s *Service) orgChannels(ctx context.Context, orgID string) ([]jsonrule.Channel, error) {
	list, err := s.o.Store.Notify().List(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list notification channels: %w", err)
	}
	out := make([]jsonrule.Channel, len(list))
	for i, c := range list {
		out[i] = jsonrule.Channel{ID: c.ID, Name: c.Name, Kind: c.Kind, Enabled: c.Enabled}
	}
	return out, nil
}

// ActionProblems checks a JSON rule's actions against the org's
// notification channels (jsonrule.CheckChannels): errors (a channel the
// org does not have, or of another type) stop the rule from being saved;
// warnings (a disabled channel, no enabled channel of the action's type)
// do not.
func (s *Service) ActionProblems(ctx context.Context, orgID string, u *Unit) (errs, warnings []RuleError, err error) {
	if u.JSON == nil || len(u.JSON.Actions) == 0 {
		return nil, nil, nil
	}
	channels, err := s.orgChannels(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	errs, warnings = actionProblems(u, channels, "")
	return errs, warnings, nil
}

// actionProblems is ActionProblems against a list of channels already
// read (an import reads them once).
func actionProblems(u *Unit, channels []jsonrule.Channel, file string) (errs, warnings []RuleError) {
	if u.JSON == nil {
		return nil, nil
	}
	e, w := jsonrule.CheckChannels([]byte(u.Source), u.JSON, channels)
	for _, x := range e {
		errs = append(errs, toRuleError(x, file))
	}
	for _, x := range w {
		warnings = append(warnings, toRuleError(x, file))
	}
	return errs, warnings
}

// checkActions refuses a rule whose actions name channels the org does
// not have (an *InvalidRuleError, like a rule that does not compile).
func (s *Service) checkActions(ctx context.Context, orgID string, u *Unit) error {
	errs, _, err := s.ActionProblems(ctx, orgID, u)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return &InvalidRuleError{errs}
	}
	return nil
}

// hasDoc reports whether one of the unit's documents has this id.
func (u *Unit) hasDoc(id string) bool {
	if u.ID == id {
		return true
	}
	for _, r := range u.Sigma {
		if r.Key() == id {
			return true
		}
	}
	for _, c := range u.Correlations {
		if c.Key() == id {
			return true
		}
	}
	return false
}
