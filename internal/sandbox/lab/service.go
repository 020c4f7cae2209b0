// Package lab is the sandbox service around the static analyser
// (internal/sandbox): it takes submissions (files, URLs, domains, IPs,
// hashes), keeps samples content-addressed and never executable, runs the
// analyses asynchronously in a bounded worker pool that survives restarts,
// publishes progress on the "threats" live channel, manages each org's
// YARA rules, asks the external reputation services an org configured,
// and finds the hosts where a file was seen.
package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/eventsec/eventsec/internal/enrich/external"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/sandbox"
	"github.com/eventsec/eventsec/internal/store"
)

// Options configure a Service.
type Options struct {
	Store store.Store
	// Events is searched for the hosts where a file was seen (nil: none).
	Events eventstore.Store
	// Hub receives progress and completion on the "threats" channel.
	Hub *live.Hub
	// SampleDir holds the samples (<data>/blobs/samples). Required.
	SampleDir string
	// KeyFile, when set, turns on AES-256-GCM encryption of samples at
	// rest with the key it holds (created when missing).
	KeyFile string
	// MaxSampleSize bounds a file (default 64 MiB).
	MaxSampleSize int64
	// Workers is how many analyses run at once (default 2).
	Workers int
	// Analyzer is the base analyser configuration (limits, brands); its
	// YARARules are replaced by the org's enabled rules.
	Analyzer sandbox.Options
	// External is the base configuration of the external clients (HTTP
	// client, timeout, rate, cache); API keys and base URLs come from
	// each org's settings.
	External external.Config
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service is the sandbox service. Call Run to process the queue.
type Service struct {
	o       Options
	log     *slog.Logger
	samples *Samples

	mu      sync.Mutex // guards queue, queued, clients
	queue   []jobRef
	queued  map[string]bool
	clients map[string]external.Client
	wake    chan struct{}
}

type jobRef struct{ org, id string }

// New returns the service; the sample directory is created.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.SampleDir == "" {
		return nil, errors.New("cannot create sandbox service: Store and SampleDir are required")
	}
	if o.MaxSampleSize <= 0 {
		o.MaxSampleSize = 64 << 20
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Analyzer.MaxSampleSize = o.MaxSampleSize
	if o.Analyzer.Logger == nil {
		o.Analyzer.Logger = o.Logger
	}
	samples, err := OpenSamples(o.SampleDir, o.MaxSampleSize, o.KeyFile)
	if err != nil {
		return nil, err
	}
	return &Service{o: o, log: o.Logger.With("component", "sandbox.lab"), samples: samples,
		queued: map[string]bool{}, clients: map[string]external.Client{}, wake: make(chan struct{}, 1)}, nil
}

// Actor is who acts, for the audit log.
type Actor struct {
	UserID    string
	Email     string
	ClientIP  string
	RequestID string
}

// Kinds of submissions.
const (
	KindFile   = "file"
	KindURL    = "url"
	KindDomain = "domain"
	KindIP     = "ip"
	KindHash   = "hash"
)

// Input is one submission.
type Input struct {
	// Kind is file, url, domain, ip or hash.
	Kind string
	// Value is what is analysed for every kind but file.
	Value string
	// Name and Reader are the file (kind file).
	Name   string
	Reader io.Reader
	// Reanalyze analyses a file again even when the org already has its
	// analysis.
	Reanalyze bool
	// Source says how the sample came ("upload", "api", "endpoint:<id>").
	Source string
}

// Submission is a submission and its analysis as clients see it.
type Submission struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Target      string     `json:"target"`
	SHA256      string     `json:"sha256,omitempty"`
	Size        int64      `json:"size,omitempty"`
	Status      string     `json:"status"`
	Stage       string     `json:"stage"`
	Progress    int        `json:"progress"`
	Verdict     string     `json:"verdict,omitempty"`
	Score       int        `json:"score"`
	Error       string     `json:"error,omitempty"`
	Source      string     `json:"source"`
	SubmittedBy string     `json:"submitted_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	StartedAt   *time.Time `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	// Duplicate is set on a submit answered with the org's existing
	// analysis of the same file.
	Duplicate bool `json:"duplicate,omitempty"`
	// Report is the sandbox report (present when done, on single reads).
	Report json.RawMessage `json:"report,omitempty"`
	// External are the external services' verdicts (when configured).
	External []ExternalVerdict `json:"external,omitempty"`
}

func submissionOf(s store.SandboxSubmission) Submission {
	out := Submission{ID: s.ID, Kind: s.Kind, Target: s.Target, SHA256: s.SHA256, Size: s.Size, Status: s.Status, Stage: s.Stage,
		Progress: s.Progress, Verdict: s.Verdict, Score: s.Score, Error: s.Error, Source: s.Source, SubmittedBy: s.SubmittedBy,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), StartedAt: utc(s.StartedAt), FinishedAt: utc(s.FinishedAt)}
	if len(s.Report) > 0 {
		out.Report = json.RawMessage(s.Report)
	}
	if len(s.External) > 0 {
		_ = json.Unmarshal(s.External, &out.External) // written by us; unreadable means none
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Info describes the sandbox's capabilities for clients.
type Info struct {
	YARAEnabled    bool   `json:"yara_enabled"`
	YARAMessage    string `json:"yara_message,omitempty"`
	MaxSampleSize  int64  `json:"max_sample_size"`
	EncryptSamples bool   `json:"encrypt_samples"`
	Workers        int    `json:"workers"`
	ZipPassword    string `json:"zip_password"`
}

// Info reports what this server's sandbox can do.
func (s *Service) Info() Info {
	i := Info{YARAEnabled: sandbox.YARAEnabled(), MaxSampleSize: s.o.MaxSampleSize, EncryptSamples: s.samples.Encrypted(),
		Workers: s.o.Workers, ZipPassword: ZipPassword}
	if !i.YARAEnabled {
		i.YARAMessage = ErrYARADisabled.Error()
	}
	return i
}

// MaxSampleSize is the largest file accepted.
func (s *Service) MaxSampleSize() int64 { return s.o.MaxSampleSize }

// SubmitFile submits a file, for callers outside the API (an endpoint's
// collected file). actor is recorded as the submitter ("endpoint:<id>").
func (s *Service) SubmitFile(ctx context.Context, orgID, actor, name string, r io.Reader) (Submission, error) {
	source := "api"
	if strings.HasPrefix(actor, "endpoint:") {
		source = "endpoint"
	}
	return s.Submit(ctx, orgID, Actor{UserID: actor}, Input{Kind: KindFile, Name: name, Reader: r, Source: source})
}

// maxValueLen bounds a URL, domain, IP or hash.
const maxValueLen = 8192

// Submit records a submission and queues its analysis; it returns at once.
// A file the org already analysed is answered with that analysis
// (Duplicate) unless in.Reanalyze.
func (s *Service) Submit(ctx context.Context, orgID string, a Actor, in Input) (Submission, error) {
	now := s.o.Now()
	sub := store.SandboxSubmission{ID: uuid.NewString(), OrgID: orgID, Kind: in.Kind, Status: store.SandboxQueued, Stage: "queued",
		Source: in.Source, SubmittedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if sub.Source == "" {
		sub.Source = "api"
	}
	switch in.Kind {
	case KindFile:
		if in.Reader == nil {
			return Submission{}, fieldErr("file", "send the sample in the form field \"file\"")
		}
		data, err := s.samples.Read(in.Reader)
		if errors.Is(err, ErrTooLarge) {
			return Submission{}, &FieldError{Field: "file", Msg: fmt.Sprintf("the sample is larger than %d bytes", s.o.MaxSampleSize), Details: ErrTooLarge}
		}
		if errors.Is(err, ErrEmpty) {
			return Submission{}, fieldErr("file", "the sample is empty")
		}
		if err != nil {
			return Submission{}, err
		}
		sub.Target, sub.Size = cleanName(in.Name), int64(len(data))
		if sub.Target == "" {
			sub.Target = "sample"
		}
		h, err := s.samples.Put(data)
		if err != nil {
			return Submission{}, err
		}
		sub.SHA256 = h
		if !in.Reanalyze {
			prev, err := s.o.Store.Sandbox().FindBySHA256(ctx, orgID, h)
			if err == nil {
				out := submissionOf(prev)
				out.Duplicate = true
				return out, nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return Submission{}, err
			}
		}
	case KindURL, KindDomain, KindIP, KindHash:
		v := strings.TrimSpace(in.Value)
		if v == "" {
			return Submission{}, fieldErr("value", "give the %s to analyse", in.Kind)
		}
		if len(v) > maxValueLen || !utf8.ValidString(v) {
			return Submission{}, fieldErr("value", "the value must be valid UTF-8 of at most %d bytes", maxValueLen)
		}
		// The analysis of a value takes milliseconds: running it here
		// turns bad input into a 400 instead of a failed job.
		if _, err := s.analyzeValue(ctx, nil, in.Kind, v); err != nil {
			return Submission{}, &FieldError{Field: "value", Msg: strings.TrimPrefix(unwrapMsg(err), "cannot analyse ")}
		}
		sub.Target = v
	case "":
		return Submission{}, fieldErr("kind", "give the kind: url, domain, ip or hash (or send a file)")
	default:
		return Submission{}, fieldErr("kind", "kind must be file, url, domain, ip or hash")
	}
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		if err := r.Sandbox().CreateSubmission(ctx, sub); err != nil {
			return err
		}
		return s.audit(ctx, r, orgID, a, "sandbox.submit", sub.ID, fmt.Sprintf("submitted %s %s", sub.Kind, truncate(sub.Target, 200)))
	})
	if err != nil {
		return Submission{}, err
	}
	// Announced before a worker can take it: a worker's first progress
	// message must not overtake "queued" on the live channel.
	s.publish(orgID, "sandbox.queued", sub)
	s.enqueue(jobRef{orgID, sub.ID})
	return submissionOf(sub), nil
}

// unwrapMsg is the innermost useful part of an analyser error for users.
func unwrapMsg(err error) string {
	msg := err.Error()
	for _, sentinel := range []error{sandbox.ErrInvalidHash, sandbox.ErrEmptyInput} {
		if errors.Is(err, sentinel) {
			return sentinel.Error()
		}
	}
	return msg
}

func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = filepath.Base(strings.TrimSpace(name))
	if name == "." || name == "/" {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	return truncate(name, 255)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Get returns a submission with its report.
func (s *Service) Get(ctx context.Context, orgID, id string) (Submission, error) {
	sub, err := s.o.Store.Sandbox().GetSubmission(ctx, orgID, id)
	if err != nil {
		return Submission{}, err
	}
	return submissionOf(sub), nil
}

// List lists the org's submissions, newest first, without reports.
func (s *Service) List(ctx context.Context, orgID string, f store.SandboxFilter) ([]Submission, int, error) {
	subs, total, err := s.o.Store.Sandbox().ListSubmissions(ctx, orgID, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Submission, 0, len(subs))
	for _, sub := range subs {
		out = append(out, submissionOf(sub))
	}
	return out, total, nil
}

// Delete removes a submission; its sample goes when no submission of any
// org still refers to it.
func (s *Service) Delete(ctx context.Context, orgID string, a Actor, id string) error {
	sub, err := s.o.Store.Sandbox().GetSubmission(ctx, orgID, id)
	if err != nil {
		return err
	}
	err = s.o.Store.Tx(ctx, func(r store.Repos) error {
		if err := r.Sandbox().DeleteSubmission(ctx, orgID, id); err != nil {
			return err
		}
		return s.audit(ctx, r, orgID, a, "sandbox.delete", id, fmt.Sprintf("deleted %s %s", sub.Kind, truncate(sub.Target, 200)))
	})
	if err != nil {
		return err
	}
	if sub.SHA256 != "" {
		n, err := s.o.Store.Sandbox().CountSHA256AllOrgs(ctx, sub.SHA256)
		if err != nil {
			return err
		}
		if n == 0 {
			return s.samples.Delete(sub.SHA256)
		}
	}
	return nil
}

// Reanalyze queues a submission's analysis again (new YARA rules, new
// external verdicts). The old report stays until the new one is done.
func (s *Service) Reanalyze(ctx context.Context, orgID string, a Actor, id string) (Submission, error) {
	var sub store.SandboxSubmission
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		var err error
		if sub, err = r.Sandbox().GetSubmission(ctx, orgID, id); err != nil {
			return err
		}
		sub.Status, sub.Stage, sub.Progress, sub.Error, sub.UpdatedAt = store.SandboxQueued, "queued", 0, "", s.o.Now()
		if err := r.Sandbox().UpdateSubmission(ctx, sub); err != nil {
			return err
		}
		return s.audit(ctx, r, orgID, a, "sandbox.reanalyze", id, "re-analysis of "+truncate(sub.Target, 200))
	})
	if err != nil {
		return Submission{}, err
	}
	s.publish(orgID, "sandbox.queued", sub) // before a worker can report progress
	s.enqueue(jobRef{orgID, id})
	return submissionOf(sub), nil
}

// Download writes the submission's sample as a ZIP encrypted with the
// password "infected" and returns the archive's suggested file name.
func (s *Service) Download(ctx context.Context, orgID, id string, w io.Writer) (string, error) {
	sub, err := s.o.Store.Sandbox().GetSubmission(ctx, orgID, id)
	if err != nil {
		return "", err
	}
	if sub.Kind != KindFile || sub.SHA256 == "" {
		return "", fmt.Errorf("cannot download %s submission: %w", sub.Kind, ErrNoSample)
	}
	data, err := s.samples.Get(sub.SHA256)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := WriteEncryptedZip(&buf, sub.Target, data, ZipPassword, sub.CreatedAt); err != nil {
		return "", err
	}
	if _, err := buf.WriteTo(w); err != nil {
		return "", fmt.Errorf("cannot send archive: %w", err)
	}
	return sub.SHA256 + ".zip", nil
}

func (s *Service) audit(ctx context.Context, r store.Repos, orgID string, a Actor, action, targetID, summary string) error {
	_, err := r.Audit().Append(ctx, store.AuditEntry{OrgID: orgID, Time: s.o.Now(), ActorID: a.UserID, ActorEmail: a.Email,
		Action: action, TargetType: "sandbox", TargetID: targetID, Summary: truncate(summary, 1000), ClientIP: a.ClientIP, RequestID: a.RequestID})
	return err
}

// Event types on the threats channel.
const (
	EventQueued   = "sandbox.queued"
	EventProgress = "sandbox.progress"
	EventDone     = "sandbox.done"
)

// progressMessage is what the live channel carries.
type progressMessage struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Target   string `json:"target"`
	Status   string `json:"status"`
	Stage    string `json:"stage"`
	Progress int    `json:"progress"`
	Verdict  string `json:"verdict,omitempty"`
	Score    int    `json:"score"`
	Error    string `json:"error,omitempty"`
}

func (s *Service) publish(orgID, typ string, sub store.SandboxSubmission) {
	if s.o.Hub == nil {
		return
	}
	s.o.Hub.Publish(orgID, live.ChannelThreats, typ, progressMessage{ID: sub.ID, Kind: sub.Kind, Target: sub.Target, Status: sub.Status,
		Stage: sub.Stage, Progress: sub.Progress, Verdict: sub.Verdict, Score: sub.Score, Error: sub.Error})
}
