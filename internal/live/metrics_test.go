package live

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
)

// countingFigures counts the reads of the pipeline's figures.
type countingFigures struct {
	IngestFigures
	reads atomic.Int64
}

func (c *countingFigures) OrgCounts(orgID string) ingest.OrgCounts {
	c.reads.Add(1)
	return c.IngestFigures.OrgCounts(orgID)
}

func (c *countingFigures) Stats() ingest.Stats {
	c.reads.Add(1)
	return c.IngestFigures.Stats()
}

type publisherFunc func([]event.Event)

func (f publisherFunc) Publish(stored []event.Event) { f(stored) }

func snapshotOf(t *testing.T, s *Sub) MetricsSnapshot {
	t.Helper()
	m := recv(t, s)
	if m.Channel != ChannelMetrics || m.Type != TypeMetrics {
		t.Fatalf("got %+v", m)
	}
	b, _ := json.Marshal(m.Data)
	var snap MetricsSnapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestMetricsChannel(t *testing.T) {
	ctx := t.Context()
	h := NewHub(nil)
	env := ingesttest.NewPipeline(t, ingesttest.NewStore(t), ingest.Options{Publisher: publisherFunc(h.PublishEvents)})
	figs := &countingFigures{IngestFigures: env.Pipeline}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var opens atomic.Int64
	m, err := NewMetrics(MetricsOptions{Hub: h, Ingest: figs, Interval: 5 * time.Second, Now: func() time.Time { return now },
		OpenAlerts: func(_ context.Context, orgID string) (int64, bool, error) {
			opens.Add(1)
			if orgID == "a" {
				return 1000, true, nil
			}
			return 0, false, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	seq := 0
	submit := func(org string, sevs ...int64) {
		t.Helper()
		evs := make([]event.Event, len(sevs))
		for i, s := range sevs {
			seq++
			evs[i] = event.Event{ID: fmt.Sprintf("%s-%d", org, seq), OrgID: org, Input: "test", Timestamp: now,
				Fields: event.Fields{"message": "m", "event.severity": s}}
		}
		if _, err := env.Pipeline.Submit(ctx, evs, "l1"); err != nil {
			t.Fatal(err)
		}
	}

	// Nobody takes the channel: events and alerts flow, and nothing is
	// read or tallied for it.
	feed := h.Subscribe("a")
	defer feed.Close()
	feed.Set([]string{ChannelEvents}, nil)
	submit("a", 99)
	m.tick(ctx)
	now = now.Add(10 * time.Second)
	m.tick(ctx)
	if figs.reads.Load() != 0 || opens.Load() != 0 {
		t.Fatalf("computed without a subscriber: %d reads, %d counts of open alerts", figs.reads.Load(), opens.Load())
	}
	if _, ok := h.tallies.Load("a"); ok {
		t.Fatal("severities tallied without a subscriber of metrics")
	}
	feed.Close()

	user := h.Subscribe("a")
	defer user.Close()
	user.Set([]string{ChannelMetrics}, nil)
	admin := h.Subscribe("a")
	defer admin.Close()
	admin.SetPlatformAdmin(true)
	admin.Set([]string{ChannelMetrics}, nil)
	other := h.Subscribe("b")
	defer other.Close()
	other.Set([]string{ChannelMetrics}, nil)
	m.tick(ctx) // the baselines: no message yet
	if len(user.C)+len(admin.C)+len(other.C) != 0 {
		t.Fatal("a message before the first interval ended")
	}

	submit("a", 99, 50, 0)
	if _, err := env.Pipeline.Submit(ctx, []event.Event{{ID: "a-2", OrgID: "a", Input: "test", Timestamp: now,
		Fields: event.Fields{"message": "m", "event.severity": int64(99)}}}, "l1"); err != nil {
		t.Fatal(err) // a repeat: received, not stored again
	}
	submit("b", 80, 80)
	h.Publish("a", ChannelAlerts, TypeAlert, map[string]any{"id": "al1"})
	h.Publish("a", ChannelAlerts, "alert_updated", map[string]any{"id": "al1"})
	env.Pipeline.Counters("l1").Dropped(ingest.ReasonShutdown, 2)

	now = now.Add(2 * time.Second)
	m.tick(ctx)
	if len(user.C)+len(admin.C)+len(other.C) != 0 {
		t.Fatal("a message before the interval ended")
	}
	now = now.Add(3 * time.Second)
	m.tick(ctx)

	got := snapshotOf(t, user)
	wantEvents := OrgEvents{Received: 4, Stored: 3, ReceivedPerSecond: 0.8, StoredPerSecond: 0.6,
		BySeverity:    map[string]int64{"info": 1, "low": 0, "medium": 1, "high": 0, "critical": 1},
		ReceivedTotal: 5, StoredTotal: 4}
	if !reflect.DeepEqual(got.Events, wantEvents) {
		t.Errorf("events:\n got %+v\nwant %+v", got.Events, wantEvents)
	}
	if got.Alerts.Raised != 1 || got.Alerts.RaisedTotal != 1 || got.Alerts.Open == nil || *got.Alerts.Open != 1000 || !got.Alerts.OpenCapped {
		t.Errorf("alerts: %+v", got.Alerts)
	}
	if got.IntervalSeconds != 5 || !got.Time.Equal(now) || got.Pipeline != nil {
		t.Errorf("interval %v, time %v, pipeline %+v (a platform admin's only)", got.IntervalSeconds, got.Time, got.Pipeline)
	}

	got = snapshotOf(t, admin)
	if !reflect.DeepEqual(got.Events, wantEvents) || got.Pipeline == nil || len(got.Pipeline.Listeners) != 1 {
		t.Fatalf("admin's: %+v", got)
	}
	l := got.Pipeline.Listeners[0]
	// The pipeline's figures span both orgs, over the same interval.
	wantL := ListenerFigures{Listener: "l1", Parsed: 6, Stored: 5, Duplicates: 1, Dropped: 2, DroppedByReason: map[string]int64{ingest.ReasonShutdown: 2},
		Batches: 3, BatchLatencyMS: l.BatchLatencyMS, StoredTotal: 6, DroppedTotal: 2}
	if !reflect.DeepEqual(l, wantL) || l.BatchLatencyMS <= 0 || got.Pipeline.InFlight != 0 || got.Pipeline.InFlightLimit != 200_000 {
		t.Errorf("pipeline:\n got %+v\nwant %+v (in flight %d of %d)", l, wantL, got.Pipeline.InFlight, got.Pipeline.InFlightLimit)
	}

	got = snapshotOf(t, other)
	wantB := OrgEvents{Received: 2, Stored: 2, ReceivedPerSecond: 0.4, StoredPerSecond: 0.4,
		BySeverity: map[string]int64{"info": 0, "low": 0, "medium": 0, "high": 2, "critical": 0}, ReceivedTotal: 2, StoredTotal: 2}
	if !reflect.DeepEqual(got.Events, wantB) || got.Alerts.Raised != 0 || got.Alerts.RaisedTotal != 0 || *got.Alerts.Open != 0 || got.Pipeline != nil {
		t.Errorf("org b's: %+v", got)
	}
	if len(user.C)+len(admin.C)+len(other.C) != 0 {
		t.Fatal("more than one message each")
	}

	// The next interval, quiet: zeros and the same totals. A tick a
	// little early (ticker and clock jitter) is on time.
	now = now.Add(5*time.Second - 10*time.Millisecond)
	m.tick(ctx)
	got = snapshotOf(t, user)
	if got.IntervalSeconds != 4.99 {
		t.Errorf("interval %v", got.IntervalSeconds)
	}
	if got.Events.Received != 0 || got.Events.Stored != 0 || got.Events.StoredTotal != 4 || got.Events.BySeverity["critical"] != 0 || got.Alerts.Raised != 0 {
		t.Errorf("quiet interval: %+v", got)
	}
	if got = snapshotOf(t, admin); got.Pipeline.Listeners[0].Stored != 0 || got.Pipeline.Listeners[0].BatchLatencyMS != 0 {
		t.Errorf("quiet interval, pipeline: %+v", got.Pipeline)
	}
	snapshotOf(t, other)

	// Once the last subscriber goes, nothing is read any more.
	user.Close()
	admin.Close()
	other.Close()
	reads := figs.reads.Load()
	for range 3 {
		now = now.Add(5 * time.Second)
		m.tick(ctx)
	}
	if figs.reads.Load() != reads || len(m.orgs) != 0 {
		t.Fatalf("still computing after the subscribers left: %d reads more, %d orgs", figs.reads.Load()-reads, len(m.orgs))
	}
}

// Run publishes on its own clock until its context ends.
func TestMetricsRun(t *testing.T) {
	h := NewHub(nil)
	env := ingesttest.NewPipeline(t, ingesttest.NewStore(t), ingest.Options{Publisher: publisherFunc(h.PublishEvents)})
	m, err := NewMetrics(MetricsOptions{Hub: h, Ingest: env.Pipeline, Interval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	s := h.Subscribe("o")
	defer s.Close()
	s.Set([]string{ChannelMetrics}, nil)
	select {
	case b := <-s.C:
		var msg Message
		if err := json.Unmarshal(b, &msg); err != nil || msg.Channel != ChannelMetrics || msg.Type != TypeMetrics {
			t.Fatalf("%s: %v", b, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no metrics message")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := NewMetrics(MetricsOptions{Hub: h}); err == nil {
		t.Fatal("NewMetrics without the ingest figures")
	}
}
