package intel

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// quotePhrase writes v as a phrase of the search syntax.
func quotePhrase(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// RetroQuery is the event search that finds candidates for an indicator
// in stored events: its value (for a URL, its host) as a phrase of the
// free text, which the store's token index narrows to the blocks holding
// its words; CIDR blocks search the typed address columns. Candidates are
// then confirmed field by field with the matcher, so the query may find
// too much, never too little of what the matcher would match in the raw
// text.
func RetroQuery(t Type, value string) string {
	switch t {
	case TypeCIDR:
		q := quotePhrase(value)
		return "source.ip:" + q + " OR destination.ip:" + q + " OR host.ip:" + q
	case TypeURL:
		if u, err := parseURL(value); err == nil {
			return quotePhrase(u.host)
		}
	}
	return quotePhrase(value)
}

func (s *Service) retroLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-s.retro:
			if err := s.RetroHunt(ctx, j.orgID, j.id); err != nil && ctx.Err() == nil && !isNotFound(err) {
				s.log.Warn("intel: retro-hunt failed", "indicator", j.id, "err", err)
			}
		}
	}
}

// RetroHunt searches the org's stored events for an indicator, records the
// events it matches as "retro" sightings and its result on the indicator.
func (s *Service) RetroHunt(ctx context.Context, orgID, id string) error {
	if s.o.Events == nil {
		return errors.New("cannot retro-hunt: no event store")
	}
	in, err := s.o.Store.Intel().GetIndicator(ctx, orgID, id)
	if err != nil {
		return err
	}
	hits, err := s.retroHunt(ctx, in)
	status := "done"
	if err != nil {
		status = "failed"
	}
	if serr := s.o.Store.Intel().SetRetro(context.WithoutCancel(ctx), orgID, id, status, hits, s.o.Now()); serr != nil && err == nil {
		err = serr
	}
	return err
}

func (s *Service) retroHunt(ctx context.Context, in store.Indicator) (int64, error) {
	r := refOf(in)
	r.Expires = 0 // history is searched whatever the indicator's expiry
	m := NewMatcher([]*Ref{r})
	q := eventstore.Query{Text: RetroQuery(Type(in.Type), in.Value), Size: 1000}
	var hits int64
	read := 0
	var buf []Match
	for read < s.o.RetroMaxEvents {
		page, err := s.o.Events.Search(ctx, in.OrgID, q)
		if err != nil {
			return hits, err
		}
		var ss []store.Sighting
		now := s.o.Now()
		for i := range page.Events {
			ev := &page.Events[i]
			buf = m.Match(ev, time.Time{}, buf[:0])
			if len(buf) == 0 {
				continue
			}
			mt := buf[0]
			typ := MatchedTypeIndicator
			if mt.Kind == MatchURLHost {
				typ = MatchedTypeURLHost
			}
			ss = append(ss, store.Sighting{ID: newID(), OrgID: in.OrgID, IndicatorID: in.ID, EventID: ev.ID, EventTime: ev.Timestamp,
				Field: mt.Field, Value: mt.Atomic, MatchType: typ, Origin: "retro", SeenAt: now,
				IndicatorType: in.Type, IndicatorValue: in.Value})
		}
		read += len(page.Events)
		if len(ss) > 0 {
			err := s.o.Store.Tx(ctx, func(r store.Repos) error {
				n, err := r.Intel().AddSightings(ctx, ss)
				hits += int64(n)
				return err
			})
			if err != nil {
				return hits, err
			}
		}
		if page.NextCursor == "" || len(page.Events) == 0 {
			break
		}
		q.Cursor = page.NextCursor
	}
	return hits, nil
}
