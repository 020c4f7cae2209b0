package ingest

import (
	"fmt"
	"strconv"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
)

// Item is one received message, not yet normalized (what stream
// listeners hand to a Batcher).
type Item struct {
	Input normalize.Input
	// Tags are added to the event (e.g. normalize.TagRawTruncated when a
	// listener cut the message).
	Tags []string
	// Problem says what the listener did to the message ("message of
	// 10485800 bytes cut to 65536"); it becomes error.message, before
	// what the normalizer put there, if anything.
	Problem string
}

// Normalize turns an item into an event.
func (p *Pipeline) Normalize(it *Item) event.Event {
	ev := p.o.Normalizer.Normalize(it.Input)
	if ev.Fields == nil {
		ev.Fields = event.Fields{}
	}
	for _, t := range it.Tags {
		AddTag(ev.Fields, t)
	}
	if it.Problem != "" {
		msg := it.Problem
		if prev, _ := ev.Fields["error.message"].(string); prev != "" {
			msg += "; " + prev
		}
		ev.Fields["error.message"] = msg
	}
	return ev
}

// NormalizeAll normalizes items into events and makes their derived IDs
// distinct within the batch (see DistinctIDs).
func (p *Pipeline) NormalizeAll(items []Item) []event.Event {
	evs := make([]event.Event, len(items))
	for i := range items {
		evs[i] = p.Normalize(&items[i])
	}
	DistinctIDs(evs, func(i int) bool { return items[i].Input.ID != "" })
	return evs
}

// DistinctIDs gives the 2nd, 3rd... event of a batch that has the same
// derived ID as an earlier one (the same text, received twice in one
// request or stream batch) an ID of its own, derived from the text and its
// occurrence number. Identical lines in one delivery are distinct events
// (two failed logins in the same second); a retried delivery of the same
// request still maps to the same IDs, so it is stored once. Events whose
// ID the client supplied (client(i) true) are left alone: the client says
// they are the same event.
func DistinctIDs(evs []event.Event, client func(i int) bool) {
	if len(evs) < 2 {
		return
	}
	seen := make(map[string]int, len(evs))
	for i := range evs {
		if client != nil && client(i) {
			continue
		}
		id := evs[i].ID
		k := seen[id]
		seen[id] = k + 1
		if k > 0 {
			// From the first one's ID, which holds the arrival time of
			// events without their own: the k-th copy in a later request
			// is another event.
			evs[i].ID = event.DeriveID(evs[i].OrgID, evs[i].Input, id+"\x00#"+strconv.Itoa(k))
		}
	}
}

// CutReason says how an event was cut to fit the limits, or "" when it
// was stored whole: what the intake APIs report per item, beside their
// acknowledgement, so that a sender learns which events lost text.
func CutReason(ev event.Event) string {
	tags, _ := ev.Fields["tags"].([]string)
	for _, t := range tags {
		switch t {
		case normalize.TagRawTruncated:
			return fmt.Sprintf("longer than %d bytes: stored as its first %d bytes of text, not parsed", normalize.MaxRaw, normalize.MaxRaw)
		case normalize.TagTruncated:
			return "nested deeper or holding more fields than kept: the rest is in the original text only"
		}
	}
	return ""
}
