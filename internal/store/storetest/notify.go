package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

func newChannel(org, id, name string) store.NotifyChannel {
	return store.NotifyChannel{ID: id, OrgID: org, Name: name, Kind: "slack", Enabled: true, MinSeverity: "high",
		Events: []string{"alert.raised"}, Groups: []string{"g1", "g2"},
		Config: []byte(`{"webhook_url":"https://hooks.slack.com/services/T/B/x"}`), CreatedBy: "u1",
		CreatedAt: t0, UpdatedAt: t0}
}

func newDelivery(org, id, channel string, created time.Time) store.NotifyDelivery {
	return store.NotifyDelivery{ID: id, OrgID: org, ChannelID: channel, ChannelName: "name " + channel, Kind: "webhook",
		Event: "alert.raised", Title: "Alert " + id, Severity: "high", RefID: "a-" + id,
		Payload: []byte(`{"title":"Alert ` + id + `"}`), Status: store.DeliveryPending, NextAttemptAt: created,
		CreatedAt: created, UpdatedAt: created}
}

// testNotify runs the notification tests, each on a fresh store: Claim
// works across orgs, so deliveries of one test would be due in the next.
func testNotify(t *testing.T, s store.Store, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Channels", testNotifyChannels},
		{"Deliveries", testNotifyDeliveries},
		{"Claim", testNotifyClaim},
		{"ClaimConcurrent", testNotifyClaimConcurrent},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if i > 0 {
				s = b.New(t)
				t.Cleanup(func() { s.Close() })
			}
			tc.fn(t, s)
		})
	}
}

func testNotifyChannels(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustOrg(t, s, "n1")
	mustOrg(t, s, "n2")
	c := newChannel("n1", "c1", "SOC Slack")
	if err := s.Notify().Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	dup := newChannel("n1", "c2", "SOC Slack")
	wantErr(t, s.Notify().Create(ctx, dup), store.ErrConflict, "duplicate channel name")
	dup.OrgID = "n2"
	if err := s.Notify().Create(ctx, dup); err != nil {
		t.Fatalf("same name in another org: %v", err)
	}
	got, err := s.Notify().Get(ctx, "n1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("get: got %+v, want %+v", got, c)
	}
	_, err = s.Notify().Get(ctx, "n2", "c1")
	wantErr(t, err, store.ErrNotFound, "another org's channel")
	p := newChannel("n1", "c3", "Pager")
	p.Kind, p.Events, p.Groups, p.Config, p.MinSeverity = "pagerduty", nil, nil, nil, ""
	if err := s.Notify().Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	list, err := s.Notify().List(ctx, "n1")
	if err != nil || len(list) != 2 || list[0].Name != "Pager" || list[1].Name != "SOC Slack" {
		t.Fatalf("list: %v %+v", err, list)
	}
	if list[0].Events != nil || list[0].Groups != nil || string(list[0].Config) != "{}" {
		t.Fatalf("empty lists and config must read back empty: %+v", list[0])
	}
	c.Enabled, c.Events, c.Groups, c.Config, c.UpdatedAt = false, nil, []string{"g3"}, []byte(`{"webhook_url":"https://x"}`), t0.Add(time.Hour)
	if err := s.Notify().Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Notify().Get(ctx, "n1", "c1")
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("after update: got %+v, want %+v", got, c)
	}
	wrong := c
	wrong.OrgID = "n2"
	wrong.ID = "c1"
	wantErr(t, s.Notify().Update(ctx, wrong), store.ErrNotFound, "update another org's channel")
	wantErr(t, s.Notify().Delete(ctx, "n2", "c1"), store.ErrNotFound, "delete another org's channel")
	if err := s.Notify().Delete(ctx, "n1", "c1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Notify().Get(ctx, "n1", "c1")
	wantErr(t, err, store.ErrNotFound, "deleted channel")
}

func testNotifyDeliveries(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustOrg(t, s, "d1")
	mustOrg(t, s, "d2")
	var ds []store.NotifyDelivery
	for i := 0; i < 7; i++ {
		ch := "cA"
		if i%2 == 1 {
			ch = "cB"
		}
		ds = append(ds, newDelivery("d1", fmt.Sprintf("x%d", i), ch, t0.Add(time.Duration(i)*time.Second)))
	}
	ds[3].AdHocConfig = []byte(`{"url":"https://example.com/hook"}`)
	if err := s.Notify().CreateDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if err := s.Notify().CreateDeliveries(ctx, []store.NotifyDelivery{newDelivery("d2", "y0", "cA", t0)}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Notify().CreateDeliveries(ctx, ds[:1]), store.ErrConflict, "duplicate delivery")
	// All or none: a batch with one duplicate stores nothing.
	batch := []store.NotifyDelivery{newDelivery("d1", "fresh", "cA", t0), ds[1]}
	wantErr(t, s.Notify().CreateDeliveries(ctx, batch), store.ErrConflict, "batch with a duplicate")
	_, err := s.Notify().GetDelivery(ctx, "d1", "fresh")
	wantErr(t, err, store.ErrNotFound, "delivery of a refused batch")

	got, err := s.Notify().GetDelivery(ctx, "d1", "x3")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ds[3]) {
		t.Fatalf("get: got %+v, want %+v", got, ds[3])
	}
	_, err = s.Notify().GetDelivery(ctx, "d2", "x3")
	wantErr(t, err, store.ErrNotFound, "another org's delivery")

	sent := t0.Add(time.Minute)
	d := ds[2]
	d.Status, d.Attempts, d.ResponseCode, d.SentAt, d.UpdatedAt = store.DeliverySent, 2, 202, &sent, sent
	d.LastError = ""
	if err := s.Notify().UpdateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	f := ds[4]
	f.Status, f.Attempts, f.LastError, f.ResponseCode, f.UpdatedAt = store.DeliveryFailed, 6, "HTTP 500", 500, sent
	if err := s.Notify().UpdateDelivery(ctx, f); err != nil {
		t.Fatal(err)
	}
	wrong := f
	wrong.OrgID = "d2"
	wantErr(t, s.Notify().UpdateDelivery(ctx, wrong), store.ErrNotFound, "update another org's delivery")
	if got, _ := s.Notify().GetDelivery(ctx, "d1", "x2"); !reflect.DeepEqual(got, d) {
		t.Fatalf("after update: got %+v, want %+v", got, d)
	}

	// The log, newest first, page by page.
	var ids []string
	filter := store.DeliveryFilter{Limit: 3}
	for page := 0; page < 5; page++ {
		list, err := s.Notify().Deliveries(ctx, "d1", filter)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 {
			break
		}
		for _, x := range list {
			ids = append(ids, x.ID)
		}
		last := list[len(list)-1]
		filter.BeforeCreated, filter.BeforeID = last.CreatedAt, last.ID
	}
	if want := []string{"x6", "x5", "x4", "x3", "x2", "x1", "x0"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("paged log: %v, want %v", ids, want)
	}
	cases := []struct {
		f    store.DeliveryFilter
		want []string
	}{
		{store.DeliveryFilter{ChannelID: "cB"}, []string{"x5", "x3", "x1"}},
		{store.DeliveryFilter{Status: store.DeliveryFailed}, []string{"x4"}},
		{store.DeliveryFilter{Status: store.DeliveryPending, ChannelID: "cA"}, []string{"x6", "x0"}},
		{store.DeliveryFilter{RefID: "a-x5"}, []string{"x5"}},
	}
	for _, c := range cases {
		list, err := s.Notify().Deliveries(ctx, "d1", c.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range list {
			got = append(got, x.ID)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Fatalf("filter %+v: %v, want %v", c.f, got, c.want)
		}
	}
	if list, _ := s.Notify().Deliveries(ctx, "d2", store.DeliveryFilter{}); len(list) != 1 || list[0].ID != "y0" {
		t.Fatalf("other org's log: %+v", list)
	}

	// A transaction that fails leaves no delivery behind.
	boom := errors.New("boom")
	err = s.Tx(ctx, func(r store.Repos) error {
		if err := r.Notify().CreateDeliveries(ctx, []store.NotifyDelivery{newDelivery("d1", "tx1", "cA", t0)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("tx: %v", err)
	}
	_, err = s.Notify().GetDelivery(ctx, "d1", "tx1")
	wantErr(t, err, store.ErrNotFound, "delivery of a rolled-back transaction")

	// Pruning keeps pending deliveries whatever their age.
	n, err := s.Notify().PruneDeliveries(ctx, t0.Add(time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if list, _ := s.Notify().Deliveries(ctx, "d1", store.DeliveryFilter{}); len(list) != 5 {
		t.Fatalf("after prune: %d deliveries", len(list))
	}
}

func claimIDs(t *testing.T, s store.Store, r store.ClaimRequest) []string {
	t.Helper()
	got, err := s.Notify().Claim(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, d := range got {
		if !d.NextAttemptAt.Equal(r.Until) || d.Status != store.DeliveryPending {
			t.Fatalf("claimed delivery not leased: %+v", d)
		}
		ids = append(ids, d.ID)
	}
	return ids
}

func testNotifyClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustOrg(t, s, "q1")
	mustOrg(t, s, "q2")
	var ds []store.NotifyDelivery
	for i := 0; i < 5; i++ {
		ds = append(ds, newDelivery("q1", fmt.Sprintf("a%d", i), "slow", t0.Add(time.Duration(i)*time.Second)))
	}
	ds = append(ds, newDelivery("q2", "b0", "fast", t0.Add(10*time.Second)))
	ds = append(ds, newDelivery("q1", "b1", "fast", t0.Add(11*time.Second)))
	later := newDelivery("q1", "later", "fast", t0)
	later.NextAttemptAt = t0.Add(time.Hour)
	done := newDelivery("q1", "done", "fast", t0)
	done.Status = store.DeliverySent
	ds = append(ds, later, done)
	if err := s.Notify().CreateDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(time.Minute)
	lease := now.Add(time.Minute)
	if pending, due, err := s.Notify().Backlog(ctx, now); err != nil || pending != 8 || due != 7 {
		t.Fatalf("backlog: %d pending, %d due, %v", pending, due, err)
	}
	// At most two of the slow channel, so the fast one is not starved.
	got := claimIDs(t, s, store.ClaimRequest{Now: now, Until: lease, Limit: 10, PerChannel: 2})
	if want := []string{"a0", "a1", "b0", "b1"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("first claim: %v, want %v", got, want)
	}
	// Claimed ones are leased: not due again until the lease ends.
	got = claimIDs(t, s, store.ClaimRequest{Now: now, Until: lease, Limit: 10, PerChannel: 2, SkipChannels: []string{"x"}})
	if want := []string{"a2", "a3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("second claim: %v, want %v", got, want)
	}
	if got := claimIDs(t, s, store.ClaimRequest{Now: now, Until: lease, Limit: 10, SkipChannels: []string{"slow", "other"}}); len(got) != 0 {
		t.Fatalf("skipped channel claimed: %v", got)
	}
	if got := claimIDs(t, s, store.ClaimRequest{Now: now, Until: lease, Limit: 1}); !reflect.DeepEqual(got, []string{"a4"}) {
		t.Fatalf("limit: %v", got)
	}
	// After the lease (a crashed dispatcher), they are due again, and the
	// one scheduled for later has come too.
	after := t0.Add(2 * time.Hour)
	got = claimIDs(t, s, store.ClaimRequest{Now: after, Until: after.Add(time.Minute), Limit: 100})
	if len(got) != 8 {
		t.Fatalf("after the lease: %v", got)
	}
}

func testNotifyClaimConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustOrg(t, s, "r1")
	var ds []store.NotifyDelivery
	// More than one INSERT batch.
	const n = 1100
	for i := 0; i < n; i++ {
		ds = append(ds, newDelivery("r1", fmt.Sprintf("c%04d", i), fmt.Sprintf("ch%d", i%20), t0))
	}
	if err := s.Notify().CreateDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.Notify().Claim(ctx, store.ClaimRequest{Now: t0, Until: t0.Add(time.Hour), Limit: 50, PerChannel: 5})
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("claimed %d of %d", len(seen), n)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s claimed %d times", id, n)
		}
	}
}
