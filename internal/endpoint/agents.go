package endpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/store"
)

// Agent is an enrolled endpoint as the management API shows it.
type Agent struct {
	store.Agent
	// Status is online, offline or revoked, from the last heartbeat.
	Status string
	Facts  wire.HostFacts
	Health wire.AgentStatus
}

func (s *Service) view(a store.Agent, offlineAfter time.Duration) Agent {
	a = s.overlay(a)
	v := Agent{Agent: a, Status: s.status(a, offlineAfter)}
	_ = json.Unmarshal([]byte(a.Facts), &v.Facts)
	_ = json.Unmarshal([]byte(a.Health), &v.Health)
	v.TokenHash = "" // never leaves the service
	return v
}

// ListFilter narrows ListAgents.
type ListFilter struct {
	Status string // online, offline, revoked or ""
	OS     string
	Group  string
	Query  string
	Limit  int
	Offset int
}

// AgentPage is one page of agents with the org's counts.
type AgentPage struct {
	Items  []Agent
	Total  int
	Counts store.AgentCounts
}

// ListAgents lists the org's agents.
func (s *Service) ListAgents(ctx context.Context, orgID string, f ListFilter) (AgentPage, error) {
	off, err := s.offlineAfter(ctx, orgID)
	if err != nil {
		return AgentPage{}, err
	}
	// The status filter and the counts read last_seen from the store:
	// heartbeats received since the last flush are written first.
	if err := s.Flush(ctx, false); err != nil {
		return AgentPage{}, err
	}
	cutoff := s.o.Now().Add(-off)
	sf := store.AgentFilter{OS: f.OS, Group: f.Group, Query: f.Query, Limit: f.Limit, Offset: f.Offset}
	no, yes := false, true
	switch f.Status {
	case "":
	case StatusOnline:
		sf.Revoked, sf.SeenSince = &no, &cutoff
	case StatusOffline:
		sf.Revoked, sf.SeenBefore = &no, &cutoff
	case StatusRevoked:
		sf.Revoked = &yes
	default:
		return AgentPage{}, invalid("status", "status must be online, offline or revoked")
	}
	list, total, err := s.st.Endpoints().Agents().List(ctx, orgID, sf)
	if err != nil {
		return AgentPage{}, err
	}
	page := AgentPage{Items: make([]Agent, 0, len(list)), Total: total}
	for _, a := range list {
		page.Items = append(page.Items, s.view(a, off))
	}
	if page.Counts, err = s.st.Endpoints().Agents().Count(ctx, orgID, cutoff); err != nil {
		return AgentPage{}, err
	}
	return page, nil
}

// GetAgent returns one of the org's agents.
func (s *Service) GetAgent(ctx context.Context, orgID, id string) (Agent, error) {
	a, err := s.st.Endpoints().Agents().Get(ctx, orgID, id)
	if err != nil {
		return Agent{}, err
	}
	off, err := s.offlineAfter(ctx, orgID)
	if err != nil {
		return Agent{}, err
	}
	return s.view(a, off), nil
}

// FindByHost returns the org's active agent on the host (its hostname or
// FQDN, case-insensitive), the most recently seen when there are several.
func (s *Service) FindByHost(ctx context.Context, orgID, hostname string) (Agent, error) {
	h := strings.ToLower(strings.TrimSpace(hostname))
	if h == "" {
		return Agent{}, invalid("hostname", "hostname is required")
	}
	cands := []string{h}
	if short, _, ok := strings.Cut(h, "."); ok {
		cands = append(cands, short)
	}
	for _, c := range cands {
		list, err := s.st.Endpoints().Agents().ByHostname(ctx, orgID, c)
		if err != nil {
			return Agent{}, err
		}
		if len(list) > 0 && list[0].RevokedAt == nil {
			return s.GetAgent(ctx, orgID, list[0].ID)
		}
	}
	return Agent{}, fmt.Errorf("cannot find an agent on host %q: %w", hostname, store.ErrNotFound)
}

// AgentPatch changes an agent's editable fields; nil leaves one as is.
type AgentPatch struct {
	Name     *string
	Owner    *string
	Location *string
	Group    *string
	Tags     *[]string
}

// UpdateAgent applies a patch (audited).
func (s *Service) UpdateAgent(ctx context.Context, a Actor, id string, p AgentPatch) (Agent, error) {
	text := func(field string, v *string, required bool) error {
		if v == nil {
			return nil
		}
		*v = strings.TrimSpace(*v)
		if required && *v == "" {
			return invalid(field, "%s cannot be empty", field)
		}
		if utf8.RuneCountInString(*v) > 200 || strings.ContainsAny(*v, "\x00\n\r") {
			return invalid(field, "%s must be at most 200 characters on one line", field)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		v    *string
		req  bool
	}{{"name", p.Name, true}, {"owner", p.Owner, false}, {"location", p.Location, false}, {"group", p.Group, false}} {
		if err := text(f.name, f.v, f.req); err != nil {
			return Agent{}, err
		}
	}
	if p.Tags != nil {
		if len(*p.Tags) > 50 {
			return Agent{}, invalid("tags", "at most 50 tags")
		}
		tags := []string{}
		for i, t := range *p.Tags {
			t = strings.TrimSpace(t)
			if t == "" || utf8.RuneCountInString(t) > 64 {
				return Agent{}, invalid(fmt.Sprintf("tags[%d]", i), "a tag is 1 to 64 characters")
			}
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		*p.Tags = tags
	}
	err := s.st.Tx(ctx, func(r store.Repos) error {
		ag, err := r.Endpoints().Agents().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		var changes []string
		set := func(name string, dst *string, v *string) {
			if v != nil && *v != *dst {
				changes = append(changes, fmt.Sprintf("%s %q → %q", name, *dst, *v))
				*dst = *v
			}
		}
		set("name", &ag.Name, p.Name)
		set("owner", &ag.Owner, p.Owner)
		set("location", &ag.Location, p.Location)
		set("group", &ag.Group, p.Group)
		if p.Tags != nil && !slices.Equal(ag.Tags, *p.Tags) {
			changes = append(changes, fmt.Sprintf("tags %v → %v", ag.Tags, *p.Tags))
			ag.Tags = *p.Tags
		}
		if len(changes) == 0 {
			return nil
		}
		ag.UpdatedAt = s.o.Now()
		if err := r.Endpoints().Agents().Update(ctx, ag); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "endpoint.update", "agent", id, fmt.Sprintf("changed %s: %s", ag.Name, strings.Join(changes, ", ")))
	})
	if err != nil {
		return Agent{}, err
	}
	return s.GetAgent(ctx, a.OrgID, id)
}

// RevokeAgent revokes an agent's credential at once (audited): its next
// request is refused with ErrRevoked. Its records stay.
func (s *Service) RevokeAgent(ctx context.Context, a Actor, id string) error {
	var name string
	err := s.st.Tx(ctx, func(r store.Repos) error {
		ag, err := r.Endpoints().Agents().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		name = ag.Name
		if err := r.Endpoints().Agents().Revoke(ctx, a.OrgID, id, s.o.Now()); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "endpoint.revoke", "agent", id, fmt.Sprintf("revoked agent %s (%s)", ag.Name, ag.Hostname))
	})
	if err != nil {
		return err
	}
	s.revokeCached(id)
	s.publish(a.OrgID, "agent", map[string]any{"id": id, "name": name, "status": StatusRevoked, "event": "revoked"})
	return nil
}

// MetricSeries is an agent's resource history over a range.
type MetricSeries struct {
	Resolution int // seconds per point
	Points     []store.MetricSample
}

// Metrics returns the agent's resource history in [from, to): one-minute
// points when the range starts within the raw retention, 15-minute
// points before.
func (s *Service) Metrics(ctx context.Context, orgID, id string, from, to time.Time) (MetricSeries, error) {
	if _, err := s.st.Endpoints().Agents().Get(ctx, orgID, id); err != nil {
		return MetricSeries{}, err
	}
	if !from.Before(to) {
		return MetricSeries{}, invalid("from", "from must be before to")
	}
	res := resMinute
	if from.Before(s.o.Now().Add(-s.o.MetricsRawKeep)) {
		res = resQuarter
	}
	pts, err := s.st.Endpoints().Metrics().Range(ctx, orgID, id, res, from, to)
	if err != nil {
		return MetricSeries{}, err
	}
	if res == resQuarter {
		// The newest day is still at one-minute resolution.
		raw, err := s.st.Endpoints().Metrics().Range(ctx, orgID, id, resMinute, from, to)
		if err != nil {
			return MetricSeries{}, err
		}
		pts = append(pts, raw...)
		slices.SortStableFunc(pts, func(a, b store.MetricSample) int { return a.At.Compare(b.At) })
	}
	if pts == nil {
		pts = []store.MetricSample{}
	}
	return MetricSeries{Resolution: res, Points: pts}, nil
}

// Inventory returns the agent's latest inventory and when it arrived.
func (s *Service) Inventory(ctx context.Context, orgID, id string) (wire.Inventory, time.Time, error) {
	if _, err := s.st.Endpoints().Agents().Get(ctx, orgID, id); err != nil {
		return wire.Inventory{}, time.Time{}, err
	}
	row, err := s.st.Endpoints().Inventory().Get(ctx, orgID, id)
	if err != nil {
		return wire.Inventory{}, time.Time{}, err
	}
	var inv wire.Inventory
	if err := json.Unmarshal(row.Snapshot, &inv); err != nil {
		return wire.Inventory{}, time.Time{}, fmt.Errorf("cannot read inventory of agent %s: %w", id, err)
	}
	return inv, row.ReceivedAt, nil
}

// inventoryOrEmpty is the latest inventory, or an empty one when the
// agent has sent none yet.
func (s *Service) inventoryOrEmpty(ctx context.Context, orgID, id string) (wire.Inventory, error) {
	inv, _, err := s.Inventory(ctx, orgID, id)
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := s.st.Endpoints().Agents().Get(ctx, orgID, id); gerr != nil {
			return wire.Inventory{}, gerr
		}
		return wire.Inventory{}, nil
	}
	return inv, err
}

// Processes returns the processes of the latest inventory whose name,
// executable, command line or user contains q (case-insensitive).
func (s *Service) Processes(ctx context.Context, orgID, id, q string) ([]wire.Process, error) {
	inv, err := s.inventoryOrEmpty(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	out := []wire.Process{}
	for _, p := range inv.Processes {
		if q == "" || strings.Contains(strings.ToLower(p.Name+"\x00"+p.Exe+"\x00"+p.CmdLine+"\x00"+p.User), q) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Software returns the agent's installed packages whose name contains q.
func (s *Service) Software(ctx context.Context, orgID, id, q string) ([]wire.Package, error) {
	inv, err := s.inventoryOrEmpty(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	out := []wire.Package{}
	for _, p := range inv.Software {
		if q == "" || strings.Contains(strings.ToLower(p.Name), q) {
			out = append(out, p)
		}
	}
	return out, nil
}

// OrgSoftware lists the org's installed software (every agent's latest
// inventory), for vulnerability matching and "who runs X".
func (s *Service) OrgSoftware(ctx context.Context, orgID string, f store.SoftwareFilter) ([]store.Software, error) {
	return s.st.Endpoints().Inventory().Software(ctx, orgID, f)
}

// Vulnerabilities matches the agent's software against the advisories.
func (s *Service) Vulnerabilities(ctx context.Context, orgID, id string) ([]Vulnerability, error) {
	if s.o.Vulns == nil {
		if _, err := s.st.Endpoints().Agents().Get(ctx, orgID, id); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("vulnerability matching: %w", ErrUnavailable)
	}
	inv, err := s.inventoryOrEmpty(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	facts := inv.Facts
	if facts.Hostname == "" {
		ag, err := s.GetAgent(ctx, orgID, id)
		if err != nil {
			return nil, err
		}
		facts = ag.Facts
	}
	out, err := s.o.Vulns.Match(ctx, inv.Software, facts)
	if err != nil {
		return nil, fmt.Errorf("cannot match vulnerabilities: %w", err)
	}
	if out == nil {
		out = []Vulnerability{}
	}
	return out, nil
}

// SCAPolicy is an agent's latest assessment against one policy.
type SCAPolicy struct {
	store.SCAResult
	Checks []wire.SCACheck
}

// SCAView is an agent's assessments and score history.
type SCAView struct {
	Policies []SCAPolicy
	History  []store.SCAScore
}

// SCA returns the agent's latest assessment per policy with its checks,
// and the score history.
func (s *Service) SCA(ctx context.Context, orgID, id string) (SCAView, error) {
	if _, err := s.st.Endpoints().Agents().Get(ctx, orgID, id); err != nil {
		return SCAView{}, err
	}
	latest, err := s.st.Endpoints().SCA().Latest(ctx, orgID, id)
	if err != nil {
		return SCAView{}, err
	}
	v := SCAView{Policies: []SCAPolicy{}}
	for _, l := range latest {
		full, err := s.st.Endpoints().SCA().Get(ctx, orgID, id, l.PolicyID)
		if err != nil {
			return SCAView{}, err
		}
		var rep wire.SCAReport
		if err := json.Unmarshal(full.Report, &rep); err != nil {
			return SCAView{}, fmt.Errorf("cannot read assessment %s of agent %s: %w", l.PolicyID, id, err)
		}
		full.Report = nil
		if rep.Checks == nil {
			rep.Checks = []wire.SCACheck{}
		}
		v.Policies = append(v.Policies, SCAPolicy{SCAResult: full, Checks: rep.Checks})
	}
	if v.History, err = s.st.Endpoints().SCA().History(ctx, orgID, id, 500); err != nil {
		return SCAView{}, err
	}
	if v.History == nil {
		v.History = []store.SCAScore{}
	}
	return v, nil
}

// FIM returns the agent's file-integrity changes, newest first, from the
// event store.
func (s *Service) FIM(ctx context.Context, orgID, id string, size int, cursor string) (eventstore.Page, error) {
	if _, err := s.st.Endpoints().Agents().Get(ctx, orgID, id); err != nil {
		return eventstore.Page{}, err
	}
	if s.o.Events == nil {
		return eventstore.Page{}, fmt.Errorf("event search: %w", ErrUnavailable)
	}
	q := eventstore.Query{Text: fmt.Sprintf(`agent.id:"%s" AND event.dataset:"%s"`, id, DatasetFIM), Size: size, Cursor: cursor}
	return s.o.Events.Search(ctx, orgID, q)
}

// maxAlertScan bounds the alerts scanned for one host's.
const maxAlertScan = 2000

// Alerts returns the org's alerts of the last 30 days about the agent's
// host (its hostname, FQDN or one of its addresses), newest first.
func (s *Service) Alerts(ctx context.Context, orgID, id string, limit int) ([]store.Alert, error) {
	ag, err := s.GetAgent(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	names := map[string]bool{}
	for _, n := range []string{ag.Hostname, ag.Facts.Hostname, ag.Facts.FQDN, ag.Name} {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			names[n] = true
		}
	}
	ips := map[string]bool{}
	for _, ip := range ag.Facts.IPs {
		ips[ip] = true
	}
	alerts, _, err := s.st.Alerts().List(ctx, orgID, store.AlertFilter{From: s.o.Now().Add(-30 * 24 * time.Hour), Limit: maxAlertScan})
	if err != nil {
		return nil, err
	}
	out := []store.Alert{}
	for _, al := range alerts {
		match := false
		for _, h := range al.Entities.Hosts {
			if names[strings.ToLower(h)] {
				match = true
				break
			}
		}
		for _, ip := range al.Entities.IPs {
			if match {
				break
			}
			match = ips[ip]
		}
		if match {
			out = append(out, al)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}
