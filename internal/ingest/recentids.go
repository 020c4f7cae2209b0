package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
)

// The event store recognises a stored event by its ID among the events of
// the same @timestamp. An event that a sender identifies (event.id, _id,
// id) but does not date takes its arrival time, so a retry of it would
// carry another time and be stored again under the same ID. recentIDs
// remembers, for a day, the first arrival of each such event: a retry of
// the same content takes that time back (and the store reports it as a
// duplicate); different content under an ID already seen is another event
// and gets an ID of its own. When the store implements
// eventstore.ClientIDs, each first arrival is also recorded durably
// before the batch that holds it is appended, and a new pipeline reads
// the last day's records back: a retry after a restart (even after a
// crash that lost the answer) is still recognised.
const (
	recentIDsMax    = 100_000
	recentIDsWindow = 24 * time.Hour
)

type recentIDs struct {
	mu    sync.Mutex
	m     map[string]recentID
	order []string // ring of keys, oldest at next
	next  int
	// pending are the first arrivals not yet recorded in the store.
	pending []eventstore.ClientID
	// recording counts the recordings under way (under mu); flush
	// serialises them (see rememberClientIDs).
	recording int
	flush     sync.Mutex
}

type recentID struct {
	first time.Time
	sum   uint64
}

func newRecentIDs() *recentIDs {
	return &recentIDs{m: map[string]recentID{}}
}

// contentSum hashes an event's raw text; it is stable across restarts,
// since the store keeps it.
func contentSum(raw string) uint64 { return xxhash.Sum64String(raw) }

// SettleClientID applies recentIDs to ev, an event whose ID is its
// sender's (see NormalizeJSON): it does nothing for an event with a time
// of its own.
func (p *Pipeline) SettleClientID(ev *event.Event) {
	if ev.ID == "" || !ev.Timestamp.Equal(ev.Ingested) {
		return
	}
	r := p.recent
	key := ev.OrgID + "\x00" + ev.ID
	sum := contentSum(ev.Raw)
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.m[key]; ok && ev.Timestamp.Sub(e.first) < recentIDsWindow && !ev.Timestamp.Before(e.first) {
		if e.sum == sum {
			ev.Timestamp = e.first
			return
		}
		// The same ID for other content: another event, under an ID of
		// its own derived from the sender's and the content (the sender's
		// stays in the event's fields), itself remembered, so that a
		// retry of this one is recognised too.
		ev.ID = event.DeriveID(ev.OrgID, ev.Input, "id\x00"+ev.ID+"\x00"+ev.Raw)
		key = ev.OrgID + "\x00" + ev.ID
		if e, ok := r.m[key]; ok && e.sum == sum && ev.Timestamp.Sub(e.first) < recentIDsWindow && !ev.Timestamp.Before(e.first) {
			ev.Timestamp = e.first
			return
		}
	}
	r.put(key, recentID{first: ev.Timestamp, sum: sum})
	if p.clientIDs != nil {
		r.pending = append(r.pending, eventstore.ClientID{OrgID: ev.OrgID, ID: ev.ID, First: ev.Timestamp, Sum: sum})
	}
}

// put remembers e under key; the caller holds mu.
func (r *recentIDs) put(key string, e recentID) {
	if _, ok := r.m[key]; !ok {
		if len(r.order) < recentIDsMax {
			r.order = append(r.order, key)
		} else {
			delete(r.m, r.order[r.next])
			r.order[r.next] = key
			r.next = (r.next + 1) % recentIDsMax
		}
	}
	r.m[key] = e
}

// rememberClientIDs records the pending first arrivals in the store. It
// runs before every append: once it returns, every first arrival settled
// before the call (this batch's included) is durable, even those another
// batch took for recording, since recordings are serialised. A failed
// recording puts its records back and fails the batch, which is then not
// acknowledged.
func (p *Pipeline) rememberClientIDs(ctx context.Context) error {
	if p.clientIDs == nil {
		return nil
	}
	r := p.recent
	r.mu.Lock()
	idle := len(r.pending) == 0 && r.recording == 0
	r.mu.Unlock()
	if idle {
		return nil // the common case: nothing to record, nothing being recorded
	}
	r.flush.Lock()
	defer r.flush.Unlock()
	r.mu.Lock()
	records := r.pending
	r.pending = nil
	r.recording++
	r.mu.Unlock()
	var err error
	if len(records) > 0 {
		err = p.clientIDs.RememberClientIDs(ctx, records)
	}
	r.mu.Lock()
	r.recording--
	if err != nil {
		r.pending = append(records, r.pending...)
	}
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("cannot record the first arrival of events without a time: %w", err)
	}
	return nil
}

// loadClientIDs reads the last day's first arrivals back from the store.
func (p *Pipeline) loadClientIDs(ctx context.Context) error {
	ids, err := p.clientIDs.RecentClientIDs(ctx, p.o.Now().Add(-recentIDsWindow), recentIDsMax)
	if err != nil {
		return err
	}
	r := p.recent
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		r.put(id.OrgID+"\x00"+id.ID, recentID{first: id.First, sum: id.Sum})
	}
	return nil
}
