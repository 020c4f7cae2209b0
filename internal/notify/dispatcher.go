package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/store"
)

// Options configures a Dispatcher. Zero values take the defaults.
type Options struct {
	// Store is the queue and the delivery log.
	Store  store.NotifyStore
	Logger *slog.Logger
	Clock  func() time.Time
	// HTTPClient sends the webhooks. The default does not follow
	// redirects (a 3xx is a permanent failure: fix the URL).
	HTTPClient *http.Client
	// TLSConfig is the base of the SMTP connections' TLS settings (e.g.
	// RootCAs for an internal CA); nil uses the system roots.
	TLSConfig *tls.Config
	// Workers bounds the sends in progress (default 16).
	Workers int
	// PerChannel bounds the sends in progress to one channel (default 4),
	// so that a slow endpoint holds up only its own deliveries.
	PerChannel int
	// MaxAttempts: a delivery still failing after this many attempts is
	// marked failed (default 6).
	MaxAttempts int
	// BaseBackoff is the wait after the first failed attempt (default 2 s);
	// it doubles with each attempt, with jitter, up to MaxBackoff
	// (default 10 min). A Retry-After from the endpoint is honoured up to
	// MaxBackoff.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// AttemptTimeout bounds one attempt, connection included (default 30 s).
	AttemptTimeout time.Duration
	// PollInterval is how often the queue is checked for due retries
	// (default 1 s); new deliveries wake the workers at once.
	PollInterval time.Duration
	NewID        func() string
	Registerer   prometheus.Registerer
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Logger = o.Logger.With("component", "notify")
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				TLSHandshakeTimeout:   10 * time.Second,
				ResponseHeaderTimeout: 30 * time.Second,
				MaxIdleConns:          100,
				MaxIdleConnsPerHost:   16,
				IdleConnTimeout:       90 * time.Second,
				ForceAttemptHTTP2:     true,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.PerChannel <= 0 {
		o.PerChannel = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Minute
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 30 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.NewID == nil {
		o.NewID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
}

// Dispatcher queues notifications in the store and delivers them.
//
// Delivery is at least once: a process that dies after an endpoint
// accepted a message but before the outcome was recorded sends it again
// once the claim's lease ends (webhook receivers deduplicate on
// X-EventSec-Delivery; PagerDuty on dedup_key).
type Dispatcher struct {
	o    Options
	s    sender
	m    *metrics
	wake chan struct{}
	// lease is how long a claimed delivery stays invisible to other
	// claimers: one attempt, plus the time it may wait behind its
	// channel's other sends, plus margin.
	lease   time.Duration
	running atomic.Bool

	mu sync.Mutex // guards the fields below
	// outstanding counts claimed deliveries not yet recorded; busy the
	// same per channel, and sems bounds each channel's concurrent sends.
	outstanding int
	busy        map[string]int
	sems        map[string]chan struct{}
}

// NewDispatcher returns a dispatcher; call Run to start its workers.
func NewDispatcher(o Options) (*Dispatcher, error) {
	if o.Store == nil {
		return nil, errors.New("cannot create notification dispatcher: no store")
	}
	o.defaults()
	d := &Dispatcher{o: o, wake: make(chan struct{}, 1), busy: map[string]int{}, sems: map[string]chan struct{}{},
		lease: 2*o.AttemptTimeout + 30*time.Second, m: newMetrics(o.Registerer)}
	d.s = sender{client: o.HTTPClient, tlsConfig: o.TLSConfig, now: o.Clock, userAgent: "EventSec-Notify/1"}
	return d, nil
}

// Wake tells the workers that deliveries were queued (by EnqueueIn in a
// transaction that has now committed).
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Enqueue routes msg (Route) among the org's channels and the rule's
// actions, and stores one pending delivery per target. It returns once
// they are stored, without waiting for any send; a crash after it returns
// loses nothing. Actions that cannot be resolved are logged, not returned.
func (d *Dispatcher) Enqueue(ctx context.Context, orgID string, msg Message, actions []Action) ([]store.NotifyDelivery, error) {
	ds, err := d.EnqueueIn(ctx, d.o.Store, orgID, msg, actions)
	if err == nil && len(ds) > 0 {
		d.Wake()
	}
	return ds, err
}

// EnqueueIn is Enqueue writing through ns, a transaction's NotifyStore, so
// that the deliveries commit with the alert that caused them. Call Wake
// after the commit (or the workers find them at their next poll).
func (d *Dispatcher) EnqueueIn(ctx context.Context, ns store.NotifyStore, orgID string, msg Message, actions []Action) ([]store.NotifyDelivery, error) {
	now := d.o.Clock()
	msg.OrgID = orgID
	msg = msg.normalize(now)
	stored, err := ns.List(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot route notification: %w", err)
	}
	channels := make([]Channel, 0, len(stored))
	for _, sc := range stored {
		c, err := FromStore(sc)
		if err != nil {
			d.o.Logger.Warn("channel skipped: unreadable configuration", "org", orgID, "channel", sc.ID, "err", err)
			continue
		}
		channels = append(channels, c)
	}
	targets, rerr := Route(channels, msg, actions)
	if rerr != nil {
		d.o.Logger.Warn("rule notification actions not delivered", "org", orgID, "event", msg.Event,
			"ref", msg.refID(), "err", rerr)
	}
	if len(targets) == 0 {
		return nil, nil
	}
	ds := make([]store.NotifyDelivery, 0, len(targets))
	for _, t := range targets {
		m := msg
		if t.Severity != "" {
			m.Severity = t.Severity
		}
		if len(t.To) > 0 {
			m.To = t.To
		}
		payload, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("cannot encode notification: %w", err)
		}
		sd := store.NotifyDelivery{ID: d.o.NewID(), OrgID: orgID, ChannelID: t.Channel.ID, ChannelName: t.Channel.Name,
			Kind: string(t.Channel.Kind), Event: m.Event, Title: truncate(m.Title, 500), Severity: m.Severity,
			RefID: m.refID(), Payload: payload, Status: store.DeliveryPending, NextAttemptAt: now,
			CreatedAt: now, UpdatedAt: now}
		if t.AdHoc {
			if sd.AdHocConfig, err = json.Marshal(t.Channel.Config); err != nil {
				return nil, fmt.Errorf("cannot encode notification: %w", err)
			}
		}
		ds = append(ds, sd)
	}
	if err := ns.CreateDeliveries(ctx, ds); err != nil {
		return nil, fmt.Errorf("cannot queue notifications: %w", err)
	}
	for _, sd := range ds {
		d.m.enqueued.WithLabelValues(sd.Kind).Inc()
	}
	return ds, nil
}

// Test sends a test message to c now and returns what the endpoint
// answered; nothing is queued or logged. For PagerDuty the test incident
// is resolved right after it is triggered.
func (d *Dispatcher) Test(ctx context.Context, c Channel) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	id := d.o.NewID()
	name := c.Name
	msg := Message{Event: EventTest, Title: "EventSec test notification", Severity: "informational",
		Summary: "This is a test of the notification channel \"" + name + "\". If you can read it, the channel works.",
		OrgID:   c.OrgID, DedupKey: "eventsec:test:" + id,
		Fields: []Field{{Key: "Channel", Value: name}, {Key: "Kind", Value: string(c.Kind)}}}
	msg = msg.normalize(d.o.Clock())
	actx, cancel := context.WithTimeout(ctx, d.o.AttemptTimeout)
	defer cancel()
	res, err := d.s.send(actx, c, id, msg)
	if err != nil || c.Kind != KindPagerDuty {
		return res, err
	}
	msg.Action = ActionResolve
	if _, err := d.s.send(actx, c, id, msg); err != nil {
		return res, fmt.Errorf("test incident triggered but not resolved: %w", err)
	}
	return res, nil
}

// Retry queues a failed delivery again, with a fresh set of attempts.
func (d *Dispatcher) Retry(ctx context.Context, orgID, id string) error {
	sd, err := d.o.Store.GetDelivery(ctx, orgID, id)
	if err != nil {
		return err
	}
	if sd.Status != store.DeliveryFailed {
		return ErrNotRetryable
	}
	now := d.o.Clock()
	sd.Status, sd.Attempts, sd.NextAttemptAt, sd.UpdatedAt = store.DeliveryPending, 0, now, now
	if err := d.o.Store.UpdateDelivery(ctx, sd); err != nil {
		return err
	}
	d.Wake()
	return nil
}

// Run delivers queued notifications until ctx ends. Deliveries left
// pending by a previous process (or another node) are picked up as they
// come due. On return every delivery it claimed is recorded or released.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("notification dispatcher is already running")
	}
	defer d.running.Store(false)
	var wg sync.WaitGroup
	t := time.NewTicker(d.o.PollInterval)
	defer t.Stop()
	for {
		d.fill(ctx, &wg)
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-t.C:
		case <-d.wake:
		}
	}
}

// fill claims as many due deliveries as there are free workers and starts
// them.
func (d *Dispatcher) fill(ctx context.Context, wg *sync.WaitGroup) {
	for ctx.Err() == nil {
		d.mu.Lock()
		free := d.o.Workers - d.outstanding
		var skip []string
		for ch, n := range d.busy {
			if n >= d.o.PerChannel {
				skip = append(skip, ch)
			}
		}
		d.mu.Unlock()
		if free <= 0 {
			return
		}
		now := d.o.Clock()
		ds, err := d.o.Store.Claim(ctx, store.ClaimRequest{Now: now, Until: now.Add(d.lease), Limit: free,
			PerChannel: d.o.PerChannel, SkipChannels: skip})
		if err != nil {
			if ctx.Err() == nil {
				d.o.Logger.Error("cannot read the notification queue", "err", err)
			}
			return
		}
		for _, sd := range ds {
			d.start(ctx, wg, sd)
		}
		if len(ds) < free {
			return
		}
	}
}

func (d *Dispatcher) start(ctx context.Context, wg *sync.WaitGroup, sd store.NotifyDelivery) {
	d.mu.Lock()
	d.outstanding++
	d.busy[sd.ChannelID]++
	sem := d.sems[sd.ChannelID]
	if sem == nil {
		sem = make(chan struct{}, d.o.PerChannel)
		d.sems[sd.ChannelID] = sem
	}
	d.m.inFlight.Set(float64(d.outstanding))
	d.mu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer d.finish(sd.ChannelID)
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			d.release(ctx, sd)
			return
		}
		defer func() { <-sem }()
		d.process(ctx, sd)
	}()
}

func (d *Dispatcher) finish(channelID string) {
	d.mu.Lock()
	d.outstanding--
	if d.busy[channelID]--; d.busy[channelID] <= 0 {
		delete(d.busy, channelID)
		delete(d.sems, channelID)
	}
	d.m.inFlight.Set(float64(d.outstanding))
	d.mu.Unlock()
	d.Wake()
}

// process makes one attempt and records its outcome.
func (d *Dispatcher) process(ctx context.Context, sd store.NotifyDelivery) {
	defer func() {
		// A bug in a renderer must cost one delivery, not the server.
		if r := recover(); r != nil {
			d.o.Logger.Error("notification delivery panicked", "delivery", sd.ID, "panic", r)
			d.record(ctx, sd, Result{}, permanent(0, fmt.Errorf("internal error: %v", r)))
		}
	}()
	c, msg, err := d.resolve(ctx, sd)
	if err != nil {
		if ctx.Err() != nil {
			d.release(ctx, sd)
			return
		}
		d.record(ctx, sd, Result{}, err)
		return
	}
	actx, cancel := context.WithTimeout(ctx, d.o.AttemptTimeout)
	res, err := d.s.send(actx, c, sd.ID, msg)
	cancel()
	if err != nil && ctx.Err() != nil {
		// Shutting down: this attempt does not count.
		d.release(ctx, sd)
		return
	}
	d.m.sendSeconds.WithLabelValues(sd.Kind).Observe(res.Duration.Seconds())
	d.record(ctx, sd, res, err)
}

// resolve decodes the queued message and finds the channel as it is now
// (an edited URL applies to pending retries).
func (d *Dispatcher) resolve(ctx context.Context, sd store.NotifyDelivery) (Channel, Message, error) {
	var msg Message
	if err := json.Unmarshal(sd.Payload, &msg); err != nil {
		return Channel{}, msg, permanent(0, fmt.Errorf("cannot decode queued message: %w", err))
	}
	if sd.AdHocConfig != nil {
		cfg, err := DecodeConfig(Kind(sd.Kind), sd.AdHocConfig)
		if err != nil {
			return Channel{}, msg, permanent(0, fmt.Errorf("cannot decode rule action configuration: %w", err))
		}
		return Channel{ID: sd.ChannelID, OrgID: sd.OrgID, Name: sd.ChannelName, Kind: Kind(sd.Kind), Enabled: true,
			Config: cfg}, msg, nil
	}
	sc, err := d.o.Store.Get(ctx, sd.OrgID, sd.ChannelID)
	if errors.Is(err, store.ErrNotFound) {
		return Channel{}, msg, permanent(0, ErrChannelGone)
	}
	if err != nil {
		return Channel{}, msg, fmt.Errorf("cannot load channel: %w", err)
	}
	c, err := FromStore(sc)
	if err != nil {
		return Channel{}, msg, permanent(0, err)
	}
	if !c.Enabled {
		return Channel{}, msg, permanent(0, ErrChannelDisabled)
	}
	return c, msg, nil
}

// maxLastError bounds the error text kept in the delivery log.
const maxLastError = 1000

func (d *Dispatcher) record(ctx context.Context, sd store.NotifyDelivery, res Result, err error) {
	now := d.o.Clock()
	sd.Attempts++
	sd.ResponseCode = res.Code
	sd.UpdatedAt = now
	outcome := "sent"
	switch {
	case err == nil:
		sd.Status, sd.LastError, sd.NextAttemptAt, sd.SentAt = store.DeliverySent, "", now, &now
	case IsPermanent(err) || sd.Attempts >= d.o.MaxAttempts:
		outcome = "failed"
		sd.Status, sd.LastError, sd.NextAttemptAt = store.DeliveryFailed, truncate(err.Error(), maxLastError), now
	default:
		outcome = "retry"
		var se *SendError
		var after time.Duration
		if errors.As(err, &se) {
			after = se.RetryAfter
		}
		sd.LastError, sd.NextAttemptAt = truncate(err.Error(), maxLastError), now.Add(d.backoff(sd.Attempts, after))
	}
	d.m.deliveries.WithLabelValues(sd.Kind, outcome).Inc()
	// Recorded even when shutting down: the attempt happened.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if uerr := d.o.Store.UpdateDelivery(wctx, sd); uerr != nil {
		// The lease runs out and the delivery is tried again: at least once.
		d.o.Logger.Error("cannot record notification delivery", "delivery", sd.ID, "err", uerr)
	}
	switch outcome {
	case "failed":
		d.o.Logger.Warn("notification failed", "org", sd.OrgID, "channel", sd.ChannelID, "kind", sd.Kind,
			"delivery", sd.ID, "attempts", sd.Attempts, "err", err)
	case "retry":
		d.o.Logger.Info("notification will be retried", "org", sd.OrgID, "channel", sd.ChannelID, "kind", sd.Kind,
			"delivery", sd.ID, "attempts", sd.Attempts, "next", sd.NextAttemptAt, "err", err)
	}
}

// release gives a claimed delivery back, due now, without counting an
// attempt: the process is stopping.
func (d *Dispatcher) release(ctx context.Context, sd store.NotifyDelivery) {
	now := d.o.Clock()
	sd.NextAttemptAt, sd.UpdatedAt = now, now
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.o.Store.UpdateDelivery(wctx, sd); err != nil {
		d.o.Logger.Error("cannot release notification delivery", "delivery", sd.ID, "err", err)
	}
}

// backoff is the wait after the attempts-th failed attempt: BaseBackoff
// doubled per attempt, capped, with "equal jitter" (half fixed, half
// random) so that many deliveries failing together do not retry together.
func (d *Dispatcher) backoff(attempts int, retryAfter time.Duration) time.Duration {
	b := d.o.BaseBackoff
	for i := 1; i < attempts && b < d.o.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.o.MaxBackoff)
	b = b/2 + rand.N(b/2+1)
	if retryAfter > b {
		b = min(retryAfter, d.o.MaxBackoff)
	}
	return b
}

// RedactDelivery blanks the secrets of an ad-hoc delivery's configuration,
// for the delivery log's API.
func RedactDelivery(sd store.NotifyDelivery) store.NotifyDelivery {
	if sd.AdHocConfig == nil {
		return sd
	}
	cfg, err := DecodeConfig(Kind(sd.Kind), sd.AdHocConfig)
	if err != nil {
		sd.AdHocConfig = nil
		return sd
	}
	sd.AdHocConfig, _ = json.Marshal(cfg.Redacted())
	return sd
}

type metrics struct {
	deliveries  *prometheus.CounterVec
	enqueued    *prometheus.CounterVec
	sendSeconds *prometheus.HistogramVec
	inFlight    prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eventsec_notify_attempts_total",
			Help: "Notification delivery attempts, by channel kind and outcome (sent, retry, failed)."},
			[]string{"kind", "outcome"}),
		enqueued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eventsec_notify_enqueued_total",
			Help: "Notification deliveries queued, by channel kind."}, []string{"kind"}),
		sendSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "eventsec_notify_send_seconds",
			Help:    "Time of one delivery attempt, by channel kind.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}, []string{"kind"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "eventsec_notify_in_flight",
			Help: "Claimed notification deliveries not yet recorded."}),
	}
	if reg != nil {
		reg.MustRegister(m.deliveries, m.enqueued, m.sendSeconds, m.inFlight)
	}
	return m
}
