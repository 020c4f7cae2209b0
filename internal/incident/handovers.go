package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// HandoverView is a handover as the API shows it.
type HandoverView struct {
	ID          string           `json:"id"`
	Group       string           `json:"group"`
	GroupName   string           `json:"group_name"`
	Author      string           `json:"author"`
	AuthorEmail string           `json:"author_email"`
	Subject     string           `json:"subject"`
	Body        string           `json:"body"`
	BodyHTML    string           `json:"body_html"`
	Recipients  []string         `json:"recipients"`
	ChannelID   string           `json:"channel_id"`
	Status      string           `json:"status"`
	Error       string           `json:"error"`
	SentAt      *time.Time       `json:"sent_at"`
	Snapshot    HandoverSnapshot `json:"snapshot"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// HandoverSnapshot counts what a handover covered.
type HandoverSnapshot struct {
	Alerts    int `json:"alerts"`
	Incidents int `json:"incidents"`
	Tasks     int `json:"tasks"`
}

func (s *Service) handoverView(dir *Directory, h store.Handover) HandoverView {
	v := HandoverView{ID: h.ID, Group: h.Group, GroupName: dir.GroupName(h.Group), Author: h.Author, AuthorEmail: dir.Email(h.Author),
		Subject: h.Subject, Body: h.Body, BodyHTML: RenderMarkdown(h.Body), Recipients: h.Recipients, ChannelID: h.ChannelID,
		Status: h.Status, Error: h.Error, SentAt: h.SentAt, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt}
	if v.Recipients == nil {
		v.Recipients = []string{}
	}
	_ = json.Unmarshal([]byte(h.Snapshot), &v.Snapshot)
	return v
}

// Composed is a handover drafted from the team's open work.
type Composed struct {
	Subject  string           `json:"subject"`
	Body     string           `json:"body"`
	Snapshot HandoverSnapshot `json:"snapshot"`
}

// Compose drafts a handover from the open alerts, incidents and tasks of
// a work group (or of the whole org when group is "").
func (s *Service) Compose(ctx context.Context, a Actor, group string) (Composed, error) {
	dir, err := s.Directory(ctx, a.OrgID)
	if err != nil {
		return Composed{}, err
	}
	var members map[string]bool
	name := "the SOC"
	if group != "" {
		g, err := s.o.Store.Groups().Get(ctx, a.OrgID, group)
		if err != nil {
			if isNotFound(err) {
				return Composed{}, fieldErr("group", "no work group %q in this organisation", group)
			}
			return Composed{}, err
		}
		name = g.Name
		members = map[string]bool{}
		for _, m := range g.Members {
			members[m.UserID] = true
		}
	}
	mine := func(user, grp string) bool {
		return members == nil || grp == group || members[user]
	}
	open := []string{store.AlertNew, store.AlertAcknowledged, store.AlertInProgress, store.AlertEscalated}
	alerts, _, err := s.o.Store.Alerts().List(ctx, a.OrgID, store.AlertFilter{Statuses: open, Limit: 500})
	if err != nil {
		return Composed{}, err
	}
	incs, _, err := s.o.Store.Incidents().List(ctx, a.OrgID, store.IncidentFilter{
		Statuses: []string{store.IncidentOpen, store.IncidentInProgress, store.IncidentContained}, Limit: 200})
	if err != nil {
		return Composed{}, err
	}
	tasks, err := s.o.Store.Tasks().List(ctx, a.OrgID, store.TaskFilter{Statuses: []string{store.TaskTodo, store.TaskInProgress, store.TaskBlocked}})
	if err != nil {
		return Composed{}, err
	}
	sla, err := s.SLA(ctx, a.OrgID)
	if err != nil {
		return Composed{}, err
	}
	now := s.now()
	var b strings.Builder
	var snap HandoverSnapshot
	fmt.Fprintf(&b, "## Shift handover for %s — %s\n\n", name, now.Format("Mon 2 Jan 2006 15:04 MST"))
	b.WriteString("### Open incidents\n\n")
	for _, in := range incs {
		if !mine(in.Owner, in.Group) {
			continue
		}
		snap.Incidents++
		st := sla.state(in.Severity, in.CreatedAt, in.AcknowledgedAt, in.ResolvedAt, now)
		breach := ""
		if st.ResolveBreached {
			breach = " — **SLA breached**"
		}
		fmt.Fprintf(&b, "- **INC-%04d** [%s] %s — %s, owner %s%s\n", in.Number, in.Severity, in.Title, in.Status, orNone(dir.Email(in.Owner)), breach)
	}
	if snap.Incidents == 0 {
		b.WriteString("- none\n")
	}
	b.WriteString("\n### Open alerts\n\n")
	bySev := map[string]int{}
	for _, al := range alerts {
		if !mine(al.Assignee, al.AssigneeGroup) {
			continue
		}
		snap.Alerts++
		bySev[al.Severity]++
		if al.Severity == "critical" || al.Severity == "high" || al.Status == store.AlertEscalated {
			fmt.Fprintf(&b, "- [%s] %s — %s, assignee %s\n", al.Severity, al.Title, al.Status, orNone(dir.Email(al.Assignee)))
		}
	}
	var parts []string
	for i := len(Severities) - 1; i >= 0; i-- {
		if n := bySev[Severities[i]]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, Severities[i]))
		}
	}
	if snap.Alerts == 0 {
		b.WriteString("- none\n")
	} else {
		fmt.Fprintf(&b, "\n%d open alerts: %s.\n", snap.Alerts, strings.Join(parts, ", "))
	}
	b.WriteString("\n### Open tasks\n\n")
	for _, t := range tasks {
		if members != nil && !members[t.Assignee] {
			continue
		}
		snap.Tasks++
		due := ""
		if t.DueAt != nil {
			due = ", due " + t.DueAt.Format("2 Jan 15:04")
		}
		fmt.Fprintf(&b, "- %s — %s, %s%s\n", t.Title, t.Status, orNone(dir.Email(t.Assignee)), due)
	}
	if snap.Tasks == 0 {
		b.WriteString("- none\n")
	}
	b.WriteString("\n### Notes for the next shift\n\n- \n")
	return Composed{Subject: fmt.Sprintf("Shift handover — %s — %s", name, now.Format("2006-01-02 15:04 MST")), Body: b.String(), Snapshot: snap}, nil
}

// HandoverInput creates or edits a draft handover.
type HandoverInput struct {
	Group, Subject, Body, ChannelID *string
	Recipients                      *[]string
	Snapshot                        *HandoverSnapshot
}

func validRecipients(rs []string) ([]string, error) {
	if len(rs) > 100 {
		return nil, fieldErr("recipients", "at most 100 recipients")
	}
	out := []string{}
	for i, r := range rs {
		addr, err := mail.ParseAddress(strings.TrimSpace(r))
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("recipients[%d]", i), "%q is not an e-mail address", r)
		}
		out = append(out, addr.Address)
	}
	return out, nil
}

// Handovers lists handovers, newest first.
func (s *Service) Handovers(ctx context.Context, orgID string) ([]HandoverView, error) {
	hs, err := s.o.Store.Handovers().List(ctx, orgID, 200)
	if err != nil {
		return nil, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]HandoverView, 0, len(hs))
	for _, h := range hs {
		out = append(out, s.handoverView(dir, h))
	}
	return out, nil
}

// Handover returns one handover.
func (s *Service) Handover(ctx context.Context, orgID, id string) (HandoverView, error) {
	h, err := s.o.Store.Handovers().Get(ctx, orgID, id)
	if err != nil {
		return HandoverView{}, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return HandoverView{}, err
	}
	return s.handoverView(dir, h), nil
}

// SaveHandover creates (id "") or edits a draft.
func (s *Service) SaveHandover(ctx context.Context, a Actor, id string, in HandoverInput) (HandoverView, error) {
	var h store.Handover
	err := s.tx(ctx, func(r store.Repos) error {
		now := s.now()
		if id == "" {
			h = store.Handover{ID: newID(), OrgID: a.OrgID, Author: a.UserID, Status: store.HandoverDraft, CreatedAt: now, Snapshot: "{}"}
		} else {
			var err error
			if h, err = r.Handovers().Get(ctx, a.OrgID, id); err != nil {
				return err
			}
			if h.Status == store.HandoverSent {
				return fieldErr("status", "a sent handover cannot be edited; compose a new one")
			}
		}
		if in.Group != nil {
			if *in.Group != "" {
				if _, err := groupIn(ctx, r, a.OrgID, *in.Group, "group"); err != nil {
					return err
				}
			}
			h.Group = *in.Group
		}
		if in.Subject != nil {
			h.Subject = clean(*in.Subject, 300)
		}
		if in.Body != nil {
			if len(*in.Body) > 200000 {
				return fieldErr("body", "must be at most 200000 characters")
			}
			h.Body = *in.Body
		}
		if in.Recipients != nil {
			rs, err := validRecipients(*in.Recipients)
			if err != nil {
				return err
			}
			h.Recipients = rs
		}
		if in.ChannelID != nil {
			h.ChannelID = *in.ChannelID
		}
		if in.Snapshot != nil {
			b, _ := json.Marshal(in.Snapshot)
			h.Snapshot = string(b)
		}
		if h.Subject == "" {
			return fieldErr("subject", "is required")
		}
		h.UpdatedAt = now
		if id == "" {
			if err := r.Handovers().Create(ctx, h); err != nil {
				return err
			}
			return s.change(ctx, r, a, "handover", h.ID, "create", fmt.Sprintf("handover %q drafted", h.Subject))
		}
		if err := r.Handovers().Update(ctx, h); err != nil {
			return err
		}
		return s.change(ctx, r, a, "handover", h.ID, "update", fmt.Sprintf("handover %q edited", h.Subject))
	})
	if err != nil {
		return HandoverView{}, err
	}
	return s.Handover(ctx, a.OrgID, h.ID)
}

// SendHandover e-mails a handover through the chosen e-mail channel and
// records the outcome (a failure is kept with the SMTP server's reason).
func (s *Service) SendHandover(ctx context.Context, a Actor, id string) (HandoverView, error) {
	h, err := s.o.Store.Handovers().Get(ctx, a.OrgID, id)
	if err != nil {
		return HandoverView{}, err
	}
	if h.Status == store.HandoverSent {
		return HandoverView{}, fieldErr("status", "this handover was already sent")
	}
	if len(h.Recipients) == 0 {
		return HandoverView{}, fieldErr("recipients", "add at least one recipient")
	}
	if h.ChannelID == "" {
		return HandoverView{}, fieldErr("channel_id", "choose the e-mail channel (SMTP server) to send through")
	}
	if s.o.Mailer == nil {
		return HandoverView{}, fmt.Errorf("%w: e-mail delivery is not configured", ErrUnavailable)
	}
	text := h.Body
	if s.o.BaseURL != "" {
		text += "\n\n— sent from EventSec " + strings.TrimRight(s.o.BaseURL, "/") + "/handovers\n"
	}
	html := "<html><body>" + RenderMarkdown(h.Body) + "</body></html>"
	sendErr := s.o.Mailer.SendHandover(ctx, a.OrgID, h.ChannelID, h.Recipients, h.Subject, text, html)
	now := s.now()
	if sendErr != nil {
		h.Status, h.Error = store.HandoverFailed, sendErr.Error()
	} else {
		h.Status, h.Error, h.SentAt = store.HandoverSent, "", &now
	}
	h.UpdatedAt = now
	err = s.tx(ctx, func(r store.Repos) error {
		if err := r.Handovers().Update(ctx, h); err != nil {
			return err
		}
		detail := fmt.Sprintf("handover %q sent to %s", h.Subject, strings.Join(h.Recipients, ", "))
		if sendErr != nil {
			detail = fmt.Sprintf("handover %q could not be sent: %v", h.Subject, sendErr)
		}
		return s.change(ctx, r, a, "handover", h.ID, "send", detail)
	})
	if err != nil {
		return HandoverView{}, err
	}
	v, err := s.Handover(ctx, a.OrgID, id)
	if err != nil {
		return v, err
	}
	if sendErr != nil {
		return v, fmt.Errorf("%w: the e-mail could not be sent: %v", ErrUpstream, sendErr)
	}
	return v, nil
}
