package detect

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// Retro-hunt job states.
const (
	HuntRunning   = "running"
	HuntDone      = "done"
	HuntFailed    = "failed"
	HuntCancelled = "cancelled"
)

// maxHuntsPerOrg bounds the finished jobs kept in memory per org.
const maxHuntsPerOrg = 50

// MaxRunningHunts bounds the retro-hunts running at once in an org: each
// scans history on the cores that live detection needs.
const MaxRunningHunts = 4

// ErrTooManyHunts: MaxRunningHunts are running in the org already.
var ErrTooManyHunts = errors.New("too many retro-hunts running")

// RetroHunt is a rule run over stored history in the background.
type RetroHunt struct {
	ID          string    `json:"id"`
	RuleID      string    `json:"rule_id"`
	RuleTitle   string    `json:"rule_title"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	RaiseAlerts bool      `json:"raise_alerts"`
	Status      string    `json:"status"`
	Scanned     int64     `json:"scanned"`
	Total       int64     `json:"total"`
	Progress    float64   `json:"progress"`
	// AlertsCreated is how many new alerts a hunt that raises alerts
	// stored, AlertsFolded how many of its results folded into open
	// alerts instead (repeats of alerts already there: live ones, or an
	// earlier hunt's). AlertsRaised is the older name of AlertsCreated.
	AlertsCreated int64       `json:"alerts_created"`
	AlertsFolded  int64       `json:"alerts_folded"`
	AlertsRaised  int64       `json:"alerts_raised"`
	StartedBy     string      `json:"started_by"`
	StartedAt     time.Time   `json:"started_at"`
	FinishedAt    *time.Time  `json:"finished_at"`
	Error         string      `json:"error,omitempty"`
	Result        *TestResult `json:"result,omitempty"`

	cancel context.CancelFunc
}

type hunts struct {
	mu   sync.Mutex
	jobs map[string]map[string]*RetroHunt // org -> id -> job
}

// put adds a running job unless MaxRunningHunts of the org's are running.
func (h *hunts) put(orgID string, j *RetroHunt) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.jobs == nil {
		h.jobs = map[string]map[string]*RetroHunt{}
	}
	m := h.jobs[orgID]
	if m == nil {
		m = map[string]*RetroHunt{}
		h.jobs[orgID] = m
	}
	running := 0
	for _, x := range m {
		if x.Status == HuntRunning {
			running++
		}
	}
	if running >= MaxRunningHunts {
		return fmt.Errorf("%w: %d are running in this organisation, the most at once; cancel one or wait for one to finish", ErrTooManyHunts, running)
	}
	m[j.ID] = j
	if len(m) > maxHuntsPerOrg {
		// Forget the oldest finished job.
		var oldest *RetroHunt
		for _, x := range m {
			if x.Status != HuntRunning && (oldest == nil || x.StartedAt.Before(oldest.StartedAt)) {
				oldest = x
			}
		}
		if oldest != nil {
			delete(m, oldest.ID)
		}
	}
	return nil
}

// snapshot copies a job under the lock.
func (h *hunts) get(orgID, id string) (RetroHunt, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	j, ok := h.jobs[orgID][id]
	if !ok {
		return RetroHunt{}, false
	}
	return *j, true
}

func (h *hunts) update(j *RetroHunt, fn func(*RetroHunt)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn(j)
}

// StartRetroHunt runs a saved rule over the org's stored events in [from,
// to) in the background; with raise, its matches become alerts (deduplicated
// like live ones; the stream's checkpoint is not moved).
func (s *Service) StartRetroHunt(ctx context.Context, a Actor, ruleID string, from, to time.Time, raise bool) (RetroHunt, error) {
	if s.o.Events == nil {
		return RetroHunt{}, fmt.Errorf("%w: no event store", ErrInvalid)
	}
	r, err := s.o.Store.Rules().Get(ctx, a.OrgID, ruleID)
	if err != nil {
		return RetroHunt{}, err
	}
	if to.IsZero() {
		to = s.o.Now()
	}
	if from.IsZero() {
		from = to.Add(-7 * 24 * time.Hour)
	}
	if !from.Before(to) {
		return RetroHunt{}, fmt.Errorf("%w: from: must be before to", ErrInvalid)
	}
	u, problems := Compile(r.Format, r.Source, r.ID)
	if len(problems) > 0 {
		return RetroHunt{}, &InvalidRuleError{problems}
	}
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j := &RetroHunt{ID: newID(), RuleID: r.ID, RuleTitle: r.Title, From: from, To: to, RaiseAlerts: raise, Status: HuntRunning,
		StartedBy: a.Email, StartedAt: s.o.Now(), cancel: cancel}
	if err := s.hunts.put(a.OrgID, j); err != nil {
		cancel()
		return RetroHunt{}, err
	}
	go s.runHunt(jctx, a, u, r, j)
	out, _ := s.hunts.get(a.OrgID, j.ID)
	return out, nil
}

func (s *Service) runHunt(ctx context.Context, a Actor, u *Unit, r store.Rule, j *RetroHunt) {
	defer j.cancel()
	// Alerts are stored as the hunt goes, a batch at a time, so that a
	// hunt over months of history holds no more than a batch.
	var hits []hit
	var created, folded int64
	var commitErr error
	stored := &loaded{rule: r, unit: u}
	flush := func() {
		if len(hits) == 0 || commitErr != nil {
			return
		}
		var n int
		if n, commitErr = s.commitCounted(ctx, hits, -1, false); commitErr == nil {
			created += int64(n)
			folded += int64(len(hits) - n)
		}
		hits = hits[:0]
	}
	counts := func(j *RetroHunt) {
		j.AlertsCreated, j.AlertsFolded, j.AlertsRaised = created, folded, created
	}
	in := TestInput{From: j.From, To: j.To, Limit: 100, Rule: &r,
		progress: func(scanned, total int64) {
			flush()
			s.hunts.update(j, func(j *RetroHunt) {
				j.Scanned, j.Total = scanned, total
				counts(j)
				if total > 0 {
					j.Progress = min(float64(scanned)/float64(total), 1)
				}
			})
		}}
	if j.RaiseAlerts {
		in.hit = func(h hit) {
			// The hit points into the test's private engine; the
			// alert's rule fields come from the stored rule.
			d := *h.doc
			d.unit = stored
			h.doc = &d
			hits = append(hits, h)
		}
	}
	res, err := s.Test(ctx, a.OrgID, u, in)
	if err == nil {
		flush()
		err = commitErr
	}
	now := s.o.Now()
	s.hunts.update(j, func(j *RetroHunt) {
		j.FinishedAt = &now
		counts(j)
		switch {
		case ctx.Err() != nil:
			j.Status, j.Error = HuntCancelled, "cancelled"
		case err != nil:
			j.Status, j.Error = HuntFailed, err.Error()
		default:
			j.Status, j.Progress, j.Scanned = HuntDone, 1, res.Scanned
			j.Result = &res
		}
	})
	s.o.Logger.Info("retro-hunt finished", "org", a.OrgID, "rule", r.ID, "status", j.Status, "scanned", res.Scanned, "alerts_created", created, "alerts_folded", folded)
}

// RetroHunts lists the org's retro-hunts, newest first.
func (s *Service) RetroHunts(orgID string) []RetroHunt {
	s.hunts.mu.Lock()
	defer s.hunts.mu.Unlock()
	out := []RetroHunt{}
	for _, j := range s.hunts.jobs[orgID] {
		c := *j
		c.Result = nil
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartedAt.After(out[j].StartedAt) })
	return out
}

// RetroHunt returns one job with its result.
func (s *Service) RetroHunt(orgID, id string) (RetroHunt, error) {
	j, ok := s.hunts.get(orgID, id)
	if !ok {
		return j, store.ErrNotFound
	}
	return j, nil
}

// CancelRetroHunt stops a running job.
func (s *Service) CancelRetroHunt(orgID, id string) (RetroHunt, error) {
	s.hunts.mu.Lock()
	j, ok := s.hunts.jobs[orgID][id]
	s.hunts.mu.Unlock()
	if !ok {
		return RetroHunt{}, store.ErrNotFound
	}
	j.cancel()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c, _ := s.hunts.get(orgID, id); c.Status != HuntRunning {
			return c, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	c, _ := s.hunts.get(orgID, id)
	return c, nil
}
