package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/store"
)

// Options configures a Service.
type Options struct {
	Store store.Store
	// BlobDir keeps quarantined raw messages, content-addressed per org.
	BlobDir string
	// Files and Intel, when set, add sandbox and threat-intel analysis.
	Files FileAnalyzer
	Intel IntelChecker
	// Events, when set, receives an ECS event (event.category email) for
	// every analysed message of at least a suspicious verdict, so that
	// detection rules run over it. It must return once the events are
	// durable.
	Events func(ctx context.Context, evs []event.Event) error
	// MaxSize bounds a message (default 25 MiB).
	MaxSize int64
	// MaxPerPoll bounds the messages one poll of a mailbox takes (default 50).
	MaxPerPoll int
	// HTTPClient calls the Gmail and Graph APIs (default: 30 s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

// Service analyses messages, keeps reports and the quarantine, and polls
// mailboxes.
type Service struct {
	o   Options
	an  *Analyzer
	log *slog.Logger
	// mu guards polling: the mailboxes being polled now.
	mu      sync.Mutex
	polling map[string]bool
	tokens  tokenCache
}

// New returns a Service.
func New(o Options) *Service {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.MaxPerPoll <= 0 {
		o.MaxPerPoll = 50
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{o: o, log: o.Logger, polling: map[string]bool{}, tokens: tokenCache{m: map[string]cachedToken{}},
		an: NewAnalyzer(AnalyzerOptions{Files: o.Files, Intel: o.Intel, Logger: o.Logger, Now: o.Now})}
}

// MaxSize is the largest message the service takes.
func (s *Service) MaxSize() int64 { return s.o.MaxSize }

// Actor is who acts, for the audit log.
type Actor struct {
	OrgID, UserID, Email, ClientIP, RequestID string
}

// Settings are an org's e-mail analysis settings.
type Settings struct {
	Policy Policy `json:"policy"`
	// QuarantineVerdict is the least severe verdict that is quarantined
	// (default suspicious).
	QuarantineVerdict Verdict `json:"quarantine_verdict"`
	// RaiseAlerts sends an ECS event for every quarantined message into the
	// event pipeline, where detection rules can raise alerts.
	RaiseAlerts bool `json:"raise_alerts"`
}

func (s *Service) settings(ctx context.Context, orgID string) (Settings, error) {
	st := Settings{QuarantineVerdict: VerdictSuspicious, RaiseAlerts: true}
	b, err := s.o.Store.Email().Policy(ctx, orgID)
	if err != nil {
		return st, err
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &st); err != nil {
			return st, fmt.Errorf("cannot read e-mail settings: %w", err)
		}
	}
	if st.QuarantineVerdict.Rank() < 1 {
		st.QuarantineVerdict = VerdictSuspicious
	}
	return st, nil
}

// Analysis is a stored report.
type Analysis struct {
	ID           string
	OrgID        string
	Source       string
	MailboxID    string
	CreatedBy    string
	CreatedAt    time.Time
	Report       *Report
	QuarantineID string
}

// Source of an analysed message.
type Source struct {
	Kind      string // "upload" or "mailbox"
	MailboxID string
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Analyze parses, analyses and stores a message for the actor's org; a
// message at or over the org's quarantine verdict is quarantined.
func (s *Service) Analyze(ctx context.Context, a Actor, raw []byte, src Source) (Analysis, error) {
	if int64(len(raw)) > s.o.MaxSize {
		return Analysis{}, fmt.Errorf("cannot analyse message: %w (%d > %d bytes)", ErrTooLarge, len(raw), s.o.MaxSize)
	}
	m, err := Parse(raw, ParseOptions{MaxSize: s.o.MaxSize})
	if err != nil {
		return Analysis{}, err
	}
	st, err := s.settings(ctx, a.OrgID)
	if err != nil {
		return Analysis{}, err
	}
	rep, err := s.an.Analyze(ctx, a.OrgID, st.Policy, m)
	if err != nil {
		return Analysis{}, err
	}
	if src.Kind == "" {
		src.Kind = "upload"
	}
	now := s.o.Now().UTC()
	an := Analysis{ID: newID(), OrgID: a.OrgID, Source: src.Kind, MailboxID: src.MailboxID, CreatedBy: a.UserID, CreatedAt: now, Report: rep}
	quarantine := rep.Verdict.Rank() >= st.QuarantineVerdict.Rank()
	var q store.QuarantineItem
	if quarantine {
		if err := s.putBlob(a.OrgID, m.SHA256, raw); err != nil {
			return Analysis{}, err
		}
		an.QuarantineID = newID()
		var recips []string
		for _, x := range append(append([]Address{}, m.To...), m.Cc...) {
			if x.Address != "" && len(recips) < 50 {
				recips = append(recips, x.Address)
			}
		}
		q = store.QuarantineItem{ID: an.QuarantineID, OrgID: a.OrgID, ReportID: an.ID, SHA256: m.SHA256, Size: m.Size,
			Subject: clip(m.Subject, 500), FromAddr: fromAddr(m), Recipients: recips, Verdict: string(rep.Verdict), Score: rep.Score,
			MailboxID: src.MailboxID, Status: store.QuarantineHeld, CreatedAt: now}
	}
	body, err := json.Marshal(storedReport{Report: rep, QuarantineID: an.QuarantineID})
	if err != nil {
		return Analysis{}, fmt.Errorf("cannot encode report: %w", err)
	}
	from := Address{}
	if m.From != nil {
		from = *m.From
	}
	rec := store.EmailReport{ID: an.ID, OrgID: a.OrgID, MessageID: clip(m.MessageID, 500), Subject: clip(m.Subject, 500), FromAddr: from.Address,
		FromName: clip(from.Name, 300), Verdict: string(rep.Verdict), Score: rep.Score, Source: src.Kind, MailboxID: src.MailboxID,
		SHA256: m.SHA256, Size: m.Size, Report: body, CreatedBy: a.UserID, CreatedAt: now}
	err = s.o.Store.Tx(ctx, func(r store.Repos) error {
		if err := r.Email().CreateReport(ctx, rec); err != nil {
			return err
		}
		if quarantine {
			if err := r.Email().CreateQuarantine(ctx, q); err != nil {
				return err
			}
		}
		if src.Kind == "upload" {
			return s.audit(ctx, r, a, "email.analyze", "email_report", an.ID,
				fmt.Sprintf("analysed %q from %s: %s (%d)", clip(m.Subject, 120), from.Address, rep.Verdict, rep.Score))
		}
		return nil
	})
	if err != nil {
		return Analysis{}, fmt.Errorf("cannot store e-mail report: %w", err)
	}
	if quarantine && st.RaiseAlerts && s.o.Events != nil {
		if err := s.o.Events(ctx, []event.Event{s.emailEvent(a.OrgID, an, m)}); err != nil {
			s.log.Warn("cannot send the e-mail event to the pipeline", "report", an.ID, "err", err)
		}
	}
	return an, nil
}

// storedReport is the JSON kept with a report.
type storedReport struct {
	Report       *Report `json:"report"`
	QuarantineID string  `json:"quarantine_id,omitempty"`
}

func fromAddr(m *Message) string {
	if m.From != nil {
		return m.From.Address
	}
	return ""
}

// GetReport returns a stored analysis.
func (s *Service) GetReport(ctx context.Context, orgID, id string) (Analysis, error) {
	r, err := s.o.Store.Email().GetReport(ctx, orgID, id)
	if err != nil {
		return Analysis{}, err
	}
	var sr storedReport
	if err := json.Unmarshal(r.Report, &sr); err != nil {
		return Analysis{}, fmt.Errorf("cannot read stored report %s: %w", id, err)
	}
	return Analysis{ID: r.ID, OrgID: r.OrgID, Source: r.Source, MailboxID: r.MailboxID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
		Report: sr.Report, QuarantineID: sr.QuarantineID}, nil
}

// ListReports lists an org's analysed messages, newest first.
func (s *Service) ListReports(ctx context.Context, orgID string, f store.EmailReportFilter) ([]store.EmailReport, int, error) {
	if f.Verdict != "" && Verdict(f.Verdict).Rank() < 0 {
		return nil, 0, fieldErr("verdict", "verdict must be clean, suspicious, phishing or malicious")
	}
	return s.o.Store.Email().ListReports(ctx, orgID, f)
}

// ListQuarantine lists an org's quarantined messages, newest first.
func (s *Service) ListQuarantine(ctx context.Context, orgID string, f store.QuarantineFilter) ([]store.QuarantineItem, int, error) {
	switch f.Status {
	case "", store.QuarantineHeld, store.QuarantineReleased:
	default:
		return nil, 0, fieldErr("status", "status must be quarantined or released")
	}
	return s.o.Store.Email().ListQuarantine(ctx, orgID, f)
}

// GetQuarantine returns a quarantined message's record.
func (s *Service) GetQuarantine(ctx context.Context, orgID, id string) (store.QuarantineItem, error) {
	return s.o.Store.Email().GetQuarantine(ctx, orgID, id)
}

// Release marks a quarantined message released (audited). The raw message
// stays downloadable until the item is deleted.
func (s *Service) Release(ctx context.Context, a Actor, id string) (store.QuarantineItem, error) {
	var out store.QuarantineItem
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		q, err := r.Email().GetQuarantine(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Email().ReleaseQuarantine(ctx, a.OrgID, id, a.UserID, s.o.Now().UTC()); err != nil {
			return err
		}
		if out, err = r.Email().GetQuarantine(ctx, a.OrgID, id); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "email.quarantine.release", "email_quarantine", id,
			fmt.Sprintf("released %q from %s (%s)", clip(q.Subject, 120), q.FromAddr, q.Verdict))
	})
	return out, err
}

// DeleteQuarantine deletes a quarantined message and, when no other item
// of the org keeps it, its raw copy (audited).
func (s *Service) DeleteQuarantine(ctx context.Context, a Actor, id string) error {
	var q store.QuarantineItem
	left := 0
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		var err error
		if q, err = r.Email().GetQuarantine(ctx, a.OrgID, id); err != nil {
			return err
		}
		if err := r.Email().DeleteQuarantine(ctx, a.OrgID, id); err != nil {
			return err
		}
		if left, err = r.Email().CountQuarantineBlob(ctx, a.OrgID, q.SHA256); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "email.quarantine.delete", "email_quarantine", id,
			fmt.Sprintf("deleted %q from %s (%s)", clip(q.Subject, 120), q.FromAddr, q.Verdict))
	})
	if err != nil {
		return err
	}
	if left == 0 {
		if err := os.Remove(s.blobPath(a.OrgID, q.SHA256)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("cannot remove quarantined message", "sha256", q.SHA256, "err", err)
		}
	}
	return nil
}

// OpenRaw opens a quarantined message's raw .eml.
func (s *Service) OpenRaw(ctx context.Context, orgID, id string) (store.QuarantineItem, io.ReadCloser, error) {
	q, err := s.o.Store.Email().GetQuarantine(ctx, orgID, id)
	if err != nil {
		return q, nil, err
	}
	f, err := os.Open(s.blobPath(orgID, q.SHA256))
	if err != nil {
		return q, nil, fmt.Errorf("cannot open quarantined message: %w", err)
	}
	return q, f, nil
}

func (s *Service) blobPath(orgID, sha string) string {
	if len(sha) < 4 || strings.ContainsAny(sha, `/\.`) || strings.ContainsAny(orgID, `/\`) || orgID == ".." {
		return filepath.Join(s.o.BlobDir, "invalid")
	}
	return filepath.Join(s.o.BlobDir, orgID, sha[:2], sha)
}

// putBlob stores raw under its digest (once: content-addressed).
func (s *Service) putBlob(orgID, sha string, raw []byte) error {
	if s.o.BlobDir == "" {
		return fmt.Errorf("cannot quarantine message: %w: no blob directory", ErrUnavailable)
	}
	p := s.blobPath(orgID, sha)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("cannot quarantine message: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot quarantine message: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot quarantine message: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot quarantine message: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot quarantine message: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("cannot quarantine message: %w", err)
	}
	return nil
}

func (s *Service) audit(ctx context.Context, r store.Repos, a Actor, action, targetType, targetID, summary string) error {
	_, err := r.Audit().Append(ctx, store.AuditEntry{OrgID: a.OrgID, Time: s.o.Now(), ActorID: a.UserID, ActorEmail: a.Email,
		Action: action, TargetType: targetType, TargetID: targetID, Summary: clip(summary, 1000), ClientIP: a.ClientIP, RequestID: a.RequestID})
	return err
}

// emailEvent is the ECS event of an analysed message.
func (s *Service) emailEvent(orgID string, an Analysis, m *Message) event.Event {
	rep := an.Report
	f := event.Fields{
		"event.kind": "alert", "event.category": []string{"email"}, "event.type": []string{"info"},
		"event.action": "email-analyzed", "event.dataset": "eventsec.email", "event.module": "email",
		"event.outcome": "success", "event.risk_score": float64(rep.Score), "event.id": an.ID,
		"email.subject": m.Subject, "email.message_id": m.MessageID, "email.direction": "inbound",
		"eventsec.email.verdict": string(rep.Verdict), "eventsec.email.report_id": an.ID, "eventsec.email.quarantine_id": an.QuarantineID,
		"message": fmt.Sprintf("E-mail %s (score %d): %q from %s", rep.Verdict, rep.Score, clip(m.Subject, 200), fromAddr(m)),
	}
	switch rep.Verdict {
	case VerdictMalicious:
		f["event.severity"] = int64(90)
	case VerdictPhishing:
		f["event.severity"] = int64(73)
	default:
		f["event.severity"] = int64(47)
	}
	if m.From != nil {
		f["email.from.address"] = []string{m.From.Address}
		if m.From.Name != "" {
			f["email.sender.address"] = m.From.Address
		}
	}
	var to []string
	for _, x := range m.To {
		to = append(to, x.Address)
	}
	if len(to) > 0 {
		f["email.to.address"] = to
	}
	var rt []string
	for _, x := range m.ReplyTo {
		rt = append(rt, x.Address)
	}
	if len(rt) > 0 {
		f["email.reply_to.address"] = rt
	}
	if m.Date != nil {
		f["email.origination_timestamp"] = m.Date.UTC().Format(time.RFC3339)
	}
	var codes []string
	for _, r := range rep.Reasons {
		codes = append(codes, r.Code)
	}
	f["eventsec.email.reasons"] = codes
	var names, hashes []string
	for _, at := range rep.Attachments {
		names = append(names, at.Filename)
		hashes = append(hashes, at.SHA256)
	}
	if len(names) > 0 {
		f["email.attachments.file.name"] = names
		f["email.attachments.file.hash.sha256"] = hashes
	}
	var urls []string
	for _, u := range rep.URLs {
		if len(urls) < 50 {
			urls = append(urls, u.URL)
		}
	}
	if len(urls) > 0 {
		f["url.full"] = urls
	}
	for _, h := range m.Received {
		if h.IPClass == "public" {
			f["source.ip"] = h.FromIP
			break
		}
	}
	raw, _ := json.Marshal(map[string]any{"report_id": an.ID, "verdict": rep.Verdict, "score": rep.Score, "subject": m.Subject,
		"from": fromAddr(m), "message_id": m.MessageID})
	ts := an.CreatedAt
	return event.Event{ID: "email-" + an.ID, OrgID: orgID, Timestamp: ts, Ingested: ts, Input: "email", Raw: string(raw), Fields: f}
}
