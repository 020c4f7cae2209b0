package enrich

import (
	"sync/atomic"

	"github.com/eventsec/eventsec/internal/event"
)

// EventEnricher is one enrichment step (ingest.Enricher).
type EventEnricher interface {
	Enrich(ev *event.Event)
}

// Chain runs enrichment steps in order.
type Chain []EventEnricher

// Enrich implements ingest.Enricher.
func (c Chain) Enrich(ev *event.Event) {
	for _, e := range c {
		e.Enrich(ev)
	}
}

// IntelMatcher matches events against threat-intel indicators and
// records the sightings of committed ones (intel.Service).
type IntelMatcher interface {
	Enrich(ev *event.Event)
	Publish(stored []event.Event)
}

// Intel is the threat-intel step of the ingest pipeline. The pipeline is
// built before the intel service (which needs the event store), so the
// service is set later; until then, and without one, events pass as they
// are. Swapping is atomic: the hot path takes no lock.
type Intel struct {
	m atomic.Pointer[intelHolder]
}

type intelHolder struct{ m IntelMatcher }

// Set installs the matcher (nil removes it).
func (h *Intel) Set(m IntelMatcher) {
	if m == nil {
		h.m.Store(nil)
		return
	}
	h.m.Store(&intelHolder{m})
}

// Enrich implements ingest.Enricher: it annotates matching events before
// they are stored.
func (h *Intel) Enrich(ev *event.Event) {
	if x := h.m.Load(); x != nil {
		x.m.Enrich(ev)
	}
}

// Publish passes committed events on, for sightings (ingest.Publisher).
func (h *Intel) Publish(stored []event.Event) {
	if x := h.m.Load(); x != nil {
		x.m.Publish(stored)
	}
}
