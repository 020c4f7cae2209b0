package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/store"
)

// readingFigures counts the reads of the pipeline's figures.
type readingFigures struct {
	live.IngestFigures
	reads atomic.Int64
}

func (r *readingFigures) OrgCounts(orgID string) ingest.OrgCounts {
	r.reads.Add(1)
	return r.IngestFigures.OrgCounts(orgID)
}

func (r *readingFigures) Stats() ingest.Stats {
	r.reads.Add(1)
	return r.IngestFigures.Stats()
}

// metricsTotals adds up the metrics messages of one socket.
type metricsTotals struct {
	messages         int
	received, stored int64
	bySeverity       map[string]int64
	raised           int64
	last             live.MetricsSnapshot
}

// readMetrics reads the socket's metrics messages into tot until done
// says so; every message must belong to the org (check).
func readMetrics(t *testing.T, c *websocket.Conn, tot *metricsTotals, check func(live.MetricsSnapshot), done func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("metrics never reached the expected counts: %d messages, received %d, stored %d, severities %v, raised %d; last %+v",
				tot.messages, tot.received, tot.stored, tot.bySeverity, tot.raised, tot.last)
		}
		m := readWS(t, c)
		if m["channel"] != live.ChannelMetrics || m["type"] != live.TypeMetrics {
			t.Fatalf("on a socket that takes metrics only: %v", m)
		}
		b, _ := json.Marshal(m["data"])
		var snap live.MetricsSnapshot
		if err := json.Unmarshal(b, &snap); err != nil {
			t.Fatal(err)
		}
		check(snap)
		tot.messages++
		tot.received += snap.Events.Received
		tot.stored += snap.Events.Stored
		tot.raised += snap.Alerts.Raised
		if tot.bySeverity == nil {
			tot.bySeverity = map[string]int64{}
		}
		for k, v := range snap.Events.BySeverity {
			tot.bySeverity[k] += v
		}
		tot.last = snap
	}
}

// TestLiveMetricsChannel: the metrics channel over a real WebSocket
// reports each org's own figures, the pipeline's to platform admins
// only, and nothing is computed while nobody takes the channel.
func TestLiveMetricsChannel(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken // a platform admin
	orgB, err := f.svc.CreateOrg(f.ctx, nil, auth.OrgInput{Name: "Org B", AdminEmail: "boss@b.test", AdminPassword: otherPass})
	if err != nil {
		t.Fatal(err)
	}
	boss := f.login(t, "boss@b.test", otherPass).AccessToken
	figs := &readingFigures{IngestFigures: f.pipe}
	var opens atomic.Int64
	open := []string{store.AlertNew, store.AlertAcknowledged, store.AlertInProgress, store.AlertEscalated}
	const interval = 200 * time.Millisecond
	m, err := live.NewMetrics(live.MetricsOptions{Hub: f.hub, Ingest: figs, Interval: interval,
		OpenAlerts: func(ctx context.Context, orgID string) (int64, bool, error) {
			opens.Add(1)
			_, n, err := f.st.Alerts().List(ctx, orgID, store.AlertFilter{Statuses: open, Limit: 1})
			return n, false, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-stopped })

	// A live feed, but nobody on metrics: nothing is read.
	feed := dialWS(t, f, "/api/v1/ws", admin)
	writeWS(t, feed, map[string]any{"type": "subscribe", "channels": []string{live.ChannelEvents}})
	if m := readWS(t, feed); m["type"] != "subscribed" {
		t.Fatalf("subscribe: %v", m)
	}
	f.ingestFor(t, f.org.ID, `{"message":"before anyone watches the metrics"}`)
	if m := readWS(t, feed); m["channel"] != live.ChannelEvents {
		t.Fatalf("feed: %v", m)
	}
	time.Sleep(3 * interval)
	if figs.reads.Load() != 0 || opens.Load() != 0 {
		t.Fatalf("computed without a metrics subscriber: %d reads, %d counts of open alerts", figs.reads.Load(), opens.Load())
	}
	feed.Close(websocket.StatusNormalClosure, "")

	rule := "title: Live metrics marker\nid: 6f7b1d3e-2a4c-4e8f-9b0a-1c2d3e4f5a6b\nstatus: test\nlevel: high\nlogsource:\n  definition: any event\n" +
		"detection:\n  sel:\n    message|contains: wsmetrics-marker\n  condition: sel\n"
	wantStatus(t, f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": rule}), http.StatusCreated)

	a := dialWS(t, f, "/api/v1/ws", admin)
	b := dialWS(t, f, "/api/v1/ws", boss)
	for _, c := range []*websocket.Conn{a, b} {
		writeWS(t, c, map[string]any{"type": "subscribe", "channels": []string{live.ChannelMetrics}})
		if m := readWS(t, c); m["type"] != "subscribed" {
			t.Fatalf("subscribe: %v", m)
		}
	}
	// The first message ends the interval in which the subscription
	// began: what comes after it falls into the following intervals.
	var totA, totB metricsTotals
	checkA := func(s live.MetricsSnapshot) {
		if s.Events.ReceivedTotal > 5 || s.Events.StoredTotal > 4 {
			t.Fatalf("org A's message counts more than org A sent: %+v", s.Events)
		}
		if s.Pipeline == nil && totA.messages > 0 {
			t.Fatalf("a platform admin's message without the pipeline: %+v", s)
		}
	}
	checkB := func(s live.MetricsSnapshot) {
		if s.Events.ReceivedTotal > 2 || s.Alerts.RaisedTotal != 0 || s.Alerts.Open == nil || *s.Alerts.Open != 0 {
			t.Fatalf("org B's message counts another org's: %+v", s)
		}
		if s.Pipeline != nil {
			t.Fatalf("the pipeline (every org's traffic) sent to an org admin: %+v", s.Pipeline)
		}
	}
	readMetrics(t, a, &totA, checkA, func() bool { return totA.messages == 1 })
	readMetrics(t, b, &totB, checkB, func() bool { return totB.messages == 1 })
	if totA.last.Events.ReceivedTotal != 1 || totA.last.Events.StoredTotal != 1 || totB.last.Events.ReceivedTotal != 0 {
		t.Fatalf("totals before: A %+v, B %+v", totA.last.Events, totB.last.Events)
	}
	totA, totB = metricsTotals{messages: 1}, metricsTotals{messages: 1}

	// The same time and text make the same event ID.
	repeat := `{"@timestamp":"` + time.Now().UTC().Format(time.RFC3339Nano) + `","message":"b"}`
	f.ingestFor(t, f.org.ID, `{"message":"wsmetrics-marker","event":{"severity":99}}`, `{"message":"a","event":{"severity":50}}`, repeat)
	f.ingestFor(t, f.org.ID, repeat) // a repeat: received, not stored again
	f.ingestFor(t, orgB.Org.ID, `{"message":"x","event":{"severity":80}}`, `{"message":"y","event":{"severity":80}}`)

	// The test listener's figures, in the pipeline part.
	listener := func(s live.MetricsSnapshot) *live.ListenerFigures {
		if s.Pipeline != nil {
			for i, l := range s.Pipeline.Listeners {
				if l.Listener == "test" {
					return &s.Pipeline.Listeners[i]
				}
			}
		}
		return nil
	}
	// Until every count is in: the alert comes after its events, and the
	// pipeline's figures include org B's events, stored meanwhile.
	readMetrics(t, a, &totA, checkA, func() bool {
		l := listener(totA.last)
		return totA.received == 4 && totA.stored == 3 && totA.raised == 1 && totA.last.Alerts.Open != nil && *totA.last.Alerts.Open == 1 &&
			l != nil && l.StoredTotal == 6
	})
	want := map[string]int64{"info": 1, "low": 0, "medium": 1, "high": 0, "critical": 1}
	for k, v := range want {
		if totA.bySeverity[k] != v {
			t.Errorf("org A by severity: %v, want %v", totA.bySeverity, want)
			break
		}
	}
	if e := totA.last.Events; e.ReceivedTotal != 5 || e.StoredTotal != 4 || totA.last.Alerts.RaisedTotal != 1 {
		t.Errorf("org A totals: %+v, alerts %+v", e, totA.last.Alerts)
	}
	// The pipeline spans both orgs (1 + 3 + 2 events stored by the test
	// listener: the condition above) and comes with its bound.
	if totA.last.Pipeline.InFlightLimit <= 0 {
		t.Errorf("pipeline: %+v", totA.last.Pipeline)
	}

	// The OpenAPI document describes every field the message has.
	raw, _ := json.Marshal(totA.last)
	var got map[string]any
	_ = json.Unmarshal(raw, &got)
	doc, _ := json.Marshal(f.srv.Document())
	var d struct {
		Components struct{ Schemas map[string]map[string]any }
	}
	_ = json.Unmarshal(doc, &d)
	described(t, "LiveMetrics", got, d.Components.Schemas["LiveMetrics"])

	readMetrics(t, b, &totB, checkB, func() bool { return totB.received == 2 && totB.stored == 2 })
	if totB.bySeverity["high"] != 2 || totB.last.Events.StoredTotal != 2 || totB.raised != 0 {
		t.Errorf("org B: %+v, by severity %v", totB.last, totB.bySeverity)
	}

	// Everyone leaves: the reads stop.
	a.Close(websocket.StatusNormalClosure, "")
	b.Close(websocket.StatusNormalClosure, "")
	waitUntil(t, "the sockets to close", func() bool {
		return !f.hub.Listening(f.org.ID, live.ChannelMetrics) && !f.hub.Listening(orgB.Org.ID, live.ChannelMetrics)
	})
	time.Sleep(interval / 2) // a tick that saw them may be finishing
	reads, counts := figs.reads.Load(), opens.Load()
	time.Sleep(3 * interval)
	if figs.reads.Load() != reads || opens.Load() != counts {
		t.Fatalf("still computing after the subscribers left: %d reads, %d counts more", figs.reads.Load()-reads, opens.Load()-counts)
	}
}

// described fails for every field of v that the JSON schema s lacks.
func described(t *testing.T, path string, v any, s map[string]any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if props == nil {
			return // a map (additionalProperties): its keys are data
		}
		for k, sub := range x {
			ps, ok := props[k].(map[string]any)
			if !ok {
				t.Errorf("%s.%s is not in the OpenAPI schema", path, k)
				continue
			}
			described(t, path+"."+k, sub, ps)
		}
	case []any:
		items, _ := s["items"].(map[string]any)
		for _, it := range x {
			described(t, path+"[]", it, items)
		}
	}
}
