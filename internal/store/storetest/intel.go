package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

func testIntel(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	r := s.Intel()
	exp := t0.Add(time.Hour)
	ind := func(id, org, typ, value, source string) store.Indicator {
		return store.Indicator{ID: id, OrgID: org, Type: typ, Value: value, Confidence: 80, Severity: "high", Source: source,
			Tags: []string{"apt", "c2"}, Description: "Known C2 " + value, FirstSeen: t0, LastSeen: t0, CreatedBy: "u1",
			CreatedAt: t0, UpdatedAt: t0}
	}
	a := ind("i1", "o1", "ipv4", "203.0.113.7", "manual")
	a.ExpiresAt = &exp
	b := ind("i2", "o1", "domain", "evil.example", "manual")
	b.ExactOnly = true
	b.Tags = []string{"phishing"}
	c := ind("i3", "o1", "sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "feed:f1")
	c.FeedID = "f1"
	c.FeedSeenAt = &t0
	d := ind("i4", "o2", "ipv4", "203.0.113.7", "manual")
	for _, in := range []store.Indicator{a, b, c, d} {
		if err := r.CreateIndicator(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	dup := a
	dup.ID = "i9"
	wantErr(t, r.CreateIndicator(ctx, dup), store.ErrConflict, "same source, type and value")
	other := a
	other.ID, other.Source = "i5", "import"
	if err := r.CreateIndicator(ctx, other); err != nil {
		t.Fatalf("same value from another source: %v", err)
	}

	got, err := r.GetIndicator(ctx, "o1", "i1")
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("get: %v\n got %+v\nwant %+v", err, got, a)
	}
	_, err = r.GetIndicator(ctx, "o2", "i1")
	wantErr(t, err, store.ErrNotFound, "other org's indicator")
	got, err = r.FindIndicator(ctx, "o1", "manual", "domain", "evil.example")
	if err != nil || got.ID != "i2" || !got.ExactOnly {
		t.Fatalf("find: %v %+v", err, got)
	}
	_, err = r.FindIndicator(ctx, "o2", "manual", "domain", "evil.example")
	wantErr(t, err, store.ErrNotFound, "find in other org")

	ids := func(l []store.Indicator) []string {
		out := []string{}
		for _, x := range l {
			out = append(out, x.ID)
		}
		sort.Strings(out)
		return out
	}
	yes, no := true, false
	for _, tc := range []struct {
		f    store.IndicatorFilter
		want []string
	}{
		{store.IndicatorFilter{}, []string{"i1", "i2", "i3", "i5"}},
		{store.IndicatorFilter{Type: "ipv4"}, []string{"i1", "i5"}},
		{store.IndicatorFilter{Source: "manual"}, []string{"i1", "i2"}},
		{store.IndicatorFilter{FeedID: "f1"}, []string{"i3"}},
		{store.IndicatorFilter{Tag: "phishing"}, []string{"i2"}},
		{store.IndicatorFilter{Tag: "apt"}, []string{"i1", "i3", "i5"}},
		{store.IndicatorFilter{Query: "EVIL"}, []string{"i2"}},
		{store.IndicatorFilter{Query: "100%"}, []string{}},
		{store.IndicatorFilter{Active: &yes, Now: t0.Add(2 * time.Hour)}, []string{"i2", "i3"}},
		{store.IndicatorFilter{Active: &no, Now: t0.Add(2 * time.Hour)}, []string{"i1", "i5"}},
	} {
		l, total, err := r.ListIndicators(ctx, "o1", tc.f)
		if err != nil || !reflect.DeepEqual(ids(l), tc.want) || total != len(tc.want) {
			t.Errorf("list %+v: %v %v (total %d), want %v", tc.f, err, ids(l), total, tc.want)
		}
	}
	page, total, err := r.ListIndicators(ctx, "o1", store.IndicatorFilter{Sort: "value", Limit: 2, Offset: 1})
	if err != nil || total != 4 || len(page) != 2 || page[0].Value != "203.0.113.7" || page[1].Value != "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" {
		t.Fatalf("page: %v %d %+v", err, total, page)
	}

	b.Severity, b.Description, b.UpdatedAt = "critical", "updated", t0.Add(time.Minute)
	if err := r.UpdateIndicator(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.GetIndicator(ctx, "o1", "i2"); got.Severity != "critical" || got.Description != "updated" {
		t.Fatalf("update: %+v", got)
	}
	wrong := b
	wrong.OrgID = "o2"
	wantErr(t, r.UpdateIndicator(ctx, wrong), store.ErrNotFound, "update across orgs")

	counts, err := r.CountIndicators(ctx, "o1", t0)
	if err != nil || !reflect.DeepEqual(counts, map[string]int64{"ipv4": 2, "domain": 1, "sha256": 1}) {
		t.Fatalf("counts: %v %v", err, counts)
	}
	var all []string
	if err := r.EachIndicator(ctx, t0.Add(2*time.Hour), func(in store.Indicator) error {
		all = append(all, in.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(all)
	if !reflect.DeepEqual(all, []string{"i2", "i3", "i4"}) {
		t.Fatalf("each (expired left out): %v", all)
	}

	// Sightings: duplicates of (indicator, event) are skipped, counters
	// move, a deleted indicator's sighting is skipped without failing.
	sight := func(id, ind, ev string, at time.Time) store.Sighting {
		return store.Sighting{ID: id, OrgID: "o1", IndicatorID: ind, EventID: ev, EventTime: at, Field: "destination.ip",
			Value: "203.0.113.7", MatchType: "indicator_match", Origin: "live", SeenAt: at, IndicatorType: "ipv4", IndicatorValue: "203.0.113.7"}
	}
	n, err := s.Intel().AddSightings(ctx, []store.Sighting{sight("s1", "i1", "e1", t0), sight("s2", "i1", "e2", t0.Add(time.Minute)),
		sight("s3", "i1", "e1", t0), sight("s4", "nope", "e3", t0)})
	if err != nil || n != 2 {
		t.Fatalf("add sightings: %v %d", err, n)
	}
	err = s.Tx(ctx, func(tx store.Repos) error {
		_, err := tx.Intel().AddSightings(ctx, []store.Sighting{sight("s5", "i2", "e1", t0.Add(2*time.Minute))})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = r.GetIndicator(ctx, "o1", "i1")
	if got.Sightings != 2 || got.LastSightingAt == nil || !got.LastSightingAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("sighting counters: %+v", got)
	}
	sl, total, err := r.ListSightings(ctx, "o1", store.SightingFilter{IndicatorID: "i1"})
	if err != nil || total != 2 || len(sl) != 2 || sl[0].EventID != "e2" || sl[0].IndicatorValue != "203.0.113.7" {
		t.Fatalf("list sightings: %v %d %+v", err, total, sl)
	}
	if _, total, _ := r.ListSightings(ctx, "o1", store.SightingFilter{Since: t0.Add(90 * time.Second)}); total != 1 {
		t.Fatalf("sightings since: %d", total)
	}
	if _, total, _ := r.ListSightings(ctx, "o2", store.SightingFilter{}); total != 0 {
		t.Fatalf("other org sees sightings: %d", total)
	}

	if err := r.SetRetro(ctx, "o1", "i2", "done", 3, t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.GetIndicator(ctx, "o1", "i2"); got.RetroStatus != "done" || got.RetroHits != 3 || got.RetroAt == nil {
		t.Fatalf("retro: %+v", got)
	}
	wantErr(t, r.SetRetro(ctx, "o2", "i2", "done", 3, t0), store.ErrNotFound, "retro across orgs")

	// Feed expiry: indicators the last run did not list expire.
	e := ind("i6", "o1", "domain", "gone.example", "feed:f1")
	e.FeedID = "f1"
	before := t0.Add(-time.Hour)
	e.FeedSeenAt = &before
	if err := r.CreateIndicator(ctx, e); err != nil {
		t.Fatal(err)
	}
	expired, err := r.ExpireFeedIndicators(ctx, "o1", "f1", t0, t0.Add(time.Minute))
	if err != nil || !reflect.DeepEqual(expired, []string{"i6"}) {
		t.Fatalf("expire: %v %v", err, expired)
	}
	if got, _ := r.GetIndicator(ctx, "o1", "i6"); got.ExpiresAt == nil || !got.ExpiresAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("expired indicator: %+v", got)
	}
	if again, _ := r.ExpireFeedIndicators(ctx, "o1", "f1", t0, t0.Add(2*time.Minute)); len(again) != 0 {
		t.Fatalf("expired twice: %v", again)
	}

	n, err = r.DeleteIndicators(ctx, "o1", []string{"i1", "i4", "missing"})
	if err != nil || n != 1 {
		t.Fatalf("delete: %v %d", err, n)
	}
	if _, total, _ := r.ListSightings(ctx, "o1", store.SightingFilter{IndicatorID: "i1"}); total != 0 {
		t.Fatal("sightings of a deleted indicator remain")
	}
	if _, err := r.GetIndicator(ctx, "o2", "i4"); err != nil {
		t.Fatalf("delete reached another org: %v", err)
	}
	var bulk []string
	for i := 0; i < 1200; i++ {
		x := ind(fmt.Sprintf("b%d", i), "o1", "ipv4", fmt.Sprintf("198.51.%d.%d", i/256, i%256), "bulk")
		if err := r.CreateIndicator(ctx, x); err != nil {
			t.Fatal(err)
		}
		bulk = append(bulk, x.ID)
	}
	if n, err := r.DeleteIndicators(ctx, "o1", bulk); err != nil || n != 1200 {
		t.Fatalf("bulk delete: %v %d", err, n)
	}

	// Feeds.
	next := t0.Add(time.Minute)
	f := store.Feed{ID: "f1", OrgID: "o1", Name: "abuse list", URL: "https://feeds.example/list.txt", Format: "plain",
		IntervalSeconds: 3600, Enabled: true, Confidence: 70, Severity: "medium", Tags: []string{"feed"}, NextRunAt: next,
		CreatedBy: "u1", CreatedAt: t0, UpdatedAt: t0}
	if err := r.CreateFeed(ctx, f); err != nil {
		t.Fatal(err)
	}
	dupFeed := f
	dupFeed.ID = "f2"
	wantErr(t, r.CreateFeed(ctx, dupFeed), store.ErrConflict, "duplicate feed name")
	g := f
	g.ID, g.Name, g.Enabled = "f3", "disabled", false
	if err := r.CreateFeed(ctx, g); err != nil {
		t.Fatal(err)
	}
	gf, err := r.GetFeed(ctx, "o1", "f1")
	if err != nil || !reflect.DeepEqual(gf, f) {
		t.Fatalf("get feed: %v\n got %+v\nwant %+v", err, gf, f)
	}
	_, err = r.GetFeed(ctx, "o2", "f1")
	wantErr(t, err, store.ErrNotFound, "other org's feed")
	due, err := r.DueFeeds(ctx, t0)
	if err != nil || len(due) != 0 {
		t.Fatalf("due early: %v %+v", err, due)
	}
	due, err = r.DueFeeds(ctx, next)
	if err != nil || len(due) != 1 || due[0].ID != "f1" {
		t.Fatalf("due: %v %+v", err, due)
	}
	ran := t0.Add(2 * time.Minute)
	f.ETag, f.LastModified, f.LastRunAt, f.LastSuccessAt, f.LastCount, f.NextRunAt = `"abc"`, "Mon, 23 Nov 2026 10:00:00 GMT", &ran, &ran, 42, ran.Add(time.Hour)
	f.LastError, f.Failures = "", 0
	if err := r.UpdateFeed(ctx, f); err != nil {
		t.Fatal(err)
	}
	if gf, _ := r.GetFeed(ctx, "o1", "f1"); !reflect.DeepEqual(gf, f) {
		t.Fatalf("updated feed: %+v", gf)
	}
	list, err := r.ListFeeds(ctx, "o1")
	if err != nil || len(list) != 2 || list[0].Name != "abuse list" {
		t.Fatalf("list feeds: %v %+v", err, list)
	}
	wantErr(t, r.DeleteFeed(ctx, "o2", "f1"), store.ErrNotFound, "delete other org's feed")
	if err := r.DeleteFeed(ctx, "o1", "f1"); err != nil {
		t.Fatal(err)
	}
	if l, _ := r.ListFeeds(ctx, "o1"); len(l) != 1 {
		t.Fatalf("after delete: %+v", l)
	}
}
