package incident

import (
	"context"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// DefaultSLA is what an org's alerts and incidents must meet until an
// admin sets its own: minutes to acknowledge and to resolve, by severity.
var DefaultSLA = map[string]store.SLAPolicy{
	"critical":      {Severity: "critical", AckMinutes: 15, ResolveMinutes: 4 * 60},
	"high":          {Severity: "high", AckMinutes: 60, ResolveMinutes: 24 * 60},
	"medium":        {Severity: "medium", AckMinutes: 4 * 60, ResolveMinutes: 3 * 24 * 60},
	"low":           {Severity: "low", AckMinutes: 24 * 60, ResolveMinutes: 7 * 24 * 60},
	"informational": {Severity: "informational", AckMinutes: 3 * 24 * 60, ResolveMinutes: 30 * 24 * 60},
}

// SLAPolicies are an org's policies by severity (defaults filled in).
type SLAPolicies map[string]store.SLAPolicy

// SLA returns the org's policies.
func (s *Service) SLA(ctx context.Context, orgID string) (SLAPolicies, error) {
	out := SLAPolicies{}
	for k, v := range DefaultSLA {
		out[k] = v
	}
	ps, err := s.o.Store.SLA().Get(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out[p.Severity] = p
	}
	return out, nil
}

// PutSLA replaces the org's policies (every severity must be given).
func (s *Service) PutSLA(ctx context.Context, a Actor, in map[string]store.SLAPolicy) (SLAPolicies, error) {
	var ps []store.SLAPolicy
	for _, sev := range Severities {
		p, ok := in[sev]
		if !ok {
			return nil, fieldErr("sla."+sev, "every severity needs a policy (%s is missing)", sev)
		}
		if p.AckMinutes < 1 || p.AckMinutes > 525600 {
			return nil, fieldErr("sla."+sev+".ack_minutes", "must be between 1 and 525600")
		}
		if p.ResolveMinutes < p.AckMinutes || p.ResolveMinutes > 525600 {
			return nil, fieldErr("sla."+sev+".resolve_minutes", "must be at least ack_minutes and at most 525600")
		}
		p.Severity = sev
		ps = append(ps, p)
	}
	for k := range in {
		if !validSeverity(k) {
			return nil, fieldErr("sla."+k, "unknown severity %q", k)
		}
	}
	err := s.tx(ctx, func(r store.Repos) error {
		if err := r.SLA().Put(ctx, a.OrgID, ps); err != nil {
			return err
		}
		return s.change(ctx, r, a, "sla", a.OrgID, "update", "SLA policies changed")
	})
	if err != nil {
		return nil, err
	}
	return s.SLA(ctx, a.OrgID)
}

// SLAState is an object's SLA timers.
type SLAState struct {
	AckDue          time.Time `json:"ack_due"`
	ResolveDue      time.Time `json:"resolve_due"`
	AckBreached     bool      `json:"ack_breached"`
	ResolveBreached bool      `json:"resolve_breached"`
}

func (p SLAPolicies) state(severity string, created time.Time, acked, resolved *time.Time, now time.Time) SLAState {
	pol, ok := p[severity]
	if !ok {
		pol = DefaultSLA["medium"]
	}
	st := SLAState{AckDue: created.Add(time.Duration(pol.AckMinutes) * time.Minute),
		ResolveDue: created.Add(time.Duration(pol.ResolveMinutes) * time.Minute)}
	ackAt, resAt := now, now
	if acked != nil {
		ackAt = *acked
	}
	if resolved != nil {
		resAt = *resolved
	}
	st.AckBreached = ackAt.After(st.AckDue)
	st.ResolveBreached = resAt.After(st.ResolveDue)
	return st
}
