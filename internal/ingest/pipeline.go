package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/normalize"
)

// Sink makes events durable. The event store satisfies it: Append returns
// only once the events are durable, skips IDs already stored, and merges
// concurrent calls into one commit (group commit).
type Sink interface {
	Append(ctx context.Context, evs []event.Event) (eventstore.AppendResult, error)
}

// Enricher adds context (GeoIP, intel, asset) to an event before it is
// stored. It must be safe for concurrent use and must not block on I/O
// for long: it runs on the ingest path.
type Enricher interface {
	Enrich(ev *event.Event)
}

// Publisher receives events right after they become durable, in commit
// order per batch (fan-out to the live feed, detection, forwarders). It
// must not block: a slow consumer drops or buffers on its own side.
type Publisher interface {
	Publish(stored []event.Event)
}

var _ Sink = eventstore.Store(nil)

// Options configure a Pipeline.
type Options struct {
	Sink       Sink                  // required
	Normalizer *normalize.Normalizer // required: listeners parse with it
	Enricher   Enricher              // optional
	Publisher  Publisher             // optional
	// Prematch, when set, sees every batch after enrichment and before the
	// store's commit, in the submitting goroutine (detection matches the
	// events there, while the commit may wait; see Event.Matched).
	Prematch func(evs []event.Event)
	// Receipts remembers idempotency keys (optional; by default the Sink
	// when it implements eventstore.Receipts). Without it a request with
	// an Idempotency-Key header is refused.
	Receipts eventstore.Receipts
	// ClientIDs records the first arrival of events that their sender
	// identified but did not date (optional; by default the Sink if it
	// implements eventstore.ClientIDs; without it they are remembered in
	// memory only, see SettleClientID).
	ClientIDs eventstore.ClientIDs
	// MaxInFlight bounds the events admitted and not yet durable, over
	// every listener (default 200,000). Beyond it, Submit fails with
	// ErrOverloaded and SubmitWait waits.
	MaxInFlight int
	// RetryAfter is the delay HTTP listeners suggest when overloaded
	// (default 1s).
	RetryAfter time.Duration
	// An event claiming to have happened more than MaxFuture ahead of
	// its arrival (default 24h) or more than MaxPast before it (default
	// 10 years) keeps its claim in event.created and is stored at its
	// arrival time, tagged _timestamp_out_of_range: a far-off timestamp
	// would otherwise create a stray time partition or vanish at once
	// under retention. The normalizer applies the same rule to the times
	// it parses; this check also covers times set by listeners (HEC's
	// "time"). Keep both settings equal.
	MaxFuture, MaxPast time.Duration
	// Registerer receives the ingest metrics (nil: not registered).
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	Now        func() time.Time
}

// Pipeline takes normalized events from the listeners, repairs what the
// store cannot hold, enriches, appends durably and publishes. It bounds
// the events in flight so that overload becomes back-pressure, not loss.
type Pipeline struct {
	o   Options
	log *slog.Logger
	m   *metrics
	adm admission
	// recent is what SettleClientID remembers.
	recent *recentIDs
	// clientIDs records recent's first arrivals (nil: memory only).
	clientIDs eventstore.ClientIDs
	// orgs holds each org's counts (org ID → *orgCounters), read by the
	// live metrics channel.
	orgs sync.Map
}

// Result says what happened to a submitted batch.
type Result struct {
	Stored     int // newly stored
	Duplicates int // skipped: their ID was already stored
	// Committed are the newly stored events, with Seq set.
	Committed []event.Event
}

// New builds a pipeline.
func New(o Options) (*Pipeline, error) {
	if o.Sink == nil {
		return nil, errors.New("cannot create ingest pipeline: no sink")
	}
	if o.Normalizer == nil {
		return nil, errors.New("cannot create ingest pipeline: no normalizer")
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 200_000
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	if o.MaxFuture <= 0 {
		o.MaxFuture = 24 * time.Hour
	}
	if o.MaxPast <= 0 {
		o.MaxPast = 10 * 365 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Receipts == nil {
		o.Receipts, _ = o.Sink.(eventstore.Receipts)
	}
	if o.ClientIDs == nil {
		o.ClientIDs, _ = o.Sink.(eventstore.ClientIDs)
	}
	p := &Pipeline{o: o, log: o.Logger.With("component", "ingest"), m: newMetrics(o.Registerer), recent: newRecentIDs(), clientIDs: o.ClientIDs}
	if p.clientIDs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := p.loadClientIDs(ctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("cannot create ingest pipeline: %w", err)
		}
	}
	p.adm.max = o.MaxInFlight
	p.adm.wake = make(chan struct{})
	p.m.inFlightLimit.Set(float64(o.MaxInFlight))
	return p, nil
}

// Normalizer is the normalizer listeners parse with.
func (p *Pipeline) Normalizer() *normalize.Normalizer { return p.o.Normalizer }

// Counters returns the metrics of a listener (created on first use).
func (p *Pipeline) Counters(listener string) *Counters { return p.m.forListener(listener) }

// RetryAfter is the delay to suggest to a sender refused for overload.
func (p *Pipeline) RetryAfter() time.Duration { return p.o.RetryAfter }

// Now is the pipeline's clock.
func (p *Pipeline) Now() time.Time { return p.o.Now() }

// Logger is the pipeline's logger.
func (p *Pipeline) Logger() *slog.Logger { return p.o.Logger }

// Submit makes evs durable and returns once they are. It does not wait for
// room: when admitting them would exceed MaxInFlight it fails at once with
// ErrOverloaded (request/response listeners map it to 429/503). The events
// are modified in place (repairs, enrichment) and must not be used by the
// caller afterwards, except through Result.
func (p *Pipeline) Submit(ctx context.Context, evs []event.Event, listener string) (Result, error) {
	return p.submit(ctx, evs, p.m.forListener(listener), false)
}

// SubmitWait is Submit for stream listeners: it waits for room instead of
// failing, so that a TCP listener stops reading while the pipeline is full.
// It fails only when ctx ends or the store fails.
func (p *Pipeline) SubmitWait(ctx context.Context, evs []event.Event, listener string) (Result, error) {
	return p.submit(ctx, evs, p.m.forListener(listener), true)
}

// Full reports whether the pipeline is at its in-flight bound (for health
// endpoints).
func (p *Pipeline) Full() bool {
	p.adm.mu.Lock()
	defer p.adm.mu.Unlock()
	return p.adm.used >= p.adm.max
}

func (p *Pipeline) submit(ctx context.Context, evs []event.Event, c *Counters, wait bool) (Result, error) {
	if len(evs) == 0 {
		return Result{}, nil
	}
	n := len(evs)
	for i := range evs {
		if evs[i].OrgID == "" {
			// One event without an org would fail the store's whole batch.
			return Result{}, fmt.Errorf("cannot store events: %w: event %d has no org", eventstore.ErrInvalidEvent, i)
		}
	}
	if wait {
		if err := p.adm.acquire(ctx, n); err != nil {
			return Result{}, err
		}
	} else if !p.adm.tryAcquire(n) {
		c.Refused(ReasonOverloaded)
		return Result{}, ErrOverloaded
	}
	c.inFlight.Add(float64(n))
	p.countByOrg(evs, func(oc *orgCounters) *atomic.Int64 { return &oc.received })
	defer func() {
		c.inFlight.Sub(float64(n))
		p.adm.release(n)
	}()

	start := time.Now()
	if err := p.rememberClientIDs(ctx); err != nil {
		if ctx.Err() == nil {
			c.storeErrors.Inc()
		}
		return Result{}, fmt.Errorf("cannot store events: %w", err)
	}
	p.prepare(evs, c)
	if p.o.Prematch != nil {
		p.o.Prematch(evs)
	}
	res, err := p.o.Sink.Append(ctx, evs)
	c.batch.Observe(time.Since(start).Seconds())
	c.batchEvents.Observe(float64(n))
	if err != nil {
		if ctx.Err() == nil {
			c.storeErrors.Inc()
		}
		return Result{}, fmt.Errorf("cannot store events: %w", err)
	}
	c.stored.Add(float64(len(res.Stored)))
	c.duplicates.Add(float64(res.Duplicates))
	p.countByOrg(res.Stored, func(oc *orgCounters) *atomic.Int64 { return &oc.stored })
	if p.o.Publisher != nil && len(res.Stored) > 0 {
		p.o.Publisher.Publish(res.Stored)
	}
	return Result{Stored: len(res.Stored), Duplicates: res.Duplicates, Committed: res.Stored}, nil
}

// ErrNoReceipts means the store cannot remember idempotency keys.
var ErrNoReceipts = errors.New("this event store does not support idempotency keys")

// Received returns the arrival time to use for a request carrying an
// idempotency key: now on its first delivery, the first delivery's time
// on a retry (see eventstore.Receipts).
func (p *Pipeline) Received(ctx context.Context, orgID, key string) (time.Time, error) {
	if p.o.Receipts == nil {
		return time.Time{}, ErrNoReceipts
	}
	return p.o.Receipts.Receipt(ctx, orgID, key, p.o.Now())
}

// prepare repairs what the store cannot hold, enriches, and counts parse
// outcomes and repairs (the normalizer's and its own) from the tags.
func (p *Pipeline) prepare(evs []event.Event, c *Counters) {
	now := p.o.Now()
	var parsed, failed, badUTF8, badTime, unparsedTime, truncated, incomplete int
	for i := range evs {
		ev := &evs[i]
		if ev.Fields == nil {
			ev.Fields = event.Fields{}
		}
		if ev.Ingested.IsZero() {
			ev.Ingested = now
		}
		if ev.Timestamp.IsZero() {
			ev.Timestamp = ev.Ingested
		} else if ev.Timestamp.After(ev.Ingested.Add(p.o.MaxFuture)) || ev.Timestamp.Before(ev.Ingested.Add(-p.o.MaxPast)) {
			ev.Fields["event.created"] = ev.Timestamp.UTC().Format(time.RFC3339Nano)
			ev.Fields["error.message"] = normalize.AppendMessage(ev.Fields["error.message"],
				normalize.OutOfRangeText("@timestamp", ev.Timestamp, ev.Ingested, p.o.MaxFuture, p.o.MaxPast))
			ev.Timestamp = ev.Ingested
			AddTag(ev.Fields, normalize.TagTimestampOutOfRange)
		}
		if sanitizeEvent(ev) {
			AddTag(ev.Fields, normalize.TagInvalidUTF8)
		}
		if p.o.Enricher != nil {
			p.o.Enricher.Enrich(ev)
		}
		isFailed, isTrunc, isIncomplete := false, false, false
		tags, _ := ev.Fields["tags"].([]string)
		for _, t := range tags {
			switch t {
			case event.TagParseError:
				isFailed = true
			case normalize.TagInvalidUTF8:
				badUTF8++
			case normalize.TagTimestampOutOfRange:
				badTime++
			case normalize.TagTimestampUnparsed:
				unparsedTime++
			case normalize.TagRawTruncated, normalize.TagTruncated:
				isTrunc = true
			case normalize.TagFrameIncomplete:
				isIncomplete = true
			}
		}
		if isFailed {
			failed++
		} else {
			parsed++
		}
		// A frame cut short is also tagged _raw_truncated; it counts
		// under its own reason, apart from messages cut to a limit.
		switch {
		case isIncomplete:
			incomplete++
		case isTrunc:
			truncated++
		}
	}
	c.parsed.Add(float64(parsed))
	c.failed.Add(float64(failed))
	if badUTF8 > 0 {
		c.Repaired(ReasonInvalidUTF8, badUTF8)
	}
	if badTime > 0 {
		c.Repaired(ReasonTimestamp, badTime)
	}
	if unparsedTime > 0 {
		c.Repaired(ReasonTimestampUnparsed, unparsedTime)
	}
	if truncated > 0 {
		c.Repaired(ReasonTruncated, truncated)
	}
	if incomplete > 0 {
		c.Repaired(ReasonIncompleteFrame, incomplete)
	}
}

func hasTag(f event.Fields, tag string) bool {
	tags, _ := f["tags"].([]string)
	return slices.Contains(tags, tag)
}

// AddTag adds tag to the event's tags unless it is there already.
func AddTag(f event.Fields, tag string) {
	tags, _ := f["tags"].([]string)
	if slices.Contains(tags, tag) {
		return
	}
	f["tags"] = append(slices.Clip(tags), tag)
}

// admission bounds the events in flight. Waiters sleep on wake, which is
// closed and replaced on every release (a broadcast).
type admission struct {
	mu   sync.Mutex // guards used and wake
	used int
	max  int
	wake chan struct{}
}

// fits says whether n more events may enter. A batch larger than the whole
// bound still enters when nothing else is in flight, or it never could.
func (a *admission) fits(n int) bool { return a.used == 0 || a.used+n <= a.max }

func (a *admission) tryAcquire(n int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.fits(n) {
		return false
	}
	a.used += n
	return true
}

func (a *admission) acquire(ctx context.Context, n int) error {
	for {
		a.mu.Lock()
		if a.fits(n) {
			a.used += n
			a.mu.Unlock()
			return nil
		}
		wake := a.wake
		a.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (a *admission) release(n int) {
	a.mu.Lock()
	a.used -= n
	close(a.wake)
	a.wake = make(chan struct{})
	a.mu.Unlock()
}
