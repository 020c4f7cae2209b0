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

func newAgent(org, id, name string) store.Agent {
	return store.Agent{ID: id, OrgID: org, Name: name, Hostname: name, OS: "linux", Platform: "debian", PlatformVersion: "12",
		Arch: "amd64", AgentVersion: "1.0.0", Facts: `{"hostname":"` + name + `"}`, TokenPrefix: "esa_" + id, TokenHash: "h-" + id,
		EnrollmentKeyID: "k1", Health: "{}", EnrolledAt: t0, UpdatedAt: t0}
}

// testEndpoints covers the endpoint records: keys, agents, inventory,
// metrics, assessments, actions, settings and the block list, each scoped
// to its org.
func testEndpoints(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	ep := s.Endpoints()

	t.Run("keys", func(t *testing.T) {
		exp := t0.Add(24 * time.Hour)
		k := store.EnrollmentKey{ID: "k1", OrgID: "o1", Name: "laptops", Prefix: "ese_abcd", Hash: "hash-k1", CreatedBy: "u1", CreatedAt: t0, ExpiresAt: &exp}
		if err := ep.Keys().Create(ctx, k); err != nil {
			t.Fatal(err)
		}
		dup := k
		dup.ID = "k2"
		wantErr(t, ep.Keys().Create(ctx, dup), store.ErrConflict, "duplicate key hash")
		got, err := ep.Keys().GetByHash(ctx, "hash-k1")
		if err != nil || !reflect.DeepEqual(got, k) {
			t.Fatalf("by hash: %v\n got %+v\nwant %+v", err, got, k)
		}
		_, err = ep.Keys().Get(ctx, "o2", "k1")
		wantErr(t, err, store.ErrNotFound, "other org's key")
		if err := ep.Keys().Used(ctx, "o1", "k1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, ep.Keys().Revoke(ctx, "o2", "k1", t0), store.ErrNotFound, "revoke another org's key")
		if err := ep.Keys().Revoke(ctx, "o1", "k1", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// A second revocation keeps the first time.
		if err := ep.Keys().Revoke(ctx, "o1", "k1", t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		list, err := ep.Keys().List(ctx, "o1")
		if err != nil || len(list) != 1 || list[0].Uses != 1 || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(t0.Add(time.Hour)) ||
			list[0].LastUsedAt == nil {
			t.Fatalf("list: %v %+v", err, list)
		}
		if l, _ := ep.Keys().List(ctx, "o2"); len(l) != 0 {
			t.Fatalf("o2 sees keys: %+v", l)
		}
	})

	t.Run("agents", func(t *testing.T) {
		a := newAgent("o1", "a1", "Web-01")
		a.Tags = []string{"prod", "dmz"}
		if err := ep.Agents().Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		dup := newAgent("o1", "a9", "x")
		dup.TokenPrefix = a.TokenPrefix
		wantErr(t, ep.Agents().Create(ctx, dup), store.ErrConflict, "duplicate token prefix")
		b := newAgent("o1", "a2", "db-01")
		b.OS, b.Group = "windows", "servers"
		c := newAgent("o2", "a3", "web-01")
		for _, x := range []store.Agent{b, c} {
			if err := ep.Agents().Create(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		got, err := ep.Agents().Get(ctx, "o1", "a1")
		want := a
		want.Hostname = "web-01" // kept lower-case
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("get: %v\n got %+v\nwant %+v", err, got, want)
		}
		_, err = ep.Agents().Get(ctx, "o2", "a1")
		wantErr(t, err, store.ErrNotFound, "other org's agent")
		byTok, err := ep.Agents().GetByTokenPrefix(ctx, "esa_a3")
		if err != nil || byTok.OrgID != "o2" {
			t.Fatalf("by token: %v %+v", err, byTok)
		}
		list, total, err := ep.Agents().List(ctx, "o1", store.AgentFilter{})
		if err != nil || total != 2 || list[0].ID != "a2" || list[1].ID != "a1" {
			t.Fatalf("list: %v %d %+v", err, total, list)
		}
		if _, total, _ := ep.Agents().List(ctx, "o1", store.AgentFilter{OS: "windows"}); total != 1 {
			t.Fatalf("os filter: %d", total)
		}
		if l, total, _ := ep.Agents().List(ctx, "o1", store.AgentFilter{Query: "WEB"}); total != 1 || l[0].ID != "a1" {
			t.Fatalf("query: %d %+v", total, l)
		}
		if _, total, _ := ep.Agents().List(ctx, "o1", store.AgentFilter{Query: "%"}); total != 0 {
			t.Fatalf("LIKE wildcards must be literal: %d", total)
		}
		if _, total, _ := ep.Agents().List(ctx, "o1", store.AgentFilter{Group: "servers"}); total != 1 {
			t.Fatalf("group filter: %d", total)
		}
		seenAt := t0.Add(10 * time.Minute)
		err = s.Tx(ctx, func(r store.Repos) error {
			return r.Endpoints().Agents().Seen(ctx, []store.AgentSeen{
				{OrgID: "o1", ID: "a1", At: seenAt, IP: "10.0.0.5", AgentVersion: "1.1.0", Isolated: true, ConfigVersion: 3, Health: `{"rss_bytes":1}`},
				{OrgID: "o2", ID: "a1", At: seenAt, IP: "6.6.6.6"}, // wrong org: no effect
				{OrgID: "o1", ID: "gone", At: seenAt},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = ep.Agents().Get(ctx, "o1", "a1")
		if got.LastSeen == nil || !got.LastSeen.Equal(seenAt) || got.LastIP != "10.0.0.5" || got.AgentVersion != "1.1.0" ||
			!got.Isolated || got.ConfigVersion != 3 || got.Health != `{"rss_bytes":1}` {
			t.Fatalf("after heartbeat: %+v", got)
		}
		since := t0.Add(5 * time.Minute)
		if l, total, _ := ep.Agents().List(ctx, "o1", store.AgentFilter{SeenSince: &since}); total != 1 || l[0].ID != "a1" {
			t.Fatalf("online: %d", total)
		}
		if l, total, _ := ep.Agents().List(ctx, "o1", store.AgentFilter{SeenBefore: &since}); total != 1 || l[0].ID != "a2" {
			t.Fatalf("offline: %d", total)
		}
		got.Owner, got.Location, got.Group, got.Tags, got.UpdatedAt = "Ana", "Madrid", "web", nil, t0.Add(time.Hour)
		if err := ep.Agents().Update(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := ep.Agents().Get(ctx, "o1", "a1")
		if again.Owner != "Ana" || again.Location != "Madrid" || again.Group != "web" || again.Tags != nil || !again.Isolated {
			t.Fatalf("after update: %+v", again)
		}
		got.OrgID = "o2"
		wantErr(t, ep.Agents().Update(ctx, got), store.ErrNotFound, "update in the wrong org")
		hosts, err := ep.Agents().ByHostname(ctx, "o1", "WEB-01")
		if err != nil || len(hosts) != 1 || hosts[0].ID != "a1" {
			t.Fatalf("by hostname: %v %+v", err, hosts)
		}
		if err := ep.Agents().Revoke(ctx, "o1", "a2", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, ep.Agents().Revoke(ctx, "o2", "a2", t0), store.ErrNotFound, "revoke another org's agent")
		rev := true
		if l, total, _ := ep.Agents().List(ctx, "o1", store.AgentFilter{Revoked: &rev}); total != 1 || l[0].RevokedAt == nil {
			t.Fatalf("revoked: %d", total)
		}
		counts, err := ep.Agents().Count(ctx, "o1", since)
		if err != nil || counts.Active != 1 || counts.Online != 1 || counts.Revoked != 1 || counts.ByOS["linux"] != 1 || counts.ByGroup["web"] != 1 {
			t.Fatalf("counts: %v %+v", err, counts)
		}
	})

	t.Run("inventory", func(t *testing.T) {
		inv := store.Inventory{OrgID: "o1", AgentID: "a1", CollectedAt: t0, ReceivedAt: t0.Add(time.Second), Snapshot: []byte(`{"v":1}`)}
		for i := 0; i < 250; i++ {
			inv.Software = append(inv.Software, store.Software{Name: fmt.Sprintf("pkg%03d", i), Version: "1.0", Source: "dpkg"})
		}
		inv.Software = append(inv.Software, store.Software{Name: "OpenSSL", Version: "3.0.11-1~deb12u2", Source: "dpkg", SourceName: "openssl", Arch: "amd64"})
		if err := ep.Inventory().Put(ctx, inv); err != nil {
			t.Fatal(err)
		}
		if err := ep.Inventory().Put(ctx, store.Inventory{OrgID: "o2", AgentID: "a3", CollectedAt: t0, ReceivedAt: t0, Snapshot: []byte(`{}`),
			Software: []store.Software{{Name: "openssl", Version: "1.1"}}}); err != nil {
			t.Fatal(err)
		}
		got, err := ep.Inventory().Get(ctx, "o1", "a1")
		if err != nil || string(got.Snapshot) != `{"v":1}` || !got.CollectedAt.Equal(t0) {
			t.Fatalf("get: %v %+v", err, got)
		}
		_, err = ep.Inventory().Get(ctx, "o2", "a1")
		wantErr(t, err, store.ErrNotFound, "other org's inventory")
		all, err := ep.Inventory().Software(ctx, "o1", store.SoftwareFilter{AgentID: "a1"})
		if err != nil || len(all) != 251 {
			t.Fatalf("software: %v %d", err, len(all))
		}
		ssl, _ := ep.Inventory().Software(ctx, "o1", store.SoftwareFilter{Name: "openssl"})
		if len(ssl) != 1 || ssl[0].SourceName != "openssl" || ssl[0].AgentID != "a1" || ssl[0].OrgID != "o1" {
			t.Fatalf("by name, org-scoped: %+v", ssl)
		}
		// A new snapshot replaces the software list.
		inv.Software, inv.Snapshot, inv.CollectedAt = inv.Software[:2], []byte(`{"v":2}`), t0.Add(time.Hour)
		if err := ep.Inventory().Put(ctx, inv); err != nil {
			t.Fatal(err)
		}
		if l, _ := ep.Inventory().Software(ctx, "o1", store.SoftwareFilter{Query: "pkg"}); len(l) != 2 {
			t.Fatalf("after replace: %d", len(l))
		}
		if got, _ := ep.Inventory().Get(ctx, "o1", "a1"); string(got.Snapshot) != `{"v":2}` {
			t.Fatalf("snapshot not replaced: %s", got.Snapshot)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		var samples []store.MetricSample
		for i := 0; i < 30; i++ {
			samples = append(samples, store.MetricSample{OrgID: "o1", AgentID: "a1", Resolution: 60, At: t0.Add(time.Duration(i) * time.Minute),
				CPUPercent: float64(i), MemUsedBytes: int64(i) * 100, MemTotalBytes: 1000, NetRxBytes: int64(i), Load1: 0.5})
		}
		if err := ep.Metrics().Add(ctx, samples); err != nil {
			t.Fatal(err)
		}
		if err := ep.Metrics().Add(ctx, samples[:3]); err != nil {
			t.Fatalf("re-adding samples: %v", err)
		}
		got, err := ep.Metrics().Range(ctx, "o1", "a1", 60, t0, t0.Add(time.Hour))
		if err != nil || len(got) != 30 || got[29].CPUPercent != 29 || !got[0].At.Equal(t0) {
			t.Fatalf("range: %v %d", err, len(got))
		}
		if l, _ := ep.Metrics().Range(ctx, "o2", "a1", 60, t0, t0.Add(time.Hour)); len(l) != 0 {
			t.Fatalf("other org sees metrics: %d", len(l))
		}
		// Roll the first 15 minutes (t0 is on a 15-minute boundary) up.
		if _, err := ep.Metrics().Rollup(ctx, 60, 900, t0.Add(20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		rolled, _ := ep.Metrics().Range(ctx, "o1", "a1", 900, t0, t0.Add(time.Hour))
		if len(rolled) != 1 || rolled[0].CPUPercent != 7 || rolled[0].MemUsedBytes != 700 || rolled[0].NetRxBytes != 14 || rolled[0].OrgID != "o1" {
			t.Fatalf("rollup: %+v", rolled)
		}
		left, _ := ep.Metrics().Range(ctx, "o1", "a1", 60, t0, t0.Add(time.Hour))
		if len(left) != 15 || !left[0].At.Equal(t0.Add(15*time.Minute)) {
			t.Fatalf("after rollup %d raw samples remain", len(left))
		}
		if n, err := ep.Metrics().DeleteBefore(ctx, 900, t0.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("delete: %d %v", n, err)
		}
	})

	t.Run("sca", func(t *testing.T) {
		r := store.SCAResult{OrgID: "o1", AgentID: "a1", PolicyID: "cis-debian12", PolicyName: "CIS Debian 12", FinishedAt: t0, ReceivedAt: t0,
			Hash: "h1", Score: 50, Passed: 5, Failed: 5, NotApplicable: 1, Report: []byte(`{"checks":[]}`)}
		if err := ep.SCA().Put(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.FinishedAt, r.Score, r.Passed, r.Failed = t0.Add(time.Hour), 80, 8, 2
		if err := ep.SCA().Put(ctx, r); err != nil {
			t.Fatal(err)
		}
		latest, err := ep.SCA().Latest(ctx, "o1", "a1")
		if err != nil || len(latest) != 1 || latest[0].Score != 80 || latest[0].Report != nil {
			t.Fatalf("latest: %v %+v", err, latest)
		}
		full, err := ep.SCA().Get(ctx, "o1", "a1", "cis-debian12")
		if err != nil || string(full.Report) != `{"checks":[]}` {
			t.Fatalf("get: %v %+v", err, full)
		}
		_, err = ep.SCA().Get(ctx, "o2", "a1", "cis-debian12")
		wantErr(t, err, store.ErrNotFound, "other org's assessment")
		hist, err := ep.SCA().History(ctx, "o1", "a1", 10)
		if err != nil || len(hist) != 2 || hist[0].Score != 50 || hist[1].Score != 80 {
			t.Fatalf("history: %v %+v", err, hist)
		}
	})

	t.Run("actions", func(t *testing.T) {
		mk := func(id, agent string, created time.Time, expires time.Duration) store.AgentAction {
			return store.AgentAction{ID: id, OrgID: "o1", AgentID: agent, Type: "run_command", Params: `{"argv":["uptime"]}`, Reason: "check",
				State: store.AgentActionQueued, CreatedBy: "u1", CreatedAt: created, ExpiresAt: created.Add(expires)}
		}
		for _, a := range []store.AgentAction{mk("x1", "a1", t0, time.Hour), mk("x2", "a1", t0.Add(time.Second), time.Hour),
			mk("x3", "a1", t0.Add(2*time.Second), time.Minute), mk("x4", "a2", t0, time.Hour)} {
			if err := ep.Actions().Create(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := ep.Actions().Pending(ctx, "o1", "a1"); n != 3 {
			t.Fatalf("pending = %d", n)
		}
		now := t0.Add(5 * time.Minute) // x3 has expired
		// Concurrent polls never deliver an action twice.
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Go(func() {
				got, err := ep.Actions().Deliver(ctx, "o1", "a1", now, 10)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, a := range got {
					seen[a.ID]++
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		if !reflect.DeepEqual(seen, map[string]int{"x1": 1, "x2": 1}) {
			t.Fatalf("delivered: %v", seen)
		}
		if got, _ := ep.Actions().Deliver(ctx, "o2", "a2", now, 10); len(got) != 0 {
			t.Fatalf("o2 received o1's action: %+v", got)
		}
		fin := now.Add(time.Second)
		done := store.AgentAction{ID: "x1", OrgID: "o1", AgentID: "a1", State: store.AgentActionDone, FinishedAt: &fin, Output: "up 3 days", ExitCode: 0}
		wrongAgent := done
		wrongAgent.AgentID = "a2"
		wantErr(t, ep.Actions().Finish(ctx, wrongAgent), store.ErrNotFound, "another agent's action")
		if err := ep.Actions().Finish(ctx, done); err != nil {
			t.Fatal(err)
		}
		wantErr(t, ep.Actions().Finish(ctx, done), store.ErrConflict, "finishing twice")
		queued := done
		queued.ID = "x4"
		queued.AgentID = "a2"
		wantErr(t, ep.Actions().Finish(ctx, queued), store.ErrConflict, "finishing an undelivered action")
		if err := ep.Actions().SetFile(ctx, "o1", "a1", "x1", "x1-passwd", "abc", 42); err != nil {
			t.Fatal(err)
		}
		got, err := ep.Actions().Get(ctx, "o1", "x1")
		if err != nil || got.State != store.AgentActionDone || got.Output != "up 3 days" || got.File != "x1-passwd" || got.FileSize != 42 ||
			got.DeliveredAt == nil || got.FinishedAt == nil {
			t.Fatalf("after finish: %v %+v", err, got)
		}
		_, err = ep.Actions().Get(ctx, "o2", "x1")
		wantErr(t, err, store.ErrNotFound, "other org's action")
		exp, err := ep.Actions().Expire(ctx, now, now.Add(time.Hour))
		ids := map[string]string{}
		for _, a := range exp {
			ids[a.ID] = a.State
		}
		if err != nil || !reflect.DeepEqual(ids, map[string]string{"x3": store.AgentActionExpired, "x2": store.AgentActionFailed}) {
			t.Fatalf("expire: %v %v", err, ids)
		}
		list, _ := ep.Actions().List(ctx, "o1", "a1", 10)
		if len(list) != 3 || list[0].ID != "x3" {
			t.Fatalf("list: %+v", list)
		}
	})

	t.Run("settings", func(t *testing.T) {
		_, err := ep.Settings().Get(ctx, "o1")
		wantErr(t, err, store.ErrNotFound, "settings never set")
		v, err := ep.Settings().Put(ctx, store.EndpointSettings{OrgID: "o1", Settings: []byte(`{"a":1}`), UpdatedBy: "u1", UpdatedAt: t0})
		if err != nil || v != 1 {
			t.Fatalf("put: %d %v", v, err)
		}
		if v, err = ep.Settings().Bump(ctx, "o1", t0); err != nil || v != 2 {
			t.Fatalf("bump: %d %v", v, err)
		}
		if v, err = ep.Settings().Bump(ctx, "o2", t0); err != nil || v != 1 {
			t.Fatalf("bump unset: %d %v", v, err)
		}
		v, _ = ep.Settings().Put(ctx, store.EndpointSettings{OrgID: "o1", Settings: []byte(`{"a":2}`), UpdatedBy: "u2", UpdatedAt: t0.Add(time.Hour)})
		got, err := ep.Settings().Get(ctx, "o1")
		if err != nil || v != 3 || got.Version != 3 || string(got.Settings) != `{"a":2}` || got.UpdatedBy != "u2" {
			t.Fatalf("get: %v %+v", err, got)
		}
		vs, err := ep.Settings().Versions(ctx)
		if err != nil || !reflect.DeepEqual(vs, map[string]int64{"o1": 3, "o2": 1}) {
			t.Fatalf("versions: %v %v", err, vs)
		}
	})

	t.Run("blocklist", func(t *testing.T) {
		e := store.BlockEntry{ID: "b1", OrgID: "o1", Kind: store.BlockIP, Value: "203.0.113.0/24", Reason: "C2", CreatedBy: "u1", CreatedAt: t0}
		if err := ep.BlockList().Add(ctx, e); err != nil {
			t.Fatal(err)
		}
		dup := e
		dup.ID = "b2"
		wantErr(t, ep.BlockList().Add(ctx, dup), store.ErrConflict, "duplicate entry")
		dup.OrgID = "o2"
		if err := ep.BlockList().Add(ctx, dup); err != nil {
			t.Fatalf("same value in another org: %v", err)
		}
		got, err := ep.BlockList().Get(ctx, "o1", "b1")
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Fatalf("get: %v %+v", err, got)
		}
		wantErr(t, ep.BlockList().Delete(ctx, "o1", "b2"), store.ErrNotFound, "delete another org's entry")
		if err := ep.BlockList().Delete(ctx, "o1", "b1"); err != nil {
			t.Fatal(err)
		}
		if l, err := ep.BlockList().List(ctx, "o2"); err != nil || len(l) != 1 {
			t.Fatalf("o2 list: %v %d", err, len(l))
		}
	})

	t.Run("tx rollback", func(t *testing.T) {
		boom := errors.New("boom")
		err := s.Tx(ctx, func(r store.Repos) error {
			if err := r.Endpoints().Agents().Create(ctx, newAgent("o1", "tx1", "tx")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		_, err = ep.Agents().Get(ctx, "o1", "tx1")
		wantErr(t, err, store.ErrNotFound, "rolled-back agent")
	})
}
