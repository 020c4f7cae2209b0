// Command notify measures notification fan-out: it queues alerts for five
// channels (Slack, Teams, PagerDuty, a signed webhook and a plain one)
// whose endpoints are local HTTP servers answering after a realistic
// delay, on a SQLite state store in a temporary directory, and reports
// deliveries per minute, the queue backlog over time, and enqueue and
// delivery latencies.
//
//	go run ./bench/notify                 # 1,000 alerts at 1,000/min (the requirement)
//	go run ./bench/notify -rate 0         # 1,000 alerts as fast as possible
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/notify"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "notify bench:", err)
		os.Exit(1)
	}
}

type config struct {
	alerts     int
	rate       float64
	latency    time.Duration
	jitter     time.Duration
	workers    int
	perChannel int
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("notify", flag.ContinueOnError)
	fs.IntVar(&c.alerts, "alerts", 1000, "alerts to queue")
	fs.Float64Var(&c.rate, "rate", 1000, "alerts per minute (0: as fast as possible)")
	fs.DurationVar(&c.latency, "latency", 50*time.Millisecond, "endpoint response time")
	fs.DurationVar(&c.jitter, "jitter", 10*time.Millisecond, "endpoint response time jitter (±)")
	fs.IntVar(&c.workers, "workers", 16, "dispatcher workers (concurrent sends)")
	fs.IntVar(&c.perChannel, "per-channel", 4, "concurrent sends per channel")
	if err := fs.Parse(args); err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "eventsec-notify-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Orgs().Create(ctx, store.Org{ID: "o1", Name: "Bench", CreatedAt: time.Now()}); err != nil {
		return err
	}

	var received atomic.Int64
	endpoint := func(status int, body string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			d := c.latency
			if c.jitter > 0 {
				d += time.Duration(rand.Int64N(int64(2*c.jitter))) - c.jitter
			}
			time.Sleep(d)
			received.Add(1)
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}))
	}
	slack := endpoint(http.StatusOK, "ok")
	teams := endpoint(http.StatusAccepted, "")
	pd := endpoint(http.StatusAccepted, `{"status":"success","message":"Event processed"}`)
	hook1 := endpoint(http.StatusNoContent, "")
	hook2 := endpoint(http.StatusOK, "")
	for _, s := range []*httptest.Server{slack, teams, pd, hook1, hook2} {
		defer s.Close()
	}
	channels := []struct {
		kind notify.Kind
		cfg  string
	}{
		{notify.KindSlack, `{"webhook_url":"` + slack.URL + `/services/T/B/x"}`},
		{notify.KindTeams, `{"webhook_url":"` + teams.URL + `/workflows/x"}`},
		{notify.KindPagerDuty, `{"routing_key":"R0123456789abcdefABCDEF012345678","url":"` + pd.URL + `/v2/enqueue"}`},
		{notify.KindWebhook, `{"url":"` + hook1.URL + `/signed","secret":"bench-secret"}`},
		{notify.KindWebhook, `{"url":"` + hook2.URL + `/plain","headers":{"Authorization":"Bearer x"}}`},
	}
	for i, ch := range channels {
		cfg, err := notify.DecodeConfig(ch.kind, []byte(ch.cfg))
		if err != nil {
			return err
		}
		c := notify.Channel{ID: fmt.Sprintf("c%d", i), OrgID: "o1", Name: fmt.Sprintf("%s %d", ch.kind, i), Kind: ch.kind,
			Enabled: true, Config: cfg, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := c.Validate(); err != nil {
			return err
		}
		sc, err := c.ToStore()
		if err != nil {
			return err
		}
		if err := st.Notify().Create(ctx, sc); err != nil {
			return err
		}
	}

	d, err := notify.NewDispatcher(notify.Options{Store: st.Notify(), Workers: c.workers, PerChannel: c.perChannel,
		AttemptTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- d.Run(runCtx) }()
	defer func() { stop(); <-runDone }()

	want := int64(c.alerts * len(channels))
	fmt.Fprintf(out, "notification fan-out: %d alerts × %d channels = %d deliveries, rate %s, endpoint latency %v ±%v, workers %d (%d per channel), SQLite in %s\n\n",
		c.alerts, len(channels), want, rateText(c.rate), c.latency, c.jitter, c.workers, c.perChannel, dir)

	// Sample the queue once a second while the alerts go in and drain.
	type sample struct {
		at                   time.Duration
		queued, pending, due int64
		sent                 int64
	}
	var samples []sample
	var queued atomic.Int64
	start := time.Now()
	sampleDone := make(chan struct{})
	go func() {
		defer close(sampleDone)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
			p, due, err := st.Notify().Backlog(ctx, time.Now())
			if err != nil {
				continue
			}
			s := sample{at: time.Since(start).Round(time.Second), queued: queued.Load(), pending: p, due: due, sent: received.Load()}
			samples = append(samples, s)
			if s.queued == want && p == 0 {
				return
			}
		}
	}()

	var enqueue []time.Duration
	msg := notify.Message{Event: notify.EventAlertRaised, Severity: "high", Summary: "Credential dumping on a domain controller.",
		Link: "https://eventsec.example/alerts/x", Fields: []notify.Field{{Key: "Host", Value: "DC01"}, {Key: "User", Value: "ACME\\admin"}}}
	for i := 0; i < c.alerts; i++ {
		if c.rate > 0 {
			due := start.Add(time.Duration(float64(i) * float64(time.Minute) / c.rate))
			time.Sleep(time.Until(due))
		}
		m := msg
		m.Title = fmt.Sprintf("Mimikatz on DC01 (bench alert %d)", i)
		m.AlertID = fmt.Sprintf("a%05d", i)
		t0 := time.Now()
		ds, err := d.Enqueue(ctx, "o1", m, nil)
		enqueue = append(enqueue, time.Since(t0))
		if err != nil {
			return err
		}
		queued.Add(int64(len(ds)))
	}
	enqueueEnd := time.Since(start)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		p, _, err := st.Notify().Backlog(ctx, time.Now())
		if err != nil {
			return err
		}
		if p == 0 {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("deliveries still pending after 5 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	total := time.Since(start)
	<-sampleDone

	// Delivery latency: queued → recorded as sent, from the delivery log.
	var lat []time.Duration
	var sent, failed int
	f := store.DeliveryFilter{Limit: 1000}
	for {
		page, err := st.Notify().Deliveries(ctx, "o1", f)
		if err != nil {
			return err
		}
		for _, sd := range page {
			switch sd.Status {
			case store.DeliverySent:
				sent++
				lat = append(lat, sd.SentAt.Sub(sd.CreatedAt))
			case store.DeliveryFailed:
				failed++
			}
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.BeforeCreated, f.BeforeID = last.CreatedAt, last.ID
	}

	fmt.Fprintf(out, "queue over time (one line per second)\n%6s %9s %9s %9s %9s\n", "t", "queued", "pending", "due", "received")
	for _, s := range samples {
		fmt.Fprintf(out, "%5.0fs %9d %9d %9d %9d\n", s.at.Seconds(), s.queued, s.pending, s.due, s.sent)
	}
	var maxDue int64
	for _, s := range samples {
		maxDue = max(maxDue, s.due)
	}
	fmt.Fprintf(out, "\ndeliveries: %d sent, %d failed of %d\n", sent, failed, want)
	fmt.Fprintf(out, "enqueue phase: %v (%.0f alerts/min offered)\n", enqueueEnd.Round(time.Millisecond),
		float64(c.alerts)/enqueueEnd.Minutes())
	fmt.Fprintf(out, "all delivered after: %v\n", total.Round(time.Millisecond))
	fmt.Fprintf(out, "throughput: %.0f deliveries/min (%.0f alerts/min fanned out to %d channels)\n",
		float64(sent)/total.Minutes(), float64(sent)/float64(len(channels))/total.Minutes(), len(channels))
	fmt.Fprintf(out, "largest backlog of due deliveries at a sample: %d\n", maxDue)
	fmt.Fprintf(out, "enqueue latency (per alert, %d deliveries written): p50 %v  p99 %v  max %v\n", len(channels),
		pct(enqueue, 50), pct(enqueue, 99), pct(enqueue, 100))
	fmt.Fprintf(out, "delivery latency (queued → sent, endpoint %v): p50 %v  p99 %v  max %v\n", c.latency,
		pct(lat, 50), pct(lat, 99), pct(lat, 100))
	if failed > 0 || sent != int(want) {
		return fmt.Errorf("%d of %d deliveries not sent", int(want)-sent, want)
	}
	return nil
}

func rateText(r float64) string {
	if r <= 0 {
		return "as fast as possible"
	}
	return fmt.Sprintf("%.0f alerts/min", r)
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	i = min(max(i, 0), len(s)-1)
	return s[i].Round(100 * time.Microsecond)
}
