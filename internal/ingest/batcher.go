package ingest

import (
	"context"
	"errors"
	"sync"
	"time"
)

// BatcherOptions configure a Batcher.
type BatcherOptions struct {
	// Listener is the metrics label of the events (e.g. "syslog_tcp").
	Listener string
	// A batch is submitted when it holds MaxEvents items (default 2,000)
	// or when its first item has waited MaxDelay (default 50ms).
	MaxEvents int
	MaxDelay  time.Duration
	// Workers normalize and submit batches concurrently (default 2): with
	// one connection sending, parsing still runs on several cores and the
	// next batch is parsed while the previous one commits.
	Workers int
	// OnResult, when set, is called after each batch with its outcome
	// (n items; err when they were not stored). For summaries.
	OnResult func(n int, res Result, err error)
}

// Batcher gathers items from stream listeners (syslog, file import) into
// large batches, normalizes them on worker goroutines and submits them
// with SubmitWait, retrying store failures. Its memory is bounded: when
// the pipeline is full, Add blocks (a TCP listener then stops reading) and
// TryAdd fails (a UDP listener counts a drop).
type Batcher struct {
	p  *Pipeline
	o  BatcherOptions
	c  *Counters
	wg sync.WaitGroup
	// ctx is what workers submit under: not cancelled when the listener
	// stops (pending batches are still flushed), only when Close gives up.
	ctx    context.Context
	cancel context.CancelFunc
	queue  chan []Item

	mu     sync.Mutex // guards cur, space, closed and the timer's state
	cur    []Item
	space  chan struct{} // closed and replaced when a worker takes a batch
	timer  *time.Timer
	armed  bool
	closed bool
}

// ErrBatcherClosed is returned by Add after Close.
var ErrBatcherClosed = errors.New("batcher is closed")

// NewBatcher starts a batcher. ctx carries values only: its cancellation
// does not stop the batcher; Close does.
func (p *Pipeline) NewBatcher(ctx context.Context, o BatcherOptions) *Batcher {
	if o.MaxEvents <= 0 {
		o.MaxEvents = 2000
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 50 * time.Millisecond
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	b := &Batcher{p: p, o: o, c: p.Counters(o.Listener), queue: make(chan []Item, 1), space: make(chan struct{})}
	b.ctx, b.cancel = context.WithCancel(context.WithoutCancel(ctx))
	b.cur = make([]Item, 0, o.MaxEvents)
	b.timer = time.AfterFunc(time.Hour, b.onTimer)
	b.timer.Stop()
	b.wg.Add(o.Workers)
	for range o.Workers {
		go b.work()
	}
	return b
}

// Add queues an item. It blocks while the batcher is full and returns an
// error only when ctx ends first or the batcher is closed.
func (b *Batcher) Add(ctx context.Context, it Item) error {
	for {
		ok, wait, err := b.add(it)
		if ok || err != nil {
			return err
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// TryAdd queues an item unless the batcher is full; it never blocks.
func (b *Batcher) TryAdd(it Item) bool {
	ok, _, err := b.add(it)
	return ok && err == nil
}

func (b *Batcher) add(it Item) (bool, chan struct{}, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false, nil, ErrBatcherClosed
	}
	if len(b.cur) >= b.o.MaxEvents && !b.handOver() {
		return false, b.space, nil
	}
	b.cur = append(b.cur, it)
	if len(b.cur) == 1 && !b.armed {
		b.timer.Reset(b.o.MaxDelay)
		b.armed = true
	}
	if len(b.cur) >= b.o.MaxEvents {
		b.handOver()
	}
	return true, nil, nil
}

// handOver gives the current batch to the workers if one is free to take
// it; b.mu is held.
func (b *Batcher) handOver() bool {
	select {
	case b.queue <- b.cur:
		b.cur = make([]Item, 0, b.o.MaxEvents)
		b.timer.Stop()
		b.armed = false
		return true
	default:
		return false
	}
}

func (b *Batcher) onTimer() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.armed = false
	if len(b.cur) == 0 || b.closed {
		return
	}
	if !b.handOver() {
		// The workers are busy: try again shortly, the batch keeps
		// growing meanwhile (up to MaxEvents).
		b.timer.Reset(b.o.MaxDelay)
		b.armed = true
	}
}

func (b *Batcher) work() {
	defer b.wg.Done()
	for batch := range b.queue {
		b.mu.Lock()
		close(b.space)
		b.space = make(chan struct{})
		b.mu.Unlock()
		b.process(batch)
	}
}

// process normalizes and submits one batch, retrying while the store
// fails, until it is stored or the batcher gives up at Close.
func (b *Batcher) process(batch []Item) {
	evs := b.p.NormalizeAll(batch)
	backoff := 100 * time.Millisecond
	for {
		res, err := b.p.SubmitWait(b.ctx, evs, b.o.Listener)
		if err == nil {
			if b.o.OnResult != nil {
				b.o.OnResult(len(batch), res, nil)
			}
			return
		}
		if b.ctx.Err() != nil {
			b.c.Dropped(ReasonShutdown, len(batch))
			if b.o.OnResult != nil {
				b.o.OnResult(len(batch), Result{}, err)
			}
			return
		}
		b.p.log.Warn("cannot store a batch; retrying", "listener", b.o.Listener, "events", len(batch), "retry_in", backoff, "err", err)
		select {
		case <-time.After(backoff):
		case <-b.ctx.Done():
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// Close submits what is pending and waits until every batch is stored or
// ctx ends; what is still pending then is dropped and counted. Add must
// not be called after Close.
func (b *Batcher) Close(ctx context.Context) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	b.timer.Stop()
	last := b.cur
	b.cur = nil
	b.mu.Unlock()
	done := make(chan struct{})
	go func() {
		if len(last) > 0 {
			select {
			case b.queue <- last:
			case <-b.ctx.Done():
				b.c.Dropped(ReasonShutdown, len(last))
			}
		}
		close(b.queue)
		b.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		b.cancel()
		<-done
	}
	b.cancel()
}
