package endpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/store"
)

// Metric resolutions kept in the store, in seconds.
const (
	resMinute  = 60
	resQuarter = 900
)

// Agent statuses.
const (
	StatusOnline  = "online"
	StatusOffline = "offline"
	StatusRevoked = "revoked"
)

// liveState is what the server knows of an agent between flushes. A
// heartbeat only touches it; Flush writes the changed ones in one
// transaction.
type liveState struct {
	orgID      string
	lastSeen   time.Time
	ip         string
	version    string
	isolated   bool
	cfgVersion int64
	health     string
	dirty      bool

	// bucket averages the metric samples of the current minute; closed
	// buckets wait in ready for the next flush.
	bucket metricBucket
	ready  []store.MetricSample

	// pending counts queued actions (valid until pendingAt+pendingTTL);
	// wake is closed and replaced when an action is queued.
	pending   int
	pendingAt time.Time
	wake      chan struct{}
}

// pendingTTL bounds how long a cached count of queued actions is trusted:
// another server may have queued one.
const pendingTTL = 2 * time.Minute

type metricBucket struct {
	start                      time.Time
	n                          int
	cpu, load                  float64
	mem, memTotal, disk, diskT float64
	rx, tx                     uint64
}

func (b *metricBucket) add(m wire.Metrics) {
	b.n++
	b.cpu += m.CPUPercent
	b.load += m.Load1
	b.mem += float64(m.MemUsedBytes)
	b.memTotal += float64(m.MemTotalBytes)
	b.disk += float64(m.DiskUsedBytes)
	b.diskT += float64(m.DiskTotal)
	b.rx, b.tx = max(b.rx, m.NetRxBytes), max(b.tx, m.NetTxBytes)
}

func (b *metricBucket) sample(orgID, agentID string) store.MetricSample {
	n := float64(b.n)
	clamp := func(v uint64) int64 { return int64(min(v, 1<<62)) }
	return store.MetricSample{OrgID: orgID, AgentID: agentID, At: b.start, Resolution: resMinute, CPUPercent: b.cpu / n,
		MemUsedBytes: int64(b.mem / n), MemTotalBytes: int64(b.memTotal / n), DiskUsedBytes: int64(b.disk / n),
		DiskTotal: int64(b.diskT / n), NetRxBytes: clamp(b.rx), NetTxBytes: clamp(b.tx), Load1: b.load / n}
}

// state returns the agent's live state, creating it (caller holds s.mu).
func (s *Service) state(c Credential) *liveState {
	ls := s.live[c.AgentID]
	if ls == nil {
		ls = &liveState{orgID: c.OrgID, pending: -1, wake: make(chan struct{})}
		s.live[c.AgentID] = ls
	}
	return ls
}

// maxSamples bounds the metric samples of one heartbeat.
const maxSamples = 120

// Heartbeat records that the agent is alive, with its health and metric
// samples, and tells it whether its configuration changed and whether
// actions wait. It writes nothing: Flush does, in batches.
func (s *Service) Heartbeat(ctx context.Context, c Credential, hb wire.Heartbeat, clientIP string) (wire.HeartbeatResponse, error) {
	if len(hb.Metrics) > maxSamples {
		return wire.HeartbeatResponse{}, invalid("metrics", "at most %d samples per heartbeat", maxSamples)
	}
	if len(hb.AgentVersion) > 64 || len(hb.Status.Warnings) > 32 {
		return wire.HeartbeatResponse{}, invalid("status", "agent_version or warnings too long")
	}
	health, _ := json.Marshal(hb.Status)
	now := s.o.Now()
	s.m.heartbeats.Inc()
	s.mu.Lock()
	ls := s.state(c)
	ls.lastSeen, ls.ip, ls.isolated, ls.cfgVersion, ls.health, ls.dirty = now, clientIP, hb.Isolated, hb.ConfigVersion, string(health), true
	if hb.AgentVersion != "" {
		ls.version = hb.AgentVersion
	}
	for _, m := range hb.Metrics {
		at := m.At
		// A clock far off would scatter points over the chart: such
		// samples are placed at arrival.
		if at.IsZero() || at.After(now.Add(5*time.Minute)) || at.Before(now.Add(-time.Hour)) {
			at = now
		}
		start := at.Truncate(time.Minute)
		if ls.bucket.n > 0 && !ls.bucket.start.Equal(start) {
			ls.ready = append(ls.ready, ls.bucket.sample(c.OrgID, c.AgentID))
			ls.bucket = metricBucket{}
		}
		if ls.bucket.n == 0 {
			ls.bucket.start = start
		}
		ls.bucket.add(m)
	}
	version := s.cfgVersions[c.OrgID]
	pending, known := ls.pending, !ls.pendingAt.IsZero() && now.Sub(ls.pendingAt) < pendingTTL && ls.pending >= 0
	s.mu.Unlock()
	if !known {
		n, err := s.refreshPending(ctx, c)
		if err != nil {
			return wire.HeartbeatResponse{}, err
		}
		pending = n
	}
	return wire.HeartbeatResponse{ServerTime: now.UTC(), ConfigVersion: version, PendingActions: pending}, nil
}

// refreshPending reads the agent's count of queued actions.
func (s *Service) refreshPending(ctx context.Context, c Credential) (int, error) {
	n, err := s.st.Endpoints().Actions().Pending(ctx, c.OrgID, c.AgentID)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	ls := s.state(c)
	ls.pending, ls.pendingAt = n, s.o.Now()
	s.mu.Unlock()
	return n, nil
}

// Flush writes the heartbeats and closed metric buckets received since
// the last flush in one transaction; all also writes the open buckets
// (at shutdown). What cannot be written stays for the next flush.
func (s *Service) Flush(ctx context.Context, all bool) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	start := time.Now()
	now := s.o.Now()
	var seen []store.AgentSeen
	var samples []store.MetricSample
	s.mu.Lock()
	for id, ls := range s.live {
		if ls.dirty {
			seen = append(seen, store.AgentSeen{OrgID: ls.orgID, ID: id, At: ls.lastSeen, IP: ls.ip, AgentVersion: ls.version,
				Isolated: ls.isolated, ConfigVersion: ls.cfgVersion, Health: ls.health})
			ls.dirty = false
		}
		// A bucket closes when its minute is over.
		if ls.bucket.n > 0 && (all || !now.Before(ls.bucket.start.Add(time.Minute+5*time.Second))) {
			ls.ready = append(ls.ready, ls.bucket.sample(ls.orgID, id))
			ls.bucket = metricBucket{}
		}
		samples = append(samples, ls.ready...)
		ls.ready = nil
	}
	s.mu.Unlock()
	if len(seen) == 0 && len(samples) == 0 {
		return nil
	}
	err := s.st.Tx(ctx, func(r store.Repos) error {
		if err := r.Endpoints().Agents().Seen(ctx, seen); err != nil {
			return err
		}
		return r.Endpoints().Metrics().Add(ctx, samples)
	})
	s.m.flushes.Observe(time.Since(start).Seconds())
	if err != nil {
		s.m.flushErrors.Inc()
		s.requeue(seen, samples)
		return fmt.Errorf("cannot flush heartbeats: %w", err)
	}
	return nil
}

// requeue puts back what a failed flush could not write, unless newer
// data arrived meanwhile.
func (s *Service) requeue(seen []store.AgentSeen, samples []store.MetricSample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range seen {
		if ls := s.live[x.ID]; ls != nil {
			ls.dirty = true
		}
	}
	for _, m := range samples {
		if ls := s.live[m.AgentID]; ls != nil && len(ls.ready) < 600 {
			ls.ready = append(ls.ready, m)
		}
	}
}

// overlay returns the agent with what this server has heard since the
// last flush.
func (s *Service) overlay(a store.Agent) store.Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ls := s.live[a.ID]; ls != nil && !ls.lastSeen.IsZero() && (a.LastSeen == nil || ls.lastSeen.After(*a.LastSeen)) {
		t := ls.lastSeen
		a.LastSeen, a.LastIP, a.Isolated, a.ConfigVersion, a.Health = &t, ls.ip, ls.isolated, ls.cfgVersion, ls.health
		if ls.version != "" {
			a.AgentVersion = ls.version
		}
	}
	return a
}

// offlineAfter is how long without a heartbeat makes an agent of the org
// offline: three heartbeat intervals.
func (s *Service) offlineAfter(ctx context.Context, orgID string) (time.Duration, error) {
	c, err := s.orgConfig(ctx, orgID)
	if err != nil {
		return 0, err
	}
	return 3 * time.Duration(c.settings.HeartbeatSeconds) * time.Second, nil
}

// status is an agent's status now.
func (s *Service) status(a store.Agent, offlineAfter time.Duration) string {
	switch {
	case a.RevokedAt != nil:
		return StatusRevoked
	case a.LastSeen != nil && s.o.Now().Sub(*a.LastSeen) <= offlineAfter:
		return StatusOnline
	default:
		return StatusOffline
	}
}
