package incident

import (
	"context"
	"sort"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// Metrics are the SOC's figures over a period.
type Metrics struct {
	From       time.Time       `json:"from"`
	To         time.Time       `json:"to"`
	Alerts     AlertMetrics    `json:"alerts"`
	Incidents  IncidentMetrics `json:"incidents"`
	ByGroup    []TeamMetrics   `json:"by_group"`
	ByUser     []TeamMetrics   `json:"by_user"`
	BySeverity []SevMetrics    `json:"by_severity"`
	Verdicts   map[string]int  `json:"verdicts"`
}

// AlertMetrics summarise alert handling.
type AlertMetrics struct {
	Raised          int      `json:"raised"`
	Acknowledged    int      `json:"acknowledged"`
	Resolved        int      `json:"resolved"`
	MTTASeconds     *float64 `json:"mtta_seconds"`
	MTTRSeconds     *float64 `json:"mttr_seconds"`
	AckBreaches     int      `json:"ack_breaches"`
	ResolveBreaches int      `json:"resolve_breaches"`
	Open            int      `json:"open"`
	OpenBreaching   int      `json:"open_breaching"`
}

// IncidentMetrics summarise incident handling.
type IncidentMetrics struct {
	Opened      int      `json:"opened"`
	Resolved    int      `json:"resolved"`
	MTTASeconds *float64 `json:"mtta_seconds"`
	MTTRSeconds *float64 `json:"mttr_seconds"`
	Open        int      `json:"open"`
}

// TeamMetrics are one group's or one analyst's figures.
type TeamMetrics struct {
	Group       string   `json:"group,omitempty"`
	GroupName   string   `json:"group_name,omitempty"`
	User        string   `json:"user,omitempty"`
	Email       string   `json:"email,omitempty"`
	Handled     int      `json:"alerts_handled"`
	Resolved    int      `json:"alerts_resolved"`
	MTTASeconds *float64 `json:"mtta_seconds"`
	MTTRSeconds *float64 `json:"mttr_seconds"`
}

// SevMetrics are figures for one severity.
type SevMetrics struct {
	Severity    string   `json:"severity"`
	Count       int      `json:"count"`
	MTTASeconds *float64 `json:"mtta_seconds"`
	MTTRSeconds *float64 `json:"mttr_seconds"`
}

type mean struct {
	sum float64
	n   int
}

func (m *mean) add(d time.Duration) { m.sum += d.Seconds(); m.n++ }
func (m mean) value() *float64 {
	if m.n == 0 {
		return nil
	}
	v := m.sum / float64(m.n)
	return &v
}

type acc struct {
	handled, resolved int
	mtta, mttr        mean
}

// Metrics computes MTTA (creation to first acknowledgement) and MTTR
// (creation to resolution) for alerts and incidents created in [from, to),
// per work group, analyst and severity, with SLA breaches. group narrows
// to one work group's alerts.
func (s *Service) Metrics(ctx context.Context, orgID string, from, to time.Time, group string) (Metrics, error) {
	m := Metrics{From: from, To: to, Verdicts: map[string]int{store.VerdictTruePositive: 0, store.VerdictBenign: 0, store.VerdictFalsePositive: 0},
		ByGroup: []TeamMetrics{}, ByUser: []TeamMetrics{}, BySeverity: []SevMetrics{}}
	timings, err := s.o.Store.Alerts().Timings(ctx, orgID, from, to)
	if err != nil {
		return m, err
	}
	sla, err := s.SLA(ctx, orgID)
	if err != nil {
		return m, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return m, err
	}
	now := s.now()
	var all acc
	groups, users, sevs := map[string]*acc{}, map[string]*acc{}, map[string]*acc{}
	get := func(mp map[string]*acc, k string) *acc {
		if mp[k] == nil {
			mp[k] = &acc{}
		}
		return mp[k]
	}
	for _, t := range timings {
		if group != "" && t.AssigneeGroup != group {
			continue
		}
		m.Alerts.Raised++
		accs := []*acc{&all, get(sevs, t.Severity)}
		if t.AssigneeGroup != "" {
			accs = append(accs, get(groups, t.AssigneeGroup))
		}
		if t.Assignee != "" {
			accs = append(accs, get(users, t.Assignee))
		}
		st := sla.state(t.Severity, t.CreatedAt, t.AcknowledgedAt, t.ResolvedAt, now)
		if t.AcknowledgedAt != nil {
			m.Alerts.Acknowledged++
			for _, a := range accs {
				a.handled++
				a.mtta.add(t.AcknowledgedAt.Sub(t.CreatedAt))
			}
			if st.AckBreached {
				m.Alerts.AckBreaches++
			}
		}
		if t.ResolvedAt != nil {
			m.Alerts.Resolved++
			for _, a := range accs {
				a.resolved++
				a.mttr.add(t.ResolvedAt.Sub(t.CreatedAt))
			}
			if st.ResolveBreached {
				m.Alerts.ResolveBreaches++
			}
		} else {
			m.Alerts.Open++
			if st.AckBreached || st.ResolveBreached {
				m.Alerts.OpenBreaching++
			}
		}
		if _, ok := m.Verdicts[t.Verdict]; ok {
			m.Verdicts[t.Verdict]++
		}
	}
	m.Alerts.MTTASeconds, m.Alerts.MTTRSeconds = all.mtta.value(), all.mttr.value()
	for k, a := range groups {
		m.ByGroup = append(m.ByGroup, TeamMetrics{Group: k, GroupName: dir.GroupName(k), Handled: a.handled, Resolved: a.resolved,
			MTTASeconds: a.mtta.value(), MTTRSeconds: a.mttr.value()})
	}
	for k, a := range users {
		m.ByUser = append(m.ByUser, TeamMetrics{User: k, Email: dir.Email(k), Handled: a.handled, Resolved: a.resolved,
			MTTASeconds: a.mtta.value(), MTTRSeconds: a.mttr.value()})
	}
	sort.Slice(m.ByGroup, func(i, j int) bool { return m.ByGroup[i].Resolved > m.ByGroup[j].Resolved })
	sort.Slice(m.ByUser, func(i, j int) bool { return m.ByUser[i].Resolved > m.ByUser[j].Resolved })
	for i := len(Severities) - 1; i >= 0; i-- {
		if a := sevs[Severities[i]]; a != nil {
			cnt := 0
			for _, t := range timings {
				if t.Severity == Severities[i] && (group == "" || t.AssigneeGroup == group) {
					cnt++
				}
			}
			m.BySeverity = append(m.BySeverity, SevMetrics{Severity: Severities[i], Count: cnt, MTTASeconds: a.mtta.value(), MTTRSeconds: a.mttr.value()})
		}
	}
	incs, err := s.o.Store.Incidents().Timings(ctx, orgID, from, to)
	if err != nil {
		return m, err
	}
	var ia, ir mean
	for _, in := range incs {
		if group != "" && in.Group != group {
			continue
		}
		m.Incidents.Opened++
		if in.AcknowledgedAt != nil {
			ia.add(in.AcknowledgedAt.Sub(in.CreatedAt))
		}
		if in.ResolvedAt != nil {
			m.Incidents.Resolved++
			ir.add(in.ResolvedAt.Sub(in.CreatedAt))
		} else {
			m.Incidents.Open++
		}
	}
	m.Incidents.MTTASeconds, m.Incidents.MTTRSeconds = ia.value(), ir.value()
	return m, nil
}
