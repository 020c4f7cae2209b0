package ingest

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// The event store recognises a stored event by its ID among the events of
// the same @timestamp. An event that a sender identifies (event.id, _id,
// id) but does not date takes its arrival time, so a retry of it would
// carry another time and be stored again under the same ID. recentIDs
// remembers, for a day, the first arrival of each such event: a retry of
// the same content takes that time back (and the store reports it as a
// duplicate); different content under an ID already seen is another event
// and gets an ID of its own. It is memory only: after a restart a retry
// of an undated event may be stored again (an Idempotency-Key, or the
// event's own @timestamp, makes that safe too).
const (
	recentIDsMax    = 100_000
	recentIDsWindow = 24 * time.Hour
)

type recentIDs struct {
	mu    sync.Mutex
	seed  maphash.Seed
	m     map[string]recentID
	order []string // ring of keys, oldest at next
	next  int
}

type recentID struct {
	first time.Time
	sum   uint64
}

func newRecentIDs() *recentIDs {
	return &recentIDs{seed: maphash.MakeSeed(), m: map[string]recentID{}}
}

// SettleClientID applies recentIDs to ev, an event whose ID is its
// sender's (see NormalizeJSON): it does nothing for an event with a time
// of its own.
func (p *Pipeline) SettleClientID(ev *event.Event) {
	if ev.ID == "" || !ev.Timestamp.Equal(ev.Ingested) {
		return
	}
	r := p.recent
	key := ev.OrgID + "\x00" + ev.ID
	sum := maphash.String(r.seed, ev.Raw)
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
	if _, ok := r.m[key]; !ok {
		if len(r.order) < recentIDsMax {
			r.order = append(r.order, key)
		} else {
			delete(r.m, r.order[r.next])
			r.order[r.next] = key
			r.next = (r.next + 1) % recentIDsMax
		}
	}
	r.m[key] = recentID{first: ev.Timestamp, sum: sum}
}
