package endpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/store"
)

// Bounds on one inventory.
const (
	maxPackages  = 50_000
	maxProcesses = 20_000
)

// PutInventory stores the agent's new full inventory (snapshot and
// software list) and refreshes its facts; it returns once durable.
func (s *Service) PutInventory(ctx context.Context, c Credential, inv wire.Inventory) error {
	if len(inv.Software) > maxPackages || len(inv.Processes) > maxProcesses || len(inv.Interfaces) > 1000 || len(inv.Listening) > 20_000 {
		return invalid("inventory", "too many entries (at most %d packages, %d processes)", maxPackages, maxProcesses)
	}
	if err := checkFacts(inv.Facts); err != nil {
		return err
	}
	now := s.o.Now()
	if inv.CollectedAt.IsZero() || inv.CollectedAt.After(now.Add(5*time.Minute)) {
		inv.CollectedAt = now
	}
	snap, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	sw := make([]store.Software, 0, len(inv.Software))
	for i, p := range inv.Software {
		if p.Name == "" || len(p.Name) > 512 || len(p.Version) > 256 || !utf8.ValidString(p.Name+p.Version) {
			return invalid(fmt.Sprintf("software[%d]", i), "a package needs a name (at most 512 bytes) and a version (at most 256)")
		}
		sw = append(sw, store.Software{Name: p.Name, Version: p.Version, Source: p.Source, SourceName: p.SourceName, Arch: p.Arch, Vendor: p.Vendor})
	}
	facts, _ := json.Marshal(inv.Facts)
	err = s.st.Tx(ctx, func(r store.Repos) error {
		ag, err := r.Endpoints().Agents().Get(ctx, c.OrgID, c.AgentID)
		if err != nil {
			return err
		}
		if err := r.Endpoints().Inventory().Put(ctx, store.Inventory{OrgID: c.OrgID, AgentID: c.AgentID, CollectedAt: inv.CollectedAt,
			ReceivedAt: now, Snapshot: snap, Software: sw}); err != nil {
			return err
		}
		// A renamed or upgraded machine: the record follows its facts
		// (the display name too, unless someone chose another).
		if ag.Name == ag.Hostname || strings.EqualFold(ag.Name, ag.Hostname) {
			ag.Name = inv.Facts.Hostname
		}
		ag.Hostname, ag.OS, ag.Platform, ag.PlatformVersion, ag.Arch = inv.Facts.Hostname, inv.Facts.OS, inv.Facts.Platform, inv.Facts.PlatformVer, inv.Facts.Arch
		if inv.Facts.AgentVersion != "" {
			ag.AgentVersion = inv.Facts.AgentVersion
		}
		ag.Facts, ag.UpdatedAt = string(facts), now
		return r.Endpoints().Agents().Update(ctx, ag)
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	for _, e := range s.creds {
		if e.cred.AgentID == c.AgentID {
			e.cred.Facts = inv.Facts
		}
	}
	s.mu.Unlock()
	return nil
}

// PutSCA stores an assessment report of the agent; it returns once durable.
func (s *Service) PutSCA(ctx context.Context, c Credential, rep wire.SCAReport) error {
	rep.PolicyID = strings.TrimSpace(rep.PolicyID)
	if rep.PolicyID == "" || len(rep.PolicyID) > 200 || len(rep.PolicyName) > 500 {
		return invalid("policy_id", "policy_id is required (at most 200 bytes)")
	}
	if len(rep.Checks) > 5000 {
		return invalid("checks", "at most 5000 checks")
	}
	if rep.Score < 0 || rep.Score > 100 || rep.Passed < 0 || rep.Failed < 0 || rep.NotApplicable < 0 {
		return invalid("score", "score must be 0-100 and counts not negative")
	}
	now := s.o.Now()
	if rep.FinishedAt.IsZero() || rep.FinishedAt.After(now.Add(5*time.Minute)) {
		rep.FinishedAt = now
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	name := rep.PolicyName
	if name == "" {
		name = rep.PolicyID
	}
	res := store.SCAResult{OrgID: c.OrgID, AgentID: c.AgentID, PolicyID: rep.PolicyID, PolicyName: name,
		FinishedAt: rep.FinishedAt, ReceivedAt: now, Hash: rep.Hash, Score: rep.Score, Passed: rep.Passed, Failed: rep.Failed,
		NotApplicable: rep.NotApplicable, Report: body}
	return s.st.Tx(ctx, func(r store.Repos) error { return r.Endpoints().SCA().Put(ctx, res) })
}
