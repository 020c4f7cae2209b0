// Package incident is the SOC's case management: alert triage (assign,
// escalate, verdicts, bulk changes, recoverable deletion), incidents with
// tasks, observables, a timeline and playbooks, war-room notes with
// attachments, workplans, shift handovers, containment actions, SLA
// timers and MTTA/MTTR metrics.
//
// Every change runs in one state-store transaction together with its
// audit-log entry and its line in the object's own history, and is then
// pushed on the "alerts" or "incidents" live channel.
package incident

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// Errors callers compare with errors.Is.
var (
	// ErrUpstream: a remote system (SMTP server, endpoint agent service)
	// refused or failed; the message says which and why.
	ErrUpstream = errors.New("upstream failure")
	// ErrUnavailable: a feature's backing service is not configured.
	ErrUnavailable = errors.New("not available")
	// ErrForbidden: the caller may not change this object (not its author).
	ErrForbidden = errors.New("forbidden")
)

// FieldError is bad input: the field and what is wrong with it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Actor is who makes a change.
type Actor struct {
	OrgID, UserID, Email, ClientIP, RequestID string
	// Admin may delete and restore alerts and others' notes.
	Admin bool
}

// Publisher pushes live updates (the live hub).
type Publisher interface {
	Publish(orgID, channel, typ string, items ...any)
}

// Endpoints is the endpoint-management service as containment needs it.
// Nil when the agent side is not wired: endpoint actions then fail with
// ErrUnavailable while block-list actions still work through BlockList.
type Endpoints interface {
	// QueueHostAction queues an agent action on the endpoint whose host
	// name matches and returns the endpoint action's id.
	QueueHostAction(ctx context.Context, a Actor, host, actionType string, params map[string]any, reason string) (string, error)
	// ActionState reports an endpoint action's status and output.
	ActionState(ctx context.Context, orgID, id string) (status, result string, err error)
}

// BlockList keeps the org's block list (delivered to agents/forwarders).
type BlockList interface {
	Block(ctx context.Context, a Actor, kind, value, reason string) error
}

// Mailer sends a handover through an org's e-mail channel.
type Mailer interface {
	SendHandover(ctx context.Context, orgID, channelID string, to []string, subject, text, html string) error
}

// Notifier is told about alert and incident changes (notification
// routing happens there).
type Notifier interface {
	AlertChanged(ctx context.Context, a store.Alert, event string)
	IncidentChanged(ctx context.Context, in store.Incident, event string)
}

// ExceptionMaker creates a rule exception (the detection service).
type ExceptionMaker interface {
	// AddRuleException creates the exception and returns its warnings.
	AddRuleException(ctx context.Context, a Actor, ruleID string, req ExceptionRequest) ([]string, error)
}

// Options configures a Service.
type Options struct {
	Store  store.Store
	Logger *slog.Logger
	Now    func() time.Time
	// Hub receives live updates; optional.
	Hub Publisher
	// BlobDir holds attachments, content-addressed by SHA-256.
	BlobDir string
	// MaxAttachmentBytes bounds one attachment (default 10 MiB).
	MaxAttachmentBytes int64
	Endpoints          Endpoints
	BlockList          BlockList
	Mailer             Mailer
	Notifier           Notifier
	Exceptions         ExceptionMaker
	// BaseURL is the UI's address, for links in handovers.
	BaseURL string
}

// Service is the case-management service.
type Service struct {
	o   Options
	log *slog.Logger
}

// New returns a Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxAttachmentBytes <= 0 {
		o.MaxAttachmentBytes = 10 << 20
	}
	return &Service{o: o, log: o.Logger.With("component", "incident")}
}

// SetEndpoints wires the endpoint service after construction (it is built
// later in the application's wiring).
func (s *Service) SetEndpoints(e Endpoints, b BlockList) { s.o.Endpoints, s.o.BlockList = e, b }

// SetNotifier wires the notification dispatcher.
func (s *Service) SetNotifier(n Notifier) { s.o.Notifier = n }

// SetMailer wires handover e-mail delivery.
func (s *Service) SetMailer(m Mailer) { s.o.Mailer = m }

func (s *Service) now() time.Time { return s.o.Now().UTC().Truncate(time.Millisecond) }

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// change records one change: the audit entry (hash-chained, org-wide) and
// the object's own history line, in the caller's transaction.
func (s *Service) change(ctx context.Context, r store.Repos, a Actor, objType, objID, action, detail string) error {
	summary := detail
	if len(summary) > 1000 {
		summary = summary[:997] + "..."
	}
	now := s.now()
	if _, err := r.Audit().Append(ctx, store.AuditEntry{OrgID: a.OrgID, Time: now, ActorID: a.UserID, ActorEmail: a.Email,
		Action: objType + "." + action, TargetType: objType, TargetID: objID, Summary: summary, ClientIP: a.ClientIP, RequestID: a.RequestID}); err != nil {
		return err
	}
	return r.History().Add(ctx, store.HistoryEntry{ID: newID(), OrgID: a.OrgID, ObjectType: objType, ObjectID: objID, At: now,
		Actor: a.UserID, Action: action, Detail: detail})
}

// tx runs fn in one transaction of the state store, again when the
// database gave up on it for another transaction over the same records (on
// PostgreSQL, detection folding a repeat into an alert the analyst is
// changing can deadlock with it): the analyst's change is made, not
// answered with "busy". Each fn sets what it reports from scratch.
func (s *Service) tx(ctx context.Context, fn func(store.Repos) error) error {
	return store.RetryBusy(ctx, func() error { return s.o.Store.Tx(ctx, fn) })
}

func (s *Service) publish(orgID, channel, typ string, v any) {
	if s.o.Hub != nil {
		s.o.Hub.Publish(orgID, channel, typ, v)
	}
}

// userIn checks that id is a user of the org (for assignment, escalation,
// ownership) and returns it.
func userIn(ctx context.Context, r store.Repos, orgID, id, field string) (store.User, error) {
	u, err := r.Users().Get(ctx, orgID, id)
	if errors.Is(err, store.ErrNotFound) {
		return u, fieldErr(field, "no user %q in this organisation", id)
	}
	if err == nil && u.Disabled {
		return u, fieldErr(field, "user %s is disabled", u.Email)
	}
	return u, err
}

func groupIn(ctx context.Context, r store.Repos, orgID, id, field string) (store.Group, error) {
	g, err := r.Groups().Get(ctx, orgID, id)
	if errors.Is(err, store.ErrNotFound) {
		return g, fieldErr(field, "no work group %q in this organisation", id)
	}
	return g, err
}

// Severities in increasing order.
var Severities = []string{"informational", "low", "medium", "high", "critical"}

func validSeverity(v string) bool { return contains(Severities, v) }

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func clean(s string, max int) string {
	s = strings.TrimSpace(s)
	if len(s) > max {
		s = s[:max]
	}
	return s
}

// Directory resolves user and group ids to what views show, loading each
// org's users and groups once per request.
type Directory struct {
	users  map[string]store.User
	groups map[string]store.Group
}

// Directory loads the org's users and groups.
func (s *Service) Directory(ctx context.Context, orgID string) (*Directory, error) {
	d := &Directory{users: map[string]store.User{}, groups: map[string]store.Group{}}
	users, _, err := s.o.Store.Users().List(ctx, orgID, store.UserFilter{Limit: 100000})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		d.users[u.ID] = u
	}
	groups, err := s.o.Store.Groups().List(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		d.groups[g.ID] = g
	}
	return d, nil
}

// Email is a user's e-mail ("" when unknown).
func (d *Directory) Email(id string) string {
	if d == nil {
		return ""
	}
	return d.users[id].Email
}

// GroupName is a group's name ("" when unknown).
func (d *Directory) GroupName(id string) string {
	if d == nil {
		return ""
	}
	return d.groups[id].Name
}
