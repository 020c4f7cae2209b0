package detect

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/detect/attack"
	"github.com/eventsec/eventsec/internal/detect/correlate"
	"github.com/eventsec/eventsec/internal/detect/jsonrule"
	"github.com/eventsec/eventsec/internal/detect/sigma"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/live"
	"github.com/eventsec/eventsec/internal/store"
)

// CheckpointName is the detection stream's checkpoint in the state store.
const CheckpointName = "detection"

// maxAlertEvents bounds the event IDs kept on one alert.
const maxAlertEvents = 100

// hit is one alert-worthy result: a detection's match on an event, or a
// correlation that fired.
type hit struct {
	orgID string
	doc   *doc
	ev    *event.Event     // detection
	fired *correlate.Fired // correlation
	at    time.Time
}

// seqHeap orders pending events by Seq.
type seqHeap []event.Event

func (h seqHeap) Len() int           { return len(h) }
func (h seqHeap) Less(i, j int) bool { return h[i].Seq < h[j].Seq }
func (h seqHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *seqHeap) Push(x any)        { *h = append(*h, x.(event.Event)) }
func (h *seqHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Publish hands committed events to detection. It never blocks: when the
// queue is full the events are dropped here and read back from the event
// store, in order, by the stream.
func (s *Service) Publish(stored []event.Event) {
	if len(stored) == 0 {
		return
	}
	select {
	case s.in <- stored:
	default:
		s.m.dropped.Add(float64(len(stored)))
	}
}

// Run consumes the committed event stream until ctx ends: it resumes from
// the checkpoint, evaluates every event in commit order, raises alerts and
// moves the checkpoint in the same transaction.
func (s *Service) Run(ctx context.Context) error {
	next, err := s.o.Store.Checkpoints().Get(ctx, CheckpointName)
	if err != nil {
		return err
	}
	if next == 0 {
		// First start: detection begins with the events that arrive from
		// now on (history is for backtests and retro-hunts).
		if s.o.FirstStartAfter != nil {
			next = *s.o.FirstStartAfter
		} else if next, err = s.o.Events.LastSeq(ctx); err != nil {
			return err
		}
		if err := s.o.Store.Checkpoints().Set(ctx, CheckpointName, next, s.o.Now()); err != nil {
			return err
		}
	}
	if err := s.restoreState(ctx, next); err != nil {
		s.o.Logger.Warn("detection: correlation state not restored; open windows start empty", "err", err)
	}
	s.readyOnce.Do(func() { close(s.ready) })
	// Scheduled KQL rules run beside the stream.
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			s.runScheduled(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	defer func() { <-schedDone }()
	// The sampled evaluation times are written beside the stream, not in
	// its transactions: a row per rule would delay the alerts once a
	// minute.
	evalDone := make(chan struct{})
	go func() {
		defer close(evalDone)
		t := time.NewTicker(s.o.EvalFlushEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				if err := s.flushEvalTimes(context.WithoutCancel(ctx)); err != nil {
					s.o.Logger.Error("detection: cannot store rule evaluation times", "err", err)
				}
				return
			case <-t.C:
				if err := s.flushEvalTimes(ctx); err != nil {
					s.o.Logger.Error("detection: cannot store rule evaluation times", "err", err)
				}
			}
		}
	}()
	defer func() { <-evalDone }()
	cm := newCommitter(s)
	go cm.run(ctx)
	pending := &seqHeap{}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	advance := time.NewTicker(10 * time.Second)
	defer advance.Stop()
	snapshot := time.NewTicker(s.o.SnapshotEvery)
	defer snapshot.Stop()
	gapSince := time.Time{}
	for {
		select {
		case <-ctx.Done():
			// What is queued is still stored; the correlation state is
			// saved only if all of it was (state ahead of the checkpoint
			// would count events twice after a restart).
			close(cm.in)
			<-cm.done
			if cm.aborted.Load() {
				return nil
			}
			if err := s.saveState(context.WithoutCancel(ctx), next); err != nil {
				s.o.Logger.Error("detection: cannot save correlation state", "err", err)
			}
			return nil
		case batch := <-s.in:
			// Take whatever else is queued too: one commit for all of it.
			for more := true; more; {
				for _, ev := range batch {
					if ev.Seq > next {
						heap.Push(pending, ev)
					}
				}
				select {
				case batch = <-s.in:
				default:
					more = false
				}
			}
		case <-tick.C:
		case <-advance.C:
			cm.send(ctx, commitReq{hits: s.advance(), seq: next})
			continue
		case <-snapshot.C:
			if !cm.flush(ctx) {
				continue
			}
			if err := s.saveState(ctx, next); err != nil {
				s.o.Logger.Error("detection: cannot save correlation state", "err", err)
			}
			continue
		}
		// Take the contiguous run from next+1.
		var run []event.Event
		for pending.Len() > 0 && (*pending)[0].Seq <= next+int64(len(run))+1 {
			ev := heap.Pop(pending).(event.Event)
			if ev.Seq == next+int64(len(run))+1 {
				run = append(run, ev)
			}
		}
		if len(run) == 0 {
			// A gap: events were dropped, or another commit's Publish is
			// late. Read the gap back from the store if it persists.
			last, err := s.o.Events.LastSeq(ctx)
			if err != nil || last <= next {
				gapSince = time.Time{}
				continue
			}
			if gapSince.IsZero() {
				gapSince = time.Now()
				continue
			}
			if time.Since(gapSince) < 200*time.Millisecond {
				continue
			}
			if run, err = s.o.Events.Since(ctx, next, 5000); err != nil {
				s.o.Logger.Error("detection: cannot read events", "err", err)
				continue
			}
			s.m.replayed.Add(float64(len(run)))
		}
		gapSince = time.Time{}
		if len(run) == 0 {
			continue
		}
		// A long run (a large commit, or a backlog) is evaluated in
		// slices, each handed to the committer as soon as it is
		// evaluated, so that the alerts of its first events do not wait
		// for its last ones; the committer stores them while the next
		// slices are evaluated.
		for len(run) > 0 {
			part := run[:min(len(run), maxRunSlice)]
			last := part[len(part)-1]
			hits := s.evaluate(part, true)
			if !cm.send(ctx, commitReq{hits: hits, seq: last.Seq, ingested: last.Ingested}) {
				break
			}
			next = last.Seq
			run = run[len(part):]
		}
	}
}

// commitReq is what one slice of the stream leaves to store: its alerts
// and the checkpoint after it (seq), or, with flush set, a request to
// report once everything queued before it is stored.
type commitReq struct {
	hits     []hit
	seq      int64
	ingested time.Time // of the slice's last event (lag metric)
	flush    chan bool
}

// committer stores the stream's results in order, in a goroutine of its
// own: while one transaction waits for its sync, the next slices are
// evaluated, and whatever queued meanwhile goes into the next
// transaction. A burst of events (a large event-store commit, or a
// backlog after a pause) then costs a few transactions instead of one per
// slice.
type committer struct {
	s    *Service
	in   chan commitReq
	done chan struct{}
	// aborted is set when a transaction failed and the context ended
	// before a retry succeeded: nothing after it was stored.
	aborted atomic.Bool
}

// maxBusyRetries is how many times in a row a transaction that lost to a
// concurrent one (store.ErrBusy) is retried after 10, 20, 40... ms before
// the committer falls back to retrying every second.
const maxBusyRetries = 5

// maxCommitMerge bounds how many queued requests one transaction takes.
const maxCommitMerge = 32

func newCommitter(s *Service) *committer {
	return &committer{s: s, in: make(chan commitReq, 4), done: make(chan struct{})}
}

// send queues r; false when ctx ended first.
func (c *committer) send(ctx context.Context, r commitReq) bool {
	select {
	case c.in <- r:
		return true
	case <-ctx.Done():
		return false
	}
}

// flush waits until everything queued is stored; false if it was not
// (or ctx ended).
func (c *committer) flush(ctx context.Context) bool {
	f := make(chan bool, 1)
	if !c.send(ctx, commitReq{seq: -1, flush: f}) {
		return false
	}
	select {
	case ok := <-f:
		return ok
	case <-ctx.Done():
		return false
	}
}

// run stores requests until c.in is closed. A transaction that fails is
// retried every second, holding back the ones after it (the stream then
// stops taking events; the ones it misses are read back from the event
// store later). Transactions run without ctx's cancellation so that what
// was queued before a shutdown is still stored.
//
// The stream's transactions do not wait for the disk (store.TxLazy): at
// 10,000 events/s their sync was most of an alert's delay while the
// event store's checkpoint wrote (docs/performance.md). Lost to a power
// failure, alerts and the checkpoint they move are lost together, and
// detection raises them again from the stored events. A flush (before the
// correlation state is saved with the checkpoint's seq) and the end of
// the stream commit durably, which makes every commit before durable too.
func (c *committer) run(ctx context.Context) {
	defer close(c.done)
	bg := context.WithoutCancel(ctx)
	last, lazy := int64(-1), false // the last checkpoint stored; whether it may not be durable yet
	for r := range c.in {
		batch := []commitReq{r}
	drain:
		for len(batch) < maxCommitMerge {
			select {
			case r, ok := <-c.in:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		var (
			hits     []hit
			seq      = int64(-1)
			ingested time.Time
			flushes  []chan bool
		)
		for _, r := range batch {
			hits = append(hits, r.hits...)
			seq = max(seq, r.seq)
			if !r.ingested.IsZero() {
				ingested = r.ingested
			}
			if r.flush != nil {
				flushes = append(flushes, r.flush)
			}
		}
		durable := len(flushes) > 0
		if durable && lazy && seq < 0 {
			seq = last // store the checkpoint again, durably
		}
		if c.store(ctx, bg, hits, seq, !durable, ingested) && seq >= 0 {
			last, lazy = seq, !durable
		}
		for _, f := range flushes {
			f <- !c.aborted.Load()
		}
	}
	if lazy {
		c.store(ctx, bg, nil, last, false, time.Time{})
	}
}

// store commits one transaction of the stream's results, retrying it
// until it succeeds or ctx ends (then c.aborted is set); false when
// nothing was stored.
func (c *committer) store(ctx, bg context.Context, hits []hit, seq int64, lazy bool, ingested time.Time) bool {
	if c.aborted.Load() || (len(hits) == 0 && seq < 0) {
		return false
	}
	busy := 0
	for {
		t0 := time.Now()
		err := c.s.commit(bg, hits, seq, lazy)
		if err == nil {
			c.s.m.commitSecs.Observe(time.Since(t0).Seconds())
			if !ingested.IsZero() {
				c.s.m.lag.Set(time.Since(ingested).Seconds())
			}
			return true
		}
		wait := time.Second
		if errors.Is(err, store.ErrBusy) && busy < maxBusyRetries {
			// PostgreSQL undid the transaction to break a deadlock
			// with an analyst's change to the same alerts: nothing
			// of it was stored, and trying again at once almost
			// always succeeds. A second's wait would hold back
			// every alert behind it.
			busy++
			wait = time.Duration(5<<busy) * time.Millisecond
			c.s.o.Logger.Warn("detection: alerts' transaction met a concurrent change; retrying", "attempt", busy, "err", err)
		} else {
			c.s.o.Logger.Error("detection: cannot store alerts; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			c.aborted.Store(true)
			return false
		case <-time.After(wait):
		}
	}
}

// maxRunSlice is the most events evaluated before their alerts are
// committed: a 50,000-event commit of the event store would otherwise
// hold back every alert in it until all of it is evaluated.
const maxRunSlice = 2048

// evaluate runs every event through its org's rules. With alerting false
// (replaying to rebuild correlation state) no hits are returned.
func (s *Service) evaluate(evs []event.Event, alerting bool) []hit {
	var hits []hit
	now := s.o.Now()
	matched := s.matchAll(evs)
	for i := range evs {
		ev := &evs[i]
		e := s.engine(ev.OrgID, false)
		if e == nil {
			continue
		}
		e.mu.RLock()
		for _, id := range matched.of(i) {
			d := e.docs[id]
			if d == nil || e.excepted(d, ev, now) {
				continue
			}
			d.unit.matches.Add(1)
			n := len(hits)
			if hits = e.docHits(ev.OrgID, d, ev, hits); !alerting {
				hits = hits[:n]
			}
		}
		e.mu.RUnlock()
	}
	return hits
}

// matchOne appends the IDs of the documents that match ev, timing one
// event in sampleEvery. The caller holds e.mu for reading.
func (s *Service) matchOne(e *orgEngine, ev *event.Event, ids []string) []string {
	start := time.Now()
	if s.sampleEvery > 0 && s.evalSeq.Add(1)%s.sampleEvery == 0 {
		ids = e.matchTimed(ev, ids)
	} else {
		ids = e.match(ev, ids)
	}
	s.m.observeEval(time.Since(start).Nanoseconds())
	return ids
}

// prematched is what Prematch found: the matching document IDs under
// one compiled rule set (a rebuild makes a new one, and the event is
// matched again).
type prematched struct {
	rules *sigma.Ruleset
	ids   []string
}

// Prematch runs the stateless part of detection (which rules match) on
// events about to be stored, in the caller's goroutine, and keeps the
// result on each event (Event.Matched). Ingest calls it before the event
// store's commit: while a commit waits (a DuckDB checkpoint holds commits
// for up to a second or two), the matching is done, and the stream clears
// the burst that follows with only exceptions, correlation and alerts left
// to do, in seq order, as before.
func (s *Service) Prematch(evs []event.Event) {
	chunks := (len(evs) + matchChunk - 1) / matchChunk
	work := func(c int) {
		var ids []string
		// Most events match nothing: they share one result per rule set.
		var none *prematched
		for i := c * matchChunk; i < min((c+1)*matchChunk, len(evs)); i++ {
			ev := &evs[i]
			e := s.engine(ev.OrgID, false)
			if e == nil {
				continue
			}
			e.mu.RLock()
			lo := len(ids)
			ids = s.matchOne(e, ev, ids)
			switch {
			case len(ids) > lo:
				ev.Matched = &prematched{rules: e.ruleset, ids: ids[lo:len(ids):len(ids)]}
			case none != nil && none.rules == e.ruleset:
				ev.Matched = none
			default:
				none = &prematched{rules: e.ruleset}
				ev.Matched = none
			}
			e.mu.RUnlock()
		}
	}
	// A large request is matched on every core, as the stream would.
	eachChunk(chunks, work)
}

// eachChunk calls work for chunks 0..chunks-1 on every core (a worker
// takes the next chunk when it is done with one) and returns when all are.
func eachChunk(chunks int, work func(c int)) {
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		for c := range chunks {
			work(c)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
				work(c)
			}
		})
	}
	wg.Wait()
}

// matchChunk is how many events one matching goroutine takes at a time.
const matchChunk = 128

// matchedIDs holds the matching document IDs of a run of events: those
// of event i are ids[end[i-1]:end[i]].
type matchedIDs struct {
	ids [][]string // per chunk
	end [][]int32  // per chunk, per event of the chunk
}

func (m *matchedIDs) of(i int) []string {
	c, j := i/matchChunk, i%matchChunk
	lo := int32(0)
	if j > 0 {
		lo = m.end[c][j-1]
	}
	return m.ids[c][lo:m.end[c][j]]
}

// matchAll runs the stateless part of detection (which rules match each
// event) over chunks of the run on every core: it is most of the work,
// and a burst of events (a large commit) is then cleared in a fraction
// of the time. Exceptions, correlation and alerts follow in seq order.
func (s *Service) matchAll(evs []event.Event) *matchedIDs {
	chunks := (len(evs) + matchChunk - 1) / matchChunk
	m := &matchedIDs{ids: make([][]string, chunks), end: make([][]int32, chunks)}
	work := func(c int) {
		lo, hi := c*matchChunk, min((c+1)*matchChunk, len(evs))
		var ids []string
		end := make([]int32, 0, hi-lo)
		for i := lo; i < hi; i++ {
			ev := &evs[i]
			if e := s.engine(ev.OrgID, false); e != nil {
				e.mu.RLock()
				if pm, ok := ev.Matched.(*prematched); ok && pm.rules == e.ruleset {
					ids = append(ids, pm.ids...)
				} else {
					ids = s.matchOne(e, ev, ids)
				}
				e.mu.RUnlock()
			}
			end = append(end, int32(len(ids)))
		}
		m.ids[c], m.end[c] = ids, end
	}
	eachChunk(chunks, work)
	return m
}

// flushEvalTimes adds the rules' sampled evaluation times since the last
// flush to their statistics, in one transaction; on failure they are put
// back for the next one.
func (s *Service) flushEvalTimes(ctx context.Context) error {
	type evalKey struct{ org, rule string }
	stats := map[evalKey]store.RuleStats{}
	for _, e := range s.engines() {
		e.mu.RLock()
		cur := e.sampled.Load()
		for _, l := range e.units {
			ns, samples := l.evalNanos.Swap(0), cur-l.sampleMark.Swap(cur)
			// A disabled rule, or one that does not run, costs nothing:
			// it has no evaluation time to report.
			if l.rule.Enabled && e.problems[l.rule.ID] == "" && samples > 0 {
				stats[evalKey{e.orgID, l.rule.ID}] = store.RuleStats{RuleID: l.rule.ID, EvalNanos: ns, EvalSamples: samples}
			}
		}
		e.mu.RUnlock()
	}
	if len(stats) == 0 {
		return nil
	}
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		for k, st := range stats {
			if err := r.Rules().AddStats(ctx, k.org, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return nil
	}
	for k, st := range stats {
		if e := s.engine(k.org, false); e != nil {
			e.mu.RLock()
			if l := e.units[k.rule]; l != nil {
				l.evalNanos.Add(st.EvalNanos)
				l.sampleMark.Add(-st.EvalSamples)
			}
			e.mu.RUnlock()
		}
	}
	return fmt.Errorf("cannot store rule evaluation times: %w", err)
}

func correlateObservation(orgID string, d *doc, ev *event.Event, name string) correlate.Observation {
	return correlate.Observation{OrgID: orgID, RuleID: d.id, RuleName: name, Time: ev.Timestamp,
		EventID: ev.ID, Entities: observedEntities(ev), Field: func(f string) (string, bool) {
			vals := fieldValues(ev, d, f)
			if len(vals) == 0 {
				return "", false
			}
			return vals[0], true
		}}
}

// match returns the IDs of the documents that match ev. The caller holds
// e.mu (read).
func (e *orgEngine) match(ev *event.Event, dst []string) []string {
	for _, m := range e.ruleset.Match(ev, nil) {
		dst = append(dst, m.RuleID)
	}
	for _, d := range e.json {
		if d.unit.unit.JSON.Match(ev) {
			dst = append(dst, d.id)
		}
	}
	return dst
}

// matchTimed is match on a sampled event: it also adds each rule's
// evaluation time to its unit and counts the sample. The caller holds
// e.mu (read).
func (e *orgEngine) matchTimed(ev *event.Event, dst []string) []string {
	e.sampled.Add(1)
	for _, m := range e.ruleset.MatchTimed(ev, nil, e.took) {
		dst = append(dst, m.RuleID)
	}
	for _, d := range e.json {
		start := time.Now()
		ok := d.unit.unit.JSON.Match(ev)
		d.unit.evalNanos.Add(time.Since(start).Nanoseconds())
		if ok {
			dst = append(dst, d.id)
		}
	}
	return dst
}

// docHits is what one match of document d on ev raises: the match's
// own alert, unless correlations only count it (Sigma: a rule a
// correlation refers to raises none unless one of them says generate),
// and the alerts of the correlations it completes. Live detection and
// the Test panel (backtests, retro-hunts) both go through it, so that
// they agree on what a multi-document file raises. The caller holds
// e.mu (read).
func (e *orgEngine) docHits(orgID string, d *doc, ev *event.Event, dst []hit) []hit {
	name := d.sigmaName()
	if d.unit.unit.Alerting[d.id] && e.corr.StandAlone(d.id, name) {
		dst = append(dst, hit{orgID: orgID, doc: d, ev: ev, at: ev.Timestamp})
	}
	if !e.corr.Interested(d.id, name) {
		return dst
	}
	return append(dst, e.firedHits(orgID, e.corr.Observe(correlateObservation(orgID, d, ev, name)))...)
}

func (e *orgEngine) firedHits(orgID string, fired []correlate.Fired) []hit {
	var hits []hit
	for i := range fired {
		f := fired[i]
		d := e.docs[f.Rule.Key()]
		if d == nil || !f.Standalone || !d.unit.unit.Alerting[d.id] {
			continue
		}
		hits = append(hits, hit{orgID: orgID, doc: d, fired: &f, at: f.End})
	}
	return hits
}

// advance closes expired correlation windows (conditions such as "fewer
// than N") in every org.
func (s *Service) advance() []hit {
	var hits []hit
	// Windows close a minute after their end, so that late events still
	// count.
	now := s.o.Now().Add(-time.Minute)
	for _, e := range s.engines() {
		e.mu.RLock()
		hits = append(hits, e.firedHits(e.orgID, e.corr.Advance(now))...)
		e.mu.RUnlock()
	}
	return hits
}

// commit stores the hits as alerts (folding repeats into open alerts),
// adds rule statistics and moves the checkpoint to seq (unless seq < 0:
// retro-hunts), in one transaction; then pushes the alerts to live
// subscribers.
func (s *Service) commit(ctx context.Context, hits []hit, seq int64, lazy bool) error {
	_, err := s.commitCounted(ctx, hits, seq, lazy)
	return err
}

// commitCounted is commit that also reports how many of the hits raised
// new alerts (the others folded into open ones).
func (s *Service) commitCounted(ctx context.Context, hits []hit, seq int64, lazy bool) (created int, err error) {
	now := s.o.Now()
	alerts := make([]store.Alert, 0, len(hits))
	docs := make([]*doc, 0, len(hits))
	for _, h := range hits {
		alerts = append(alerts, s.alertOf(h, now))
		docs = append(docs, h.doc)
	}
	return s.commitPrepared(ctx, alerts, docs, seq, lazy)
}

// commitAlerts stores alerts raised outside the event stream (scheduled
// rules): the checkpoint does not move.
func (s *Service) commitAlerts(ctx context.Context, alerts []store.Alert, docs []*doc) error {
	_, err := s.commitPrepared(ctx, alerts, docs, -1, false)
	return err
}

// commitPrepared stores the alerts and reports how many it created.
func (s *Service) commitPrepared(ctx context.Context, in []store.Alert, inDocs []*doc, seq int64, lazy bool) (int, error) {
	now := s.o.Now()
	type pendingAlert struct {
		a     store.Alert
		units *loaded
		corr  bool // a correlation's: its description sums up its windows
	}
	// Repeats of a key fold when they are within the fold window of each
	// other in event time, here as against the stored alerts below: an
	// archive's detections fold the same whatever the batches they came in.
	byKey := map[string]*pendingAlert{}
	var order []*pendingAlert
	for i, a := range in {
		key := a.OrgID + "\x00" + a.DedupKey
		corr := inDocs[i].corr != nil
		if p, ok := byKey[key]; ok && foldable(p.a, a, s.foldWindow(inDocs[i].unit)) {
			fold(&p.a, a, corr)
			continue
		}
		p := &pendingAlert{a: a, units: inDocs[i].unit, corr: corr}
		byKey[key] = p
		order = append(order, p)
	}
	// Statistics of every unit that matched since the last commit.
	type statKey struct{ org, rule string }
	stats := map[statKey]*store.RuleStats{}
	for _, e := range s.engines() {
		e.mu.RLock()
		for _, l := range e.units {
			if n := l.matches.Swap(0); n > 0 {
				t := now
				stats[statKey{e.orgID, l.rule.ID}] = &store.RuleStats{RuleID: l.rule.ID, Matches: n, LastMatchAt: &t}
			}
		}
		e.mu.RUnlock()
	}
	for _, p := range order {
		sk := statKey{p.a.OrgID, p.units.rule.ID}
		if stats[sk] == nil {
			stats[sk] = &store.RuleStats{RuleID: p.units.rule.ID}
		}
	}
	var created, updated []store.Alert
	tx := s.o.Store.Tx
	if lazy {
		tx = s.o.Store.TxLazy
	}
	err := tx(ctx, func(r store.Repos) error {
		created, updated = created[:0], updated[:0]
		newAlerts := map[statKey]int64{}
		for _, p := range order {
			// The open alert this repeats: one whose activity reaches within
			// the fold window of the repeat's (not merely the newest: an
			// archive's repeats may belong to an older one).
			w := s.foldWindow(p.units)
			open, err := r.Alerts().OpenByDedupKey(ctx, p.a.OrgID, p.a.DedupKey, p.a.FirstSeen.Add(-w), p.a.LastSeen.Add(w))
			switch {
			case err == nil:
				before := open.Entities
				fold(&open, p.a, p.corr)
				open.UpdatedAt = now
				if err := r.Alerts().Fold(ctx, open, addedEntities(before, open.Entities)); err != nil {
					return err
				}
				updated = append(updated, open)
			case errors.Is(err, store.ErrNotFound):
				if err := r.Alerts().Create(ctx, p.a); err != nil {
					return err
				}
				if s.o.OnAlert != nil {
					var actions []jsonrule.Action
					if p.units != nil && p.units.unit != nil && p.units.unit.JSON != nil {
						actions = p.units.unit.JSON.Actions
					}
					if err := s.o.OnAlert(ctx, r, p.a, actions); err != nil {
						return err
					}
				}
				created = append(created, p.a)
				newAlerts[statKey{p.a.OrgID, p.units.rule.ID}]++
			default:
				return err
			}
		}
		for k, st := range stats {
			st.Alerts = newAlerts[k]
			if err := r.Rules().AddStats(ctx, k.org, *st); err != nil {
				return err
			}
		}
		if seq < 0 {
			return nil
		}
		return r.Checkpoints().Set(ctx, CheckpointName, seq, now)
	})
	if err != nil {
		// Put the counts back for the next attempt.
		for k, st := range stats {
			if e := s.engine(k.org, false); e != nil {
				e.mu.RLock()
				if l := e.units[k.rule]; l != nil {
					l.matches.Add(st.Matches)
				}
				e.mu.RUnlock()
			}
		}
		return 0, fmt.Errorf("cannot commit detection results: %w", err)
	}
	for _, a := range created {
		s.m.alerts.WithLabelValues(a.Severity).Inc()
		if s.o.Hub != nil {
			s.o.Hub.Publish(a.OrgID, live.ChannelAlerts, live.TypeAlert, s.View(a))
		}
	}
	for _, a := range updated {
		if s.o.Hub != nil {
			s.o.Hub.Publish(a.OrgID, "alerts", "alert_updated", s.View(a))
		}
	}
	return len(created), nil
}

// foldable reports whether b repeats a: the same key (the caller's
// check), at event times within the fold window of a's (a late repeat
// too). Event time, not arrival: an archive imported today folds as it
// would have live, and a repeat years after an alert is a new alert.
func foldable(a, b store.Alert, w time.Duration) bool {
	return !b.FirstSeen.After(a.LastSeen.Add(w)) && !b.LastSeen.Before(a.FirstSeen.Add(-w))
}

// foldWindow is how far apart in event time repeats of the rule's alerts
// fold: the rule's own window, or the service's.
func (s *Service) foldWindow(l *loaded) time.Duration {
	if l != nil && l.rule.AlertWindow > 0 {
		return l.rule.AlertWindow
	}
	return s.o.FoldWindow
}

// fold adds repeat b into alert a; corr says they are a correlation's,
// whose description's last line sums up what it counted (foldSummary).
// Events the alert already holds are not counted again: an archive
// imported once more after retention deleted its events (same event IDs,
// new copies) repeats the same detections, not new ones. Only the alert's
// last maxAlertEvents event IDs are known, so a repeat of an older event
// still counts.
func fold(a *store.Alert, b store.Alert, corr bool) {
	if !holdsAll(a.EventIDs, b.EventIDs) {
		a.Count += b.Count
	}
	if !b.LastSeen.Before(a.LastSeen) {
		// The latest repeat's words: a correlation's say what its
		// latest window counted.
		if b.Description != "" {
			a.Description = b.Description
		}
		a.LastSeen = b.LastSeen
	}
	if b.FirstSeen.Before(a.FirstSeen) {
		a.FirstSeen = b.FirstSeen
	}
	for _, id := range b.EventIDs {
		if !slices.Contains(a.EventIDs, id) {
			a.EventIDs = append(a.EventIDs, id)
		}
	}
	if len(a.EventIDs) > maxAlertEvents {
		a.EventIDs = a.EventIDs[len(a.EventIDs)-maxAlertEvents:]
	}
	a.Entities = mergeEntities(a.Entities, b.Entities)
	if corr {
		foldSummary(a)
	}
}

// foldedMark separates a folded correlation alert's totals from its
// latest window's summary (foldSummary).
const foldedMark = "; the latest: "

// foldSummary rewrites the last line of a correlation alert's
// description, its summary, for the alert as folded: the latest window's
// summary alone would name fewer events, and a later start, than the
// alert holds. The latest window's words are kept after the totals.
func foldSummary(a *store.Alert) {
	head, last := "", a.Description
	if i := strings.LastIndexByte(a.Description, '\n'); i >= 0 {
		head, last = a.Description[:i+1], a.Description[i+1:]
	}
	if strings.HasPrefix(last, "Fired ") {
		if _, latest, ok := strings.Cut(last, foldedMark); ok {
			last = latest
		}
	}
	if a.Count <= 1 {
		a.Description = head + last
		return
	}
	events := fmt.Sprintf("%d events", len(a.EventIDs))
	if len(a.EventIDs) >= maxAlertEvents {
		events = "at least " + events
	}
	a.Description = head + fmt.Sprintf("Fired %d times %s, on %s%s%s", a.Count, spanText(a.FirstSeen, a.LastSeen), events, foldedMark, last)
}

// addedEntities is what after holds that before did not (the indexed
// kinds: hosts, users, IPs).
func addedEntities(before, after store.AlertEntities) store.AlertEntities {
	var out store.AlertEntities
	for _, k := range []struct {
		b, a []string
		dst  *[]string
	}{
		{before.Hosts, after.Hosts, &out.Hosts}, {before.Users, after.Users, &out.Users}, {before.IPs, after.IPs, &out.IPs},
	} {
		for _, v := range k.a {
			if !slices.Contains(k.b, v) {
				*k.dst = append(*k.dst, v)
			}
		}
	}
	return out
}

// holdsAll reports whether ids holds every one of sub (and sub is not
// empty).
func holdsAll(ids, sub []string) bool {
	if len(sub) == 0 {
		return false
	}
	for _, id := range sub {
		if !slices.Contains(ids, id) {
			return false
		}
	}
	return true
}

func mergeList(a, b []string, max int) []string {
	for _, x := range b {
		if len(a) >= max {
			break
		}
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

// maxEntitiesPerKind bounds each of an alert's entity lists.
const maxEntitiesPerKind = 20

func mergeEntities(a, b store.AlertEntities) store.AlertEntities {
	const max = maxEntitiesPerKind
	a.Hosts = mergeList(a.Hosts, b.Hosts, max)
	a.Users = mergeList(a.Users, b.Users, max)
	a.IPs = mergeList(a.IPs, b.IPs, max)
	a.Processes = mergeList(a.Processes, b.Processes, max)
	a.Files = mergeList(a.Files, b.Files, max)
	a.Domains = mergeList(a.Domains, b.Domains, max)
	for name, domain := range b.UserDomains {
		if _, have := a.UserDomains[name]; !have && slices.Contains(a.Users, name) {
			if a.UserDomains == nil {
				a.UserDomains = map[string]string{}
			}
			a.UserDomains[name] = domain
		}
	}
	return a
}

// entityFields are the ECS (and Windows) fields each entity kind is read from.
var entityFields = []struct {
	kind   string
	fields []string
}{
	{"hosts", []string{"host.name", "host.hostname", "observer.name"}},
	{"users", []string{"user.name", "user.target.name", "source.user.name", "destination.user.name"}},
	{"ips", []string{"source.ip", "destination.ip", "client.ip", "server.ip", "host.ip"}},
	{"processes", []string{"process.executable", "process.name", "process.parent.executable"}},
	{"files", []string{"file.path", "file.name"}},
	{"domains", []string{"dns.question.name", "url.domain", "destination.domain"}},
}

func addEntity(en *store.AlertEntities, kind string, vals ...string) {
	var dst *[]string
	switch kind {
	case "hosts":
		dst = &en.Hosts
	case "users":
		dst = &en.Users
	case "ips":
		dst = &en.IPs
	case "processes":
		dst = &en.Processes
	case "files":
		dst = &en.Files
	case "domains":
		dst = &en.Domains
	default:
		return
	}
	for _, v := range vals {
		if v != "" && v != "-" && !slices.Contains(*dst, v) && len(*dst) < maxEntitiesPerKind {
			*dst = append(*dst, v)
		}
	}
}

func eventEntities(ev *event.Event) store.AlertEntities {
	var en store.AlertEntities
	for _, ef := range entityFields {
		for _, f := range ef.fields {
			switch v := ev.Fields[f].(type) {
			case string:
				addEntity(&en, ef.kind, v)
			case []string:
				addEntity(&en, ef.kind, v...)
			}
		}
	}
	// A user's domain sits beside the name (user.domain by user.name).
	for _, f := range entityFieldsOf("users") {
		name, _ := ev.Fields[f].(string)
		domain, _ := ev.Fields[strings.TrimSuffix(f, ".name")+".domain"].(string)
		if name == "" || domain == "" || domain == "-" || !slices.Contains(en.Users, name) {
			continue
		}
		if _, have := en.UserDomains[name]; !have {
			if en.UserDomains == nil {
				en.UserDomains = map[string]string{}
			}
			en.UserDomains[name] = domain
		}
	}
	// An application's events often name their user by ID alone.
	if len(en.Users) == 0 {
		if v, ok := ev.Fields[userIDField].(string); ok {
			addEntity(&en, "users", v)
		}
	}
	return en
}

// Entity kinds as correlation groups keep them: short, since a group
// stores the kind with each value (correlate.DefaultMaxEntityBytes).
// A user's domain is kept as its name and domain joined by a NUL.
const (
	kindHost, kindUser, kindIP, kindProcess, kindFile, kindDomain, kindUserDomain = "h", "u", "i", "p", "f", "d", "ud"
)

// observedEntities lists what an event is about for a correlation's
// group: its hosts, users and addresses first (what alerts are searched
// and related by, kept first when a group's room runs out), then
// processes, files and domains.
func observedEntities(ev *event.Event) []correlate.Entity {
	en := eventEntities(ev)
	n := len(en.Hosts) + len(en.Users) + len(en.IPs) + len(en.Processes) + len(en.Files) + len(en.Domains) + len(en.UserDomains)
	if n == 0 {
		return nil
	}
	out := make([]correlate.Entity, 0, n)
	for _, k := range []struct {
		kind string
		vals []string
	}{{kindHost, en.Hosts}, {kindUser, en.Users}, {kindIP, en.IPs}} {
		for _, v := range k.vals {
			out = append(out, correlate.Entity{Kind: k.kind, Value: v})
		}
	}
	for _, name := range en.Users {
		if d, ok := en.UserDomains[name]; ok {
			out = append(out, correlate.Entity{Kind: kindUserDomain, Value: name + "\x00" + d})
		}
	}
	for _, k := range []struct {
		kind string
		vals []string
	}{{kindProcess, en.Processes}, {kindFile, en.Files}, {kindDomain, en.Domains}} {
		for _, v := range k.vals {
			out = append(out, correlate.Entity{Kind: k.kind, Value: v})
		}
	}
	return out
}

// firedEntities turns a correlation result's entities back into an
// alert's.
func firedEntities(ents []correlate.Entity) store.AlertEntities {
	var en store.AlertEntities
	kinds := map[string]string{kindHost: "hosts", kindUser: "users", kindIP: "ips", kindProcess: "processes", kindFile: "files", kindDomain: "domains"}
	for _, x := range ents {
		if k, ok := kinds[x.Kind]; ok {
			addEntity(&en, k, x.Value)
		}
	}
	for _, x := range ents {
		if x.Kind != kindUserDomain {
			continue
		}
		name, domain, ok := strings.Cut(x.Value, "\x00")
		if !ok || !slices.Contains(en.Users, name) {
			continue
		}
		if en.UserDomains == nil {
			en.UserDomains = map[string]string{}
		}
		if _, have := en.UserDomains[name]; !have {
			en.UserDomains[name] = domain
		}
	}
	return en
}

// userIDField names the user when no user name field does
// (eventEntities, and the alert events lookup that follows it).
const userIDField = "user.id"

// groupEntityKind classifies a group-by field by name.
func groupEntityKind(field string) string {
	f := strings.ToLower(field)
	for _, ef := range entityFields {
		if slices.Contains(ef.fields, f) {
			return ef.kind
		}
	}
	switch {
	case strings.Contains(f, "ip") || strings.Contains(f, "addr"):
		return "ips"
	case strings.Contains(f, "user") || strings.Contains(f, "account"):
		return "users"
	case strings.Contains(f, "host") || strings.Contains(f, "computer") || strings.Contains(f, "workstation"):
		return "hosts"
	case strings.Contains(f, "image") || strings.Contains(f, "process"):
		return "processes"
	case strings.Contains(f, "domain") || strings.Contains(f, "query"):
		return "domains"
	case strings.Contains(f, "file") || strings.Contains(f, "path"):
		return "files"
	}
	return ""
}

// fieldText is a field's value as text for an alert's key, the field
// named as in exceptions (fieldValues): an ECS name, a Sigma name as the
// rule's logsource maps it, or a JSON rule's name. A list's values are
// joined by commas; "" when the event lacks the field.
// A typed column's name reads that field alone, as the store's query
// does (AlertEvents narrows by it).
func fieldText(ev *event.Event, d *doc, f string) string {
	if _, typed := event.ColumnOf(f); typed {
		if _, ok := ev.Fields[f]; !ok {
			return ""
		}
		return strings.Join(fieldValues(ev, nil, f), ",")
	}
	return strings.Join(fieldValues(ev, d, f), ",")
}

func dedupKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// alertOf builds the alert a hit raises.
func (s *Service) alertOf(h hit, now time.Time) store.Alert {
	d := h.doc
	// The document's own level and tags: a file's correlation and its
	// base rules each have theirs (the file's rule is its first
	// document's).
	severity := d.level
	if severity == "" {
		severity = d.unit.unit.Level
	}
	if o := d.unit.rule.SeverityOverride; o != "" {
		severity = o
	}
	tactics, techniques, _ := attack.MapTags(d.tags)
	a := store.Alert{
		ID: newID(), OrgID: h.orgID, RuleID: d.unit.rule.ID, RuleTitle: d.unit.rule.Title, RuleKind: d.unit.rule.Kind,
		RuleDocumentID: d.id, RuleName: d.title,
		Severity: severity, Status: store.AlertNew, Title: d.title, Description: d.unit.rule.Description,
		Group: map[string]string{}, Count: 1, FirstSeen: h.at, LastSeen: h.at, CreatedAt: now, UpdatedAt: now,
	}
	if a.Title == "" {
		a.Title = d.unit.rule.Title
	}
	if a.RuleName == "" {
		a.RuleName = a.Title
	}
	for _, t := range tactics {
		a.Tactics = append(a.Tactics, t.ID)
	}
	for _, t := range techniques {
		a.Techniques = append(a.Techniques, t.ID)
	}
	if h.ev != nil {
		a.EventIDs = []string{h.ev.ID}
		a.Entities = eventEntities(h.ev)
		first := func(l []string) string {
			if len(l) == 0 {
				return ""
			}
			return l[0]
		}
		if by := d.unit.rule.AlertGroupBy; len(by) > 0 {
			// The rule's own grouping: its fields' values key the alert,
			// in the fields' sorted order, so that the alert's group alone
			// gives its key (AlertEvents).
			var labels []string
			for _, f := range by {
				v := fieldText(h.ev, d, f)
				a.Group[f] = v
				labels = append(labels, f+"="+v)
				addEntity(&a.Entities, groupEntityKind(f), v)
			}
			parts := []string{d.unit.rule.ID, d.id}
			for _, f := range slices.Sorted(maps.Keys(a.Group)) {
				parts = append(parts, f+"="+a.Group[f])
			}
			a.Title += " (" + strings.Join(labels, ", ") + ")"
			a.DedupKey = dedupKey(parts...)
			return a
		}
		a.DedupKey = dedupKey(d.unit.rule.ID, d.id, first(a.Entities.Hosts), first(a.Entities.Users), h.ev.Fields.Str("source.ip"))
		return a
	}
	f := h.fired
	keys := make([]string, 0, len(f.GroupKey))
	for k := range f.GroupKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{d.unit.rule.ID, d.id}
	var labels []string
	for _, k := range keys {
		v := f.GroupKey[k]
		a.Group[k] = v
		parts = append(parts, k+"="+v)
		labels = append(labels, k+"="+v)
		addEntity(&a.Entities, groupEntityKind(k), v)
	}
	if len(labels) > 0 {
		a.Title += " (" + strings.Join(labels, ", ") + ")"
	}
	// The entities of the events that made it fire, which the
	// correlation's group kept (correlate.Fired.Entities).
	a.Entities = mergeEntities(a.Entities, firedEntities(f.Entities))
	a.DedupKey = dedupKey(parts...)
	a.EventIDs = f.EventIDs
	if len(a.EventIDs) > maxAlertEvents {
		a.EventIDs = a.EventIDs[len(a.EventIDs)-maxAlertEvents:]
	}
	if !f.Start.IsZero() {
		a.FirstSeen = f.Start
	}
	a.Description = strings.TrimSpace(a.Description + "\n" + firedSummary(f))
	return a
}

// firedSummary says in words what a correlation counted, and when:
// "5 matching events between 06:24:19 and 06:26:02 UTC on 2026-11-25."
func firedSummary(f *correlate.Fired) string {
	c := f.Rule.Correlation
	num := strconv.FormatFloat(f.Value, 'f', -1, 64)
	var what string
	switch c.Type {
	case correlate.EventCount:
		what = fmt.Sprintf("%s matching events", num)
	case correlate.ValueCount:
		what = fmt.Sprintf("%s distinct values of %s", num, c.Condition.Field)
	case correlate.Temporal:
		what = fmt.Sprintf("%s of the %d correlated rules matched", num, len(c.Rules))
	case correlate.TemporalOrdered:
		what = fmt.Sprintf("%s of the %d correlated rules matched in order", num, len(c.Rules))
	case correlate.ValueSum:
		what = fmt.Sprintf("%s added up to %s", c.Condition.Field, num)
	case correlate.ValueAvg:
		what = fmt.Sprintf("%s averaged %s", c.Condition.Field, num)
	default:
		what = fmt.Sprintf("%s %s: %s", c.Condition.Field, c.Type, num)
	}
	return what + " " + spanText(f.Start, f.End) + "."
}

// spanText says when, from start to end: "between 06:24:19 and 06:26:02
// UTC on 2026-11-25".
func spanText(start, end time.Time) string {
	start, end = start.UTC(), end.UTC()
	switch {
	case start.IsZero() || !end.After(start):
		return fmt.Sprintf("at %s UTC", end.Format("2006-01-02 15:04:05"))
	case start.YearDay() == end.YearDay() && start.Year() == end.Year():
		return fmt.Sprintf("between %s and %s UTC on %s", start.Format("15:04:05"), end.Format("15:04:05"), start.Format("2006-01-02"))
	}
	return fmt.Sprintf("between %s and %s UTC", start.Format("2006-01-02 15:04:05"), end.Format("2006-01-02 15:04:05"))
}
