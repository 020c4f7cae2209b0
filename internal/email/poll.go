package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// MailboxView is a mailbox as the API shows it: secrets blanked, with the
// names of the secrets that are set, and the poller's state.
type MailboxView struct {
	ID              string        `json:"id"`
	Name            string        `json:"name"`
	Kind            string        `json:"kind"`
	Enabled         bool          `json:"enabled"`
	IntervalSeconds int           `json:"interval_seconds"`
	Config          MailboxConfig `json:"config"`
	SecretsSet      []string      `json:"secrets_set"`
	UIDValidity     uint32        `json:"uid_validity"`
	LastUID         uint32        `json:"last_uid"`
	Cursor          string        `json:"cursor"`
	LastPollAt      *time.Time    `json:"last_poll_at"`
	LastError       string        `json:"last_error"`
	LastCount       int           `json:"last_count"`
	NextPollAt      time.Time     `json:"next_poll_at"`
}

// SettingsView is an org's settings with its mailboxes.
type SettingsView struct {
	Settings
	Mailboxes []MailboxView `json:"mailboxes"`
}

// MailboxInput is a mailbox as a client sends it. An empty ID creates one.
type MailboxInput struct {
	ID              string        `json:"id"`
	Name            string        `json:"name"`
	Kind            string        `json:"kind"`
	Enabled         bool          `json:"enabled"`
	IntervalSeconds int           `json:"interval_seconds"`
	Config          MailboxConfig `json:"config"`
}

// SettingsInput replaces an org's settings and its set of mailboxes:
// mailboxes missing from it are deleted. Secrets left empty keep their
// stored values.
type SettingsInput struct {
	Settings
	Mailboxes []MailboxInput `json:"mailboxes"`
}

func viewMailbox(m store.Mailbox) MailboxView {
	cfg, _ := decodeConfig(m.Config)
	v := MailboxView{ID: m.ID, Name: m.Name, Kind: m.Kind, Enabled: m.Enabled, IntervalSeconds: m.IntervalSeconds, Config: cfg.redacted(),
		SecretsSet: cfg.secretsSet(), UIDValidity: m.UIDValidity, LastUID: m.LastUID, Cursor: m.Cursor, LastPollAt: m.LastPollAt,
		LastError: m.LastError, LastCount: m.LastCount, NextPollAt: m.NextPollAt}
	if v.SecretsSet == nil {
		v.SecretsSet = []string{}
	}
	return v
}

// GetSettings returns the org's settings and mailboxes, secrets redacted.
func (s *Service) GetSettings(ctx context.Context, orgID string) (SettingsView, error) {
	st, err := s.settings(ctx, orgID)
	if err != nil {
		return SettingsView{}, err
	}
	ms, err := s.o.Store.Email().ListMailboxes(ctx, orgID)
	if err != nil {
		return SettingsView{}, err
	}
	// Empty lists, not null, for clients.
	for _, l := range []*[]string{&st.Policy.OrgDomains, &st.Policy.Brands, &st.Policy.Executives} {
		if *l == nil {
			*l = []string{}
		}
	}
	v := SettingsView{Settings: st, Mailboxes: []MailboxView{}}
	for _, m := range ms {
		v.Mailboxes = append(v.Mailboxes, viewMailbox(m))
	}
	return v, nil
}

func cleanList(field string, in []string, max int) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for i, x := range in {
		x = strings.TrimSpace(x)
		if x == "" || seen[strings.ToLower(x)] {
			continue
		}
		if len(x) > 200 {
			return nil, fieldErr(fmt.Sprintf("%s[%d]", field, i), "at most 200 characters")
		}
		seen[strings.ToLower(x)] = true
		out = append(out, x)
	}
	if len(out) > max {
		return nil, fieldErr(field, "at most %d entries", max)
	}
	return out, nil
}

// PutSettings replaces the org's settings and mailboxes (audited).
func (s *Service) PutSettings(ctx context.Context, a Actor, in SettingsInput) (SettingsView, error) {
	var err error
	p := &in.Policy
	if p.OrgDomains, err = cleanList("policy.org_domains", p.OrgDomains, 100); err != nil {
		return SettingsView{}, err
	}
	for i, d := range p.OrgDomains {
		if strings.ContainsAny(d, " /@:") || !strings.Contains(d, ".") {
			return SettingsView{}, fieldErr(fmt.Sprintf("policy.org_domains[%d]", i), "%q is not a domain name", d)
		}
		p.OrgDomains[i] = strings.ToLower(d)
	}
	if p.Brands, err = cleanList("policy.brands", p.Brands, 200); err != nil {
		return SettingsView{}, err
	}
	if p.Executives, err = cleanList("policy.executives", p.Executives, 200); err != nil {
		return SettingsView{}, err
	}
	switch in.QuarantineVerdict {
	case "":
		in.QuarantineVerdict = VerdictSuspicious
	case VerdictSuspicious, VerdictPhishing, VerdictMalicious:
	default:
		return SettingsView{}, fieldErr("quarantine_verdict", "quarantine_verdict must be suspicious, phishing or malicious")
	}
	if len(in.Mailboxes) > 50 {
		return SettingsView{}, fieldErr("mailboxes", "at most 50 mailboxes")
	}
	names := map[string]bool{}
	for i := range in.Mailboxes {
		mb := &in.Mailboxes[i]
		f := fmt.Sprintf("mailboxes[%d]", i)
		mb.Name = strings.TrimSpace(mb.Name)
		if mb.Name == "" || len(mb.Name) > 100 {
			return SettingsView{}, fieldErr(f+".name", "give a name of 1 to 100 characters")
		}
		if names[strings.ToLower(mb.Name)] {
			return SettingsView{}, fieldErr(f+".name", "another mailbox has the name %q", mb.Name)
		}
		names[strings.ToLower(mb.Name)] = true
		if mb.IntervalSeconds == 0 {
			mb.IntervalSeconds = DefaultPollInterval
		}
		if mb.IntervalSeconds < MinPollInterval || mb.IntervalSeconds > MaxPollInterval {
			return SettingsView{}, fieldErr(f+".interval_seconds", "interval_seconds must be %d to %d", MinPollInterval, MaxPollInterval)
		}
	}
	body, err := json.Marshal(in.Settings)
	if err != nil {
		return SettingsView{}, err
	}
	now := s.o.Now().UTC()
	err = s.o.Store.Tx(ctx, func(r store.Repos) error {
		old, err := r.Email().ListMailboxes(ctx, a.OrgID)
		if err != nil {
			return err
		}
		byID := map[string]store.Mailbox{}
		for _, m := range old {
			byID[m.ID] = m
		}
		keep := map[string]bool{}
		// Deletions first, so a new mailbox can take a removed one's name.
		for _, mb := range in.Mailboxes {
			keep[mb.ID] = true
		}
		for _, m := range old {
			if !keep[m.ID] {
				if err := r.Email().DeleteMailbox(ctx, a.OrgID, m.ID); err != nil {
					return err
				}
			}
		}
		for i, mb := range in.Mailboxes {
			f := fmt.Sprintf("mailboxes[%d]", i)
			prev, exists := byID[mb.ID]
			if mb.ID != "" && !exists {
				return fieldErr(f+".id", "no mailbox %q: leave id empty to add one", mb.ID)
			}
			cfg := mb.Config
			if exists && prev.Kind == mb.Kind {
				oldCfg, _ := decodeConfig(prev.Config)
				cfg.keepSecrets(oldCfg)
			}
			if err := cfg.validate(mb.Kind, f+".config"); err != nil {
				if fe := (*FieldError)(nil); errors.As(err, &fe) && strings.HasSuffix(fe.Field, ".kind") {
					fe.Field = f + ".kind"
				}
				return err
			}
			cb, err := json.Marshal(cfg)
			if err != nil {
				return err
			}
			rec := store.Mailbox{ID: mb.ID, OrgID: a.OrgID, Name: mb.Name, Kind: mb.Kind, Enabled: mb.Enabled, Config: cb,
				IntervalSeconds: mb.IntervalSeconds, NextPollAt: now, CreatedAt: now, UpdatedAt: now}
			if !exists {
				rec.ID = newID()
				if err := r.Email().CreateMailbox(ctx, rec); err != nil {
					return err
				}
				continue
			}
			if err := r.Email().UpdateMailbox(ctx, rec); err != nil {
				return err
			}
			if moved(prev, rec) {
				if err := r.Email().ResetMailboxState(ctx, a.OrgID, rec.ID); err != nil {
					return err
				}
			}
		}
		if err := r.Email().PutPolicy(ctx, a.OrgID, body, now); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "email.settings.update", "email_settings", a.OrgID,
			fmt.Sprintf("e-mail settings: %d own domains, %d brands, %d executives, %d mailboxes", len(p.OrgDomains), len(p.Brands),
				len(p.Executives), len(in.Mailboxes)))
	})
	if err != nil {
		return SettingsView{}, err
	}
	return s.GetSettings(ctx, a.OrgID)
}

// moved reports whether a mailbox now points at another folder or account,
// whose positions mean nothing for the old one.
func moved(prev, next store.Mailbox) bool {
	if prev.Kind != next.Kind {
		return true
	}
	a, _ := decodeConfig(prev.Config)
	b, _ := decodeConfig(next.Config)
	switch {
	case a.IMAP != nil && b.IMAP != nil:
		return a.IMAP.Host != b.IMAP.Host || a.IMAP.Username != b.IMAP.Username || a.IMAP.Folder != b.IMAP.Folder
	case a.Gmail != nil && b.Gmail != nil:
		return a.Gmail.User != b.Gmail.User || a.Gmail.Query != b.Gmail.Query
	case a.Graph != nil && b.Graph != nil:
		return a.Graph.User != b.Graph.User || a.Graph.Folder != b.Graph.Folder || a.Graph.TenantID != b.Graph.TenantID
	}
	return false
}

// PollResult is what one poll of a mailbox did.
type PollResult struct {
	MailboxID   string    `json:"mailbox_id"`
	StartedAt   time.Time `json:"started_at"`
	DurationMS  int64     `json:"duration_ms"`
	Fetched     int       `json:"fetched"`
	Analyzed    int       `json:"analyzed"`
	Quarantined int       `json:"quarantined"`
	// Skipped are messages over the size limit or not parseable.
	Skipped   int         `json:"skipped"`
	ReportIDs []string    `json:"report_ids"`
	Error     string      `json:"error,omitempty"`
	Mailbox   MailboxView `json:"mailbox"`
}

// PollNow polls one mailbox of the actor's org at once.
func (s *Service) PollNow(ctx context.Context, a Actor, id string) (PollResult, error) {
	mb, err := s.o.Store.Email().GetMailbox(ctx, a.OrgID, id)
	if err != nil {
		return PollResult{}, err
	}
	return s.poll(ctx, mb)
}

// fetchedMessage is one message a connector hands over.
type fetchedMessage struct {
	raw []byte
	// tooLarge is set (raw nil) for a message over the size limit.
	tooLarge bool
}

// position is a connector's place in a mailbox.
type position struct {
	UIDValidity, LastUID uint32
	Cursor               string
}

// handler receives each new message, oldest first; an error stops the poll
// without advancing past the message.
type handler func(ctx context.Context, m fetchedMessage) error

func (s *Service) poll(ctx context.Context, mb store.Mailbox) (PollResult, error) {
	key := mb.OrgID + "/" + mb.ID
	s.mu.Lock()
	if s.polling[key] {
		s.mu.Unlock()
		return PollResult{}, ErrBusy
	}
	s.polling[key] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.polling, key)
		s.mu.Unlock()
	}()
	start := s.o.Now()
	res := PollResult{MailboxID: mb.ID, StartedAt: start.UTC(), ReportIDs: []string{}}
	cfg, err := decodeConfig(mb.Config)
	pos := position{UIDValidity: mb.UIDValidity, LastUID: mb.LastUID, Cursor: mb.Cursor}
	handle := func(ctx context.Context, m fetchedMessage) error {
		res.Fetched++
		if m.tooLarge {
			res.Skipped++
			return nil
		}
		an, err := s.Analyze(ctx, Actor{OrgID: mb.OrgID, UserID: "mailbox:" + mb.ID, Email: mb.Name}, m.raw, Source{Kind: "mailbox", MailboxID: mb.ID})
		switch {
		case errors.Is(err, ErrNotMessage) || errors.Is(err, ErrTooLarge):
			res.Skipped++
			return nil
		case err != nil:
			return err
		}
		res.Analyzed++
		res.ReportIDs = append(res.ReportIDs, an.ID)
		if an.QuarantineID != "" {
			res.Quarantined++
		}
		return nil
	}
	if err == nil {
		switch mb.Kind {
		case KindIMAP:
			if cfg.IMAP == nil {
				err = fmt.Errorf("%w: no IMAP settings", ErrInvalid)
				break
			}
			pos, err = s.pollIMAP(ctx, *cfg.IMAP, pos, handle)
		case KindGmail:
			if cfg.Gmail == nil {
				err = fmt.Errorf("%w: no Gmail settings", ErrInvalid)
				break
			}
			pos, err = s.pollGmail(ctx, mb.OrgID+"/"+mb.ID, *cfg.Gmail, pos, handle)
		case KindGraph:
			if cfg.Graph == nil {
				err = fmt.Errorf("%w: no Graph settings", ErrInvalid)
				break
			}
			pos, err = s.pollGraph(ctx, mb.OrgID+"/"+mb.ID, *cfg.Graph, pos, handle)
		default:
			err = fmt.Errorf("%w: unknown mailbox kind %q", ErrInvalid, mb.Kind)
		}
	}
	now := s.o.Now()
	res.DurationMS = now.Sub(start).Milliseconds()
	st := store.MailboxState{UIDValidity: pos.UIDValidity, LastUID: pos.LastUID, Cursor: pos.Cursor, LastPollAt: now.UTC(),
		LastCount: res.Analyzed, NextPollAt: now.Add(time.Duration(max(mb.IntervalSeconds, MinPollInterval)) * time.Second)}
	if err != nil {
		res.Error = clip(err.Error(), 500)
		st.LastError = res.Error
		s.log.Warn("mailbox poll failed", "org", mb.OrgID, "mailbox", mb.ID, "kind", mb.Kind, "err", err)
	}
	// The state is saved with a context of its own: a poll cut short by
	// shutdown still records how far it got.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if serr := s.o.Store.Email().SaveMailboxState(sctx, mb.OrgID, mb.ID, st); serr != nil {
		return res, serr
	}
	if saved, gerr := s.o.Store.Email().GetMailbox(sctx, mb.OrgID, mb.ID); gerr == nil {
		res.Mailbox = viewMailbox(saved)
	}
	return res, nil
}

// Run polls due mailboxes of every org until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		due, err := s.o.Store.Email().DueMailboxes(ctx, s.o.Now(), 20)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("cannot list due mailboxes", "err", err)
		}
		for _, mb := range due {
			if ctx.Err() != nil {
				return
			}
			if _, err := s.poll(ctx, mb); err != nil && !errors.Is(err, ErrBusy) {
				s.log.Warn("cannot poll mailbox", "org", mb.OrgID, "mailbox", mb.ID, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
